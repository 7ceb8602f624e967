"""Segment tests against scipy, and cluster stability on data of known structure."""

from __future__ import annotations

import warnings
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association

from segmentation.clustering.estimator import ClusterSegmenter
from segmentation.clustering.kmeans import fit_kmeans, to_grid
from segmentation.validation.differences import segment_tests
from segmentation.validation.stability import (
    bootstrap_stability,
    choose_k,
    seed_agreement,
    stability_verdict,
)


def segmented(n: int = 2_400, seed: int = 0) -> pd.DataFrame:
    """Recency differs between all four segments; 'Promising' and 'New' spend alike."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(["Champions", "Promising", "New", "Lost"], n)
    centre = pd.Series({"Champions": 10, "Promising": 60, "New": 120, "Lost": 300})
    spend = pd.Series({"Champions": 500, "Promising": 100, "New": 100, "Lost": 220})
    return pd.DataFrame({
        "Segment": segment,
        "Recency": centre[segment].to_numpy() + rng.normal(0, 8, n),
        "Monetary": spend[segment].to_numpy() * rng.lognormal(0, 0.25, n),
        "Region": rng.choice(["North", "South"], n),
        "Channel": np.where(segment == "Champions", rng.choice(["Web", "Shop"], n, p=[0.8, 0.2]),
                            rng.choice(["Web", "Shop"], n)),
    })  # fmt: skip


def test_segment_tests_match_scipy_and_read_in_one_line():
    frame = segmented()
    tests = segment_tests(frame, "Segment", numeric=["Recency", "Monetary"],
                          categorical=["Region", "Channel"]).set_index("Attribute")  # fmt: skip
    groups = [frame.loc[frame["Segment"] == s, "Monetary"] for s in sorted(set(frame["Segment"]))]
    kruskal = stats.kruskal(*groups)
    assert tests.loc["Monetary", "Statistic"] == pytest.approx(kruskal.statistic)
    assert tests.loc["Monetary", "p-value"] == pytest.approx(kruskal.pvalue)
    names = sorted(set(frame["Segment"]))
    pairs = list(combinations(names, 2))
    raw = [stats.mannwhitneyu(frame.loc[frame["Segment"] == a, "Monetary"],
                              frame.loc[frame["Segment"] == b, "Monetary"]).pvalue
           for a, b in pairs]  # fmt: skip
    adjusted = stats.false_discovery_control(raw)
    same = [f"'{a}' and '{b}'" for (a, b), p in zip(pairs, adjusted) if p >= 0.05]
    assert same == ["'New' and 'Promising'"]
    assert tests.loc["Monetary", "Pairs that do not differ"] == same[0]
    table = pd.crosstab(frame["Segment"], frame["Channel"])
    chi2 = stats.chi2_contingency(table)
    assert tests.loc["Channel", "p-value"] == pytest.approx(chi2.pvalue)
    assert tests.loc["Channel", "Effect size"] == pytest.approx(association(table, "cramer"))
    assert tests.loc["Region", "Segments differ"] == "no"
    assert tests.attrs["reading"] == (
        "All segments differ in recency and channel; 'New' and 'Promising' do not differ in "
        "monetary; the segments do not differ in region."
    )


def blobs(centres: list[tuple[float, float]], n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(c, 0.35, (n, 2)) for c in centres])


def test_separated_clusters_are_stable_and_a_split_blob_is_not():
    points = to_grid(blobs([(0, 0), (4, 0), (0, 4)], 500))
    fit = fit_kmeans(points, 3, seed=0)
    stable = bootstrap_stability(points, fit.labels, 3, resamples=20, seed=0)
    assert (stable >= 0.95).all()
    assert {stability_verdict(v) for v in stable} == {"stable"}
    assert seed_agreement(points, fit.labels, 3) > 0.99
    # A ring (no natural cut: any diameter halves it as well) beside a tight group, in
    # three clusters: the group stays whole, the ring's halves change between resamples.
    rng = np.random.default_rng(0)
    angle = rng.random(1200) * 2 * np.pi
    ring = np.c_[2 * np.cos(angle), 2 * np.sin(angle)] + rng.normal(0, 0.05, (1200, 2))
    two = to_grid(np.vstack([ring, rng.normal((8, 0), 0.2, (300, 2))]))
    split = fit_kmeans(two, 3, seed=0)
    unstable = bootstrap_stability(two, split.labels, 3, resamples=20, seed=0)
    assert unstable.max() == 1.0  # the tight group
    assert np.sort(unstable)[:2] == pytest.approx([0.59, 0.6], abs=0.01)
    assert stability_verdict(unstable.min()) == "do not trust"
    again = bootstrap_stability(two, split.labels, 3, resamples=20, seed=0)
    assert np.array_equal(unstable, again)  # seeded PCG64 and the grid k-means


def test_automatic_k_prefers_all_stable_clusters_and_says_so():
    curve = [
        {"k": 3, "silhouette": 0.50},
        {"k": 4, "silhouette": 0.55},
        {"k": 5, "silhouette": 0.4},
    ]
    stability = {3: np.array([0.9, 0.8, 0.95]), 4: np.array([0.9, 0.5, 0.9, 0.9]),
                 5: np.array([0.7] * 5)}  # fmt: skip
    k, why = choose_k(curve, stability, automatic=True)
    assert k == 3 and "k = 4 scored a higher silhouette but has unstable clusters" in why
    stability[3] = np.array([0.5, 0.9, 0.9])
    k, why = choose_k(curve, stability, automatic=True)
    assert k == 4 and "No k gave clusters that are all stable" in why


def test_the_cluster_model_records_stability_per_cluster():
    rng = np.random.default_rng(3)
    n = 400
    frame = pd.DataFrame({
        "Customer ID": np.arange(3 * n).astype(str),
        "Recency": np.r_[rng.integers(1, 20, n), rng.integers(150, 200, n),
                         rng.integers(500, 700, n)],
        "Frequency": np.r_[rng.integers(20, 30, n), rng.integers(4, 7, n), np.ones(n, int)],
        "Monetary": np.r_[rng.uniform(3000, 4000, n), rng.uniform(200, 300, n),
                          rng.uniform(10, 30, n)],
    })  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ClusterSegmenter().fit(frame)
        shuffled = ClusterSegmenter().fit(frame.sample(frac=1, random_state=1))
    assert model.n_clusters_ == 3
    assert (model.stability_ >= 0.75).all()
    assert "every cluster is stable" in model.k_choice_
    assert np.array_equal(model.stability_, shuffled.stability_)  # any row order
    restored = ClusterSegmenter.from_dict(model.to_dict())
    assert np.array_equal(restored.stability_, model.stability_)
    assert restored.k_choice_ == model.k_choice_


@pytest.mark.parametrize("shape", ["continuous", "integers", "all equal", "rounded", "tiny"])
def test_pairwise_p_values_are_scipys(shape: str) -> None:
    from segmentation.validation.rank_tests import SortedGroup, mann_whitney_p

    rng = np.random.default_rng(11)
    for _ in range(60):
        n1, n2 = rng.integers(1, 9 if shape == "tiny" else 80, 2)
        x, y = {
            "continuous": (rng.normal(size=n1), rng.normal(0.4, size=n2)),
            "integers": (rng.integers(0, 5, n1) * 1.0, rng.integers(0, 6, n2) * 1.0),
            "all equal": (np.full(n1, 3.0), np.full(n2, 3.0)),
            "rounded": (rng.normal(size=n1).round(1), rng.normal(size=n2).round(1)),
            "tiny": (rng.normal(size=n1), rng.normal(size=n2)),
        }[shape]
        expected = stats.mannwhitneyu(x, y).pvalue
        assert mann_whitney_p(SortedGroup(x), SortedGroup(y)) == pytest.approx(expected, rel=1e-12)
