"""Every front end reads a workbook the same way: one table, one Settings sheet, one count."""

from __future__ import annotations

import datetime
import re
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from addin import names
from addin.excel.buttons import run
from addin.templates import template_path

from .conftest import run_segment
from .fake_xlwings import Book

ANALYSIS_DATE = datetime.datetime(2024, 6, 30)


@pytest.fixture
def dated_starter(tmp_path: Path) -> Path:
    """RFM Starter with an analysis date in its Settings sheet: later orders are left out."""
    path = tmp_path / "starter.xlsx"
    shutil.copy(template_path("rfm-starter"), path)
    book = load_workbook(path)
    settings = book[names.SETTINGS_SHEET]
    row = next(r for r in range(1, 30) if settings.cell(r, 1).value == "Analysis date")
    settings.cell(row, 2).value = ANALYSIS_DATE
    book.save(path)
    return path


LEFT_OUT = "Transactions on or after the analysis date were left out: 624"


def test_run_validate_profile_and_check_data_agree_on_one_workbook(dated_starter, capsys):
    assert run_segment("validate", dated_starter) == 0
    validated = capsys.readouterr().out
    assert "Analysis date: 2024-06-30." in validated and LEFT_OUT in validated
    assert "customers: 202." in validated

    assert run_segment("run", dated_starter, "-o", dated_starter.with_name("out.xlsx")) == 0
    ran = capsys.readouterr().out
    assert "Segmented 202 customers" in ran

    assert run_segment("profile", dated_starter) == 0
    profiled = capsys.readouterr().out
    table = profiled.split("\n\n")[0].splitlines()[2:]  # title, header, then one row each
    assert sum(int(re.split(r"\s{2,}", row.strip())[1]) for row in table) == 202
    assert LEFT_OUT in profiled

    book = Book.from_xlsx(dated_starter)
    run("check", book)
    message, _, mode = book.app.alerts[-1]
    assert mode is None and message == validated.strip()
    run("rfm", book)
    assert book.app.alerts[-1][0].startswith("202 customers")


def test_check_data_after_a_run_reads_the_table_not_the_runs_own_columns(customers_book):
    book = Book.from_xlsx(customers_book)
    run("check", book)
    before = book.app.alerts[-1][0]
    assert "last_purchase = 'Last Purchase'" in before
    run("rfm", book)  # adds Recency, R, F, M, RFM Score, RFM Segment to the table
    run("check", book)
    assert book.app.alerts[-1][0] == before


def test_validate_after_a_run_reports_what_the_next_run_reads(customers_book, capsys):
    assert run_segment("validate", customers_book) == 0
    before = capsys.readouterr().out
    assert run_segment("run", customers_book, "--in-place", "-q") == 0
    assert run_segment("validate", customers_book) == 0
    assert capsys.readouterr().out == before


def test_customers_file_is_written_for_a_workbook_input(transactions_book, tmp_path, capsys):
    target = tmp_path / "all customers.parquet"
    out = tmp_path / "out.xlsx"
    assert run_segment("run", transactions_book, "-o", out, "--customers-file", target) == 0
    assert f"'{target}'" in capsys.readouterr().out
    written = pd.read_parquet(target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sheet = pd.read_excel(out, sheet_name=names.CUSTOMERS_SHEET)
    assert len(written) == len(sheet) > 100
    assert written["RFM Segment"].tolist() == sheet["RFM Segment"].tolist()


def test_the_worksheet_function_gives_the_segments_the_run_and_the_button_give(
    customers_book, tmp_path
):
    from openpyxl import load_workbook as load

    from addin import udfs

    sheet = load(customers_book, data_only=True)["Customers"]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    spilled = [row[0] for row in udfs.SEGMENT_RFM(table)[1:]]

    out = tmp_path / "out.xlsx"
    assert run_segment("run", customers_book, "-o", out, "-q") == 0
    ran = pd.read_excel(out, sheet_name="Customers")["RFM Segment"].tolist()

    book = Book.from_xlsx(customers_book)
    run("rfm", book)
    cells = book.sheets["Customers"].cells
    header = {v: c for (r, c), v in cells.items() if r == 1}
    column = header["RFM Segment"]
    clicked = [cells[(r, column)] for r in range(2, len(table) + 1)]
    assert spilled == ran == clicked and len(spilled) == 1_200
