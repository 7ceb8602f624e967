"""New workbooks (for CSV and Parquet inputs) written with XlsxWriter.

When there is no user workbook to preserve, nothing needs openpyxl's in-memory model:
XlsxWriter streams rows out, uses a fraction of the memory and is several times faster
on large Customers sheets. It also never turns text into formulas
(``strings_to_formulas`` off), so user text such as "=1+1" stays text.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

from addin.errors import WorkbookError
from addin.files import bulk_sheet
from addin.files.xlsx import cell_value
from addin.sheets.layout import Block, Chart, SheetLayout, auto_widths
from addin.workbook import TableRef

FIXED_CREATED = dt.datetime(2026, 1, 1)
# About what a landscape page holds at a readable size, in character widths.
PRINT_WIDTH_CHARS = 150
DEFAULT_WIDTH_CHARS = 8.43  # Excel's default column width
CHARS_PER_CM = 1 / 0.19  # about one default-font character per 0.19 cm
BULK_ROWS = 5_000  # Excel Tables longer than this are written by addin.files.bulk_sheet


class NewWorkbook:
    """A workbook that exists only as the sheets written into it; saved with XlsxWriter."""

    def __init__(self, *, bulk_rows: int | None = None, compress_bulk: bool = True) -> None:
        self._layouts: dict[str, SheetLayout] = {}
        # Tables longer than this go through addin.files.bulk_sheet.
        self.bulk_rows = BULK_ROWS if bulk_rows is None else bulk_rows
        # False for a package that is only read again (the sheets moved into a user's
        # workbook, which compresses them itself): the bulk sheet is stored, not deflated.
        self.compress_bulk = compress_bulk

    def sheet_names(self) -> list[str]:
        return list(self._layouts)

    def tables(self) -> list[TableRef]:
        return []

    def used_range(self, sheet: str) -> TableRef | None:
        return None

    def selected_table(self) -> TableRef | None:
        return None

    def read_table(self, ref: TableRef) -> pd.DataFrame:
        raise WorkbookError("A new workbook has no tables to read.")

    def read_sheet(self, sheet: str) -> list[list[object]] | None:
        return None

    def write_columns(self, ref: TableRef, frame: pd.DataFrame, formats: dict[str, str]) -> None:
        raise WorkbookError("A new workbook has no table to add columns to.")

    def write_sheet(self, layout: SheetLayout) -> None:
        self._layouts[layout.name] = layout

    def save(self, path: Path) -> None:
        import xlsxwriter

        book = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "nan_inf_to_errors": False,
                "remove_timezone": True,
            },
        )
        book.set_properties({"created": FIXED_CREATED})
        self._formats: dict[str, object] = {}
        self._book = book
        self._tables = 0
        self._bulk: list[tuple] = []
        bold = book.add_format({"bold": True})
        title = book.add_format({"bold": True, "font_size": 14, "font_color": "#1F4E78"})
        for layout in self._layouts.values():
            sheet = book.add_worksheet(layout.name)
            if layout.title:
                sheet.write_string(0, 0, layout.title, title)
                for i, note in enumerate(layout.notes, start=1):
                    sheet.write_string(i, 0, note)
            for block in layout.blocks:
                self._write_block(sheet, block, bold, _last_on_sheet(layout, block))
            for chart in layout.charts:
                self._add_chart(sheet, layout, layout.block(chart.block), chart)
            for scale in layout.color_scales:
                block = layout.block(scale.block)
                sheet.conditional_format(
                    block.first_data_row - 1,
                    block.column_index(scale.first_column) - 1,
                    block.last_row - 1,
                    block.column_index(scale.last_column) - 1,
                    {"type": "3_color_scale", "min_color": f"#{scale.low_color}",
                     "mid_color": f"#{scale.mid_color}", "max_color": f"#{scale.high_color}"},
                )  # fmt: skip
            widths = {**auto_widths(layout), **layout.column_widths}
            for column, width in widths.items():
                sheet.set_column(column - 1, column - 1, width)
            # Printed as presented: landscape, as many pages wide as keeps text readable.
            sheet.set_landscape()
            pages = math.ceil(_printed_width(layout, widths) / PRINT_WIDTH_CHARS)
            sheet.fit_to_pages(max(1, pages), 0)
            if layout.hidden:
                sheet.hide()
        first_visible = next(
            (i for i, layout in enumerate(self._layouts.values()) if not layout.hidden), 0
        )
        book.worksheets()[first_visible].activate()
        book.close()
        for sheet_number, table_number, block in self._bulk:
            bulk_sheet.splice_rows(
                Path(path),
                f"xl/worksheets/sheet{sheet_number}.xml",
                f"xl/tables/table{table_number}.xml",
                block.frame.iloc[1:],
                block.first_data_row + 1,
                block.column,
                compress=self.compress_bulk,
            )

    def _format(self, number_format: str | None):
        if not number_format:
            return None
        if number_format not in self._formats:
            self._formats[number_format] = self._book.add_format({"num_format": number_format})
        return self._formats[number_format]

    def _write_block(self, sheet, block: Block, bold, last_on_sheet: bool) -> None:
        frame = block.frame
        top, left = block.row - 1, block.column - 1
        bulk = (
            last_on_sheet  # its rows are appended after everything else on the sheet
            and block.table_name is not None
            and len(frame) > self.bulk_rows
            and block.header
            and bulk_sheet.can_write(frame)
        )
        if bulk:  # XlsxWriter writes the first row (it fixes the styles); the rest later
            frame = frame.iloc[:1]
        if block.title:
            sheet.write_string(top - 1, left, block.title, bold)
        formats = [self._format(block.number_formats.get(c)) for c in frame.columns]
        if block.header and not block.table_name:
            sheet.write_row(top, left, [str(c) for c in frame.columns], bold)
        first = block.first_data_row - 1
        for j, column in enumerate(frame.columns):
            values = [cell_value(v) for v in frame[column].to_numpy(dtype=object)]
            for i, value in enumerate(values):
                if value is None:
                    if bulk and formats[j] is not None:  # the bulk rows copy its style
                        sheet.write_blank(first + i, left + j, None, formats[j])
                    continue
                if isinstance(value, str):
                    sheet.write_string(first + i, left + j, value)
                elif isinstance(value, (dt.datetime, dt.date)):
                    sheet.write_datetime(first + i, left + j, value, formats[j])
                else:
                    sheet.write(first + i, left + j, value, formats[j])
        if block.table_name and len(frame):
            self._tables += 1
            sheet.add_table(
                top,
                left,
                top + len(frame),
                left + len(frame.columns) - 1,
                {
                    "name": block.table_name,
                    "style": "Table Style Medium 2",
                    "columns": [
                        {"header": str(c), **({"format": f} if f else {})}
                        for c, f in zip(frame.columns, formats)
                    ],
                },
            )
        if bulk:
            sheet_number = self._book.worksheets().index(sheet) + 1
            self._bulk.append((sheet_number, self._tables, block))

    def _add_chart(self, sheet, layout: SheetLayout, block: Block, spec: Chart) -> None:
        kind = {"type": spec.kind}  # XlsxWriter's names are ours
        if spec.grouping != "clustered":
            kind["subtype"] = "stacked" if spec.grouping == "stacked" else "percent_stacked"
        chart = self._book.add_chart(kind)
        category = block.column_index(spec.categories) - 1
        for name in spec.values:
            column = block.column_index(name) - 1
            series = {
                "name": [layout.name, block.row - 1, column],
                "categories": [layout.name, block.first_data_row - 1, category,
                               block.last_row - 1, category],
                "values": [layout.name, block.first_data_row - 1, column,
                           block.last_row - 1, column],
            }  # fmt: skip
            if spec.kind == "line":  # each point is a measurement: show it
                series["marker"] = {"type": "circle", "size": 6}
            if spec.error_bars is not None:
                series["x_error_bars" if spec.kind == "bar" else "y_error_bars"] = _error_bars(
                    layout.name, block, spec.error_bars
                )
            chart.add_series(series)
        chart.set_title({"name": spec.title})
        if len(spec.values) == 1:
            chart.set_legend({"none": True})
        values_axis = {"name": spec.y_title} if spec.y_title else {}
        if spec.percent:
            values_axis["num_format"] = "0%"
        if spec.value_range is not None:
            values_axis["min"], values_axis["max"] = spec.value_range
        category_axis = {"name": spec.x_title} if spec.x_title else {}
        if spec.kind == "bar":  # horizontal: values along x, categories down y
            category_axis["reverse"] = True  # first row on top, as in the table
            chart.set_x_axis(values_axis)
            chart.set_y_axis(category_axis)
        else:
            chart.set_y_axis(values_axis)
            chart.set_x_axis(category_axis)
        chart.set_size({"width": spec.width_cm * 37.8, "height": spec.height_cm * 37.8})
        sheet.insert_chart(spec.anchor_row - 1, spec.anchor_column - 1, chart)


def _error_bars(sheet: str, block: Block, columns: tuple[str, str]) -> dict:
    """XlsxWriter's custom error bars: lengths below and above from two block columns."""
    from xlsxwriter.utility import xl_range_abs

    def area(name: str) -> str:
        column = block.column_index(name) - 1
        cells = xl_range_abs(block.first_data_row - 1, column, block.last_row - 1, column)
        return "='" + sheet.replace("'", "''") + "'!" + cells

    below, above = columns
    return {"type": "custom", "minus_values": area(below), "plus_values": area(above)}


def _printed_width(layout: SheetLayout, widths: dict[int, float]) -> float:
    """The sheet's width in characters, charts included: a chart anchored right of the
    cells would otherwise print on a page of its own."""

    def left_of(column: int) -> float:
        return sum(widths.get(c, DEFAULT_WIDTH_CHARS) for c in range(1, column))

    right_edges = [left_of(c.anchor_column) + c.width_cm * CHARS_PER_CM for c in layout.charts]
    return max([sum(widths.values()), *right_edges])


def _last_on_sheet(layout: SheetLayout, block: Block) -> bool:
    """Whether no other block uses a row below ``block``'s first data row."""
    return all(
        other is block or max(other.row, other.last_row) <= block.first_data_row
        for other in layout.blocks
    )
