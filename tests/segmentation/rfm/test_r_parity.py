"""Our quantile rule reproduces the R rfm package (0.3.0) on the public CDNOW data set.

The reference file holds, per CDNOW customer, the recency, transaction count and
amount, and the scores that R rfm's ``rfm_table_order`` gave for 3, 5 and 10 bins and
for custom break points, with analysis date 1998-07-01 on all 69,659 lines of
CDNOW_master (exact duplicate lines kept, as R keeps them). ``segment_vignette_5``
is R rfm's ``rfm_segment`` with the map from its vignette, on the 5-bin scores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation import RFMSegmenter, read_customers

CUSTOM_BREAKS = {
    "recency": [30, 90, 250, 400],
    "frequency": [2, 3, 5, 8],
    "monetary": [20, 50, 100, 250],
}


@pytest.fixture(scope="module")
def cdnow_customers(cdnow_log: pd.DataFrame) -> pd.DataFrame:
    data = read_customers(
        cdnow_log,
        columns={"amount": "dollar_value"},
        as_of="1998-07-01",
        drop_duplicates=False,
    )
    return data.table


def _aligned(ours: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    merged = ours.merge(reference, left_on="Customer ID", right_on="customer_id", validate="1:1")
    assert len(merged) == len(reference) == 23_570
    return merged


def test_customer_values_match_r(cdnow_customers, r_reference):
    merged = _aligned(cdnow_customers, r_reference)
    assert (merged["Recency"] == merged["recency_days"]).all()
    assert (merged["Frequency"] == merged["transaction_count"]).all()
    np.testing.assert_allclose(merged["Monetary"], merged["amount"], rtol=0, atol=1e-9)


@pytest.mark.parametrize("bins", [3, 5, 10])
def test_quantile_scores_identical_to_r(cdnow_customers, r_reference, bins):
    scored = cdnow_customers.join(
        RFMSegmenter(bins).fit(cdnow_customers).transform(cdnow_customers)
    )
    merged = _aligned(scored, r_reference)
    for ours, theirs in (("R", "r"), ("F", "f"), ("M", "m")):
        mismatches = int((merged[ours] != merged[f"{theirs}_{bins}"]).sum())
        assert mismatches == 0, f"{ours} differs from R for {mismatches} customers"


def test_custom_breaks_identical_to_r(cdnow_customers, r_reference):
    model = RFMSegmenter(breaks=CUSTOM_BREAKS).fit(cdnow_customers)
    merged = _aligned(cdnow_customers.join(model.transform(cdnow_customers)), r_reference)
    for ours, theirs in (("R", "r"), ("F", "f"), ("M", "m")):
        assert (merged[ours] == merged[f"{theirs}_custom"]).all()


def test_vignette_segments_identical_to_r(cdnow_customers, r_reference):
    model = RFMSegmenter(5, segment_map="rfm-vignette").fit(cdnow_customers)
    merged = _aligned(cdnow_customers.join(model.segment(cdnow_customers)), r_reference)
    assert (merged["RFM Segment"].astype(str) == merged["segment_vignette_5"]).all()
    counts = merged["RFM Segment"].value_counts()
    assert counts["Potential Loyalist"] == 8433
    assert counts["Others"] == 51


def test_row_order_does_not_change_r_scores(cdnow_log, r_reference):
    shuffled = cdnow_log.sample(frac=1.0, random_state=7).reset_index(drop=True)
    table = read_customers(
        shuffled, columns={"amount": "dollar_value"}, as_of="1998-07-01", drop_duplicates=False
    ).table
    merged = _aligned(table.join(RFMSegmenter(5).fit(table).transform(table)), r_reference)
    assert (merged[["R", "F", "M"]].to_numpy() == merged[["r_5", "f_5", "m_5"]].to_numpy()).all()
