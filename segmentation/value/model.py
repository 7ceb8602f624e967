"""The customer-value estimator: a purchase model and a spend model, fitted together.

``CustomerValueModel().fit(summary)`` fits BG/NBD and/or MBG/NBD (choosing by fit when
asked) and Gamma-Gamma; ``predict`` gives per customer the expected purchases over a
horizon, P(alive), the expected order value and the predicted CLV. The fitted model is
plain numbers (no customer ids), saved with the segmentation model.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from segmentation import names
from segmentation.defaults import (
    DISCOUNT_RATE,
    HORIZON,
    MARGIN,
    MIN_REPEAT_BUYERS,
    MIN_VALUE_SPAN_DAYS,
    VALUE_MODEL,
    VALUE_MODELS,
    VALUE_UNIT,
    VALUE_UNITS,
)
from segmentation.errors import SegmentationError, SegmentationWarning
from segmentation.value.history import UNIT_DAYS
from segmentation.value.horizon import discounted_purchases, parse_horizon
from segmentation.value.purchases import (
    PARAMETERS,
    collapse,
    distinct_rows,
    expected_purchases,
    fit_purchases,
    p_alive,
    purchases_if_alive,
)
from segmentation.value.spend import expected_order_value, fit_spend

MODEL_TITLES = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD"}
_NEEDED = ("x", "t_x", "T", "repeat_value")


def value_columns(horizon_label: str) -> dict[str, str]:
    """Output headers, the horizon after those that depend on it."""
    return {
        names.EXPECTED_PURCHASES: f"{names.EXPECTED_PURCHASES} ({horizon_label})",
        names.P_ALIVE: names.P_ALIVE,
        names.EXPECTED_ORDER_VALUE: names.EXPECTED_ORDER_VALUE,
        names.PREDICTED_CLV: f"{names.PREDICTED_CLV} ({horizon_label})",
    }


def check_rate(parameter: str, value: object, low: float, high: float) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if not low <= number <= high:
        raise SegmentationError.bad_parameter(
            "customer value",
            parameter,
            value,
            f"a number from {low:g} to {high:g}",
            label=f"the {parameter.replace('_', ' ')}",
        )
    return number


class CustomerValueModel:
    """Expected purchases, P(alive) and CLV from (x, t_x, T) and repeat spend.

    Parameters
    ----------
    purchase_model : {"auto", "bgnbd", "mbgnbd"}
        ``auto`` fits both and keeps the one with the higher log-likelihood, or, when
        ``holdout`` is given to :meth:`fit`, the one that predicts it better.
    unit : {"weeks", "days"}
        The time unit of ``t_x`` and ``T`` (alpha is per this unit).

    Attributes
    ----------
    purchase_model_ : str
    purchase_params_ : dict  (r, alpha, a, b)
    log_likelihood_ : float
    candidates_ : dict of model -> {"log_likelihood", "params", "holdout_error"}
    choice_ : str, why the purchase model was used
    spend_params_ : dict  (p, q, gamma)
    spend_log_likelihood_ : float
    customers_, repeat_buyers_, spend_excluded_ : int
    """

    def __init__(self, purchase_model: str = VALUE_MODEL, *, unit: str = VALUE_UNIT) -> None:
        self.purchase_model = purchase_model
        self.unit = unit

    # --- fitting ---------------------------------------------------------------------

    def _check(self, summary: pd.DataFrame) -> None:
        if self.purchase_model not in VALUE_MODELS:
            raise SegmentationError.bad_parameter(
                "CustomerValueModel",
                "value_model",
                self.purchase_model,
                "bgnbd, mbgnbd or auto",
                label="the value model",
            )
        if self.unit not in VALUE_UNITS:
            raise SegmentationError.bad_parameter(
                "CustomerValueModel", "unit", self.unit, "weeks or days", label="the time unit"
            )
        missing = [c for c in _NEEDED if c not in summary.columns]
        if missing:
            raise SegmentationError(
                f"The value summary lacks column(s) {', '.join(missing)}: build it with "
                "PurchaseHistory.summary() or calibration_summary()."
            )
        span_days = float(summary["T"].max()) * UNIT_DAYS[self.unit]
        if span_days < MIN_VALUE_SPAN_DAYS:
            raise SegmentationError(
                f"Customer value cannot be estimated: the log spans only {span_days:.0f} days "
                f"from the first purchase to the analysis date, too short to tell how often "
                f"customers buy and when they stop (at least {MIN_VALUE_SPAN_DAYS} days are "
                "needed). Use a longer transaction log."
            )
        repeat_buyers = int((summary["x"] > 0).sum())
        if repeat_buyers == 0:
            raise SegmentationError(
                f"Customer value cannot be estimated: all {len(summary):,} customers made one "
                "purchase (on one day), so nothing shows how often they come back. Use a "
                "longer log, or one where purchases carry their real dates."
            )
        if repeat_buyers < MIN_REPEAT_BUYERS:
            raise SegmentationError(
                f"Customer value cannot be estimated: only {repeat_buyers} "
                f"{'customer' if repeat_buyers == 1 else 'customers'} bought "
                f"again after their first purchase day; at least {MIN_REPEAT_BUYERS} are "
                "needed. Use a longer log or more customers."
            )

    def fit(self, summary: pd.DataFrame, holdout: pd.Series | None = None) -> CustomerValueModel:
        """Fit on a calibration summary (columns ``x``, ``t_x``, ``T``, ``repeat_value``).

        ``holdout``, optional: each customer's purchase days after the calibration, with
        ``holdout_length`` in the summary's unit as ``holdout.attrs["length"]``.
        """
        self._check(summary)
        # The optimiser's BLAS calls work on vectors of four numbers: threads only spin.
        with threadpool_limits(limits=1, user_api="blas"):
            return self._fit(summary, holdout)

    def _fit(self, summary: pd.DataFrame, holdout: pd.Series | None) -> CustomerValueModel:
        x, t_x, T = (summary[c].to_numpy(np.float64) for c in ("x", "t_x", "T"))
        counts, _ = collapse(x, t_x, T)
        chosen = ("bgnbd", "mbgnbd") if self.purchase_model == "auto" else (self.purchase_model,)
        self.candidates_ = {}
        start = None
        for model in chosen:
            # The second model starts from the first one's fit: close, and fewer steps.
            params, ll = fit_purchases(model, counts, start)
            start = params
            entry = {"log_likelihood": ll, "params": params.tolist(), "holdout_error": None}
            if holdout is not None:
                length = float(holdout.attrs["length"])
                predicted = expected_purchases(model, params, length, x, t_x, T)
                actual = holdout.to_numpy(np.float64)
                entry["holdout_error"] = float(np.sqrt(np.mean((predicted - actual) ** 2)))
            self.candidates_[model] = entry
        if len(chosen) == 1:
            best, self.choice_ = chosen[0], "chosen in the settings"
        elif holdout is not None:
            best = min(chosen, key=lambda m: self.candidates_[m]["holdout_error"])
            self.choice_ = "chosen automatically: it predicts the holdout period better"
        else:
            best = max(chosen, key=lambda m: self.candidates_[m]["log_likelihood"])
            self.choice_ = "chosen automatically: higher log-likelihood"
        self.purchase_model_ = best
        self.purchase_params_ = dict(
            zip(("r", "alpha", "a", "b"), self.candidates_[best]["params"])
        )
        self.log_likelihood_ = self.candidates_[best]["log_likelihood"]
        self.customers_ = len(summary)
        self.repeat_buyers_ = int((x > 0).sum())
        self.unit_ = self.unit
        self._fit_spend(x, summary["repeat_value"].to_numpy(np.float64))
        return self

    def _fit_spend(self, x: np.ndarray, value: np.ndarray) -> None:
        repeat = x > 0
        usable = repeat & (value > 0) & np.isfinite(value)
        self.spend_excluded_ = int((repeat & ~usable).sum())
        if usable.sum() < MIN_REPEAT_BUYERS:
            raise SegmentationError(
                f"Customer value cannot be estimated: only {int(usable.sum())} repeat buyers "
                f"spent more than zero on their repeat purchases ({self.spend_excluded_} spent "
                "zero or less, net of returns); at least "
                f"{MIN_REPEAT_BUYERS} are needed. Check the amount column."
            )
        if self.spend_excluded_:
            warnings.warn(
                f"{self.spend_excluded_} repeat buyers spent zero or less on their repeat "
                "purchases (net of returns); the spend model was fitted without them.",
                SegmentationWarning,
                stacklevel=3,
            )
        params, ll = fit_spend(x[usable], value[usable])
        if params[1] <= 1:
            raise SegmentationError(
                "Customer value cannot be estimated: repeat spend varies so much between "
                f"customers that the average order value has no finite mean (q = {params[1]:.2f}"
                ", it must exceed 1). Check the amount column for extreme values."
            )
        self.spend_params_ = dict(zip(("p", "q", "gamma"), params.tolist()))
        self.spend_log_likelihood_ = ll
        self.spend_customers_ = int(usable.sum())

    # --- predicting ------------------------------------------------------------------

    def _require_fit(self) -> None:
        if not hasattr(self, "purchase_params_"):
            raise SegmentationError(
                "This CustomerValueModel is not fitted yet. Call fit() before predict()."
            )

    def predict(
        self,
        summary: pd.DataFrame,
        *,
        horizon: object = HORIZON,
        discount_rate: float = DISCOUNT_RATE,
        margin: float = MARGIN,
    ) -> pd.DataFrame:
        """Per customer: ``Expected Purchases (horizon)``, ``P(Alive)``,
        ``Expected Order Value`` and ``Predicted CLV (horizon)``, index as ``summary``'s.

        Predicted CLV = margin x expected order value x the sum, month by month over the
        horizon, of the purchases expected that month discounted at the annual rate to
        the month's end: E[Y(t_k)] - E[Y(t_k-1)] divided by (1 + rate) ** (t_k in years).
        """
        self._require_fit()
        span = parse_horizon(horizon)
        rate = check_rate("discount_rate", discount_rate, 0.0, 1.0)
        margin = check_rate("margin", margin, 0.0, 1.0)
        day = UNIT_DAYS[self.unit_]
        x, t_x, T = (summary[c].to_numpy(np.float64) for c in ("x", "t_x", "T"))
        counts, inverse = collapse(x, t_x, T)
        params = np.array([self.purchase_params_[k] for k in PARAMETERS])
        model = self.purchase_model_
        # The horizon's part depends on (x, T) only: far fewer rows than (x, t_x, T).
        first, pair, _ = distinct_rows(counts.x, counts.T)
        pair_x, pair_T = counts.x[first], counts.T[first]
        total, discounted = discounted_purchases(
            lambda days: purchases_if_alive(model, params, days / day, pair_x, pair_T),
            span.days,
            rate,
        )
        alive = p_alive(model, params, counts.x, counts.t_x, counts.T)
        total, discounted = total[pair] * alive, discounted[pair] * alive
        spend = np.array([self.spend_params_[k] for k in ("p", "q", "gamma")])
        value = summary["repeat_value"].to_numpy(np.float64)
        # Customers whose repeat spend was zero or less get the population's mean.
        own = (x > 0) & (value > 0)
        order_value = expected_order_value(spend, np.where(own, x, 0.0), value)
        headers = value_columns(span.label)
        return pd.DataFrame(
            {
                headers[names.EXPECTED_PURCHASES]: total[inverse],
                headers[names.P_ALIVE]: alive[inverse],
                headers[names.EXPECTED_ORDER_VALUE]: order_value,
                headers[names.PREDICTED_CLV]: margin * order_value * discounted[inverse],
            },
            index=summary.index,
        )

    # --- saving ----------------------------------------------------------------------

    def to_dict(self) -> dict:
        self._require_fit()
        return {
            "purchase_model": self.purchase_model,
            "unit": self.unit_,
            "fitted_model": self.purchase_model_,
            "purchase_params": self.purchase_params_,
            "log_likelihood": self.log_likelihood_,
            "candidates": self.candidates_,
            "choice": self.choice_,
            "spend_params": self.spend_params_,
            "spend_log_likelihood": self.spend_log_likelihood_,
            "customers": self.customers_,
            "repeat_buyers": self.repeat_buyers_,
            "spend_customers": self.spend_customers_,
            "spend_excluded": self.spend_excluded_,
        }

    @classmethod
    def from_dict(cls, data: dict) -> CustomerValueModel:
        model = cls(data["purchase_model"], unit=data["unit"])
        model.unit_ = data["unit"]
        model.purchase_model_ = data["fitted_model"]
        if model.purchase_model_ not in MODEL_TITLES or model.unit_ not in VALUE_UNITS:
            raise ValueError(f"unknown value model {model.purchase_model_!r}")
        model.purchase_params_ = {
            k: float(data["purchase_params"][k]) for k in ("r", "alpha", "a", "b")
        }
        model.log_likelihood_ = float(data["log_likelihood"])
        model.candidates_ = dict(data.get("candidates") or {})
        model.choice_ = str(data.get("choice", ""))
        model.spend_params_ = {k: float(data["spend_params"][k]) for k in ("p", "q", "gamma")}
        model.spend_log_likelihood_ = float(data["spend_log_likelihood"])
        for key in ("customers", "repeat_buyers", "spend_customers", "spend_excluded"):
            setattr(model, f"{key}_", int(data.get(key, 0)))
        return model
