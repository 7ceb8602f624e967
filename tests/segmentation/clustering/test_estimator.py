"""Behavioural clusters: recovery of real groups, canonical labels, names, warnings, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation import ClusterSegmenter, SegmentationError, SegmentationWarning, cluster_segments


def three_groups(seed: int = 0, sizes=(150, 300, 550)) -> pd.DataFrame:
    """Loyal big spenders, lapsing occasional buyers and one-time bargain hunters."""
    rng = np.random.default_rng(seed)
    a, b, c = sizes
    frame = pd.DataFrame(
        {
            "Recency": np.r_[rng.integers(1, 20, a), rng.integers(90, 150, b),
                             rng.integers(300, 600, c)],
            "Frequency": np.r_[rng.integers(15, 30, a), rng.integers(3, 6, b), np.ones(c, int)],
            "Monetary": np.r_[rng.uniform(2000, 4000, a), rng.uniform(150, 300, b),
                              rng.uniform(10, 30, c)],
            "Group": ["loyal"] * a + ["lapsing"] * b + ["one-time"] * c,
        }
    )  # fmt: skip
    frame.insert(0, "Customer ID", [f"K{i:04d}" for i in range(len(frame))])
    return frame


def test_auto_k_recovers_three_groups_numbered_by_value():
    data = three_groups()
    model = ClusterSegmenter().fit(data)
    assert model.n_clusters_ == 3
    labels = model.predict(data)
    crosstab = pd.crosstab(data["Group"], labels)
    assert crosstab.loc["loyal", 1] == 150
    assert crosstab.loc["lapsing", 2] == 300
    assert crosstab.loc["one-time", 3] == 550
    assert list(model.k_scores_["k"]) == [3, 4, 5, 6]
    assert model.k_scores_.set_index("k")["silhouette"].idxmax() == 3


def test_names_are_short_unique_and_describe_the_profile():
    data = three_groups()
    model = ClusterSegmenter(3).fit(data)
    assert len(set(model.names_)) == 3
    assert all(2 <= len(name.split()) <= 4 for name in model.names_)
    assert model.names_[0].startswith("Recent")
    assert model.names_[2].startswith("Lapsed")
    assert all(model.actions_)


def test_labels_do_not_depend_on_row_order_or_id_renaming():
    data = three_groups()
    base = ClusterSegmenter().fit(data).segment(data)
    shuffled = data.sample(frac=1.0, random_state=3)
    again = ClusterSegmenter().fit(shuffled).segment(shuffled).loc[data.index]
    assert again.equals(base)


def test_categorical_features_are_one_hot_not_codes():
    data = three_groups()
    data["Channel"] = np.where(data["Group"] == "loyal", "app", "web")
    model = ClusterSegmenter(3, features=["Channel"], categorical=["Channel"]).fit(data)
    assert "Channel=app" in model.feature_names_ and "Channel=web" in model.feature_names_
    assert "Channel" not in model.feature_names_


def test_extra_numeric_feature_is_scaled_with_stored_parameters():
    data = three_groups()
    data["Age"] = np.linspace(20, 70, len(data))
    model = ClusterSegmenter(3, features=["Age"]).fit(data)
    assert "Age" in model.feature_names_
    restored = ClusterSegmenter.from_dict(model.to_dict())
    assert restored.predict(data).equals(model.predict(data))


def test_small_cluster_warning():
    data = three_groups(sizes=(20, 400, 580))
    with pytest.warns(SegmentationWarning, match=r"under 5% of customers"):
        model = ClusterSegmenter(3).fit(data)
    assert model.validation_["smallest_share"] == pytest.approx(0.02)


def test_validation_figures():
    model = ClusterSegmenter(3).fit(three_groups())
    assert model.validation_["silhouette"] > 0.7
    assert model.validation_["davies_bouldin"] < 0.5


def test_cluster_segments_one_call():
    result = cluster_segments(three_groups(), n_clusters=3)
    assert list(result.columns[-2:]) == ["Cluster", "Cluster Name"]
    assert result["Cluster"].between(1, 3).all()


def test_constant_features_error():
    data = pd.DataFrame(
        {"Customer ID": list("abcdefgh"), "Recency": [1] * 8, "Frequency": [1] * 8,
         "Monetary": [5] * 8}
    )  # fmt: skip
    with pytest.raises(SegmentationError) as error:
        ClusterSegmenter(3).fit(data)
    assert str(error.value) == (
        "Feature(s) 'log Recency', 'log Frequency', 'log Monetary' have the same value for "
        "every customer and cannot separate clusters. Use more varied data, or cluster on "
        "other features."
    )


def test_too_few_customers_for_clusters():
    with pytest.raises(SegmentationError) as error:
        ClusterSegmenter(5).fit(three_groups().head(4))
    assert str(error.value) == (
        "Too few customers (4) for 5 clusters: each cluster needs customers. Ask for fewer "
        "clusters or add customers (at least 10 for 5 clusters)."
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_clusters": "many"}, r"'n_clusters' parameter .* Got 'many' instead"),
        ({"n_clusters": 1}, "Got 1 instead"),
        ({"k_range": (6, 3)}, "'k_range'"),
        ({"features": ["Shoe size"]}, "'Shoe size'"),
    ],
)
def test_parameter_errors(params, message):
    with pytest.raises(SegmentationError, match=message):
        ClusterSegmenter(**params).fit(three_groups())


def test_sampled_fit_does_not_depend_on_row_order_or_ids(customers):
    # More customers than the sample: which customers are sampled must not depend on
    # where they stand in the table or on their ids.
    model = ClusterSegmenter(4, sample_size=150, silhouette_size=100).fit(customers)
    base = model.predict(customers)
    shuffled = customers.sample(frac=1.0, random_state=9)
    shuffled = shuffled.assign(**{"Customer ID": "x" + shuffled["Customer ID"]})
    again = ClusterSegmenter(4, sample_size=150, silhouette_size=100).fit(shuffled)
    assert again.predict(shuffled).loc[customers.index].equals(base)
    np.testing.assert_array_equal(again.centers_, model.centers_)


def test_a_measure_every_customer_shares_still_gives_names() -> None:
    """All customers bought on the same day: recency has no spread, names still come."""
    from segmentation.clustering.naming import describe_cluster

    name, action = describe_cluster(np.array([np.nan, 1.2, 0.8]), median_frequency=4)
    assert name == "Cooling loyal high spenders" and action
