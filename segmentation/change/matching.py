"""Which customer of this period is which customer of the previous period.

Ids go through the reading's own rules first (:func:`segmentation.reading.cleaning.to_ids`):
whole numbers stay numbers, text keeps its leading zeros. Within one period that is
all: ``00123`` and ``123`` typed as text are two customers. Between periods a column can
change type (exported as text one month, as numbers the next); then a text id of digits
is matched to the number it spells, and the user is told how many were matched so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation.reading.cleaning import to_ids
from segmentation.reading.quality import DataQualityReport

_DIGITS = r"\d{1,18}"
_NUMBER_TEXT = r"0|[1-9]\d{0,17}"  # as reading's "numbers typed as text"


@dataclass
class Matching:
    """Where each current customer was in the previous table.

    Attributes
    ----------
    previous_position : ndarray of int
        Per current customer, the row of the previous table (``-1``: new this period).
    absent : ndarray of int
        Rows of the previous table no current customer matched (customers not present now).
    notes : list of str
        What the matching did that the user should know.
    """

    previous_position: np.ndarray
    absent: np.ndarray
    notes: list[str] = field(default_factory=list)

    @property
    def returning(self) -> int:
        return int((self.previous_position >= 0).sum())


def _is_numeric(ids: pd.Series) -> bool:
    """Numbers, or text that only spells numbers (``"123"``, never ``"0123"``): the ids
    reading would keep as numbers had the cells held numbers (a CSV holds only text)."""
    if ids.dtype.kind in "iuf":
        return True
    present = ids.dropna().astype(str)
    return bool(len(present)) and bool(present.str.fullmatch(_NUMBER_TEXT).all())


def _keys(ids: pd.Series) -> pd.Series:
    """Ids as text keys: whole numbers without a decimal point, text as it is."""
    if ids.dtype.kind in "iuf":
        return pd.Series(
            np.where(ids.isna(), None, ids.fillna(0).astype("int64").astype(str)),
            index=ids.index,
            dtype=object,
        )
    return ids.astype(object).where(ids.notna(), None).map(lambda v: v if v is None else str(v))


def _numbers_spelled(keys: pd.Series) -> tuple[pd.Series, int, int]:
    """Text ids of digits as the number they spell (``00123`` -> ``123``).

    Returns the new keys, how many changed, and how many were left as text because two
    ids spell the same number (``0123`` and ``123``), which would make the match a guess.
    """
    text = keys.astype("string")
    digits = text.str.fullmatch(_DIGITS).fillna(False).astype(bool)
    spelled = text.where(~digits, text.str.lstrip("0").replace("", "0"))
    clash = digits & spelled.duplicated(keep=False)
    spelled = spelled.where(~clash, text)
    changed = int((digits & ~clash & (spelled != text)).sum())
    return spelled.astype(object).where(keys.notna(), None), changed, int(clash.sum())


def match_customers(current_ids: pd.Series, previous_ids: pd.Series) -> Matching:
    """Match this period's customer ids to the previous period's.

    Parameters
    ----------
    current_ids, previous_ids : Series
        One id per customer, as read (cleaned or not: both are cleaned again here).
    """
    report = DataQualityReport()
    current = to_ids(pd.Series(current_ids).reset_index(drop=True), "Customer ID", report)
    previous = to_ids(pd.Series(previous_ids).reset_index(drop=True), "Customer ID", report)
    current_keys, previous_keys = _keys(current), _keys(previous)
    notes: list[str] = []
    if _is_numeric(current) != _is_numeric(previous):
        text_side = "previous" if _is_numeric(current) else "current"
        keys = previous_keys if text_side == "previous" else current_keys
        spelled, changed, clashes = _numbers_spelled(keys)
        if text_side == "previous":
            previous_keys = spelled
        else:
            current_keys = spelled
        period = "previous period" if text_side == "previous" else "this period"
        if changed:
            notes.append(
                f"Customer ids have leading zeros in the {period} and not in the other; "
                f"{changed:,} ids with leading zeros (such as '00123') were matched to the "
                "number they spell (123), as reading does within one column."
            )
        if clashes:
            notes.append(
                f"{clashes:,} text ids in the {period} spell the same number as another "
                "(such as '0123' and '123'); they were matched only exactly."
            )
    duplicated = previous_keys.duplicated() & previous_keys.notna()
    if duplicated.any():
        notes.append(
            f"The previous period lists {int(duplicated.sum()):,} customer ids twice; the "
            "first row of each was used."
        )
    usable = (~duplicated & previous_keys.notna()).to_numpy()
    # Unusable rows get keys no id can have, so the index stays unique.
    sentinels = pd.Series([f"\0row {i}" for i in range(len(previous_keys))], dtype=object)
    index = pd.Index(previous_keys.where(usable, sentinels))
    position = index.get_indexer(current_keys.where(current_keys.notna(), "\0blank"))
    seen = np.zeros(len(previous_keys), dtype=bool)
    seen[position[position >= 0]] = True
    absent = np.flatnonzero(~seen & usable)
    return Matching(position.astype(np.int64), absent.astype(np.int64), notes)
