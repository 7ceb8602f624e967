"""The rank tie rule: equal-sized bins, ties broken by value and then by a keyed hash.

The hash of a customer id (:func:`tie_keys`) stands in for the id, so break points can
remember who sat at each edge without a saved model ever holding an id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation import names


def customer_ids(table: pd.DataFrame) -> np.ndarray:
    """Customer ids as text: the Customer ID column, else the index."""
    ids = table[names.CUSTOMER_ID] if names.CUSTOMER_ID in table.columns else table.index
    return np.asarray(pd.Index(ids).astype(str), dtype=str)


# Fixed, so the same id gets the same key on every machine and in every version.
TIE_HASH_KEY = "rfm rank ties 01"


def tie_keys(ids: np.ndarray) -> np.ndarray:
    """A reproducible, non-negative 63-bit key per customer id that is not the id itself.

    SipHash of the id text under a fixed key: equal ids give equal keys, and the key
    fits a signed 64-bit integer in every SQL engine.

    >>> tie_keys(np.array(["C1", "C2"])).dtype
    dtype('int64')
    """
    hashed = pd.util.hash_array(np.asarray(ids, dtype=object), hash_key=TIE_HASH_KEY,
                                categorize=False)  # fmt: skip
    return (hashed >> np.uint64(1)).astype(np.int64)


def rank_edges(
    values: np.ndarray, ties: np.ndarray, n_bins: int, higher_is_better: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Value and tie key of the first customer of each bin 2..n in (value, tie) order."""
    key = values if higher_is_better else -values
    order = np.lexsort((ties, key))
    starts = np.ceil(np.arange(1, n_bins) * len(values) / n_bins).astype(np.int64)
    picked = order[starts]
    return values[picked], ties[picked]


def rank_scores(
    values: np.ndarray,
    ties: np.ndarray,
    edges: np.ndarray,
    edge_ties: np.ndarray,
    higher_is_better: bool,
) -> np.ndarray:
    """Scores 1..n: one more for each break point a customer passes in (value, tie) order."""
    score = np.ones(len(values), dtype=np.int64)
    for edge, edge_tie in zip(edges, edge_ties):  # one pass per break point, not per row
        beyond = values > edge if higher_is_better else values < edge
        score += beyond | ((values == edge) & (ties >= edge_tie))
    return score
