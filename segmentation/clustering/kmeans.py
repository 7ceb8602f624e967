"""K-means that gives the same clusters on every machine, thread count and BLAS kernel.

Two things make an ordinary k-means differ between machines in the last bits, and a
last bit is enough to move a customer who sits between two centres: distances taken
through a matrix product (BLAS picks its summation order by CPU and thread count) and
centroid sums split across threads. Here:

- features are rounded to a fixed grid (multiples of ``2**-GRID_BITS``), which also
  absorbs last-bit differences of ``log`` between CPUs' maths libraries;
- squared distances are accumulated feature by feature in a fixed order from plain
  subtractions and products, which IEEE-754 rounds the same everywhere; on the grid
  they are even exact (whole multiples of ``2**(-2 * GRID_BITS)`` below ``2**53`` of
  them) for any ordinary data;
- centroids are exact sums divided by counts and rounded back to the grid;
- the k-means++ start draws from numpy's PCG64 generator, whose stream is the same on
  every platform.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

GRID_BITS = 16
GRID_SCALE = float(2**GRID_BITS)
# A feature this many standard deviations out is held there: the grid stays exact for
# every ordinary value and a wild one cannot overflow it.
GRID_LIMIT = 4096.0
MAX_ITER = 300
TOLERANCE = 1e-4


def to_grid(matrix: np.ndarray) -> np.ndarray:
    """Round scaled features to the grid, as a feature-major (features, rows) array."""
    clipped = np.clip(np.asarray(matrix, dtype="float64"), -GRID_LIMIT, GRID_LIMIT)
    return np.ascontiguousarray((np.rint(clipped * GRID_SCALE) / GRID_SCALE).T)


def _distances_to(points: np.ndarray, center: np.ndarray) -> np.ndarray:
    """Squared distances of feature-major ``points`` to one centre, in feature order."""
    total = points[0] - center[0]
    total *= total
    for feature in range(1, len(center)):
        step = points[feature] - center[feature]
        step *= step
        total += step
    return total


def squared_distances(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """(centres, rows) squared distances of feature-major ``points`` to each centre."""
    return np.stack([_distances_to(points, center) for center in centers])


def assign(points: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centre per row (a tie goes to the lower index) and its squared distance."""
    labels = np.zeros(points.shape[1], dtype=np.int64)
    best = _distances_to(points, centers[0])
    for j in range(1, len(centers)):
        distances = _distances_to(points, centers[j])
        closer = distances < best
        labels[closer] = j
        np.minimum(best, distances, out=best)
    return labels, best


def nearest(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest centre per row; a tie goes to the lower index."""
    return assign(points, centers)[0]


@dataclass(frozen=True)
class KMeansFit:
    centers: np.ndarray  # (k, features), on the grid
    labels: np.ndarray  # (rows,)
    inertia: float


def _total(values: np.ndarray) -> float:
    """A correctly rounded sum: the same in any order."""
    return math.fsum(values.tolist())


def _centroids(points: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    counts = np.bincount(labels, minlength=k)
    sums = np.stack([np.bincount(labels, weights=row, minlength=k) for row in points], axis=1)
    # Grid values times 2**GRID_BITS are integers, and their sums below 2**53 are exact.
    centers = np.rint(sums * GRID_SCALE / np.maximum(counts, 1)[:, None]) / GRID_SCALE
    return centers, counts


def _plus_plus_start(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Greedy k-means++: each new centre is the best of a few draws by squared distance."""
    n = points.shape[1]
    trials = 2 + int(math.log(k))
    first = int(rng.integers(n))
    centers = [points[:, first]]
    closest = squared_distances(points, np.array(centers))[0]
    for _ in range(1, k):
        cumulative = np.cumsum(closest)
        if cumulative[-1] <= 0:  # fewer distinct points than k: repeat one
            centers.append(points[:, int(rng.integers(n))])
            continue
        draws = np.searchsorted(cumulative, rng.random(trials) * cumulative[-1], side="right")
        draws = np.minimum(draws, n - 1)
        candidates = points[:, draws].T
        options = np.minimum(closest[None, :], squared_distances(points, candidates))
        potentials = [_total(row) for row in options]
        best = int(np.argmin(potentials))
        centers.append(candidates[best])
        closest = options[best]
    return np.array(centers)


def _tolerance(points: np.ndarray) -> float:
    """How little the centres may move and still count as settled (as scikit-learn)."""
    n = points.shape[1]
    variances = [_total((row - _total(row) / n) ** 2) / n for row in points]
    return TOLERANCE * _total(np.array(variances)) / len(points)


def _lloyd(points: np.ndarray, centers: np.ndarray, tolerance: float) -> KMeansFit:
    k = len(centers)
    labels = None
    for _ in range(MAX_ITER):
        new_labels, distances = assign(points, centers)
        if labels is not None and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        previous = centers
        centers, counts = _centroids(points, labels, k)
        for empty in np.flatnonzero(counts == 0):
            # An empty cluster restarts at the point farthest from its centre.
            far = int(np.argmax(distances))
            centers[empty] = points[:, far]
            distances[far] = 0
        if _total(((centers - previous) ** 2).ravel()) <= tolerance:
            break
    labels, distances = assign(points, centers)
    return KMeansFit(centers=centers, labels=labels, inertia=_total(distances))


def fit_kmeans(points: np.ndarray, k: int, *, n_init: int = 3, seed: int = 0) -> KMeansFit:
    """The lowest-inertia of ``n_init`` seeded k-means++ runs on feature-major grid points.

    >>> points = to_grid(np.array([[0.0, 0], [0, 1], [10, 10], [10, 11]]))
    >>> fit = fit_kmeans(points, 2)
    >>> sorted(np.bincount(fit.labels).tolist()), fit.inertia
    ([2, 2], 1.0)
    """
    rng = np.random.default_rng(seed)
    tolerance = _tolerance(points)
    best = None
    for _ in range(n_init):
        fit = _lloyd(points, _plus_plus_start(points, k, rng), tolerance)
        if best is None or fit.inertia < best.inertia:
            best = fit
    return best
