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

from segmentation.errors import SegmentationError, SegmentationWarning
from segmentation.reading.columns import normalise_header
from segmentation.rfm.presets import (
    ACTION,
    DESCRIPTION,
    MAP_COLUMNS,
    RANGE_COLUMNS,
    SEGMENT,
    SHIPPED_TIERS,
    TIER,
    default_table,
    r_vignette_table,
)

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
        table[TIER] = _tiers(table, int(scale))
        return cls(table.reset_index(drop=True), int(scale), fallback)

    @property
    def segments(self) -> list[str]:
        return list(self.table[SEGMENT])

    def actions(self) -> dict[str, str]:
        return dict(zip(self.table[SEGMENT], self.table[ACTION]))

    def descriptions(self) -> dict[str, str]:
        return dict(zip(self.table[SEGMENT], self.table[DESCRIPTION]))

    def tiers(self) -> dict[str, int]:
        """Tier per segment name (1 = top); the fallback name ranks with the lowest tier."""
        tiers = {name: int(t) for name, t in zip(self.table[SEGMENT], self.table[TIER])}
        return {**tiers, self.fallback: max(tiers.values())}

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


def _tiers(table: pd.DataFrame, scale: int) -> pd.Series:
    """The map's Tier column checked; blanks (maps saved before tiers) filled in.

    A blank tier takes the shipped tier of a segment of the same name, else one from
    the segment's score ranges: the middle of its R and FM (or F and M) ranges.
    """
    given = pd.to_numeric(table[TIER], errors="coerce")
    bad = (table[TIER].notna() & given.isna()) | (given.notna() & ((given % 1 != 0) | (given < 1)))
    if bad.any():
        raise SegmentationError(
            f"The segment map's 'Tier' for segment '{table.loc[bad, SEGMENT].iloc[0]}' is "
            f"{table.loc[bad, TIER].iloc[0]!r}. Use a whole number, 1 for the most valuable "
            "segments, or leave it blank."
        )
    by_name = table[SEGMENT].map(SHIPPED_TIERS)

    def middle(low: str, high: str) -> pd.Series:
        return (table[low].fillna(1) + table[high].fillna(scale)) / 2

    recency = middle("R Min", "R Max")
    value = middle("FM Min", "FM Max").where(
        table["FM Min"].notna() | table["FM Max"].notna(),
        (middle("F Min", "F Max") + middle("M Min", "M Max")) / 2,
    )
    # Scores run 1..scale; tiers run 1 (best) .. 5, like the shipped maps.
    from_ranges = (1 + np.floor((scale - (recency + value) / 2) * 5 / (scale - 1))).clip(1, 5)
    return given.fillna(by_name).fillna(from_ranges).astype("int64")


PRESETS = {
    "default": lambda: SegmentMap.from_frame(default_table()),
    "rfm-vignette": lambda: SegmentMap.from_frame(r_vignette_table(), fallback="Others"),
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
    raise SegmentationError.bad_parameter(
        "the segmentation",
        "segment_map",
        spec,
        f"one of {', '.join(map(repr, PRESETS))}, a DataFrame or a SegmentMap",
        label="the segment map",
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
