"""The `Segmentation Settings` sheet: one contract for the command line, ribbon and UDFs.

The sheet is a two-column list (label in column A, value in column B) followed by an
editable segment map, the Excel Table ``SegmentMap``. Settings are found by their label,
wherever the row is. In the templates each value cell also has a defined name
(``seg_Bins``, ...) for people and formulas; the sheet the Settings button adds has none.
Everything on it is data: values, never code or paths.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from addin import names
from addin.errors import WorkbookError
from segmentation import defaults
from segmentation.rfm.presets import MAP_COLUMNS
from segmentation.rfm.segment_maps import SegmentMap

SEGMENT_MAP_TABLE = "SegmentMap"
LABEL_COLUMN, VALUE_COLUMN = "A", "B"
FIRST_SETTING_ROW = 4


@dataclass(frozen=True)
class Setting:
    key: str  # RunOptions field it sets
    label: str  # text in column A
    defined_name: str  # the value cell's name
    default: object
    help: str
    choices: tuple[str, ...] = ()
    low: int | None = None
    high: int | None = None
    kind: str = "choice"  # choice | int | date | text | yesno


_CLUSTERS = f"{defaults.MIN_CLUSTERS} to {defaults.MAX_CLUSTERS}"

SETTINGS = (
    Setting("method", "Method", "seg_Method", defaults.METHOD,
            "rfm: RFM scores and named segments; cluster: behavioural clusters; both.",
            choices=defaults.METHODS),
    Setting("n_bins", "Score bins", "seg_Bins", defaults.N_BINS,
            f"Scores per R, F and M dimension ({defaults.MIN_BINS} to {defaults.MAX_BINS}).",
            low=defaults.MIN_BINS, high=defaults.MAX_BINS, kind="int"),
    Setting("ties", "Tie rule", "seg_Ties", defaults.TIES,
            "quantile: tied values share a score (as R's rfm package); rank: equal-sized groups.",
            choices=defaults.TIE_RULES),
    Setting("as_of", "Analysis date", "seg_AsOf", None,
            "Leave blank for the day after the last purchase.", kind="date"),
    Setting("k_min", "Fewest clusters", "seg_KMin", defaults.K_RANGE[0],
            f"Smallest number of behavioural clusters tried ({_CLUSTERS}).",
            low=defaults.MIN_CLUSTERS, high=defaults.MAX_CLUSTERS, kind="int"),
    Setting("k_max", "Most clusters", "seg_KMax", defaults.K_RANGE[1],
            f"Largest number of behavioural clusters tried ({_CLUSTERS}).",
            low=defaults.MIN_CLUSTERS, high=defaults.MAX_CLUSTERS, kind="int"),
    Setting("features", "Cluster on columns", "seg_Features", "",
            "Extra columns to cluster on, comma-separated (text columns become categories).",
            kind="text"),
    Setting("use_saved_model", "Use saved model", "seg_UseSavedModel", "no",
            "yes: score with the model saved in this workbook instead of fitting a new one.",
            choices=("yes", "no"), kind="yesno"),
    # Customer value (segmentation.value).
    Setting("value", "Customer value", "seg_Value", "yes",
            "yes: expected purchases, P(alive) and CLV per customer (transaction logs).",
            choices=("yes", "no"), kind="yesno"),
    Setting("value_model", "Value model", "seg_ValueModel", defaults.VALUE_MODEL,
            "bgnbd: BG/NBD; mbgnbd: MBG/NBD; auto: the better fit.",
            choices=defaults.VALUE_MODELS),
    Setting("horizon", "CLV horizon", "seg_Horizon", defaults.HORIZON,
            "How far ahead to predict: 90d, 39w or 12m (days, weeks, months).", kind="text"),
    Setting("discount_rate", "Discount rate", "seg_DiscountRate", defaults.DISCOUNT_RATE,
            "Annual discount rate for CLV, e.g. 10%.", kind="text"),
    Setting("margin", "Margin", "seg_Margin", defaults.MARGIN,
            "Profit margin applied to spend, e.g. 30% (100%: CLV in revenue).", kind="text"),
    Setting("priority_by", "Prioritise by", "seg_PriorityBy", defaults.PRIORITY_BY[0],
            "revenue: past revenue; clv: predicted CLV.", choices=defaults.PRIORITY_BY),
    # Reading and scoring options (date order, break points)
    Setting("date_format", "Date order", "seg_DateOrder", None,
            "Dates written as text: DMY (31/12/2024), MDY (12/31/2024) or YMD. Blank: found "
            "from the data (month first when it cannot tell).", kind="text"),
    *(Setting(f"{d}_breaks", f"{d.capitalize()} breaks", f"seg_{d.capitalize()}Breaks", None,
              f"Your own break points for the {d[0].upper()} score, comma-separated ({unit}); "
              "k points make k + 1 scores. Blank: from the data.", kind="text")
      for d, unit in (("recency", "days, e.g. 30,90,180,365"), ("frequency", "purchases, e.g. "
                      "2,4,8"), ("monetary", "money, e.g. 100,500,1000"))),
)  # fmt: skip


def setting_rows() -> pd.DataFrame:
    """The settings as the sheet lists them, with their defaults."""
    return pd.DataFrame(
        {
            "Setting": [s.label for s in SETTINGS],
            "Value": [s.default for s in SETTINGS],
            "What it does": [s.help for s in SETTINGS],
        }
    )


def _cell(row_index: int) -> str:
    return f"'{names.SETTINGS_SHEET}'!{VALUE_COLUMN}{row_index + 1}"


def _parse(setting: Setting, value: object, where: str) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return setting.default
    if setting.kind in ("choice", "yesno"):
        text = str(value).strip().lower()
        if text not in setting.choices:
            raise WorkbookError(
                f"{where} ({setting.label}) must be one of {', '.join(setting.choices)}; it is "
                f"'{value}'. Pick a value from the cell's drop-down list."
            )
        return text
    if setting.kind == "int":
        number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        if pd.isna(number) or number != int(number) or not setting.low <= number <= setting.high:
            raise WorkbookError(
                f"{where} ({setting.label}) must be a whole number from {setting.low} to "
                f"{setting.high}; it is '{value}'."
            )
        return int(number)
    if setting.kind == "date":
        if isinstance(value, (dt.date, dt.datetime)):
            return pd.Timestamp(value).date().isoformat()
        try:
            return pd.Timestamp(str(value)).date().isoformat()
        except ValueError as exc:
            raise WorkbookError(
                f"{where} ({setting.label}) must be a date such as 2024-12-31, or blank; it is "
                f"'{value}'."
            ) from exc
    return str(value).strip()


def read_settings(rows: list[list[object]] | None) -> dict[str, object]:
    """The settings found on the sheet (only those present), checked; {} without a sheet."""
    if rows is None:
        return {}
    by_label = {s.label.lower(): s for s in SETTINGS}
    found: dict[str, object] = {}
    for i, row in enumerate(rows):
        if not row or not isinstance(row[0], str):
            continue
        setting = by_label.get(row[0].strip().lower())
        if setting is None:
            continue
        value = row[1] if len(row) > 1 else None
        found[setting.key] = _parse(setting, value, _cell(i))
    if found.get("k_min", 3) > found.get("k_max", 6):
        raise WorkbookError(
            f"On the '{names.SETTINGS_SHEET}' sheet, 'Fewest clusters' ({found['k_min']}) is more "
            f"than 'Most clusters' ({found['k_max']}). Make it equal or smaller."
        )
    return found


def read_segment_map(rows: list[list[object]] | None) -> SegmentMap | None:
    """The segment map table on the settings sheet, or None when there is none."""
    if rows is None:
        return None
    for i, row in enumerate(rows):
        cells = [str(v).strip() if v is not None else "" for v in row]
        if "Segment" in cells and "R Min" in cells:
            start = cells.index("Segment")
            headers = cells[start:]
            body = []
            for later in rows[i + 1 :]:
                values = list(later[start : start + len(headers)])
                if all(v is None or v == "" for v in values):
                    break
                body.append(values)
            frame = pd.DataFrame(body, columns=headers)
            frame = frame[[c for c in frame.columns if c in MAP_COLUMNS]]
            try:
                return SegmentMap.from_frame(frame)
            except ValueError as exc:
                raise WorkbookError(
                    f"The segment map on the '{names.SETTINGS_SHEET}' sheet: {exc}"
                ) from exc
    return None


def settings_layout():
    """The settings sheet as a plain layout (for adapters that create it on demand)."""
    from addin.sheets.layout import Block, SheetLayout
    from segmentation import get_segment_map

    layout = SheetLayout(
        names.SETTINGS_SHEET,
        "Segmentation Settings",
        ["Change the values in column B. The ribbon, the formulas and `segment run` read them."],
    )
    layout.blocks.append(Block("settings", setting_rows(), row=FIRST_SETTING_ROW - 1))
    map_row = FIRST_SETTING_ROW + len(SETTINGS) + 2
    table = get_segment_map("default").table
    layout.blocks.append(
        Block(
            "segment_map",
            table,
            row=map_row + 1,
            title="Segment map: first matching row wins",
            table_name=SEGMENT_MAP_TABLE,
        )
    )
    return layout


# Campaigns and readouts (issue 17): the ribbon's Campaign and Readout buttons read these.
CAMPAIGN_SETTINGS = (
    Setting("campaign_name", "Campaign name", "seg_CampaignName", "",
            "The campaign the Campaign and Readout buttons work on, e.g. Spring win-back.",
            kind="text"),
    Setting("campaign_segments", "Campaign segments", "seg_CampaignSegments", "",
            "The segments it targets, comma-separated, e.g. At Risk, Can't Lose Them.",
            kind="text"),
    Setting("control_share", "Control share", "seg_ControlShare",
            f"{defaults.CONTROL_SHARE:.0%}",
            "Share of each segment held out as the control group, e.g. 10%.", kind="text"),
    Setting("baseline_rate", "Baseline response rate", "seg_BaselineRate",
            f"{defaults.BASELINE_RESPONSE_RATE:.0%}",
            "The response rate expected without the campaign; sizes the test before launch.",
            kind="text"),
    Setting("consent_column", "Opt-out column", "seg_OptOutColumn", "",
            "The column saying who opted out (or consented); blank: found by its header.",
            kind="text"),
    Setting("pseudonymise", "Pseudonymise IDs", "seg_Pseudonymise", "no",
            "yes: the sheets and files the tool makes (Customers, last-run snapshot, "
            "changes, campaign lists) carry keyed pseudonyms, not customer IDs; your own "
            "table keeps its IDs (key: the SEGMENT_PSEUDONYM_KEY variable or "
            "~/.segmentation/pseudonym.key).",
            choices=("yes", "no"), kind="yesno"),
)  # fmt: skip
SETTINGS = SETTINGS + CAMPAIGN_SETTINGS
