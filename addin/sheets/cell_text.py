"""Text that fits in an Excel cell: at most 32,767 characters, or Excel repairs the file."""

from __future__ import annotations

import pandas as pd

from addin.names import MAX_CELL_CHARACTERS


def _utf16_cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-16 units (Excel's characters), never inside a pair."""
    units = 0
    for position, character in enumerate(text):
        units += 2 if ord(character) > 0xFFFF else 1
        if units > limit:
            return text[:position]
    return text


def fit_text(values: pd.Series, limit: int = MAX_CELL_CHARACTERS) -> tuple[pd.Series, int]:
    """``values`` with every text longer than Excel's cell limit cut to it, and how many
    were cut. Numbers, dates and short text come back unchanged (the same object)."""
    if values.dtype.kind in "biufmM":
        return values, 0
    if isinstance(values.dtype, pd.CategoricalDtype):
        if not fit_text(values.cat.categories.to_series(), limit)[1]:
            return values, 0
        values = values.astype(object)  # rare: a label too long (cut labels may coincide)
    objects = values.astype(object)
    is_text = objects.map(lambda v: isinstance(v, str), na_action="ignore").fillna(False)
    text = objects[is_text.astype(bool)]
    if text.empty:
        return values, 0
    # Only a text of more than limit / 2 code points can be over limit UTF-16 units.
    candidates = text[text.str.len() > limit // 2]
    cut = candidates.map(lambda t: _utf16_cut(t, limit))
    changed = cut[cut.str.len() != candidates.str.len()]
    if changed.empty:
        return values, 0
    objects = objects.copy()
    objects[changed.index] = changed
    return objects, len(changed)


def fit_frame(frame: pd.DataFrame, where: str) -> tuple[pd.DataFrame, list[str]]:
    """Every column of ``frame`` fitted; a data-quality note per column that was cut."""
    notes, fitted = [], {}
    for column in frame.columns:
        values, cut = fit_text(frame[column])
        if cut:
            fitted[column] = values
            notes.append(
                f"{cut:,} cell{'s' if cut > 1 else ''} of column '{column}' on {where} "
                f"{'were' if cut > 1 else 'was'} longer than Excel's limit of "
                f"{MAX_CELL_CHARACTERS:,} characters and {'were' if cut > 1 else 'was'} cut "
                "to that length."
            )
    if not fitted:
        return frame, notes
    return frame.assign(**fitted), notes
