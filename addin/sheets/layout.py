"""What goes on each output sheet: tables, charts and colour scales, decided here once.

Pure data: a :class:`SheetLayout` says where each block of cells goes and which
charts draw from which columns. The workbook adapters (files now, live Excel in the
add-in) only render it, so every layout decision is testable without Excel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from addin import names
from segmentation import names as columns
from segmentation.api import SegmentationResult
from segmentation.rfm.empty_scores import empty_scores_note

ChartKind = Literal["bar", "column", "line"]
# How a bar or column chart's series share a category: side by side, stacked, or stacked
# to 100% (each bar shows shares).
Grouping = Literal["clustered", "stacked", "percent"]

MONEY = "#,##0.00"
PERCENT = "0.0%"
DECIMAL = "0.0"
DATE = "yyyy-mm-dd"


@dataclass
class Block:
    """A rectangle of cells: a header row and ``frame``'s rows, top-left at (row, column)."""

    key: str
    frame: pd.DataFrame
    row: int
    column: int = 1
    title: str | None = None
    table_name: str | None = None  # write as an Excel Table with this name
    number_formats: dict[str, str] = field(default_factory=dict)
    header: bool = True
    fit_width: bool = True  # let this block's contents set its columns' widths

    @property
    def first_data_row(self) -> int:
        return self.row + (1 if self.header else 0)

    @property
    def last_row(self) -> int:
        return self.first_data_row + len(self.frame) - 1

    def column_index(self, name: str) -> int:
        return self.column + list(self.frame.columns).index(name)


@dataclass
class Chart:
    kind: ChartKind
    title: str
    block: str
    categories: str
    values: tuple[str, ...]
    anchor_row: int
    anchor_column: int
    y_title: str = ""
    x_title: str = ""
    percent: bool = False
    width_cm: float = 16.0
    height_cm: float = 8.5
    # Custom error bars on the (single) series: the block's columns holding the distance
    # below and above each value, e.g. a confidence interval.
    error_bars: tuple[str, str] | None = None
    # The value axis' range when the data alone would not show everything (error bars).
    value_range: tuple[float, float] | None = None
    grouping: Grouping = "clustered"


# Excel's own red-yellow-green scale: low values red, the median yellow, high green.
LOW_COLOR, MID_COLOR, HIGH_COLOR = "F8696B", "FFEB84", "63BE7B"


@dataclass
class ColorScale:
    """A three-colour scale over a block's data cells (heatmaps), median in the middle."""

    block: str
    first_column: str
    last_column: str
    low_color: str = LOW_COLOR
    mid_color: str = MID_COLOR
    high_color: str = HIGH_COLOR


@dataclass
class SheetLayout:
    name: str
    title: str
    notes: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    color_scales: list[ColorScale] = field(default_factory=list)
    column_widths: dict[int, float] = field(default_factory=dict)
    hidden: bool = False

    def block(self, key: str) -> Block:
        return next(b for b in self.blocks if b.key == key)


def auto_widths(layout: SheetLayout, *, widest: float = 48.0) -> dict[int, float]:
    """Column widths (in characters) that fit each block's header and values."""
    widths: dict[int, float] = {}
    for block in layout.blocks:
        if not block.fit_width:
            continue
        for j, name in enumerate(block.frame.columns):
            values = block.frame[name]
            sample = values.head(200).astype(str).fillna("").str.len()
            top = sample.max() if len(sample) else 0
            longest = max(len(str(name)) if block.header else 0, int(top))
            if number_format(str(name)) == MONEY:
                longest += 3  # thousands separators
            column = block.column + j
            widths[column] = max(widths.get(column, 0), min(widest, max(8.0, longest + 2.0)))
    return widths


def number_format(column: str) -> str | None:
    """The number format an analyst expects for one of our output columns."""
    if (found := _value_format(column)) is not None:  # customer value
        return found
    if column.startswith("%") or column.endswith("share") or column.endswith("Share"):
        return PERCENT
    if column in (columns.MONETARY, "Revenue") or column.endswith(columns.MONETARY):
        return MONEY
    if column == columns.LAST_PURCHASE:
        return DATE
    if column.startswith(("Mean ", "Median ")):
        return DECIMAL
    return None


def _value_format(column: str) -> str | None:
    if column.startswith((columns.PREDICTED_CLV, columns.EXPECTED_ORDER_VALUE)) or column in (
        columns.TOTAL_CLV,
        columns.MEAN_CLV,
        columns.VALUE_AT_RISK,
    ):
        return MONEY
    if column in (columns.P_ALIVE, columns.MEAN_P_ALIVE) or column.startswith(
        columns.EXPECTED_PURCHASES
    ):
        return "0.00"
    if column == columns.FIRST_PURCHASE:
        return DATE
    return None


