"""`segment run` on workbooks: the sheets, columns and values an analyst gets back."""

from __future__ import annotations

import hashlib
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from addin import names
from addin.files.xlsx import FileWorkbook
from addin.sheets.model_sheet import read_model
from segmentation import segment_customers

from ..conftest import EXAMPLES, chart_parts, libreoffice_convert, run_segment

SEGMENT_COLUMNS = ["R", "F", "M", "RFM Score", "RFM Segment"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sheet_frame(path: Path, sheet: str, header_row: int = 1) -> pd.DataFrame:
    rows = list(load_workbook(path, data_only=True)[sheet].iter_rows(values_only=True))
    return pd.DataFrame(rows[header_row:], columns=rows[header_row - 1])


@pytest.fixture(scope="module")
def segmented_log(tmp_path_factory) -> Path:
    transactions_book = tmp_path_factory.mktemp("log") / "online shop.xlsx"
    shutil.copy(EXAMPLES / "online_shop_transactions.xlsx", transactions_book)
    before = digest(transactions_book)
    assert run_segment("run", transactions_book, "--method", "both", "-q") == 0
    assert digest(transactions_book) == before  # the input is untouched
    return transactions_book.with_name("online shop.segmented.xlsx")


def test_transaction_log_gives_customers_summary_and_model(segmented_log):
    book = load_workbook(segmented_log)
    assert book.sheetnames == [
        "Transactions",
        names.CUSTOMERS_SHEET,
        names.SUMMARY_SHEET,
        names.CLUSTERS_SHEET,
        names.VALUE_SHEET,  # customer value, on by default for a transaction log
        names.MODEL_SHEET,
    ]
    assert book[names.MODEL_SHEET].sheet_state == "hidden"
    assert "SegmentedCustomers" in book[names.CUSTOMERS_SHEET].tables
    assert "SegmentSummary" in book[names.SUMMARY_SHEET].tables

    customers = sheet_frame(segmented_log, names.CUSTOMERS_SHEET)
    assert len(customers) == 3_000
    assert list(customers.columns[:5]) == [
        "Customer ID", "Last Purchase", "Recency", "Frequency", "Monetary",
    ]  # fmt: skip
    assert list(customers.columns[-11:-4]) == [*SEGMENT_COLUMNS, "Cluster", "Cluster Name"]
    assert list(customers.columns[-4:]) == [
        "Expected Purchases (12 months)", "P(Alive)", "Expected Order Value",
        "Predicted CLV (12 months)",
    ]  # fmt: skip

    # The same numbers as the engine gives on the same table.
    source = FileWorkbook(segmented_log.with_name("online shop.xlsx"))
    frame = source.read_table(source.tables()[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = segment_customers(frame, method="both").customers.reset_index(drop=True)
    for column in ("Customer ID", "Recency", "Frequency", "R", "F", "M", "RFM Score", "Cluster"):
        assert customers[column].tolist() == expected[column].tolist(), column
    assert customers["Monetary"].round(2).tolist() == expected["Monetary"].round(2).tolist()
    assert customers["RFM Segment"].tolist() == expected["RFM Segment"].astype(str).tolist()


def test_hand_checked_customer(segmented_log):
    # Recompute one customer from the raw lines with plain pandas.
    raw = sheet_frame(segmented_log.with_name("online shop.xlsx"), "Transactions", header_row=3)
    raw = raw[raw["CustomerID"].notna()]
    raw["id"] = raw["CustomerID"].astype(str).str.strip().astype(int)
    mine = raw[(raw["id"] == 12_003)].drop_duplicates(subset=list(raw.columns[:7]))
    price = pd.to_numeric(mine["UnitPrice"].astype(str).str.replace("£", ""), errors="coerce")
    amount = (mine["Quantity"] * price).sum()
    invoices = mine.loc[mine["Quantity"] > 0, "InvoiceNo"].nunique()
    row = sheet_frame(segmented_log, names.CUSTOMERS_SHEET).set_index("Customer ID").loc[12_003]
    assert row["Monetary"] == pytest.approx(amount)
    assert row["Frequency"] == invoices


def test_summary_sheet_has_profile_table_charts_and_heatmap(segmented_log):
    book = load_workbook(segmented_log)
    sheet = book[names.SUMMARY_SHEET]
    cells = book[names.SUMMARY_SHEET][sheet.tables["SegmentSummary"].ref]
    values = [[c.value for c in row] for row in cells]
    summary = pd.DataFrame(values[1:], columns=values[0])
    assert summary["Priority"].tolist() == list(range(1, len(summary) + 1))
    assert summary["Customers"].sum() == 3_000
    assert summary["% Revenue"].sum() == pytest.approx(1.0)
    assert summary["Revenue"].is_monotonic_decreasing
    assert summary["Recommended Action"].map(bool).all()
    assert len(sheet._charts) == 2
    assert len(sheet.conditional_formatting) == 2  # the two R x F heatmaps
    # two summary charts, the k curve and the Customer Value sheet's CLV by segment
    assert len(chart_parts(segmented_log)) == 4


def test_model_sheet_round_trips(segmented_log):
    model = read_model(FileWorkbook(segmented_log).read_sheet(names.MODEL_SHEET))
    assert model.rfm is not None and model.clusters is not None
    assert model.settings["method"] == "both"


def test_libreoffice_opens_output_and_values_match(segmented_log, tmp_path):
    converted = libreoffice_convert(segmented_log, "xlsx", tmp_path / "lo")
    ours = sheet_frame(segmented_log, names.CUSTOMERS_SHEET)
    theirs = sheet_frame(converted, names.CUSTOMERS_SHEET)
    for column in ("Customer ID", "Recency", "Frequency", *SEGMENT_COLUMNS, "Cluster Name"):
        assert theirs[column].tolist() == ours[column].tolist(), column
    assert theirs["Monetary"].round(6).tolist() == ours["Monetary"].round(6).tolist()
    assert set(load_workbook(converted).sheetnames) >= {names.SUMMARY_SHEET, names.MODEL_SHEET}
    assert len(chart_parts(converted)) == 4  # LibreOffice read and kept every chart


def test_libreoffice_renders_summary_charts_to_pdf(segmented_log, tmp_path):
    pdf = libreoffice_convert(segmented_log, "pdf", tmp_path / "pdf")
    titles = {"Customers by segment", "Share of customers and of revenue",
              "Silhouette by number of clusters"}  # fmt: skip
    # The report sheets come after the long Customers sheet: read the last pages only.
    pages = PdfReader(pdf).pages
    text = " ".join(pages[i].extract_text() for i in range(len(pages) - 1, len(pages) - 41, -1))
    assert {title for title in titles if title in text} == titles


def test_customer_table_gets_columns_in_its_excel_table(customers_book, tmp_path):
    assert run_segment("run", customers_book, "--method", "both", "-q") == 0
    output = customers_book.with_name("customers.segmented.xlsx")
    book = load_workbook(output)
    sheet = book["Customers"]
    table = sheet.tables["Customers"]
    new = ["Recency", *SEGMENT_COLUMNS, "Cluster", "Cluster Name"]
    assert [c.name for c in table.tableColumns][-len(new) :] == new
    assert table.ref == f"A1:{chr(ord('J') + len(new))}1201"
    # What the user had is still there.
    assert sheet["F2"].value == "=E2/D2"  # formulas stay formulas
    assert sheet["B5"].value.startswith("=HYPERLINK") and sheet["B5"].data_type == "s"
    assert sheet.data_validations.dataValidation[0].formula1 == '"North,South,East,West"'
    assert book["Notes"]["A2"].comment.text == "Ask Finance before sharing."
    assert book["Notes"]["A1"].font.bold
    assert "CustomerCount" in book.defined_names
    assert book.sheetnames == ["Customers", "Notes", names.SUMMARY_SHEET, names.CLUSTERS_SHEET,
                               names.SNAPSHOT_SHEET, names.MODEL_SHEET]  # fmt: skip
    values = sheet_frame(output, "Customers")
    assert values["RFM Segment"].notna().all() and values["Cluster Name"].notna().all()
    # LibreOffice recalculates the formulas and keeps text as text.
    converted = sheet_frame(libreoffice_convert(output, "xlsx", tmp_path / "lo"), "Customers")
    assert converted.loc[0, "Avg Order"] == pytest.approx(
        values.loc[0, "Total Spend"] / values.loc[0, "Orders"]
    )
    assert converted.loc[3, "Name"] == '=HYPERLINK("http://example.com")'
    assert converted["RFM Segment"].tolist() == values["RFM Segment"].tolist()


def test_running_twice_replaces_columns_and_gives_the_same_segments(customers_book):
    assert run_segment("run", customers_book, "--in-place", "-q") == 0
    first = sheet_frame(customers_book, "Customers")
    assert run_segment("run", customers_book, "--in-place", "-q") == 0
    second = sheet_frame(customers_book, "Customers")
    # The refresh compares with the first run: Previous Segment and Movement are added.
    assert list(second.columns) == [*first.columns, "Previous Segment", "Movement"]
    assert second[SEGMENT_COLUMNS].equals(first[SEGMENT_COLUMNS])
    assert run_segment("run", customers_book, "--in-place", "-q") == 0
    assert list(sheet_frame(customers_book, "Customers").columns) == list(second.columns)
    backups = list(customers_book.parent.glob("customers (backup *).xlsx"))
    assert backups  # a backup was written before each in-place update
    assert not list(customers_book.parent.glob("~segment-*"))  # no temporary files left


def test_score_new_data_with_saved_model(segmented_log, tmp_path):
    customers = sheet_frame(segmented_log, names.CUSTOMERS_SHEET)
    later = tmp_path / "later.csv"
    # A later extract of some customers' lines: the saved scale must be used.
    subset = customers.head(300)[["Customer ID", "Last Purchase", "Monetary"]]
    subset = subset.rename(columns={"Last Purchase": "Order Date", "Monetary": "Amount"})
    subset.to_csv(later, index=False)
    output = tmp_path / "later.xlsx"
    assert run_segment("run", later, "--model", segmented_log, "-o", output, "-q") == 0
    scored = sheet_frame(output, names.CUSTOMERS_SHEET)
    model = read_model(FileWorkbook(segmented_log).read_sheet(names.MODEL_SHEET))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = segment_customers(pd.read_csv(later), model=model).customers
    assert scored["RFM Segment"].tolist() == expected["RFM Segment"].astype(str).tolist()
    assert scored["Cluster"].tolist() == expected["Cluster"].tolist()
