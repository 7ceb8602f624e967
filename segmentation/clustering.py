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
from segmentation.customers import exact_sums
from segmentation.errors import SegmentationError, SegmentationWarning
from segmentation.kmeans import fit_kmeans, nearest, to_grid
from segmentation.rfm import require_columns

SMALL_SEGMENT_SHARE = 0.05
MAX_LEVELS = 12
OTHER_LEVEL = "(other)"
BLANK_LEVEL = "(blank)"
# A one-hot column weighted so that two different categories are one standard
# deviation apart, like one unit of a scaled numeric feature.
_CATEGORY_WEIGHT = 1 / np.sqrt(2)
_RFM_FEATURES = ("log Recency", "log Frequency", "log Monetary")


def _rfm_features(table: pd.DataFrame) -> np.ndarray:
    return np.column_stack(
        [
            np.log1p(np.clip(table[names.RECENCY].to_numpy(dtype="float64"), 0, None)),
            np.log1p(np.clip(table[names.FREQUENCY].to_numpy(dtype="float64"), 0, None)),
            np.log1p(np.clip(table[names.MONETARY].to_numpy(dtype="float64"), 0, None)),
        ]
    )


def _numeric(values: pd.Series, column: str) -> pd.Series:
    numbers_ = pd.to_numeric(values, errors="coerce")
    bad = values.notna() & numbers_.isna()
    if bad.any():
        raise SegmentationError(
            f"Column '{column}' was chosen as a numeric clustering feature but has text "
            f"such as {values[bad].iloc[0]!r}. Clean it, or list it in 'categorical'."
        )
    return numbers_.astype("float64")


def _looks_numeric(values: pd.Series) -> bool:
    present = values.dropna()
    if present.empty:
        return True
    return bool(pd.to_numeric(present, errors="coerce").notna().mean() >= 0.9)


def _exact_mean(matrix: np.ndarray) -> np.ndarray:
    """Column means from correctly rounded sums, so row order cannot change them."""
    n = len(matrix)
    if n == 0:
        return np.zeros(matrix.shape[1])
    groups = np.zeros(n, dtype=np.int64)
    return np.array([exact_sums(groups, matrix[:, j], 1)[0] for j in range(matrix.shape[1])]) / n


