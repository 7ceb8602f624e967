"""CSV files a spreadsheet opens without running anything in them.

Excel, LibreOffice and Google Sheets evaluate a CSV field that starts with ``=``, ``+``,
``-`` or ``@`` (and, in some versions, a tab or carriage return) as a formula, so a
customer id such as ``=HYPERLINK(...)`` would become a live link. As OWASP advises
(CSV injection), such text fields get a leading single quote and are quoted, so the
spreadsheet shows them as text. Real numbers are left alone: a negative amount in a
numeric column, or a text cell that is just a number such as ``-12.5``, is not a
formula and stays a number.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

# What a spreadsheet may evaluate when a CSV field starts with it.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"


def neutralised(values: pd.Series) -> pd.Series:
    """Text cells a spreadsheet would evaluate, prefixed with a single quote.

    Numeric, date and boolean columns are returned unchanged; in a text column, only
    ``str`` cells that start with a trigger and are not plain numbers change.
    """
    if values.dtype.kind in "biufmM":
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories
        if categories.dtype.kind not in "O" and not pd.api.types.is_string_dtype(categories):
            return values
        return values.cat.rename_categories(neutralised(categories.to_series()).to_numpy())
    text = values.astype(object)
    is_text = text.map(lambda v: isinstance(v, str), na_action="ignore").fillna(False)
    if not is_text.any():
        return values
    strings = text[is_text.astype(bool)].astype(str)
    risky = strings.str.startswith(FORMULA_TRIGGERS) & ~strings.str.match(_PLAIN_NUMBER)
    if not risky.any():
        return values
    text = text.copy()
    text[risky[risky].index] = "'" + strings[risky]
    return text


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every column's risky text neutralised (headers too)."""
    safe = pd.DataFrame(
        {position: neutralised(frame.iloc[:, position]) for position in range(frame.shape[1])}
    )
    safe.columns = neutralised(pd.Series(frame.columns.astype(str), dtype=object)).tolist()
    safe.index = frame.index
    return safe


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` as a UTF-8 CSV with a byte-order mark (so Excel reads the accents),
    safe to open: every text field quoted, risky text neutralised, numbers as numbers."""
    safe_frame(frame).to_csv(path, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_NONNUMERIC)
