"""Large tables written as sheet XML in bulk and spliced into a saved workbook.

XlsxWriter spends several microseconds on every cell, so a sheet of a million customers
took over a minute. Here each column becomes its cells' XML in one Arrow compute call,
rows are joined the same way, and the bytes go straight into the package. XlsxWriter
still writes everything else (the header, the first data row, which fixes the cell
styles, the Excel Table and the other sheets); this module only appends the remaining
rows and stretches the table and the sheet's dimension over them.

Text is written as inline strings, so user text such as ``=1+1`` stays text, and as
Excel itself stores it: characters XML 1.0 cannot hold (control characters, U+FFFE,
U+FFFF, lone surrogates) as ``_xHHHH_`` escapes, a literal ``_xHHHH_`` with its
underscore escaped (``_x005F_``) so it reads back as typed, carriage returns escaped
too (an XML reader would turn a raw one into a line feed), and text cut
at Excel's 32,767-character limit (the run notes it: ``addin.sheets.cell_text``). Every
cell carries its reference (``r="C17"``), so a table may start in any column.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from addin.files.package.cells import column_letters, column_number
from addin.files.safety import atomic_write
from addin.sheets.cell_text import fit_text

CHUNK_ROWS = 100_000
_EXCEL_EPOCH = np.datetime64("1899-12-30", "ns")
# Characters XML 1.0 cannot hold, even as character references, written as Excel's
# _xHHHH_ escapes (RE2 syntax), as Excel and XlsxWriter do.
# Carriage returns too: a raw one would be read back as a line feed.
_ESCAPED_XML = r"[\x00-\x08\x0B-\x1F\x{FFFE}\x{FFFF}]"
_ESCAPED_CODES = [*range(0x09), *range(0x0B, 0x20), 0xFFFE, 0xFFFF]
# Text that Excel would read as an escape: its underscore is escaped in turn.
_LITERAL_ESCAPE = r"_(x[0-9A-Fa-f]{4}_)"
_CELL_BYTES = 64  # an upper bound on a cell's markup: <c r="XFD1048576" s="..." t=...>


def can_write(frame: pd.DataFrame) -> bool:
    """True when every column is plain numbers, dates or text (no mixed cells; booleans
    are left to XlsxWriter, which writes them as TRUE/FALSE)."""
    for column in frame.columns:
        values = frame[column]
        kind = values.dtype.kind
        if kind in "iufM":
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.cat.categories.to_series()
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            return False
    return True


def _join(*parts: object) -> pa.Array:
    """Element-wise concatenation; a null part makes the result null."""
    items = [
        pa.scalar(p, pa.large_string()) if isinstance(p, str) else p.cast(pa.large_string())
        for p in parts
    ]
    return pc.binary_join_element_wise(*items, pa.scalar("", pa.large_string()))


def _numbers(values: pd.Series) -> pa.Array:
    numbers = values.to_numpy()
    if values.dtype.kind == "M":
        numbers = (values.to_numpy("datetime64[ns]") - _EXCEL_EPOCH) / np.timedelta64(1, "D")
    if numbers.dtype.kind == "f":
        return pa.array(numbers, mask=~np.isfinite(numbers)).cast(pa.string())
    return pa.array(numbers).cast(pa.string())


def _escape_surrogates(text: str) -> str:
    """The literal-escape rule, then lone surrogates (not UTF-8) as Excel escapes."""
    text = re.sub(_LITERAL_ESCAPE, r"_x005F_\1", text)
    return re.sub("[\ud800-\udfff]", lambda m: f"_x{ord(m.group()):04X}_", text)


def _escaped(values: pd.Series) -> pa.Array:
    """Text cells as the content of ``<t>``: Excel's escapes and XML's."""
    values, _ = fit_text(values)
    try:
        text = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
        text = pc.replace_substring_regex(text, _LITERAL_ESCAPE, r"_x005F_\1")
    except (pa.ArrowInvalid, UnicodeEncodeError):  # lone surrogates: rare, per value
        fixed = values.astype(object).map(_escape_surrogates, na_action="ignore")
        text = pa.array(fixed.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, old, new)
    if pc.any(pc.match_substring_regex(text, _ESCAPED_XML)).as_py():
        for code in _ESCAPED_CODES:
            text = pc.replace_substring(text, chr(code), f"_x{code:04X}_")
    return text


def _cells(values: pd.Series, style: int | None, reference: pa.Array) -> pa.Array:
    """Each value's ``<c>`` element; a missing value gives an empty string."""
    start = _join('<c r="', reference, '"')
    if values.dtype.kind in "iufM":
        style_attr = f' s="{style}"' if style else ""
        cells = _join(start, f"{style_attr}><v>", _numbers(values), "</v></c>")
    else:
        if isinstance(values.dtype, pd.CategoricalDtype):  # the labels, once each, then take
            labels = _escaped(values.cat.categories.to_series().astype(object))
            codes = values.cat.codes.to_numpy()
            text = labels.take(pa.array(codes, mask=codes < 0))
        else:
            text = _escaped(values)
        cells = _join(start, ' t="inlineStr"><is><t xml:space="preserve">', text, "</t></is></c>")
    return pc.fill_null(cells, "")


