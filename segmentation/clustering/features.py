"""The feature matrix clusters are found in: log R, F, M, scaled numbers, one-hot categories.

Scaling uses exact sums, so every distance is the same in any row order."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation import names
from segmentation.errors import SegmentationError, SegmentationWarning
from segmentation.reading.aggregate import exact_sums

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
            f"such as {values[bad].iloc[0]!r}. Clean those cells.",
            fix="Or cluster on it as categories: {categorical}.",
            suggest={"categorical": [column]},
        )
    return numbers_.astype("float64")


def _looks_numeric(values: pd.Series) -> bool:
    present = values.dropna()
    if present.empty:
        return True
    return bool(pd.to_numeric(present, errors="coerce").notna().mean() >= 0.9)


def exact_mean(matrix: np.ndarray) -> np.ndarray:
    """Column means from correctly rounded sums, so row order cannot change them."""
    n = len(matrix)
    if n == 0:
        return np.zeros(matrix.shape[1])
    groups = np.zeros(n, dtype=np.int64)
    return np.array([exact_sums(groups, matrix[:, j], 1)[0] for j in range(matrix.shape[1])]) / n


def hash_sample(matrix: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Up to ``size`` rows chosen and ordered by a seeded hash of their values."""
    hashed = pd.util.hash_pandas_object(pd.DataFrame(matrix), index=False).to_numpy()
    key = hashed ^ np.uint64((seed * 0x9E3779B97F4A7C15) % 2**64)
    if len(key) > size:
        chosen = np.argpartition(key, size - 1)[:size]
    else:
        chosen = np.arange(len(key))
    return chosen[np.argsort(key[chosen], kind="stable")]


@dataclass(frozen=True)
class FeatureSpace:
    """What turns a customer table into the scaled matrix; learned once, in ``fit``."""

    use_rfm: bool
    numeric_features: list[str]
    fill_values: dict[str, float]
    category_levels: dict[str, list[str]]  # in fitted order: the one-hot blocks' order
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    feature_names: list[str]


def _levels(values: pd.Series, column: str) -> list[str]:
    text = values.astype(object).where(values.notna(), BLANK_LEVEL).astype(str)
    counts = text.value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    if len(counts) <= 1:
        raise SegmentationError(
            f"Column '{column}' has the same category for every customer, so it "
            "cannot separate clusters. Remove it from the features."
        )
    levels = list(counts.index[:MAX_LEVELS])
    return levels + [OTHER_LEVEL] if len(counts) > MAX_LEVELS else levels


def _numeric_block(
    table: pd.DataFrame, use_rfm: bool, numeric: list[str], fills: dict[str, float], warn: bool
) -> np.ndarray:
    parts = [_rfm_features(table)] if use_rfm else []
    for column in numeric:
        values = _numeric(table[column], column)
        filled = int(values.isna().sum())
        if filled and warn:
            warnings.warn(
                f"{filled} blank value(s) in '{column}' were filled with its median "
                f"({fills[column]:g}) for clustering.",
                SegmentationWarning,
                stacklevel=4,
            )
        parts.append(values.fillna(fills[column]).to_numpy()[:, None])
    return np.hstack(parts) if parts else np.empty((len(table), 0))


def learn_feature_space(
    table: pd.DataFrame,
    features: Sequence[str] | None,
    categorical: Sequence[str] | None,
    use_rfm: bool,
) -> FeatureSpace:
    """Which extra columns are numbers or categories, their levels, and the scaling."""
    categorical = list(categorical or [])
    extras = list(dict.fromkeys([*(features or []), *categorical]))
    missing = [c for c in extras if c not in table.columns]
    if missing:
        raise SegmentationError(
            f"Clustering feature(s) {', '.join(map(repr, missing))} are not columns of "
            f"the customer table; it has {', '.join(map(repr, map(str, table.columns)))}."
        )
    if not use_rfm and not extras:
        raise SegmentationError(
            "No clustering features: R, F and M are left out and no other feature was "
            "named. Choose at least one feature."
        )
    numeric, fills, levels = [], {}, {}
    for column in extras:
        values = table[column]
        if column not in categorical and _looks_numeric(values):
            numbers_ = _numeric(values, column)
            if numbers_.nunique() <= 1:
                raise SegmentationError(
                    f"Column '{column}' has the same value for every customer, so it "
                    "cannot separate clusters. Remove it from the features."
                )
            numeric.append(column)
            fills[column] = float(numbers_.median())
        else:
            levels[column] = _levels(values, column)
    block = _numeric_block(table, use_rfm, numeric, fills, warn=True)
    numeric_names = [*(_RFM_FEATURES if use_rfm else ()), *numeric]
    # Exact sums: the scaling, and so every distance, is the same in any row order.
    mean = exact_mean(block)
    scale = np.sqrt(exact_mean((block - mean) ** 2))
    # Exact test on the range: a constant column's std can be a rounding speck.
    constant = block.max(axis=0) == block.min(axis=0) if len(block) else scale == 0
    listed = ", ".join(repr(n) for n, c in zip(numeric_names, constant) if c)
    if constant.all() and not levels:
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
    onehot_names = [f"{column}={level}" for column, values in levels.items() for level in values]
    # A constant feature gets weight 0: it cannot separate anyone now, and must not
    # separate next month's customers either.
    return FeatureSpace(
        use_rfm=use_rfm,
        numeric_features=numeric,
        fill_values=fills,
        category_levels=levels,
        mean=mean,
        scale=np.where(constant, 1.0, scale),
        weights=np.where(constant, 0.0, 1.0),
        feature_names=numeric_names + onehot_names,
    )


def feature_matrix(table: pd.DataFrame, space: FeatureSpace) -> np.ndarray:
    """The scaled feature matrix of ``table`` in ``space`` (rows as in ``table``)."""
    block = _numeric_block(
        table, space.use_rfm, space.numeric_features, space.fill_values, warn=False
    )
    blocks = [(block - space.mean) / space.scale * space.weights]
    for column, levels in space.category_levels.items():
        text = table[column].astype(object).where(table[column].notna(), BLANK_LEVEL)
        text = text.astype(str)
        if OTHER_LEVEL in levels:
            text = text.where(text.isin(levels), OTHER_LEVEL)
        codes = pd.Categorical(text, categories=levels).codes
        onehot = np.zeros((len(table), len(levels)))
        valid = codes >= 0
        onehot[np.flatnonzero(valid), codes[valid]] = _CATEGORY_WEIGHT
        blocks.append(onehot)
    return np.hstack(blocks)
