"""The workbook adapter for live Excel, through xlwings: the thin layer.

Every decision (which table, where columns go, what a sheet holds) is made in
:mod:`addin.files.finding`, :mod:`addin.sheets.placement` and
:mod:`addin.sheets.layout`; this module only moves values in and out with a handful
of xlwings calls, so a small stand-in can test it on Linux. Chart titles and colour
scales go through Excel's object model (``.api``)
and are verified only on Windows/macOS Excel.
"""

from __future__ import annotations

import contextlib
import math

import pandas as pd

from addin.files.safety import is_formula_like
from addin.files.xlsx import unique_headers
from addin.sheets.layout import Block, Chart, SheetLayout, auto_widths
from addin.sheets.placement import block_bounds, check_free, column_targets
from addin.workbook import TableRef

CHART_TYPES = {"bar": "bar_clustered", "column": "column_clustered", "line": "line"}
# Excel's error-bar constants: xlX / xlY, xlErrorBarIncludeBoth, xlErrorBarTypeCustom.
ERROR_BAR_DIRECTION = {"bar": -4168, "column": 1, "line": 1}
ERROR_BAR_BOTH, ERROR_BAR_CUSTOM = 1, -4114
CATEGORY_AXIS, VALUE_AXIS = 1, 2  # Excel's xlCategory and xlValue
POINTS_PER_CM = 28.35
ROW_HEIGHT_POINTS = 15.0
COLUMN_WIDTH_POINTS = 50.0