def rows_xml(
    frame: pd.DataFrame, first_row: int, first_column: int, styles: list[int | None]
) -> Iterator[memoryview]:
    """``<row>`` elements for ``frame``, top-left at (``first_row``, ``first_column``)."""
    letters = [column_letters(first_column + i) for i in range(len(frame.columns))]
    for start in range(0, len(frame), CHUNK_ROWS):
        chunk = frame.iloc[start : start + CHUNK_ROWS]
        numbers = pa.array(np.arange(first_row + start, first_row + start + len(chunk)))
        row_numbers = numbers.cast(pa.string())
        cells = [
            _cells(chunk[column], style, _join(letter, row_numbers))
            for column, style, letter in zip(chunk.columns, styles, letters)
        ]
        rows = _join('<row r="', row_numbers, '">', *cells, "</row>")
        offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)
        begin, end = offsets[rows.offset], offsets[rows.offset + len(rows)]
        yield memoryview(rows.buffers()[2])[begin:end]


def _text_bytes(values: pd.Series) -> int:
    """The UTF-8 size of a text column, or an upper bound of it."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        labels = values.cat.categories.to_series().astype(str).str.len().to_numpy() * 4
        codes = values.cat.codes.to_numpy()
        return int((labels[codes[codes >= 0]]).sum())
    try:
        text = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
        return int(pc.sum(pc.binary_length(text)).as_py() or 0)
    except (pa.ArrowInvalid, UnicodeEncodeError):
        return int(values.astype(object).str.len().sum()) * 4


def size_bound(frame: pd.DataFrame) -> int:
    """More bytes than ``frame``'s rows can take as sheet XML (escapes make text at most
    seven times longer: one character, ``_xHHHH_``)."""
    total = len(frame) * (_CELL_BYTES + 32) * max(1, len(frame.columns))
    for column in frame.columns:
        if frame[column].dtype.kind not in "iufM":
            total += 7 * _text_bytes(frame[column])
    return total


def row_styles(sheet_xml: str, row: int, first_column: int, count: int) -> list[int | None]:
    """The style index (``s``) of each of ``count`` cells of ``row``, from ``first_column``:
    the styles XlsxWriter gave the first data row, which the bulk rows repeat."""
    found = re.search(rf'<row r="{row}"[^>]*>(.*?)</row>', sheet_xml, re.DOTALL)
    cells = re.findall(r'<c r="([A-Z]+)[0-9]+"([^>]*)', found.group(1) if found else "")
    styles: list[int | None] = [None] * count
    for letters, attributes in cells:
        position = column_number(letters) - first_column
        style = re.search(r'\bs="([0-9]+)"', attributes)
        if 0 <= position < count and style:
            styles[position] = int(style.group(1))
    return styles


def splice_rows(
    path: Path,
    sheet_part: str,
    table_part: str | None,
    frame: pd.DataFrame,
    first_row: int,
    first_column: int,
    *,
    compress: bool = True,
) -> None:
    """Append ``frame``'s rows to a sheet of the saved package at ``path`` (the sheet
    deflated, or stored when ``compress`` is False).

    ``first_row`` is the sheet row of the frame's first row; its cells take the styles
    of the row above. The sheet's dimension and the Excel Table (``table_part``) are
    stretched to the new last row.
    """
    last_row = first_row + len(frame) - 1
    last_column = column_letters(first_column + len(frame.columns) - 1)
    full_range = f"{last_column}{last_row}"

    def rewrite(temporary: Path) -> None:
        with (
            zipfile.ZipFile(path) as source,
            zipfile.ZipFile(temporary, "w", compresslevel=1) as target,
        ):  # level 1: a large sheet compresses nearly as well, far faster
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename == sheet_part:
                    xml = data.decode("utf-8")
                    styles = row_styles(xml, first_row - 1, first_column, len(frame.columns))
                    rows = rows_xml(frame, first_row, first_column, styles)
                    _write_sheet(
                        target,
                        item,
                        xml,
                        rows,
                        full_range,
                        size_bound(frame),
                        zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED,
                    )
                    continue
                if item.filename == table_part:
                    data = _stretch(data.decode("utf-8"), full_range).encode("utf-8")
                target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)

    atomic_write(path, rewrite)


def _stretch(xml: str, last_cell: str) -> str:
    """Every ``ref="A1:J2"`` range in a table or dimension, extended to ``last_cell``."""
    return re.sub(r'ref="([A-Z]+[0-9]+):[A-Z]+[0-9]+"', rf'ref="\1:{last_cell}"', xml)


def _write_sheet(
    target: zipfile.ZipFile,
    item: zipfile.ZipInfo,
    xml: str,
    rows: Iterator[memoryview],
    last_cell: str,
    rows_bound: int,
    compression: int,
) -> None:
    head, end_tag, tail = xml.partition("</sheetData>")
    if not end_tag:
        raise ValueError(f"{item.filename} has no sheetData")
    head = re.sub(
        r'<dimension ref="([A-Z]+[0-9]+)(:[A-Z]+[0-9]+)?"/>',
        rf'<dimension ref="\1:{last_cell}"/>',
        head,
    )
    info = zipfile.ZipInfo(item.filename, date_time=item.date_time)
    info.compress_type = compression
    # A size bound lets zipfile choose the ZIP64 layout only when the part may need it
    # (over 2 GiB): a ZIP64 header on a small part can make Excel offer to repair.
    info.file_size = len(xml) * 4 + rows_bound
    with target.open(info, "w") as out:
        out.write(head.encode("utf-8"))
        for chunk in rows:
            out.write(chunk)
        out.write((end_tag + tail).encode("utf-8"))
