"""Change between periods: matching, movement, the matrix, top moves and drift, by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from segmentation import SegmentationError, SegmentMap, get_segment_map, names, segment_customers
from segmentation.change import PreviousPeriod, compare_periods, psi
from segmentation.change.drift import drift_table, quantile_counts, recommendation
from segmentation.change.matching import match_customers
from segmentation.models import SegmentationModel
from tests.conftest import synthetic_customers


@pytest.fixture(scope="module")
def model() -> SegmentationModel:
    return segment_customers(synthetic_customers(200)).model


def test_psi_by_hand():
    # (0.25 - 0.5) ln(0.5) + (0.75 - 0.5) ln(1.5)
    expected = 0.25 * math.log(2) + 0.25 * math.log(1.5)
    assert psi(np.array([50, 50]), np.array([25, 75])) == pytest.approx(expected)
    assert psi(np.array([10, 10]), np.array([10, 10])) == 0
    # An empty bin counts as 1e-4 of the customers: finite, and large.
    empty = psi(np.array([5, 5]), np.array([10, 0]))
    assert empty == pytest.approx((1 - 0.5) * math.log(2) + (1e-4 - 0.5) * math.log(1e-4 / 0.5))


def test_drift_table_verdicts_and_recommendation():
    drift = drift_table(
        {"R score": (np.array([1, 1, 2, 2]), np.array([1, 2, 2, 2]), 2),
         "F score": (np.array([1, 2]), np.array([2, 1]), 2)},
        {"Monetary": (np.arange(1.0, 11.0), np.array([1.0, 2.0, 3.0, 8.0]))},
    )  # fmt: skip
    by_measure = drift.set_index(names.DRIFT_MEASURE)
    assert by_measure.loc["R score", names.PSI] == pytest.approx(0.2747, abs=1e-4)
    assert by_measure.loc["R score", names.DRIFT_VERDICT] == "refit"
    assert by_measure.loc["F score", names.DRIFT_VERDICT] == "stable"
    # Deciles of 1..10 split 3 of 4 current values into the low bins.
    assert by_measure.loc["Monetary", names.PSI] > 0
    advice = recommendation(drift)
    assert "refit: the break points no longer split this period's customers" in advice.lower()
    assert "R score (PSI 0.27)" in advice


def test_quantile_counts_cut_at_previous_quantiles():
    before, now = quantile_counts(np.arange(1.0, 11.0), np.array([1.0, 2.0, 3.0, 8.0]), bins=2)
    assert before.tolist() == [5, 5] and now.tolist() == [3, 1]


def test_ids_that_changed_type_match_with_a_note():
    matching = match_customers(pd.Series([123, 5, 7]), pd.Series(["00123", "0005", "9"]))
    assert matching.previous_position.tolist() == [0, 1, -1]
    assert matching.absent.tolist() == [2]
    assert "'00123'" in matching.notes[0] and "2 ids" in matching.notes[0]
    # Padded text on both sides: '00123' and '123' stay two customers, as in reading.
    same_type = match_customers(pd.Series(["00123"]), pd.Series(["00123", "123"]))
    assert same_type.previous_position.tolist() == [0] and not same_type.notes
    # A CSV holds only text: '140' there is the number a workbook's '00140' spells.
    from_csv = match_customers(pd.Series(["140", "7"]), pd.Series(["00140", "00007"]))
    assert from_csv.previous_position.tolist() == [0, 1] and from_csv.notes
    # Two text ids spelling one number are matched only exactly.
    clash = match_customers(pd.Series([123]), pd.Series(["0123", "123"]))
    assert clash.previous_position.tolist() == [1]
    assert "matched only exactly" in clash.notes[0]


def _hand_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    previous = pd.DataFrame(
        {
            names.CUSTOMER_ID: ["001", "002", "003", "004", "006"],
            names.RFM_SEGMENT: ["Champions", "Champions", "Loyal", "Lost", "Lost"],
            names.MONETARY: [100.0, 200.0, 50.0, 5.0, 8.0],
        }
    )
    current = pd.DataFrame(
        {
            names.CUSTOMER_ID: [3, 1, 2, 5, 6],
            names.RFM_SEGMENT: ["Champions", "Champions", "At Risk", "New", "Loyal"],
            names.MONETARY: [60.0, 120.0, 210.0, 30.0, 80.0],
        },
        index=[10, 11, 12, 13, 14],
    )
    return previous, current


def test_hand_case_movement_matrix_and_top_moves(model):
    previous, current = _hand_case()
    changes = compare_periods(current, PreviousPeriod(previous, model, label="May"), model=model)
    per_customer = changes.customers
    assert per_customer.index.tolist() == [10, 11, 12, 13, 14]
    assert per_customer[names.PREVIOUS_SEGMENT].tolist() == [
        "Loyal", "Champions", "Champions", None, "Lost"
    ]  # fmt: skip
    # Loyal -> Champions stays in tier 1; Lost (the lowest tier) -> Loyal is a win-back.
    assert per_customer[names.MOVEMENT].tolist() == ["same", "same", "down", "new", "returning"]
    assert changes.absent[names.CUSTOMER_ID].tolist() == ["004"]
    assert changes.absent[names.PREVIOUS_SEGMENT].tolist() == ["Lost"]
    assert changes.returning == 4
    assert changes.changed_share == pytest.approx(3 / 4)
    assert any("'00123'" in note for note in changes.notes)

    counts, revenue = changes.counts, changes.revenue
    assert counts.loc["Champions", "Champions"] == 1 and counts.loc["Champions", "At Risk"] == 1
    assert counts.loc["Loyal", "Champions"] == 1
    assert counts.loc["Lost", "Loyal"] == 1 and counts.loc["Lost", names.GONE_COLUMN] == 1
    assert counts.loc[names.NEW_ROW, "New"] == 1
    assert counts.to_numpy().sum() == 6
    assert revenue.loc["Champions", "At Risk"] == 210.0
    assert revenue.loc["Lost", names.GONE_COLUMN] == 5.0
    assert changes.row_shares.loc["Lost", "Loyal"] == 0.5
    # Rows in the map's order, the new customers last; columns likewise.
    assert counts.index.tolist() == ["Champions", "Loyal", "Lost", names.NEW_ROW]
    assert counts.columns.tolist()[-1] == names.GONE_COLUMN

    top = changes.top_moves
    assert top[[names.FROM_SEGMENT, names.TO_SEGMENT]].values.tolist() == [["Champions", "At Risk"]]
    assert top[names.VALUE_AT_STAKE].tolist() == [200.0]


def test_matrix_is_the_cross_tabulation_of_the_customer_columns(model):
    previous = segment_customers(synthetic_customers(300, seed=1), model=model).customers
    current = segment_customers(synthetic_customers(250, seed=2), model=model).customers
    # 230 of the previous customers, in another order, and 20 new ones: 70 are gone.
    ids = previous["Customer ID"].sample(230, random_state=4).tolist()
    current["Customer ID"] = ids + [f"N{i}" for i in range(20)]
    changes = compare_periods(current, PreviousPeriod(previous, model), model=model)
    rows = pd.concat(
        [changes.customers[names.PREVIOUS_SEGMENT].fillna(names.NEW_ROW),
         changes.absent[names.PREVIOUS_SEGMENT]], ignore_index=True
    )  # fmt: skip
    columns = pd.concat(
        [current[names.RFM_SEGMENT].astype(str),
         pd.Series([names.GONE_COLUMN] * len(changes.absent))], ignore_index=True
    )  # fmt: skip
    expected = pd.crosstab(rows, columns)
    got = changes.counts.loc[expected.index, expected.columns]
    assert (got.to_numpy() == expected.to_numpy()).all()
    assert changes.counts.to_numpy().sum() == len(current) + len(changes.absent)
    # Previous Segment is the previous run's RFM Segment for every returning customer.
    by_id = previous.set_index("Customer ID")[names.RFM_SEGMENT].astype(str)
    back = changes.customers[names.PREVIOUS_SEGMENT].notna()
    assert (
        changes.customers.loc[back, names.PREVIOUS_SEGMENT].to_numpy()
        == by_id.loc[current.loc[back, "Customer ID"]].to_numpy()
    ).all()
    # The same model on both sides: drift on the saved scale, per R, F and M.
    assert changes.same_scale
    assert changes.drift[names.DRIFT_MEASURE].tolist()[:3] == ["R score", "F score", "M score"]


def test_bad_periods_get_clear_errors(model):
    previous, current = _hand_case()
    later = PreviousPeriod(previous, model, as_of=pd.Timestamp("2024-06-30"), label="June")
    with pytest.raises(SegmentationError, match=r"\(2024-06-30\) is after this period's"):
        compare_periods(current, later, model=model, as_of=pd.Timestamp("2024-05-31"))
    strangers = previous.assign(**{names.CUSTOMER_ID: ["x1", "x2", "x3", "x4", "x5"]})
    with pytest.raises(SegmentationError, match="No customer of this period is in May"):
        compare_periods(current, PreviousPeriod(strangers, model, label="May"), model=model)


def test_segment_maps_carry_tiers_and_old_maps_still_load():
    tiers = get_segment_map("default").tiers()
    assert tiers["Champions"] == 1 and tiers["Lost"] == 5 and tiers["Other"] == 5
    assert get_segment_map("rfm-vignette").tiers()["At Risk"] == 4
    saved = get_segment_map("default").to_dict()
    for row in saved["rows"]:
        row.pop("Tier")  # a map saved before tiers existed
    assert SegmentMap.from_dict(saved).tiers() == get_segment_map("default").tiers()
    edited = get_segment_map("default").table.assign(Tier="top")
    with pytest.raises(SegmentationError, match="'Tier' for segment 'Champions'"):
        SegmentMap.from_frame(edited)


def test_compare_runs_from_the_api(model):
    from segmentation.api import compare_runs

    earlier = segment_customers(synthetic_customers(200), model=model)
    later = segment_customers(synthetic_customers(200), model=model)
    changes = compare_runs(later, earlier)
    assert changes.same_scale and changes.changed_share == 0
    assert set(changes.customers[names.MOVEMENT]) == {"same"}