def excel_value(value: object) -> object:
    """A DataFrame value as Excel should receive it; formula-like text stays text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value  # Excel's text prefix: shown as typed, never evaluated
    return value


def _grid(frame: pd.DataFrame, header: bool) -> list[list[object]]:
    rows = [[excel_value(v) for v in row] for row in frame.to_numpy(dtype=object).tolist()]
    return ([list(map(str, frame.columns))] if header else []) + rows


def _ref(sheet_name: str, name: str | None, rng) -> TableRef:
    last = rng.last_cell
    return TableRef(sheet_name, name, rng.row, rng.column, last.row, last.column)


class ExcelWorkbook:
    """An open workbook in Excel (an ``xlwings.Book``)."""

    def __init__(self, book) -> None:
        self.book = book

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def tables(self) -> list[TableRef]:
        return [
            _ref(sheet.name, table.name, table.range)
            for sheet in self.book.sheets
            for table in sheet.tables
        ]

    def used_range(self, sheet: str) -> TableRef | None:
        used = self.book.sheets[sheet].used_range
        values = used.options(ndim=2).value
        return block_bounds(sheet, values, used.row, used.column)

    def selected_table(self) -> TableRef | None:
        with contextlib.suppress(Exception):  # no selection, a chart selected, ...
            cell = self.book.selection
            for ref in self.tables():
                inside_rows = ref.first_row <= cell.row <= ref.last_row
                inside_columns = ref.first_column <= cell.column <= ref.last_column
                if ref.sheet == cell.sheet.name and inside_rows and inside_columns:
                    return ref
        return None

    def _range(self, sheet, top: int, left: int, bottom: int, right: int):
        return sheet.range((top, left), (bottom, right))

    def read_table(self, ref: TableRef) -> pd.DataFrame:
        sheet = self.book.sheets[ref.sheet]
        rows = (
            self._range(sheet, ref.first_row, ref.first_column, ref.last_row, ref.last_column)
            .options(ndim=2)
            .value
        )
        return pd.DataFrame(rows[1:], columns=unique_headers(rows[0]), dtype=object).infer_objects()

    def read_sheet(self, sheet: str) -> list[list[object]] | None:
        if sheet not in self.sheet_names():
            return None
        return self.book.sheets[sheet].used_range.options(ndim=2).value

    def write_columns(self, ref: TableRef, frame: pd.DataFrame, formats: dict[str, str]) -> None:
        sheet = self.book.sheets[ref.sheet]
        headers = (
            self._range(sheet, ref.first_row, ref.first_column, ref.first_row, ref.last_column)
            .options(ndim=2)
            .value[0]
        )
        targets = column_targets(ref, headers, list(frame.columns))
        new_columns = [c for c in targets.values() if c > ref.last_column]
        beside = {
            c: [row[0] for row in self._range(sheet, ref.first_row, c, ref.last_row, c)
                .options(ndim=2).value]
            for c in new_columns
        }  # fmt: skip
        check_free(ref, new_columns, beside)
        for name, column in targets.items():
            cells = [[str(name)]] + [[excel_value(v)] for v in frame[name].to_numpy(dtype=object)]
            target = self._range(sheet, ref.first_row, column, ref.last_row, column)
            target.value = cells
            if name in formats:
                self._range(
                    sheet, ref.first_row + 1, column, ref.last_row, column
                ).number_format = formats[name]
        last_column = max(ref.last_column, *targets.values())
        if ref.name and last_column > ref.last_column:
            table = next(t for t in sheet.tables if t.name == ref.name)
            table.resize(self._range(sheet, ref.first_row, ref.first_column, ref.last_row,
                                     last_column))  # fmt: skip

    def write_sheet(self, layout: SheetLayout) -> None:
        names = self.sheet_names()
        if layout.name in names:
            old = self.book.sheets[layout.name]
            sheet = self.book.sheets.add(after=old)
            old.delete()
            sheet.name = layout.name
        else:
            sheet = self.book.sheets.add(name=layout.name, after=self.book.sheets[-1])
        if layout.title:
            rows = [[layout.title], *[[note] for note in layout.notes]]
            self._range(sheet, 1, 1, len(rows), 1).value = rows
        for block in layout.blocks:
            self._write_block(sheet, block)
        for chart in layout.charts:
            self._add_chart(sheet, layout.block(chart.block), chart)
        for scale in layout.color_scales:
            block = layout.block(scale.block)
            area = self._range(
                sheet,
                block.first_data_row,
                block.column_index(scale.first_column),
                block.last_row,
                block.column_index(scale.last_column),
            )
            with contextlib.suppress(Exception):  # Excel's object model only
                rule = area.api.FormatConditions.AddColorScale(ColorScaleType=3)
                colors = (scale.low_color, scale.mid_color, scale.high_color)
                for position, color in enumerate(colors, start=1):
                    rule.ColorScaleCriteria(position).FormatColor.Color = _bgr(color)
        for column, width in {**auto_widths(layout), **layout.column_widths}.items():
            self._range(sheet, 1, column, 1, column).column_width = width
        if layout.hidden:
            sheet.visible = False

    def _write_block(self, sheet, block: Block) -> None:
        frame = block.frame
        if block.title:
            self._range(sheet, block.row - 1, block.column, block.row - 1, block.column).value = [
                [block.title]
            ]
        right = block.column + len(frame.columns) - 1
        top = block.row if block.header else block.first_data_row
        bottom = max(block.last_row, top)
        area = self._range(sheet, top, block.column, bottom, right)
        area.value = _grid(frame, block.header)
        for name, number_format in block.number_formats.items():
            if name not in frame.columns:
                continue  # a format for a column this block leaves out: the files skip it too
            column = block.column_index(name)
            if len(frame):
                self._range(
                    sheet, block.first_data_row, column, block.last_row, column
                ).number_format = number_format
        if block.table_name and len(frame):
            sheet.tables.add(source=area, name=block.table_name)

    def _add_chart(self, sheet, block: Block, spec: Chart) -> None:
        columns = [block.column_index(spec.categories)] + [
            block.column_index(v) for v in spec.values
        ]
        source = [self._range(sheet, block.row, c, block.last_row, c) for c in columns]
        chart = sheet.charts.add(
            left=(spec.anchor_column - 1) * COLUMN_WIDTH_POINTS,
            top=(spec.anchor_row - 1) * ROW_HEIGHT_POINTS,
            width=spec.width_cm * POINTS_PER_CM,
            height=spec.height_cm * POINTS_PER_CM,
        )
        chart.chart_type = (
            CHART_TYPES[spec.kind]
            if spec.grouping == "clustered"
            else f"{spec.kind}_stacked" + ("_100" if spec.grouping == "percent" else "")
        )
        chart.set_source_data(_union(sheet, source))
        with contextlib.suppress(Exception):  # the object model differs on macOS
            chart.api[1].HasTitle = True
            chart.api[1].ChartTitle.Text = spec.title
            for axis_type, title in ((CATEGORY_AXIS, spec.x_title), (VALUE_AXIS, spec.y_title)):
                if title:
                    axis = chart.api[1].Axes(axis_type)
                    axis.HasTitle = True
                    axis.AxisTitle.Text = title
            if spec.percent:
                chart.api[1].Axes(VALUE_AXIS).TickLabels.NumberFormat = "0%"
            if spec.value_range is not None:
                axis = chart.api[1].Axes(VALUE_AXIS)
                axis.MinimumScale, axis.MaximumScale = spec.value_range
        if spec.error_bars is not None:
            with contextlib.suppress(Exception):  # the object model differs on macOS
                below, above = (
                    self._range(sheet, block.first_data_row, block.column_index(c),
                                block.last_row, block.column_index(c)).api
                    for c in spec.error_bars
                )  # fmt: skip
                chart.api[1].SeriesCollection(1).ErrorBar(
                    Direction=ERROR_BAR_DIRECTION[spec.kind], Include=ERROR_BAR_BOTH,
                    Type=ERROR_BAR_CUSTOM, Amount=above, MinusValues=below,
                )  # fmt: skip

    def save(self, path=None) -> None:  # live workbooks are saved by their user
        return None


def _bgr(hex_color: str) -> int:
    """Excel's object model takes colours as 0xBBGGRR integers."""
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (0, 2, 4))
    return red + (green << 8) + (blue << 16)


def _union(sheet, ranges):
    """One Excel range made of several columns (Excel's comma union)."""
    return sheet.range(",".join(r.address for r in ranges))
