"""Drift between two periods: the population stability index per dimension and feature.

PSI compares how customers spread over the same bins in two periods:
``sum((a - e) * ln(a / e))`` over bins, ``e`` the previous period's share of customers
in a bin and ``a`` this period's. Below 0.10 the spread is stable; 0.10 to 0.25 is a
shift worth watching; above 0.25 the saved break points no longer split customers into
the shares they were fitted for, and the model should be refitted.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from segmentation import defaults, names

STABLE, WATCH, REFIT = "stable", "watch", "refit"
REFIT_ADVICE = (
    "refit: the break points no longer split this period's customers into the intended shares"
)


def psi(expected: np.ndarray, actual: np.ndarray, floor: float = defaults.PSI_FLOOR) -> float:
    """Population stability index between two vectors of counts over the same bins.

    Empty bins count as ``floor`` of the customers, so the index stays finite.

    >>> round(psi(np.array([50, 50]), np.array([25, 75])), 4)
    0.2747
    """
    e = np.asarray(expected, dtype="float64")
    a = np.asarray(actual, dtype="float64")
    if e.sum() <= 0 or a.sum() <= 0:
        return float("nan")
    e = np.maximum(e / e.sum(), floor)
    a = np.maximum(a / a.sum(), floor)
    return float(np.sum((a - e) * np.log(a / e)))


def verdict(value: float) -> str:
    if not np.isfinite(value):
        return ""
    return REFIT if value > defaults.PSI_REFIT else WATCH if value > defaults.PSI_WATCH else STABLE


def score_counts(scores: np.ndarray, n_bins: int) -> np.ndarray:
    """Customers per score 1..n_bins."""
    values = np.asarray(scores, dtype="int64")
    return np.bincount(np.clip(values, 1, n_bins) - 1, minlength=n_bins)


def quantile_counts(
    previous: np.ndarray, current: np.ndarray, bins: int = defaults.DRIFT_FEATURE_BINS
) -> tuple[np.ndarray, np.ndarray]:
    """Customers per bin in both periods, bins cut at the previous period's quantiles."""
    before = np.asarray(previous, dtype="float64")
    now = np.asarray(current, dtype="float64")
    before, now = before[np.isfinite(before)], now[np.isfinite(now)]
    if before.size == 0:
        return np.zeros(1), np.zeros(1)
    edges = np.unique(np.quantile(before, np.linspace(0, 1, bins + 1)[1:-1]))
    count = len(edges) + 1
    return (
        np.bincount(np.searchsorted(edges, before, side="right"), minlength=count),
        np.bincount(np.searchsorted(edges, now, side="right"), minlength=count),
    )


def drift_table(
    score_pairs: Mapping[str, tuple[np.ndarray, np.ndarray, int]],
    feature_pairs: Mapping[str, tuple[np.ndarray, np.ndarray]],
) -> pd.DataFrame:
    """One row per measure: its PSI and verdict.

    ``score_pairs``: measure -> (previous scores, current scores on the same scale, bins);
    ``feature_pairs``: measure -> (previous values, current values), binned at deciles.
    """
    rows = []
    for measure, (before, now, n_bins) in score_pairs.items():
        rows.append((measure, psi(score_counts(before, n_bins), score_counts(now, n_bins))))
    for measure, (before, now) in feature_pairs.items():
        rows.append((measure, psi(*quantile_counts(before, now))))
    table = pd.DataFrame(rows, columns=[names.DRIFT_MEASURE, names.PSI])
    table[names.PSI] = table[names.PSI].round(4)
    table[names.DRIFT_VERDICT] = [verdict(v) for v in table[names.PSI]]
    return table


def recommendation(drift: pd.DataFrame) -> str | None:
    """The refit advice naming the measures above the threshold, or None."""
    over = drift[drift[names.PSI] > defaults.PSI_REFIT]
    if over.empty:
        return None
    listed = ", ".join(
        f"{m} (PSI {v:.2f})" for m, v in zip(over[names.DRIFT_MEASURE], over[names.PSI])
    )
    return f"{REFIT_ADVICE.capitalize()}. Drifted above {defaults.PSI_REFIT}: {listed}."
