"""Workbook files: tables and values read with calamine, results written at package level.

Reading never loads the whole workbook model; writing goes through
:mod:`addin.files.package`, so charts, pictures, shapes, pivot tables, VBA and every
other part the tool does not own come out exactly as they went in.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from addin.errors import WorkbookError
from addin.files import fast_read
from addin.files.large_sheet import LargeSheet, is_large
from addin.files.package.cells import ColumnWrite, column_letters
from addin.files.package.editor import PackageEditor
from addin.files.package.opc import MAIN_NS
from addin.files.safety import sheet_part_names
from addin.files.sheet_scan import NotSimple
from addin.sheets.layout import SheetLayout
from addin.sheets.placement import block_bounds, check_free, column_targets
from addin.workbook import TableRef


def cell_value(value: object) -> object:
    """A DataFrame value as openpyxl should store it (blanks for NaN/NaT)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


class FileWorkbook:
    """An .xlsx/.xlsm file opened for reading and editing; nothing is saved until save().

    Values are read with calamine; edits are collected and written by
    :class:`~addin.files.package.editor.PackageEditor`, which changes only the tool's
    own parts of the package and carries every other part byte for byte.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # Whether a saved copy keeps the VBA project; None: as the saved file's extension.
        self.keep_macros: bool | None = None
        try:
            self.editor = PackageEditor(self.path)
            strict = self.editor.is_strict()
            self.editor.sheet_names()
            self._values: _ValueReader | None = _ValueReader(self.path)
            self._read: dict[str, list[list[object]]] = {}
            self._large: dict[str, LargeSheet | None] = {}
        except (KeyError, ValueError, OSError, StopIteration, zipfile.BadZipFile) as exc:
            raise WorkbookError(
                f"'{self.path.name}' could not be read as a workbook ({exc}). Open it in "
                "Excel and save it again, or export the data to a new .xlsx file."
            ) from exc
        if strict:
            raise WorkbookError(
                f"'{self.path.name}' is saved as a Strict Open XML workbook, which this tool "
                "does not edit. In Excel: File > Save As > Excel Workbook (*.xlsx), then run "
                "again."
            )

    @property
    def notes(self) -> list[str]:
        """What the last save had to say (parts of an earlier output sheet it replaced)."""
        return self.editor.notes

    def has_macros(self) -> bool:
        return self.editor.has_macros()

    # ------------------------------------------------------------------ reading
    def sheet_names(self) -> list[str]:
        return self.editor.sheet_names()

    def tables(self) -> list[TableRef]:
        found = []
        for table in self.editor.tables():
            first_row, first_col, last_row, last_col = table.bounds()
            found.append(TableRef(table.sheet, table.name, first_row, first_col, last_row,
                                  last_col))  # fmt: skip
        return found

    def used_range(self, sheet: str) -> TableRef | None:
        large = self._large_sheet(sheet)
        if large is not None:
            try:
                return large.used_range()
            except NotSimple:
                pass
        return block_bounds(sheet, self._rows(sheet))

    def selected_table(self) -> TableRef | None:
        return None

    def read_table(self, ref: TableRef) -> pd.DataFrame:
        large = self._large_sheet(ref.sheet)
        arrow = True
        if large is not None:
            try:
                frame = large.table(ref, unique_headers)
                if frame is not None:
                    return frame
            except NotSimple:
                arrow = False  # the Arrow load failed or cannot be sure: per cell
        if (
            arrow
            and ref.last_row - ref.first_row >= fast_read.FAST_ROWS
            and not self.editor.edited(ref.sheet)
        ):
            frame = fast_read.read_table(self.path, ref, unique_headers)  # column by column
            if frame is not None:
                return frame
        rows = [
            (list(row[ref.first_column - 1 : ref.last_column]) + [None] * ref.last_column)[
                : ref.last_column - ref.first_column + 1
            ]
            for row in self._rows(ref.sheet)[ref.first_row - 1 : ref.last_row]
        ]
        headers = unique_headers(rows[0] if rows else ())
        frame = pd.DataFrame(rows[1:], columns=headers, dtype=object)
        return frame.infer_objects()

    def uncalculated_formulas(self, sheet: str, column: int, first_row: int, last_row: int) -> int:
        """How many cells of one column hold a formula saved without its result (a file
        written by a program, not by Excel): such cells read as blank."""
        part = self.editor.sheet_part(sheet)
        if part is None or self.editor.edited(sheet):
            return 0
        from lxml import etree

        letter = column_letters(column)
        pattern = re.compile(rf"^{letter}(\d+)$")
        count = 0
        for _, cell in etree.iterparse(
            io.BytesIO(self.editor.package.read(part)), tag=f"{{{MAIN_NS}}}c"
        ):
            found = pattern.match(cell.get("r", ""))
            if found and first_row <= int(found.group(1)) <= last_row:
                has_formula = cell.find(f"{{{MAIN_NS}}}f") is not None
                value = cell.find(f"{{{MAIN_NS}}}v")
                count += has_formula and (value is None or not (value.text or "").strip())
            cell.clear()
        return count

    def read_sheet(self, sheet: str) -> list[list[object]] | None:
        if sheet not in self.sheet_names():
            return None
        return self._rows(sheet)

    def _large_sheet(self, sheet: str) -> LargeSheet | None:
        """The sheet, if its XML is large and unedited: read without the per-cell path."""
        if sheet in self.editor.layouts or self.editor.edited(sheet):
            return None
        if sheet not in self._large:
            part = self.editor.sheet_part(sheet)
            with zipfile.ZipFile(self.path) as package:
                big = part is not None and is_large(package, part)
            self._large[sheet] = LargeSheet(self.path, sheet, part) if big else None
        return self._large[sheet]

    def _row_cells(self, sheet: str, row: int, first: int, last: int) -> list[object]:
        """Values of one row from column ``first`` to ``last``."""
        large = self._large_sheet(sheet)
        if large is not None:
            try:
                return large.head_row(row, first, last)
            except NotSimple:
                pass
        rows = self._rows(sheet)
        line = rows[row - 1] if row <= len(rows) else []
        return [line[c - 1] if c <= len(line) else None for c in range(first, last + 1)]

    def _beyond_data(self, sheet: str, columns: list[int]) -> bool:
        """Whether every one of ``columns`` lies right of a large sheet's data."""
        large = self._large_sheet(sheet)
        try:
            return large is not None and min(columns) > large.last_column()
        except NotSimple:
            return False

    def _rows(self, sheet: str) -> list[list[object]]:
        """Every row of a sheet from A1, as values (formulas give their cached results).

        Sheets written since opening are read from their layouts.
        """
        if sheet in self.editor.layouts:
            return layout_rows(self.editor.layouts[sheet])
        if sheet not in self._read:  # finding the table and reading it share one read
            if self._values is None:
                self._values = _ValueReader(self.path)
            self._read[sheet] = self._values.rows(sheet) or []
        return self._read[sheet]

    # ------------------------------------------------------------------ writing
    def write_columns(self, ref: TableRef, frame: pd.DataFrame, formats: dict[str, str]) -> None:
        headers = self._row_cells(ref.sheet, ref.first_row, ref.first_column, ref.last_column)
        targets = column_targets(ref, headers, list(frame.columns))
        new_columns = [c for c in targets.values() if c > ref.last_column]
        if new_columns and not self._beyond_data(ref.sheet, new_columns):
            rows = self._rows(ref.sheet)

            def value(row: int, column: int) -> object:
                line = rows[row - 1] if row <= len(rows) else []
                return line[column - 1] if column <= len(line) else None

            check_free(
                ref,
                new_columns,
                {c: [value(r, c) for r in range(ref.first_row, ref.last_row + 1)]
                 for c in new_columns},
            )  # fmt: skip
        writes = [
            ColumnWrite(
                column,
                str(name),
                list(frame[name].to_numpy(dtype=object)),
                number_format=formats.get(name),
                header_like=ref.last_column,
                width=max(10, min(40, len(str(name)) + 4)) if column > ref.last_column else None,
            )
            for name, column in targets.items()
        ]
        table = next(
            (t for t in self.editor.tables() if ref.name and t.name == ref.name and
             t.sheet == ref.sheet),
            None,
        )  # fmt: skip
        self.editor.add_columns(ref.sheet, ref.first_row, writes, table)

    def write_sheet(self, layout: SheetLayout) -> None:
        self.editor.add_sheet(layout)

    # ------------------------------------------------------------------- saving
    def save(self, path: Path) -> None:
        # Let go of the input first (the value reader holds it open): in place, it is
        # replaced next, which Windows refuses while any handle is open.
        self._values = None
        self.editor.save(Path(path), macros=self.keep_macros)


