"""Customer value per segment or cluster: total and mean CLV, its share, P(alive), risk."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation import names
from segmentation.defaults import AT_RISK_P_ALIVE
from segmentation.reading.aggregate import exact_sums


def value_by_segment(
    table: pd.DataFrame,
    segment_column: str,
    clv_column: str,
    *,
    at_risk_below: float = AT_RISK_P_ALIVE,
) -> pd.DataFrame:
    """One row per segment (index): total, mean and share of predicted CLV, mean
    P(alive), and value at risk (the CLV of customers whose P(alive) < ``at_risk_below``).

    Sums are exact, so the figures do not depend on row order.
    """
    codes, segments = pd.factorize(table[segment_column], sort=True)
    n = len(segments)
    clv = table[clv_column].to_numpy(np.float64)
    alive = table[names.P_ALIVE].to_numpy(np.float64)
    size = np.bincount(codes, minlength=n)
    total = exact_sums(codes, clv, n)
    at_risk = exact_sums(codes, np.where(alive < at_risk_below, clv, 0.0), n)
    grand = float(exact_sums(np.zeros(len(clv), dtype=np.int64), clv, 1)[0])
    return pd.DataFrame(
        {
            names.TOTAL_CLV: total,
            names.MEAN_CLV: total / size,
            names.SHARE_CLV: total / grand if grand else np.nan,
            names.MEAN_P_ALIVE: exact_sums(codes, alive, n) / size,
            names.VALUE_AT_RISK: at_risk,
        },
        index=pd.Index(segments, name=names.SEGMENT),
    )


def add_value_to_profile(
    profile: pd.DataFrame, by_segment: pd.DataFrame, *, priority_by_clv: bool = False
) -> pd.DataFrame:
    """The profile with the value columns after the revenue share; with
    ``priority_by_clv``, priorities re-ordered by total predicted CLV."""
    joined = profile.join(by_segment, on=names.SEGMENT)
    if priority_by_clv:
        joined = joined.sort_values(
            [names.TOTAL_CLV, names.CUSTOMERS, names.SEGMENT],
            ascending=[False, False, True],
            kind="stable",
        ).reset_index(drop=True)
        joined[names.PRIORITY] = np.arange(1, len(joined) + 1)
    columns = list(profile.columns)
    at = columns.index(names.SHARE_REVENUE) + 1 if names.SHARE_REVENUE in columns else len(columns)
    ordered = columns[:at] + list(by_segment.columns) + columns[at:]
    return joined[ordered]
