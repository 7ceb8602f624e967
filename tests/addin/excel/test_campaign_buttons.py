"""The Campaign and Readout buttons, through the stand-in for xlwings."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from addin import names
from addin.excel.buttons import run
from addin.sheets.settings import settings_layout

from ..conftest import run_segment
from ..fake_xlwings import Book, column_of


@pytest.fixture
def segmented_book(customers_book):
    assert run_segment("run", customers_book, "-q") == 0
    book = Book.from_xlsx(customers_book.with_name("customers.segmented.xlsx"))
    return book


def set_setting(book, label: str, value: object) -> None:
    from addin.excel.adapter import ExcelWorkbook

    if names.SETTINGS_SHEET not in [s.name for s in book.sheets]:
        ExcelWorkbook(book).write_sheet(settings_layout())
    sheet = book.sheets[names.SETTINGS_SHEET]
    row = next(r for (r, c), v in sheet.cells.items() if c == 1 and v == label)
    sheet.cells[(row, 2)] = value


def test_campaign_then_readout_buttons(segmented_book, tmp_path):
    book = segmented_book
    set_setting(book, "Campaign name", "Autumn")
    set_setting(book, "Campaign segments", "Lost, Champions")
    set_setting(book, "Control share", 0.25)  # Excel stores 25% as 0.25
    run("campaign", book)
    message, _, mode = book.app.alerts[-1]
    assert mode is None and "Campaign 'Autumn'" in message and "25% of each segment" in message
    sheet = book.sheets["Campaign Autumn"]
    top = next(r for (r, c), v in sheet.cells.items() if c == 1 and v == "Customer ID")
    assert set(column_of(sheet, "Group", top)) == {"Treatment", "Control"}
    ids = column_of(sheet, "Customer ID", top)
    responded = np.where(np.arange(len(ids)) % 3 == 0, 1, 0)
    responses = pd.DataFrame({"Customer ID": ids, "Response": responded})
    path = tmp_path / "responses.csv"
    responses.to_csv(path, index=False)
    book.app.api = SimpleNamespace(GetOpenFilename=lambda *args: str(path))
    run("readout", book)
    message, _, mode = book.app.alerts[-1]
    assert mode is None and "Readout of 'Autumn' on sheet 'Readout Autumn'" in message
    assert "Readout Autumn" in [s.name for s in book.sheets]
    assert book.sheets["Readout Autumn"].charts  # the lift chart


def test_campaign_button_errors_speak_of_settings_cells(segmented_book):
    book = segmented_book
    run("campaign", book)
    message, _, mode = book.app.alerts[-1]
    assert mode == "critical" and "'Campaign name' on the Segmentation Settings sheet" in message
    set_setting(book, "Campaign name", "Autumn")
    set_setting(book, "Campaign segments", "Lost")
    set_setting(book, "Control share", 0)
    run("campaign", book)
    message, _, _ = book.app.alerts[-1]
    assert "'Control share' on the Segmentation Settings sheet must be a share" in message


def test_the_selftest_runs_campaign_and_readout_in_a_workbook(segmented_book):
    from addin.excel.adapter import ExcelWorkbook
    from addin.installer.selftest import checks, run_checks

    book = segmented_book
    ExcelWorkbook(book).write_sheet(settings_layout())
    ours = [c for c in checks("A1", "A1") if c.covers in ("campaign", "readout")]
    results = run_checks(book, ours)
    assert [ok for _, ok, _ in results] == [True, True], results


def test_pseudonymise_setting_uses_the_users_key_and_says_when_it_is_missing(
    segmented_book, monkeypatch, tmp_path
):
    from segmentation.privacy.pseudonyms import KEY_ENVIRONMENT

    book = segmented_book
    set_setting(book, "Campaign name", "Private")
    set_setting(book, "Campaign segments", "Lost")
    set_setting(book, "Pseudonymise IDs", "yes")
    monkeypatch.delenv(KEY_ENVIRONMENT, raising=False)
    monkeypatch.setattr("addin.privacy.KEY_FILE", tmp_path / "pseudonym.key")
    run("campaign", book)
    message, _, mode = book.app.alerts[-1]
    assert mode == "critical" and "pseudonym key file" in message
    assert "Campaign Private" not in [s.name for s in book.sheets]
    monkeypatch.setenv(KEY_ENVIRONMENT, "a long random secret for the test")
    run("campaign", book)
    sheet = book.sheets["Campaign Private"]
    top = next(r for (r, c), v in sheet.cells.items() if c == 1 and v == "Customer ID")
    assert all(str(v).startswith("ID-") for v in column_of(sheet, "Customer ID", top))
    stored = " ".join(str(v) for s in book.sheets for v in s.cells.values())
    assert "a long random secret" not in stored
