"""Large tables written as sheet XML in bulk and spliced into a saved workbook.

XlsxWriter spends several microseconds on every cell, so a sheet of a million customers
took over a minute. Here each column becomes its cells' XML in one Arrow compute call,
rows are joined the same way, and the bytes go straight into the package. XlsxWriter
still writes everything else (the header, the first data row, which fixes the cell
styles, the Excel Table and the other sheets); this module only appends the remaining
rows and stretches the table and the sheet's dimension over them.

Text is written as inline strings, so user text such as ``=1+1`` stays text.
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

from addin.files.safety import atomic_write

CHUNK_ROWS = 100_000
_EXCEL_EPOCH = np.datetime64("1899-12-30", "ns")
_ILLEGAL_XML = r"[\x00-\x08\x0B\x0C\x0E-\x1F]"  # RE2 syntax


def column_letters(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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


def _cells(
    values: pd.Series, style: int | None, reference: pa.Array | None
) -> tuple[pa.Array, bool]:
    """Each value's ``<c>`` element, and whether any was missing (an empty string).

    ``reference`` (e.g. "C17") is needed only after a missing cell in the row: without
    it, a reader places each cell right after the previous one.
    """
    start = "<c" if reference is None else _join('<c r="', reference, '"')
    if values.dtype.kind in "iufM":
        style_attr = f' s="{style}"' if style else ""
        cells = _join(start, f"{style_attr}><v>", _numbers(values), "</v></c>")
    else:
        if isinstance(values.dtype, pd.CategoricalDtype):  # the labels, once each, then take
            labels = pa.array(values.cat.categories.to_numpy(dtype=object), pa.large_string())
            codes = values.cat.codes.to_numpy()
            text = labels.take(pa.array(codes, mask=codes < 0))
        else:
            text = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
        for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
            text = pc.replace_substring(text, old, new)
        if pc.any(pc.match_substring_regex(text, _ILLEGAL_XML)).as_py():
            # Characters XML cannot hold, written as OOXML escapes (as XlsxWriter does).
            for code in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]:
                text = pc.replace_substring(text, chr(code), f"_x{code:04X}_")
        cells = _join(start, ' t="inlineStr"><is><t xml:space="preserve">', text, "</t></is></c>")
    return pc.fill_null(cells, ""), cells.null_count > 0


def rows_xml(
    frame: pd.DataFrame, first_row: int, first_column: int, styles: list[int | None]
) -> Iterator[memoryview]:
    """``<row>`` elements for ``frame``, top-left at (``first_row``, ``first_column``)."""
    for start in range(0, len(frame), CHUNK_ROWS):
        chunk = frame.iloc[start : start + CHUNK_ROWS]
        numbers = pa.array(np.arange(first_row + start, first_row + start + len(chunk)))
        row_numbers = numbers.cast(pa.string())
        cells, gap = [], False
        for position, (column, style) in enumerate(zip(chunk.columns, styles)):
            reference = _join(column_letters(first_column + position), row_numbers) if gap else None
            column_cells, missing = _cells(chunk[column], style, reference)
            cells.append(column_cells)
            gap = gap or missing
        rows = _join('<row r="', row_numbers, '">', *cells, "</row>")
        offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)
        begin, end = offsets[rows.offset], offsets[rows.offset + len(rows)]
        yield memoryview(rows.buffers()[2])[begin:end]


def splice_rows(
    path: Path,
    sheet_part: str,
    table_part: str | None,
    frame: pd.DataFrame,
    first_row: int,
    first_column: int,
    styles: list[int | None],
) -> None:
    """Append ``frame``'s rows to a sheet of the saved package at ``path``.

    ``first_row`` is the sheet row of the frame's first row; the sheet's dimension and
    the Excel Table (``table_part``) are stretched to the new last row.
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
                    rows = rows_xml(frame, first_row, first_column, styles)
                    _write_sheet(target, item, data, rows, full_range)
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
    data: bytes,
    rows: Iterator[memoryview],
    last_cell: str,
) -> None:
    xml = data.decode("utf-8")
    head, end_tag, tail = xml.partition("</sheetData>")
    if not end_tag:
        raise ValueError(f"{item.filename} has no sheetData")
    head = re.sub(
        r'<dimension ref="([A-Z]+[0-9]+)(:[A-Z]+[0-9]+)?"/>',
        rf'<dimension ref="\1:{last_cell}"/>',
        head,
    )
    info = zipfile.ZipInfo(item.filename, date_time=item.date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    with target.open(info, "w", force_zip64=True) as out:
        out.write(head.encode("utf-8"))
        for chunk in rows:
            out.write(chunk)
        out.write((end_tag + tail).encode("utf-8"))
