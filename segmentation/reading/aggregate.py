"""Per-customer sums and counts from purchase lines: exact in any row order, shared by
the in-memory reader and the SQL engines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation import names
from segmentation.reading.dates import parse_as_of

_DAY = np.timedelta64(1, "D")


def as_int_if_whole(values: pd.Series) -> pd.Series:
    """Whole-number columns as int64, so 3 is shown as 3 and not 3.0."""
    if len(values) and (np.mod(values.to_numpy(dtype="float64"), 1) == 0).all():
        return values.astype(np.int64)
    return values


# Decimal places tried for money, and how close to a whole number of them a value must
# be: a double holds about 15 digits, so 16.05 * 100 is 1605.0000000000002.
MAX_MONEY_DECIMALS = 6
MONEY_TOLERANCE = 2.0**-44


def money_decimals(amounts: np.ndarray) -> int | None:
    """The fewest decimal places (0 to 6) that every amount is written with, or None.

    The SQL engines compute the same test (:mod:`segmentation.logs.reader`).
    """
    values = np.asarray(amounts, dtype="float64")
    for decimals in range(MAX_MONEY_DECIMALS + 1):
        scaled = values * 10.0**decimals
        gap = np.abs(scaled - np.rint(scaled))
        if (gap <= np.maximum(1e-9, np.abs(scaled) * MONEY_TOLERANCE)).all():
            return decimals
    return None


def written_money(table: pd.DataFrame, decimals: int | None) -> pd.DataFrame:
    """The customer table as it is written out: Monetary, the exact sum of amounts
    written with ``decimals`` places, to those places (three sales of 16.05 make 48.15,
    not 48.150000000000006). Scores use the exact sums, as R's rfm package does."""
    if decimals is None or names.MONETARY not in table:
        return table
    return table.assign(**{names.MONETARY: table[names.MONETARY].round(decimals)})


def _id_column(ids: np.ndarray) -> np.ndarray:
    ids = np.asarray(ids)
    return ids if ids.dtype.kind in "iu" else ids.astype(object)


def sorted_id_order(ids: np.ndarray) -> np.ndarray:
    """Indices that sort customer ids: numerically when all are digits, else as text."""
    ids = np.asarray(ids)
    if ids.dtype.kind in "iuf":
        return np.argsort(ids, kind="stable")
    text = ids.astype(str)
    if len(text) and np.char.str_len(text).max() <= 18 and np.char.isdigit(text).all():
        return np.lexsort((text, text.astype(np.int64)))
    return np.argsort(text, kind="stable")


