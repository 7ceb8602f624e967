"""Each front end words the engine's errors its own way, and keeps the fix."""

from __future__ import annotations

import re

import pytest
from openpyxl import Workbook

from addin import udfs
from addin.excel.buttons import run

from .conftest import run_segment
from .fake_xlwings import Book

# What must never reach a command-line or Excel user: Python names and syntax.
PYTHON_SPEAK = re.compile(
    r"parameter of|RFMSegmenter|ClusterSegmenter|segment_customers|\bn_bins\b|n_clusters"
    r"|k_range|columns=\{|categorical=|date_format=|Traceback|Error:"
)


def _book(path, rows) -> None:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


@pytest.fixture
def unknown_headers(tmp_path):
    path = tmp_path / "odd.xlsx"
    _book(path, [["Kunde", "Datum", "Umsatz"], ["a", "2024-01-02", 5], ["b", "2024-02-01", 7]])
    return path


def test_command_line_names_flags_and_shows_how_to_write_them(
    transactions_book, unknown_headers, capsys
):
    cases = [
        (("run", transactions_book, "--bins", "2", "-q"),
         "--bins must be a whole number from 3 to 10; it is 2."),
        (("run", transactions_book, "--segments", "40", "--method", "cluster", "-q"),
         "--segments must be a whole number from 2 to 10, or auto; it is 40."),
        (("validate", unknown_headers), "Or name the column explicitly: --column customer_id="),
    ]  # fmt: skip
    for args, expected in cases:
        assert run_segment(*args) == 1
        error = capsys.readouterr().err
        assert expected in error, error
        assert not PYTHON_SPEAK.search(error), error


def test_excel_names_settings_cells_and_buttons(customers_book, unknown_headers):
    book = Book.from_xlsx(customers_book)
    run("apply", book)  # no saved model yet
    message = book.app.alerts[-1][0]
    assert "with RFM Segments (or Cluster Segments)" in message and "--" not in message
    book = Book.from_xlsx(unknown_headers)
    run("rfm", book)
    message = book.app.alerts[-1][0]
    assert "Rename a header to one like those." in message
    assert "--" not in message and not PYTHON_SPEAK.search(message)


def test_worksheet_functions_show_the_whole_message_with_its_fix():
    rows = [["Customer", "Order Date", "Amount"]] + [
        [f"C{i}", f"2024-01-0{i}", 10.0 * i] for i in range(1, 5)
    ]
    (cell,) = udfs.SEGMENT_RFM(rows)[0]
    assert cell == (
        "#SEGMENT! Too few customers (4) for 5 score bins: each score needs customers. "
        "Use bins 4 or fewer, or add customers."
    )
    (cell,) = udfs.SEGMENT_CLUSTER(rows, 2, "Amount")[0]
    assert not PYTHON_SPEAK.search(cell)
