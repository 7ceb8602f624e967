"""Layouts of the campaign sheets: the customer list with its power check, the readout
with its lift chart, and the hidden list of campaigns the add-in keeps."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from addin import names
from addin.sheets.layout import PERCENT, Block, Chart, SheetLayout, auto_widths
from segmentation.campaigns import power, readout
from segmentation.campaigns.plan import CampaignPlan
from segmentation.campaigns.readout import Readout

RECORD_HEADER = "Campaign record (JSON)"
NAME_HEADER = "Campaign"
FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\']")
MAX_NAME = 31 - len(names.READOUT_PREFIX)  # Excel: sheet names of at most 31 characters

P_VALUE = "0.0000"
POINTS = "0.0%"
MONEY = "#,##0.00"


def sheet_names_for(campaign: str) -> tuple[str, str, str]:
    """The campaign's sheet, its readout sheet and its Excel Table name."""
    table = "Campaign_" + re.sub(r"\W", "_", campaign.strip(), flags=re.ASCII)
    return (f"{names.CAMPAIGN_PREFIX}{campaign}", f"{names.READOUT_PREFIX}{campaign}", table)


def campaign_layout(plan: CampaignPlan, record: dict) -> SheetLayout:
    """The customer list (id, segment, group, contacts) below the power check."""
    sheet, _, table_name = sheet_names_for(plan.name)
    opted = (
        f" {plan.opted_out:,} customers who opted out (column '{plan.consent.header}') are "
        "left out."
        if plan.consent is not None
        else " No opt-out or consent column was found: every customer of these segments is in."
    )
    notes = [
        f"{len(plan.customers):,} customers of {', '.join(plan.segments)}; control share "
        f"{plan.control_share:.0%} in each segment (seed {plan.seed}), drawn "
        f"{record['drawn']}.{opted}",
        f"Before launch: the smallest lift each test can detect at 80% power and 5% "
        f"significance, for a baseline response rate of {plan.baseline:.1%}. Keep the Control "
        "group out of the campaign.",
    ]
    layout = SheetLayout(sheet, f"Campaign: {plan.name}", notes)
    checks = plan.power.copy()
    checks[power.ADVICE] = checks[power.ADVICE].replace("", "ok")
    power_block = Block(
        "power",
        checks,
        row=5,
        title="Can the test see a lift?",
        number_formats={power.SHARE: PERCENT, power.MDE: POINTS, power.RELATIVE_MDE: "0%"},
        fit_width=False,
    )
    customers = Block(
        "customers",
        plan.customers,
        row=power_block.last_row + 4,
        title="Customers in the campaign",
        table_name=table_name,
    )
    layout.blocks += [power_block, customers]
    widths = auto_widths(SheetLayout("", "", blocks=[customers]))
    for column in range(1, len(checks.columns) + 1):
        widths[column] = max(widths.get(column, 0), 14.0)
    widths[1] = max(widths.get(1, 0), 22.0)
    layout.column_widths = widths
    return layout


# The readout columns an analyst reads first, with their formats.
READOUT_FORMATS = {
    readout.RATE_T: PERCENT, readout.RATE_C: PERCENT, readout.LIFT: POINTS,
    readout.RELATIVE: "0%", readout.CI_LOW: POINTS, readout.CI_HIGH: POINTS,
    readout.P_VALUE: P_VALUE, readout.ADJUSTED: P_VALUE, readout.REVENUE_T: MONEY,
    readout.REVENUE_C: MONEY, readout.REVENUE_LIFT: MONEY, readout.REVENUE_LOW: MONEY,
    readout.REVENUE_HIGH: MONEY, readout.REVENUE_P: P_VALUE, readout.SRM_P: P_VALUE,
}  # fmt: skip
CHART_LIFT, CHART_BELOW, CHART_ABOVE = "Lift", "Interval below", "Interval above"


def _formats(frame: pd.DataFrame, formats: dict[str, str]) -> dict[str, str]:
    """The formats of ``frame``'s own columns (every writer formats only those)."""
    return {c: f for c, f in formats.items() if c in frame.columns}


RESPONSE_COLUMNS = (
    readout.SEGMENT, readout.TREATED, readout.CONTROL, readout.RESPONDERS_T,
    readout.RESPONDERS_C, readout.RATE_T, readout.RATE_C, readout.LIFT, readout.RELATIVE,
    readout.CI_LOW, readout.CI_HIGH, readout.P_VALUE, readout.TEST, readout.ADJUSTED,
    readout.SIGNIFICANT,
)  # fmt: skip
REVENUE_COLUMNS = (
    readout.SEGMENT, readout.REVENUE_T, readout.REVENUE_C, readout.REVENUE_LIFT,
    readout.REVENUE_LOW, readout.REVENUE_HIGH, readout.REVENUE_P,
)  # fmt: skip
PLANNED, ACTUAL = "Planned control share", "Actual control share"


def _value_range(low: pd.Series, high: pd.Series) -> tuple[float, float] | None:
    """An axis range that shows every interval, in whole 5-point steps, with 0 inside."""
    values = pd.concat([low, high]).to_numpy(float)
    values = values[np.isfinite(values)]
    if not len(values):
        return None
    step = 0.05
    bottom = min(0.0, np.floor(values.min() / step) * step)
    top = max(0.0, np.ceil(values.max() / step) * step)
    return (float(bottom), float(top if top > bottom else bottom + step))


