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


def _pandas_groupby(log: pd.DataFrame) -> object:
    """What an analyst would write by hand: one groupby, no cleaning, no exact sums."""
    end = log["Order Date"].max() + pd.Timedelta(days=1)
    grouped = log.groupby("Customer ID").agg(
        last=("Order Date", "max"), frequency=("Order Date", "size"), monetary=("Amount", "sum")
    )
    grouped["recency"] = (end - grouped["last"]).dt.days
    return grouped


def _lifetimes(log: pd.DataFrame) -> object:
    from lifetimes.utils import summary_data_from_transaction_data

    return summary_data_from_transaction_data(
        log, "Customer ID", "Order Date", monetary_value_col="Amount"
    )


PEERS = {
    # name -> (the step it competes on, function); skipped with a printed reason if missing
    "peer: pandas groupby (no cleaning)": ("transactions -> RFM", _pandas_groupby, "pandas"),
    "peer: lifetimes summary_data_from_transaction_data": (
        "transactions -> RFM",
        _lifetimes,
        "lifetimes",
    ),
}

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
CASES.update(
    {
        name: Case(name, step, lambda log: log, _quiet(function), len)
        for name, (step, function, _) in PEERS.items()
    }
)
