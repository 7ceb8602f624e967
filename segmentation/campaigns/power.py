"""Before launch: the smallest lift each segment's test can detect, and the fix when too small.

For a two-sided two-proportion z-test at significance alpha and the given power, with
n_t treated and n_c control customers and a baseline response rate p, the minimum
detectable lift (difference in response rates) is

    (z(1 - alpha/2) + z(power)) x sqrt(p (1 - p) (1/n_t + 1/n_c)).

A segment is too small when that lift is more than ``MAX_USEFUL_RELATIVE_LIFT`` of the
baseline; the control share that brings it within reach follows from s (1 - s) n, the
only part of the formula the share changes (largest at 50%).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import norm

from segmentation import defaults
from segmentation.errors import SegmentationError

# The power table's columns.
SEGMENT = "Segment"
ELIGIBLE = "Customers"
OPTED_OUT = "Opted out"
TREATED = "Treatment"
CONTROL = "Control"
SHARE = "Control share"
MDE = "Detectable lift (points)"
RELATIVE_MDE = "Detectable lift (relative)"
ENOUGH = "Big enough"
ADVICE = "Advice"
OVERALL = "All chosen segments"


def points(lift: float) -> str:
    """A difference in rates as people say it: 0.031 -> "3.1 percentage points"."""
    return f"{lift * 100:.1f} percentage points"


def check_rate(baseline: float) -> float:
    rate = float(baseline)
    if not 0.0 < rate < 1.0 or not math.isfinite(rate):
        raise SegmentationError.bad_parameter(
            "plan_power",
            "baseline_rate",
            baseline,
            "a response rate between 0% and 100% (both excluded), such as 5%",
            label="the baseline response rate",
        )
    return rate


def _z(alpha: float, power: float) -> float:
    return float(norm.ppf(1 - alpha / 2) + norm.ppf(power))


def minimum_detectable_lift(
    n_treated: np.ndarray | int,
    n_control: np.ndarray | int,
    baseline: float,
    *,
    alpha: float = defaults.SIGNIFICANCE,
    power: float = defaults.POWER,
) -> np.ndarray:
    """Smallest rate difference the test detects with ``power``; inf when a group is empty."""
    n_t = np.asarray(n_treated, dtype=float)
    n_c = np.asarray(n_control, dtype=float)
    with np.errstate(divide="ignore"):
        spread = baseline * (1 - baseline) * (1 / n_t + 1 / n_c)
    return _z(alpha, power) * np.sqrt(spread)


def share_needed(
    customers: np.ndarray | int,
    baseline: float,
    *,
    target: float,
    alpha: float = defaults.SIGNIFICANCE,
    power: float = defaults.POWER,
) -> np.ndarray:
    """Smallest control share (whole percent, up to 50%) whose test detects ``target``;
    NaN where even a 50/50 split cannot."""
    n = np.asarray(customers, dtype=float)
    with np.errstate(divide="ignore"):
        needed = _z(alpha, power) ** 2 * baseline * (1 - baseline) / (n * target**2)
    inside = np.clip(1 - 4 * needed, 0, None)
    share = np.ceil((1 - np.sqrt(inside)) / 2 * 100 - 1e-9) / 100
    return np.where(needed <= 0.25, np.maximum(share, 0.01), np.nan)


def plan_power(
    counts: pd.DataFrame,
    *,
    baseline: float = defaults.BASELINE_RESPONSE_RATE,
    control_share: float,
    max_relative_lift: float = defaults.MAX_USEFUL_RELATIVE_LIFT,
) -> pd.DataFrame:
    """Per segment (and all together): group sizes, detectable lift, and advice.

    ``counts`` has one row per segment with columns ``Segment``, ``Treatment``,
    ``Control`` and ``Opted out``.
    """
    rate = check_rate(baseline)
    table = counts[[SEGMENT, TREATED, CONTROL, OPTED_OUT]].copy()
    total = pd.DataFrame(
        {SEGMENT: [OVERALL], **{c: [int(table[c].sum())] for c in (TREATED, CONTROL, OPTED_OUT)}}
    )
    table = pd.concat([table, total], ignore_index=True)
    eligible = table[TREATED] + table[CONTROL]
    table.insert(1, ELIGIBLE, eligible)
    table[SHARE] = np.where(eligible > 0, table[CONTROL] / eligible.clip(lower=1), np.nan)
    mde = minimum_detectable_lift(table[TREATED], table[CONTROL], rate)
    table[MDE] = mde
    table[RELATIVE_MDE] = mde / rate
    target = max_relative_lift * rate
    enough = mde <= target
    table[ENOUGH] = np.where(enough, "yes", "no")
    fix = share_needed(eligible.to_numpy(), rate, target=target)
    advice = []
    for ok, share, n, detect in zip(enough, fix, eligible, mde):
        if ok:
            advice.append("")
        elif np.isnan(share):
            at_half = float(minimum_detectable_lift(n / 2, n / 2, rate)) if n >= 2 else math.inf
            advice.append(
                f"Too small for a test: even a 50% control group detects only lifts of "
                f"{points(at_half)} or more. Combine it with another segment."
                if math.isfinite(at_half)
                else "Too small for a test: it needs at least two customers."
            )
        else:
            advice.append(
                f"Too small at {control_share:.0%} control: this test detects only lifts of "
                f"{points(detect)} or more. A control share of {share:.0%} detects "
                f"{points(target)}."
            )
    table[ADVICE] = advice
    return table
