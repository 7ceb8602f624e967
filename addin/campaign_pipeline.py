"""Campaigns on a segmented workbook: draw the groups, read the results out. Written once.

The command line (files) and the ribbon buttons (live Excel) both hand over a
:class:`~addin.workbook.Workbook`; the engine (:mod:`segmentation.campaigns`) decides,
the layouts (:mod:`addin.sheets.campaign_sheets`) say what goes where.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass, field

import pandas as pd

from addin import names
from addin.errors import WorkbookError
from addin.files.finding import find_input
from addin.privacy import settings_key
from addin.sheets.campaign_sheets import (
    FORBIDDEN_IN_SHEET_NAMES,
    MAX_NAME,
    campaign_layout,
    read_registry,
    readout_layout,
    registry_layout,
    sheet_names_for,
)
from addin.sheets.model_sheet import read_record
from addin.sheets.settings import read_settings
from addin.workbook import TableRef, Workbook
from segmentation import SegmentationError, defaults
from segmentation import names as columns
from segmentation.campaigns.groups import canonical_ids
from segmentation.campaigns.plan import CampaignPlan, plan_campaign
from segmentation.campaigns.readout import Readout, campaign_readout, read_responses
from segmentation.privacy.pseudonyms import are_pseudonyms, pseudonymise
from segmentation.reading.columns import normalise_header
from segmentation.reading.synonyms import SYNONYMS


def parse_share(value: object, parameter: str) -> float:
    """A share from "10%", "0.1" or 10 (a number above 1 is a percentage)."""
    text = str(value).strip().rstrip("%").strip()
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        number = float("nan")
    if str(value).strip().endswith("%") or number > 1:
        number /= 100
    if not 0 < number < 1:
        raise SegmentationError.bad_parameter(
            "campaign",
            parameter,
            value,
            "a share between 0% and 100% (both excluded), e.g. 10%",
            label=parameter.replace("_", " "),
        )
    return number


@dataclass
class CampaignOptions:
    """What the user asked for; ``None``: the Settings sheet decides, else the default."""

    name: str | None = None
    segments: list[str] | None = None
    control_share: object = None
    baseline: object = None
    consent_column: str | None = None
    segment_column: str | None = None
    seed: int = 0
    redraw: bool = False
    pseudonym_key: bytes | None = None  # the user's secret: never written anywhere

    def completed(self, settings: dict[str, object]) -> CampaignOptions:
        name = self.name or settings.get("campaign_name")
        segments = self.segments
        if segments is None and settings.get("campaign_segments"):
            segments = split_list(str(settings["campaign_segments"]))
        if not name:
            raise SegmentationError(
                "The campaign needs a name.", fix="Give it with {campaign_name}.",
                suggest={"campaign_name": "NAME"},
            )  # fmt: skip
        if not segments:
            raise SegmentationError(
                "Choose the segments the campaign targets.",
                fix="Name them with {campaign_segments}.",
                suggest={"campaign_segments": "At Risk,Can't Lose Them"},
            )
        share = self.control_share or settings.get("control_share") or defaults.CONTROL_SHARE
        base = self.baseline or settings.get("baseline_rate") or defaults.BASELINE_RESPONSE_RATE
        return CampaignOptions(
            name=check_name(str(name)),
            segments=segments,
            control_share=parse_share(share, "control_share"),
            baseline=parse_share(base, "baseline_rate"),
            consent_column=self.consent_column or settings.get("consent_column") or None,
            segment_column=self.segment_column,
            seed=int(self.seed),
            redraw=self.redraw,
            pseudonym_key=self.pseudonym_key or settings_key(settings),
        )


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def check_name(name: str) -> str:
    name = name.strip()
    if FORBIDDEN_IN_SHEET_NAMES.search(name) or not 0 < len(name) <= MAX_NAME:
        raise SegmentationError.bad_parameter(
            "campaign", "campaign_name", name,
            f"a name of 1 to {MAX_NAME} characters without [ ] : * ? / \\ or '",
            label="the campaign name",
        )  # fmt: skip
    return name


@dataclass
class SegmentedTable:
    frame: pd.DataFrame
    ref: TableRef
    id_column: str
    segment_column: str


def segmented_table(book: Workbook, segment_column: str | None = None) -> SegmentedTable:
    """The workbook's customer table with the segments an earlier run wrote."""
    record = read_record(book.read_sheet(names.MODEL_SHEET))
    ours = [t for t in book.tables() if t.name == names.CUSTOMERS_TABLE]
    if ours:
        ref = ours[0]
    elif record.get("written_columns"):
        ref = find_input(book, recorded=record)
    else:
        raise SegmentationError(
            "This workbook has no segments yet: a campaign picks customers by segment.",
            fix="Segment it first with {segment_run}.", suggest={"segment_run": None},
        )  # fmt: skip
    frame = book.read_table(ref)
    headers = [str(c) for c in frame.columns]
    wanted = [segment_column] if segment_column else [columns.RFM_SEGMENT, columns.CLUSTER_NAME]
    found = next((c for c in wanted if c in headers), None)
    if found is None:
        raise SegmentationError(
            f"The {ref.label} has no column {' or '.join(repr(c) for c in wanted)}. Columns: "
            + ", ".join(f"'{h}'" for h in headers) + ".",
            fix="Segment it first with {segment_run}.", suggest={"segment_run": None},
        )  # fmt: skip
    by_key = {normalise_header(h): h for h in reversed(headers)}
    id_column = next((by_key[s] for s in SYNONYMS["customer_id"] if s in by_key), None)
    if id_column is None:
        raise SegmentationError(f"The {ref.label} has no customer ID column.")
    return SegmentedTable(frame, ref, id_column, found)


