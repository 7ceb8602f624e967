"""The value step of a segmentation run: fit (or load) the models, predict, summarise.

A transaction log gives each customer's purchase days directly; a customer table needs
a first-purchase date column (and a last-purchase date or an analysis date), and its
mean spend per purchase stands in for the mean repeat spend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation import names
from segmentation.defaults import (
    AT_RISK_P_ALIVE,
    DISCOUNT_RATE,
    HORIZON,
    MARGIN,
    VALUE_MODEL,
    VALUE_UNIT,
)
from segmentation.errors import SegmentationError
from segmentation.reading.customers import CustomerData
from segmentation.value.history import PurchaseHistory, calibration_summary
from segmentation.value.holdout import HoldoutCheck, holdout_check
from segmentation.value.horizon import Horizon, parse_horizon
from segmentation.value.model import CustomerValueModel, check_rate, value_columns
from segmentation.value.segments import value_by_segment

# Headers a customer table's first-purchase column may have (compared ignoring case).
FIRST_PURCHASE_HEADERS = (
    "first purchase",
    "first purchase date",
    "first order",
    "first order date",
    "first transaction",
    "customer since",
    "first_purchase",
)


@dataclass
class ValueResult:
    """Customer value for one run.

    ``predictions`` has the four per-customer columns (rows as the customer table's);
    ``summary`` the models' inputs (x, t_x, T, repeat_value); ``by_segment`` maps a
    segment column to its value table; ``refit`` is False when a saved model predicted.
    """

    model: CustomerValueModel
    predictions: pd.DataFrame
    summary: pd.DataFrame
    horizon: Horizon
    discount_rate: float
    margin: float
    holdout: HoldoutCheck | None = None
    by_segment: dict[str, pd.DataFrame] = field(default_factory=dict)
    refit: bool = True
    at_risk_below: float = AT_RISK_P_ALIVE

    @property
    def clv_column(self) -> str:
        return value_columns(self.horizon.label)[names.PREDICTED_CLV]

    @property
    def purchases_column(self) -> str:
        return value_columns(self.horizon.label)[names.EXPECTED_PURCHASES]


def first_purchase_column(table: pd.DataFrame) -> str | None:
    for column in table.columns:
        if str(column).strip().lower() in FIRST_PURCHASE_HEADERS:
            return column
    return None


def _table_history(data: CustomerData) -> tuple[PurchaseHistory, str | None]:
    """Purchase histories from a customer table with a first-purchase date column."""
    table = data.table
    column = first_purchase_column(table)
    if column is None:
        raise SegmentationError(
            "Customer value needs each customer's first purchase date: read a transaction "
            "log, or add a 'First Purchase' date column to the customer table."
        )
    if data.as_of is None:
        raise SegmentationError(
            "Customer value from a customer table needs an analysis date, to know how long "
            "each customer has been observed.",
            fix="Set {as_of}.",
            suggest={"as_of": "the day after the data ends"},
        )
    first = pd.to_datetime(table[column], errors="coerce")
    if first.isna().any():
        raise SegmentationError(
            f"Column '{column}' has cells that are not dates; customer value needs a first "
            "purchase date for every customer. Fill them in."
        )
    as_of_day = int(np.datetime64(data.as_of, "D").astype(np.int64))
    first_day = first.to_numpy().astype("datetime64[D]").astype(np.int64)
    if names.LAST_PURCHASE in table:
        last = table[names.LAST_PURCHASE].to_numpy().astype("datetime64[D]").astype(np.int64)
    else:
        last = as_of_day - table[names.RECENCY].to_numpy(np.int64)
    frequency = table[names.FREQUENCY].to_numpy(np.float64)
    # No per-purchase values: the mean spend per purchase stands in for the repeat mean.
    spend = table[names.MONETARY].to_numpy(np.float64) / np.maximum(frequency, 1)
    repeat_spend = spend * np.maximum(frequency - 1, 0)
    return PurchaseHistory(
        first_day, last, frequency.astype(np.int64), repeat_spend, as_of_day - 1
    ), column


def customer_history(data: CustomerData) -> PurchaseHistory:
    """The purchase histories of ``data``'s customers, rows as ``data.table``'s."""
    if isinstance(data.purchases, PurchaseHistory):
        return data.purchases
    if data.purchases is not None:
        return data.purchases.history(data.table[names.CUSTOMER_ID].to_numpy(), data.as_of)
    return _table_history(data)[0]


def estimate_value(
    data: CustomerData,
    *,
    saved: CustomerValueModel | None = None,
    value_model: str = VALUE_MODEL,
    unit: str = VALUE_UNIT,
    horizon: object = HORIZON,
    discount_rate: float = DISCOUNT_RATE,
    margin: float = MARGIN,
) -> ValueResult:
    """Fit the value models on ``data`` (or predict with ``saved``) and predict."""
    span = parse_horizon(horizon)
    rate = check_rate("discount_rate", discount_rate, 0.0, 1.0)
    margin = check_rate("margin", margin, 0.0, 1.0)
    history = customer_history(data)
    unit = saved.unit_ if saved is not None else unit
    summary = calibration_summary(
        history.purchase_days, history.first_day, history.last_day, history.repeat_spend,
        history.end_day, unit,
    )  # fmt: skip
    summary.index = data.table.index
    if saved is None:
        holdout = None
        if history.holdout_days is not None:
            holdout = pd.Series(history.holdout_days, index=summary.index)
            holdout.attrs["length"] = (history.holdout_end_day - history.end_day) / (
                7.0 if unit == "weeks" else 1.0
            )
        model = CustomerValueModel(value_model, unit=unit).fit(summary, holdout)
    else:
        model = saved
    predictions = model.predict(summary, horizon=span, discount_rate=rate, margin=margin)
    check = holdout_check(model, summary, history) if saved is None else None
    return ValueResult(model, predictions, summary, span, rate, margin, check, refit=saved is None)


def summarise_segments(
    value: ValueResult, customers: pd.DataFrame, segment_columns: list[str]
) -> None:
    """Fill ``value.by_segment`` for each segment column present in ``customers``."""
    wanted = [value.clv_column, names.P_ALIVE]
    table = (
        customers if set(wanted) <= set(customers) else customers.join(value.predictions[wanted])
    )
    for column in segment_columns:
        if column in table:
            value.by_segment[column] = value_by_segment(
                table, column, value.clv_column, at_risk_below=value.at_risk_below
            )
