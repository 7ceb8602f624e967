"""Workbook files through openpyxl: read tables, add columns, write report sheets.

Values are read from a second, values-only view of the file (formulas give their last
calculated value); everything else the user has (formulas, formatting, names, data
validation, comments, macros in .xlsm) is kept because we edit the full workbook.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from copy import copy
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from addin.errors import WorkbookError
from addin.files.safety import is_formula_like, sheet_part_names
from addin.sheets.layout import Block, Chart, SheetLayout, auto_widths
from addin.sheets.placement import block_bounds, check_free, column_targets
from addin.workbook import TableRef

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14, color="1F4E78")
TABLE_STYLE = "TableStyleMedium2"


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


def _set(cell, value: object) -> None:
    value = cell_value(value)
    cell.value = value
    if isinstance(value, str) and is_formula_like(value):
        cell.data_type = "s"  # user text, never a formula


class FileWorkbook:
    """An .xlsx/.xlsm file opened for reading and editing; nothing is saved until save()."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        keep_vba = self.path.suffix.lower() == ".xlsm"
        try:
            self.book = load_workbook(self.path, keep_vba=keep_vba, keep_links=True)
            self._values = _ValueReader(self.path)
            self._written: set[str] = set()
        except (KeyError, ValueError, OSError) as exc:
            raise WorkbookError(
                f"'{self.path.name}' could not be read as a workbook ({exc}). Open it in "
                "Excel and save it again, or export the data to a new .xlsx file."
            ) from exc

    # ------------------------------------------------------------------ reading
    def sheet_names(self) -> list[str]:
        return list(self.book.sheetnames)

    def tables(self) -> list[TableRef]:
        found = []
        for sheet in self.book.worksheets:
            for table in sheet.tables.values():
                first_col, first_row, last_col, last_row = range_boundaries(table.ref)
                found.append(
                    TableRef(sheet.title, table.name, first_row, first_col, last_row, last_col)
                )
        return found

    def used_range(self, sheet: str) -> TableRef | None:
        return block_bounds(sheet, self._rows(sheet))

    def selected_table(self) -> TableRef | None:
        return None

    def read_table(self, ref: TableRef) -> pd.DataFrame:
        rows = [
            (list(row[ref.first_column - 1 : ref.last_column]) + [None] * ref.last_column)[
                : ref.last_column - ref.first_column + 1
            ]
            for row in self._rows(ref.sheet)[ref.first_row - 1 : ref.last_row]
        ]
        headers = unique_headers(rows[0] if rows else ())
        frame = pd.DataFrame(rows[1:], columns=headers, dtype=object)
        return frame.infer_objects()

    def read_sheet(self, sheet: str) -> list[list[object]] | None:
        if sheet not in self.book.sheetnames:
            return None
        return self._rows(sheet)

    def _rows(self, sheet: str) -> list[list[object]]:
        """Every row of a sheet from A1, as values (formulas give their cached results).

        Sheets written since opening are read back from the edited workbook.
        """
        if self._values is not None and sheet not in self._written:
            rows = self._values.rows(sheet)
            if rows is not None:
                return rows
        return [list(row) for row in self.book[sheet].iter_rows(values_only=True)]

    # ------------------------------------------------------------------ writing
    def write_columns(self, ref: TableRef, frame: pd.DataFrame, formats: dict[str, str]) -> None:
        ws = self.book[ref.sheet]
        header_row = ref.first_row
        headers = [
            ws.cell(header_row, c).value for c in range(ref.first_column, ref.last_column + 1)
        ]
        targets = column_targets(ref, headers, list(frame.columns))
        new_columns = [c for c in targets.values() if c > ref.last_column]
        check_free(
            ref,
            new_columns,
            {c: [ws.cell(r, c).value for r in range(ref.first_row, ref.last_row + 1)]
             for c in new_columns},
        )  # fmt: skip
        for name, column in targets.items():
            header = ws.cell(header_row, column)
            header.value = str(name)
            if column > ref.last_column:
                source = ws.cell(header_row, ref.last_column)
                # The neighbouring header's look, through openpyxl's public style objects.
                header.font, header.fill = copy(source.font), copy(source.fill)
                header.border, header.alignment = copy(source.border), copy(source.alignment)
                header.number_format = source.number_format
            values = frame[name].to_numpy(dtype=object)
            number_format = formats.get(name)
            for offset, value in enumerate(values, start=1):
                cell = ws.cell(header_row + offset, column)
                _set(cell, value)
                if number_format:
                    cell.number_format = number_format
            width = max(10, min(40, len(str(name)) + 4))
            letter = get_column_letter(column)
            if ws.column_dimensions[letter].width in (None, 13.0) or column > ref.last_column:
                ws.column_dimensions[letter].width = width
        last_column = max(ref.last_column, *targets.values())
        if ref.name:
            self._grow_table(ws, ref, last_column)

    def _grow_table(self, ws: Worksheet, ref: TableRef, last_column: int) -> None:
        table = ws.tables[ref.name]
        new_ref = (
            f"{get_column_letter(ref.first_column)}{ref.first_row}:"
            f"{get_column_letter(last_column)}{ref.last_row}"
        )
        names_now = [c.name for c in table.tableColumns]
        next_id = max((c.id for c in table.tableColumns), default=0) + 1
        for column in range(ref.first_column + len(names_now), last_column + 1):
            header = str(ws.cell(ref.first_row, column).value)
            table.tableColumns.append(TableColumn(id=next_id, name=header))
            next_id += 1
        table.ref = new_ref
        if table.autoFilter is not None:
            table.autoFilter.ref = new_ref

    def write_sheet(self, layout: SheetLayout) -> None:
        position = None
        if layout.name in self.book.sheetnames:
            old = self.book[layout.name]
            position = self.book.sheetnames.index(layout.name)
            self.book.remove(old)
        ws = self.book.create_sheet(layout.name, position)
        self._written.add(layout.name)
        if layout.title:
            ws.cell(1, 1, layout.title).font = TITLE_FONT
            for i, note in enumerate(layout.notes, start=2):
                _set(ws.cell(i, 1), note)
        for block in layout.blocks:
            self._write_block(ws, block)
        for chart in layout.charts:
            ws.add_chart(_chart(ws, layout.block(chart.block), chart), _anchor(chart))
        for scale in layout.color_scales:
            block = layout.block(scale.block)
            first = f"{get_column_letter(block.column_index(scale.first_column))}"
            last = f"{get_column_letter(block.column_index(scale.last_column))}"
            ws.conditional_formatting.add(
                f"{first}{block.first_data_row}:{last}{block.last_row}",
                ColorScaleRule(
                    start_type="min",
                    start_color=scale.low_color,
                    mid_type="percentile",
                    mid_value=50,
                    mid_color=scale.mid_color,
                    end_type="max",
                    end_color=scale.high_color,
                ),
            )
        widths = {**auto_widths(layout), **layout.column_widths}
        for column, width in widths.items():
            ws.column_dimensions[get_column_letter(column)].width = width
        if layout.hidden:
            ws.sheet_state = "hidden"
        if self.book.active is not None and self.book.active.sheet_state != "visible":
            self.book.active = next(
                i for i, s in enumerate(self.book.worksheets) if s.sheet_state == "visible"
            )

    def _write_block(self, ws: Worksheet, block: Block) -> None:
        frame = block.frame
        if block.title:
            ws.cell(block.row - 1, block.column, block.title).font = Font(bold=True)
        if block.header:
            for j, name in enumerate(frame.columns):
                cell = ws.cell(block.row, block.column + j, str(name))
                if block.table_name is None:
                    cell.fill, cell.font = HEADER_FILL, HEADER_FONT
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for j, name in enumerate(frame.columns):
            values = frame[name].to_numpy(dtype=object)
            number_format = block.number_formats.get(name)
            for i, value in enumerate(values):
                cell = ws.cell(block.first_data_row + i, block.column + j)
                _set(cell, value)
                if number_format:
                    cell.number_format = number_format
        if block.table_name and len(frame):
            ref = (
                f"{get_column_letter(block.column)}{block.row}:"
                f"{get_column_letter(block.column + len(frame.columns) - 1)}{block.last_row}"
            )
            table = Table(displayName=block.table_name, ref=ref)
            table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
            ws.add_table(table)

    # ------------------------------------------------------------------- saving
    def save(self, path: Path) -> None:
        self.book.save(path)


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