def find_campaign(book: Workbook, name: str) -> tuple[dict | None, list[dict]]:
    """The record of campaign ``name`` (compared as Excel compares sheet names), and all."""
    records = read_registry(book.read_sheet(names.CAMPAIGNS_SHEET))
    key = name.strip().casefold()
    return next((r for r in records if r["name"].casefold() == key), None), records


@dataclass
class CampaignOutcome:
    plan: CampaignPlan
    record: dict
    sheets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def draw_campaign(book: Workbook, options: CampaignOptions) -> CampaignOutcome:
    """Draw a campaign's groups and write its sheet; refuses to redraw unless asked."""
    settings = read_settings(book.read_sheet(names.SETTINGS_SHEET))
    options = options.completed(settings)
    existing, records = find_campaign(book, options.name)
    if existing is not None and not options.redraw:
        raise SegmentationError(
            f"A campaign named '{existing['name']}' exists already (drawn {existing['drawn']}); "
            "its groups were left alone.",
            fix="Choose another name, or draw new groups with {redraw}.",
            suggest={"redraw": True},
        )
    sheet, readout_sheet, _ = sheet_names_for(options.name)
    taken = {s.casefold() for s in book.sheet_names()}
    if existing is None and sheet.casefold() in taken:
        raise WorkbookError(
            f"The workbook already has its own sheet '{sheet}'; it was left alone. Choose "
            "another campaign name."
        )
    table = segmented_table(book, options.segment_column)
    # A pseudonymised run's Customers sheet holds pseudonyms already: never hashed twice.
    already = are_pseudonyms(table.frame[table.id_column])
    key = None if already else options.pseudonym_key
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = plan_campaign(
            table.frame,
            id_column=table.id_column,
            segment_column=table.segment_column,
            segments=options.segments,
            name=options.name,
            control_share=options.control_share,
            seed=options.seed,
            baseline=options.baseline,
            consent_column=options.consent_column,
            first_row=table.ref.first_row + 1,
            pseudonym_key=key,
        )
    if plan.customers.empty:
        raise SegmentationError(
            f"No customer of {', '.join(plan.segments)} may be contacted: all "
            f"{plan.opted_out:,} opted out. Nothing was written."
        )
    record = {
        "name": plan.name, "sheet": sheet, "segments": plan.segments,
        "segment_column": table.segment_column, "control_share": plan.control_share,
        "seed": plan.seed, "baseline": plan.baseline, "customers": len(plan.customers),
        "opted_out": plan.opted_out,
        "consent_column": plan.consent.header if plan.consent else None,
        "drawn": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "pseudonymised": already or key is not None,
    }  # fmt: skip
    outcome = CampaignOutcome(plan, record)
    layouts = [campaign_layout(plan, record)]
    others = [r for r in records if r["name"].casefold() != plan.name.casefold()]
    layouts.append(registry_layout([*others, record]))
    for layout in layouts:
        book.write_sheet(layout)
        outcome.sheets.append(layout.name)
    if existing is not None:
        outcome.notes.append(f"New groups were drawn for '{plan.name}'.")
        if readout_sheet in book.sheet_names():
            outcome.notes.append(
                f"The sheet '{readout_sheet}' reads out the old groups: run the readout again."
            )
    outcome.notes += plan.warnings
    return outcome


