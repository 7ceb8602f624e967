"""The published CDNOW figures, reproduced through every way users reach the models.

Fader, Hardie & Lee (2005): BG/NBD r = 0.243, alpha = 4.414, a = 0.793, b = 2.426,
log-likelihood -9582.4, E[Y(39) | x = 2, t_x = 30.43, T = 38.86] = 1.226; Gamma-Gamma
p = 6.25, q = 3.74, gamma = 15.44 on the 946 repeat buyers. Weeks, calibration to
1997-09-30 (analysis date 1997-10-01).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import openpyxl
import pytest

from addin.cli.main import main
from segmentation import segment_customers
from segmentation.value.history import history_from_log
from segmentation.value.model import CustomerValueModel
from segmentation.value.options import ValueOptions
from segmentation.value.purchases import expected_purchases
from tests.segmentation.value.conftest import CALIBRATION_AS_OF

PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def _significant(value: float, digits: int = 3) -> float:
    return float(f"{value:.{digits}g}")


def _assert_published(purchase: dict, spend: dict, log_likelihood: float) -> None:
    for name, published in PUBLISHED_BGNBD.items():
        assert _significant(purchase[name]) == _significant(published), name
    for name, published in PUBLISHED_SPEND.items():
        assert _significant(spend[name]) == _significant(published), name
    assert round(log_likelihood, 1) == -9582.4


def test_summary_follows_the_papers_conventions(cdnow_sample):
    ids, history = history_from_log(
        cdnow_sample, "Customer ID", "Date", "Amount", as_of=CALIBRATION_AS_OF
    )
    summary = history.summary("weeks")
    summary.index = ids
    assert len(summary) == 2357
    assert int((summary["x"] > 0).sum()) == 946
    # Customer 00004: purchases on 1997-01-01, 01-18 and 08-02 (the papers' first row).
    first = summary.loc["00004"]
    assert (first["x"], round(first["t_x"], 2), round(first["T"], 2)) == (2.0, 30.43, 38.86)
    assert round(first["repeat_value"], 3) == 22.345


def test_public_functions_reproduce_the_published_fit(cdnow_sample):
    ids, history = history_from_log(
        cdnow_sample, "Customer ID", "Date", "Amount", as_of=CALIBRATION_AS_OF
    )
    model = CustomerValueModel("bgnbd").fit(history.summary("weeks"))
    _assert_published(model.purchase_params_, model.spend_params_, model.log_likelihood_)
    assert model.spend_customers_ == 946
    params = np.array(list(model.purchase_params_.values()))
    expected = expected_purchases("bgnbd", params, 39, 2, 30.43, 38.86)
    assert round(float(expected), 3) == 1.226


def test_segment_customers_reproduces_the_published_fit(cdnow_sample):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = segment_customers(
            cdnow_sample,
            as_of=CALIBRATION_AS_OF,
            value=ValueOptions(model="bgnbd", horizon="39w", discount_rate=0.0),
        )
    model = result.value.model
    _assert_published(model.purchase_params_, model.spend_params_, model.log_likelihood_)
    customer = result.customers.set_index("Customer ID").loc["00004"]
    assert round(customer["Expected Purchases (39 weeks)"], 3) == 1.226
    # The log goes on to 1998-06-30: the holdout check is there.
    assert result.value.holdout is not None
    assert str(result.value.holdout.end.date()) == "1998-06-30"


@pytest.mark.parametrize("value_model", ["bgnbd", "auto"])
def test_segment_run_on_the_transaction_file(cdnow_sample, tmp_path, capsys, value_model):
    source = tmp_path / "cdnow.csv"
    frame = cdnow_sample.assign(Date=cdnow_sample["Date"].dt.strftime("%Y-%m-%d"))
    frame.to_csv(source, index=False)
    output, saved = tmp_path / "out.xlsx", tmp_path / "model.json"
    code = main(["run", str(source), "--as-of", CALIBRATION_AS_OF, "--value-model", value_model,
                 "-o", str(output), "--save-model", str(saved)])  # fmt: skip
    assert code == 0
    value = json.loads(saved.read_text(encoding="utf-8"))["value"]
    bgnbd = dict(zip(PUBLISHED_BGNBD, value["candidates"]["bgnbd"]["params"]))
    _assert_published(bgnbd, value["spend_params"], value["candidates"]["bgnbd"]["log_likelihood"])
    printed = capsys.readouterr().out
    assert "Customer value: " in printed and "CLV " in printed
    sheet = openpyxl.load_workbook(output)["Customer Value"]
    figures = {row[0]: row[1] for row in sheet.iter_rows(min_row=6, max_col=2, values_only=True)}
    if value_model == "bgnbd":
        assert _significant(figures["r (purchase rate shape)"]) == 0.243
        assert round(figures["Log-likelihood (BG/NBD)"], 1) == -9582.4
    assert _significant(figures["p (spend shape)"]) == 6.25
