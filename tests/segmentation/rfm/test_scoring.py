"""RFM scores, tie rules, custom breaks, segment maps and parameter errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from segmentation import (
    PRESETS,
    RFMSegmenter,
    SegmentationError,
    SegmentationWarning,
    SegmentMap,
    get_segment_map,
    rfm_segments,
)
from segmentation.rfm.rank_rule import tie_keys


def _table(recency, frequency, monetary, ids=None) -> pd.DataFrame:
    n = len(recency)
    return pd.DataFrame(
        {
            "Customer ID": ids or [f"c{i}" for i in range(n)],
            "Recency": recency,
            "Frequency": frequency,
            "Monetary": monetary,
        }
    )


def test_quantile_rule_hand_computed():
    table = _table(
        recency=[1, 5, 10, 20, 40, 80, 160, 320, 640],
        frequency=[1, 1, 1, 1, 2, 2, 3, 5, 9],
        monetary=[10, 20, 30, 40, 50, 60, 70, 80, 90],
    )
    model = RFMSegmenter(3).fit(table)
    # Type-7 terciles plus one unit, as in R rfm: frequency 1 + 1 and 2.333 + 1.
    np.testing.assert_allclose(model.edges_["frequency"], [2, 3 + 1 / 3])
    np.testing.assert_allclose(model.edges_["recency"], [17 + 2 / 3, 107 + 2 / 3])
    scores = model.transform(table)
    assert scores["R"].tolist() == [3, 3, 3, 2, 2, 2, 1, 1, 1]
    assert scores["F"].tolist() == [1, 1, 1, 1, 2, 2, 2, 3, 3]
    assert scores["M"].tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert scores["RFM Score"].tolist() == [311, 311, 311, 212, 222, 222, 123, 133, 133]


def test_quantile_rule_keeps_ties_together_so_bins_are_unequal():
    table = _table([1] * 6 + [50] * 4, [1] * 8 + [2, 3], list(range(10)))
    scores = RFMSegmenter(3).fit(table).transform(table)
    # 8 customers bought once: they must share one F score.
    assert scores["F"].iloc[:8].nunique() == 1
    assert scores["R"].iloc[:6].nunique() == 1


def test_rank_rule_gives_equal_bins_and_breaks_ties_by_a_keyed_hash_of_the_id():
    ids = [f"id{i:02d}" for i in range(10)]
    table = _table([7] * 10, [1] * 10, [5.0] * 10, ids=ids)
    with pytest.warns(SegmentationWarning, match="same value for every customer"):
        model = RFMSegmenter(5, ties="rank").fit(table)
    scores = model.transform(table)
    assert np.bincount(scores["F"])[1:].tolist() == [2, 2, 2, 2, 2]
    # Equal values: order by the id's tie key, so the two lowest keys share score 1.
    by_key = np.argsort(tie_keys(np.array(ids)), kind="stable")
    assert scores["F"].to_numpy()[by_key].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # Recency is reversed, but among equal recencies the key order decides the same way.
    assert scores["R"].to_numpy()[by_key].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # The saved model holds the keys at the break points, never an id.
    saved = json.dumps(model.to_dict())
    assert not any(i in saved for i in ids)
    shuffled = table.sample(frac=1.0, random_state=1)
    again = RFMSegmenter(5, ties="rank").fit(shuffled).transform(shuffled)
    assert again.sort_index().equals(scores)


def test_rank_rule_is_equal_sized_on_skewed_data(customers):
    scores = RFMSegmenter(5, ties="rank").fit(customers).transform(customers)
    for column in ("R", "F", "M"):
        assert (scores[column].value_counts() == 80).all(), column


def test_custom_breaks_override_the_rule_for_their_dimension(customers):
    model = RFMSegmenter(5, breaks={"recency": [30, 90, 180, 365]}).fit(customers)
    assert model.rules_ == {"recency": "custom", "frequency": "quantile", "monetary": "quantile"}
    scores = model.transform(customers)
    expected = 5 - np.searchsorted([30, 90, 180, 365], customers["Recency"], side="right")
    assert scores["R"].tolist() == expected.tolist()
    three = RFMSegmenter(5, breaks={"frequency": [2, 5]}).fit(customers)
    assert three.n_bins_ == {"recency": 5, "frequency": 3, "monetary": 5}


def test_new_batch_is_scored_on_the_fitted_scale(customers):
    model = RFMSegmenter(5).fit(customers)
    newcomer = _table([0], [1000], [1e9], ids=["new"])
    assert model.transform(newcomer)[["R", "F", "M"]].iloc[0].tolist() == [5, 5, 5]
    assert model.predict(newcomer).iloc[0] == "Champions"
    worst = _table([10_000], [0], [0.0], ids=["old"])
    assert model.predict(worst).iloc[0] == "Lost"


def test_per_dimension_bins_and_string_score_for_ten(customers):
    model = RFMSegmenter({"recency": 4, "frequency": 3, "monetary": 4}).fit(customers)
    scores = model.transform(customers)
    assert scores["R"].between(1, 4).all() and scores["F"].between(1, 3).all()
    ten = RFMSegmenter(10).fit(customers).transform(customers)
    assert ten["RFM Score"].str.fullmatch(r"\d{1,2}-\d{1,2}-\d{1,2}").all()


def test_rfm_segments_one_call(customers):
    result = rfm_segments(customers)
    assert list(result.columns[-5:]) == ["R", "F", "M", "RFM Score", "RFM Segment"]
    assert result["RFM Segment"].notna().all()


# Segment maps ---------------------------------------------------------------------------------


def test_default_map_names_all_125_combinations_with_11_segments():
    segment_map = get_segment_map("default")
    assert segment_map.uncovered({"recency": 5, "frequency": 5, "monetary": 5}) == 0
    assert segment_map.segments == [
        "Champions", "Loyal", "Potential Loyalist", "New", "Promising", "Need Attention",
        "About to Sleep", "Can't Lose Them", "At Risk", "Hibernating", "Lost",
    ]  # fmt: skip
    codes = segment_map.lookup({"recency": 5, "frequency": 5, "monetary": 5})
    assert set(np.unique(codes)) == set(range(11))
    assert all(segment_map.actions().values())


@pytest.mark.parametrize("bins", [3, 4, 6, 10])
def test_default_map_covers_every_combination_at_other_bin_counts(bins):
    dims = {"recency": bins, "frequency": bins, "monetary": bins}
    assert get_segment_map("default").uncovered(dims) == 0


def test_default_map_places_the_corners():
    segment_map = get_segment_map("default")
    dims = {"recency": 5, "frequency": 5, "monetary": 5}
    names = segment_map.assign([5, 1, 1, 5], [5, 1, 5, 1], [5, 1, 5, 1], dims)
    assert list(names) == ["Champions", "Lost", "Can't Lose Them", "New"]


def test_vignette_preset_has_ten_segments_and_others():
    segment_map = get_segment_map("rfm-vignette")
    assert len(segment_map.segments) == 10 and segment_map.fallback == "Others"
    assert set(PRESETS) == {"default", "rfm-vignette"}


def test_user_map_first_match_wins_and_fallback(customers):
    table = pd.DataFrame(
        {
            "segment": ["Best", "Also best", "Recent"],
            "r min": [5, 5, 4],
            "r_max": [5, 5, 5],
            "F Min": [5, 1, None],
            "M Min": [5, 1, None],
        }
    )
    with pytest.warns(SegmentationWarning, match="uncovered"):
        model = RFMSegmenter(5, segment_map=table).fit(customers)
    scored = model.segment(customers)
    best = (scored["R"] == 5) & (scored["F"] == 5) & (scored["M"] == 5)
    assert (scored.loc[best, "RFM Segment"] == "Best").all()
    assert (scored.loc[(scored["R"] == 5) & ~best, "RFM Segment"] == "Also best").all()
    assert (scored.loc[scored["R"] <= 3, "RFM Segment"] == "Other").all()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pd.DataFrame({"Label": ["a"]}), "The segment map has no 'Segment' column"),
        (pd.DataFrame({"Segment": ["a"], "R Min": ["high"]}), "'R Min' for segment 'a'"),
        (pd.DataFrame({"Segment": ["a"], "R Min": [4], "R Max": [2]}), "R Min above R Max"),
        (pd.DataFrame({"Segment": ["a", "a"]}), "names 'a' twice"),
        (pd.DataFrame({"Segment": [None]}), "has no rows"),
    ],
)
def test_bad_segment_map_messages(table, message):
    with pytest.raises(SegmentationError, match=message):
        SegmentMap.from_frame(table)


def test_unknown_preset():
    with pytest.raises(SegmentationError, match=r"'segment_map' parameter .* Got 'fancy'"):
        get_segment_map("fancy")


# Parameters and too little data ------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"n_bins": 11},
            r"'n_bins' parameter of RFMSegmenter must be a whole number from 3 "
            r"to 10\. Got 11 instead",
        ),
        ({"n_bins": 2}, "Got 2 instead"),
        ({"n_bins": True}, "Got True instead"),
        ({"n_bins": {"recency": 5, "loyalty": 3}}, "keyed by recency, frequency, monetary"),
        ({"ties": "row"}, r"'ties' parameter .* Got 'row' instead"),
        ({"breaks": {"recency": [90, 30]}}, "break points for recency must be 2 to 9 increasing"),
        ({"breaks": {"age": [1, 2]}}, "'breaks' parameter of RFMSegmenter must be a dict"),
    ],
)
def test_parameter_errors_name_parameter_and_value(customers, params, message):
    with pytest.raises(SegmentationError, match=message):
        RFMSegmenter(**params).fit(customers)


def test_too_few_customers(customers):
    with pytest.raises(SegmentationError) as error:
        RFMSegmenter(5).fit(customers.head(4))
    assert str(error.value) == (
        "Too few customers (4) for 5 score bins: each score needs customers. "
        "Use n_bins=4 or fewer, or add customers."
    )
    with pytest.raises(SegmentationError, match="the table has 1 customer"):
        RFMSegmenter(3).fit(customers.head(1))


def test_missing_rfm_columns_named(customers):
    with pytest.raises(SegmentationError, match="'Monetary'"):
        RFMSegmenter().fit(customers.drop(columns="Monetary"))


def test_a_model_saved_with_customer_ids_still_scores_as_before_with_a_note():
    ids = [f"id{i:02d}" for i in range(10)]
    table = _table(list(range(10)), [1] * 10, [5.0] * 10, ids=ids)
    with pytest.warns(SegmentationWarning):
        model = RFMSegmenter(5, ties="rank").fit(table)
    old = model.to_dict()
    # As an earlier version saved it: the customer id at each break point.
    old["edge_ids"] = {d: ["id04"] * len(e) for d, e in old.pop("edge_keys").items()}
    with pytest.warns(SegmentationWarning, match="holds customer ids.*fit and save it again"):
        loaded = RFMSegmenter.from_dict(old)
    scores = loaded.transform(table)
    # F is all ties (1 purchase each): by the old id rule, id04 and later pass every edge.
    assert scores["F"].tolist() == [1] * 4 + [5] * 6
