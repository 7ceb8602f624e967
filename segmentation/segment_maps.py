"""Named segments as data: a table of score ranges, first match wins.

A segment map has one row per segment: its name, inclusive ranges on the R, F and
M scores (blank means "any"), optionally a range on FM (the mean of F and M), a
description and a recommended action. Ranges are written on the map's ``scale``
(1 to 5 for the presets); scores from another number of bins are rescaled to it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.columns import normalise_header
from segmentation.errors import SegmentationError, SegmentationWarning

SEGMENT = "Segment"
DESCRIPTION = "Description"
ACTION = "Action"
RANGE_COLUMNS = ("R Min", "R Max", "F Min", "F Max", "M Min", "M Max", "FM Min", "FM Max")
MAP_COLUMNS = (SEGMENT, *RANGE_COLUMNS, DESCRIPTION, ACTION)

# The common 11-segment grid: recency score against the mean of F and M.
# Every one of the 125 score combinations on five bins lands in exactly one row.
_DEFAULT_ROWS = [
    (
        "Champions",
        4,
        5,
        4,
        5,
        "Bought recently, buy often and spend the most.",
        "Reward them: loyalty perks, early access to new products; ask for reviews and referrals.",
    ),
    (
        "Loyal",
        3,
        5,
        3,
        5,
        "Spend well and come back regularly.",
        "Upsell higher-value products; enrol them in the loyalty programme.",
    ),
    (
        "Potential Loyalist",
        4,
        5,
        2,
        2.5,
        "Recent customers with average frequency and spend.",
        "Offer membership or a loyalty programme; recommend related products.",
    ),
    (
        "New",
        5,
        5,
        1,
        1.5,
        "Bought very recently, but only once or for little.",
        "Give a warm onboarding: welcome series, first-month support, a second-purchase offer.",
    ),
    (
        "Promising",
        4,
        4,
        1,
        1.5,
        "Fairly recent shoppers who have not spent much yet.",
        "Build the relationship: free shipping threshold, product education, a small incentive.",
    ),
    (
        "Need Attention",
        3,
        3,
        2,
        2.5,
        "Average recency, frequency and spend, drifting.",
        "Send limited-time, personalised offers based on past purchases before they slip.",
    ),
    (
        "About to Sleep",
        3,
        3,
        1,
        1.5,
        "Below-average recency, frequency and spend.",
        "Reconnect with popular products and a discount; ask what would bring them back.",
    ),
    (
        "Can't Lose Them",
        1,
        2,
        4.5,
        5,
        "Used to buy most often and spend the most, but have not come back for a long time.",
        "Win them back personally: account-manager call, strong offer, survey what went wrong.",
    ),
    (
        "At Risk",
        1,
        2,
        3,
        4,
        "Spent good money and bought often, but long ago.",
        "Send personalised reactivation emails and renewal offers with helpful resources.",
    ),
    (
        "Hibernating",
        2,
        2,
        1,
        2.5,
        "Last purchase long ago, few orders, low spend.",
        "Offer relevant products and special discounts; recreate brand value cheaply.",
    ),
    (
        "Lost",
        1,
        1,
        1,
        2.5,
        "Lowest recency, frequency and spend.",
        "Try one low-cost reactivation campaign; otherwise stop spending on them.",
    ),
]

# The ten segments of the R `rfm` package's vignette, with its R/F/M score ranges.
_R_VIGNETTE_ROWS = [
    (
        "Champions",
        (5, 5),
        (5, 5),
        (5, 5),
        "Best customers: recent, frequent, high spend.",
        "Reward them and make them ambassadors.",
    ),
    (
        "Potential Loyalist",
        (3, 5),
        (3, 5),
        (2, 5),
        "Recent customers with good frequency.",
        "Offer a membership or loyalty programme.",
    ),
    (
        "Loyal Customers",
        (2, 4),
        (2, 4),
        (2, 4),
        "Steady customers who respond to promotions.",
        "Upsell higher-value products; ask for reviews.",
    ),
    (
        "Promising",
        (3, 4),
        (1, 3),
        (3, 5),
        "Recent shoppers who have not bought often.",
        "Create brand awareness; offer free trials.",
    ),
    (
        "New Customers",
        (4, 5),
        (1, 3),
        (1, 5),
        "Bought most recently, but not often.",
        "Provide onboarding support and early success.",
    ),
    (
        "Can't Lose Them",
        (1, 2),
        (3, 4),
        (4, 5),
        "Made big purchases, often, but long ago.",
        "Win them back with renewals or new products.",
    ),
    (
        "At Risk",
        (1, 2),
        (2, 5),
        (4, 5),
        "Spent big and bought often, but long ago.",
        "Send personalised emails to reconnect.",
    ),
    (
        "Need Attention",
        (1, 3),
        (3, 5),
        (3, 5),
        "Above-average values that are slipping.",
        "Make limited-time offers based on past purchases.",
    ),
    (
        "About To Sleep",
        (2, 3),
        (1, 3),
        (1, 4),
        "Below-average recency and frequency.",
        "Share valuable resources and popular products.",
    ),
    (
        "Lost",
        (1, 1),
        (1, 5),
        (1, 5),
        "Lowest recency: gone for a long time.",
        "Revive interest with outreach; otherwise ignore.",
    ),
]


def _default_table() -> pd.DataFrame:
    rows = [
        {
            SEGMENT: name,
            "R Min": r0,
            "R Max": r1,
            "FM Min": fm0,
            "FM Max": fm1,
            DESCRIPTION: text,
            ACTION: action,
        }
        for name, r0, r1, fm0, fm1, text, action in _DEFAULT_ROWS
    ]
    return pd.DataFrame(rows).reindex(columns=list(MAP_COLUMNS))


def _r_vignette_table() -> pd.DataFrame:
    rows = [
        {
            SEGMENT: name,
            "R Min": r[0],
            "R Max": r[1],
            "F Min": f[0],
            "F Max": f[1],
            "M Min": m[0],
            "M Max": m[1],
            DESCRIPTION: text,
            ACTION: action,
        }
        for name, r, f, m, text, action in _R_VIGNETTE_ROWS
    ]
    return pd.DataFrame(rows).reindex(columns=list(MAP_COLUMNS))


_ALIASES = {normalise_header(c): c for c in MAP_COLUMNS} | {
    "name": SEGMENT,
    "segmentname": SEGMENT,
    "recommendedaction": ACTION,
    "rlow": "R Min",
    "rhigh": "R Max",
    "flow": "F Min",
    "fhigh": "F Max",
    "mlow": "M Min",
    "mhigh": "M Max",
    "fmlow": "FM Min",
    "fmhigh": "FM Max",
    "rlower": "R Min",
    "rupper": "R Max",
    "flower": "F Min",
    "fupper": "F Max",
    "mlower": "M Min",
    "mupper": "M Max",
}


@dataclass(frozen=True)
class SegmentMap:
    """An ordered table of segments; the first row whose ranges hold wins.

    Parameters
    ----------
    table : DataFrame
        Columns ``Segment``, ``R Min`` .. ``M Max``, optionally ``FM Min``/``FM Max``,
        ``Description`` and ``Action``. Blank range cells mean "any score".
    scale : int, default 5
        The top score the ranges are written for.
    fallback : str, default "Other"
        The name given to score combinations that no row covers.
    """

    table: pd.DataFrame
    scale: int = 5
    fallback: str = "Other"

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, *, scale: int | None = None, fallback: str = "Other"
    ) -> SegmentMap:
        """Check and tidy a user's segment-map table (headers matched leniently)."""
        renamed = {c: _ALIASES.get(normalise_header(c), c) for c in frame.columns}
        table = frame.rename(columns=renamed)
        if SEGMENT not in table.columns:
            raise SegmentationError(
                "The segment map has no 'Segment' column. Its headers are: "
                + ", ".join(f"'{c}'" for c in frame.columns)
                + f". Expected: {', '.join(MAP_COLUMNS)}."
            )
        table = table.reindex(columns=list(MAP_COLUMNS))
        table = table[table[SEGMENT].notna() & (table[SEGMENT].astype(str).str.strip() != "")]
        if table.empty:
            raise SegmentationError("The segment map has no rows. Add at least one segment.")
        table[SEGMENT] = table[SEGMENT].astype(str).str.strip()
        for column in RANGE_COLUMNS:
            values = pd.to_numeric(table[column], errors="coerce")
            bad = table[column].notna() & values.isna()
            if bad.any():
                segment = table.loc[bad, SEGMENT].iloc[0]
                raise SegmentationError(
                    f"The segment map's '{column}' for segment '{segment}' is not a number "
                    f"({table.loc[bad, column].iloc[0]!r}). Use a score such as 1 to 5, or "
                    "leave it blank for any."
                )
            table[column] = values.astype("float64")
        for low, high in zip(RANGE_COLUMNS[::2], RANGE_COLUMNS[1::2]):
            wrong = table[low].notna() & table[high].notna() & (table[low] > table[high])
            if wrong.any():
                segment = table.loc[wrong, SEGMENT].iloc[0]
                raise SegmentationError(
                    f"The segment map's row '{segment}' has {low} above {high}. Swap them."
                )
        duplicated = table[SEGMENT].duplicated()
        if duplicated.any():
            raise SegmentationError(
                f"The segment map names '{table.loc[duplicated, SEGMENT].iloc[0]}' twice. "
                "Give each segment one row (widen its ranges instead)."
            )
        for column in (DESCRIPTION, ACTION):
            table[column] = table[column].where(table[column].notna(), "").astype(str)
        top = table[list(RANGE_COLUMNS)].max().max()
        if scale is None:
            scale = max(5, int(np.ceil(top))) if pd.notna(top) else 5
        return cls(table.reset_index(drop=True), int(scale), fallback)

    @property
    def segments(self) -> list[str]:
        return list(self.table[SEGMENT])

    def actions(self) -> dict[str, str]:
        return dict(zip(self.table[SEGMENT], self.table[ACTION]))

    def descriptions(self) -> dict[str, str]:
        return dict(zip(self.table[SEGMENT], self.table[DESCRIPTION]))

    def _rescale(self, scores: np.ndarray, n_bins: int) -> np.ndarray:
        if n_bins == self.scale:
            return scores.astype("float64")
        return np.floor(1 + (scores - 1) * (self.scale - 1) / (n_bins - 1) + 0.5)

    def lookup(self, n_bins: Mapping[str, int]) -> np.ndarray:
        """Segment code for every (R, F, M) score combination, shape (nR, nF, nM).

        Code ``len(segments)`` stands for the fallback name.
        """
        nr, nf, nm = n_bins["recency"], n_bins["frequency"], n_bins["monetary"]
        r, f, m = np.meshgrid(
            np.arange(1, nr + 1), np.arange(1, nf + 1), np.arange(1, nm + 1), indexing="ij"
        )
        values = {
            "R": self._rescale(r, nr),
            "F": self._rescale(f, nf),
            "M": self._rescale(m, nm),
        }
        values["FM"] = (values["F"] + values["M"]) / 2
        codes = np.full(r.shape, len(self.table), dtype=np.int16)
        # One pass per map row (a dozen segments), each over all 125 combinations.
        for code, row in enumerate(self.table.to_dict("records")):
            holds = codes == len(self.table)
            for key in ("R", "F", "M", "FM"):
                low, high = row[f"{key} Min"], row[f"{key} Max"]
                if pd.notna(low):
                    holds &= values[key] >= low
                if pd.notna(high):
                    holds &= values[key] <= high
            codes[holds] = code
        return codes

    def uncovered(self, n_bins: Mapping[str, int]) -> int:
        """How many score combinations fall through to the fallback name."""
        return int((self.lookup(n_bins) == len(self.table)).sum())

    def assign(
        self, r: np.ndarray, f: np.ndarray, m: np.ndarray, n_bins: Mapping[str, int]
    ) -> pd.Categorical:
        """Segment name per customer, as a categorical in map order."""
        codes = self.lookup(n_bins)[np.asarray(r) - 1, np.asarray(f) - 1, np.asarray(m) - 1]
        categories = [*self.segments, self.fallback]
        return pd.Categorical.from_codes(codes, categories=categories)

    def to_dict(self) -> dict:
        records = self.table.astype(object).where(self.table.notna(), None)
        return {
            "scale": self.scale,
            "fallback": self.fallback,
            "rows": records.to_dict(orient="records"),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> SegmentMap:
        return cls.from_frame(
            pd.DataFrame(data["rows"], columns=list(MAP_COLUMNS)),
            scale=data.get("scale"),
            fallback=data.get("fallback", "Other"),
        )


PRESETS = {
    "default": lambda: SegmentMap.from_frame(_default_table()),
    "rfm-vignette": lambda: SegmentMap.from_frame(_r_vignette_table(), fallback="Others"),
}


def get_segment_map(spec: str | pd.DataFrame | SegmentMap | None) -> SegmentMap:
    """Resolve a preset name (``"default"``, ``"rfm-vignette"``), a table or a map."""
    if spec is None:
        spec = "default"
    if isinstance(spec, SegmentMap):
        return spec
    if isinstance(spec, pd.DataFrame):
        return SegmentMap.from_frame(spec)
    if isinstance(spec, str) and spec in PRESETS:
        return PRESETS[spec]()
    raise SegmentationError(
        f"The 'segment_map' parameter must be one of {', '.join(map(repr, PRESETS))}, "
        f"a DataFrame or a SegmentMap. Got {spec!r} instead."
    )


def warn_uncovered(segment_map: SegmentMap, n_bins: Mapping[str, int]) -> None:
    gaps = segment_map.uncovered(n_bins)
    if gaps:
        warnings.warn(
            f"The segment map leaves {gaps} of "
            f"{n_bins['recency'] * n_bins['frequency'] * n_bins['monetary']} score "
            f"combinations uncovered; customers with those scores are named "
            f"'{segment_map.fallback}'.",
            SegmentationWarning,
            stacklevel=3,
        )