def _formats(frame: pd.DataFrame) -> dict[str, str]:
    return {c: f for c in frame.columns if (f := number_format(str(c))) is not None}


def _table_block(key: str, frame: pd.DataFrame, table_name: str) -> Block:
    """A report's main Excel Table, below its title and two lines of notes."""
    return Block(key, frame, row=5, table_name=table_name, number_formats=_formats(frame))


def _summary_columns(profile: pd.DataFrame) -> pd.DataFrame:
    first = ["Priority", "Segment", "Customers", "% Customers", "Revenue", "% Revenue"]
    rest = [c for c in profile.columns if c not in first]
    return profile[[c for c in first if c in profile.columns] + rest]


def rf_grid(customers: pd.DataFrame, value: str | None = None) -> pd.DataFrame:
    """Customers (or mean ``value``) per R score (rows, high first) and F score (columns)."""
    r = customers[columns.R_SCORE].to_numpy()
    f = customers[columns.F_SCORE].to_numpy()
    n_r, n_f = int(r.max()), int(f.max())
    cell = (r - 1) * n_f + (f - 1)
    counts = np.bincount(cell, minlength=n_r * n_f).reshape(n_r, n_f)
    if value is None:
        grid = counts.astype(np.int64)
    else:
        sums = np.bincount(cell, weights=customers[value].to_numpy(float), minlength=n_r * n_f)
        with np.errstate(invalid="ignore", divide="ignore"):
            grid = np.round(sums.reshape(n_r, n_f) / counts, 2)
    frame = pd.DataFrame(grid[::-1], columns=[f"F = {i}" for i in range(1, n_f + 1)])
    frame.insert(0, "R score", [f"R = {i}" for i in range(n_r, 0, -1)])
    return frame


def empty_score_notes(result: SegmentationResult) -> list[str]:
    """Why a score column of the R x F grid is empty, and the settings that change it."""
    empty = getattr(result.model.rfm, "empty_scores_", None) or {}
    return [
        f"{empty_scores_note(dimension, scores)} (Settings: 'Tie rule' rank or fewer 'Score "
        "bins'; command line: --ties rank or --bins.)"
        for dimension, scores in empty.items()
    ]


def summary_sheet(result: SegmentationResult, source: str) -> SheetLayout:
    """Segment sizes, revenue shares, profiles, priorities, actions; charts; R x F heatmaps."""
    profile = result.rfm_profile if result.rfm_profile is not None else result.cluster_profile
    segment_kind = "RFM segment" if result.rfm_profile is not None else "cluster"
    table = _summary_columns(profile)
    customers = result.customers
    notes = [
        f"{len(customers):,} customers from {source}"
        + (f", analysis date {result.data.as_of.date()}" if result.data.as_of is not None else "")
        + f". Segments by {segment_kind}, in priority order (most revenue first).",
        f"Data quality: {result.data.report.summary_line()}",
    ]
    notes += empty_score_notes(result)
    layout = SheetLayout(names.SUMMARY_SHEET, "Segment Summary", notes)
    summary = _table_block("summary", table, names.SUMMARY_TABLE)
    layout.blocks.append(summary)
    chart_row = summary.last_row + 3
    layout.charts += [
        Chart(
            "bar",
            "Customers by segment",
            "summary",
            "Segment",
            ("Customers",),
            chart_row,
            1,
            y_title="Customers",
        ),
        Chart(
            "bar",
            "Share of customers and of revenue",
            "summary",
            "Segment",
            ("% Customers", "% Revenue"),
            chart_row,
            8,
            percent=True,
        ),
    ]
    if columns.R_SCORE in customers.columns:
        grid_row = chart_row + 19
        counts = rf_grid(customers)
        money = rf_grid(customers, columns.MONETARY)
        layout.blocks += [
            Block("rf_counts", counts, grid_row, 1, title="Customers by R and F score"),
            Block(
                "rf_monetary",
                money,
                grid_row,
                len(counts.columns) + 3,
                title="Average monetary value by R and F score",
                number_formats=dict.fromkeys(money.columns[1:], MONEY),
            ),
        ]
        layout.color_scales += [
            ColorScale("rf_counts", counts.columns[1], counts.columns[-1]),
            ColorScale("rf_monetary", money.columns[1], money.columns[-1]),
        ]
        quality_row = grid_row + len(counts) + 3
    else:
        quality_row = chart_row + 19
    quality = result.data.report.to_frame()
    if not quality.empty:
        layout.blocks.append(
            Block("quality", quality, quality_row, 1, title="Data quality fixes", fit_width=False)
        )
    tests = result.rfm_tests if result.rfm_profile is not None else result.cluster_tests
    add_segment_tests(layout, tests, "segment_tests")
    return layout


