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

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, special

from segmentation.errors import SegmentationError, SegmentationWarning

PurchaseModelName = Literal["bgnbd", "mbgnbd"]
PARAMETERS = ("r", "alpha", "a", "b")
MODEL_NAMES = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD"}
# log-parameters are kept within exp(+-LOG_BOUND): far beyond any real data, yet finite
# when the data carry no sign of drop-out (b grows without bound then).
LOG_BOUND = 18.0


@dataclass(frozen=True)
class Counts:
    """Distinct (x, t_x, T) rows and how many customers share each.

    ``xs``/``ix`` (and ``ts``/``it``, ``Ts``/``iT``) are each column's distinct values and
    every row's position among them: the special functions of the likelihood are
    evaluated once per distinct value, not once per row.
    """

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    weight: np.ndarray
    xs: np.ndarray
    ix: np.ndarray
    ts: np.ndarray
    it: np.ndarray
    Ts: np.ndarray
    iT: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weight: np.ndarray) -> Counts:
        xs, ix = np.unique(x, return_inverse=True)
        ts, it = np.unique(t_x, return_inverse=True)
        Ts, iT = np.unique(T, return_inverse=True)
        return cls(x, t_x, T, weight, xs, ix, ts, it, Ts, iT)


def distinct_rows(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One row of each distinct combination (in sorted order of the values), each row's
    group, and group sizes. Each column becomes value ranks, the ranks one integer key:
    cheaper than ``np.unique(axis=0)`` or a lexicographic sort of floats."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    span = 1
    for column in columns:
        values, ranks = np.unique(column, return_inverse=True)
        if span * len(values) >= 2**62:  # too many combinations for one integer key
            return _lexsorted_rows(*columns)
        key = key * len(values) + ranks.reshape(-1)
        span *= len(values)
    keys, first, inverse, sizes = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    return first, inverse.reshape(-1), sizes


def _lexsorted_rows(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.lexsort(columns[::-1])
    same = np.ones(max(len(order) - 1, 0), dtype=bool)
    for column in columns:
        ordered = column[order]
        same &= ordered[1:] == ordered[:-1]
    starts = np.r_[True, ~same] if len(order) else np.zeros(0, dtype=bool)
    group_sorted = np.cumsum(starts) - 1
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = group_sorted
    sizes = np.bincount(group_sorted) if len(order) else np.zeros(0, dtype=np.int64)
    return order[starts], inverse, sizes


def collapse(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> tuple[Counts, np.ndarray]:
    """Distinct rows (sorted, so row order cannot change a fit) and each input's row."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    first, inverse, sizes = distinct_rows(x, t_x, T)
    counts = Counts.of(x[first], t_x[first], T[first], sizes.astype(np.float64))
    return counts, inverse


def _x_terms(model: str, r: float, alpha: float, a: float, b: float, xs: np.ndarray):
    """The parts of each row's log-likelihood (and derivatives) that depend on x only."""
    repeat = xs > 0
    ll = special.gammaln(r + xs) - special.gammaln(r) + r * np.log(alpha)
    d_r = special.digamma(r + xs) - special.digamma(r) + np.log(alpha)
    if model == "bgnbd":
        # x > 0: Gamma(b+x-1) [(b+x-1)(alpha+T)^-(r+x) + a (alpha+t_x)^-(r+x)];
        # x = 0: Gamma(b) (alpha+T)^-r.
        shape = np.where(repeat, b + xs - 1, b)
        ll = ll + special.gammaln(a + b) - special.gammaln(b) - special.gammaln(a + b + xs)
        ll = ll + special.gammaln(shape)
        d_a = special.digamma(a + b) - special.digamma(a + b + xs)
        d_b = special.digamma(a + b) - special.digamma(b) - special.digamma(a + b + xs)
        d_b = d_b + special.digamma(shape)
        bx1 = np.where(repeat, b + xs - 1, 1.0)
        first = np.log(bx1)  # added to -(r+x) log(alpha+T)
        second = np.where(repeat, np.log(a), -np.inf)  # added to -(r+x) log(alpha+t_x)
        d_b_first, d_b_second = np.where(repeat, 1.0 / bx1, 0.0), np.zeros_like(xs)
    else:
        # Gamma(b+x+1)/Gamma(a+b+x+1) [(alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x)].
        ll = ll + special.gammaln(a + b) + special.gammaln(b + xs + 1) - special.gammaln(b)
        ll = ll - special.gammaln(a + b + xs + 1)
        d_a = special.digamma(a + b) - special.digamma(a + b + xs + 1)
        d_b = special.digamma(a + b) + special.digamma(b + xs + 1) - special.digamma(b)
        d_b = d_b - special.digamma(a + b + xs + 1)
        first = np.zeros_like(xs)
        second = np.log(a) - np.log(b + xs)
        d_b_first, d_b_second = np.zeros_like(xs), -1.0 / (b + xs)
    return ll, d_r, d_a, d_b, first, second, d_b_first, d_b_second


def _terms(model: str, log_params: np.ndarray, c: Counts) -> tuple[np.ndarray, ...]:
    """Per-row log-likelihood and its derivatives with respect to (r, alpha, a, b)."""
    r, alpha, a, b = np.exp(log_params)
    ll_x, d_r_x, d_a_x, d_b_x, first, second, d_b_first, d_b_second = _x_terms(
        model, r, alpha, a, b, c.xs
    )
    ix = c.ix
    log_T = np.log(alpha + c.Ts)[c.iT]
    log_tx = np.log(alpha + c.ts)[c.it]
    rx = r + c.x
    u1 = first[ix] - rx * log_T
    u2 = second[ix] - rx * log_tx
    mix = np.logaddexp(u1, u2)
    w2 = special.expit(u2 - u1)  # the share of the "dropped out after t_x" branch
    w1 = 1.0 - w2
    ll = ll_x[ix] + mix
    d_r = d_r_x[ix] - w1 * log_T - w2 * log_tx
    d_alpha = r / alpha - rx * (
        w1 * (1.0 / (alpha + c.Ts))[c.iT] + w2 * (1.0 / (alpha + c.ts))[c.it]
    )
    d_a = d_a_x[ix] + w2 / a
    d_b = d_b_x[ix] + w1 * d_b_first[ix] + w2 * d_b_second[ix]
    return ll, d_r, d_alpha, d_a, d_b


def log_likelihood(model: str, params: np.ndarray, counts: Counts) -> float:
    """The sample log-likelihood at ``params`` = (r, alpha, a, b)."""
    ll = _terms(model, np.log(np.asarray(params, dtype=np.float64)), counts)[0]
    return float(np.sum(counts.weight * ll))


def _objective(log_params: np.ndarray, model: str, c: Counts, total: float):
    ll, *grads = _terms(model, log_params, c)
    value = -float(np.sum(c.weight * ll)) / total  # no BLAS: the same bits anywhere
    params = np.exp(log_params)
    gradient = -np.array([np.sum(c.weight * g) for g in grads]) * params / total
    if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
        return np.inf, np.zeros(4)
    return value, gradient


def starting_values(counts: Counts) -> np.ndarray:
    """Log-parameters to start from: a purchase rate near the sample's, mild drop-out."""
    w = counts.weight
    rate = float(np.sum(w * counts.x) / max(np.sum(w * counts.T), 1e-12))
    alpha = 1.0 / max(rate, 1e-6)  # with r = 1, the mean purchase rate is r / alpha
    return np.log([1.0, alpha, 1.0, 3.0])


def fit_purchases(
    model: PurchaseModelName, counts: Counts, start: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """Maximum-likelihood (r, alpha, a, b) and the log-likelihood.

    ``start``: parameters to start from (e.g. the other model's fit), else
    :func:`starting_values`.
    """
    total = float(counts.weight.sum())
    bounds = [(-LOG_BOUND, LOG_BOUND)] * 4
    best = None
    # L-BFGS-B needs the fewest likelihood evaluations on large data; truncated Newton
    # from another start is the second try when it does not converge.
    first = starting_values(counts) if start is None else np.log(np.asarray(start))
    attempts = (("L-BFGS-B", first), ("TNC", starting_values(counts) + np.log([0.5, 1, 0.5, 0.2])))
    for method, begin in attempts:
        found = optimize.minimize(
            _objective,
            begin,
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
    if np.any(np.abs(best.x) > LOG_BOUND - 1):
        warnings.warn(
            f"The {MODEL_NAMES[model]} fit reached the edge of its parameter range: these "
            "customers look alike in how often they buy, or show no sign of stopping. The "
            "predictions are those of that limiting case; check the log covers enough time.",
            SegmentationWarning,
            stacklevel=3,
        )
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


def purchases_if_alive(model: str, params: np.ndarray, t, x, T) -> np.ndarray:
    """Expected purchases in the next ``t`` for a customer still alive at T with x repeat
    purchases: the part of the conditional expectation that does not depend on t_x."""
    r, alpha, a, b = params
    x, T = np.asarray(x, dtype=np.float64), np.asarray(T, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + T + t)
    decay = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    if model == "bgnbd":
        head = (a + b + x - 1) / (a - 1)
        tail = 1.0 - decay * _hyp2f1(r + x, b + x, a + b + x - 1, z)
    else:
        head = (a + b + x) / (a - 1)
        tail = 1.0 - decay * _hyp2f1(r + x, b + x + 1, a + b + x, z)
    return head * tail


def expected_purchases(model: str, params: np.ndarray, t, x, t_x, T) -> np.ndarray:
    """Expected purchases in the next ``t`` time units, given the history (x, t_x, T)."""
    return purchases_if_alive(model, params, t, x, T) * p_alive(model, params, x, t_x, T)


def population_purchases(model: str, params: np.ndarray, t) -> np.ndarray:
    """Expected repeat purchases of a new customer within ``t`` time units of the first."""
    r, alpha, a, b = params
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + t)
    decay = np.exp(r * (np.log(alpha) - np.log(alpha + t)))
    if model == "bgnbd":
        return (a + b - 1) / (a - 1) * (1.0 - decay * _hyp2f1(r, b, a + b - 1, z))
    return b / (a - 1) * (1.0 - decay * _hyp2f1(r, b + 1, a + b, z))
