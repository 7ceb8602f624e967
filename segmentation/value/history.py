"""Each customer's purchase days, from a transaction log, as the value models count them.

The papers' conventions: purchases on the same day count once (a purchase day is a day
with at least one line of zero or positive amount); x is the number of purchase days
after the first; t_x is the last minus the first purchase day; T runs from the first
purchase day to the last day of the calibration period, the day before the analysis
date (transactions on or after the analysis date are not part of the calibration; when
the log goes on, they make the holdout check).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.errors import SegmentationError
from segmentation.reading.aggregate import exact_sums

UNIT_DAYS = {"weeks": 7.0, "days": 1.0}


@dataclass
class PurchaseHistory:
    """Per-customer purchase days, rows aligned with the customer table.

    Days count from 1970-01-01. ``end_day`` is the calibration's last day (the day before
    the analysis date). ``holdout_*`` describe purchases after it, when the log has them.
    ``repeats_by_day`` counts, per day from ``first_track_day``, the repeat purchase days of
    the table's customers, calibration and holdout alike (the tracking chart).
    """

    first_day: np.ndarray
    last_day: np.ndarray
    purchase_days: np.ndarray
    repeat_spend: np.ndarray
    end_day: int
    holdout_days: np.ndarray | None = None
    holdout_end_day: int | None = None
    repeats_by_day: np.ndarray | None = None
    first_track_day: int | None = None

    def summary(self, unit: str = "weeks") -> pd.DataFrame:
        """x, t_x, T (in ``unit``) and the mean value of the repeat purchases."""
        return calibration_summary(
            self.purchase_days, self.first_day, self.last_day, self.repeat_spend,
            self.end_day, unit,
        )  # fmt: skip


def calibration_summary(
    purchase_days: np.ndarray,
    first_day: np.ndarray,
    last_day: np.ndarray,
    repeat_spend: np.ndarray,
    end_day: int | np.ndarray,
    unit: str = "weeks",
) -> pd.DataFrame:
    """The models' inputs: ``x``, ``t_x``, ``T`` in ``unit`` and ``repeat_value`` (mean)."""
    if unit not in UNIT_DAYS:
        raise SegmentationError.bad_parameter(
            "calibration_summary", "unit", unit, "weeks or days", label="the time unit"
        )
    days = UNIT_DAYS[unit]
    x = np.maximum(np.asarray(purchase_days, dtype=np.float64) - 1, 0)
    first = np.asarray(first_day, dtype=np.float64)
    t_x = (np.asarray(last_day, dtype=np.float64) - first) / days
    T = (np.asarray(end_day, dtype=np.float64) - first) / days
    if np.any(T < 0):
        raise SegmentationError(
            "The analysis date is before some customers' first purchase, so their time as "
            "customers would be negative. Choose an analysis date after the first purchases.",
            fix="Set {as_of} to a later date.",
            suggest={"as_of": "a later date"},
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(x > 0, np.asarray(repeat_spend, dtype=np.float64) / np.maximum(x, 1), 0.0)
    return pd.DataFrame({"x": x, "t_x": t_x, "T": T, "repeat_value": value})


def purchase_history(
    codes: np.ndarray, days: np.ndarray, amounts: np.ndarray, n: int, as_of_day: int
) -> PurchaseHistory:
    """Purchase days per customer from purchase lines.

    ``codes`` gives each line's customer row (0..n-1; -1 for customers not in the table),
    ``days`` its day number, ``amounts`` its amount. Lines on or after ``as_of_day`` form
    the holdout period.
    """
    codes = np.asarray(codes, dtype=np.int64)
    days = np.asarray(days, dtype=np.int64)
    amounts = np.asarray(amounts, dtype=np.float64)
    known = codes >= 0
    codes, days, amounts = codes[known], days[known], amounts[known]
    low = int(days.min()) if len(days) else 0
    span = (int(days.max()) - low + 1) if len(days) else 1
    calibration = days < as_of_day
    purchase = amounts >= 0

    # Distinct (customer, purchase day) pairs, sorted by customer then day.
    pairs = np.unique(codes[purchase] * span + (days[purchase] - low))
    pair_customer, pair_day = pairs // span, pairs % span + low
    in_calibration = pair_day < as_of_day
    cal_customer, cal_day = pair_customer[in_calibration], pair_day[in_calibration]
    purchase_days = np.bincount(cal_customer, minlength=n)
    first_day = np.full(n, as_of_day - 1, dtype=np.int64)
    last_day = np.full(n, as_of_day - 1, dtype=np.int64)
    if len(cal_customer):
        starts = np.r_[True, cal_customer[1:] != cal_customer[:-1]]
        ends = np.r_[cal_customer[1:] != cal_customer[:-1], True]
        first_day[cal_customer[starts]] = cal_day[starts]
        last_day[cal_customer[ends]] = cal_day[ends]
    # A customer with returns only has no purchase day: the first line's day stands in.
    no_purchase = purchase_days == 0
    if no_purchase.any():
        earliest = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(earliest, codes[calibration], days[calibration])
        first_day[no_purchase] = last_day[no_purchase] = earliest[no_purchase]

    # Net spend of every line after the first purchase day, returns included.
    later = calibration & (days > first_day[codes])
    repeat_spend = exact_sums(codes[later], amounts[later], n) if later.any() else np.zeros(n)

    history = PurchaseHistory(first_day, last_day, purchase_days, repeat_spend, as_of_day - 1)
    repeat_pair = pair_day > first_day[pair_customer]
    history.first_track_day = low
    history.repeats_by_day = np.bincount(pair_day[repeat_pair] - low, minlength=span)
    if not calibration.all():
        history.holdout_days = np.bincount(pair_customer[~in_calibration], minlength=n)
        history.holdout_end_day = int(days.max())
    return history


@dataclass
class PurchaseLines:
    """A log's complete purchase lines (customer id, date, amount), dated before and
    after the analysis date alike: what a purchase history is built from."""

    ids: np.ndarray
    dates: np.ndarray
    amounts: np.ndarray

    def history(self, customer_ids: pd.Index | np.ndarray, as_of: object) -> PurchaseHistory:
        """Histories for ``customer_ids`` (the table's rows) with the analysis date
        ``as_of``: lines before it are the calibration, lines after it the holdout."""
        index = pd.Index(customer_ids)
        codes = index.get_indexer(self.ids)
        days = self.dates.astype("datetime64[D]").astype(np.int64)
        as_of_day = int(np.datetime64(pd.Timestamp(as_of), "D").astype(np.int64))
        return purchase_history(codes, days, self.amounts, len(index), as_of_day)


def history_from_log(
    frame: pd.DataFrame,
    customer_id: str,
    date: str,
    amount: str,
    *,
    as_of: object = None,
) -> tuple[pd.Index, PurchaseHistory]:
    """Customer ids (sorted) and their purchase histories from a clean transaction table.

    ``as_of`` is the analysis date, the first day after the calibration period (by
    default the day after the last transaction). For messy input, read the table with
    :func:`segmentation.read_customers`, which keeps its lines in ``purchases``.
    """
    dates = pd.to_datetime(frame[date]).to_numpy().astype("datetime64[D]")
    as_of_ts = (
        pd.Timestamp(dates.max()) + pd.Timedelta(days=1)
        if as_of is None
        else pd.Timestamp(as_of).normalize()
    )
    calibration = dates < np.datetime64(as_of_ts, "D")
    if not calibration.any():
        raise SegmentationError(
            f"Every transaction is dated on or after the analysis date {as_of_ts.date()}. "
            "Choose a later analysis date.",
            fix="Set {as_of} to a later date.",
            suggest={"as_of": "a later date"},
        )
    ids = pd.Index(frame[customer_id].to_numpy()[calibration]).unique().sort_values()
    lines = PurchaseLines(frame[customer_id].to_numpy(), dates, frame[amount].to_numpy())
    return ids, lines.history(ids, as_of_ts)
