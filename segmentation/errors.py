"""The one exception type for bad input, the warning type, and row-number formatting."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class SegmentationError(ValueError):
    """Input that makes a segmentation meaningless.

    The message names the column (and, for bad cells, the first few row
    numbers as the user sees them in the spreadsheet) and says how to fix it.
    """


class SegmentationWarning(UserWarning):
    """Odd but usable input, or a result the user should look at twice."""


def describe_rows(row_numbers: Sequence[int] | np.ndarray, limit: int = 5) -> str:
    """Return "row 7" or "rows 3, 8, 12 and 40 more" for spreadsheet row numbers."""
    rows = [int(r) for r in np.asarray(row_numbers)[:limit]]
    total = len(row_numbers)
    if total == 1:
        return f"row {rows[0]}"
    listed = ", ".join(str(r) for r in rows)
    more = total - len(rows)
    return f"rows {listed}" + (f" and {more} more" if more else "")
