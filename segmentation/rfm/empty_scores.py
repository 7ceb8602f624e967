"""Scores that no customer got: under the quantile rule, tied values share a score, so
two break points can fall on one value (many customers with one purchase)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from segmentation import names


def empty_scores(scores: Mapping[str, np.ndarray], bins: Mapping[str, int]) -> dict[str, list]:
    """Per dimension, the scores no customer got (ties put a break point on one value)."""
    empty = {}
    for dimension, values in scores.items():
        counts = np.bincount(values, minlength=bins[dimension] + 1)[1:]
        if (counts == 0).any():
            empty[dimension] = [int(s) for s in np.flatnonzero(counts == 0) + 1]
    return empty


def empty_scores_note(dimension: str, empty: list[int]) -> str:
    """Why a score is empty and what to do, in plain words (no setting names)."""
    listed = ", ".join(map(str, empty[:-1])) + " and " if len(empty) > 1 else ""
    listed += str(empty[-1])
    return (
        f"No customer has {dimension} score{'s' if len(empty) > 1 else ''} {listed}: many "
        "customers share the same "
        f"{names.VALUE_COLUMN[dimension]} value, and tied values share a score under the "
        "quantile tie rule, so two break points fell on one value. For scores of equal "
        "size use the rank tie rule, or use fewer score bins."
    )
