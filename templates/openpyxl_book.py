"""The template builder's workbook: built from scratch with openpyxl, run through the
pipeline like a user's workbook.

Templates start empty, so openpyxl's full in-memory model loses nothing here, and the
builder shapes extra sheets (array formulas, defined names) through it. Users'
workbooks are edited by :mod:`addin.files.package` instead, which keeps every part.
"""

from __future__ import annotations

from copy import copy
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from addin.errors import WorkbookError
from addin.files.safety import is_formula_like
from addin.files.xlsx import _ValueReader, cell_value, unique_headers
from addin.sheets.layout import Block, Chart, SheetLayout, auto_widths
from addin.sheets.placement import block_bounds, check_free, column_targets
from addin.workbook import TableRef

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14, color="1F4E78")
TABLE_STYLE = "TableStyleMedium2"


def _set(cell, value: object) -> None:
    value = cell_value(value)
    cell.value = value
    if isinstance(value, str) and is_formula_like(value):
        cell.data_type = "s"  # user text, never a formula


class OpenpyxlWorkbook:
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


def _anchor(chart: Chart) -> str:
    return f"{get_column_letter(chart.anchor_column)}{chart.anchor_row}"


OPENPYXL_GROUPING = {"clustered": "clustered", "stacked": "stacked", "percent": "percentStacked"}


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
