"""RFM scoring: learn break points once, score any batch of customers on them.

Recency is reversed: fewer days since the last purchase is better, so the most
recent customers get the highest R score. Two tie rules are offered, and neither
depends on row order:

``"quantile"``
    Break points at the quantiles of each dimension, exactly as the R ``rfm``
    package's ``rfm_table_order`` computes them (type-7 quantiles plus one unit;
    a value at or above a break point scores higher). Tied values always share a
    score, so bins can be unequal and some scores may not occur.
``"rank"``
    Equal-sized bins by rank; ties are broken by value and then by a keyed hash of
    the customer id (:func:`tie_keys`). The break points remember the hash at each
    edge, never the id itself, so scoring the fitting data again gives the same
    equal-sized bins and a saved model holds no customer ids.

Custom break points per dimension (``breaks={"recency": [30, 90, 180, 365]}``)
take precedence over the rule for that dimension.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from segmentation import names
from segmentation.defaults import MAX_BINS, MIN_BINS, N_BINS, TIE_RULES, TIES
from segmentation.errors import SegmentationError, SegmentationWarning
from segmentation.rfm.empty_scores import empty_scores, empty_scores_note
from segmentation.rfm.rank_rule import customer_ids, rank_edges, rank_scores, tie_keys
from segmentation.rfm.segment_maps import SegmentMap, get_segment_map, warn_uncovered

_HIGHER_IS_BETTER = {"recency": False, "frequency": True, "monetary": True}


def require_columns(table: object, columns: tuple[str, ...], owner: str) -> pd.DataFrame:
    """Check that ``table`` is a DataFrame with ``columns`` holding finite numbers."""
    if not isinstance(table, pd.DataFrame):
        raise SegmentationError(
            f"A customer table with the columns {', '.join(columns)} is needed; got "
            f"{type(table).__name__}.",
            python_hint=f"({owner}) Build one with segmentation.read_customers().",
        )
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise SegmentationError(
            f"The customer table needs column(s) {', '.join(map(repr, missing))}; it has "
            f"{', '.join(map(repr, map(str, table.columns)))}.",
            python_hint=f"({owner}) Build the customer table with "
            "segmentation.read_customers(), which names them.",
        )
    for column in columns:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan))
        if bad.any():
            raise SegmentationError(
                f"Column '{column}' has {int(bad.sum())} blank or non-numeric value(s) "
                f"(first at index {table.index[bad][0]!r}). Fill them in or remove those "
                "customers."
            )
    return table


def _listed(points: object) -> str:
    if isinstance(points, str) or not hasattr(points, "__iter__"):
        return repr(points)
    return ", ".join(f"{p:g}" if isinstance(p, float) else str(p) for p in points) or "none"


def combined_score(r: np.ndarray, f: np.ndarray, m: np.ndarray, top: int) -> np.ndarray:
    """The familiar three-digit RFM score (e.g. 545); "10-4-7" style past nine bins."""
    if top <= 9:
        return r * 100 + f * 10 + m
    return np.char.add(
        np.char.add(np.char.add(r.astype(str), "-"), np.char.add(f.astype(str), "-")),
        m.astype(str),
    ).astype(object)


class RFMSegmenter(TransformerMixin, BaseEstimator):
    """Score customers on recency, frequency and monetary value and name their segment.

    Input is one row per customer with columns ``Recency`` (days since the last
    purchase), ``Frequency`` and ``Monetary``, and ``Customer ID`` for the rank rule,
    as made by :func:`segmentation.read_customers`.

    Parameters
    ----------
    n_bins : int or dict, default 5
        Scores per dimension, 3 to 10; a dict sets them per dimension
        (``{"recency": 5, "frequency": 3, "monetary": 5}``).
    ties : {"quantile", "rank"}, default "quantile"
        How break points are found (see the module docs).
    breaks : dict of list, optional
        Custom ascending break points per dimension, in the dimension's own units
        (days, purchases, money). ``k`` break points make ``k + 1`` scores.
    segment_map : str, DataFrame or SegmentMap, default "default"
        The named segments: ``"default"`` (11 segments, every score combination
        named), ``"rfm-vignette"`` (the R rfm package's 10 segments) or your own table.

    Attributes
    ----------
    n_bins_ : dict
        Scores per dimension.
    edges_ : dict of ndarray
        Learned break points per dimension.
    edge_keys_ : dict of ndarray
        Tie keys (:func:`tie_keys`) at the break points (rank rule only; else empty).
    edge_ids_ : dict of ndarray
        Customer ids at the break points, in models saved before tie keys existed
        (scored as they were); empty otherwise.
    rules_ : dict
        Which rule made each dimension's break points.
    segment_map_ : SegmentMap
    n_customers_ : int
        Customers seen in ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> customers = pd.DataFrame({
    ...     "Customer ID": ["a", "b", "c", "d", "e", "f"],
    ...     "Recency": [3, 10, 40, 90, 200, 400],
    ...     "Frequency": [12, 8, 5, 3, 2, 1],
    ...     "Monetary": [900.0, 500.0, 300.0, 120.0, 60.0, 20.0],
    ... })
    >>> model = RFMSegmenter(n_bins=3).fit(customers)
    >>> model.segment(customers)[["R", "F", "M", "RFM Score", "RFM Segment"]]
       R  F  M  RFM Score     RFM Segment
    0  3  3  3        333       Champions
    1  3  3  3        333       Champions
    2  2  2  2        222           Loyal
    3  2  1  2        212  Need Attention
    4  1  1  1        111            Lost
    5  1  1  1        111            Lost
    """

    def __init__(
        self,
        n_bins: int | Mapping[str, int] = N_BINS,
        *,
        ties: str = TIES,
        breaks: Mapping[str, list[float]] | None = None,
        segment_map: str | pd.DataFrame | SegmentMap | None = "default",
    ) -> None:
        self.n_bins = n_bins
        self.ties = ties
        self.breaks = breaks
        self.segment_map = segment_map

    def _validated_bins(self) -> dict[str, int]:
        def valid(value: object) -> bool:
            return (
                isinstance(value, numbers.Integral)
                and not isinstance(value, bool)
                and MIN_BINS <= value <= MAX_BINS
            )

        spec = self.n_bins
        if isinstance(spec, Mapping):
            unknown = set(spec) - set(names.DIMENSIONS)
            if unknown or not all(valid(v) for v in spec.values()):
                raise SegmentationError.bad_parameter(
                    "RFMSegmenter",
                    "n_bins",
                    dict(spec),
                    f"a whole number from {MIN_BINS} to {MAX_BINS}, or a dict of such "
                    f"numbers keyed by {', '.join(names.DIMENSIONS)}",
                    label="the number of score bins",
                )
            bins = {d: int(spec.get(d, N_BINS)) for d in names.DIMENSIONS}
        elif valid(spec):
            bins = dict.fromkeys(names.DIMENSIONS, int(spec))
        else:
            raise SegmentationError.bad_parameter(
                "RFMSegmenter",
                "n_bins",
                spec,
                f"a whole number from {MIN_BINS} to {MAX_BINS}",
                label="the number of score bins",
            )
        for dimension, points in self._validated_breaks().items():
            bins[dimension] = len(points) + 1
        return bins

    def _validated_breaks(self) -> dict[str, np.ndarray]:
        if self.breaks is None:
            return {}
        if not isinstance(self.breaks, Mapping) or set(self.breaks) - set(names.DIMENSIONS):
            raise SegmentationError.bad_parameter(
                "RFMSegmenter",
                "breaks",
                self.breaks,
                f"a dict keyed by {', '.join(names.DIMENSIONS)}",
                label="the break points",
            )
        checked = {}
        for dimension, points in self.breaks.items():
            try:
                array = np.asarray(points, dtype="float64")
            except (TypeError, ValueError):
                array = np.array([np.nan])
            ok = (
                array.ndim == 1
                and MIN_BINS - 1 <= len(array) <= MAX_BINS - 1
                and np.isfinite(array).all()
                and (np.diff(array) > 0).all()
            )
            if not ok:
                raise SegmentationError(
                    f"The break points for {dimension} must be {MIN_BINS - 1} to "
                    f"{MAX_BINS - 1} increasing numbers; they are {_listed(points)}.",
                    fix="For example: {breaks}.",
                    suggest={"breaks": {"recency": [30, 90, 180, 365]}},
                )
            checked[dimension] = array
        return checked

    def fit(self, X: pd.DataFrame, y: object = None) -> RFMSegmenter:
        """Learn the break points of each dimension from a customer table."""
        if self.ties not in TIE_RULES:
            raise SegmentationError.bad_parameter(
                "RFMSegmenter",
                "ties",
                self.ties,
                f"one of {', '.join(TIE_RULES)}",
                label="the tie rule",
            )
        bins = self._validated_bins()
        custom = self._validated_breaks()
        table = require_columns(X, names.RFM_VALUES, "RFMSegmenter")
        n = len(table)
        if n < 2:
            raise SegmentationError(
                f"RFM scores compare customers with each other, and the table has {n} "
                "customer(s). Use data with more customers."
            )
        top = max(bins.values())
        if n < top:
            if n < MIN_BINS:
                raise SegmentationError(
                    f"Too few customers ({n}) to score: at least {MIN_BINS} are needed."
                )
            raise SegmentationError(
                f"Too few customers ({n}) for {top} score bins: each score needs customers.",
                fix="Use {n_bins} or fewer, or add customers.",
                suggest={"n_bins": max(MIN_BINS, min(n, top))},
            )
        keys = tie_keys(customer_ids(table)) if self.ties == "rank" else None
        self.n_bins_ = bins
        self.edges_, self.edge_keys_, self.edge_ids_, self.rules_ = {}, {}, {}, {}
        constant = []
        for dimension in names.DIMENSIONS:
            values = table[names.VALUE_COLUMN[dimension]].to_numpy(dtype="float64")
            if values.min() == values.max():
                constant.append(names.VALUE_COLUMN[dimension])
            if dimension in custom:
                self.edges_[dimension] = custom[dimension]
                self.rules_[dimension] = "custom"
            elif self.ties == "quantile":
                probs = np.linspace(0, 1, bins[dimension] + 1)[1:-1]
                # R rfm's convention: the type-7 quantile plus one unit.
                self.edges_[dimension] = np.quantile(values, probs, method="linear") + 1
                self.rules_[dimension] = "quantile"
            else:
                edges, edge_keys = rank_edges(
                    values, keys, bins[dimension], _HIGHER_IS_BETTER[dimension]
                )
                self.edges_[dimension], self.edge_keys_[dimension] = edges, edge_keys
                self.rules_[dimension] = "rank"
        if constant:
            warnings.warn(
                f"Column(s) {', '.join(map(repr, constant))} hold the same value for every "
                "customer, so their score does not tell customers apart.",
                SegmentationWarning,
                stacklevel=2,
            )
        self.segment_map_ = get_segment_map(self.segment_map)
        warn_uncovered(self.segment_map_, bins)
        self.n_customers_ = n
        scores = self._scores(table)
        quantile = {d: s for d, s in scores.items() if self.rules_[d] == "quantile"}
        self.empty_scores_ = empty_scores(quantile, bins)
        for dimension, empty in self.empty_scores_.items():
            warnings.warn(empty_scores_note(dimension, empty), SegmentationWarning, stacklevel=2)
        return self

    def _scores(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        check_is_fitted(self, "edges_")
        table = require_columns(X, names.RFM_VALUES, "RFMSegmenter")
        # Models saved before tie keys compare ids, as they did when they were fitted.
        ties = (
            customer_ids(table)
            if self.edge_ids_
            else tie_keys(customer_ids(table))
            if self.edge_keys_
            else None
        )
        edge_ties = self.edge_ids_ or self.edge_keys_
        scores = {}
        for dimension in names.DIMENSIONS:
            values = table[names.VALUE_COLUMN[dimension]].to_numpy(dtype="float64")
            n = self.n_bins_[dimension]
            if self.rules_[dimension] == "rank":
                score = rank_scores(
                    values,
                    ties,
                    self.edges_[dimension],
                    edge_ties[dimension],
                    _HIGHER_IS_BETTER[dimension],
                )
            else:
                score = np.searchsorted(self.edges_[dimension], values, side="right") + 1
                if not _HIGHER_IS_BETTER[dimension]:
                    score = n + 1 - score
            scores[dimension] = score.astype(np.int64)
        return scores

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """R, F, M scores and the combined ``RFM Score``, aligned with ``X``'s rows."""
        s = self._scores(X)
        r, f, m = s["recency"], s["frequency"], s["monetary"]
        return pd.DataFrame(
            {
                names.R_SCORE: r,
                names.F_SCORE: f,
                names.M_SCORE: m,
                names.RFM_SCORE: combined_score(r, f, m, max(self.n_bins_.values())),
            },
            index=X.index,
        )

    def predict(self, X: pd.DataFrame) -> pd.Series:
        """The named segment of each customer."""
        s = self._scores(X)
        labels = self.segment_map_.assign(s["recency"], s["frequency"], s["monetary"], self.n_bins_)
        return pd.Series(labels, index=X.index, name=names.RFM_SEGMENT)

    def segment(self, X: pd.DataFrame) -> pd.DataFrame:
        """Scores and segment names together: R, F, M, RFM Score, RFM Segment."""
        scores = self.transform(X)
        scores[names.RFM_SEGMENT] = self.segment_map_.assign(
            scores[names.R_SCORE].to_numpy(),
            scores[names.F_SCORE].to_numpy(),
            scores[names.M_SCORE].to_numpy(),
            self.n_bins_,
        )
        return scores

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array([*names.RFM_SCORES, names.RFM_SCORE], dtype=object)

    def to_dict(self) -> dict:
        """The fitted model as plain JSON-ready data."""
        check_is_fitted(self, "edges_")
        return {
            "params": {
                "n_bins": self.n_bins
                if not isinstance(self.n_bins, Mapping)
                else dict(self.n_bins),
                "ties": self.ties,
                "breaks": None
                if self.breaks is None
                else {k: [float(x) for x in v] for k, v in self.breaks.items()},
            },
            "n_bins": self.n_bins_,
            "rules": self.rules_,
            "edges": {d: [float(x) for x in e] for d, e in self.edges_.items()},
            "edge_keys": {d: [int(x) for x in e] for d, e in self.edge_keys_.items()},
            "n_customers": self.n_customers_,
            "segment_map": self.segment_map_.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> RFMSegmenter:
        """Rebuild a fitted model from :meth:`to_dict` output."""
        segment_map = SegmentMap.from_dict(data["segment_map"])
        model = cls(**data["params"], segment_map=segment_map)
        model.n_bins_ = {d: int(v) for d, v in data["n_bins"].items()}
        model.rules_ = dict(data["rules"])
        model.edges_ = {d: np.asarray(e, dtype="float64") for d, e in data["edges"].items()}
        model.edge_keys_ = {
            d: np.asarray(e, dtype=np.int64) for d, e in data.get("edge_keys", {}).items()
        }
        model.edge_ids_ = {d: np.asarray(e, dtype=str) for d, e in data.get("edge_ids", {}).items()}
        if any(len(e) for e in model.edge_ids_.values()):
            warnings.warn(
                "This saved model holds customer ids (the rank rule's break points, saved "
                "by an earlier version). It still scores as before; fit and save it again "
                "to remove them.",
                SegmentationWarning,
                stacklevel=2,
            )
        model.segment_map_ = segment_map
        model.n_customers_ = int(data["n_customers"])
        return model
