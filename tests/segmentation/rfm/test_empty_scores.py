"""A score that ties leave empty is explained, on the model and on the summary sheet."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from addin.sheets.layout import summary_sheet
from segmentation import SegmentationWarning, segment_customers


def _customers() -> pd.DataFrame:
    # 60 of 100 customers bought once: two break points fall on one value.
    frequency = [1] * 60 + list(range(2, 42))
    return pd.DataFrame(
        {
            "Customer ID": [f"K{i}" for i in range(100)],
            "Recency": range(1, 101),
            "Frequency": frequency,
            "Monetary": [10.0 * (i + 1) for i in range(100)],
        }
    )


def test_empty_scores_are_named_with_the_reason_and_the_fix() -> None:
    with pytest.warns(SegmentationWarning, match="No customer has frequency score 2: many"):
        result = segment_customers(_customers())
    assert result.model.rfm.empty_scores_ == {"frequency": [2]}
    notes = summary_sheet(result, "test").notes
    assert any("frequency score 2:" in n and "--ties rank" in n for n in notes)


def test_the_rank_rule_and_custom_breaks_leave_no_unexplained_gap() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ranked = segment_customers(_customers(), ties="rank")
        custom = segment_customers(_customers(), breaks={"recency": [1000, 2000]})
    assert ranked.model.rfm.empty_scores_ == {}
    assert sorted(ranked.customers["F"].unique()) == [1, 2, 3, 4, 5]
    assert "recency" not in custom.model.rfm.empty_scores_  # a choice, not a tie
