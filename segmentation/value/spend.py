"""What a customer spends per purchase: the Gamma-Gamma model.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base
analysis": the mean value of a customer's x repeat purchases, m, is modelled with
spend per purchase ~ Gamma(p, nu) and nu ~ Gamma(q, gamma) across customers. Fitted by
maximum likelihood on the repeat buyers (x > 0, m > 0), parameters on the log scale,
analytic gradients, identical (x, m) rows collapsed with weights.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special

from segmentation.errors import SegmentationError
from segmentation.value.purchases import distinct_rows

PARAMETERS = ("p", "q", "gamma")
_LOG_BOUND = 18.0


def _terms(log_params: np.ndarray, x: np.ndarray, m: np.ndarray, ix=None, xs=None):
    """Per-row log-likelihood and derivatives; x-only special functions are evaluated
    once per distinct x when ``xs``/``ix`` (distinct values, positions) are given."""
    p, q, gamma = np.exp(log_params)
    if xs is None:
        xs, ix = np.unique(x, return_inverse=True)
    pxs = p * xs
    x_part = special.gammaln(pxs + q) - special.gammaln(pxs) - special.gammaln(q)
    common = special.digamma(pxs + q)
    px = p * x
    log_total = np.log(gamma + m * x)
    log_m, log_x = np.log(m), np.log(x)
    ll = x_part[ix] + q * np.log(gamma) + (px - 1) * log_m + px * log_x - (px + q) * log_total
    d_p = x * ((common - special.digamma(pxs))[ix] + log_m + log_x - log_total)
    d_q = (common - special.digamma(q))[ix] + np.log(gamma) - log_total
    d_gamma = q / gamma - (px + q) / (gamma + m * x)
    return ll, d_p, d_q, d_gamma


def _objective(log_params, x, m, w, total, ix, xs):
    ll, *grads = _terms(log_params, x, m, ix, xs)
    value = -float(np.sum(w * ll)) / total  # no BLAS: the same bits anywhere
    gradient = -np.array([np.sum(w * g) for g in grads]) * np.exp(log_params) / total
    if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
        return np.inf, np.zeros(3)
    return value, gradient


def spend_log_likelihood(params, x, m) -> float:
    """The Gamma-Gamma log-likelihood of repeat buyers' mean spend at (p, q, gamma)."""
    x, m = np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64)
    return float(_terms(np.log(np.asarray(params, dtype=np.float64)), x, m)[0].sum())


def fit_spend(x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, float]:
    """Maximum-likelihood (p, q, gamma) from repeat buyers' counts and mean spend."""
    x, m = np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64)
    first, _, weight = distinct_rows(x, m)
    x, m, w = x[first], m[first], weight.astype(np.float64)
    xs, ix = np.unique(x, return_inverse=True)
    total = float(w.sum())
    # Start where the prior mean p*gamma/(q-1) matches the sample's mean spend.
    mean_spend = float(np.sum(w * m) / total)
    start = np.log([2.0, 3.0, mean_spend])
    found = optimize.minimize(
        _objective,
        start,
        args=(x, m, w, total, ix, xs),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 3,
        options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
    )
    if not np.isfinite(found.fun):
        raise SegmentationError(
            "The spend model could not be fitted: the repeat purchases' values give no "
            "finite likelihood. Check the amount column."
        )
    return np.exp(found.x), -found.fun * total


def expected_order_value(params: np.ndarray, x, m) -> np.ndarray:
    """Expected value of a future purchase given x repeat purchases of mean value m.

    A weighted mean of the population mean p*gamma/(q-1) and the customer's own mean m;
    customers without repeat purchases (x = 0) get the population mean.
    """
    p, q, gamma = params
    x = np.asarray(x, dtype=np.float64)
    m = np.where(x > 0, np.asarray(m, dtype=np.float64), 0.0)
    return p * (gamma + x * m) / (p * x + q - 1)
