"""A workbook table read column by column through Arrow, for large customer tables.

The per-cell reader (python-calamine's ``to_python``) makes a Python object of every
cell: a million-row table took ten seconds and nearly 3 GB. fastexcel (calamine's Rust
reader with Arrow output) gives each column as one typed Arrow array instead, turned
into pandas columns without a Python object per number.

The result is exactly what the per-cell path gives (``FileWorkbook.read_table``; tested
value for value and dtype for dtype), so this path is used only where that is certain:
every column holds one type (numbers, text, booleans, or dates without a time of day),
and the table has no error cells (``#N/A``: the data-quality report counts them, and
fastexcel reads them as blanks). Anything else returns None, and the caller keeps the
per-cell path.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from addin.files.package.cells import column_letters
from addin.files.safety import sheet_part_names
from addin.workbook import TableRef

FAST_ROWS = 10_000  # smaller tables keep the per-cell path: it is quick enough there
# Texts fastexcel reads as missing in a column of numbers, dates or booleans.
_NULL_WORDS = (
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
_NULL_WORDS_XML = tuple(
    f">{text}</{tag}>".encode()
    for word in _NULL_WORDS
    for text in {word.replace("<", "&lt;").replace(">", "&gt;"), word.replace("<", "&lt;")}
    for tag in ("t", "v")
)  # as an inline or shared string's text, or a formula's cached text (">" may be bare)
_SCAN_BYTES = 1 << 22
_OVERLAP = 256  # longer than a cell's start tag or any of the words
# Header names fastexcel makes up (blank, duplicate, date or boolean headers) or may
# spell differently from the cell (numbers): for those the header cells are read.
_RENAMED = re.compile(r"^__UNNAMED__\d+$|_\d+$|^[-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?$")


def _stream_has(package: zipfile.ZipFile, part: str, needles: tuple[bytes, ...]) -> bool:
    """Whether any of ``needles`` occurs in a package part, read in chunks (never held
    whole; plain substring searches, which run at memory speed)."""
    with package.open(part) as stream:
        tail = b""
        while chunk := stream.read(_SCAN_BYTES):
            window = tail + chunk
            if any(needle in window for needle in needles):
                return True
            tail = chunk[-_OVERLAP:]
    return False


def needs_per_cell(path: Path, sheet: str) -> bool:
    """Whether a sheet may hold cells fastexcel reads as blanks but the per-cell path
    does not: error cells (#N/A), and texts such as 'n/a' or 'NULL' (fastexcel's
    missing-value words) in the sheet or its shared strings."""
    with zipfile.ZipFile(path) as package:
        part = sheet_part_names(package).get(sheet)
        names = set(package.namelist())
        if part is None or part not in names:
            return True
        if _stream_has(package, part, (b' t="e"', *_NULL_WORDS_XML)):
            return True
        shared = "xl/sharedStrings.xml"
        return shared in names and _stream_has(package, shared, _NULL_WORDS_XML)


def has_gaps(body: pa.RecordBatch) -> bool:
    """Whether any column has a blank (or NaN): only then can a cell have been misread."""
    for column in body.columns:
        if column.null_count:
            return True
        if pa.types.is_floating(column.type) and pc.any(pc.is_nan(column)).as_py():
            return True
    return False


def _text_dtype() -> pd.StringDtype | None:
    """The dtype pandas infers for a column of text, when it is Arrow-backed (pandas 3)."""
    inferred = pd.Series(["a", None], dtype=object).infer_objects().dtype
    if isinstance(inferred, pd.StringDtype) and inferred.storage == "pyarrow":
        return inferred
    return None


_TEXT_DTYPE = _text_dtype()


def _column(array: pa.ChunkedArray | pa.Array) -> np.ndarray | None:
    """One column as the per-cell path would hold it, or None if it cannot be sure."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    kind = array.type
    if pa.types.is_null(kind) or array.null_count == len(array):
        return np.full(len(array), None, dtype=object)
    if pa.types.is_floating(kind) or pa.types.is_integer(kind):
        return pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        # An empty text cell reads as blank in the per-cell path.
        array = pc.if_else(pc.equal(array, ""), pa.scalar(None, kind), array)
        if _TEXT_DTYPE is not None:  # what pandas infers for text: kept in Arrow
            return pd.array(array, dtype=_TEXT_DTYPE)
        return array.to_numpy(zero_copy_only=False)
    if pa.types.is_boolean(kind):
        values = array.to_numpy(zero_copy_only=False)
        return values.astype(object) if array.null_count else values.astype(bool)
    if pa.types.is_timestamp(kind) and kind.tz is None:
        stamps = array.cast(pa.timestamp("ms")).to_numpy(zero_copy_only=False)
        days = stamps.astype("datetime64[D]")
        known = ~np.isnat(stamps)
        if (stamps[known] != days[known]).any():
            return None  # times of day: the per-cell path's datetimes are kept
        return days.astype(object)  # datetime.date, None for blanks: as calamine gives
    return None


