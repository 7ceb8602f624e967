"""The rows of a table the reader keeps: blank, incomplete and duplicate rows dropped
and counted, and each customer's latest values of the extra columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.errors import SegmentationError
from segmentation.reading.quality import ALL_COLUMNS, DataQualityReport

NO_DATA_ROWS = (
    "The table has no data rows: there is nothing but blanks below the headers. Paste the "
    "data under the header row, or export the file again with its rows."
)


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"


def row_numbers(frame: pd.DataFrame, first_row: int) -> np.ndarray:
    return np.arange(first_row, first_row + len(frame))


def drop_blank_rows(
    frame: pd.DataFrame, rows: np.ndarray, report: DataQualityReport
) -> tuple[pd.DataFrame, np.ndarray]:
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        report.add(
            "Blank rows were skipped", ALL_COLUMNS, int(blank.sum()), rows[blank], warn=False
        )
        frame, rows = frame[~blank], rows[~blank]
    if frame.empty:
        raise SegmentationError(NO_DATA_ROWS)
    return frame, rows


def drop_incomplete(
    parsed: dict[str, pd.Series],
    labels: dict[str, str],
    rows: np.ndarray,
    report: DataQualityReport,
) -> np.ndarray:
    """Mask of rows that have every required value; the others are reported."""
    keep = np.ones(len(rows), dtype=bool)
    for role, values in parsed.items():
        missing = values.isna().to_numpy() & keep
        if missing.any():
            report.add(
                f"Rows without {_article(role)} {role} were left out",
                labels[role],
                int(missing.sum()),
                rows[missing],
            )
            keep &= ~missing
    if not keep.any():
        raise SegmentationError(
            "No usable rows: every row lacks a customer id, a date or an amount. Check that "
            "the right columns were used: "
            + ", ".join(f"{r} = '{c}'" for r, c in labels.items())
            + "."
        )
    return keep


def drop_duplicate_rows(
    frame: pd.DataFrame, rows: np.ndarray, report: DataQualityReport
) -> np.ndarray:
    # Hash each row first; only rows whose hash repeats are compared exactly. A 32-bit
    # fold sorts twice as fast as the 64-bit hash; its chance collisions (about n**2 / 2**33
    # pairs, some 12,000 among 10M rows) only add rows to the exact comparison.
    wide = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    hashes = (wide ^ (wide >> np.uint64(32))).astype(np.uint32)
    del wide
    ordered = np.sort(hashes)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    # A bitmap of the repeated hashes' low bits narrows the rows cheaply before the
    # exact membership test.
    low = np.zeros(1 << 22, dtype=bool)
    low[repeated & ((1 << 22) - 1)] = True
    candidates = low[hashes & ((1 << 22) - 1)]
    if candidates.any():
        picked = hashes[candidates]
        slot = np.searchsorted(repeated, picked).clip(max=len(repeated) - 1)
        candidates[candidates] = repeated[slot] == picked
    duplicated = np.zeros(len(frame), dtype=bool)
    if candidates.any():
        duplicated[candidates] = frame[candidates].duplicated(keep="first").to_numpy()
    report.add("Duplicate rows were removed", ALL_COLUMNS, int(duplicated.sum()), rows[duplicated])
    return ~duplicated


def latest_values(frame: pd.DataFrame, codes: np.ndarray, days: np.ndarray, n: int) -> pd.DataFrame:
    """For each customer, the extra columns' values on their latest row."""
    order = np.lexsort((days, codes))
    last_rows = order[np.r_[codes[order][1:] != codes[order][:-1], True]]
    picked = frame.iloc[last_rows]
    picked.index = codes[last_rows]
    return picked.reindex(np.arange(n)).reset_index(drop=True)
