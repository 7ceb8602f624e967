"""Segment history: customers and revenue per RFM segment at each month or quarter end.

Input: a transaction log in a SQL engine (:mod:`segmentation.logs`). Output: one row per
(period end, segment) with its customers and revenue, every period scored on one scale
(the model fitted at the last period end, or a saved one).

One pass over the log after reading it: each purchase line is tagged with the first
period whose end it falls before, the lines are added up per (customer, period) in the
engine, and running totals over the periods give every customer's Recency, Frequency
and Monetary at each period end, exactly as a snapshot at that date would
(:func:`segmentation.logs.read_log` with ``as_of`` = the day after the period end).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from segmentation import names
from segmentation.defaults import N_BINS
from segmentation.errors import SegmentationError
from segmentation.logs.backend import SqlBackend
from segmentation.logs.reader import read_log
from segmentation.models import SegmentationModel
from segmentation.reading.aggregate import sorted_id_order, sum_scale_bits
from segmentation.rfm.scoring import RFMSegmenter

Progress = Callable[[str, float], None]
_EPOCH_DAY = np.datetime64("1970-01-01", "D")
_NONE = np.iinfo(np.int64).min
_STEP = {"month": 1, "quarter": 3}


def period_cutoffs(latest: pd.Timestamp, every: str, periods: int) -> list[pd.Timestamp]:
    """The analysis dates (the day after each period end), oldest first.

    The last period is the one holding the latest purchase.

    >>> [d.date().isoformat() for d in period_cutoffs(pd.Timestamp("2024-05-10"), "quarter", 2)]
    ['2024-04-01', '2024-07-01']
    """
    if every not in _STEP:
        raise SegmentationError.bad_parameter(
            "segment_history", "every", every, "'month' or 'quarter'", label="the period"
        )
    if not isinstance(periods, int) or periods < 1:
        raise SegmentationError.bad_parameter(
            "segment_history",
            "periods",
            periods,
            "a whole number of 1 or more",
            label="the number of periods",
        )
    step = _STEP[every]
    start = pd.Timestamp(latest.year, ((latest.month - 1) // step) * step + 1, 1)
    last = start + pd.DateOffset(months=step)
    return [last - pd.DateOffset(months=step * k) for k in range(periods - 1, -1, -1)]


def _day(timestamp: pd.Timestamp) -> int:
    return int((np.datetime64(timestamp.date(), "D") - _EPOCH_DAY) / np.timedelta64(1, "D"))


def _bucket_totals(
    backend: SqlBackend, cutoffs: list[int], has_orders: bool
) -> tuple[pd.DataFrame, pd.DataFrame | None, float]:
    """Per (customer, first period) totals, summed exactly as the snapshot reader does."""
    complete = "id IS NOT NULL AND day IS NOT NULL AND amount IS NOT NULL"
    kept = f"{complete} AND day < {cutoffs[-1]}"
    first = "CASE " + " ".join(f"WHEN day < {c} THEN {k}" for k, c in enumerate(cutoffs)) + " END"
    tagged = f"(SELECT id, day, amount, ord, {first} AS k FROM lines WHERE {kept})"
    total = backend.query(f"SELECT sum(abs(amount)) AS t FROM lines WHERE {kept}")["t"].iloc[0]
    scale = 2.0 ** sum_scale_bits(float(total or 0.0))
    units = f"CAST({backend.round_even(f'amount * {scale!r}')} AS BIGINT)"
    buckets = backend.query(
        "SELECT id, k, count(*) AS n, max(day) AS last_any, "
        "max(CASE WHEN amount >= 0 THEN day END) AS last_purchase, "
        "count(CASE WHEN amount >= 0 THEN 1 END) AS purchases, "
        "CAST(sum(units) AS BIGINT) AS whole, "
        f"sum(amount - CAST(units AS DOUBLE) / {scale!r}) AS rest "
        f"FROM (SELECT id, day, amount, k, {units} AS units FROM {tagged} AS t) AS u "
        "GROUP BY id, k"
    )
    orders = None
    if has_orders:
        # An order counts from the first period any of its purchase lines falls in; a line
        # without an order id is an order alone.
        orders = backend.query(
            "SELECT id, k, CAST(sum(orders) AS BIGINT) AS orders FROM ("
            "SELECT id, k, count(*) AS orders FROM (SELECT id, ord, min(k) AS k FROM "
            f"{tagged} AS t WHERE amount >= 0 AND ord IS NOT NULL GROUP BY id, ord) AS o "
            f"GROUP BY id, k UNION ALL SELECT id, k, count(*) AS orders FROM {tagged} AS t "
            "WHERE amount >= 0 AND ord IS NULL GROUP BY id, k) AS b GROUP BY id, k"
        )
    return buckets, orders, scale


def _running(values: np.ndarray, codes: np.ndarray, k: np.ndarray, shape, how: str) -> np.ndarray:
    """Running totals (or maxima) over the periods; each (customer, period) is one row."""
    grid = np.full(shape, _NONE if how == "max" else 0, dtype=values.dtype)
    grid[codes, k] = values
    return np.maximum.accumulate(grid, axis=1) if how == "max" else np.cumsum(grid, axis=1)


def _period_tables(
    buckets: pd.DataFrame, orders: pd.DataFrame | None, scale: float, cutoffs: list
) -> list[pd.DataFrame]:
    """Every customer's Recency, Frequency and Monetary at each cutoff, from running totals."""
    ids = buckets["id"].to_numpy()
    if ids.dtype.kind == "f":  # whole-number ids read as floats
        ids = ids.astype(np.int64)
    codes, uniques = pd.factorize(ids)
    uniques = np.asarray(uniques)
    shape = (len(uniques), len(cutoffs))
    k = buckets["k"].to_numpy(dtype=np.intp)

    def running(column: str, how: str = "sum", fill: object = None) -> np.ndarray:
        values = buckets[column] if fill is None else buckets[column].fillna(fill)
        kind = np.float64 if column == "rest" else np.int64
        return _running(values.to_numpy(dtype=kind), codes, k, shape, how)

    seen, whole, rest = running("n"), running("whole"), running("rest")
    last_any, last_purchase = running("last_any", "max"), running("last_purchase", "max", _NONE)
    if orders is None:
        frequency = running("purchases")
    else:
        order_codes = pd.Index(uniques).get_indexer(orders["id"].to_numpy())
        frequency = _running(orders["orders"].to_numpy(dtype=np.int64), order_codes,
                             orders["k"].to_numpy(dtype=np.intp), shape, "sum")  # fmt: skip
    order = sorted_id_order(uniques)  # the snapshot reader's row order
    tables = []
    for j, cutoff in enumerate(cutoffs):
        # As a snapshot: customers whose lines so far are all returns bought nothing yet.
        present = order[(seen[order, j] > 0) & (frequency[order, j] > 0)]
        bought = last_purchase[present, j]
        latest = np.where(bought == _NONE, last_any[present, j], bought)
        tables.append(
            pd.DataFrame(
                {
                    names.CUSTOMER_ID: pd.Series(uniques[present], dtype=uniques.dtype),
                    names.RECENCY: _day(cutoff) - latest,
                    names.FREQUENCY: frequency[present, j],
                    names.MONETARY: whole[present, j] / scale + rest[present, j],
                }
            )
        )
    return tables