def load_rows(path: Path, sheet: str, header_row: int, letters: str) -> pa.RecordBatch | None:
    """Every row below ``header_row`` in the columns ``letters`` (``"A:F"``), one typed
    Arrow column each; None if a column mixes types (or fastexcel is missing)."""
    try:
        import fastexcel

        return fastexcel.read_excel(str(path)).load_sheet(
            sheet, header_row=header_row - 1, use_columns=letters, schema_sample_rows=None,
            dtype_coercion="strict", eager=True,
        )  # fmt: skip
    except Exception:  # mixed types in a column, a range past the data
        return None


def frame_of(body: pa.RecordBatch, columns: range, names: list[str]) -> pd.DataFrame | None:
    """Columns of ``body`` as the per-cell path would hold them, or None."""
    converted = [_column(body.column(i)) for i in columns]
    if any(column is None for column in converted):
        return None
    frame = pd.DataFrame(dict(enumerate(converted)))
    frame.columns = names
    return frame.infer_objects()


def read_table(path: Path, ref: TableRef, headers_from: object) -> pd.DataFrame | None:
    """The table at ``ref`` as ``FileWorkbook.read_table`` gives it, or None where only
    the per-cell path can be sure (see the module's notes) or fastexcel is missing.

    ``headers_from`` turns the header cells into column names (``unique_headers``).
    """
    try:
        import fastexcel
    except ImportError:
        return None
    letters = f"{column_letters(ref.first_column)}:{column_letters(ref.last_column)}"
    width = ref.last_column - ref.first_column + 1
    height = ref.last_row - ref.first_row
    try:
        reader = fastexcel.read_excel(str(path))
        body = reader.load_sheet(
            ref.sheet, header_row=ref.first_row - 1, n_rows=max(height, 1), use_columns=letters,
            schema_sample_rows=None, dtype_coercion="strict", eager=True,
        )  # fmt: skip
        cells: list[object] = body.schema.names
        if any(_RENAMED.search(name) for name in cells):
            # A blank, duplicate, date or boolean header: fastexcel renames it, so the
            # header cells themselves are read (one row, a second pass over the sheet).
            header = reader.load_sheet(
                ref.sheet, header_row=None, skip_rows=ref.first_row - 1, n_rows=1,
                use_columns=letters, schema_sample_rows=None,
            ).to_arrow()  # fmt: skip
            cells = [header.column(i)[0].as_py() for i in range(header.num_columns)]
            if any(cell is None for cell in cells) and needs_per_cell(path, ref.sheet):
                return None  # a blank header might be an error cell
    except Exception:  # mixed types in a column, a range past the data: per cell
        return None
    if len(cells) != width or body.num_columns != width:
        return None
    names = headers_from(cells)
    if height == 0 or body.num_rows == 0:
        return pd.DataFrame(columns=names, dtype=object).infer_objects()
    if has_gaps(body) and needs_per_cell(path, ref.sheet):
        return None
    return frame_of(body, range(width), names)
