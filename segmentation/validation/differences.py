"""Do the segments differ? One test per attribute, pairwise follow-ups, one-line reading.

segments + attributes -> one row per attribute:

- numeric: Kruskal-Wallis across all segments (effect: epsilon squared), then
  Mann-Whitney U for every pair of segments, Benjamini-Hochberg adjusted within the
  attribute; the pairs that do not differ are listed;
- categorical: chi-square test of independence with Cramér's V.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from segmentation import defaults
from segmentation.validation.rank_tests import SortedGroup, mann_whitney_p

ATTRIBUTE, KIND, TEST = "Attribute", "Kind", "Test"
STATISTIC, P_VALUE, EFFECT = "Statistic", "p-value", "Effect size"
DIFFER, SAME_PAIRS = "Segments differ", "Pairs that do not differ"
KRUSKAL, CHI_SQUARE = "Kruskal-Wallis", "chi-square"
MAX_PAIRWISE_ROWS = 20_000  # per segment: pairwise tests run on a seeded sample of this


def _sample(values: np.ndarray, seed: int) -> np.ndarray:
    if len(values) <= MAX_PAIRWISE_ROWS:
        return values
    rng = np.random.Generator(np.random.PCG64(seed))
    return np.sort(values)[np.sort(rng.choice(len(values), MAX_PAIRWISE_ROWS, replace=False))]


def numeric_test(values: pd.Series, segments: pd.Series, alpha: float, seed: int) -> dict:
    """Kruskal-Wallis across segments and BH-adjusted Mann-Whitney for every pair."""
    data = pd.DataFrame({"v": pd.to_numeric(values, errors="coerce"), "s": segments.astype(str)})
    data = data.dropna()
    groups = {name: part["v"].to_numpy(float) for name, part in data.groupby("s", sort=True)}
    groups = {name: g for name, g in groups.items() if len(g)}
    row = {KIND: "numeric", TEST: KRUSKAL, STATISTIC: np.nan, P_VALUE: np.nan, EFFECT: np.nan}
    if len(groups) < 2 or data["v"].nunique() < 2:
        return {**row, DIFFER: "no", SAME_PAIRS: "", "pairs": []}
    result = stats.kruskal(*groups.values())
    n, k = len(data), len(groups)
    row.update({STATISTIC: float(result.statistic), P_VALUE: float(result.pvalue),
                EFFECT: float(max(0.0, (result.statistic - k + 1) / (n - k)))})  # fmt: skip
    pairs = list(combinations(groups, 2))
    sampled = {name: SortedGroup(_sample(g, seed)) for name, g in groups.items()}
    p_pairs = np.array([mann_whitney_p(sampled[a], sampled[b]) for a, b in pairs], dtype=float)
    adjusted = stats.false_discovery_control(p_pairs) if len(p_pairs) else p_pairs
    same = [pair for pair, p in zip(pairs, adjusted) if not p < alpha]
    row[DIFFER] = "yes" if row[P_VALUE] < alpha else "no"
    row[SAME_PAIRS] = "; ".join(f"'{a}' and '{b}'" for a, b in same)
    row["pairs"] = same
    return row


def categorical_test(values: pd.Series, segments: pd.Series, alpha: float) -> dict:
    """Chi-square test of independence of the attribute and the segment, with Cramér's V."""
    table = pd.crosstab(segments.astype(str), values.astype(str).where(values.notna()))
    row = {KIND: "categorical", TEST: CHI_SQUARE, STATISTIC: np.nan, P_VALUE: np.nan,
           EFFECT: np.nan, SAME_PAIRS: "", "pairs": []}  # fmt: skip
    if min(table.shape) < 2:
        return {**row, DIFFER: "no"}
    result = stats.chi2_contingency(table.to_numpy())
    n = table.to_numpy().sum()
    cramer = np.sqrt(result.statistic / (n * (min(table.shape) - 1)))
    row.update({STATISTIC: float(result.statistic), P_VALUE: float(result.pvalue),
                EFFECT: float(cramer)})  # fmt: skip
    row[DIFFER] = "yes" if row[P_VALUE] < alpha else "no"
    return row


def segment_tests(
    table: pd.DataFrame,
    segment_column: str,
    *,
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
    alpha: float = defaults.SIGNIFICANCE,
    seed: int = defaults.RANDOM_STATE,
) -> pd.DataFrame:
    """One row per attribute: the test, its statistic, p-value, effect size, verdict, and
    (numeric) the pairs of segments that do not differ."""
    segments = table[segment_column]
    rows = []
    for column in numeric:
        rows.append({ATTRIBUTE: column, **numeric_test(table[column], segments, alpha, seed)})
    for column in categorical:
        rows.append({ATTRIBUTE: column, **categorical_test(table[column], segments, alpha)})
    frame = pd.DataFrame(rows, columns=[ATTRIBUTE, KIND, TEST, STATISTIC, P_VALUE, EFFECT,
                                        DIFFER, SAME_PAIRS, "pairs"])  # fmt: skip
    result = frame.drop(columns="pairs")
    result.attrs["reading"] = reading(frame)
    return result


def reading(frame: pd.DataFrame) -> str:
    """One line: "All segments differ in Recency; 'Promising' and 'New' do not differ in
    Monetary." """
    parts = []
    clean = [a for a, d, p in zip(frame[ATTRIBUTE], frame[DIFFER], frame["pairs"])
             if d == "yes" and not p]  # fmt: skip
    if clean:
        parts.append("All segments differ in " + _listed([a.lower() for a in clean]))
    for attribute, differ, pairs in zip(frame[ATTRIBUTE], frame[DIFFER], frame["pairs"]):
        if differ != "yes":
            parts.append(f"the segments do not differ in {attribute.lower()}")
        elif pairs:
            shown = "; ".join(f"'{a}' and '{b}'" for a, b in pairs[:2])
            more = f" (and {len(pairs) - 2} more pairs)" if len(pairs) > 2 else ""
            parts.append(f"{shown}{more} do not differ in {attribute.lower()}")
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
