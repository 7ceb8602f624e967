"""The Segment Changes sheet: who moved where since the previous period, and drift.

Top to bottom: the moves that matter most, the from -> to matrix (customers, row shares
with a heatmap, revenue) beside a 100% stacked bar per previous segment, movement
counts, drift per dimension, then every customer of either period as a filterable
Excel Table, the moves that matter first. Also the hidden snapshot of a run's segments
kept for customer tables, which the next refresh compares with.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from addin import names
from addin.sheets.layout import (
    MONEY,
    PERCENT,
    Block,
    Chart,
    ColorScale,
    SheetLayout,
)
from segmentation import defaults
from segmentation import names as columns
from segmentation.change import PeriodChanges

GONE = "gone"  # the movement shown for customers of the previous period absent now
MOVEMENT_ORDER = (*columns.MOVEMENTS, GONE)
SHARE_COLORS = ("FFFFFF", "D9EAD3", "63BE7B")
CHART_ROWS_PER_SEGMENT = 1.6  # chart height (cm) per previous segment


def _matrix_frame(table: pd.DataFrame) -> pd.DataFrame:
    frame = table.copy()
    frame.columns = [str(c) for c in frame.columns]
    frame.insert(0, columns.PREVIOUS_SEGMENT, [str(i) for i in table.index])
    return frame.reset_index(drop=True)


def _with_total(counts: pd.DataFrame) -> pd.DataFrame:
    return counts.assign(Total=counts.iloc[:, 1:].sum(axis=1))


def movers(changes: PeriodChanges, current: pd.DataFrame) -> pd.DataFrame:
    """Every customer of either period, the moves that matter first.

    Order: downgrades out of the top tiers (largest previous value first), then other
    downgrades, customers gone, returning, up, new, same; ties by customer id text.
    """
    kind = columns.RFM_SEGMENT if columns.RFM_SEGMENT in current else columns.CLUSTER_NAME
    now = pd.DataFrame(
        {
            columns.CUSTOMER_ID: current[columns.CUSTOMER_ID].astype(str),
            columns.PREVIOUS_SEGMENT: changes.previous_labels,
            kind: current[kind].astype(str),
            columns.MOVEMENT: changes.customers[columns.MOVEMENT],
            columns.MONETARY: current[columns.MONETARY],
            columns.PREVIOUS_MONETARY: changes.previous_monetary,
        }
    )
    gone = pd.DataFrame(
        {
            columns.CUSTOMER_ID: changes.absent[columns.CUSTOMER_ID].astype(str),
            columns.PREVIOUS_SEGMENT: changes.absent[columns.PREVIOUS_SEGMENT],
            kind: columns.GONE_COLUMN,
            columns.MOVEMENT: GONE,
            columns.PREVIOUS_MONETARY: changes.absent[columns.PREVIOUS_MONETARY],
        }
    )
    table = pd.concat([now, gone], ignore_index=True)
    top_from = set(changes.top_moves[columns.FROM_SEGMENT])
    top_pairs = set(
        zip(changes.top_moves[columns.FROM_SEGMENT], changes.top_moves[columns.TO_SEGMENT])
    )
    pair = list(zip(table[columns.PREVIOUS_SEGMENT], table[kind]))
    matters = np.array([p in top_pairs for p in pair]) & table[columns.PREVIOUS_SEGMENT].isin(
        top_from
    )
    rank = table[columns.MOVEMENT].map({m: i for i, m in enumerate(
        (columns.MOVED_DOWN, GONE, columns.RETURNING, columns.MOVED_UP, columns.NEW_CUSTOMER,
         columns.SAME_TIER))})  # fmt: skip
    value = table[columns.PREVIOUS_MONETARY].fillna(table[columns.MONETARY])
    table = table.assign(_first=~matters, _rank=rank, _value=-value.fillna(0))
    table = table.sort_values(
        ["_first", "_rank", "_value", columns.CUSTOMER_ID], kind="stable"
    ).drop(columns=["_first", "_rank", "_value"])
    return table.reset_index(drop=True)


def movement_counts(customers: pd.DataFrame) -> pd.DataFrame:
    counts = customers[columns.MOVEMENT].value_counts()
    return pd.DataFrame(
        {
            columns.MOVEMENT: list(MOVEMENT_ORDER),
            columns.CUSTOMERS: [int(counts.get(m, 0)) for m in MOVEMENT_ORDER],
        }
    )


def changes_sheet(changes: PeriodChanges, current: pd.DataFrame) -> SheetLayout:
    """The Segment Changes sheet for this run's customers against the previous period."""
    new = int((changes.customers[columns.MOVEMENT] == columns.NEW_CUSTOMER).sum())
    scale = (
        "Both periods scored with the previous period's model: a move is a change in behaviour."
        if changes.same_scale
        else "This period was fitted anew: its scale differs from the previous period's."
    )
    notes = [
        f"Compared with {changes.previous_label}: {changes.returning:,} returning customers, "
        f"{new:,} new, {len(changes.absent):,} not present now; "
        f"{changes.changed_share:.0%} of returning customers changed segment. {scale}",
        changes.recommendation
        or "Drift: the saved break points still split customers into the intended shares.",
    ]
    layout = SheetLayout(names.CHANGES_SHEET, "Segment Changes", notes)
    row = 5
    top = changes.top_moves
    if top.empty:
        top = pd.DataFrame({"Moves that matter most": ["No customer left the top tiers."]})
    layout.blocks.append(
        Block("top_moves", top, row, title=f"Moves that matter most: downgrades out of tiers "
              f"1 to {defaults.TOP_TIERS}, by value at stake (previous spend)",
              number_formats={c: MONEY for c in top.columns if c == columns.VALUE_AT_STAKE})
    )  # fmt: skip
    row += len(top) + 3
    counts = _with_total(_matrix_frame(changes.counts))
    matrix = Block("matrix", counts, row, title="Customers: previous segment (rows) to "
                   "this period's segment (columns)")  # fmt: skip
    shares = _matrix_frame(changes.row_shares)
    share_row = matrix.last_row + 3
    share_block = Block(
        "shares", shares, share_row, title="Share of each previous segment",
        number_formats=dict.fromkeys(shares.columns[1:], PERCENT),
    )  # fmt: skip
    money = _with_total(_matrix_frame(changes.revenue))
    revenue_row = share_block.last_row + 3
    revenue = Block(
        "revenue", money, revenue_row, title="Revenue (Monetary) of each cell; previous "
        "spend for customers not present now",
        number_formats=dict.fromkeys(money.columns[1:], MONEY),
    )  # fmt: skip
    layout.blocks += [matrix, share_block, revenue]
    # Shares run from none (white) to all (green): a low share is not a bad one.
    layout.color_scales.append(
        ColorScale("shares", shares.columns[1], shares.columns[-1], *SHARE_COLORS)
    )
    chart_column = len(counts.columns) + 2
    layout.charts.append(
        Chart(
            "bar",
            "Where each previous segment went",
            "matrix",
            columns.PREVIOUS_SEGMENT,
            tuple(counts.columns[1:-1]),
            matrix.row,
            chart_column,
            percent=True,
            grouping="percent",
            width_cm=18.0,
            height_cm=max(8.5, 3.0 + CHART_ROWS_PER_SEGMENT * len(counts)),
        )
    )
    below = revenue.last_row + 3
    layout.blocks += [
        Block("movement", movement_counts(movers(changes, current)), below, title="Movement"),
        Block(
            "drift", changes.drift, below, 4,
            title=f"Drift (PSI: under {defaults.PSI_WATCH} stable, above "
            f"{defaults.PSI_REFIT} refit)", number_formats={columns.PSI: "0.000"},
        ),
    ]  # fmt: skip
    listing = movers(changes, current)
    list_row = below + max(len(MOVEMENT_ORDER), len(changes.drift)) + 4
    room = names.MAX_SHEET_ROWS - list_row
    if len(listing) > room:
        layout.notes.append(f"The customer list shows the first {room:,} of {len(listing):,}.")
        listing = listing.iloc[:room]
    layout.blocks.append(
        Block(
            "customers",
            listing,
            list_row,
            title="Every customer, the moves that matter first (use the filter buttons)",
            table_name=names.CHANGES_CUSTOMERS_TABLE,
            number_formats={columns.MONETARY: MONEY, columns.PREVIOUS_MONETARY: MONEY},
            fit_width=False,
        )
    )
    layout.column_widths = {1: 26, **dict.fromkeys(range(2, len(counts.columns) + 1), 17)}
    return layout


