"""Customer value in the `segment run` printout: per segment, and the model used."""

from __future__ import annotations

import pandas as pd

from segmentation import names
from segmentation.api import SegmentationResult
from segmentation.value.model import MODEL_TITLES


def value_texts(profile: pd.DataFrame) -> list[str]:
    """Per profile row, the text after revenue: CLV share, mean CLV, mean P(alive)."""
    if names.TOTAL_CLV not in profile:
        return [""] * len(profile)
    return [
        f"   CLV {share:>6.1%}  mean {mean:>10,.2f}  P(alive) {alive:.2f}"
        for share, mean, alive in zip(
            profile[names.SHARE_CLV], profile[names.MEAN_CLV], profile[names.MEAN_P_ALIVE]
        )
    ]


def value_summary(result: SegmentationResult) -> str:
    """One paragraph: the value model used and the total predicted CLV, or why none."""
    value = result.value
    if value is None:
        return f"\n{result.value_note}\n" if result.value_note else ""
    model = value.model
    total = float(value.predictions[value.clv_column].sum())
    text = (
        f"\nCustomer value: {MODEL_TITLES[model.purchase_model_]} ({model.choice_}) and "
        f"Gamma-Gamma; predicted CLV over {value.horizon.label}: {total:,.2f} in total."
    )
    if value.holdout is not None:
        check = value.holdout
        text += (
            f"\n  Holdout check {check.start.date()} to {check.end.date()}: "
            f"{check.predicted:,.1f} repeat purchases predicted, {check.actual:,} made."
        )
    return text + "\n"