def readout_layout(result: Readout, campaign: str, source: str, record: dict) -> SheetLayout:
    """Per segment and overall: response, revenue and group-size blocks; the lift chart."""
    _, sheet, table_name = sheet_names_for(campaign)
    table = result.table
    notes = [
        f"Responses from {source}, matched to the {int(table[readout.TREATED].iloc[-1]):,} "
        f"treated and {int(table[readout.CONTROL].iloc[-1]):,} control customers of campaign "
        f"'{campaign}' (control share {result.control_share:.0%}, drawn {record['drawn']}).",
        "Lift = treated minus control response rate, with its 95% interval; p-values from the "
        "two-proportion z-test (Fisher's exact test for small counts), adjusted across "
        "segments by Benjamini-Hochberg.",
        *result.notes,
    ]
    layout = SheetLayout(sheet, f"Readout: {campaign}", notes)
    frame = table[list(RESPONSE_COLUMNS)]
    response = Block("readout", frame, row=len(notes) + 3, title="Response",
                     table_name=f"Readout_{table_name[9:]}",
                     number_formats=_formats(frame, READOUT_FORMATS))  # fmt: skip
    layout.blocks.append(response)
    below = response.last_row + 3
    if readout.REVENUE_T in table.columns:
        frame = table[list(REVENUE_COLUMNS)]
        revenue = Block("revenue", frame, row=below, title="Revenue per customer (Welch's t-test)",
                        number_formats=_formats(frame, READOUT_FORMATS))  # fmt: skip
        layout.blocks.append(revenue)
        below = revenue.last_row + 3
    total = table[readout.TREATED] + table[readout.CONTROL]
    sizes = pd.DataFrame(
        {
            readout.SEGMENT: table[readout.SEGMENT],
            readout.TREATED: table[readout.TREATED],
            readout.CONTROL: table[readout.CONTROL],
            PLANNED: result.control_share,
            ACTUAL: table[readout.CONTROL] / total.where(total > 0),
            readout.SRM_P: table[readout.SRM_P],
            readout.SRM_OK: table[readout.SRM_OK],
        }
    )
    formats = _formats(sizes, {PLANNED: PERCENT, ACTUAL: PERCENT, **READOUT_FORMATS})
    checks = Block("sample_ratio", sizes, row=below, title="Sample ratio check",
                   number_formats=formats)  # fmt: skip
    layout.blocks.append(checks)
    segments = table.iloc[:-1] if len(table) > 2 else table
    chart_data = pd.DataFrame(
        {
            readout.SEGMENT: segments[readout.SEGMENT],
            CHART_LIFT: segments[readout.LIFT],
            CHART_BELOW: segments[readout.LIFT] - segments[readout.CI_LOW],
            CHART_ABOVE: segments[readout.CI_HIGH] - segments[readout.LIFT],
        }
    ).reset_index(drop=True)
    data_row = checks.last_row + 4
    data = Block("lift_chart_data", chart_data, row=data_row, title="Lift per segment",
                 number_formats=dict.fromkeys(chart_data.columns[1:], POINTS))  # fmt: skip
    layout.blocks.append(data)
    layout.charts.append(
        Chart(
            "bar",
            "Lift in response rate per segment (95% interval)",
            "lift_chart_data",
            readout.SEGMENT,
            (CHART_LIFT,),
            data_row - 1,
            6,
            y_title="Lift (percentage points)",
            percent=True,
            error_bars=(CHART_BELOW, CHART_ABOVE),
            value_range=_value_range(segments[readout.CI_LOW], segments[readout.CI_HIGH]),
            height_cm=max(6.0, 1.4 * len(chart_data) + 4.0),
        )
    )
    widths = {**auto_widths(layout), 1: 26.0}
    for column in range(2, len(RESPONSE_COLUMNS) + 1):
        widths[column] = min(max(widths.get(column, 10.0), 11.0), 14.0)
    layout.column_widths = widths
    return layout


def registry_layout(records: list[dict]) -> SheetLayout:
    """The hidden list of campaigns: name and record, for the add-in to find them again."""
    frame = pd.DataFrame(
        {
            NAME_HEADER: [r["name"] for r in records],
            RECORD_HEADER: [json.dumps(r, sort_keys=True, default=str) for r in records],
        }
    )
    layout = SheetLayout(
        names.CAMPAIGNS_SHEET,
        "Campaigns",
        ["The campaigns drawn in this workbook, for the add-in's readouts. Do not edit."],
        hidden=True,
    )
    layout.blocks.append(Block("campaigns", frame, row=4))
    layout.column_widths = {1: 30, 2: 100}
    return layout


def read_registry(rows: list[list[object]] | None) -> list[dict]:
    """The campaign records of the hidden sheet; [] when there is none."""
    if not rows:
        return []
    for i, row in enumerate(rows):
        cells = list(row)
        if RECORD_HEADER in cells:
            column = cells.index(RECORD_HEADER)
            records = []
            for later in rows[i + 1 :]:
                cell = later[column] if column < len(later) else None
                if cell in (None, ""):
                    break
                try:
                    record = json.loads(str(cell))
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict) and "name" in record:
                    records.append(record)
            return records
    return []
