"""Hostile inputs written by code: transaction logs as CSV (any encoding, separator and
decimal mark), workbooks (hidden rows, merged headers, totals rows, formulas) and Parquet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

Rows = list[list[object]]
HEADERS = ["Customer ID", "Order Date", "Amount"]
N_CUSTOMERS = 12


def log_values(
    *,
    customers: int = N_CUSTOMERS,
    lines: int = 3,
    start: str = "2024-01-13",
    small_days: bool = False,
    seed: int = 0,
) -> tuple[list[str], list[pd.Timestamp], list[float]]:
    """Ids, dates and amounts of a small log: ``lines`` purchases per customer.

    ``small_days`` keeps every day of the month at 12 or less, so that 03/04 reads two
    ways; otherwise days over 12 settle the order.
    """
    rng = np.random.default_rng(seed)
    ids, dates, amounts = [], [], []
    first = pd.Timestamp(start)
    for c in range(customers):
        for _ in range(lines):
            day = first + pd.DateOffset(months=int(rng.integers(0, 9)))
            if small_days:
                day = day.replace(day=int(rng.integers(1, 13)))
            else:
                day = day.replace(day=int(rng.integers(13, 29)))
            ids.append(f"C{c + 1:03d}")
            dates.append(pd.Timestamp(day))
            amounts.append(round(float(rng.uniform(5, 250)), 2))
    return ids, dates, amounts


def analysis_date(dates: Sequence[pd.Timestamp]) -> str:
    """The default analysis date: the day after the last purchase."""
    return str((max(dates) + pd.Timedelta(days=1)).date())


def log_rows(
    date_text: Callable[[pd.Timestamp], object] = lambda d: d.strftime("%Y-%m-%d"),
    amount_text: Callable[[float], object] = lambda a: a,
    headers: Sequence[str] = HEADERS,
    **options: object,
) -> tuple[Rows, str]:
    """A header row and data rows, with dates and amounts as the callables write them;
    and the analysis date the data should give."""
    ids, dates, amounts = log_values(**options)
    rows: Rows = [list(headers)]
    rows += [[i, date_text(d), amount_text(a)] for i, d, a in zip(ids, dates, amounts)]
    return rows, analysis_date(dates)


def write_csv(
    path: Path,
    rows: Rows,
    *,
    encoding: str = "utf-8",
    separator: str = ",",
    decimal: str = ".",
    newline: str = "\n",
) -> Path:
    """Rows as a CSV file the way spreadsheet programs export them (quotes where needed)."""

    def cell(value: object) -> str:
        if value is None:
            return ""
        text = f"{value:.2f}" if isinstance(value, float) else str(value)
        if isinstance(value, float) and decimal != ".":
            text = text.replace(".", decimal)
        if separator in text or '"' in text or "\n" in text:
            text = '"' + text.replace('"', '""') + '"'
        return text

    body = newline.join(separator.join(cell(v) for v in row) for row in rows) + newline
    path.write_bytes(body.encode(encoding))
    return path


def write_xlsx(
    path: Path,
    rows: Rows,
    *,
    sheet: str = "Orders",
    top_rows: Rows = (),
    hidden: Sequence[int] = (),
    merged: Sequence[str] = (),
    table: str | None = None,
    extra_sheets: dict[str, Rows] | None = None,
) -> Path:
    """Rows on a sheet, below ``top_rows`` (titles, group headers); ``hidden`` are sheet
    row numbers to hide (a filtered table), ``merged`` cell ranges to merge."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in [*top_rows, *rows]:
        ws.append([_excel_value(v) for v in row])
    for row_number in hidden:
        ws.row_dimensions[row_number].hidden = True
    for cells in merged:
        ws.merge_cells(cells)
    if table:
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.table import Table

        first = len(top_rows) + 1
        last_column = get_column_letter(len(rows[0]))
        ws.add_table(Table(displayName=table, ref=f"A{first}:{last_column}{first + len(rows) - 1}"))
    for name, values in (extra_sheets or {}).items():
        other = book.create_sheet(name)
        for row in values:
            other.append([_excel_value(v) for v in row])
    book.save(path)
    return path


def _excel_value(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_parquet(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_parquet(path, index=False)
    return path


def as_frame(rows: Rows) -> pd.DataFrame:
    return pd.DataFrame(rows[1:], columns=rows[0])


def grid(rows: Rows) -> Rows:
    """Rows as Excel hands a range to a function: datetimes, numbers and text."""
    return [[_excel_value(v) if not isinstance(v, dt.date) else v for v in row] for row in rows]
