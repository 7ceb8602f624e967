"""Behavioural clusters: k-means on log-scaled R, F, M and chosen extra columns.

Everything that scoring needs later is learned in ``fit`` and kept: the feature
scaling, the category levels, the imputation values, the centroids and the
cluster names. Clusters are numbered by value: cluster 1 has the highest mean
monetary value per customer, so the same data always gives the same numbers.

How k is chosen when ``n_clusters="auto"``: k-means is fitted for every k in
``k_range`` on a deterministic sample of at most ``sample_size`` customers, and the
k with the highest mean silhouette (measured on at most ``silhouette_size`` of
those customers) wins; ties go to the smaller k. Silhouette rewards clusters that
are compact and well apart, and sampling keeps its cost fixed however many
customers there are.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.utils.validation import check_is_fitted

from segmentation import names
from segmentation.clustering.features import (
    FeatureSpace,
    exact_mean,
    feature_matrix,
    hash_sample,
    learn_feature_space,
)
from segmentation.clustering.kmeans import fit_kmeans, nearest, to_grid
from segmentation.clustering.naming import (
    describe_cluster,
    make_unique_names,
)
from segmentation.defaults import (
    BOOTSTRAP_SAMPLE,
    K_RANGE,
    MAX_CLUSTERS,
    MIN_CLUSTERS,
    RANDOM_STATE,
)
from segmentation.errors import SegmentationError, SegmentationWarning
from segmentation.reading.aggregate import exact_sums
from segmentation.rfm.scoring import require_columns
from segmentation.validation.stability import bootstrap_stability, choose_k, seed_agreement

SMALL_SEGMENT_SHARE = 0.05


class ClusterSegmenter(BaseEstimator):
    """Group customers into a few behavioural clusters with human names.

    Parameters
    ----------
    n_clusters : int or "auto", default "auto"
        The number of clusters, or "auto" to choose it in ``k_range``.
    k_range : tuple of int, default (3, 6)
        Smallest and largest k tried by "auto" (3 to 6 is what segmentation practice
        finds actionable).
    features : list of str, optional
        Extra columns of the customer table to cluster on, besides R, F and M.
    categorical : list of str, optional
        Which of ``features`` are categories (region, channel, plan). Others are
        treated as numbers when at least 90% of their values are numbers.
    use_rfm : bool, default True
        Include log Recency, log Frequency and log Monetary as features.
    sample_size : int, default 20_000
        Most customers used to fit k-means and to compute the validation figures (a
        deterministic random sample); all customers are then assigned to the nearest
        centroid.
    silhouette_size : int, default 2_500
        Most customers used to measure silhouette when choosing k.
    random_state : int, default 0
        Seed for the sample and k-means; fixed, so results repeat.

    Attributes
    ----------
    n_clusters_ : int
    feature_names_ : list of str
        Columns of the scaled feature matrix.
    centers_ : ndarray of shape (n_clusters_, n_features)
        Centroids in scaled feature space, row ``i`` for cluster ``i + 1``.
    names_ : list of str
        Cluster names, index ``i`` for cluster ``i + 1``.
    actions_ : list of str
        A recommended action per cluster.
    k_scores_ : DataFrame
        The k-selection curve: k, silhouette, Calinski-Harabasz, Davies-Bouldin, inertia.
    validation_ : dict
        Silhouette, Davies-Bouldin and Calinski-Harabasz of the final clustering (on the
        fitting sample), and
        the smallest and largest cluster shares.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> customers = pd.DataFrame({
    ...     "Customer ID": [f"C{i:03d}" for i in range(300)],
    ...     "Recency": np.r_[rng.integers(1, 30, 100), rng.integers(200, 400, 200)],
    ...     "Frequency": np.r_[rng.integers(5, 20, 100), np.ones(200, int)],
    ...     "Monetary": np.r_[rng.uniform(500, 900, 100), rng.uniform(10, 40, 200)],
    ... })
    >>> model = ClusterSegmenter(n_clusters=2).fit(customers)
    >>> model.segment(customers)["Cluster"].value_counts().sort_index().tolist()
    [100, 200]
    """

    def __init__(
        self,
        n_clusters: int | str = "auto",
        *,
        k_range: tuple[int, int] = K_RANGE,
        features: Sequence[str] | None = None,
        categorical: Sequence[str] | None = None,
        use_rfm: bool = True,
        sample_size: int = 20_000,
        silhouette_size: int = 2_500,
        random_state: int = RANDOM_STATE,
    ) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.features = features
        self.categorical = categorical
        self.use_rfm = use_rfm
        self.sample_size = sample_size
        self.silhouette_size = silhouette_size
        self.random_state = random_state

    # ----------------------------------------------------------------- params
    def _candidate_ks(self) -> list[int]:
        def is_int(v: object) -> bool:
            return isinstance(v, numbers.Integral) and not isinstance(v, bool)

        if self.n_clusters == "auto":
            k_range = self.k_range
            if (
                not isinstance(k_range, Sequence)
                or len(k_range) != 2
                or not all(is_int(k) for k in k_range)
                or not MIN_CLUSTERS <= k_range[0] <= k_range[1] <= MAX_CLUSTERS
            ):
                raise SegmentationError.bad_parameter(
                    "ClusterSegmenter",
                    "k_range",
                    k_range,
                    f"two whole numbers, fewest and most clusters, from {MIN_CLUSTERS} to "
                    f"{MAX_CLUSTERS} (fewest first)",
                    label="the fewest and most clusters",
                )
            return list(range(k_range[0], k_range[1] + 1))
        if is_int(self.n_clusters) and MIN_CLUSTERS <= self.n_clusters <= MAX_CLUSTERS:
            return [int(self.n_clusters)]
        raise SegmentationError.bad_parameter(
            "ClusterSegmenter",
            "n_clusters",
            self.n_clusters,
            f"a whole number from {MIN_CLUSTERS} to {MAX_CLUSTERS}, or auto",
            label="the number of clusters",
        )

    def _check_sizes(self) -> None:
        for name, low in (("sample_size", 100), ("silhouette_size", 100)):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or value < low:
                raise SegmentationError.bad_parameter(
                    "ClusterSegmenter",
                    name,
                    value,
                    f"a whole number of at least {low}",
                    label=f"the {name.replace('_', ' ')} for choosing the number of clusters",
                )

    def _space(self) -> FeatureSpace:
        """The learned feature space, as the fitted attributes describe it."""
        return FeatureSpace(
            use_rfm=self.use_rfm,
            numeric_features=self.numeric_features_,
            fill_values=self.fill_values_,
            category_levels=self.category_levels_,
            mean=self.mean_,
            scale=self.scale_,
            weights=self.weights_,
            feature_names=self.feature_names_,
        )

    # -------------------------------------------------------------------- fit
    def fit(self, X: pd.DataFrame, y: object = None) -> ClusterSegmenter:
        """Learn scaling, choose k, fit k-means and name the clusters."""
        candidates = self._candidate_ks()
        self._check_sizes()
        table = require_columns(X, names.RFM_VALUES, "ClusterSegmenter")
        n = len(table)
        if n < max(2, candidates[0]) or (n < 2 * candidates[0]):
            raise SegmentationError(
                f"Too few customers ({n}) for {candidates[0]} clusters: each cluster needs "
                f"customers. Ask for fewer clusters or add customers (at least "
                f"{2 * candidates[0]} for {candidates[0]} clusters)."
            )
        candidates = [k for k in candidates if 2 * k <= n]
        space = learn_feature_space(table, self.features, self.categorical, self.use_rfm)
        self.numeric_features_ = space.numeric_features
        self.fill_values_ = space.fill_values
        self.category_levels_ = space.category_levels
        self.mean_, self.scale_, self.weights_ = space.mean, space.scale, space.weights
        self.feature_names_ = space.feature_names
        # On the grid, every distance and centroid is the same on any machine.
        points = to_grid(feature_matrix(table, space))
        # The sample and its order come from a hash of each customer's features: the same
        # customers give the same sample and k-means start in any row order, whatever
        # their ids. (Identical rows are interchangeable, so their order cannot matter.)
        sample = hash_sample(points.T, self.sample_size, self.random_state)
        fit_points = points[:, sample]
        fit_data = fit_points.T
        check = np.arange(min(len(fit_data), self.silhouette_size))

        curve, fitted = [], {}
        for k in candidates:
            model = fit_kmeans(fit_points, k, n_init=3, seed=self.random_state)
            labels = model.labels
            distinct = len(np.unique(labels[check]))
            silhouette = (
                float(silhouette_score(fit_data[check], labels[check])) if distinct > 1 else -1.0
            )
            curve.append(
                {
                    "k": k,
                    "silhouette": silhouette,
                    "calinski_harabasz": float(calinski_harabasz_score(fit_data, labels)),
                    "davies_bouldin": float(davies_bouldin_score(fit_data, labels)),
                    "inertia": model.inertia,
                }
            )
            fitted[k] = model
        # Bootstrap stability per k on a hash sample; auto k prefers all-stable clusters.
        subset = fit_points[:, : min(len(fit_data), BOOTSTRAP_SAMPLE)]
        stability = {k: bootstrap_stability(subset, fitted[k].labels[: subset.shape[1]], k,
                                            seed=self.random_state) for k in fitted}  # fmt: skip
        for row in curve:
            row["least_stable"] = float(np.nanmin(stability[row["k"]]))
        self.k_scores_ = pd.DataFrame(curve)
        best, self.k_choice_ = choose_k(curve, stability, automatic=len(candidates) > 1)
        centers = fitted[best].centers

        raw_labels = nearest(points, centers)
        value = exact_sums(
            raw_labels, table[names.MONETARY].to_numpy(dtype="float64"), best
        ) / np.maximum(np.bincount(raw_labels, minlength=best), 1)
        # Canonical numbering: highest value per customer first; centroids break ties.
        canonical = np.lexsort((*centers.T[::-1], -value))
        self.centers_ = centers[canonical]
        self.n_clusters_ = int(best)
        labels = np.empty_like(raw_labels)
        labels[:] = np.argsort(canonical)[raw_labels]
        self._name_clusters(table, labels)
        shares = np.bincount(labels, minlength=best) / n  # over all customers
        self._validate(fit_data, labels[sample], check, shares)
        self.stability_ = stability[best][canonical]
        self.validation_["seed_agreement"] = seed_agreement(
            subset, fitted[best].labels[: subset.shape[1]], best, seed=self.random_state
        )
        self.n_customers_ = n
        small = [
            f"{self.names_[i]} ({shares[i]:.1%})"
            for i in range(best)
            if shares[i] < SMALL_SEGMENT_SHARE
        ]
        if small:
            warnings.warn(
                "Cluster(s) with under 5% of customers: " + ", ".join(small) + ". Small "
                "segments are hard to act on; consider fewer clusters.",
                SegmentationWarning,
                stacklevel=2,
            )
        return self

    def _validate(
        self, matrix: np.ndarray, labels: np.ndarray, check: np.ndarray, shares: np.ndarray
    ) -> None:
        """Quality figures on the fitting sample; cluster shares over all customers."""
        distinct = len(np.unique(labels))
        chosen = self.k_scores_.set_index("k")["silhouette"].get(self.n_clusters_)
        self.validation_ = {
            # The k curve measured it already on the same customers.
            "silhouette": float(chosen)
            if chosen is not None and chosen > -1
            else float(silhouette_score(matrix[check], labels[check]))
            if len(np.unique(labels[check])) > 1
            else float("nan"),
            "davies_bouldin": float(davies_bouldin_score(matrix, labels))
            if distinct > 1
            else float("nan"),
            "calinski_harabasz": float(calinski_harabasz_score(matrix, labels))
            if distinct > 1
            else float("nan"),
            "smallest_share": float(shares.min()),
            "largest_share": float(shares.max()),
        }

    # ------------------------------------------------------------------ names
    def _name_clusters(self, table: pd.DataFrame, labels: np.ndarray) -> None:
        k = self.n_clusters_
        frame = pd.DataFrame(
            {
                "cluster": labels,
                "recency": table[names.RECENCY].to_numpy(dtype="float64"),
                "frequency": table[names.FREQUENCY].to_numpy(dtype="float64"),
                "monetary": table[names.MONETARY].to_numpy(dtype="float64"),
            }
        )
        medians = frame.groupby("cluster")[["recency", "frequency", "monetary"]].median()
        medians = medians.reindex(range(k))
        logs = np.log1p(np.clip(medians.to_numpy(), 0, None))
        overall = np.log1p(np.clip(frame[["recency", "frequency", "monetary"]].to_numpy(), 0, None))
        # Exact sums: a name must not flip with the row order at a threshold.
        mean = exact_mean(overall)
        spread = np.sqrt(exact_mean((overall - mean) ** 2))
        z = (logs - mean) / np.where(spread > 0, spread, 1)
        base = [describe_cluster(z[i], medians["frequency"].iloc[i]) for i in range(k)]
        self.names_ = make_unique_names([b[0] for b in base], medians)
        self.actions_ = [b[1] for b in base]

    # ---------------------------------------------------------------- predict
    def predict(self, X: pd.DataFrame) -> pd.Series:
        """Cluster number (1 = most valuable) of each customer."""
        check_is_fitted(self, "centers_")
        table = require_columns(X, names.RFM_VALUES, "ClusterSegmenter")
        missing = [c for c in [*self.numeric_features_, *self.category_levels_] if c not in table]
        if missing:
            raise SegmentationError(
                f"The model was fitted with feature(s) {', '.join(map(repr, missing))}, which "
                "this table lacks. Add those columns, or fit a new model."
            )
        labels = nearest(to_grid(feature_matrix(table, self._space())), self.centers_) + 1
        return pd.Series(labels, index=X.index, name=names.CLUSTER)

    def segment(self, X: pd.DataFrame) -> pd.DataFrame:
        """Cluster number and name per customer: columns Cluster, Cluster Name."""
        clusters = self.predict(X)
        labels = pd.Categorical.from_codes(clusters.to_numpy() - 1, categories=self.names_)
        return pd.DataFrame({names.CLUSTER: clusters, names.CLUSTER_NAME: labels}, index=X.index)

    def fit_predict(self, X: pd.DataFrame, y: object = None) -> pd.Series:
        return self.fit(X).predict(X)

    # -------------------------------------------------------------- serialise
    def to_dict(self) -> dict:
        check_is_fitted(self, "centers_")
        return {
            "params": {
                "n_clusters": self.n_clusters,
                "k_range": list(self.k_range),
                "features": list(self.features or []),
                "categorical": list(self.categorical or []),
                "use_rfm": self.use_rfm,
                "sample_size": self.sample_size,
                "silhouette_size": self.silhouette_size,
                "random_state": self.random_state,
            },
            "n_clusters": self.n_clusters_,
            "feature_names": list(self.feature_names_),
            "numeric_features": list(self.numeric_features_),
            "fill_values": dict(self.fill_values_),
            "category_levels": {c: list(v) for c, v in self.category_levels_.items()},
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "weights": self.weights_.tolist(),
            "centers": self.centers_.tolist(),
            "names": list(self.names_),
            "actions": list(self.actions_),
            "k_scores": self.k_scores_.to_dict(orient="records"),
            "validation": dict(self.validation_),
            "n_customers": self.n_customers_,
            "stability": [None if np.isnan(v) else float(v) for v in self.stability_],
            "k_choice": self.k_choice_,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> ClusterSegmenter:
        params = dict(data["params"])
        params["k_range"] = tuple(params["k_range"])
        model = cls(**params)
        model.n_clusters_ = int(data["n_clusters"])
        model.feature_names_ = list(data["feature_names"])
        model.numeric_features_ = list(data["numeric_features"])
        model.fill_values_ = {k: float(v) for k, v in data["fill_values"].items()}
        levels = {c: list(v) for c, v in data["category_levels"].items()}
        # JSON objects come back in key order; the one-hot blocks must keep fitted order.
        position = {c: model.feature_names_.index(f"{c}={v[0]}") for c, v in levels.items()}
        model.category_levels_ = {c: levels[c] for c in sorted(levels, key=position.get)}
        model.mean_ = np.asarray(data["mean"], dtype="float64")
        model.scale_ = np.asarray(data["scale"], dtype="float64")
        model.weights_ = np.asarray(
            data.get("weights", np.ones_like(model.scale_)), dtype="float64"
        )
        model.centers_ = np.asarray(data["centers"], dtype="float64")
        model.names_ = list(data["names"])
        model.actions_ = list(data["actions"])
        model.k_scores_ = pd.DataFrame(data["k_scores"])
        model.validation_ = dict(data["validation"])
        model.n_customers_ = int(data["n_customers"])
        # Models saved before stability was measured have none.
        stability = data.get("stability") or [None] * model.n_clusters_
        model.stability_ = np.array([np.nan if v is None else v for v in stability], float)
        model.k_choice_ = str(data.get("k_choice") or "")
        return model
