"""Every problem of a table at once, for `validate` and Check Data: a run stops at the
first problem, a check goes on and lists them all, most basic first."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from segmentation.errors import SegmentationError
from segmentation.reading.checks import (
    check_amount_sizes,
    check_future_dates,
    check_repeated_headers,
)
from segmentation.reading.cleaning import blank_out_markers, to_dates, to_ids, to_numbers
from segmentation.reading.columns import detect_columns, tidy_headers
from segmentation.reading.dates import check_date_format, parse_as_of
from segmentation.reading.quality import DataQualityReport

# The checks that read one column each, by role: run on every column, whatever fails.
_NUMBER_ROLES = ("amount", "quantity", "unit_price", "recency", "frequency", "monetary")


def find_problems(
    frame: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    kind: str | None = None,
    as_of: object = None,
    date_format: str | None = None,
    first_row: int = 2,
) -> list[SegmentationError]:
    """The problems that stop a run, each checked on its own; [] when none is found.

    Settings come first (a bad date order spoils every date), then the headers (without
    them no column can be read), then each column's cells, in the table's order.
    """
    problems: list[SegmentationError] = []

    def attempt(check: Callable[[], object]) -> object:
        try:
            return check()
        except SegmentationError as exc:
            if str(exc) not in {str(p) for p in problems}:
                problems.append(exc)
            return None

    attempt(lambda: check_date_format(date_format))
    order = None if problems else date_format
    if as_of is not None:
        attempt(lambda: parse_as_of(as_of, order))
    headers = list(frame.columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tidied = tidy_headers(frame)
        found = attempt(lambda: detect_columns(tidied, columns, kind))
        if found is None:
            return problems
        attempt(lambda: check_repeated_headers(headers, found.roles, columns))
        if tidied.empty:
            return problems
        rows = np.arange(first_row, first_row + len(tidied))
        cleaned, _ = blank_out_markers(tidied[list(dict.fromkeys(found.roles.values()))])
        scratch = DataQualityReport()
        for role, header in found.roles.items():
            values = cleaned[header]
            if role in ("customer_id", "order_id"):
                attempt(lambda v=values, h=header: to_ids(v, h, scratch, rows))
            elif role in ("date", "last_purchase"):
                dates = attempt(lambda v=values, h=header: to_dates(v, h, scratch, rows, order))
                if dates is not None:
                    present = dates.notna().to_numpy()
                    attempt(lambda d=dates, p=present, h=header: check_future_dates(
                        d.to_numpy()[p], rows[p], h, as_of))  # fmt: skip
            elif role in _NUMBER_ROLES:
                numbers = attempt(lambda v=values, h=header: to_numbers(v, h, scratch, rows))
                if numbers is not None and role in ("amount", "monetary"):
                    attempt(lambda n=numbers, h=header: check_amount_sizes(n, rows, h))
    return problems
