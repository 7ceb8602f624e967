"""A campaign from a segmented customer table: the audience, its groups and its power.

segmented table (id, segment, contact and consent columns) -> one row per customer of
the chosen segments who may be contacted (id, segment, Group, contact columns), the
count of those left out for opting out, and the power table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation import defaults, names
from segmentation.campaigns import power
from segmentation.campaigns.audience import (
    ConsentColumn,
    check_segments,
    contact_columns,
    find_consent_column,
    yes_no,
)
from segmentation.campaigns.groups import assign_groups, check_control_share
from segmentation.errors import SegmentationError
from segmentation.privacy.pseudonyms import pseudonymise


@dataclass
class CampaignPlan:
    """What ``plan_campaign`` decided.

    Attributes
    ----------
    customers : DataFrame
        One row per customer in the campaign: ``Customer ID``, ``Segment``, ``Group``,
        then the contact columns, sorted by segment (in the order chosen), group and id.
    power : DataFrame
        Per segment and all together: group sizes, opted out, detectable lift, advice.
    consent : ConsentColumn or None
        The column opt-outs were read from.
    opted_out : int
        Customers of the chosen segments left out for opting out.
    """

    name: str
    segments: list[str]
    control_share: float
    seed: int
    baseline: float
    customers: pd.DataFrame
    power: pd.DataFrame
    consent: ConsentColumn | None
    opted_out: int

    @property
    def warnings(self) -> list[str]:
        small = self.power[
            (self.power[power.ENOUGH] == "no") & (self.power[power.SEGMENT] != power.OVERALL)
        ]
        return [f"'{s}': {a}" for s, a in zip(small[power.SEGMENT], small[power.ADVICE])]


def plan_campaign(
    table: pd.DataFrame,
    *,
    id_column: str,
    segment_column: str,
    segments: Sequence[str],
    name: str,
    control_share: float = defaults.CONTROL_SHARE,
    seed: int = 0,
    baseline: float = defaults.BASELINE_RESPONSE_RATE,
    consent_column: str | None = None,
    first_row: int = 2,
    pseudonym_key: bytes | None = None,
) -> CampaignPlan:
    """Choose the audience, draw its groups and size its test.

    ``first_row`` is the sheet row of ``table``'s first row, for messages. With
    ``pseudonym_key``, the list holds keyed pseudonyms instead of the customer IDs (the
    groups are drawn from the IDs, so they are the same either way).
    """
    share = check_control_share(control_share)
    power.check_rate(baseline)
    if not str(name).strip():
        raise SegmentationError.bad_parameter(
            "plan_campaign",
            "campaign_name",
            name,
            "a name such as 'Spring win-back'",
            label="the campaign name",
        )
    for column in (id_column, segment_column):
        if column not in table.columns:
            raise SegmentationError(f"The table has no column '{column}'.")
    labels = table[segment_column].astype(str)
    chosen = check_segments(segments, sorted(labels[table[segment_column].notna()].unique()))
    headers = [str(c) for c in table.columns]
    consent = find_consent_column(headers, consent_column)
    positions = np.arange(len(table))
    in_segments = labels.isin(chosen).to_numpy()
    allowed = np.ones(len(table), dtype=bool)
    if consent is not None:
        rows = positions[in_segments]
        picked = table[consent.header][in_segments]
        said_yes = yes_no(picked, column=consent.header, rows=rows + first_row)
        allowed[rows] = ~said_yes if consent.opt_out else said_yes
    audience = table[in_segments & allowed]
    excluded = table[in_segments & ~allowed]
    ours = {id_column, segment_column} | ({consent.header} if consent is not None else set())
    contacts = contact_columns(headers, exclude=[*ours, names.RFM_SEGMENT, names.CLUSTER_NAME])
    groups = assign_groups(
        audience[id_column],
        audience[segment_column],
        control_share=share,
        name=name,
        seed=seed,
        first_row=first_row,
    )
    customers = pd.DataFrame(
        {
            names.CUSTOMER_ID: audience[id_column].to_numpy(),
            names.SEGMENT: audience[segment_column].astype(str).to_numpy(),
            names.GROUP: groups.to_numpy(),
        }
    )
    for column in contacts:
        customers[column] = audience[column].to_numpy()
    if pseudonym_key is not None:
        customers[names.CUSTOMER_ID] = pseudonymise(customers[names.CUSTOMER_ID], pseudonym_key)
    order = pd.Categorical(customers[names.SEGMENT], categories=chosen, ordered=True)
    customers = (
        customers.assign(_segment=order)
        .sort_values(["_segment", names.GROUP, names.CUSTOMER_ID], kind="stable",
                     key=lambda c: c if c.name == "_segment" else c.astype(str))
        .drop(columns="_segment")
        .reset_index(drop=True)
    )  # fmt: skip
    counts = pd.DataFrame({power.SEGMENT: chosen})
    by_group = pd.crosstab(customers[names.SEGMENT], customers[names.GROUP])
    for group, column in ((names.TREATMENT, power.TREATED), (names.CONTROL, power.CONTROL)):
        counts[column] = counts[power.SEGMENT].map(
            by_group[group] if group in by_group else pd.Series(dtype=int)
        )
        counts[column] = counts[column].fillna(0).astype(int)
    left_out = excluded[segment_column].astype(str).value_counts()
    counts[power.OPTED_OUT] = counts[power.SEGMENT].map(left_out).fillna(0).astype(int)
    table_of_power = power.plan_power(counts, baseline=baseline, control_share=share)
    return CampaignPlan(
        name=str(name).strip(),
        segments=chosen,
        control_share=share,
        seed=int(seed),
        baseline=float(baseline),
        customers=customers,
        power=table_of_power,
        consent=consent,
        opted_out=len(excluded),
    )
