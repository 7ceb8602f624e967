"""How stable clusters are: bootstrap Jaccard per cluster, and seed-to-seed agreement.

Bootstrap stability (Hennig's ``clusterboot``): draw customers with replacement, fit
k-means again on the draw, and for each original cluster take the best Jaccard
similarity with a new cluster over the customers drawn; the mean over resamples is the
cluster's stability. At most ``UNSTABLE_JACCARD`` (0.6) the cluster is not to be
trusted; from ``STABLE_JACCARD`` (0.75) it is stable. Every draw comes from numpy's
PCG64 and every fit is the grid k-means, so the figures are the same on any machine.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score

from segmentation import defaults
from segmentation.clustering.kmeans import fit_kmeans, nearest


def best_jaccard(original: np.ndarray, new: np.ndarray, k: int) -> np.ndarray:
    """For each original cluster, its best Jaccard similarity with a new one (NaN if empty)."""
    pairs = np.bincount(original * k + new, minlength=k * k).reshape(k, k).astype(float)
    a = pairs.sum(axis=1)[:, None]
    b = pairs.sum(axis=0)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = pairs / (a + b - pairs)
    best = np.nanmax(np.where(np.isnan(jaccard), -1.0, jaccard), axis=1)
    return np.where(a[:, 0] > 0, best, np.nan)


def bootstrap_stability(
    points: np.ndarray,
    labels: np.ndarray,
    k: int,
    *,
    resamples: int = defaults.BOOTSTRAP_RESAMPLES,
    seed: int = defaults.RANDOM_STATE,
) -> np.ndarray:
    """Mean bootstrap Jaccard of each of the ``k`` clusters.

    Parameters
    ----------
    points : ndarray
        Feature-major grid points (:func:`segmentation.clustering.kmeans.to_grid`).
    labels : ndarray
        Each point's cluster, 0 to k - 1.
    """
    n = points.shape[1]
    scores = np.full((resamples, k), np.nan)
    for b in range(resamples):
        rng = np.random.Generator(np.random.PCG64([seed, b]))
        draw = rng.integers(0, n, n)
        fit = fit_kmeans(points[:, draw], k, n_init=1, seed=seed + b + 1)
        drawn = np.unique(draw)
        scores[b] = best_jaccard(labels[drawn], nearest(points[:, drawn], fit.centers), k)
    counted = (~np.isnan(scores)).sum(axis=0)
    return np.where(counted > 0, np.nansum(scores, axis=0) / np.maximum(counted, 1), np.nan)


def seed_agreement(
    points: np.ndarray, labels: np.ndarray, k: int, *, seeds: int = 4, seed: int = 0
) -> float:
    """Mean adjusted Rand index between ``labels`` and k-means fits from other seeds."""
    scores = [
        adjusted_rand_score(labels, fit_kmeans(points, k, n_init=1, seed=seed + 101 + s).labels)
        for s in range(seeds)
    ]
    return float(np.mean(scores))


def stability_verdict(jaccard: float) -> str:
    """How to read a cluster's stability, in words."""
    if not np.isfinite(jaccard):
        return "not measured"
    if jaccard <= defaults.UNSTABLE_JACCARD:
        return "do not trust"
    if jaccard >= defaults.STABLE_JACCARD:
        return "stable"
    return "fairly stable"


def choose_k(
    curve: list[dict], stability: dict[int, np.ndarray], *, automatic: bool
) -> tuple[int, str]:
    """The k to use and why: the best silhouette among the k whose clusters are all
    stable; if there is none, the best silhouette, with a warning in the reason."""

    def score(row: dict) -> tuple[float, int]:
        return (round(row["silhouette"], 6), -row["k"])

    by_silhouette = max(curve, key=score)["k"]
    least = {k: float(np.nanmin(v)) if np.isfinite(v).any() else np.nan
             for k, v in stability.items()}  # fmt: skip
    stable = [row for row in curve if least[row["k"]] >= defaults.STABLE_JACCARD]
    limit = f"bootstrap Jaccard >= {defaults.STABLE_JACCARD}"
    if not automatic:
        k = curve[0]["k"]
        verdict = "all clusters are stable" if stable else "not every cluster is stable"
        return k, f"k = {k} as asked; {verdict} ({limit} for each)."
    span = f"k in {curve[0]['k']}..{curve[-1]['k']}"
    if not stable:
        return by_silhouette, (
            f"k = {by_silhouette}: the best silhouette for {span}. No k gave clusters that are "
            "all stable: read the clusters marked 'do not trust' with care."
        )
    k = max(stable, key=score)["k"]
    if k == by_silhouette:
        return k, f"k = {k}: the best silhouette for {span}, and every cluster is stable ({limit})."
    return k, (
        f"k = {k}: the best silhouette among the k whose clusters are all stable ({limit}); "
        f"k = {by_silhouette} scored a higher silhouette but has unstable clusters."
    )
