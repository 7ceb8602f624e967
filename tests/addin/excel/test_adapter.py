"""The live-Excel adapter runs the same pipeline as files, on an in-memory stand-in."""

from __future__ import annotations

import warnings

import pytest
from openpyxl import load_workbook

from addin import names
from addin.excel.adapter import ExcelWorkbook
from addin.pipeline import RunOptions, run_pipeline
from addin.sheets.model_sheet import read_model

from ..conftest import run_segment
from ..fake_xlwings import Book, column_of


def run_live(book: Book, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_pipeline(ExcelWorkbook(book), RunOptions(**options))


def file_column(path, sheet: str, header: str, header_row: int = 1) -> list[object]:
    rows = list(load_workbook(path, data_only=True)[sheet].iter_rows(values_only=True))
    j = list(rows[header_row - 1]).index(header)
    return [row[j] for row in rows[header_row:]]


def test_customer_table_gets_the_same_columns_as_the_file_pipeline(customers_book):
    book = Book.from_xlsx(customers_book)
    outcome = run_live(book, method="both")
    assert outcome.written_columns[-2:] == ["Cluster", "Cluster Name"]
    assert run_segment("run", customers_book, "--method", "both", "-q") == 0
    output = customers_book.with_name("customers.segmented.xlsx")
    sheet = book.sheets["Customers"]
    for header in ("Recency", "R", "F", "M", "RFM Score", "RFM Segment", "Cluster Name"):
        assert column_of(sheet, header) == file_column(output, "Customers", header), header
    table = next(t for t in sheet.tables if t.name == "Customers")
    assert table.range.last_cell.column == 10 + len(outcome.written_columns)  # the Table grew
    assert not sheet.formula_cells  # nothing we wrote became a formula


def test_formula_like_ids_are_written_as_text():
    book = Book()
    sheet = book.sheets.add(name="Log")
    ids = ["=1+1", "+44", "@me", "-x", "plain", "b"] * 3
    sheet.cells[(1, 1)], sheet.cells[(1, 2)], sheet.cells[(1, 3)] = "Customer", "Date", "Amount"
    for i, customer in enumerate(ids, start=2):
        sheet.cells[(i, 1)] = customer
        sheet.cells[(i, 2)] = f"2024-01-{1 + i:02d}"
        sheet.cells[(i, 3)] = 10.0 * i
    run_live(book, n_bins=3)
    customers = book.sheets[names.CUSTOMERS_SHEET]
    written = {customers.cells[(r, 1)]: (r, 1) for r in range(2, 8)}
    for text in ("=1+1", "+44", "@me", "-x"):
        assert written[text] in customers.text_cells, text
    assert not customers.formula_cells


def test_report_sheets_tables_charts_and_model(transactions_book):
    book = Book.from_xlsx(transactions_book)
    run_live(book, method="both")
    assert [s.name for s in book.sheets] == [
        "Transactions", names.CUSTOMERS_SHEET, names.SUMMARY_SHEET, names.CLUSTERS_SHEET,
        names.VALUE_SHEET, names.MODEL_SHEET,
    ]  # fmt: skip
    value = book.sheets[names.VALUE_SHEET]  # drawn by the live-Excel adapter too
    assert [t.name for t in value.tables] == [names.VALUE_SEGMENTS_TABLE] and value.charts
    summary = book.sheets[names.SUMMARY_SHEET]
    assert [t.name for t in summary.tables] == ["SegmentSummary"]
    assert len(summary.charts) == 2
    assert {c.chart_type for c in summary.charts} == {"bar_clustered"}
    assert book.sheets[names.MODEL_SHEET].visible is False
    model = read_model(ExcelWorkbook(book).read_sheet(names.MODEL_SHEET))
    assert model.rfm is not None and model.clusters is not None
    customers = book.sheets[names.CUSTOMERS_SHEET]
    assert len(column_of(customers, "RFM Segment")) == 3_000


def test_rerun_replaces_sheets_and_columns(customers_book):
    book = Book.from_xlsx(customers_book)
    run_live(book)
    first = column_of(book.sheets["Customers"], "RFM Segment")
    run_live(book)
    sheet = book.sheets["Customers"]
    headers = [v for (r, _), v in sorted(sheet.cells.items()) if r == 1]
    assert headers.count("RFM Segment") == 1
    assert column_of(sheet, "RFM Segment") == first
    assert [s.name for s in book.sheets].count(names.SUMMARY_SHEET) == 1


def test_selected_table_is_the_input(customers_book):
    book = Book.from_xlsx(customers_book)
    notes = book.sheets["Notes"]
    notes.cells[(10, 1)], notes.cells[(10, 2)], notes.cells[(10, 3)] = "Customer", "Date", "Amount"
    book.selection = book.sheets["Customers"].range((3, 2))
    assert ExcelWorkbook(book).selected_table().name == "Customers"
    book.selection = notes.range((1, 1))
    assert ExcelWorkbook(book).selected_table() is None


def test_data_right_of_the_table_is_never_overwritten(customers_book):
    book = Book.from_xlsx(customers_book)
    book.sheets["Customers"].cells[(3, 12)] = "my note"
    with pytest.raises(ValueError, match=r"Cell L3 on sheet 'Customers'"):
        run_live(book)
    assert book.sheets["Customers"].cells[(3, 12)] == "my note"


def test_a_format_for_a_column_the_block_lacks_is_skipped_as_in_files(tmp_path):
    """Layouts share one format map; a block without one of its columns still writes."""
    import pandas as pd

    from addin.files.newbook import NewWorkbook
    from addin.sheets.layout import Block, SheetLayout

    frame = pd.DataFrame({"Segment": ["Lost", "New"], "Customers": [3, 4]})
    formats = {"Customers": "#,##0", "Revenue": "0.00"}  # no Revenue column here
    layout = SheetLayout(
        "Summary", "Summary", blocks=[Block("counts", frame, 3, 1, number_formats=formats)]
    )
    book = Book()
    book.sheets.add(name="Data")
    ExcelWorkbook(book).write_sheet(layout)
    written = NewWorkbook()
    written.write_sheet(layout)
    written.save(tmp_path / "summary.xlsx")
    from_file = load_workbook(tmp_path / "summary.xlsx")["Summary"]
    sheet = book.sheets["Summary"]
    for row in (3, 4, 5):
        assert sheet.cells[(row, 2)] == from_file.cell(row, 2).value
    assert from_file.cell(4, 2).value == 3
