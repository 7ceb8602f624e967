"""Per-customer columns agree with an independent implementation: lifetimes 0.11.3
(BetaGeoFitter, ModifiedBetaGeoFitter, GammaGammaFitter), on CDNOW and on simulated logs.

lifetimes' fitters import and run on this environment's numpy/pandas/scipy as they are;
only ``lifetimes.datasets`` (which needs the removed ``pkg_resources``) is avoided, by
reading the data files directly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("lifetimes")
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter

from segmentation.value.history import history_from_log
from segmentation.value.horizon import DAYS_PER_MONTH
from segmentation.value.model import CustomerValueModel
from tests.segmentation.value.conftest import CALIBRATION_AS_OF, simulated_log

FITTERS = {"bgnbd": BetaGeoFitter, "mbgnbd": ModifiedBetaGeoFitter}


def _summary(log: pd.DataFrame, as_of: str | None) -> pd.DataFrame:
    ids, history = history_from_log(log, "Customer ID", "Date", "Amount", as_of=as_of)
    summary = history.summary("weeks")
    summary.index = ids
    return summary


def _lifetimes_fit(model: str, summary: pd.DataFrame):
    fitter = FITTERS[model]().fit(summary["x"], summary["t_x"], summary["T"])
    repeat = summary[(summary["x"] > 0) & (summary["repeat_value"] > 0)]
    spend = GammaGammaFitter().fit(repeat["x"], repeat["repeat_value"])
    return fitter, spend


def _compare(model: str, summary: pd.DataFrame, rtol: float) -> None:
    ours = CustomerValueModel(model).fit(summary)
    fitter, spend = _lifetimes_fit(model, summary)
    theirs = fitter.params_
    for name, value in ours.purchase_params_.items():
        assert value == pytest.approx(theirs[name], rel=rtol), name
    for name, key in (("p", "p"), ("q", "q"), ("gamma", "v")):
        assert ours.spend_params_[name] == pytest.approx(spend.params_[key], rel=rtol), name
    # Per customer, each with its own fit: expected purchases, P(alive), order value, CLV.
    predicted = ours.predict(summary, horizon="39w", discount_rate=0.1, margin=0.5)
    x, t_x, T = summary["x"], summary["t_x"], summary["T"]
    expected = fitter.conditional_expected_number_of_purchases_up_to_time(39, x, t_x, T)
    np.testing.assert_allclose(predicted.iloc[:, 0], expected, rtol=rtol * 5, atol=1e-6)
    alive = fitter.conditional_probability_alive(x, t_x, T)
    np.testing.assert_allclose(predicted["P(Alive)"], alive, rtol=rtol * 5, atol=1e-6)
    value = summary["repeat_value"].where((x > 0) & (summary["repeat_value"] > 0), 0.0)
    own = spend.conditional_expected_average_profit(x.where(value > 0, 0), value)
    np.testing.assert_allclose(predicted["Expected Order Value"], own, rtol=rtol * 5)
    # CLV from lifetimes' building blocks: the purchases lifetimes expects by the end of
    # each month (365.25 / 12 days), discounted at 10% a year, times its order value x 0.5.
    ends = np.minimum(np.arange(1, 10) * DAYS_PER_MONTH, 39 * 7) / 7
    cumulative = [np.zeros(len(x))] + [
        np.asarray(fitter.conditional_expected_number_of_purchases_up_to_time(e, x, t_x, T))
        for e in ends
    ]
    discounted = sum(
        (cumulative[k + 1] - cumulative[k]) / 1.1 ** (ends[k] * 7 / 365.25)
        for k in range(len(ends))
    )
    np.testing.assert_allclose(
        predicted["Predicted CLV (39 weeks)"], 0.5 * np.asarray(own) * discounted, rtol=rtol * 5
    )


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_cdnow_agrees_with_lifetimes(cdnow_sample, model):
    _compare(model, _summary(cdnow_sample, CALIBRATION_AS_OF), rtol=1e-3)


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_simulated_log_agrees_with_lifetimes(model):
    log = simulated_log(4000, seed=3)
    _compare(model, _summary(log, "2024-01-01"), rtol=2e-3)


def test_simulated_log_recovers_its_parameters():
    truth = {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 3.0}
    summary = _summary(simulated_log(20000, seed=5, params=tuple(truth.values())), None)
    fitted = CustomerValueModel("bgnbd").fit(summary).purchase_params_
    # Purchases on the same day count once, which thins the fastest buyers slightly.
    assert fitted["r"] == pytest.approx(truth["r"], rel=0.15)
    assert fitted["r"] / fitted["alpha"] == pytest.approx(truth["r"] / truth["alpha"], rel=0.15)
    assert fitted["a"] / (fitted["a"] + fitted["b"]) == pytest.approx(0.8 / 3.8, rel=0.2)