def campaign_customers(book: Workbook, record: dict) -> pd.DataFrame:
    """The campaign's customer list (Customer ID, Segment, Group) as its sheet holds it."""
    _, _, table_name = sheet_names_for(record["name"])
    ref = next((t for t in book.tables() if t.name == table_name), None)
    if ref is None:
        raise WorkbookError(
            f"The campaign '{record['name']}' has lost its customer list (the Excel Table "
            f"'{table_name}' on sheet '{record['sheet']}'). Draw it again with a new name."
        )
    frame = book.read_table(ref)
    missing = [c for c in (columns.CUSTOMER_ID, columns.SEGMENT, columns.GROUP) if c not in frame]
    if missing:
        raise WorkbookError(
            f"The campaign list on sheet '{ref.sheet}' lacks the column(s) "
            + ", ".join(f"'{c}'" for c in missing) + ". Undo the edit or draw it again."
        )  # fmt: skip
    groups = frame[columns.GROUP].astype(str)
    wrong = ~groups.isin(columns.GROUPS)
    if wrong.any():
        raise WorkbookError(
            f"Column '{columns.GROUP}' on sheet '{ref.sheet}' holds '{groups[wrong].iloc[0]}' "
            f"(row {ref.first_row + 1 + int(wrong.to_numpy().argmax())}); it may only hold "
            f"{' or '.join(columns.GROUPS)}."
        )
    return frame


@dataclass
class ReadoutOutcome:
    readout: Readout
    record: dict
    sheets: list[str] = field(default_factory=list)


def read_out(
    book: Workbook,
    name: str,
    responses: pd.DataFrame,
    *,
    source: str,
    response_column: str | None = None,
    revenue_column: str | None = None,
    pseudonym_key: bytes | None = None,
) -> ReadoutOutcome:
    """Match ``responses`` to campaign ``name``'s groups and write its readout sheet."""
    record, records = find_campaign(book, name)
    if record is None:
        known = ", ".join(f"'{r['name']}'" for r in records) or "none yet"
        raise SegmentationError(
            f"There is no campaign named '{name}' in this workbook. Campaigns: {known}."
        )
    campaign = campaign_customers(book, record)
    parsed = read_responses(
        responses, response_column=response_column, revenue_column=revenue_column
    )
    # Responses that carry the list's pseudonyms (a mail tool sent them back) match as they are.
    if record.get("pseudonymised") and not are_pseudonyms(parsed.ids):
        key = pseudonym_key or settings_key(read_settings(book.read_sheet(names.SETTINGS_SHEET)))
        if key is None:
            raise SegmentationError(
                f"Campaign '{record['name']}' lists pseudonyms, not customer IDs: the "
                "responses can be matched only with the key it was drawn with.",
                fix="Give that key with {pseudonymise}.", suggest={"pseudonymise": None},
            )  # fmt: skip
        parsed.ids = pseudonymise(parsed.ids, key)
        if not parsed.ids.isin(canonical_ids(campaign[columns.CUSTOMER_ID])).any():
            raise SegmentationError(
                f"No response matches a customer of campaign '{record['name']}' under this "
                "key: use the key the campaign was drawn with."
            )
    result = campaign_readout(campaign, parsed, control_share=float(record["control_share"]))
    layout = readout_layout(result, record["name"], source, record)
    if layout.name in book.sheet_names() and not _is_readout_sheet(book, layout.name):
        raise WorkbookError(
            f"The workbook already has its own sheet '{layout.name}'; it was left alone. "
            "Rename that sheet, then run the readout again."
        )
    book.write_sheet(layout)
    return ReadoutOutcome(result, record, [layout.name])


def _is_readout_sheet(book: Workbook, sheet: str) -> bool:
    rows = book.read_sheet(sheet) or [[None]]
    first = rows[0][0] if rows and rows[0] else None
    return isinstance(first, str) and bool(re.match(r"Readout: ", first))
