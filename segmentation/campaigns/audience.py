"""Who a campaign can reach: the chosen segments, less those who opted out; contact columns.

Consent is read from the user's own column: an opt-out column ("Opt Out",
"Unsubscribed", "Do Not Contact") excludes the customers marked yes; a consent
column ("Marketing Consent", "Email Opt-In") excludes every customer not marked yes,
blanks included (no recorded consent is no consent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.errors import SegmentationError, describe_rows
from segmentation.reading.columns import normalise_header

OPT_OUT_HEADERS = (
    "optout", "optedout", "emailoptout", "unsubscribed", "unsubscribe", "donotcontact",
    "donotemail", "donotmail", "nocontact", "nomarketing", "suppressed", "suppress",
)  # fmt: skip
CONSENT_HEADERS = (
    "consent", "marketingconsent", "emailconsent", "optin", "optedin", "emailoptin",
    "marketingoptin", "subscribed", "gdprconsent", "permission", "contactpermission",
)  # fmt: skip
# Headers (normalised) of columns a mail or phone tool needs, by the words they contain.
CONTACT_WORDS = (
    "email", "mail", "phone", "mobile", "cell", "tel", "name", "firstname", "lastname",
    "surname", "salutation", "address", "street", "city", "town", "postcode", "postalcode",
    "zip", "country", "company",
)  # fmt: skip

YES = frozenset({"1", "yes", "y", "true", "x", "ja", "oui", "si", "t"})
NO = frozenset({"0", "no", "n", "false", "", "nan", "none", "nein", "non", "f"})


def _text(values: pd.Series) -> pd.Series:
    """Cell values as lower-case text; numbers from Excel as 1 and 0, not 1.0 and 0.0."""
    series = pd.Series(values)
    if series.dtype.kind in "fiub":
        numbers = pd.to_numeric(series, errors="coerce")
        whole = numbers.notna() & (numbers == np.floor(numbers.fillna(0)))
        text = numbers.astype(str)
        text[whole] = numbers[whole].astype("int64").astype(str)
        return text.where(numbers.notna(), "").fillna("")
    as_number = pd.to_numeric(series, errors="coerce")
    text = series.astype(str).str.strip().str.casefold()
    whole = as_number.notna() & (as_number == np.floor(as_number.fillna(0)))
    text[whole] = as_number[whole].astype("int64").astype(str)
    return text.where(series.notna(), "").fillna("")


def yes_no(
    values: pd.Series, *, column: str, first_row: int = 2, rows: np.ndarray | None = None
) -> np.ndarray:
    """Booleans from yes/no, 1/0, true/false cells; anything else is an error naming rows.

    ``rows`` are the values' sheet rows (default: consecutive from ``first_row``)."""
    text = _text(values)
    yes = text.isin(YES).to_numpy()
    unknown = ~(yes | text.isin(NO).to_numpy())
    if unknown.any():
        at = np.flatnonzero(unknown)
        where = at + first_row if rows is None else np.asarray(rows)[at]
        raise SegmentationError(
            f"Column '{column}' must hold yes/no or 1/0; it has '{text[unknown].iloc[0]}' "
            f"({describe_rows(where)}). Correct those cells."
        )
    return yes


@dataclass(frozen=True)
class ConsentColumn:
    header: str
    opt_out: bool  # True: yes means excluded; False (a consent column): only yes is kept


def find_consent_column(headers: Sequence[str], named: str | None = None) -> ConsentColumn | None:
    """The opt-out or consent column: the one named, else the first whose header says so."""
    if named:
        if named not in headers:
            raise SegmentationError(
                f"There is no column '{named}' to read opt-outs from. Columns: "
                + ", ".join(f"'{h}'" for h in headers)
                + "."
            )
        return ConsentColumn(named, normalise_header(named) not in CONSENT_HEADERS)
    for header in headers:
        key = normalise_header(header)
        if key in OPT_OUT_HEADERS:
            return ConsentColumn(header, True)
        if key in CONSENT_HEADERS:
            return ConsentColumn(header, False)
    return None


def contact_columns(headers: Sequence[str], exclude: Sequence[str] = ()) -> list[str]:
    """The columns a mail tool needs (e-mail, phone, name, address), in table order."""
    found = []
    for header in headers:
        key = normalise_header(header)
        if header in exclude or not key:
            continue
        if any(key == word or key.startswith(word) or key.endswith(word) for word in CONTACT_WORDS):
            found.append(header)
    return found


def check_segments(chosen: Sequence[str], existing: Sequence[str]) -> list[str]:
    """The chosen segments, matched ignoring case; unknown ones are an error listing all."""
    by_key = {str(s).strip().casefold(): str(s) for s in existing}
    picked, unknown = [], []
    for segment in chosen:
        match = by_key.get(str(segment).strip().casefold())
        (picked if match is not None else unknown).append(match or str(segment).strip())
    if not picked and not unknown:
        unknown = ["(none given)"]
    if unknown:
        raise SegmentationError(
            "No segment named "
            + ", ".join(f"'{s}'" for s in unknown)
            + ". The segments are: "
            + ", ".join(f"'{s}'" for s in sorted(by_key.values()))
            + "."
        )
    return list(dict.fromkeys(picked))
