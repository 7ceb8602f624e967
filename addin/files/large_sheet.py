"""A large sheet found and read without a Python object per cell.

Finding a table asks for a sheet's header rows and its used range; the per-cell reader
answered both by reading every cell of the sheet (for a million-row sheet, seconds and
gigabytes, and again for every question). Here the header rows come from a scan of the
start of the sheet's XML (:mod:`addin.files.sheet_scan`), and the rows below them are
loaded once, column by column through Arrow (:mod:`addin.files.fast_read`), for both the
used range and the table itself.

Every answer is the per-cell reader's answer (tested); where that is not certain,
:class:`~addin.files.sheet_scan.NotSimple` is raised and the caller reads per cell.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from addin.files import fast_read, sheet_scan
from addin.files.package.cells import column_letters, column_number
from addin.files.sheet_scan import NotSimple
from addin.workbook import TableRef

LARGE_XML_BYTES = 1 << 20  # sheets whose XML is larger (about 10,000 rows) skip the per-cell reader
HEAD_ROWS = 8  # rows scanned for headers: the table finder tries the first five
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DATE = object()  # a date or time among the first rows: only the per-cell reader gives it
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+(?::([A-Z]+)\d+)?"')
# Number formats that may show a date or time: the per-cell reader gives those cells as
# dates, so a header row holding one is left to it. Built-in ids, then format codes
# with a date or time letter outside quotes, escapes and [colour] brackets.
_DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_NOT_DATE_PARTS = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?![hHmMsS]+\])[^\]]*\]')


def is_large(package: zipfile.ZipFile, part: str) -> bool:
    info = package.NameToInfo.get(part)
    return info is not None and info.file_size >= LARGE_XML_BYTES


def _related_part(package: zipfile.ZipFile, kind: str) -> str | None:
    """The workbook's part of one relationship type (``sharedStrings``, ``styles``)."""
    rels = etree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    for rel in rels:
        if rel.get("Type", "").endswith("/" + kind):
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return None


