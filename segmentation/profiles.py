"""Segment profiles (size, value, R/F/M, extras, priority, action) and validation figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import kruskal

from segmentation import names
from segmentation.errors import SegmentationError
from segmentation.names import (
    ACTION,
    CUSTOMERS,
    DESCRIPTION,
    PRIORITY,
    REVENUE,
    SEGMENT,
    SHARE_CUSTOMERS,
    SHARE_REVENUE,
)

MAX_PROFILE_LEVELS = 30


def segment_profile(
    table: pd.DataFrame,
    segment_column: str = names.RFM_SEGMENT,
    *,
    actions: Mapping[str, str] | None = None,
    descriptions: Mapping[str, str] | None = None,
    extras: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per segment: size, revenue, R/F/M profile, priority and action.

    Parameters
    ----------
    table : DataFrame
        Customers with ``Recency``, ``Frequency``, ``Monetary``, the segment column and,
        where present, the ``R``/``F``/``M`` scores.
    segment_column : str, default "RFM Segment"
    actions, descriptions : mapping of segment to text, optional
    extras : list of str
        Extra columns to profile: numeric ones by their mean, others (with at most 30
        distinct values) by their most common value and its share.

    Returns
    -------
    DataFrame
        Sorted by ``Priority`` (1 = the segment holding the most revenue).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"Recency": [5, 9, 300], "Frequency": [4, 6, 1],
    ...                   "Monetary": [400.0, 600.0, 20.0],
    ...                   "RFM Segment": ["Champions", "Champions", "Lost"]})
    >>> segment_profile(t)[["Segment", "Customers", "Revenue", "% Revenue", "Priority"]]
         Segment  Customers  Revenue  % Revenue  Priority
    0  Champions          2   1000.0   0.980392         1
    1       Lost          1     20.0   0.019608         2
    """
    for column in (*names.RFM_VALUES, segment_column, *extras):
        if column not in table.columns:
            raise SegmentationError(
                f"Cannot profile segments: column '{column}' is missing. Its columns are: "
                f"{', '.join(map(repr, map(str, table.columns)))}."
            )
    segments = table[segment_column]
    groups = table.groupby(segments, observed=True, sort=True)
    profile = pd.DataFrame(
        {
            CUSTOMERS: groups.size(),
            REVENUE: groups[names.MONETARY].sum(),
        }
    )
    profile[SHARE_CUSTOMERS] = profile[CUSTOMERS] / profile[CUSTOMERS].sum()
    total_revenue = table[names.MONETARY].sum()
    profile[SHARE_REVENUE] = profile[REVENUE] / total_revenue if total_revenue else np.nan
    for column in names.RFM_VALUES:
        profile[f"Mean {column}"] = groups[column].mean()
        profile[f"Median {column}"] = groups[column].median()
    for column in names.RFM_SCORES:
        if column in table.columns:
            profile[f"Mean {column}"] = groups[column].mean()
    for column in extras:
        values = table[column]
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().sum() >= 0.9 * values.notna().sum() and values.notna().any():
            profile[f"Mean {column}"] = numeric.groupby(segments, observed=True).mean()
        elif values.nunique() <= MAX_PROFILE_LEVELS:
            # Names, e-mails and other free text say nothing about a segment: skipped.
            profile[f"Top {column}"] = _top_category(values, segments)
    ranking = profile.reset_index(names=SEGMENT).sort_values(
        [REVENUE, CUSTOMERS, SEGMENT], ascending=[False, False, True], kind="stable"
    )
    ranking[PRIORITY] = np.arange(1, len(ranking) + 1)
    if descriptions:
        ranking[DESCRIPTION] = ranking[SEGMENT].map(dict(descriptions)).fillna("")
    if actions:
        ranking[ACTION] = ranking[SEGMENT].map(dict(actions)).fillna("")
    ordered = [SEGMENT, CUSTOMERS, SHARE_CUSTOMERS, REVENUE, SHARE_REVENUE]
    ordered += [c for c in ranking.columns if c not in ordered]
    return ranking[ordered].reset_index(drop=True)


def _top_category(values: pd.Series, segments: pd.Series) -> pd.Series:
    """The most common value per segment, with its share: "North (45%)"."""
    frame = pd.DataFrame({"segment": segments, "value": values.astype(object).fillna("(blank)")})
    counts = frame.groupby(["segment", "value"], observed=True).size().rename("n").reset_index()
    counts["value"] = counts["value"].astype(str)
    counts = counts.sort_values(["segment", "n", "value"], ascending=[True, False, True])
    top = counts.groupby("segment", observed=True).head(1).set_index("segment")
    totals = counts.groupby("segment", observed=True)["n"].sum()
    share = top["n"] / totals.reindex(top.index)
    return top["value"] + " (" + (share * 100).round().astype(int).astype(str) + "%)"


def segment_differences(
    table: pd.DataFrame,
    segment_column: str,
    columns: Sequence[str] = names.RFM_VALUES,
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Do segments really differ on each feature? Kruskal-Wallis test per column.

    Returns one row per column: the H statistic, its p-value and whether the
    segments differ at level ``alpha``.
    """
    rows = []
    codes, _ = pd.factorize(table[segment_column], sort=True)
    for column in columns:
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype="float64")
        valid = np.isfinite(values) & (codes >= 0)
        order = np.argsort(codes[valid], kind="stable")
        sorted_values = values[valid][order]
        bounds = np.flatnonzero(np.diff(codes[valid][order])) + 1
        groups = [g for g in np.split(sorted_values, bounds) if len(g)]
        if len(groups) < 2 or np.ptp(sorted_values) == 0:
            statistic, p_value = np.nan, np.nan
        else:
            statistic, p_value = kruskal(*groups)
        rows.append(
            {
                "Feature": column,
                "Kruskal-Wallis H": float(statistic),
                "p-value": float(p_value),
                "Segments differ": bool(p_value < alpha) if np.isfinite(p_value) else False,
            }
        )
    return pd.DataFrame(rows)


def size_balance(segments: pd.Series) -> dict[str, float]:
    """Smallest and largest segment shares and normalised entropy (1 = equal sizes)."""
    shares = segments.value_counts(normalize=True).to_numpy()
    entropy = (
        float(-(shares * np.log(shares)).sum() / np.log(len(shares))) if len(shares) > 1 else 0.0
    )
    return {
        "segments": int(len(shares)),
        "smallest_share": float(shares.min()),
        "largest_share": float(shares.max()),
        "balance": entropy,
    }
