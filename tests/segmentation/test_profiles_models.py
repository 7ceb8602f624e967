"""Segment profiles, validation figures, saved models and the one-call pipeline."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from segmentation import (
    SegmentationError,
    SegmentationModel,
    SegmentationWarning,
    segment_customers,
    segment_differences,
    segment_profile,
    size_balance,
)
from segmentation import models as models_module


@pytest.fixture
def two_segments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Customer ID": list("abcdef"),
            "Recency": [1, 2, 3, 10, 20, 30],
            "Frequency": [5, 4, 3, 1, 1, 1],
            "Monetary": [100.0, 200.0, 300.0, 10.0, 20.0, 30.0],
            "Seg": ["X", "X", "X", "Y", "Y", "Y"],
            "Region": ["N", "N", "S", "S", "S", "S"],
            "Age": [20, 30, 40, 50, 60, 70],
        }
    )


def test_profile_values(two_segments):
    profile = segment_profile(
        two_segments, "Seg", actions={"X": "Keep", "Y": "Win back"}, extras=["Region", "Age"]
    ).set_index("Segment")
    assert profile.loc["X", "Customers"] == 3
    assert profile.loc["X", "% Customers"] == 0.5
    assert profile.loc["X", "Revenue"] == 600.0
    assert profile.loc["X", "% Revenue"] == pytest.approx(600 / 660)
    assert profile.loc["Y", "Mean Recency"] == 20.0
    assert profile.loc["X", "Median Monetary"] == 200.0
    assert profile.loc["X", "Top Region"] == "N (67%)"
    assert profile.loc["Y", "Mean Age"] == 60.0
    assert profile["Priority"].to_dict() == {"X": 1, "Y": 2}
    assert profile.loc["Y", "Recommended Action"] == "Win back"


def test_differences_and_balance(two_segments):
    tests = segment_differences(two_segments, "Seg", ["Recency", "Age"]).set_index("Feature")
    assert tests.loc["Recency", "p-value"] == pytest.approx(0.0495, abs=1e-4)
    assert bool(tests.loc["Age", "Segments differ"]) is True
    assert size_balance(two_segments["Seg"])["smallest_share"] == 0.5


def test_pipeline_rfm_and_clusters(customers):
    result = segment_customers(customers, method="both", n_clusters=3)
    table = result.customers
    for column in ("R", "F", "M", "RFM Score", "RFM Segment", "Cluster", "Cluster Name"):
        assert column in table.columns
    assert result.rfm_profile["Customers"].sum() == len(customers)
    assert result.cluster_profile["Customers"].sum() == len(customers)
    assert set(result.cluster_profile["Cluster"]) == {1, 2, 3}
    assert set(result.cluster_differences["Feature"]) >= {"Recency", "Frequency", "Monetary"}
    assert result.model.settings["method"] == "both"


def test_pipeline_reports_progress(customers):
    steps = []
    segment_customers(customers, progress=lambda step, fraction: steps.append(fraction))
    assert steps == sorted(steps) and steps[-1] == 1.0


def test_unknown_method(customers):
    with pytest.raises(SegmentationError, match=r"'method' parameter .* Got 'magic'"):
        segment_customers(customers, method="magic")


def test_saved_model_scores_new_batch_on_the_saved_scale(customers, tmp_path):
    result = segment_customers(customers, method="both", n_clusters=3)
    path = tmp_path / "model.json"
    result.model.save(path)
    loaded = SegmentationModel.load(path)
    # A new month: only the worst 50 customers. Fitting afresh would spread them over
    # all scores; the saved model keeps them low.
    newcomers = customers.nsmallest(50, "Monetary")
    rescored = segment_customers(newcomers, model=loaded).customers
    original = result.customers.set_index("Customer ID").loc[newcomers["Customer ID"]]
    rescored = rescored.set_index("Customer ID")
    for column in ("R", "F", "M", "RFM Segment", "Cluster", "Cluster Name"):
        assert (rescored[column].astype(str) == original[column].astype(str)).all(), column
    refit = segment_customers(newcomers).customers
    assert refit["M"].max() > rescored["M"].max()


def test_model_json_is_deterministic_and_data_only(customers):
    first = segment_customers(customers, method="both", n_clusters=3).model.to_json()
    second = segment_customers(customers.iloc[::-1], method="both", n_clusters=3).model
    assert first == second.to_json()
    data = json.loads(first)
    assert data["format"] == "excel-segmentation-model"
    assert data["rfm"]["n_bins"] == {"recency": 5, "frequency": 5, "monetary": 5}


def test_model_from_another_version_warns(customers, monkeypatch):
    text = segment_customers(customers).model.to_json()
    monkeypatch.setattr(models_module, "_package_version", lambda: "9.9.9")
    with pytest.warns(SegmentationWarning, match="saved by version 0.1.0 and is loaded by 9.9.9"):
        SegmentationModel.from_json(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"not valid JSON \(line 1, column 2\)"),
        ('{"hello": 1}', "not a saved segmentation model"),
        ('{"format": "excel-segmentation-model", "format_version": 99}', "format 99, newer"),
    ],
)
def test_bad_model_text(text, message):
    with pytest.raises(SegmentationError, match=message):
        SegmentationModel.from_json(text)


def test_damaged_model(customers):
    data = json.loads(segment_customers(customers).model.to_json())
    del data["rfm"]["edges"]
    with pytest.raises(SegmentationError, match="The saved model is damaged"):
        SegmentationModel.from_dict(data)


def test_missing_model_file(tmp_path):
    with pytest.raises(SegmentationError, match="No saved model at"):
        SegmentationModel.load(tmp_path / "nothing.json")


def test_transaction_log_pipeline_keeps_extra_attributes():
    log = pd.DataFrame(
        {
            "Customer": ["a", "a", "b", "c", "d", "e"],
            "Date": pd.to_datetime(
                ["2024-01-01", "2024-03-01", "2024-02-01", "2024-02-15", "2024-01-20",
                 "2024-03-10"]
            ),
            "Amount": [10, 20, 5, 50, 7, 80],
            "Region": ["N", "S", "S", "N", "N", "S"],
        }
    )  # fmt: skip
    result = segment_customers(log, n_bins=3, features=["Region"], method="rfm")
    table = result.customers.set_index("Customer ID")
    assert table.loc["a", "Region"] == "S"  # the latest row's value
    assert np.isclose(table["Monetary"].sum(), 172.0)
