"""After a campaign: responses matched to its groups, and the readout per segment.

campaign (Customer ID, Segment, Group) + responses (id, response, revenue) -> one row
per segment and one for all: counts, response rates, lift with its 95% interval and
p-value, Benjamini-Hochberg adjusted p across segments, revenue per customer (Welch),
and the sample-ratio check.

Which campaign customers count: a responses file that holds 0s as well as 1s is the
full list of outcomes, so customers missing from it have no outcome and are left out
(the sample-ratio check then shows whether one group lost more); a file of 1s only is
a list of responders, so every campaign customer missing from it did not respond.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation import defaults, names
from segmentation.campaigns.audience import yes_no
from segmentation.campaigns.groups import canonical_ids
from segmentation.campaigns.significance import (
    benjamini_hochberg,
    compare_means,
    compare_rates,
    sample_ratio_p,
)
from segmentation.errors import SegmentationError, describe_rows
from segmentation.reading.columns import normalise_header
from segmentation.reading.synonyms import SYNONYMS

RESPONSE_HEADERS = ("response", "responded", "converted", "conversion", "purchased",
                    "bought", "outcome", "result", "clicked", "redeemed")  # fmt: skip
REVENUE_HEADERS = ("revenue", "sales", "amount", "spend", "value", "ordervalue")
OVERALL = "All segments"

# The readout table's columns.
SEGMENT = names.SEGMENT
TREATED, CONTROL = "Treated", "Control"
RESPONDERS_T, RESPONDERS_C = "Treated responders", "Control responders"
RATE_T, RATE_C = "Treated response rate", "Control response rate"
LIFT, RELATIVE = "Lift (points)", "Lift (relative)"
CI_LOW, CI_HIGH = "Lift 95% CI low", "Lift 95% CI high"
P_VALUE, TEST, ADJUSTED = "p-value", "Test", "Adjusted p (BH)"
SIGNIFICANT = "Significant"
REVENUE_T, REVENUE_C = "Revenue per treated", "Revenue per control"
REVENUE_LIFT = "Revenue lift per customer"
REVENUE_LOW, REVENUE_HIGH = "Revenue lift 95% CI low", "Revenue lift 95% CI high"
REVENUE_P = "Revenue p-value (Welch)"
SRM_P, SRM_OK = "Sample ratio p", "Group sizes as planned"


@dataclass
class Responses:
    ids: pd.Series  # canonical text ids
    responded: np.ndarray
    revenue: np.ndarray | None
    id_column: str
    response_column: str
    revenue_column: str | None
    full_list: bool  # 0s as well as 1s: the complete list of outcomes


def _pick(headers: list[str], named: str | None, candidates: tuple[str, ...], what: str,
          flag: str) -> str | None:  # fmt: skip
    if named:
        if named not in headers:
            raise SegmentationError(
                f"The responses have no column '{named}'. Columns: "
                + ", ".join(f"'{h}'" for h in headers)
                + ".",
                fix="Name the " + what + " column with {" + flag + "}.",
                suggest={flag: named},
            )
        return named
    by_key = {normalise_header(h): h for h in reversed(headers)}
    return next((by_key[c] for c in candidates if c in by_key), None)


def read_responses(
    frame: pd.DataFrame,
    *,
    response_column: str | None = None,
    revenue_column: str | None = None,
    first_row: int = 2,
) -> Responses:
    """Ids, 0/1 responses and revenue from the user's responses table, checked."""
    headers = [str(c) for c in frame.columns]
    frame = frame.set_axis(headers, axis=1)
    id_column = _pick(headers, None, SYNONYMS["customer_id"], "customer ID", "id_column")
    if id_column is None:
        raise SegmentationError(
            "The responses have no customer ID column (a header such as 'Customer ID'). "
            "Columns: " + ", ".join(f"'{h}'" for h in headers) + "."
        )
    response = _pick(headers, response_column, RESPONSE_HEADERS, "response", "response_column")
    if response is None:
        raise SegmentationError(
            "The responses have no response column (a header such as 'Response' or "
            "'Converted'). Columns: " + ", ".join(f"'{h}'" for h in headers) + ".",
            fix="Name it with {response_column}.",
            suggest={"response_column": "HEADER"},
        )
    revenue = _pick(headers, revenue_column, REVENUE_HEADERS, "revenue", "revenue_column")
    present = frame[id_column].notna().to_numpy()
    frame, rows = frame[present], (np.arange(len(present)) + first_row)[present]
    ids = canonical_ids(frame[id_column])
    repeated = ids.duplicated(keep=False).to_numpy()
    if repeated.any():
        raise SegmentationError(
            f"The responses list customer '{ids[repeated].iloc[0]}' more than once "
            f"({describe_rows(rows[repeated])} of '{id_column}'). Keep one row per customer "
            "(add up a customer's revenue first)."
        )
    responded = yes_no(frame[response], column=response, rows=rows)
    money = None
    if revenue is not None:
        values = pd.to_numeric(frame[revenue], errors="coerce")
        bad = (values.isna() & frame[revenue].notna() & (frame[revenue].astype(str).str.strip()
                                                          != "")).to_numpy()  # fmt: skip
        if bad.any():
            raise SegmentationError(
                f"Column '{revenue}' must hold numbers; it has '{frame[revenue][bad].iloc[0]}' "
                f"({describe_rows(rows[bad])}). Correct those cells."
            )
        money = values.fillna(0.0).to_numpy(float)
    return Responses(ids, responded, money, id_column, response, revenue, bool((~responded).any()))


