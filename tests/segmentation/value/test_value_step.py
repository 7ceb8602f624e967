"""The value step in a run: bad data says why (and RFM still runs), options, saved models,
row order, and the same histories from the SQL engines."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from segmentation import SegmentationError, SegmentationModel, segment_customers
from segmentation.value.model import CustomerValueModel
from segmentation.value.options import ValueOptions
from tests.segmentation.value.conftest import simulated_log


def _run(frame, **options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = segment_customers(frame, method="both", **options)
    return result, [str(w.message) for w in caught]


def _log(ids, days, amounts):
    start = np.datetime64("2024-01-01")
    return pd.DataFrame(
        {
            "Customer ID": ids,
            "Date": pd.to_datetime(start + np.asarray(days).astype("timedelta64[D]")),
            "Amount": amounts,
        }
    )


@pytest.fixture(scope="module")
def log():
    return simulated_log(1500, seed=11)


def test_value_is_on_by_default_for_a_log(log):
    result, _ = _run(log)
    columns = ["Expected Purchases (12 months)", "P(Alive)", "Expected Order Value",
               "Predicted CLV (12 months)"]  # fmt: skip
    assert set(columns) <= set(result.customers.columns)
    assert result.customers["P(Alive)"].between(0, 1).all()
    assert (result.customers["Predicted CLV (12 months)"] >= 0).all()
    profile = result.rfm_profile
    assert profile["% Predicted CLV"].sum() == pytest.approx(1.0)
    assert profile["Total Predicted CLV"].sum() == pytest.approx(
        result.customers["Predicted CLV (12 months)"].sum()
    )
    low = result.customers["P(Alive)"] < 0.5
    assert profile["Value at Risk"].sum() == pytest.approx(
        result.customers.loc[low, "Predicted CLV (12 months)"].sum()
    )
    assert "Total Predicted CLV" in result.cluster_profile
    assert result.customers["First Purchase"].notna().all()
    assert result.model.value is not None


_RNG = np.random.default_rng(2)
_DAYS = _RNG.integers(0, 200, 200)
_SPEND = np.round(_RNG.lognormal(3, 0.5, 200), 2)
_REPEATS = np.arange(100)


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        (_log(np.arange(200), _DAYS, _SPEND), "all 200 customers made one purchase"),
        (_log(np.r_[np.arange(200), np.arange(5)], np.r_[_DAYS, np.full(5, 250)],
              np.r_[_SPEND, np.full(5, 30.0)]), "only 5 customers bought again"),
        (_log(np.r_[np.arange(200), _REPEATS], np.r_[_DAYS % 3, np.full(100, 5)],
              np.r_[_SPEND, _SPEND[:100]]), "the log spans only 5 days"),
        (_log(np.r_[np.arange(200), _REPEATS], np.r_[_DAYS, _DAYS[:100] + 30],
              np.r_[_SPEND, np.zeros(100)]),
         "spent more than zero on their repeat purchases"),
    ],
)  # fmt: skip
def test_data_that_cannot_support_a_model_says_why_and_rfm_still_runs(frame, words):
    result, messages = _run(frame)
    assert result.value is None
    assert words in result.value_note
    assert any(words in m and "RFM segments and clusters are unaffected" in m for m in messages)
    assert "RFM Segment" in result.customers and "Cluster" in result.customers


def test_analysis_date_before_a_first_purchase_in_a_customer_table():
    customers = pd.DataFrame(
        {
            "Customer ID": [f"C{i}" for i in range(60)],
            "Last Purchase": pd.Timestamp("2024-06-01") - pd.to_timedelta(_DAYS[:60], "D"),
            "First Purchase": pd.Timestamp("2023-01-01"),
            "Frequency": 1 + _DAYS[:60] % 5,
            "Monetary": _SPEND[:60],
        }
    )
    customers.loc[0, "First Purchase"] = pd.Timestamp("2024-08-01")
    result, messages = _run(customers, as_of="2024-07-01")
    assert result.value is None and "before some customers' first purchase" in result.value_note
    assert "RFM Segment" in result.customers


def test_a_customer_table_without_first_purchase_gets_a_note(customers):
    result, messages = _run(customers)
    assert result.value is None
    assert "needs a 'First Purchase' date column" in result.value_note
    assert not any("Customer value" in m for m in messages)


def test_bad_options_are_errors(log):
    with pytest.raises(SegmentationError, match="'horizon' parameter"):
        segment_customers(log, value=ValueOptions(horizon="12 fortnights"))
    with pytest.raises(SegmentationError, match="'value_model' parameter"):
        segment_customers(log, value=ValueOptions(model="pareto"))
    with pytest.raises(SegmentationError, match="'discount_rate' parameter"):
        segment_customers(log, value=ValueOptions(discount_rate=2))


def test_no_value_and_priority_by_clv(log):
    off, _ = _run(log, value=ValueOptions(enabled=False))
    assert off.value is None and "P(Alive)" not in off.customers
    by_clv, _ = _run(log, value=ValueOptions(priority_by="clv"))
    ordered = by_clv.rfm_profile.sort_values("Priority")["Total Predicted CLV"].to_numpy()
    assert (np.diff(ordered) <= 0).all()


def test_row_order_does_not_change_anything(log):
    first, _ = _run(log)
    second, _ = _run(log.sample(frac=1.0, random_state=4).reset_index(drop=True))
    assert first.model.value.to_dict() == second.model.value.to_dict()
    pd.testing.assert_frame_equal(
        first.customers.filter(like="CLV"), second.customers.filter(like="CLV")
    )


def test_saved_model_predicts_with_its_parameters_not_a_refit(log, monkeypatch):
    fitted, _ = _run(log, value=ValueOptions(model="mbgnbd"))
    text = fitted.model.to_json()
    assert "S00001" not in text  # no customer ids in the saved model
    loaded = SegmentationModel.from_json(text)

    def no_refit(*args, **kwargs):
        raise AssertionError("a saved model must not be refitted")

    monkeypatch.setattr(CustomerValueModel, "fit", no_refit)
    later = log.assign(Date=log["Date"] + pd.Timedelta(days=28))
    scored, _ = _run(later, model=loaded)
    assert scored.value is not None and not scored.value.refit
    assert scored.model.value.purchase_params_ == fitted.model.value.purchase_params_


def test_first_purchase_and_age_from_duckdb_match_memory(log, tmp_path):
    from segmentation import read_customers
    from segmentation.logs.duckdb_engine import DuckDBLog
    from segmentation.logs.files import log_files
    from segmentation.logs.reader import read_log
    from segmentation.value.step import customer_history

    path = tmp_path / "log.parquet"
    log.to_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        memory = read_customers(log, as_of="2024-03-01")
        with DuckDBLog(log_files(path)) as backend:
            sql = read_log(backend, as_of="2024-03-01")
    for column in ("First Purchase", "Customer Age"):
        np.testing.assert_array_equal(sql.table[column], memory.table[column])
    ours, theirs = customer_history(memory), customer_history(sql)
    for name in ("first_day", "last_day", "purchase_days"):
        np.testing.assert_array_equal(getattr(theirs, name), getattr(ours, name))
    np.testing.assert_allclose(theirs.repeat_spend, ours.repeat_spend, rtol=1e-9)
