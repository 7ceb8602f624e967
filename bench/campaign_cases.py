"""Benchmark cases of campaigns: drawing the groups of a million customers.

The input is the same whatever the log size: 1M customers with text ids in six segments
of unequal sizes, as a segmented customer table holds them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CUSTOMERS = 1_000_000
SEGMENTS = ("Champions", "Loyal", "Potential Loyalist", "At Risk", "Hibernating", "Lost")
STEP = "campaign groups (1M customers)"


def _audience(log: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ids = pd.Series(np.arange(CUSTOMERS)).map("C{:07d}".format)
    segments = rng.choice(SEGMENTS, CUSTOMERS, p=[0.1, 0.15, 0.2, 0.2, 0.2, 0.15])
    return pd.DataFrame({"Customer ID": ids, "Segment": segments})


def _ours(customers: pd.DataFrame) -> object:
    from segmentation.campaigns.groups import assign_groups

    return assign_groups(
        customers["Customer ID"], customers["Segment"], control_share=0.1, name="Benchmark"
    )


def _pandas_sample(customers: pd.DataFrame) -> object:
    # What many analysts write: a seeded stratified sample. Fast, but its groups change
    # with the row order and are not independent between campaigns unless seeds differ.
    control = customers.groupby("Segment").sample(frac=0.1, random_state=0).index
    return customers.index.isin(control)


def campaign_cases(case: type) -> dict:
    """The cases, built with the harness' ``Case`` type."""
    return {
        name: case(name, STEP, _audience, function, len)
        for name, function in (
            ("ours: campaign groups, 1M customers (keyed hash, stratified)", _ours),
            ("peer: campaign groups, pandas groupby().sample (row-order dependent)",
             _pandas_sample),
        )
    }  # fmt: skip
