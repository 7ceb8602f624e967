"""The Arrow reader gives exactly what the per-cell reader gives, or steps aside."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from addin.files import fast_read, newbook
from addin.files.xlsx import FileWorkbook, unique_headers
from addin.sheets import layout
from addin.workbook import TableRef


def per_cell(path: Path, ref: TableRef, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    monkeypatch.setattr(fast_read, "FAST_ROWS", 10**9)
    try:
        return FileWorkbook(path).read_table(ref)
    finally:
        monkeypatch.undo()


def same_as_per_cell(path: Path, ref: TableRef, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    fast = fast_read.read_table(path, ref, unique_headers)
    assert fast is not None
    pd.testing.assert_frame_equal(fast, per_cell(path, ref, monkeypatch), check_exact=True)
    return fast


def test_a_written_customers_sheet_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(7)
    n = 3_000
    customers = pd.DataFrame(
        {
            "Customer ID": [f"C{i:06d}" for i in range(n)],
            "Recency": rng.integers(1, 700, n),
            "Monetary": np.round(rng.lognormal(3, 1, n), 2) * np.where(np.arange(n) % 50, 1, -1),
            "Last Purchase": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            "RFM Segment": pd.Categorical(rng.choice(["Champions", "Lost", "At Risk"], n)),
        }
    )
    customers.loc[5, "Monetary"] = np.nan
    path = tmp_path / "customers.xlsx"
    monkeypatch.setattr(newbook, "BULK_ROWS", 100)  # the bulk writer's sheets too
    book = newbook.NewWorkbook()
    book.write_sheet(layout.customers_sheet(customers))
    book.save(path)
    monkeypatch.undo()
    fast = same_as_per_cell(
        path, TableRef("Customers", "SegmentedCustomers", 1, 1, n + 1, 5), monkeypatch
    )
    assert fast["Monetary"].dtype == np.float64 and fast["Last Purchase"].iloc[0] == dt.date(
        *customers["Last Purchase"].iloc[0].timetuple()[:3]
    )
    # A part of the table, and the header alone, as table finding asks for.
    same_as_per_cell(path, TableRef("Customers", None, 1, 2, 400, 3), monkeypatch)
    same_as_per_cell(path, TableRef("Customers", None, 1, 1, 1, 5), monkeypatch)


def test_odd_headers_blanks_and_booleans_read_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = Workbook()
    sheet = book.active
    headers = ["Sales", " Sales ", None, 2024, dt.datetime(2024, 1, 1), True, "Sales", "Flag"]
    rows = [
        ["a", 1.5, None, 3, dt.datetime(2024, 2, 1), True, "", False],
        [None, 2, None, 4, None, False, "x", True],
        ["c", None, None, 5.25, dt.datetime(2024, 3, 9), None, "y", True],
    ]
    for j, value in enumerate(headers):
        sheet.cell(3, 3 + j, value)  # the table starts at C3
    for i, row in enumerate(rows, start=4):
        for j, value in enumerate(row):
            sheet.cell(i, 3 + j, value)
    path = tmp_path / "odd.xlsx"
    book.save(path)
    fast = same_as_per_cell(path, TableRef("Sheet", None, 3, 3, 6, 10), monkeypatch)
    assert list(fast.columns)[:4] == ["Sales", "Sales (2)", "Column 3", "2024"]


@pytest.mark.parametrize(
    "odd_cell",
    ["lots", "n/a", "nan", "NULL", "a time of day", "an error cell"],
)
def test_what_only_the_per_cell_path_can_read_is_left_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd_cell: str
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Customer", "Amount", "When"])
    for i in range(20):
        sheet.append([f"c{i}", float(i), dt.datetime(2024, 1, 1 + i)])
    if odd_cell in ("lots", "n/a", "nan", "NULL"):  # text among numbers
        sheet["B5"] = odd_cell
    elif odd_cell == "a time of day":
        sheet["C5"] = dt.datetime(2024, 1, 5, 13, 30)
    else:
        sheet["B5"] = "=NA()"  # cached as #N/A below
    path = tmp_path / "odd.xlsx"
    book.save(path)
    if odd_cell == "an error cell":
        import zipfile

        with zipfile.ZipFile(path) as package:
            parts = {i.filename: package.read(i.filename) for i in package.infolist()}
        sheet_xml = parts["xl/worksheets/sheet1.xml"].decode()
        start = sheet_xml.index('<c r="B5"')
        end = sheet_xml.index("</c>", start) + 4
        parts["xl/worksheets/sheet1.xml"] = (
            sheet_xml[:start] + '<c r="B5" t="e"><f>NA()</f><v>#N/A</v></c>' + sheet_xml[end:]
        ).encode()
        with zipfile.ZipFile(path, "w") as package:
            for name, data in parts.items():
                package.writestr(name, data)
    ref = TableRef("Sheet", None, 1, 1, 21, 3)
    assert fast_read.read_table(path, ref, unique_headers) is None
    monkeypatch.setattr(fast_read, "FAST_ROWS", 1)  # the workbook still reads, per cell
    frame = FileWorkbook(path).read_table(ref)
    assert len(frame) == 20
    if odd_cell == "an error cell":
        assert frame.loc[3, "Amount"] == "#N/A"  # counted by the data-quality report
    elif odd_cell != "a time of day":
        assert frame.loc[3, "Amount"] == odd_cell


def test_large_tables_take_the_arrow_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = Workbook()
    book.active.append(["Customer", "Amount"])
    for i in range(30):
        book.active.append([f"c{i}", i * 1.5])
    path = tmp_path / "t.xlsx"
    book.save(path)
    calls = []
    real = fast_read.read_table
    monkeypatch.setattr(fast_read, "read_table", lambda *a: calls.append(a) or real(*a))
    monkeypatch.setattr(fast_read, "FAST_ROWS", 10)
    frame = FileWorkbook(path).read_table(TableRef("Sheet", None, 1, 1, 31, 2))
    assert len(calls) == 1 and frame["Amount"].sum() == pytest.approx(
        sum(i * 1.5 for i in range(30))
    )