def exact_sums(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per-group sums that do not depend on row order.

    Floating-point sums drift in the last bit with the order of their terms, which
    could move a customer across a score break point when rows are shuffled. Each
    value is split into a multiple of 2**-k, summed exactly as an integer, and a
    small remainder whose sum is exact for money-like values. The result is the
    correctly rounded sum, whatever the row order (and what R's long-double sums give).
    """
    bits = sum_scale_bits(float(np.abs(values).sum()))
    scale = 2.0**bits
    units = np.rint(values * scale).astype(np.int64)
    remainder = values - units / scale
    rest = np.bincount(codes, weights=remainder, minlength=n)
    del remainder  # large inputs: free each temporary as soon as it is summed
    # The integer sums, done as two float bincounts that are exact: |high| sums to at
    # most 2**35 and each low part is below 2**26, far inside float's 2**53.
    high = units >> 26
    high_sums = np.bincount(codes, weights=high, minlength=n).astype(np.int64)
    units -= high << 26  # now the low parts
    del high
    low_sums = np.bincount(codes, weights=units, minlength=n).astype(np.int64)
    whole = (high_sums << 26) + low_sums
    return whole / scale + rest


def group_codes(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row group numbers in sorted id order, and the sorted distinct ids.

    Whole-number ids in a compact range (the usual 1..N customer numbers) are grouped
    by direct addressing, which is several times faster than hashing.
    """
    ids = np.asarray(ids)
    if ids.dtype.kind in "iu" and len(ids):
        low, high = int(ids.min()), int(ids.max())
        span = high - low + 1
        if span <= 4 * len(ids) + 1024:
            offset = (ids - low).astype(np.intp)
            present = np.zeros(span, dtype=bool)
            present[offset] = True
            rank = np.cumsum(present) - 1
            return rank[offset], (np.flatnonzero(present) + low).astype(ids.dtype)
    codes, uniques = pd.factorize(ids, sort=False)
    order = sorted_id_order(uniques)
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return position[codes], np.asarray(uniques)[order]


def aggregate_transactions(
    ids: np.ndarray,
    dates: np.ndarray,
    amounts: np.ndarray,
    orders: np.ndarray | None,
    as_of: np.datetime64,
) -> pd.DataFrame:
    """Per-customer recency, frequency and monetary value from purchase lines.

    Returns lines (amount < 0) are netted into Monetary but are not purchases: they do
    not count towards Frequency or Last Purchase. Frequency counts distinct order ids
    when ``orders`` is given, else purchase lines.
    """
    codes, sorted_ids = group_codes(ids)
    n = len(sorted_ids)

    days = dates.astype("datetime64[D]").astype(np.int64)
    purchase = amounts >= 0
    last_any = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last_any, codes, days)
    last_purchase = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last_purchase, codes[purchase], days[purchase])
    last = np.where(last_purchase == np.iinfo(np.int64).min, last_any, last_purchase)
    first_any = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_any, codes, days)
    first_purchase = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_purchase, codes[purchase], days[purchase])
    first = np.where(first_purchase == np.iinfo(np.int64).max, first_any, first_purchase)

    if orders is None:
        frequency = np.bincount(codes[purchase], minlength=n)
    else:
        # Distinct (customer, order) pairs; a line without an order id is an order alone.
        order_codes, order_uniques = pd.factorize(orders[purchase])
        blank = order_codes < 0
        order_codes[blank] = len(order_uniques) + np.arange(int(blank.sum()))
        span = len(order_uniques) + int(blank.sum())
        pairs = pd.unique(codes[purchase].astype(np.int64) * span + order_codes)
        frequency = np.bincount(pairs // span, minlength=n)
    monetary = exact_sums(codes, amounts, n)
    return customer_table(sorted_ids, last, frequency, monetary, as_of, first)


def sum_scale_bits(total: float) -> int:
    """Bits of the fixed-point part in :func:`exact_sums`, from the sum of |amounts|."""
    return min(24, 61 - int(np.ceil(np.log2(total + 1.0))))


def customer_table(
    ids: np.ndarray,
    last_days: np.ndarray,
    frequency: np.ndarray,
    monetary: np.ndarray,
    as_of: object,
    first_days: np.ndarray | None = None,
) -> pd.DataFrame:
    """The per-customer table from aggregates, rows in the order of ``ids``.

    ``last_days`` (and ``first_days``, which adds First Purchase and Customer Age in
    days) count days since 1970-01-01. Shared by the in-memory reader and the
    SQL engines (:mod:`segmentation.logs.reader`), so both give the same table.
    """
    last_dates = np.asarray(last_days, dtype=np.int64).astype("datetime64[D]")
    recency = (np.datetime64(as_of, "D") - last_dates) / _DAY
    table = pd.DataFrame(
        {
            names.CUSTOMER_ID: _id_column(ids),
            names.RECENCY: recency.astype(np.int64),
            names.FREQUENCY: np.asarray(frequency).astype(np.int64),
            names.MONETARY: monetary,
            names.LAST_PURCHASE: last_dates.astype("datetime64[ns]"),
        }
    )
    if first_days is not None:
        first_dates = np.asarray(first_days, dtype=np.int64).astype("datetime64[D]")
        table[names.FIRST_PURCHASE] = first_dates.astype("datetime64[ns]")
        table[names.CUSTOMER_AGE] = ((np.datetime64(as_of, "D") - first_dates) / _DAY).astype(
            np.int64
        )
    return table


def resolve_as_of(
    as_of: object, latest: pd.Timestamp, date_format: str | None = None
) -> pd.Timestamp:
    """The analysis date: the one given (text read in ``date_format``'s order when it
    reads two ways), else the day after the latest date."""
    if as_of is None:
        return latest.normalize() + pd.Timedelta(days=1)
    return parse_as_of(as_of, date_format)
