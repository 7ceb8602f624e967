"""The tests behind a campaign readout, each one textbook formula on scipy's distributions.

- response rates: the pooled two-proportion z-test, or Fisher's exact test when an
  expected cell count is below ``FISHER_BELOW``; the lift's interval is the unpooled
  (Wald) interval of the difference;
- revenue per customer: Welch's t-test and its interval (unequal variances);
- sample ratio: a chi-square goodness-of-fit test of the group sizes against the plan;
- many segments: Benjamini-Hochberg adjusted p-values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from segmentation import defaults

Z_TEST, FISHER = "z-test", "Fisher exact"


@dataclass(frozen=True)
class RateComparison:
    rate_treated: float
    rate_control: float
    lift: float  # difference in rates, treated - control
    relative_lift: float  # lift / control rate (NaN when the control rate is 0)
    ci_low: float
    ci_high: float
    p_value: float
    test: str


def compare_rates(
    responders_treated: int,
    n_treated: int,
    responders_control: int,
    n_control: int,
    *,
    confidence: float = 1 - defaults.SIGNIFICANCE,
    fisher_below: float = defaults.FISHER_BELOW,
) -> RateComparison:
    """Response rates of two groups compared; NaN figures when a group is empty."""
    x_t, n_t, x_c, n_c = (int(v) for v in (responders_treated, n_treated,
                                           responders_control, n_control))  # fmt: skip
    if n_t == 0 or n_c == 0:
        nan = math.nan
        rate_t = x_t / n_t if n_t else nan
        rate_c = x_c / n_c if n_c else nan
        return RateComparison(rate_t, rate_c, nan, nan, nan, nan, nan, "")
    p_t, p_c = x_t / n_t, x_c / n_c
    lift = p_t - p_c
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    half = z * math.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    pooled = (x_t + x_c) / (n_t + n_c)
    expected = np.outer([n_t, n_c], [pooled, 1 - pooled])
    if expected.min() < fisher_below:
        table = [[x_t, n_t - x_t], [x_c, n_c - x_c]]
        p_value, test = float(stats.fisher_exact(table).pvalue), FISHER
    else:
        se = math.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_c))
        p_value, test = float(2 * stats.norm.sf(abs(lift) / se)), Z_TEST
    relative = lift / p_c if p_c > 0 else math.nan
    return RateComparison(p_t, p_c, lift, relative, lift - half, lift + half, p_value, test)


@dataclass(frozen=True)
class MeanComparison:
    mean_treated: float
    mean_control: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float


def compare_means(
    treated: np.ndarray, control: np.ndarray, *, confidence: float = 1 - defaults.SIGNIFICANCE
) -> MeanComparison:
    """Welch's t-test of two groups' means (revenue per customer), with its interval."""
    a, b = np.asarray(treated, float), np.asarray(control, float)
    mean_a = float(a.mean()) if len(a) else math.nan
    mean_b = float(b.mean()) if len(b) else math.nan
    if len(a) < 2 or len(b) < 2 or (a.var() == 0 and b.var() == 0):
        return MeanComparison(mean_a, mean_b, mean_a - mean_b, math.nan, math.nan, math.nan)
    result = stats.ttest_ind(a, b, equal_var=False)
    interval = result.confidence_interval(confidence)
    return MeanComparison(
        mean_a, mean_b, mean_a - mean_b, float(interval.low), float(interval.high),
        float(result.pvalue),
    )  # fmt: skip


def sample_ratio_p(n_treated: int, n_control: int, control_share: float) -> float:
    """p-value of the group sizes against the planned control share (chi-square, 1 df)."""
    total = n_treated + n_control
    if total == 0:
        return math.nan
    expected = [total * (1 - control_share), total * control_share]
    return float(stats.chisquare([n_treated, n_control], f_exp=expected).pvalue)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values; NaN stays NaN and is not counted."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full_like(p, np.nan)
    known = ~np.isnan(p)
    if known.any():
        adjusted[known] = stats.false_discovery_control(p[known], method="bh")
    return adjusted