def _hash_sample(matrix: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Up to ``size`` rows chosen and ordered by a seeded hash of their values."""
    hashed = pd.util.hash_pandas_object(pd.DataFrame(matrix), index=False).to_numpy()
    key = hashed ^ np.uint64((seed * 0x9E3779B97F4A7C15) % 2**64)
    if len(key) > size:
        chosen = np.argpartition(key, size - 1)[:size]
    else:
        chosen = np.arange(len(key))
    return chosen[np.argsort(key[chosen], kind="stable")]


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
        k_range: tuple[int, int] = (3, 6),
        features: Sequence[str] | None = None,
        categorical: Sequence[str] | None = None,
        use_rfm: bool = True,
        sample_size: int = 20_000,
        silhouette_size: int = 2_500,
        random_state: int = 0,
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
                or not 2 <= k_range[0] <= k_range[1] <= 20
            ):
                raise SegmentationError(
                    "The 'k_range' parameter of ClusterSegmenter must be two ints (low, high) "
                    f"with 2 <= low <= high <= 20. Got {k_range!r} instead."
                )
            return list(range(k_range[0], k_range[1] + 1))
        if is_int(self.n_clusters) and 2 <= self.n_clusters <= 20:
            return [int(self.n_clusters)]
        raise SegmentationError(
            "The 'n_clusters' parameter of ClusterSegmenter must be an int in the range "
            f"[2, 20] or 'auto'. Got {self.n_clusters!r} instead."
        )

    def _check_sizes(self) -> None:
        for name, low in (("sample_size", 100), ("silhouette_size", 100)):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or value < low:
                raise SegmentationError(
                    f"The '{name}' parameter of ClusterSegmenter must be an int >= {low}. "
                    f"Got {value!r} instead."
                )

    # --------------------------------------------------------------- features
    def _learn_features(self, table: pd.DataFrame) -> None:
        extras = list(self.features or [])
        categorical = list(self.categorical or [])
        for column in categorical:
            if column not in extras:
                extras.append(column)
        missing = [c for c in extras if c not in table.columns]
        if missing:
            raise SegmentationError(
                f"Clustering feature(s) {', '.join(map(repr, missing))} are not columns of "
                f"the customer table; it has {', '.join(map(repr, map(str, table.columns)))}."
            )
        if not self.use_rfm and not extras:
            raise SegmentationError(
                "No clustering features: use_rfm=False and no 'features' were given. "
                "Choose at least one feature."
            )
        self.numeric_features_, self.category_levels_ = [], {}
        self.fill_values_ = {}
        for column in extras:
            values = table[column]
            if column not in categorical and _looks_numeric(values):
                numbers_ = _numeric(values, column)
                if numbers_.nunique() <= 1:
                    raise SegmentationError(
                        f"Column '{column}' has the same value for every customer, so it "
                        "cannot separate clusters. Remove it from the features."
                    )
                self.numeric_features_.append(column)
                self.fill_values_[column] = float(numbers_.median())
            else:
                text = values.astype(object).where(values.notna(), BLANK_LEVEL).astype(str)
                counts = text.value_counts()
                counts = counts.sort_index().sort_values(ascending=False, kind="stable")
                if len(counts) <= 1:
                    raise SegmentationError(
                        f"Column '{column}' has the same category for every customer, so it "
                        "cannot separate clusters. Remove it from the features."
                    )
                levels = list(counts.index[:MAX_LEVELS])
                if len(counts) > MAX_LEVELS:
                    levels.append(OTHER_LEVEL)
                self.category_levels_[column] = levels

    def _matrix(self, table: pd.DataFrame, *, learn: bool = False) -> np.ndarray:
        parts, feature_names = [], []
        if self.use_rfm:
            parts.append(_rfm_features(table))
            feature_names += list(_RFM_FEATURES)
        for column in self.numeric_features_:
            values = _numeric(table[column], column)
            filled = int(values.isna().sum())
            if filled and learn:
                warnings.warn(
                    f"{filled} blank value(s) in '{column}' were filled with its median "
                    f"({self.fill_values_[column]:g}) for clustering.",
                    SegmentationWarning,
                    stacklevel=3,
                )
            parts.append(values.fillna(self.fill_values_[column]).to_numpy()[:, None])
            feature_names.append(column)
        numeric = np.hstack(parts) if parts else np.empty((len(table), 0))
        if learn:
            # Exact sums: the scaling, and so every distance, is the same in any row order.
            self.mean_ = _exact_mean(numeric)
            scale = np.sqrt(_exact_mean((numeric - self.mean_) ** 2))
            # Exact test on the range: a constant column's std can be a rounding speck.
            constant = numeric.max(axis=0) == numeric.min(axis=0) if len(numeric) else scale == 0
            listed = ", ".join(repr(n) for n, c in zip(feature_names, constant) if c)
            if constant.all() and not self.category_levels_:
                raise SegmentationError(
                    f"Feature(s) {listed} have the same value for every customer and cannot "
                    "separate clusters. Use more varied data, or cluster on other features."
                )
            if constant.any():
                warnings.warn(
                    f"Feature(s) {listed} have the same value for every customer and were "
                    "left out of the clustering.",
                    SegmentationWarning,
                    stacklevel=3,
                )
            # A constant feature gets weight 0: it cannot separate anyone now, and must
            # not separate next month's customers either.
            self.weights_ = np.where(constant, 0.0, 1.0)
            self.scale_ = np.where(constant, 1.0, scale)
        blocks = [(numeric - self.mean_) / self.scale_ * self.weights_]
        for column, levels in self.category_levels_.items():
            text = table[column].astype(object).where(table[column].notna(), BLANK_LEVEL)
            text = text.astype(str)
            known = text.isin(levels)
            if OTHER_LEVEL in levels:
                text = text.where(known, OTHER_LEVEL)
            codes = pd.Categorical(text, categories=levels).codes
            onehot = np.zeros((len(table), len(levels)))
            valid = codes >= 0
            onehot[np.flatnonzero(valid), codes[valid]] = _CATEGORY_WEIGHT
            blocks.append(onehot)
            feature_names += [f"{column}={level}" for level in levels]
        if learn:
            self.feature_names_ = feature_names
        return np.hstack(blocks)

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
        self._learn_features(table)
        # On the grid, every distance and centroid is the same on any machine.
        points = to_grid(self._matrix(table, learn=True))
        # The sample and its order come from a hash of each customer's features: the same
        # customers give the same sample and k-means start in any row order, whatever
        # their ids. (Identical rows are interchangeable, so their order cannot matter.)
        sample = _hash_sample(points.T, self.sample_size, self.random_state)
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
        self.k_scores_ = pd.DataFrame(curve)
        best = max(curve, key=lambda row: (round(row["silhouette"], 6), -row["k"]))["k"]
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
        mean = _exact_mean(overall)
        spread = np.sqrt(_exact_mean((overall - mean) ** 2))
        z = (logs - mean) / np.where(spread > 0, spread, 1)
        base = [_describe(z[i], medians["frequency"].iloc[i]) for i in range(k)]
        self.names_ = _make_unique([b[0] for b in base], medians)
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
        labels = nearest(to_grid(self._matrix(table)), self.centers_) + 1
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
        return model


_RECENCY_WORDS = ((-0.5, "Recent"), (0.5, "Cooling"), (np.inf, "Lapsed"))

_ACTIONS = {
    ("Recent", "high"): "Reward and retain: VIP perks, early access, referral asks.",
    ("Recent", "new"): "Onboard: welcome series and a second-purchase incentive.",
    ("Recent", "mid"): "Grow: cross-sell related products and loyalty enrolment.",
    ("Recent", "low"): "Lift basket size: bundles and free-shipping thresholds.",
    ("Cooling", "high"): "Protect: personal check-in and tailored offers before they lapse.",
    ("Cooling", "new"): "Nudge a second purchase with a time-limited offer.",
    ("Cooling", "mid"): "Re-engage with personalised recommendations.",
    ("Cooling", "low"): "Low-cost reminders; test a small discount.",
    ("Lapsed", "high"): "Win back: strong personal offer and a survey of what went wrong.",
    ("Lapsed", "new"): "One low-cost reactivation attempt, then suppress.",
    ("Lapsed", "mid"): "Reactivation campaign with a clear incentive.",
    ("Lapsed", "low"): "Suppress from paid campaigns; keep in low-cost newsletters.",
}


def _describe(z: np.ndarray, median_frequency: float) -> tuple[str, str]:
    """A short name and an action from a cluster's standardised R, F, M medians."""
    z_recency, z_frequency, z_monetary = z
    recency = next(word for limit, word in _RECENCY_WORDS if z_recency <= limit)
    if median_frequency <= 1:
        noun = "big-ticket one-timers" if z_monetary >= 0.5 else "one-timers"
        tier = "high" if z_monetary >= 0.5 else "new"
    elif z_frequency >= 0.5 and z_monetary >= 0.5:
        noun, tier = "loyal high spenders", "high"
    elif z_monetary >= 0.5:
        noun, tier = "high spenders", "high"
    elif z_frequency >= 0.5:
        noun, tier = "frequent buyers", "mid"
    elif z_monetary <= -0.5:
        noun, tier = "low spenders", "low"
    else:
        noun, tier = "regular buyers", "mid"
    return f"{recency} {noun}", _ACTIONS[(recency, tier)]


_QUALIFIERS = {
    "recency": ("more recent", "less recent"),
    "frequency": ("more frequent", "less frequent"),
    "monetary": ("higher spend", "lower spend"),
}


def _make_unique(labels: list[str], medians: pd.DataFrame) -> list[str]:
    """Tell apart clusters that got the same name by the dimension they differ on most."""
    result = list(labels)
    for label in dict.fromkeys(labels):
        members = [i for i, name in enumerate(labels) if name == label]
        if len(members) < 2:
            continue
        group = medians.iloc[members]
        logs = np.log1p(np.clip(group.to_numpy(), 0, None))
        dimension = group.columns[int(np.argmax(logs.max(axis=0) - logs.min(axis=0)))]
        first, second = group[dimension].iloc[:2]
        if len(members) == 2 and first != second:
            more, less = _QUALIFIERS[dimension]
            first_is_more = first < second if dimension == "recency" else first > second
            result[members[0]] = f"{label} ({more if first_is_more else less})"
            result[members[1]] = f"{label} ({less if first_is_more else more})"
        else:
            # Members are in canonical (value) order, so the numbers follow value.
            for number, member in enumerate(members, start=1):
                result[member] = f"{label} {number}"
    return result