def layout_rows(layout: SheetLayout) -> list[list[object]]:
    """A layout's cell values as rows from A1, as the written sheet would read back."""
    cells: dict[tuple[int, int], object] = {}
    if layout.title:
        cells[(1, 1)] = layout.title
        for i, note in enumerate(layout.notes, start=2):
            cells[(i, 1)] = note
    for block in layout.blocks:
        if block.title:
            cells[(block.row - 1, block.column)] = block.title
        for j, name in enumerate(block.frame.columns):
            if block.header:
                cells[(block.row, block.column + j)] = str(name)
            for i, item in enumerate(block.frame[name].to_numpy(dtype=object)):
                cells[(block.first_data_row + i, block.column + j)] = cell_value(item)
    height = max((r for r, _ in cells), default=0)
    width = max((c for _, c in cells), default=0)
    rows = [[None] * width for _ in range(height)]
    for (row, column), item in cells.items():
        rows[row - 1][column - 1] = item
    return rows


_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>(.*?)</c>', re.DOTALL)
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def _error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """(row, column) -> error text of every error cell of a sheet, from its XML."""
    with zipfile.ZipFile(path) as package:
        part = sheet_part_names(package).get(sheet)
        if part is None or part not in package.namelist():
            return {}
        xml = package.read(part)
    if b't="e"' not in xml:
        return {}
    found = {}
    for letters, row, body in _ERROR_CELL.findall(xml):
        value = _VALUE.search(body)
        text = value.group(1).decode("utf-8") if value else "#N/A"
        found[(int(row), column_index_from_string(letters.decode()))] = text
    return found


