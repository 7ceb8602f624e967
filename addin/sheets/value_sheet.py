"""The Customer Value sheet: the fitted models, value per segment, the holdout check."""

from __future__ import annotations

import pandas as pd

from addin.names import VALUE_SEGMENTS_TABLE, VALUE_SHEET, VALUE_TRACKING_TABLE
from addin.sheets.layout import DATE, MONEY, PERCENT, Block, Chart, SheetLayout
from segmentation import names as columns
from segmentation.api import SegmentationResult
from segmentation.value import holdout as check
from segmentation.value.model import MODEL_TITLES

PROBABILITY = "0.00"
PARAMETER = "0.0000"
_TITLES = {
    "r": "r (purchase rate shape)",
    "alpha": "alpha (purchase rate scale)",
    "a": "a (drop-out shape)",
    "b": "b (drop-out shape)",
    "p": "p (spend shape)",
    "q": "q (spend scale shape)",
    "gamma": "gamma (spend scale)",
}


def _figures(result: SegmentationResult) -> pd.DataFrame:
    value = result.value
    model = value.model
    title = MODEL_TITLES[model.purchase_model_]
    rows: list[tuple[str, object]] = [(f"Purchase model: {title}", "")]
    rows += [(_TITLES[k], v) for k, v in model.purchase_params_.items()]
    rows.append((f"Log-likelihood ({title})", model.log_likelihood_))
    for other, entry in model.candidates_.items():
        if other != model.purchase_model_:
            rows.append((f"Log-likelihood ({MODEL_TITLES[other]})", entry["log_likelihood"]))
    rows.append(("Spend model: Gamma-Gamma", ""))
    rows += [(_TITLES[k], v) for k, v in model.spend_params_.items()]
    rows.append(("Log-likelihood (Gamma-Gamma)", model.spend_log_likelihood_))
    rows += [
        ("Customers fitted", f"{model.customers_:,}"),
        ("Repeat buyers", f"{model.repeat_buyers_:,}"),
        ("Repeat buyers in the spend fit", f"{model.spend_customers_:,}"),
        ("Time unit", model.unit_),
        ("Horizon", value.horizon.label),
        ("Discount rate (annual)", f"{value.discount_rate:.1%}"),
        ("Margin", f"{value.margin:.0%}"),
        ("Value at risk: P(Alive) below", f"{value.at_risk_below:.0%}"),
    ]
    return pd.DataFrame(rows, columns=["Figure", "Value"])


def _segment_table(result: SegmentationResult) -> tuple[pd.DataFrame, str] | None:
    value = result.value
    for column, kind in ((columns.RFM_SEGMENT, "RFM segment"), (columns.CLUSTER_NAME, "cluster")):
        if column in value.by_segment:
            table = value.by_segment[column].reset_index()
            sizes = result.customers[column].value_counts()
            table.insert(1, columns.CUSTOMERS, table[columns.SEGMENT].map(sizes).to_numpy())
            table = table.sort_values(columns.TOTAL_CLV, ascending=False, kind="stable")
            return table.reset_index(drop=True), kind
    return None


