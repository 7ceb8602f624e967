"""Customer value where users are: the CLI's sheet and printout, the ribbon button (with
the stand-in workbook), the worksheet function, and scoring with a saved model."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from addin import names, udfs
from addin.cli.main import main
from addin.excel.buttons import run
from addin.templates import sample_data

from ..conftest import ooxml_errors
from .fake_xlwings import Book


@pytest.fixture(scope="module")
def log_rows() -> list[list[object]]:
    log = sample_data.transactions(150)[["Customer ID", "Order Date", "Amount"]]
    rows = log.astype(object).values.tolist()
    return [list(log.columns), *[[c, d.to_pydatetime(), a] for c, d, a in rows]]


def test_segment_clv_spills_the_four_columns_per_row(log_rows):
    out = udfs.SEGMENT_CLV(log_rows, "39w")
    assert out[0] == ["Expected Purchases (39 weeks)", "P(Alive)", "Expected Order Value",
                      "Predicted CLV (39 weeks)"]  # fmt: skip
    assert len(out) == len(log_rows)
    # Rows of one customer get that customer's figures, on every recalculation.
    first = log_rows[1][0]
    mine = [row for source, row in zip(log_rows[1:], out[1:]) if source[0] == first]
    assert all(row == mine[0] for row in mine)
    assert udfs.SEGMENT_CLV(log_rows, "39w") == out
    assert 0 <= out[1][1] <= 1 and out[1][3] >= 0


def test_segment_clv_says_why_in_the_cell(log_rows):
    (message,) = udfs.SEGMENT_CLV(log_rows, "12 fortnights")[0]
    assert message.startswith("#SEGMENT!") and "horizon must be" in message
    one_time = [log_rows[0]] + [[f"x{i}", row[1], row[2]] for i, row in enumerate(log_rows[1:])]
    (message,) = udfs.SEGMENT_CLV(one_time)[0]
    assert "made one purchase" in message


def test_value_button_writes_the_customer_value_sheet(transactions_book):
    book = Book.from_xlsx(transactions_book)
    run("value", book)
    message, title, mode = book.app.alerts[-1]
    assert mode is None and "Predicted CLV over 12 months" in message
    assert names.VALUE_SHEET in [s.name for s in book.sheets]
    assert book.active.name == names.VALUE_SHEET
    assert any("Estimating customer value" in s for s in book.app.status_history)


def test_value_button_on_a_customer_table_says_what_it_needs(customers_book):
    book = Book.from_xlsx(customers_book)
    run("value", book)
    message, title, mode = book.app.alerts[-1]
    assert mode == "critical" and "'First Purchase' date column" in message


def test_segment_run_writes_a_valid_value_sheet_and_scores_with_the_saved_model(
    transactions_book, tmp_path, capsys
):
    output = tmp_path / "out.xlsx"
    assert main(["run", str(transactions_book), "-o", str(output), "--horizon", "90d",
                 "--discount-rate", "8%", "--margin", "30%"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "CLV " in printed and "predicted CLV over 90 days" in printed
    assert ooxml_errors(output) == []
    book = openpyxl.load_workbook(output)
    sheet = book[names.VALUE_SHEET]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "Margin" in cells and "30%" in cells and "8.0%" in cells
    assert names.VALUE_SEGMENTS_TABLE in sheet.tables
    summary = book[names.SUMMARY_SHEET]
    headers = [c.value for c in next(summary.iter_rows(min_row=5, max_row=5))]
    assert "Total Predicted CLV" in headers and "Value at Risk" in headers
    customers = pd.read_excel(output, sheet_name=names.CUSTOMERS_SHEET, engine="openpyxl")
    assert {"First Purchase", "Customer Age", "Predicted CLV (90 days)"} <= set(customers)

    # Next month's log, scored with the saved model: the same parameters, no refit.
    scored = tmp_path / "scored.xlsx"
    assert main(["run", str(transactions_book), "--model", str(output), "-o", str(scored)]) == 0
    capsys.readouterr()
    sheet = openpyxl.load_workbook(scored)[names.VALUE_SHEET]
    notes = [sheet.cell(row, 1).value for row in (2, 3)]
    assert notes[0].startswith("Predicted with the saved model")


def test_no_value_flag(transactions_book, tmp_path, capsys):
    output = tmp_path / "out.xlsx"
    assert main(["run", str(transactions_book), "-o", str(output), "--no-value"]) == 0
    assert names.VALUE_SHEET not in openpyxl.load_workbook(output).sheetnames
    assert "Customer value was turned off." in capsys.readouterr().out


def test_segment_clv_predicts_with_a_saved_model(log_rows):
    from addin.sheets.model_sheet import model_layout
    from segmentation import segment_customers

    from .conftest import layout_cells

    frame = pd.DataFrame(log_rows[1:], columns=log_rows[0])
    fitted = segment_customers(frame).model
    model_range = layout_cells(model_layout(fitted, {}))
    out = udfs.SEGMENT_CLV(log_rows[:60], "12m", None, model_range)
    assert out[0][0] == "Expected Purchases (12 months)"
    # Predicted with the saved parameters, not refitted on the 59 rows.
    saved = segment_customers(frame.head(59), model=fitted).customers.set_index("Customer ID")
    expected = saved.loc[log_rows[1][0], out[0]].tolist()
    assert out[1] == pytest.approx(expected, rel=1e-12)
    # Those 59 rows alone could not support a fit: the cell would say why.
    (refit,) = udfs.SEGMENT_CLV(log_rows[:60], "12m")[0]
    assert refit.startswith("#SEGMENT!") and "bought again" in refit
