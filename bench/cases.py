"""What the benchmark times. Each case prepares its input untimed, then runs timed."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Case:
    name: str
    step: str
    prepare: Callable[[pd.DataFrame], object]
    run: Callable[[object], object]
    rows: Callable[[object], int]


def _customers(log: pd.DataFrame) -> pd.DataFrame:
    from segmentation import read_customers

    return read_customers(log).table


def _quiet(function: Callable[[object], object]) -> Callable[[object], object]:
    def run(data: object) -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(data)

    return run


def _rfm_table(log: pd.DataFrame) -> object:
    from segmentation import read_customers

    return read_customers(log)


def _scores(customers: pd.DataFrame) -> object:
    from segmentation import RFMSegmenter

    return RFMSegmenter(5).fit(customers).segment(customers)


def _clusters(customers: pd.DataFrame) -> object:
    from segmentation import ClusterSegmenter

    return ClusterSegmenter("auto").fit(customers).predict(customers)


def _end_to_end(log: pd.DataFrame) -> object:
    from segmentation import segment_customers

    return segment_customers(log, method="both")


CASES = {
    case.name: case
    for case in (
        Case(
            "ours: transactions -> RFM table",
            "transactions -> RFM",
            lambda log: log,
            _quiet(_rfm_table),
            len,
        ),
        Case(
            "ours: scores + named segments",
            "scores + segments",
            _quiet(_customers),
            _quiet(_scores),
            len,
        ),
        Case(
            "ours: automatic k (3-6) + labels",
            "clusters",
            _quiet(_customers),
            _quiet(_clusters),
            len,
        ),
        Case(
            "ours: transactions -> RFM, segments, clusters, profiles",
            "end to end (engine)",
            lambda log: log,
            _quiet(_end_to_end),
            len,
        ),
    )
}
