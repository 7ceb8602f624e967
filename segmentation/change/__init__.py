"""Change over time: this period against the previous one, drift, and segment history."""

from segmentation.change.compare import PeriodChanges, PreviousPeriod, check_order, compare_periods
from segmentation.change.drift import psi

__all__ = ["PeriodChanges", "PreviousPeriod", "check_order", "compare_periods", "psi"]