def value_sheet(result: SegmentationResult) -> SheetLayout:
    """The fitted parameters, value per segment, and predicted against actual purchases
    after the analysis date when the log has them (with the weekly tracking chart).

    Small figures run down columns A-B; tables and their charts sit from column D.
    """
    value = result.value
    model = value.model
    fitted = "Fitted on this data" if value.refit else "Predicted with the saved model"
    notes = [
        f"{fitted}: {MODEL_TITLES[model.purchase_model_]} ({model.choice_}) for purchases, "
        f"Gamma-Gamma for spend. {columns.PREDICTED_CLV} over {value.horizon.label}, "
        f"discounted at {value.discount_rate:.0%} a year, margin {value.margin:.0%}.",
        f"{columns.PREDICTED_CLV} = margin x {columns.EXPECTED_ORDER_VALUE} x the sum over "
        "months k of the purchases expected in month k / (1 + rate) ^ (end of month k in years).",
    ]
    layout = SheetLayout(VALUE_SHEET, "Customer Value", notes)
    figures = _figures(result)
    layout.blocks.append(
        Block("figures", figures, 5, 1, number_formats={"Value": PARAMETER}, fit_width=False)
    )
    left_row = 5 + len(figures) + 3  # next free row in columns A-B
    right_row = 5  # ... and from column D
    segments = _segment_table(result)
    if segments is not None:
        table, kind = segments
        block = Block(
            "value_segments",
            table,
            right_row,
            4,
            table_name=VALUE_SEGMENTS_TABLE,
            number_formats={
                columns.TOTAL_CLV: MONEY,
                columns.MEAN_CLV: MONEY,
                columns.SHARE_CLV: PERCENT,
                columns.MEAN_P_ALIVE: PROBABILITY,
                columns.VALUE_AT_RISK: MONEY,
            },
        )
        layout.blocks.append(block)
        layout.charts.append(
            Chart(
                "bar",
                f"{columns.PREDICTED_CLV} and value at risk by {kind}",
                "value_segments",
                columns.SEGMENT,
                (columns.TOTAL_CLV, columns.VALUE_AT_RISK),
                block.last_row + 2,
                4,
                y_title=columns.PREDICTED_CLV,
                height_cm=10.0,
            )
        )
        right_row = block.last_row + 24
    if value.holdout is not None:
        _holdout_blocks(layout, result, left_row, right_row)
    layout.column_widths = {1: 34, 2: 16, 3: 3}
    return layout


def _holdout_blocks(
    layout: SheetLayout, result: SegmentationResult, left_row: int, right_row: int
) -> None:
    holdout = result.value.holdout
    difference = (holdout.predicted - holdout.actual) / holdout.actual if holdout.actual else None
    totals = pd.DataFrame(
        {
            "Holdout check": ["From", "To", "Days", "Predicted", "Actual", "Difference"],
            "Value": [
                str(holdout.start.date()),
                str(holdout.end.date()),
                holdout.days,
                f"{holdout.predicted:,.1f}",
                f"{holdout.actual:,}",
                f"{difference:+.1%}" if difference is not None else "",
            ],
        }
    )
    layout.blocks.append(
        Block(
            "holdout",
            totals,
            left_row,
            1,
            title="Repeat purchases after the analysis date",
            fit_width=False,
        )
    )
    segment_column = next(
        (c for c in (columns.RFM_SEGMENT, columns.CLUSTER_NAME) if c in result.customers), None
    )
    if segment_column is not None:
        per_segment = holdout.by_segment(result.customers[segment_column])
        per_segment = per_segment.sort_values(check.PREDICTED, ascending=False, kind="stable")
        block = Block(
            "holdout_segments",
            per_segment,
            right_row,
            4,
            title="Holdout check per segment",
            number_formats={check.PREDICTED: "#,##0.0", "Difference %": PERCENT},
        )
        layout.blocks.append(block)
        right_row = block.last_row + 3
    layout.charts.append(
        Chart(
            "line",
            "Cumulative repeat purchases by week: actual and predicted",
            "tracking",
            check.WEEK,
            (check.CUMULATIVE_ACTUAL, check.CUMULATIVE_PREDICTED),
            right_row,
            4,
            x_title="Week",
            y_title="Repeat purchases",
            width_cm=18.0,
            height_cm=9.0,
        )
    )
    right_row += 20
    layout.blocks.append(
        Block(
            "tracking",
            holdout.tracking,
            right_row,
            4,
            title="Cumulative repeat purchases by week (calibration, then holdout)",
            table_name=VALUE_TRACKING_TABLE,
            number_formats={check.WEEK_ENDING: DATE, check.CUMULATIVE_PREDICTED: "#,##0.0"},
        )
    )
