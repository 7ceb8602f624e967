"""Mann-Whitney U p-values for many pairs of groups, without a scipy call per pair.

Each pair's U comes from its two sorted samples (counting, for each value of one, the
values of the other below and equal to it) and the tie correction from each group's
value counts, so a pair costs a few array operations. The figures are scipy's
``mannwhitneyu`` defaults (two-sided, continuity correction, normal approximation);
the small tie-free pairs for which scipy computes the exact distribution are handed to
scipy itself.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

EXACT_UP_TO = 8  # scipy's "auto": exact when a group is this small and nothing is tied


class SortedGroup:
    """One group's values, sorted, with each distinct value's count."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.sort(np.asarray(values, dtype=float))
        self.distinct, self.counts = np.unique(self.values, return_counts=True)

    def __len__(self) -> int:
        return len(self.values)


def mann_whitney_p(first: SortedGroup, second: SortedGroup) -> float:
    """Two-sided p-value of the Mann-Whitney U test, as ``scipy.stats.mannwhitneyu``."""
    n1, n2 = len(first), len(second)
    below = np.searchsorted(second.values, first.values, side="left")
    up_to = np.searchsorted(second.values, first.values, side="right")
    u1 = float(below.sum()) + 0.5 * float((up_to - below).sum())
    values = np.concatenate([first.distinct, second.distinct])
    counts = np.concatenate([first.counts, second.counts]).astype(float)
    order = np.argsort(values, kind="stable")
    values, counts = values[order], counts[order]
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    ties = np.add.reduceat(counts, starts)
    if (n1 <= EXACT_UP_TO or n2 <= EXACT_UP_TO) and not (ties > 1).any():
        return float(stats.mannwhitneyu(first.values, second.values).pvalue)
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    spread = np.sqrt(n1 * n2 / 12 * ((n + 1) - np.sum(ties**3 - ties) / (n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (u - n1 * n2 / 2 - 0.5) / spread
    return float(np.clip(2 * special.ndtr(-z), 0.0, 1.0))
