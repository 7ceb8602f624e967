"""The privacy step of the one path: keyed pseudonyms in everything a run writes.

With a key (``--pseudonymise KEYFILE`` on the command line, 'Pseudonymise IDs' = yes on
the Settings sheet), every customer ID a run writes is a keyed pseudonym: the Customers
sheet, the customer file, the hidden last-run snapshot and the Segment Changes lists.
The user's own table is their data and keeps its IDs; the columns written beside its
rows hold no ID. The key is checked before the engine runs, so a missing or short key
costs nothing; it is never written anywhere.

Matching across runs works on pseudonyms: the same ID and key give the same pseudonym,
and a previous period that still holds plain IDs is pseudonymised with this run's key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from addin import names
from addin.sheets.settings import read_settings
from addin.workbook import Workbook
from segmentation import SegmentationError
from segmentation import names as columns
from segmentation.change import PreviousPeriod
from segmentation.privacy.pseudonyms import (
    KEY_ENVIRONMENT,
    are_pseudonyms,
    load_key,
    pseudonymise,
)

# Where the Excel side keeps the key when the Settings sheet asks for pseudonyms.
KEY_FILE = Path.home() / names.PSEUDONYM_KEY_FILE


def settings_key(settings: dict[str, object]) -> bytes | None:
    """The user's key when the Settings sheet says 'Pseudonymise IDs' = yes, else None:
    the environment variable, else the key file in the user's home folder."""
    if settings.get("pseudonymise") != "yes":
        return None
    return load_key(None if os.environ.get(KEY_ENVIRONMENT) else KEY_FILE)


def run_key(book: Workbook | None, given: bytes | None) -> bytes | None:
    """The key a run pseudonymises with: the one given, else the Settings sheet's."""
    if given is not None or book is None:
        return given
    return settings_key(read_settings(book.read_sheet(names.SETTINGS_SHEET)))


@dataclass
class RunPrivacy:
    """A run's key and the previous period it compares with, its IDs made matchable."""

    key: bytes | None
    previous: PreviousPeriod | None
    previous_pseudonymised: bool = False  # pseudonyms already when read

    @property
    def on(self) -> bool:
        return self.key is not None

    def apply(self, result) -> None:
        """Replace this run's customer IDs by pseudonyms (scores and segments were made
        from the real IDs, so they are the same with or without a key)."""
        if self.key is None:
            return
        ids = pseudonymise(result.customers[columns.CUSTOMER_ID], self.key)
        result.customers = result.customers.assign(**{columns.CUSTOMER_ID: ids})
        if not self.previous_pseudonymised:
            return
        before = self.previous.customers[columns.CUSTOMER_ID].astype(str)
        if not ids.isin(set(before)).any():
            raise SegmentationError(
                f"No customer of this run matches a customer of {self.previous.label}: its "
                "pseudonyms were made with another key (or its customers are all different).",
                fix="Give the key it was made with, {pseudonym_key}.",
                suggest={"pseudonym_key": None},
            )


def run_privacy(
    book: Workbook | None, given: bytes | None, previous: PreviousPeriod | None
) -> RunPrivacy:
    """The key (given, else the Settings sheet's) and the previous period under it: plain
    IDs pseudonymised with the key; pseudonyms refused when this run has no key."""
    key = run_key(book, given)
    if previous is None or columns.CUSTOMER_ID not in previous.customers:
        return RunPrivacy(key, previous)
    ids = previous.customers[columns.CUSTOMER_ID]
    if are_pseudonyms(ids):
        if key is None:
            raise SegmentationError(
                f"{_capital(previous.label)} holds keyed pseudonyms, not customer IDs, so "
                "this run can match its customers, and keep them private, only under the "
                "same key.",
                fix="Give that key with {pseudonymise}.",
                suggest={"pseudonymise": None},
            )
        return RunPrivacy(key, previous, previous_pseudonymised=True)
    if key is None:
        return RunPrivacy(key, previous)
    customers = previous.customers.assign(**{columns.CUSTOMER_ID: pseudonymise(ids, key)})
    return RunPrivacy(key, replace(previous, customers=customers))


def own_table_note(result, written_columns: list[str]) -> str | None:
    """Said when the run wrote beside the user's table: its IDs are theirs and stay."""
    if not written_columns:
        return None
    header = result.data.columns.roles.get("customer_id", columns.CUSTOMER_ID)
    return (
        f"Your table keeps its own '{header}' column (your data is never overwritten); the "
        "columns written beside it hold no ID, and the sheets this run made carry keyed "
        "pseudonyms. Share those sheets or the customer file, not the table itself."
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
