"""Who moved where: movement per customer, the from -> to matrix and the moves that matter.

Tiers come from the segment maps (1 = the top tier). A customer moves ``up`` or ``down``
when the tier changes, stays ``same`` within a tier, is ``new`` when the previous period
did not have them, and is ``returning`` when they climb out of the previous map's lowest
tier (lapsed customers won back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from segmentation import defaults, names


def movements(
    previous_tier: np.ndarray, current_tier: np.ndarray, lowest_previous_tier: float
) -> np.ndarray:
    """Movement per customer; a NaN previous tier means the customer is new."""
    before = np.asarray(previous_tier, dtype="float64")
    now = np.asarray(current_tier, dtype="float64")
    return np.select(
        [
            np.isnan(before),
            (before >= lowest_previous_tier) & (now < before),
            now < before,
            now > before,
        ],
        [names.NEW_CUSTOMER, names.RETURNING, names.MOVED_UP, names.MOVED_DOWN],
        default=names.SAME_TIER,
    ).astype(object)


def _ordered(values: Sequence[str], order: Sequence[str]) -> list[str]:
    """The values present, in ``order`` first, then any others in sorted order."""
    present = set(values)
    known = [v for v in order if v in present]
    return known + sorted(present - set(known))


def transition_tables(
    previous_segment: pd.Series,
    current_segment: pd.Series,
    revenue: pd.Series,
    *,
    previous_order: Sequence[str],
    current_order: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Counts, row shares and revenue per (previous, current) pair.

    The inputs are aligned per customer; a previous segment of ``names.NEW_ROW`` marks
    new customers, a current segment of ``names.GONE_COLUMN`` customers not present now.
    Rows are previous segments (in ``previous_order``, then the new row), columns this
    period's (in ``current_order``, then the absent column). The tables are the
    cross-tabulation of the two columns, computed by counting codes.
    """
    rows = _ordered(previous_segment.astype(str), [*previous_order, names.NEW_ROW])
    columns = _ordered(current_segment.astype(str), [*current_order, names.GONE_COLUMN])
    row_code = pd.Categorical(previous_segment.astype(str), categories=rows).codes
    column_code = pd.Categorical(current_segment.astype(str), categories=columns).codes
    cell = row_code.astype(np.int64) * len(columns) + column_code
    size = len(rows) * len(columns)
    counts = np.bincount(cell, minlength=size).reshape(len(rows), len(columns))
    money = np.bincount(
        cell, weights=revenue.to_numpy(dtype="float64", na_value=0.0), minlength=size
    ).reshape(len(rows), len(columns))
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(totals > 0, counts / np.maximum(totals, 1), 0.0)
    index = pd.Index(rows, name=names.PREVIOUS_SEGMENT)
    header = pd.Index(columns, name=names.RFM_SEGMENT)
    return (
        pd.DataFrame(counts, index=index, columns=header),
        pd.DataFrame(shares, index=index, columns=header),
        pd.DataFrame(np.round(money, 2), index=index, columns=header),
    )


def top_moves(
    moves: pd.DataFrame,
    previous_tiers: Mapping[str, int],
    current_tiers: Mapping[str, int],
    *,
    top_tiers: int = defaults.TOP_TIERS,
    limit: int = defaults.TOP_MOVES,
) -> pd.DataFrame:
    """Downgrades out of the top tiers, largest value at stake first.

    ``moves`` has one row per customer of the previous period: ``Previous Segment``,
    ``RFM Segment`` (``names.GONE_COLUMN`` for those not present now) and
    ``Previous Monetary``, the value they brought when they were in the top tier.
    """
    before = moves[names.PREVIOUS_SEGMENT].astype(str)
    now = moves[names.RFM_SEGMENT].astype(str)
    tier_before = before.map(previous_tiers).astype("float64")
    tier_now = now.map(current_tiers).astype("float64")
    gone = now == names.GONE_COLUMN
    down = (tier_before <= top_tiers) & (gone | (tier_now > tier_before))
    chosen = moves[down.to_numpy()]
    columns = [
        names.FROM_SEGMENT,
        names.TO_SEGMENT,
        names.CUSTOMERS,
        names.VALUE_AT_STAKE,
        names.PREVIOUS_TIER,
        names.TIER,
    ]
    if chosen.empty:
        return pd.DataFrame(columns=columns)
    grouped = (
        chosen.assign(**{names.FROM_SEGMENT: before[down], names.TO_SEGMENT: now[down]})
        .groupby([names.FROM_SEGMENT, names.TO_SEGMENT], sort=True, observed=True)
        .agg(
            **{
                names.CUSTOMERS: (names.PREVIOUS_SEGMENT, "size"),
                names.VALUE_AT_STAKE: (names.PREVIOUS_MONETARY, "sum"),
            }
        )
        .reset_index()
    )
    grouped[names.VALUE_AT_STAKE] = grouped[names.VALUE_AT_STAKE].round(2)
    grouped[names.PREVIOUS_TIER] = grouped[names.FROM_SEGMENT].map(previous_tiers)
    grouped[names.TIER] = grouped[names.TO_SEGMENT].map(current_tiers)
    # Ties in value go to the larger group, then by name, so any row order gives one list.
    grouped = grouped.sort_values(
        [names.VALUE_AT_STAKE, names.CUSTOMERS, names.FROM_SEGMENT, names.TO_SEGMENT],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return grouped[columns].head(limit).reset_index(drop=True)
