"""The validation table under a summary sheet: do the segments differ, and how to read it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from addin.sheets.layout import Block, SheetLayout
from segmentation import defaults
from segmentation.validation.stability import stability_verdict

ROW_CM = 0.53  # Excel's default row height, for where a chart ends


def bottom_row(layout: SheetLayout) -> int:
    """The last row any block or chart of ``layout`` covers."""
    rows = [block.last_row for block in layout.blocks]
    rows += [chart.anchor_row + math.ceil(chart.height_cm / ROW_CM) for chart in layout.charts]
    return max(rows, default=1)


def add_segment_tests(layout: SheetLayout, tests: pd.DataFrame | None, key: str) -> None:
    """The reading line and the tests table, below everything else on ``layout``."""
    if tests is None or tests.empty:
        return
    row = bottom_row(layout) + 3
    reading = tests.attrs.get("reading", "")
    title = Block(f"{key}_reading", pd.DataFrame({"": [reading]}), row, header=False,
                  fit_width=False)  # fmt: skip
    table = Block(
        key,
        tests,
        row + 3,
        title="Do the segments differ? Kruskal-Wallis and pairwise Mann-Whitney (Benjamini-"
        f"Hochberg) for numbers, chi-square with Cramér's V for categories, at "
        f"{defaults.SIGNIFICANCE:.0%}",
        number_formats={"Statistic": "#,##0.0", "p-value": "0.0000", "Effect size": "0.000"},
        fit_width=False,
    )
    layout.blocks += [title, table]


def with_stability(profile: pd.DataFrame, stability: np.ndarray | None) -> pd.DataFrame:
    """The cluster profile with each cluster's bootstrap stability and how to read it."""
    if stability is None or len(stability) != len(profile):
        return profile
    values = np.asarray(stability, dtype=float)
    return profile.assign(
        **{
            "Stability (bootstrap Jaccard)": values,
            "Stability reading": [stability_verdict(v) for v in values],
        }
    )
