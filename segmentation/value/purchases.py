"""How often customers buy and whether they are still buying: BG/NBD and MBG/NBD.

Both models are fitted by maximum likelihood from their published likelihoods:

- BG/NBD, Fader, Hardie & Lee (2005), "Counting your customers the easy way";
- MBG/NBD, Batislam, Denizel & Filiztekin (2007), which lets a customer drop out right
  after the first purchase too, so a one-time buyer is not certain to be alive.

Inputs are per-customer (x, t_x, T): repeat purchases, time of the last purchase and
length of observation, both from the first purchase, in one time unit; identical rows
are collapsed with weights first. Parameters (r, alpha, a, b) are fitted on the log
scale with analytic gradients (L-BFGS-B), so the fit neither goes negative nor needs
numerical differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, special

from segmentation.errors import SegmentationError

PurchaseModelName = Literal["bgnbd", "mbgnbd"]
PARAMETERS = ("r", "alpha", "a", "b")
# log-parameters are kept within exp(+-LOG_BOUND): far beyond any real data, yet finite
# when the data carry no sign of drop-out (b grows without bound then).
LOG_BOUND = 18.0


@dataclass(frozen=True)
class Counts:
    """Distinct (x, t_x, T) rows and how many customers share each."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    weight: np.ndarray


def collapse(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> tuple[Counts, np.ndarray]:
    """Distinct rows (sorted, so row order cannot change a fit) and each input's row."""
    stacked = np.column_stack([x, t_x, T]).astype(np.float64)
    distinct, inverse, weight = np.unique(stacked, axis=0, return_inverse=True, return_counts=True)
    counts = Counts(distinct[:, 0], distinct[:, 1], distinct[:, 2], weight.astype(np.float64))
    return counts, inverse.reshape(-1)


def _terms(model: str, log_params: np.ndarray, c: Counts) -> tuple[np.ndarray, ...]:
    """Per-row log-likelihood and its derivatives with respect to (r, alpha, a, b)."""
    r, alpha, a, b = np.exp(log_params)
    x, t_x, T = c.x, c.t_x, c.T
    log_alpha_T = np.log(alpha + T)
    log_alpha_tx = np.log(alpha + t_x)
    repeat = x > 0
    # The purchase-count part, shared: Gamma(r + x) alpha^r / Gamma(r).
    ll = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    d_r = special.digamma(r + x) - special.digamma(r) + np.log(alpha)
    d_alpha = np.full_like(x, r / alpha)
    if model == "bgnbd":
        # x > 0: Gamma(b+x-1) [(b+x-1)(alpha+T)^-(r+x) + a (alpha+t_x)^-(r+x)];
        # x = 0: Gamma(b) (alpha+T)^-r.
        bx1 = np.where(repeat, b + x - 1, 1.0)
        u1 = -(r + x) * log_alpha_T + np.log(bx1)
        u2 = np.where(repeat, np.log(a) - (r + x) * log_alpha_tx, -np.inf)
        ll = ll + special.gammaln(a + b) - special.gammaln(b) - special.gammaln(a + b + x)
        ll = ll + np.where(
            repeat, special.gammaln(np.where(repeat, b + x - 1, b)), special.gammaln(b)
        )
        d_a = special.digamma(a + b) - special.digamma(a + b + x)
        d_b = special.digamma(a + b) - special.digamma(b) - special.digamma(a + b + x)
        d_b = d_b + special.digamma(np.where(repeat, b + x - 1, b))
    else:
        # Gamma(b+x+1)/Gamma(a+b+x+1) [(alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x)].
        u1 = -(r + x) * log_alpha_T
        u2 = np.log(a) - np.log(b + x) - (r + x) * log_alpha_tx
        ll = ll + special.gammaln(a + b) + special.gammaln(b + x + 1) - special.gammaln(b)
        ll = ll - special.gammaln(a + b + x + 1)
        d_a = special.digamma(a + b) - special.digamma(a + b + x + 1)
        d_b = special.digamma(a + b) + special.digamma(b + x + 1) - special.digamma(b)
        d_b = d_b - special.digamma(a + b + x + 1)
    mix = np.logaddexp(u1, u2)
    w1, w2 = np.exp(u1 - mix), np.exp(u2 - mix)
    ll = ll + mix
    d_r = d_r - w1 * log_alpha_T - w2 * log_alpha_tx
    d_alpha = d_alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + t_x))
    d_a = d_a + w2 / a
    if model == "bgnbd":
        d_b = d_b + np.where(repeat, w1 / bx1, 0.0)
    else:
        d_b = d_b - w2 / (b + x)
    return ll, d_r, d_alpha, d_a, d_b