def clusters_sheet(result: SegmentationResult) -> SheetLayout:
    """Per-cluster profile, validation figures, the k-selection curve and its chart."""
    model = result.model.clusters
    profile = result.cluster_profile.rename(columns={"Segment": columns.CLUSTER_NAME})
    first = ["Priority", columns.CLUSTER, columns.CLUSTER_NAME]
    profile = profile[first + [c for c in profile.columns if c not in first]]
    profile = profile.sort_values(columns.CLUSTER, kind="stable").reset_index(drop=True)
    profile = with_stability(profile, getattr(model, "stability_", None))
    validation = model.validation_
    figures = pd.DataFrame(
        {
            "Measure": [
                "Clusters (k)",
                "Silhouette (higher is better, -1 to 1)",
                "Davies-Bouldin (lower is better)",
                "Calinski-Harabasz (higher is better)",
                "Smallest cluster share",
                "Largest cluster share",
            ]
            + ["Seed-to-seed agreement (adjusted Rand, 1 = same)"],
            "Value": [
                model.n_clusters_,
                validation["silhouette"],
                validation["davies_bouldin"],
                validation["calinski_harabasz"],
                validation["smallest_share"],
                validation["largest_share"],
            ]
            + [validation.get("seed_agreement", float("nan"))],
        }
    )
    curve = model.k_scores_.rename(
        columns={
            "k": "k",
            "silhouette": "Silhouette",
            "calinski_harabasz": "Calinski-Harabasz",
            "davies_bouldin": "Davies-Bouldin",
            "inertia": "Inertia",
            "least_stable": "Least stable cluster (Jaccard)",
        }
    )
    chosen = getattr(model, "k_choice_", "") or (
        f"{model.n_clusters_} clusters chosen by the best silhouette for k in "
        f"{int(curve['k'].min())}..{int(curve['k'].max())}."
    )
    notes = [
        f"{chosen} K-means, fixed seed; cluster 1 has the highest value per customer.",
        "Features: " + ", ".join(model.feature_names_) + ".",
    ]
    layout = SheetLayout(names.CLUSTERS_SHEET, "Cluster Profiles", notes)
    top = _table_block("profile", profile, names.CLUSTERS_TABLE)
    below = top.last_row + 3
    measures = Block(
        "validation", figures, below, 1, title="Validation", number_formats={"Value": "0.000"}
    )
    k_block = Block(
        "k_curve",
        curve,
        below,
        4,
        title="Choosing k",
        table_name=names.K_CURVE_TABLE,
        number_formats={
            "Silhouette": "0.000",
            "Davies-Bouldin": "0.000",
            "Calinski-Harabasz": "#,##0",
            "Inertia": "#,##0",
            "Least stable cluster (Jaccard)": "0.000",
        },
    )
    layout.blocks += [top, measures, k_block]
    # The segment tests below supersede the Kruskal-Wallis table (they include it).
    if result.cluster_differences is not None and result.cluster_tests is None:
        tests = result.cluster_differences.copy()
        tests["Segments differ"] = np.where(tests["Segments differ"], "yes", "no")
        layout.blocks.append(
            Block(
                "differences",
                tests,
                below + len(figures) + 3,
                1,
                title="Do clusters differ? (Kruskal-Wallis)",
                number_formats={"p-value": "0.0000", "Kruskal-Wallis H": "0.0"},
            )
        )
    layout.charts.append(
        Chart(
            "line",
            "Silhouette by number of clusters",
            "k_curve",
            "k",
            ("Silhouette",),
            max(measures.last_row, k_block.last_row) + 2,  # under the two tables: on page 1
            1,
            x_title="k",
            y_title="Silhouette",
        )
    )
    layout.column_widths = {1: 38}
    add_segment_tests(layout, result.cluster_tests, "cluster_tests")
    return layout


def customers_sheet(customers: pd.DataFrame) -> SheetLayout:
    """One row per customer (for a transaction log input) as an Excel Table."""
    layout = SheetLayout(names.CUSTOMERS_SHEET, "")
    layout.blocks.append(
        Block(
            "customers",
            customers.reset_index(drop=True),
            row=1,
            table_name=names.CUSTOMERS_TABLE,
            number_formats=_formats(customers),
        )
    )
    return layout


# Segment tests and cluster stability (issue 17); imported last: it builds on Block.
from addin.sheets.validation_blocks import add_segment_tests, with_stability  # noqa: E402