@dataclass
class Readout:
    table: pd.DataFrame
    control_share: float
    unknown_ids: int  # responses for customers not in the campaign (left out)
    no_outcome: int  # campaign customers without a response row, left out
    not_responding: int  # campaign customers without a row, counted as not responding
    notes: list[str] = field(default_factory=list)


def _segment_row(segment: str, group: np.ndarray, responded: np.ndarray,
                 revenue: np.ndarray | None, share: float) -> dict:  # fmt: skip
    treated, control = group == names.TREATMENT, group == names.CONTROL
    rates = compare_rates(responded[treated].sum(), treated.sum(),
                          responded[control].sum(), control.sum())  # fmt: skip
    row = {
        SEGMENT: segment, TREATED: int(treated.sum()), CONTROL: int(control.sum()),
        RESPONDERS_T: int(responded[treated].sum()), RESPONDERS_C: int(responded[control].sum()),
        RATE_T: rates.rate_treated, RATE_C: rates.rate_control, LIFT: rates.lift,
        RELATIVE: rates.relative_lift, CI_LOW: rates.ci_low, CI_HIGH: rates.ci_high,
        P_VALUE: rates.p_value, TEST: rates.test,
    }  # fmt: skip
    if revenue is not None:
        means = compare_means(revenue[treated], revenue[control])
        row.update({REVENUE_T: means.mean_treated, REVENUE_C: means.mean_control,
                    REVENUE_LIFT: means.difference, REVENUE_LOW: means.ci_low,
                    REVENUE_HIGH: means.ci_high, REVENUE_P: means.p_value})  # fmt: skip
    row[SRM_P] = sample_ratio_p(row[TREATED], row[CONTROL], share)
    return row


def campaign_readout(
    campaign: pd.DataFrame,
    responses: Responses,
    *,
    control_share: float,
    alpha: float = defaults.SIGNIFICANCE,
) -> Readout:
    """The readout of ``campaign`` (Customer ID, Segment, Group), segment by segment."""
    ids = canonical_ids(campaign[names.CUSTOMER_ID])
    known = responses.ids.isin(ids).to_numpy()
    position = pd.Series(np.arange(len(responses.ids)), index=responses.ids.to_numpy())
    where = position.reindex(ids.to_numpy()).to_numpy()
    has_row = ~np.isnan(where)
    keep = has_row if responses.full_list else np.ones(len(ids), dtype=bool)
    at = where[has_row].astype(np.int64)
    responded = np.zeros(len(ids), dtype=bool)
    responded[has_row] = responses.responded[at]
    revenue = None
    if responses.revenue is not None:
        revenue = np.zeros(len(ids))
        revenue[has_row] = responses.revenue[at]
        revenue = revenue[keep]
    segment = campaign[names.SEGMENT].astype(str).to_numpy()[keep]
    group = campaign[names.GROUP].astype(str).to_numpy()[keep]
    responded = responded[keep]
    order = list(dict.fromkeys(segment))
    rows = [
        _segment_row(s, group[segment == s], responded[segment == s],
                     None if revenue is None else revenue[segment == s], control_share)
        for s in order
    ]  # fmt: skip
    rows.append(_segment_row(OVERALL, group, responded, revenue, control_share))
    table = pd.DataFrame(rows)
    adjusted = benjamini_hochberg(table[P_VALUE].to_numpy()[:-1])
    table.insert(table.columns.get_loc(TEST) + 1, ADJUSTED, [*adjusted, np.nan])
    decisive = table[ADJUSTED].fillna(table[P_VALUE])  # all segments: its own p-value
    table.insert(table.columns.get_loc(ADJUSTED) + 1, SIGNIFICANT,
                 np.where(decisive < alpha, "yes", "no"))  # fmt: skip
    table[SRM_OK] = np.where(table[SRM_P] < defaults.SRM_SIGNIFICANCE, "NO: check", "yes")
    readout = Readout(
        table,
        control_share,
        unknown_ids=int((~known).sum()),
        no_outcome=int((~has_row).sum()) if responses.full_list else 0,
        not_responding=0 if responses.full_list else int((~has_row).sum()),
    )
    readout.notes = _notes(readout, responses)
    return readout


def _notes(readout: Readout, responses: Responses) -> list[str]:
    notes = []
    if readout.unknown_ids:
        notes.append(
            f"{readout.unknown_ids:,} response rows are for customers not in this campaign; "
            "they were left out."
        )
    if readout.no_outcome:
        notes.append(
            f"{readout.no_outcome:,} campaign customers have no row in the responses; they "
            "were left out (the responses hold 0s and 1s, so they are the full list)."
        )
    if readout.not_responding:
        notes.append(
            f"{readout.not_responding:,} campaign customers have no row in the responses and "
            "count as not responding (the responses hold responders only)."
        )
    mismatched = readout.table[readout.table[SRM_OK] != "yes"][SEGMENT].tolist()
    if mismatched:
        notes.append(
            "Group sizes differ from the planned control share in "
            + ", ".join(f"'{s}'" for s in mismatched)
            + f" (sample-ratio p < {defaults.SRM_SIGNIFICANCE}): customers were lost or moved "
            "unevenly between the groups, so the lift there may be biased."
        )
    return notes