def snapshot_sheet(customers: pd.DataFrame) -> SheetLayout:
    """This run's segments per customer id, hidden, for the next refresh to compare with."""
    keep = [
        c
        for c in (columns.CUSTOMER_ID, *columns.RFM_VALUES, *names.SCORE_COLUMNS,
                  *names.CLUSTER_COLUMNS)
        if c in customers
    ]  # fmt: skip
    layout = SheetLayout(names.SNAPSHOT_SHEET, "", hidden=True)
    layout.blocks.append(
        Block("snapshot", customers[keep].reset_index(drop=True), 1,
              table_name=names.SNAPSHOT_TABLE, fit_width=False)
    )  # fmt: skip
    return layout


def _period_label(end: pd.Timestamp, every: str) -> str:
    return f"{end.year} Q{(end.month - 1) // 3 + 1}" if every == "quarter" else f"{end:%Y-%m}"


def history_sheet(history: pd.DataFrame, every: str, source: str, model_date: str) -> SheetLayout:
    """Customers and revenue per segment at each period end, with stacked charts."""
    ends = pd.to_datetime(history[columns.PERIOD_END])
    labelled = history.assign(Period=[_period_label(e, every) for e in ends])
    segments = list(dict.fromkeys(history[columns.SEGMENT]))

    def wide(value: str) -> pd.DataFrame:
        table = labelled.pivot(index="Period", columns=columns.SEGMENT, values=value)
        table = table.reindex(columns=segments).fillna(0)
        table.columns = [str(c) for c in table.columns]
        return table.reset_index().assign(Total=lambda t: t[segments].sum(axis=1))

    counts, revenue = wide(columns.CUSTOMERS), wide(columns.REVENUE)
    periods = len(counts)
    notes = [
        f"{source}: RFM segments at the end of each {every} ({periods} periods), every period "
        f"scored with the model fitted on the customers of {model_date} (one scale).",
        "A customer counts from their first purchase on; revenue is each segment's total "
        "spend to date (Monetary), as on the Segment Summary of a run at that date.",
    ]
    layout = SheetLayout(names.HISTORY_SHEET, "Segment History", notes)
    count_block = Block("customers", counts, 5, title="Customers per segment")
    money_row = count_block.last_row + 3
    money_block = Block(
        "revenue", revenue, money_row, title="Revenue per segment (spend to date)",
        number_formats=dict.fromkeys(revenue.columns[1:], MONEY),
    )  # fmt: skip
    long_row = money_block.last_row + 3
    long_table = labelled[["Period", columns.PERIOD_END, columns.SEGMENT, columns.CUSTOMERS,
                           columns.REVENUE]]  # fmt: skip
    layout.blocks += [
        count_block,
        money_block,
        Block("history", long_table, long_row, title="All figures (for pivot tables)",
              table_name=names.HISTORY_TABLE,
              number_formats={columns.PERIOD_END: "yyyy-mm-dd", columns.REVENUE: MONEY}),
    ]  # fmt: skip
    chart_column = len(counts.columns) + 2
    height = 9.0
    for i, (block, title) in enumerate(
        ((count_block, "Customers per segment"), (money_block, "Revenue per segment"))
    ):
        layout.charts.append(
            Chart("column", title, block.key, "Period", tuple(segments), 5 + i * 20,
                  chart_column, grouping="stacked", width_cm=20.0, height_cm=height)
        )  # fmt: skip
    layout.column_widths = {1: 12, **dict.fromkeys(range(2, len(counts.columns) + 1), 15)}
    return layout
