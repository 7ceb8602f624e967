"""A fitted model as SQL, so customers are scored where the log was aggregated.

A model is data: break points per dimension, a segment name per score combination,
and for clusters the feature scaling and the centres. This module writes them as one
SELECT over the ``customers`` table that :func:`segmentation.logs.read_log` leaves in
the engine (DuckDB or Spark), so a data lake's customers never have to leave it.
The arithmetic mirrors :class:`~segmentation.RFMSegmenter` and
:class:`~segmentation.ClusterSegmenter`; the tests compare the two customer by customer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation import names
from segmentation.clustering.kmeans import GRID_LIMIT, GRID_SCALE
from segmentation.errors import SegmentationError
from segmentation.logs.backend import SqlBackend
from segmentation.models import SegmentationModel
from segmentation.reading.aggregate import sorted_id_order
from segmentation.rfm.rank_rule import tie_keys
from segmentation.rfm.scoring import _HIGHER_IS_BETTER


def _double(value: float) -> str:
    """A DOUBLE literal that parses back to exactly ``value`` in every engine."""
    return f"CAST('{float(value)!r}' AS DOUBLE)"


def _score(backend: SqlBackend, rfm, dimension: str) -> str:
    """1 + the number of break points passed, as searchsorted(side='right') counts."""
    value = f"CAST({dimension} AS DOUBLE)"  # the engine's customers table names columns so
    edges = rfm.edges_[dimension]
    better = _HIGHER_IS_BETTER[dimension]
    if rfm.rules_[dimension] == "rank":
        beyond = ">" if better else "<"
        if rfm.edge_ids_:  # a model saved before tie keys: ties compare the ids
            tie, edge_ties = "CAST(id AS STRING)", rfm.edge_ids_[dimension]
            literal = lambda edge_tie: backend.literal(str(edge_tie))  # noqa: E731
        else:
            tie, edge_ties, literal = "tie_key", rfm.edge_keys_[dimension], str
        terms = [
            f"CASE WHEN {value} {beyond} {_double(edge)} OR ({value} = {_double(edge)} AND "
            f"{tie} >= {literal(edge_tie)}) THEN 1 ELSE 0 END"
            for edge, edge_tie in zip(edges, edge_ties)
        ]
        return "(1 + " + " + ".join(terms or ["0"]) + ")"
    terms = [f"CASE WHEN {value} >= {_double(edge)} THEN 1 ELSE 0 END" for edge in edges]
    score = "(1 + " + " + ".join(terms or ["0"]) + ")"
    return score if better else f"({rfm.n_bins_[dimension] + 1} - {score})"


def _segment_lookup(rfm) -> pd.DataFrame:
    codes = rfm.segment_map_.lookup(rfm.n_bins_)
    labels = np.array([*rfm.segment_map_.segments, rfm.segment_map_.fallback], dtype=object)
    r, f, m = np.indices(codes.shape) + 1
    return pd.DataFrame(
        {"r": r.ravel(), "f": f.ravel(), "m": m.ravel(), "segment": labels[codes.ravel()]}
    )


def _cluster_sql(backend: SqlBackend, clusters) -> tuple[str, str, str]:
    """The nearest centre (1-based, first on ties), its name, and the distances."""
    if clusters.numeric_features_ or clusters.category_levels_ or not clusters.use_rfm:
        raise SegmentationError(
            "Scoring inside the SQL engine covers clusters on recency, frequency and "
            "monetary value; this model also uses other columns, which a transaction log "
            "does not have. Score the customer table in memory instead."
        )
    features = [
        f"ln(1 + greatest(CAST({column} AS DOUBLE), 0))"
        for column in ("recency", "frequency", "monetary")
    ]
    limit, grid = _double(GRID_LIMIT), _double(GRID_SCALE)
    scaled = [
        # The grid in-memory scoring uses (segmentation.clustering.kmeans.to_grid).
        backend.round_even(
            f"greatest(least(({feature} - {_double(mean)}) / {_double(scale)} * "
            f"{_double(weight)}, {limit}), -{limit}) * {grid}"
        )
        + f" / {grid}"
        for feature, mean, scale, weight in zip(
            features, clusters.mean_, clusters.scale_, clusters.weights_
        )
    ]
    distances = [
        " + ".join(f"power({z} - {_double(c)}, 2)" for z, c in zip(scaled, centre))
        for centre in clusters.centers_
    ]
    nearest = "least(" + ", ".join(f"d{k}" for k in range(len(distances))) + ")"
    choice = " ".join(f"WHEN d{k} = {nearest} THEN {k + 1}" for k in range(len(distances)))
    names_ = " ".join(
        f"WHEN {k + 1} THEN {backend.literal(name)}" for k, name in enumerate(clusters.names_)
    )
    inner = ", ".join(f"{d} AS d{k}" for k, d in enumerate(distances))
    return f"CASE {choice} END", f"CASE cluster {names_} END", inner


def score_in_engine(backend: SqlBackend, model: SegmentationModel) -> pd.DataFrame:
    """Score the engine's ``customers`` table with ``model``: R, F, M, RFM Segment,
    Cluster and Cluster Name per customer, in customer id order."""
    selects = ["id", "recency", "frequency", "monetary"]
    outer = ["s.id", "s.recency", "s.frequency", "s.monetary"]
    joins = ""
    if model.rfm is not None:
        scores = {d: _score(backend, model.rfm, d) for d in names.DIMENSIONS}
        selects += [f"{scores[d]} AS {d[0]}" for d in names.DIMENSIONS]
        outer += ["s.r", "s.f", "s.m", "segments.segment"]
        backend.register("segment_lookup", _segment_lookup(model.rfm))
        joins = (
            " LEFT JOIN segment_lookup AS segments ON s.r = segments.r AND s.f = segments.f "
            "AND s.m = segments.m"
        )
    source = "customers"
    if model.rfm is not None and model.rfm.edge_keys_:
        # The rank rule's tie keys are a hash no SQL engine computes: made here, joined.
        ids = backend.query("SELECT CAST(id AS STRING) AS id FROM customers")
        text = ids["id"].astype(str).to_numpy()
        backend.register("tie_keys", pd.DataFrame({"id": text, "tie_key": tie_keys(text)}))
        source = (
            "(SELECT c.*, k.tie_key FROM customers c JOIN tie_keys k "
            "ON CAST(c.id AS STRING) = k.id)"
        )
    if model.clusters is not None:
        cluster, cluster_name, distances = _cluster_sql(backend, model.clusters)
        source = f"(SELECT *, {cluster} AS cluster FROM (SELECT *, {distances} FROM {source}) d)"
        selects += ["cluster", f"{cluster_name} AS cluster_name"]
        outer += ["s.cluster", "s.cluster_name"]
    frame = backend.query(
        f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(selects)} FROM {source} c) s{joins}"
    )
    frame = frame.iloc[sorted_id_order(frame["id"].to_numpy())].reset_index(drop=True)
    return frame.rename(
        columns={
            "id": names.CUSTOMER_ID,
            "recency": names.RECENCY,
            "frequency": names.FREQUENCY,
            "monetary": names.MONETARY,
            "r": names.R_SCORE,
            "f": names.F_SCORE,
            "m": names.M_SCORE,
            "segment": names.RFM_SEGMENT,
            "cluster": names.CLUSTER,
            "cluster_name": names.CLUSTER_NAME,
        }
    )
