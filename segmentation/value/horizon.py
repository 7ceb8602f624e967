"""Prediction horizons ("12m", "39w", "90d") and the discounted CLV sum over them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from segmentation.defaults import HORIZON_UNITS, MAX_HORIZON_DAYS
from segmentation.errors import SegmentationError

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
_UNIT_DAYS = {"d": 1.0, "w": 7.0, "m": DAYS_PER_MONTH}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|w|m|days?|weeks?|months?)\s*$", re.IGNORECASE)
HORIZON_ALLOWED = "a number of days, weeks or months such as 90d, 39w or 12m"


@dataclass(frozen=True)
class Horizon:
    count: float
    unit: str  # "d", "w" or "m"

    @property
    def days(self) -> float:
        return self.count * _UNIT_DAYS[self.unit]

    @property
    def label(self) -> str:
        """ "12 months", "39 weeks", "1 day": how column headers name it."""
        count = f"{self.count:g}"
        noun = HORIZON_UNITS[self.unit]
        return f"{count} {noun[:-1] if self.count == 1 else noun}"

    @property
    def code(self) -> str:
        return f"{self.count:g}{self.unit}"


def parse_horizon(value: object, owner: str = "customer value") -> Horizon:
    """``"12m"``, ``"39w"``, ``"90d"`` (or ``"12 months"``) as a :class:`Horizon`."""
    if isinstance(value, Horizon):
        return value
    found = _PATTERN.match(str(value)) if value is not None else None
    horizon = Horizon(float(found.group(1)), found.group(2)[0].lower()) if found else None
    if horizon is None or not 0 < horizon.days <= MAX_HORIZON_DAYS:
        raise SegmentationError.bad_parameter(
            owner,
            "horizon",
            value,
            f"{HORIZON_ALLOWED}, up to ten years",
            label="the CLV horizon",
        )
    return horizon


def discounted_purchases(
    cumulative: Callable[[float], np.ndarray], horizon_days: float, discount_rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Expected purchases over the horizon, and the same discounted month by month.

    ``cumulative(days)`` gives each customer's expected purchases within ``days``. The
    horizon is cut into months (the last one partial); the purchases expected in month k,
    ending ``t_k`` days ahead, are discounted by ``(1 + discount_rate) ** (t_k / 365.25)``.
    """
    ends = np.arange(1, int(np.ceil(horizon_days / DAYS_PER_MONTH - 1e-9)) + 1) * DAYS_PER_MONTH
    ends = np.minimum(ends, horizon_days)
    previous = 0.0
    discounted = 0.0
    for end in ends:
        current = cumulative(float(end))
        discounted = discounted + (current - previous) / (1.0 + discount_rate) ** (
            end / DAYS_PER_YEAR
        )
        previous = current
    return np.asarray(previous), np.asarray(discounted)


def parse_rate(value: object, parameter: str) -> float:
    """A rate or share from a flag or a cell: ``0.1``, ``"10%"`` or ``"0.1"``, in 0..1."""
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        try:
            number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            number = float("nan")
    else:
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = float("nan")
    if not 0.0 <= number <= 1.0:
        raise SegmentationError.bad_parameter(
            "customer value",
            parameter,
            value,
            "a percentage from 0% to 100% (or 0 to 1)",
            label=f"the {parameter.replace('_', ' ')}",
        )
    return number