def log_likelihood(model: str, params: np.ndarray, counts: Counts) -> float:
    """The sample log-likelihood at ``params`` = (r, alpha, a, b)."""
    ll = _terms(model, np.log(np.asarray(params, dtype=np.float64)), counts)[0]
    return float(np.dot(counts.weight, ll))


def _objective(log_params: np.ndarray, model: str, c: Counts, total: float):
    ll, *grads = _terms(model, log_params, c)
    value = -float(np.dot(c.weight, ll)) / total
    params = np.exp(log_params)
    gradient = -np.array([np.dot(c.weight, g) for g in grads]) * params / total
    if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
        return np.inf, np.zeros(4)
    return value, gradient


def starting_values(counts: Counts) -> np.ndarray:
    """Log-parameters to start from: a purchase rate near the sample's, mild drop-out."""
    w = counts.weight
    rate = float(np.dot(w, counts.x) / max(np.dot(w, counts.T), 1e-12))
    alpha = 1.0 / max(rate, 1e-6)  # with r = 1, the mean purchase rate is r / alpha
    return np.log([1.0, alpha, 1.0, 3.0])


def fit_purchases(model: PurchaseModelName, counts: Counts) -> tuple[np.ndarray, float]:
    """Maximum-likelihood (r, alpha, a, b) and the log-likelihood."""
    total = float(counts.weight.sum())
    bounds = [(-LOG_BOUND, LOG_BOUND)] * 4
    best = None
    # Truncated Newton within bounds: few evaluations, robust on flat likelihoods. A
    # second start (and another optimiser) only when the first does not converge.
    first = starting_values(counts)
    attempts = (("TNC", first), ("L-BFGS-B", first + np.log([0.5, 1.0, 0.5, 0.2])))
    for method, start in attempts:
        found = optimize.minimize(
            _objective,
            start,
            args=(model, counts, total),
            jac=True,
            method=method,
            bounds=bounds,
            options={"maxfun": 5000, "ftol": 1e-13, "gtol": 1e-9}
            if method == "TNC"
            else {"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
        )
        if np.isfinite(found.fun) and (best is None or found.fun < best.fun):
            best = found
        if best is not None and best.success:
            break
    if best is None:
        raise SegmentationError(
            "The purchase model could not be fitted: the likelihood is not finite for these "
            "purchase histories. Check the dates of the transactions."
        )
    params = np.exp(best.x)
    return params, -best.fun * total


def p_alive(model: str, params: np.ndarray, x, t_x, T) -> np.ndarray:
    """Probability that a customer with this history is still buying at T."""
    r, alpha, a, b = params
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    if model == "bgnbd":
        odds = np.where(
            x > 0, np.exp(np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + log_ratio), 0.0
        )
    else:
        odds = np.exp(np.log(a) - np.log(b + x) + log_ratio)
    return 1.0 / (1.0 + odds)


def _hyp2f1(a, b, c, z) -> np.ndarray:
    values = special.hyp2f1(a, b, c, z)
    if not np.all(np.isfinite(values)):
        raise SegmentationError(
            "The expected purchases could not be computed for this horizon (the model's "
            "series does not converge). Choose a shorter horizon."
        )
    return values


def expected_purchases(model: str, params: np.ndarray, t, x, t_x, T) -> np.ndarray:
    """Expected purchases in the next ``t`` time units, given the history (x, t_x, T)."""
    r, alpha, a, b = params
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + T + t)
    decay = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    if model == "bgnbd":
        head = (a + b + x - 1) / (a - 1)
        tail = 1.0 - decay * _hyp2f1(r + x, b + x, a + b + x - 1, z)
    else:
        head = (a + b + x) / (a - 1)
        tail = 1.0 - decay * _hyp2f1(r + x, b + x + 1, a + b + x, z)
    return head * tail * p_alive(model, params, x, t_x, T)


def population_purchases(model: str, params: np.ndarray, t) -> np.ndarray:
    """Expected repeat purchases of a new customer within ``t`` time units of the first."""
    r, alpha, a, b = params
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + t)
    decay = np.exp(r * (np.log(alpha) - np.log(alpha + t)))
    if model == "bgnbd":
        return (a + b - 1) / (a - 1) * (1.0 - decay * _hyp2f1(r, b, a + b - 1, z))
    return b / (a - 1) * (1.0 - decay * _hyp2f1(r, b + 1, a + b, z))
