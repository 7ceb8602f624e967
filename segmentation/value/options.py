"""The value step's options, and the step as a segmentation run calls it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pandas as pd

from segmentation import names
from segmentation.defaults import (
    AT_RISK_P_ALIVE,
    DISCOUNT_RATE,
    HORIZON,
    MARGIN,
    PRIORITY_BY,
    VALUE_MODEL,
    VALUE_MODELS,
    VALUE_UNIT,
    VALUE_UNITS,
)
from segmentation.errors import SegmentationError, SegmentationWarning
from segmentation.reading.customers import CustomerData
from segmentation.value.horizon import parse_horizon
from segmentation.value.model import check_rate
from segmentation.value.segments import add_value_to_profile
from segmentation.value.step import (
    ValueResult,
    estimate_value,
    first_purchase_column,
    summarise_segments,
)

NOT_ESTIMATED = "Customer value was not estimated:"


@dataclass
class ValueOptions:
    """How customer value is estimated in a run (all optional; value is on by default).

    ``priority_by="clv"`` orders segment priorities by total predicted CLV instead of
    past revenue. ``at_risk_below`` is the P(alive) under which a customer's predicted
    CLV counts as value at risk.
    """

    enabled: bool = True
    model: str = VALUE_MODEL
    unit: str = VALUE_UNIT
    horizon: object = HORIZON
    discount_rate: float = DISCOUNT_RATE
    margin: float = MARGIN
    at_risk_below: float = AT_RISK_P_ALIVE
    priority_by: str = "revenue"

    def check(self) -> None:
        """Bad settings are errors, whether or not the data can support a model."""
        owner = "segment_customers"
        if self.model not in VALUE_MODELS:
            raise SegmentationError.bad_parameter(
                owner,
                "value_model",
                self.model,
                "one of " + ", ".join(VALUE_MODELS),
                label="the value model",
            )
        if self.unit not in VALUE_UNITS:
            raise SegmentationError.bad_parameter(
                owner, "unit", self.unit, "weeks or days", label="the time unit"
            )
        if self.priority_by not in PRIORITY_BY:
            raise SegmentationError.bad_parameter(
                owner,
                "priority_by",
                self.priority_by,
                "revenue or clv",
                label="what segments are prioritised by",
            )
        parse_horizon(self.horizon, owner)
        check_rate("discount_rate", self.discount_rate, 0.0, 1.0)
        check_rate("margin", self.margin, 0.0, 1.0)
        check_rate("at_risk_below", self.at_risk_below, 0.0, 1.0)

    def settings(self) -> dict:
        return {
            "value": self.enabled,
            "value_model": self.model,
            "value_unit": self.unit,
            "horizon": parse_horizon(self.horizon).code,
            "discount_rate": float(self.discount_rate),
            "margin": float(self.margin),
            "at_risk_below": float(self.at_risk_below),
            "priority_by": self.priority_by,
        }

    def add_to_profiles(
        self,
        value: ValueResult,
        customers: pd.DataFrame,
        rfm_profile: pd.DataFrame | None,
        cluster_profile: pd.DataFrame | None,
    ) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
        """Value per segment and per cluster, joined onto their profiles."""
        summarise_segments(value, customers, [names.RFM_SEGMENT, names.CLUSTER_NAME])
        by_clv = self.priority_by == "clv"
        if rfm_profile is not None:
            rfm_profile = add_value_to_profile(
                rfm_profile, value.by_segment[names.RFM_SEGMENT], priority_by_clv=by_clv
            )
        if cluster_profile is not None:
            cluster_profile = add_value_to_profile(
                cluster_profile, value.by_segment[names.CLUSTER_NAME], priority_by_clv=by_clv
            )
        return rfm_profile, cluster_profile


def value_step(
    data: CustomerData, saved_model: object, options: ValueOptions
) -> tuple[ValueResult | None, str | None]:
    """Customer value for a run, or None and the reason it was not estimated.

    Data that cannot support the models gives a warning and a note, never an error:
    RFM scores and clusters still run.
    """
    options.check()
    if not options.enabled:
        return None, "Customer value was turned off."
    saved = getattr(saved_model, "value", None)
    if saved_model is not None and saved is None:
        return None, (
            f"{NOT_ESTIMATED} the saved model has no value model. Fit and save a new model "
            "to predict customer value with it."
        )
    if data.kind == "customers" and first_purchase_column(data.table) is None:
        return None, (
            f"{NOT_ESTIMATED} a customer table needs a 'First Purchase' date column for it "
            "(or use the transaction log)."
        )
    try:
        result = estimate_value(
            data,
            saved=saved,
            value_model=options.model,
            unit=options.unit,
            horizon=options.horizon,
            discount_rate=options.discount_rate,
            margin=options.margin,
        )
    except SegmentationError as exc:
        note = f"{NOT_ESTIMATED} {exc.what[0].lower()}{exc.what[1:]}"
        note = note.replace(f"{NOT_ESTIMATED} customer value cannot be estimated:", NOT_ESTIMATED)
        warnings.warn(
            note + " RFM segments and clusters are unaffected.", SegmentationWarning, stacklevel=3
        )
        return None, note
    result.at_risk_below = options.at_risk_below
    return result, None
