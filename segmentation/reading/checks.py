"""Checks that stop a wrong result: repeated headers, dates in the future, customers
with returns and no purchases. Shared by the in-memory reader and the SQL engines."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from segmentation import names
from segmentation.defaults import MAX_AMOUNT
from segmentation.errors import SegmentationError, describe_rows
from segmentation.reading.dates import future_dates_error, future_limit
from segmentation.reading.quality import DataQualityReport

_NUMBERED = re.compile(r" \(\d+\)$")
NO_PURCHASES = "Customers with returns but no purchases were left out"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def check_repeated_headers(
    headers: Iterable[object], roles: Mapping[str, str], explicit: Mapping[str, str] | None
) -> None:
    """Refuse a role whose header heads two columns, unless the user named the column.

    ``headers`` are the table's headers before they were made unique; ``roles`` maps
    roles to the (unique) headers used.
    """
    original = [str(h).strip() if h is not None else "" for h in headers]
    present = set(original)
    # A workbook reader numbers repeats itself ("Amount", "Amount (2)"): the same column.
    bases = [
        base if (base := _NUMBERED.sub("", h)) != h and base in present else h for h in original
    ]
    counts = Counter(bases)
    for role, header in roles.items():
        if (explicit or {}).get(role) == header or counts.get(header, 0) < 2:
            continue
        places = [_ordinal(i + 1) for i, h in enumerate(bases) if h == header]
        what = role.replace("_", " ")
        raise SegmentationError(
            f"{len(places)} columns are headed '{header}' (the {', '.join(places[:-1])} and "
            f"{places[-1]} columns), and it is not clear which one holds the {what}. "
            "Rename the one that should not be used.",
            fix="Or say which one to use: {columns} is the second.",
            suggest={"columns": {role: f"{header} (2)"}},
        )


def check_future_dates(
    dates: np.ndarray, rows: np.ndarray | None, column: str, as_of: object
) -> None:
    """Without an analysis date, dates after today are refused (they would set it)."""
    if as_of is not None or not len(dates):
        return
    limit = future_limit()
    future = dates > np.datetime64(limit)
    if future.any():
        where = "" if rows is None else f" ({describe_rows(rows[future])})"
        latest = pd.Timestamp(dates[future].max())
        raise future_dates_error(column, int(future.sum()), latest, where, limit)


def drop_no_purchases(table: pd.DataFrame, report: DataQualityReport, label: str) -> pd.DataFrame:
    """Customers whose lines are all returns (Frequency 0) bought nothing in the period:
    they are left out of the scores, with a note, rather than scored as buyers."""
    none = (table[names.FREQUENCY] == 0).to_numpy()
    if none.all():
        raise SegmentationError(
            f"No purchases: every amount in column '{label}' is negative (returns), so "
            "there is nothing to score. Check that the column holds sales and not refunds, "
            "or that the signs were not flipped in the export."
        )
    if none.any():
        report.add(NO_PURCHASES, label, int(none.sum()))
        table = table[~none].reset_index(drop=True)
    return table


def check_amount_sizes(amounts: pd.Series, rows: np.ndarray | None, column: str) -> None:
    """Refuse amounts too large to be money: their sum would overflow or lose the cents."""
    huge = (amounts.abs() > MAX_AMOUNT).to_numpy()
    if huge.any():
        where = "" if rows is None else f" ({describe_rows(rows[huge])})"
        raise SegmentationError(
            f"Column '{column}' has {int(huge.sum()):,} amount{'s' if huge.sum() > 1 else ''} "
            f"beyond {MAX_AMOUNT:,.0f}{where}, such as {amounts[huge].iloc[0]:g}. Such "
            "numbers are not money (an id or a code in the amount column?): correct or "
            "clear those cells, or choose the amount column."
        )