class _ValueReader:
    """Cell values of a workbook file, read fast with calamine (openpyxl as fallback).

    python-calamine reads a sheet's values many times faster than openpyxl; only values
    are needed here, and the workbook itself is edited through openpyxl.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._book = None
        self._fallback = None
        try:
            from python_calamine import CalamineWorkbook

            self._book = CalamineWorkbook.from_path(str(path))
        except Exception:  # not installed, or a file calamine cannot read: openpyxl
            self._fallback = load_workbook(path, data_only=True, read_only=True)

    def rows(self, sheet: str) -> list[list[object]] | None:
        if self._book is not None:
            if sheet not in self._book.sheet_names:
                return None
            values = self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            rows = [[None if v == "" else v for v in row] for row in values]
            # calamine reads error cells (#N/A, #VALUE!) as empty: put their text back, so
            # the data-quality report can count them as Excel errors.
            for (row, column), text in _error_cells(self.path, sheet).items():
                if row <= len(rows) and column <= len(rows[row - 1]):
                    rows[row - 1][column - 1] = text
            return rows
        if sheet not in self._fallback.sheetnames:
            return None
        return [list(row) for row in self._fallback[sheet].iter_rows(values_only=True)]


def read_sheet_values(path: Path, sheet: str) -> list[list[object]] | None:
    """One sheet's values from a workbook file, without opening it for editing."""
    return _ValueReader(Path(path)).rows(sheet)


def unique_headers(cells: tuple | list) -> list[str]:
    """Header texts, with blanks named 'Column N' and repeats numbered."""
    headers, seen = [], {}
    for j, value in enumerate(cells, start=1):
        text = _header_text(value) or f"Column {j}"
        if text in seen:
            seen[text] += 1
            text = f"{text} ({seen[text]})"
        else:
            seen[text] = 1
        headers.append(text)
    return headers


def _header_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