def period_customers(
    backend: SqlBackend,
    *,
    every: str = "month",
    periods: int = 12,
    columns: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> tuple[list[pd.Timestamp], list[pd.DataFrame]]:
    """The analysis dates, and every customer's R, F, M at each (one table per date)."""
    step = progress or (lambda _s, _f: None)
    # One read cleans the lines (left in the engine as ``lines``); the periods come after.
    data = read_log(backend, columns=columns, progress=lambda s, f: step(s, 0.8 * f))
    cutoffs = period_cutoffs(data.as_of - pd.Timedelta(days=1), every, periods)
    step("Adding up each period", 0.85)
    buckets, orders, scale = _bucket_totals(
        backend, [_day(c) for c in cutoffs], "order_id" in data.columns.roles
    )
    return cutoffs, _period_tables(buckets, orders, scale, cutoffs)


def segment_history(
    backend: SqlBackend,
    *,
    every: str = "month",
    periods: int = 12,
    columns: dict[str, str] | None = None,
    model: SegmentationModel | None = None,
    n_bins: int = N_BINS,
    progress: Progress | None = None,
) -> tuple[pd.DataFrame, SegmentationModel]:
    """Customers and revenue per RFM segment at each period end, on one scale.

    Returns the long table (``Period End``, ``Segment``, ``Customers``, ``Revenue``, in
    period order and the segment map's order) and the model that scored every period:
    ``model`` when given, else one with ``n_bins`` scores fitted on the customers at the
    last period end.
    """
    step = progress or (lambda _s, _f: None)
    cutoffs, tables = period_customers(backend, every=every, periods=periods, columns=columns,
                                       progress=lambda s, f: step(s, 0.6 * f))  # fmt: skip
    if model is None or model.rfm is None:
        rfm = RFMSegmenter(n_bins).fit(tables[-1])
        model = SegmentationModel(rfm, None, {"method": "rfm", "as_of": str(cutoffs[-1].date())})
    segment_map = model.rfm.segment_map_
    rows = []
    for j, (cutoff, table) in enumerate(zip(cutoffs, tables)):
        step(f"Scoring {cutoff.date()}", 0.6 + 0.4 * j / len(cutoffs))
        labels = [*segment_map.segments, segment_map.fallback]
        codes = model.rfm.predict(table).cat.codes.to_numpy() if len(table) else np.zeros(0, int)
        counts = np.bincount(codes, minlength=len(labels))
        revenue = np.bincount(
            codes, weights=table[names.MONETARY].to_numpy(), minlength=len(labels)
        )
        for name, count, money in zip(labels, counts, revenue):
            rows.append((cutoff - pd.Timedelta(days=1), name, int(count), round(float(money), 2)))
    history = pd.DataFrame(
        rows, columns=[names.PERIOD_END, names.SEGMENT, names.CUSTOMERS, names.REVENUE]
    )
    used = history.groupby(names.SEGMENT, sort=False)[names.CUSTOMERS].transform("sum") > 0
    step("Done", 1.0)
    return history[used].reset_index(drop=True), model
