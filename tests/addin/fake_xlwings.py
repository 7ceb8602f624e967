"""A minimal in-memory stand-in for the few xlwings objects the Excel adapter touches.

It models cells, Excel Tables, charts and sheets as plain Python data, and Excel's
behaviour that matters to us: a leading apostrophe makes text and is not stored.
"""

from __future__ import annotations

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries


class Cell:
    def __init__(self, row: int, column: int) -> None:
        self.row, self.column = row, column


class Range:
    def __init__(self, sheet, top: int, left: int, bottom: int, right: int) -> None:
        self.sheet = sheet
        self.row, self.column, self.bottom, self.right = top, left, bottom, right

    @property
    def last_cell(self) -> Cell:
        return Cell(self.bottom, self.right)

    @property
    def address(self) -> str:
        return (
            f"${get_column_letter(self.column)}${self.row}:"
            f"${get_column_letter(self.right)}${self.bottom}"
        )

    def options(self, ndim: int = 2) -> Range:
        assert ndim == 2
        return self

    @property
    def value(self) -> list[list[object]]:
        return [
            [self.sheet.cells.get((r, c)) for c in range(self.column, self.right + 1)]
            for r in range(self.row, self.bottom + 1)
        ]

    @value.setter
    def value(self, rows: list[list[object]]) -> None:
        assert len(rows) == self.bottom - self.row + 1, "row count must match the range"
        for i, row in enumerate(rows):
            assert len(row) == self.right - self.column + 1, "column count must match"
            for j, value in enumerate(row):
                key = (self.row + i, self.column + j)
                if isinstance(value, str) and value.startswith("'"):
                    value = value[1:]
                    self.sheet.text_cells.add(key)
                elif isinstance(value, str) and value.startswith("="):
                    self.sheet.formula_cells.add(key)
                if value is None:
                    self.sheet.cells.pop(key, None)
                else:
                    self.sheet.cells[key] = value

    @property
    def number_format(self) -> None:
        raise NotImplementedError

    @number_format.setter
    def number_format(self, text: str) -> None:
        for r in range(self.row, self.bottom + 1):
            for c in range(self.column, self.right + 1):
                self.sheet.formats[(r, c)] = text

    @property
    def column_width(self) -> None:
        raise NotImplementedError

    @column_width.setter
    def column_width(self, width: float) -> None:
        self.sheet.widths[self.column] = width


class Table:
    def __init__(self, name: str, rng: Range) -> None:
        self.name, self.range = name, rng

    def resize(self, rng: Range) -> None:
        self.range = rng


class Tables(list):
    def add(self, source: Range, name: str) -> Table:
        assert all(t.name != name for t in self), "table names are unique"
        self.append(Table(name, source))
        return self[-1]


class Chart:
    chart_type = None
    source = None

    def set_source_data(self, rng) -> None:
        self.source = rng


class Charts(list):
    def add(self, left: float, top: float, width: float, height: float) -> Chart:
        self.append(Chart())
        return self[-1]


class UnionRange:
    def __init__(self, parts: list[Range]) -> None:
        self.parts = parts


class Sheet:
    def __init__(self, book, name: str) -> None:
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], object] = {}
        self.text_cells, self.formula_cells = set(), set()
        self.formats, self.widths = {}, {}
        self.tables, self.charts = Tables(), Charts()
        self.visible = True

    def range(self, first, second=None):
        if isinstance(first, str):
            parts = []
            for address in first.split(","):
                left, top, right, bottom = range_boundaries(address.replace("$", ""))
                parts.append(Range(self, top, left, bottom, right))
            return parts[0] if len(parts) == 1 else UnionRange(parts)
        second = second or first
        return Range(self, first[0], first[1], second[0], second[1])

    @property
    def used_range(self) -> Range:
        if not self.cells:
            return Range(self, 1, 1, 1, 1)
        rows = [r for r, _ in self.cells]
        columns = [c for _, c in self.cells]
        return Range(self, min(rows), min(columns), max(rows), max(columns))

    def delete(self) -> None:
        self.book.sheets.remove(self)

    def activate(self) -> None:
        self.book.active = self


class Sheets(list):
    def __init__(self, book) -> None:
        super().__init__()
        self.book = book

    def __getitem__(self, key):
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return super().__getitem__(key)

    def add(self, name: str | None = None, after: Sheet | None = None) -> Sheet:
        sheet = Sheet(self.book, name or f"Sheet{len(self) + 1}")
        position = self.index(after) + 1 if after is not None else 0
        self.insert(position, sheet)
        return sheet


class App:
    """Excel's application: a status bar and message boxes, recorded."""

    def __init__(self) -> None:
        self.status_bar = None
        self.status_history: list[str] = []
        self.alerts: list[tuple[str, str, str | None]] = []

    def __setattr__(self, name: str, value: object) -> None:
        if name == "status_bar" and value is not None:
            self.status_history.append(str(value))
        super().__setattr__(name, value)

    def alert(self, prompt: str, title: str = "", mode: str | None = None, **_: object) -> None:
        self.alerts.append((prompt, title, mode))


class Book:
    def __init__(self) -> None:
        self.sheets = Sheets(self)
        self.selection = None
        self.app = App()

    @classmethod
    def from_xlsx(cls, path) -> Book:
        """Cell values and Excel Tables of a workbook file, as Excel would show them."""
        book = cls()
        source = load_workbook(path, data_only=True)
        for ws in source.worksheets:
            sheet = book.sheets.add(name=ws.title, after=book.sheets[-1] if book.sheets else None)
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        sheet.cells[(cell.row, cell.column)] = cell.value
            for table in ws.tables.values():
                left, top, right, bottom = range_boundaries(table.ref)
                sheet.tables.append(Table(table.name, Range(sheet, top, left, bottom, right)))
        return book


def column_of(sheet: Sheet, header: str, header_row: int = 1) -> list[object]:
    """A column's values below its header, as a list."""
    column = next(c for (r, c), v in sheet.cells.items() if r == header_row and v == header)
    bottom = max(r for r, _ in sheet.cells)
    return [sheet.cells.get((r, column)) for r in range(header_row + 1, bottom + 1)]