def _date_styles(package: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell styles whose number format may show a date or time."""
    part = _related_part(package, "styles")
    if part is None or part not in package.NameToInfo:
        return set()
    root = etree.fromstring(package.read(part))
    codes = {int(f.get("numFmtId", "0")): f.get("formatCode", "")
             for f in root.iter(f"{_MAIN}numFmt")}  # fmt: skip
    cell_styles = root.find(f"{_MAIN}cellXfs")
    dates = set()
    for index, style in enumerate(cell_styles if cell_styles is not None else ()):
        number_format = int(style.get("numFmtId", "0"))
        code = _NOT_DATE_PARTS.sub("", codes.get(number_format, ""))
        if number_format in _DATE_FORMAT_IDS or re.search(r"[dDmMyYhHsS]", code):
            dates.add(index)
    return dates


class LargeSheet:
    """One large sheet of a workbook file, read on demand and kept."""

    def __init__(self, path: Path, sheet: str, part: str) -> None:
        self.path, self.sheet, self.part = Path(path), sheet, part
        self._head: list[list[object]] | None = None
        self._body: tuple[int, pa.RecordBatch | None] | None = None  # (header row, rows below)

    def head(self) -> list[list[object]]:
        """Rows 1 to HEAD_ROWS as the per-cell reader gives them (None for blanks), but
        with a marker for dates and times."""
        if self._head is None:
            with zipfile.ZipFile(self.path) as package:
                cells = sheet_scan.read_head(package, self.part, HEAD_ROWS)
                dated = np.isin(cells.style, list(_date_styles(package)))
                shared = sheet_scan.shared_strings(package, _related_part(package, "sharedStrings"))
            values = np.full(len(cells.row), None, dtype=object)
            number = cells.kind == sheet_scan.NUMBER
            values[number] = cells.number[number].astype(object)
            boolean = cells.kind == sheet_scan.BOOLEAN
            values[boolean] = (cells.number[boolean] != 0).astype(object)
            texts = cells.text.to_numpy(zero_copy_only=False)
            text = cells.kind == sheet_scan.TEXT
            values[text] = texts[text]
            indexes = cells.number[cells.kind == sheet_scan.SHARED].astype(np.int64)
            if ((indexes < 0) | (indexes >= len(shared))).any():
                raise NotSimple("a shared string that is not there")
            values[cells.kind == sheet_scan.SHARED] = shared.take(pa.array(indexes)).to_pylist()
            values[values == ""] = None
            values[number & dated] = _DATE
            width = int(cells.column.max()) if len(cells.column) else 0
            rows = [[None] * width for _ in range(HEAD_ROWS)]
            for row, column, value in zip(cells.row.tolist(), cells.column.tolist(), values):
                rows[row - 1][column - 1] = value  # at most HEAD_ROWS rows: a few dozen cells
            while rows and not any(v is not None for v in rows[-1]):
                rows.pop()
            self._head = rows
        return self._head

    def head_row(self, row: int, first: int, last: int) -> list[object]:
        """Values of one of the first rows, from column ``first`` to ``last``."""
        head = self.head()
        line = head[row - 1] if row <= len(head) else []
        cells = [line[c - 1] if c <= len(line) else None for c in range(first, last + 1)]
        if row > HEAD_ROWS or any(cell is _DATE for cell in cells):
            raise NotSimple("a date in the row, or a row below the first ones")
        return cells

    def last_column(self) -> int:
        """The last column of the sheet's ``<dimension>`` (required: it bounds the load)."""
        with zipfile.ZipFile(self.path) as package, package.open(self.part) as stream:
            found = _DIMENSION.search(stream.read(4096))
        if found is None:
            raise NotSimple("no dimension")
        return column_number((found.group(1) or b"A").decode())

    def _rows_below(self, header: int) -> pa.RecordBatch:
        """Every row below the header row, typed column by column (columns from A)."""
        if self._body is None or self._body[0] != header:
            body = fast_read.load_rows(
                self.path, self.sheet, header, f"A:{column_letters(self.last_column())}"
            )
            if body is not None and fast_read.has_gaps(body) and fast_read.needs_per_cell(
                self.path, self.sheet
            ):  # fmt: skip
                body = None
            self._body = header, body  # a failure is kept too: the sheet is read per cell
        if self._body[1] is None:
            raise NotSimple("mixed types, error cells or missing-value words")
        return self._body[1]

    def used_range(self) -> TableRef | None:
        """What :func:`~addin.sheets.placement.block_bounds` gives for the whole sheet."""
        head = self.head()
        counts = [sum(v is not None for v in row) for row in head]
        header = next((i + 1 for i, n in enumerate(counts) if n >= 2), None)
        if header is None:
            raise NotSimple("no header row among the first rows")
        body = self._rows_below(header)
        filled = np.zeros((body.num_columns, body.num_rows), bool)
        for j, column in enumerate(body.columns):
            present = pc.is_valid(column)
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                present = pc.and_(present, pc.not_equal(column, ""))
            filled[j] = present.to_numpy(zero_copy_only=False)
        rows_filled = np.flatnonzero(filled.any(axis=0))
        last_row = header + (int(rows_filled[-1]) + 1 if len(rows_filled) else 0)
        columns = set(np.flatnonzero(filled.any(axis=1)) + 1)
        columns |= {j + 1 for j, v in enumerate(head[header - 1]) if v is not None}
        return TableRef(self.sheet, None, header, int(min(columns)), last_row, int(max(columns)))

    def table(self, ref: TableRef, headers_from: object) -> pd.DataFrame | None:
        """The table at ``ref`` as the per-cell reader gives it; None if its header row
        is not among the first rows or holds a date (the caller asks
        :func:`fast_read.read_table`); NotSimple if the rows below cannot be loaded
        column by column (the caller reads per cell)."""
        try:
            cells = self.head_row(ref.first_row, ref.first_column, ref.last_column)
        except NotSimple:
            return None  # a date in the header row: the caller's other readers
        names = headers_from(cells)
        if ref.last_row == ref.first_row:
            return pd.DataFrame(columns=names, dtype=object).infer_objects()
        body = self._rows_below(ref.first_row)
        if ref.last_column > body.num_columns or ref.last_row - ref.first_row > body.num_rows:
            return None
        rows = body.slice(0, ref.last_row - ref.first_row)
        return fast_read.frame_of(rows, range(ref.first_column - 1, ref.last_column), names)
