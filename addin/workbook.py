"""The one interface the pipeline writes against, for files and for live Excel alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from addin.sheets.layout import SheetLayout


@dataclass(frozen=True)
class TableRef:
    """Where a table is: its sheet, its Excel Table name (if any) and its cell range.

    Rows and columns are 1-based; ``first_row`` is the header row.
    """

    sheet: str
    name: str | None
    first_row: int
    first_column: int
    last_row: int
    last_column: int

    @property
    def label(self) -> str:
        where = f"table '{self.name}' on sheet '{self.sheet}'" if self.name else None
        # Headers below row 1 are worth a word: what is above them was not read.
        below = f" (headers on row {self.first_row})" if self.first_row > 1 else ""
        return where or f"sheet '{self.sheet}'{below}"


class Workbook(Protocol):
    """What the pipeline needs from a workbook, whatever holds it."""

    def sheet_names(self) -> list[str]: ...

    def tables(self) -> list[TableRef]:
        """Every Excel Table (ListObject), in sheet order."""
        ...

    def used_range(self, sheet: str) -> TableRef | None:
        """The block of cells from the first non-empty row down; None for an empty sheet."""
        ...

    def selected_table(self) -> TableRef | None:
        """The Excel Table holding the active cell (live Excel only)."""
        ...

    def read_table(self, ref: TableRef) -> pd.DataFrame:
        """Cell values under the header row, headers as column labels."""
        ...

    def write_columns(self, ref: TableRef, frame: pd.DataFrame, formats: dict[str, str]) -> None:
        """Add (or replace, by header) ``frame``'s columns beside the table; grow the Table."""
        ...

    def write_sheet(self, layout: SheetLayout) -> None:
        """Create or replace a sheet from a layout: blocks, Excel Tables, charts, scales."""
        ...

    def read_sheet(self, sheet: str) -> list[list[object]] | None:
        """All values of a sheet as rows (for settings and saved models); None if absent."""
        ...
