"""The computation behind =SEGMENT_CHANGES: plain Python over the engine, no Excel."""

from __future__ import annotations

import pandas as pd

from segmentation import names
from segmentation.change.migration import transition_tables
from segmentation.rfm.segment_maps import get_segment_map


def _labels(values: object) -> pd.Series:
    cells = list(values) if isinstance(values, (list, tuple)) else [values]
    text = pd.Series(cells, dtype=object).map(
        lambda v: None if v is None or (isinstance(v, str) and not v.strip()) else str(v).strip()
    )
    return text


def changes_matrix(previous_segments: object, current_segments: object) -> list[list[object]]:
    """The counts matrix with a header row and a Total column, as a spilled range.

    A first cell that names a column (``Previous Segment`` or ``RFM Segment``) is taken
    as a header and left out. Rows and columns follow the default segment map's order.
    """
    before, now = _labels(previous_segments), _labels(current_segments)
    if len(before) != len(now):
        raise ValueError(
            f"previous_segments has {len(before)} rows and current_segments {len(now)}; "
            "they must line up, one row per customer"
        )
    headers = {names.PREVIOUS_SEGMENT, names.RFM_SEGMENT, names.SEGMENT, names.CLUSTER_NAME}
    if len(before) and (before.iloc[0] in headers or now.iloc[0] in headers):
        before, now = before.iloc[1:], now.iloc[1:]
    known = before.notna() | now.notna()
    before, now = before[known], now[known]
    if before.empty:
        raise ValueError("Both ranges are empty: pass two columns of segment names")
    order = [*get_segment_map("default").segments, "Other"]
    counts, _, _ = transition_tables(
        before.fillna(names.NEW_ROW).reset_index(drop=True),
        now.fillna(names.GONE_COLUMN).reset_index(drop=True),
        pd.Series(0.0, index=range(len(before))),
        previous_order=order,
        current_order=order,
    )
    grid = [[names.PREVIOUS_SEGMENT, *map(str, counts.columns), "Total"]]
    for label, row in zip(counts.index, counts.to_numpy()):
        grid.append([str(label), *(int(v) for v in row), int(row.sum())])
    return grid
