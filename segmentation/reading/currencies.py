"""Currencies written in amount cells: one currency is read as plain numbers, mixed ones
are refused (summing 100 EUR and 100 USD to 200 would be a wrong result)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.errors import SegmentationError, describe_rows

# A symbol and the code it is taken for; "$" is read as USD, as most exports mean it.
SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "KR": "kr"}
_SYMBOL = r"(?P<symbol>[$€£¥₹]|\b[kK][rR]\b\.?)"
_CODE_BEFORE = r"^\(?(?P<before>[A-Z]{3})\s*[-+(\d.,]"
_CODE_AFTER = r"[\d.,)]\s*(?P<after>[A-Z]{3})\)?$"


def currencies(text: pd.Series) -> pd.Series:
    """The currency each text amount is written in (a code), or NaN when none is."""
    s = text.str.strip()
    symbol = s.str.extract(_SYMBOL, flags=0)["symbol"].str.upper().str.rstrip(".")
    before = s.str.extract(_CODE_BEFORE)["before"]
    after = s.str.extract(_CODE_AFTER)["after"]
    return symbol.map(SYMBOLS).fillna(before).fillna(after)


def check_one_currency(text: pd.Series, column: str, rows: np.ndarray | None) -> None:
    """Refuse a column whose amounts are written in more than one currency."""
    found = currencies(text)
    kinds = found.dropna().unique()
    if len(kinds) < 2:
        return
    parts = []
    for code in sorted(kinds):
        where = found.eq(code).to_numpy()
        place = f" ({describe_rows(rows[where])})" if rows is not None else ""
        parts.append(f"{code}{place}, e.g. {text[where].iloc[0].strip()!r}")
    raise SegmentationError(
        f"Column '{column}' mixes currencies: {'; '.join(parts)}. Amounts in different "
        "currencies cannot be added up: convert them to one currency in the source (a "
        "column of converted amounts, chosen as the amount column, will do), or segment "
        "each currency on its own."
    )
