"""The calibration/holdout check: predicted against actual repeat purchases.

When the log goes on past the analysis date, the purchases after it were not seen by
the fit. The check compares, per customer, the purchases the model expected in that
period with those that happened, in total and per segment, and tracks cumulative
repeat purchases week by week over both periods, as the papers show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation import names
from segmentation.value.history import UNIT_DAYS, PurchaseHistory
from segmentation.value.model import CustomerValueModel
from segmentation.value.purchases import expected_purchases, population_purchases

WEEK = "Week"
WEEK_ENDING = "Week Ending"
PERIOD = "Period"
ACTUAL = "Actual Repeat Purchases"
PREDICTED = "Predicted Repeat Purchases"
CUMULATIVE_ACTUAL = "Actual (cumulative)"
CUMULATIVE_PREDICTED = "Predicted (cumulative)"
CALIBRATION, HOLDOUT = "calibration", "holdout"


@dataclass
class HoldoutCheck:
    """The holdout period and the model's predictions for it.

    ``by_customer`` is the predicted and actual purchase days per customer;
    ``tracking`` the weekly cumulative repeat purchases (actual and predicted).
    """

    start: pd.Timestamp
    end: pd.Timestamp
    days: int
    predicted: float
    actual: int
    by_customer: pd.DataFrame
    tracking: pd.DataFrame

    def by_segment(self, segments: pd.Series) -> pd.DataFrame:
        """Predicted against actual holdout purchases per segment (rows as ``segments``)."""
        frame = self.by_customer.assign(segment=segments.to_numpy())
        grouped = frame.groupby("segment", observed=True, sort=True)
        table = pd.DataFrame(
            {
                names.CUSTOMERS: grouped.size(),
                PREDICTED: grouped[PREDICTED].sum(),
                ACTUAL: grouped[ACTUAL].sum(),
            }
        )
        table = table.reset_index(names=names.SEGMENT)
        table["Difference %"] = _difference(table[PREDICTED], table[ACTUAL])
        return table


def _difference(predicted, actual):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(actual > 0, (predicted - actual) / actual, np.nan)


def _day(day: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(int(day), "D"))


def holdout_check(
    model: CustomerValueModel, summary: pd.DataFrame, history: PurchaseHistory
) -> HoldoutCheck | None:
    """The check, or None when the log ends at the analysis date."""
    if history.holdout_days is None or history.holdout_end_day is None:
        return None
    unit_days = UNIT_DAYS[model.unit_]
    params = np.array([model.purchase_params_[k] for k in ("r", "alpha", "a", "b")])
    days = history.holdout_end_day - history.end_day
    x, t_x, T = (summary[c].to_numpy(np.float64) for c in ("x", "t_x", "T"))
    predicted = expected_purchases(model.purchase_model_, params, days / unit_days, x, t_x, T)
    by_customer = pd.DataFrame(
        {PREDICTED: predicted, ACTUAL: history.holdout_days}, index=summary.index
    )
    return HoldoutCheck(
        _day(history.end_day + 1),
        _day(history.holdout_end_day),
        int(days),
        float(predicted.sum()),
        int(history.holdout_days.sum()),
        by_customer,
        weekly_tracking(model, history),
    )


def weekly_tracking(model: CustomerValueModel, history: PurchaseHistory) -> pd.DataFrame:
    """Cumulative repeat purchases by week, actual and as the model expects them.

    The expectation for week k sums, over customers, the repeat purchases a new customer
    is expected to make between their first purchase and the end of week k.
    """
    low = int(history.first_track_day)
    last = int(history.holdout_end_day if history.holdout_end_day is not None else history.end_day)
    ends = np.arange(low + 6, last + 7, 7)
    ends[-1] = min(ends[-1], last)
    actual = np.cumsum(history.repeats_by_day)[ends - low]
    firsts, cohort = np.unique(history.first_day, return_counts=True)
    params = np.array([model.purchase_params_[k] for k in ("r", "alpha", "a", "b")])
    elapsed = np.clip(ends[:, None] - firsts[None, :], 0, None) / UNIT_DAYS[model.unit_]
    expected = population_purchases(model.purchase_model_, params, elapsed) @ cohort
    return pd.DataFrame(
        {
            WEEK: np.arange(1, len(ends) + 1),
            WEEK_ENDING: [_day(e) for e in ends],
            PERIOD: np.where(ends <= history.end_day, CALIBRATION, HOLDOUT),
            CUMULATIVE_ACTUAL: actual.astype(np.int64),
            CUMULATIVE_PREDICTED: expected,
        }
    )
