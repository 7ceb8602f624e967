"""'Pseudonymise IDs' = yes on the Settings sheet: the ribbon's runs write pseudonyms."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pandas as pd

from addin import names
from addin.excel.buttons import run
from segmentation import names as columns
from segmentation.privacy.pseudonyms import KEY_ENVIRONMENT, pseudonymise

from ..fake_xlwings import Book, column_of
from .test_campaign_buttons import set_setting

KEY = "a long random secret for the ribbon"


def test_the_settings_row_pseudonymises_the_runs_and_a_missing_key_changes_nothing(
    customers_book, monkeypatch, tmp_path
):
    book = Book.from_xlsx(customers_book)
    set_setting(book, "Pseudonymise IDs", "yes")
    monkeypatch.delenv(KEY_ENVIRONMENT, raising=False)
    key_file = tmp_path / "pseudonym.key"
    monkeypatch.setattr("addin.privacy.KEY_FILE", key_file)
    before = {s.name: copy.deepcopy(s.cells) for s in book.sheets}
    run("rfm", book)
    message, _, mode = book.app.alerts[-1]
    assert mode == "critical" and "pseudonym key file" in message and "does not exist" in message
    assert "'Pseudonymise IDs' on the Segmentation Settings sheet" in message  # Excel's words
    assert "--" not in message  # no command-line flag in Excel
    assert {s.name: s.cells for s in book.sheets} == before  # nothing written

    key_file.write_text(KEY, encoding="utf-8")
    run("rfm", book)
    message, _, mode = book.app.alerts[-1]
    assert mode is None and "Your table keeps its own 'Customer ID' column" in message
    ids = column_of(book.sheets["Customers"], "Customer ID")
    assert ids == column_of(SimpleNamespace(cells=before["Customers"]), "Customer ID")  # theirs
    snapshot = book.sheets[names.SNAPSHOT_SHEET]
    stored = [v for v in column_of(snapshot, columns.CUSTOMER_ID) if v is not None]
    assert set(stored) == set(pseudonymise(pd.Series(ids), KEY.encode()))

    run("apply", book)  # the refresh compares with the last run under the same key
    message, _, mode = book.app.alerts[-1]
    assert mode is None, message
    previous = column_of(book.sheets["Customers"], columns.PREVIOUS_SEGMENT)
    assert previous and all(v is not None for v in previous[: len(stored)])
