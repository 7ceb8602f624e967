"""Readable names and recommended actions for clusters, from their R, F, M medians."""

from __future__ import annotations

import numpy as np
import pandas as pd

_RECENCY_WORDS = ((-0.5, "Recent"), (0.5, "Cooling"), (np.inf, "Lapsed"))


_ACTIONS = {
    ("Recent", "high"): "Reward and retain: VIP perks, early access, referral asks.",
    ("Recent", "new"): "Onboard: welcome series and a second-purchase incentive.",
    ("Recent", "mid"): "Grow: cross-sell related products and loyalty enrolment.",
    ("Recent", "low"): "Lift basket size: bundles and free-shipping thresholds.",
    ("Cooling", "high"): "Protect: personal check-in and tailored offers before they lapse.",
    ("Cooling", "new"): "Nudge a second purchase with a time-limited offer.",
    ("Cooling", "mid"): "Re-engage with personalised recommendations.",
    ("Cooling", "low"): "Low-cost reminders; test a small discount.",
    ("Lapsed", "high"): "Win back: strong personal offer and a survey of what went wrong.",
    ("Lapsed", "new"): "One low-cost reactivation attempt, then suppress.",
    ("Lapsed", "mid"): "Reactivation campaign with a clear incentive.",
    ("Lapsed", "low"): "Suppress from paid campaigns; keep in low-cost newsletters.",
}


def describe_cluster(z: np.ndarray, median_frequency: float) -> tuple[str, str]:
    """A short name and an action from a cluster's standardised R, F, M medians."""
    # A measure every customer shares has no spread: NaN there means "average".
    z_recency, z_frequency, z_monetary = np.nan_to_num(np.asarray(z, dtype=float), nan=0.0)
    recency = next(word for limit, word in _RECENCY_WORDS if z_recency <= limit)
    if median_frequency <= 1:
        noun = "big-ticket one-timers" if z_monetary >= 0.5 else "one-timers"
        tier = "high" if z_monetary >= 0.5 else "new"
    elif z_frequency >= 0.5 and z_monetary >= 0.5:
        noun, tier = "loyal high spenders", "high"
    elif z_monetary >= 0.5:
        noun, tier = "high spenders", "high"
    elif z_frequency >= 0.5:
        noun, tier = "frequent buyers", "mid"
    elif z_monetary <= -0.5:
        noun, tier = "low spenders", "low"
    else:
        noun, tier = "regular buyers", "mid"
    return f"{recency} {noun}", _ACTIONS[(recency, tier)]


_QUALIFIERS = {
    "recency": ("more recent", "less recent"),
    "frequency": ("more frequent", "less frequent"),
    "monetary": ("higher spend", "lower spend"),
}


def make_unique_names(labels: list[str], medians: pd.DataFrame) -> list[str]:
    """Tell apart clusters that got the same name by the dimension they differ on most."""
    result = list(labels)
    for label in dict.fromkeys(labels):
        members = [i for i, name in enumerate(labels) if name == label]
        if len(members) < 2:
            continue
        group = medians.iloc[members]
        logs = np.log1p(np.clip(group.to_numpy(), 0, None))
        dimension = group.columns[int(np.argmax(logs.max(axis=0) - logs.min(axis=0)))]
        first, second = group[dimension].iloc[:2]
        if len(members) == 2 and first != second:
            more, less = _QUALIFIERS[dimension]
            first_is_more = first < second if dimension == "recency" else first > second
            result[members[0]] = f"{label} ({more if first_is_more else less})"
            result[members[1]] = f"{label} ({less if first_is_more else more})"
        else:
            # Members are in canonical (value) order, so the numbers follow value.
            for number, member in enumerate(members, start=1):
                result[member] = f"{label} {number}"
    return result