OPENPYXL_GROUPING = {"clustered": "clustered", "stacked": "stacked", "percent": "percentStacked"}


def _anchor(chart: Chart) -> str:
    return f"{get_column_letter(chart.anchor_column)}{chart.anchor_row}"


def _chart(ws: Worksheet, block: Block, spec: Chart) -> BarChart | LineChart:
    """A native chart over a block's columns: categories from one, series from others."""
    if spec.kind == "line":
        chart = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if spec.kind == "bar" else "col"
        chart.grouping = OPENPYXL_GROUPING[spec.grouping]
        if spec.grouping != "clustered":
            chart.overlap = 100  # stacked segments sit on one bar
    chart.title = spec.title
    chart.width, chart.height = spec.width_cm, spec.height_cm
    chart.y_axis.title = spec.y_title or None
    chart.x_axis.title = spec.x_title or None
    # Excel's default hides axes in some versions unless delete is set explicitly.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    for name in spec.values:
        column = block.column_index(name)
        data = Reference(
            ws, min_col=column, max_col=column, min_row=block.row, max_row=block.last_row
        )
        chart.add_data(data, titles_from_data=True)
    for series in chart.series:
        series.smooth = False  # a straight line between measured points, no invented curve
    category = block.column_index(spec.categories)
    chart.set_categories(
        Reference(
            ws,
            min_col=category,
            max_col=category,
            min_row=block.first_data_row,
            max_row=block.last_row,
        )
    )
    if spec.kind == "bar":
        chart.x_axis.scaling.orientation = "maxMin"  # first row on top, as in the table
    if len(spec.values) == 1:
        chart.legend = None
    if spec.percent:
        chart.y_axis.number_format = "0%"
        chart.y_axis.majorGridlines = None
    return chart
