"""Where things go in a sheet: decisions shared by the file and live-Excel adapters."""

from __future__ import annotations

from collections.abc import Sequence

from addin.errors import WorkbookError
from addin.workbook import TableRef

Grid = Sequence[Sequence[object]]


def _filled(value: object) -> bool:
    return value is not None and value != ""


def block_bounds(sheet: str, values: Grid, top: int = 1, left: int = 1) -> TableRef | None:
    """The table in a sheet's used range: from the header row down, filled columns only.

    A title above the table fills one cell; the header row is the first with two.
    ``top``/``left`` say where ``values`` starts on the sheet.
    """
    counts = [sum(_filled(v) for v in row) for row in values]
    rows = [i for i, n in enumerate(counts) if n]
    if not rows:
        return None
    header = next((i for i, n in enumerate(counts) if n >= 2), rows[0])
    columns = {j for row in values[header : rows[-1] + 1] for j, v in enumerate(row) if _filled(v)}
    return TableRef(
        sheet, None, top + header, left + min(columns), top + rows[-1], left + max(columns)
    )


def column_targets(ref: TableRef, headers: Sequence[object], new: Sequence[str]) -> dict[str, int]:
    """Sheet column for each new column: its old place if the table has that header
    (a re-run replaces it), else the next free column right of the table."""
    existing = {str(h): ref.first_column + j for j, h in enumerate(headers) if h not in (None, "")}
    targets, next_column = {}, ref.last_column + 1
    for name in new:
        if name in existing:
            targets[name] = existing[name]
        else:
            targets[name] = next_column
            next_column += 1
    return targets


def check_free(ref: TableRef, columns: Sequence[int], values_of: dict[int, Sequence[object]]):
    """Refuse to write over the user's data right of the table (one message, the cell)."""
    from openpyxl.utils import get_column_letter

    for column in columns:
        for offset, value in enumerate(values_of.get(column, ())):
            if _filled(value):
                where = f"{get_column_letter(column)}{ref.first_row + offset}"
                raise WorkbookError(
                    f"Cell {where} on sheet '{ref.sheet}', right of the {ref.label}, is not "
                    f"empty, and the new segment columns go there. Move that data or insert "
                    f"{len(columns)} empty columns after the table, then run again."
                )
