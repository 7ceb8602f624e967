"""This period against the previous one: per-customer moves, the matrix, drift.

Input shapes: this period's scored customers (``Customer ID``, ``RFM Segment``, ``R``,
``F``, ``M``, ``Monetary``, optionally ``Cluster``) and the previous period's, as a
previous run wrote them (the Customers table, or the columns beside a customer table).
Output: :class:`PeriodChanges`, plain DataFrames the front ends lay out or print.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation import names
from segmentation.change.drift import drift_table, recommendation
from segmentation.change.matching import match_customers
from segmentation.change.migration import movements, top_moves, transition_tables
from segmentation.errors import SegmentationError
from segmentation.models import SegmentationModel
from segmentation.rfm.segment_maps import SegmentMap


@dataclass
class PreviousPeriod:
    """What a previous run left: its customers, and its model when it was saved.

    ``customers`` needs ``Customer ID`` and ``RFM Segment`` (or ``Cluster``); ``R``,
    ``F``, ``M``, ``Recency``, ``Frequency`` and ``Monetary`` make the drift figures.
    """

    customers: pd.DataFrame
    model: SegmentationModel | None = None
    as_of: pd.Timestamp | None = None
    label: str = "the previous period"


@dataclass
class PeriodChanges:
    """Everything the comparison found.

    Attributes
    ----------
    customers : DataFrame
        Per current customer (aligned with the current table's index): ``Previous
        Segment``, ``Movement`` and, with clusters, ``Previous Cluster``.
    absent : DataFrame
        The previous period's customers not present now, with their previous segment.
    counts, row_shares, revenue : DataFrame
        The from -> to matrix: previous segments as rows (plus the new customers' row),
        this period's as columns (plus those not present now).
    top_moves : DataFrame
        Downgrades out of the top tiers, largest value at stake first.
    drift : DataFrame
        PSI per R/F/M dimension and cluster feature, with a verdict.
    changed_share : float
        Share of returning customers whose segment changed.
    recommendation : str or None
        The refit advice when a PSI is above the threshold.
    same_scale : bool
        Whether both periods were scored with the same model.
    """

    customers: pd.DataFrame
    absent: pd.DataFrame
    counts: pd.DataFrame
    row_shares: pd.DataFrame
    revenue: pd.DataFrame
    top_moves: pd.DataFrame
    drift: pd.DataFrame
    changed_share: float
    recommendation: str | None
    same_scale: bool
    previous_label: str
    returning: int
    notes: list[str] = field(default_factory=list)
    # Per current customer, the previous segment (or cluster name) the matrix rows use.
    previous_labels: pd.Series | None = None
    # Per current customer, Monetary in the previous period (NaN for new customers).
    previous_monetary: pd.Series | None = None


def _map_of(model: SegmentationModel | None) -> SegmentMap | None:
    return model.rfm.segment_map_ if model is not None and model.rfm is not None else None


def _tiers(segment_map: SegmentMap | None, segments: pd.Series) -> dict[str, int]:
    if segment_map is not None:
        return segment_map.tiers()
    # No map (a previous run without a saved model): the shipped tiers by name.
    from segmentation.rfm.presets import SHIPPED_TIERS

    bottom = max(SHIPPED_TIERS.values())
    return {s: SHIPPED_TIERS.get(s, bottom) for s in segments.dropna().astype(str).unique()}


def _money(table: pd.DataFrame) -> pd.Series:
    """Monetary per customer (zero where unknown), as float."""
    if names.MONETARY not in table:
        return pd.Series(0.0, index=table.index)
    return pd.to_numeric(table[names.MONETARY], errors="coerce").astype("float64").fillna(0.0)


def check_order(previous_as_of: pd.Timestamp | None, current_as_of: pd.Timestamp | None) -> None:
    """A previous period dated after this one is a mix-up, not a comparison."""
    if previous_as_of is None or current_as_of is None:
        return
    if pd.Timestamp(previous_as_of) > pd.Timestamp(current_as_of):
        raise SegmentationError(
            f"The previous period's analysis date ({pd.Timestamp(previous_as_of).date()}) is "
            f"after this period's ({pd.Timestamp(current_as_of).date()}). Compare with an "
            "earlier period, or swap the two."
        )


def _score_pairs(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    model: SegmentationModel | None,
    same_scale: bool = False,
) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
    """Previous and current R/F/M scores on the previous model's scale."""
    if model is None or model.rfm is None or not set(names.RFM_SCORES) <= set(previous):
        return {}
    if same_scale and set(names.RFM_SCORES) <= set(current):
        # Scored with this very model already (from the real IDs, which may since have
        # been replaced by pseudonyms: rescoring would break ties by the pseudonyms).
        rescored = current
    elif not set(names.RFM_VALUES) <= set(current):
        return {}
    else:
        rescored = model.rfm.transform(
            current[list(names.RFM_VALUES)].join(current[[names.CUSTOMER_ID]])
        )
    pairs = {}
    for dimension in names.DIMENSIONS:
        column = names.SCORE_COLUMN[dimension]
        before = pd.to_numeric(previous[column], errors="coerce").dropna().to_numpy()
        pairs[f"{column} score"] = (
            before,
            rescored[column].to_numpy(),
            model.rfm.n_bins_[dimension],
        )
    return pairs


def _feature_pairs(
    previous: pd.DataFrame, current: pd.DataFrame, model: SegmentationModel | None, skip: bool
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Raw values of R/F/M (when no saved scale) and of cluster features, both periods."""
    wanted = [] if skip else list(names.RFM_VALUES)
    if model is not None and model.clusters is not None:
        wanted += [f for f in model.clusters.numeric_features_ if f not in wanted]
    pairs = {}
    for column in wanted:
        if column in previous and column in current:
            pairs[column] = (
                pd.to_numeric(previous[column], errors="coerce").to_numpy(dtype="float64"),
                pd.to_numeric(current[column], errors="coerce").to_numpy(dtype="float64"),
            )
    return pairs


def compare_periods(
    current: pd.DataFrame,
    previous: PreviousPeriod,
    *,
    model: SegmentationModel,
    as_of: pd.Timestamp | None = None,
) -> PeriodChanges:
    """Compare this period's scored customers with the previous period's.

    ``model`` scored ``current``; when it is the previous period's model both are on one
    scale. Customers are matched by id (see :mod:`segmentation.change.matching`).
    """
    before = previous.customers.reset_index(drop=True)
    kind = names.RFM_SEGMENT if names.RFM_SEGMENT in current else names.CLUSTER_NAME
    if names.CUSTOMER_ID not in before or kind not in before:
        raise SegmentationError(
            f"{previous.label[:1].upper()}{previous.label[1:]} has no '{names.CUSTOMER_ID}' "
            f"and '{kind}' columns to compare with. Compare with a workbook written by a "
            "segmentation run of the same method."
        )
    check_order(previous.as_of, as_of)
    matching = match_customers(current[names.CUSTOMER_ID], before[names.CUSTOMER_ID])
    if matching.returning == 0:
        raise SegmentationError(
            f"No customer of this period is in {previous.label}: the ids do not overlap "
            f"({len(current):,} customers now, {len(before):,} then). Check that both hold "
            "the same customers' ids in their customer id column."
        )
    position = matching.previous_position
    found = position >= 0
    take = np.where(found, position, 0)

    def previous_values(column: str) -> pd.Series:
        values = before[column].to_numpy(dtype=object)[take] if column in before else None
        return pd.Series(
            np.where(found, values, None) if values is not None else None,
            index=current.index,
            dtype=object,
        )

    previous_segment = previous_values(kind)
    previous_map, current_map = _map_of(previous.model), _map_of(model)
    if kind == names.CLUSTER_NAME:
        previous_tiers = (
            {n: i + 1 for i, n in enumerate(previous.model.clusters.names_)}
            if (previous.model is not None and previous.model.clusters is not None)
            else {}
        )
        current_tiers = {n: i + 1 for i, n in enumerate(model.clusters.names_)}
    else:
        previous_tiers = _tiers(previous_map, before[kind])
        current_tiers = _tiers(current_map, current[kind])
    tier_before = previous_segment.map(previous_tiers).astype("float64")
    tier_now = current[kind].astype(str).map(current_tiers).astype("float64")
    lowest = max(previous_tiers.values()) if previous_tiers else np.inf
    per_customer = pd.DataFrame(
        {
            names.PREVIOUS_SEGMENT: previous_segment.where(found, None)
            if kind == names.RFM_SEGMENT
            else previous_values(names.RFM_SEGMENT),
            names.MOVEMENT: movements(tier_before.to_numpy(), tier_now.to_numpy(), lowest),
        },
        index=current.index,
    )
    if names.CLUSTER in current:
        per_customer[names.PREVIOUS_CLUSTER] = previous_values(names.CLUSTER)
    if kind == names.CLUSTER_NAME:
        per_customer = per_customer.drop(columns=names.PREVIOUS_SEGMENT)

    money_now = _money(current)
    money_before = _money(before)
    absent_rows = before.iloc[matching.absent]
    absent = pd.DataFrame(
        {
            names.CUSTOMER_ID: absent_rows[names.CUSTOMER_ID].to_numpy(),
            names.PREVIOUS_SEGMENT: absent_rows[kind].astype(str).to_numpy(),
            names.PREVIOUS_MONETARY: money_before.to_numpy()[matching.absent],
        }
    )
    # One row per customer of either period: the matrix is its cross-tabulation.
    rows_before = pd.concat(
        [previous_segment.where(found, names.NEW_ROW), absent[names.PREVIOUS_SEGMENT]],
        ignore_index=True,
    )
    rows_now = pd.concat(
        [current[kind].astype(str), pd.Series([names.GONE_COLUMN] * len(absent), dtype=object)],
        ignore_index=True,
    )
    revenue = pd.concat(
        [money_now, absent[names.PREVIOUS_MONETARY]],
        ignore_index=True,
    )
    map_order = lambda m, fallback: [*m.segments, m.fallback] if m is not None else fallback  # noqa: E731
    counts, shares, cell_revenue = transition_tables(
        rows_before,
        rows_now,
        revenue,
        previous_order=map_order(previous_map, list(previous_tiers)),
        current_order=map_order(current_map, list(current_tiers)),
    )
    moved = pd.DataFrame(
        {
            names.PREVIOUS_SEGMENT: rows_before,
            names.RFM_SEGMENT: rows_now,
            names.PREVIOUS_MONETARY: pd.concat(
                [
                    pd.Series(np.where(found, money_before.to_numpy()[take], np.nan)),
                    absent[names.PREVIOUS_MONETARY].astype("float64"),
                ],
                ignore_index=True,
            ).fillna(revenue),
        }
    )
    moved = moved[moved[names.PREVIOUS_SEGMENT] != names.NEW_ROW]
    ranked = top_moves(moved, previous_tiers, current_tiers)

    same_scale = previous.model is not None and previous.model.to_json() == model.to_json()
    on_scale = (
        _score_pairs(before, current, previous.model, same_scale)
        if kind == names.RFM_SEGMENT
        else {}
    )
    drift = drift_table(on_scale, _feature_pairs(before, current, previous.model, bool(on_scale)))
    returning = int(found.sum())
    changed = (previous_segment[found] != current[kind].astype(str)[found]).sum()
    notes = list(matching.notes)
    if not same_scale:
        notes.append(
            "This period was scored on a scale of its own, not the previous model's: a move "
            "may be a change in break points as well as in behaviour."
        )
    return PeriodChanges(
        customers=per_customer,
        absent=absent,
        counts=counts,
        row_shares=shares,
        revenue=cell_revenue,
        top_moves=ranked,
        drift=drift,
        changed_share=float(changed / returning),
        recommendation=recommendation(drift) if not drift.empty else None,
        same_scale=same_scale,
        previous_label=previous.label,
        returning=returning,
        notes=notes,
        previous_labels=previous_segment.where(found, None),
        previous_monetary=pd.Series(
            np.where(found, money_before.to_numpy()[take], np.nan), index=current.index
        ),
    )
