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

PARAMETERS = ("p", "q", "gamma")
_LOG_BOUND = 18.0


def _terms(log_params: np.ndarray, x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, ...]:
    p, q, gamma = np.exp(log_params)
    px = p * x
    log_total = np.log(gamma + m * x)
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_total
    )
    common = special.digamma(px + q)
    d_p = x * (common - special.digamma(px) + np.log(m) + np.log(x) - log_total)
    d_q = common - special.digamma(q) + np.log(gamma) - log_total
    d_gamma = q / gamma - (px + q) / (gamma + m * x)
    return ll, d_p, d_q, d_gamma


def _objective(log_params, x, m, w, total):
    ll, *grads = _terms(log_params, x, m)
    value = -float(np.dot(w, ll)) / total
    gradient = -np.array([np.dot(w, g) for g in grads]) * np.exp(log_params) / total
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
    pairs, weight = np.unique(np.column_stack([x, m]), axis=0, return_counts=True)
    x, m, w = pairs[:, 0], pairs[:, 1], weight.astype(np.float64)
    total = float(w.sum())
    # Start where the prior mean p*gamma/(q-1) matches the sample's mean spend.
    mean_spend = float(np.dot(w, m) / total)
    start = np.log([2.0, 3.0, mean_spend])
    found = optimize.minimize(
        _objective,
        start,
        args=(x, m, w, total),
        jac=True,
        method="TNC",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 3,
        options={"maxfun": 5000, "ftol": 1e-13, "gtol": 1e-9},
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
