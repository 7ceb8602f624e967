"""A large sheet is found and read without the per-cell reader, with the same result."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from openpyxl import Workbook, load_workbook

from addin.errors import WorkbookError
from addin.files import fast_read, large_sheet, sheet_scan
from addin.files.finding import find_input
from addin.files.xlsx import FileWorkbook
from addin.workbook import TableRef


def found_and_read(path: Path) -> tuple[TableRef, pd.DataFrame]:
    book = FileWorkbook(path)
    ref = find_input(book)
    return ref, book.read_table(ref)


def per_cell(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[TableRef, pd.DataFrame]:
    with monkeypatch.context() as patch:
        patch.setattr(large_sheet, "LARGE_XML_BYTES", 10**12)
        patch.setattr(fast_read, "FAST_ROWS", 10**9)
        return found_and_read(path)


def same_as_per_cell(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[TableRef, pd.DataFrame]:
    """Found and read as a large sheet, compared with the per-cell reader's answer."""
    calls: list[str] = []
    real = large_sheet.LargeSheet.used_range
    with monkeypatch.context() as patch:
        patch.setattr(large_sheet, "LARGE_XML_BYTES", 0)
        patch.setattr(
            large_sheet.LargeSheet, "used_range", lambda self: calls.append("") or real(self)
        )
        ref, frame = found_and_read(path)
    expected_ref, expected = per_cell(path, monkeypatch)
    assert calls, "the large-sheet reader was not asked"
    assert ref == expected_ref
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    return ref, frame


def customer_rows(n: int) -> list[list[object]]:
    return [
        [1000 + i, f"c{i}@example.com & <co>", ["DE", "FR", " ES "][i % 3],
         dt.datetime(2024, 1, 1) + dt.timedelta(days=i % 300), i % 7 + 1,
         round(10 + i * 1.37, 2), i % 2 == 0]
        for i in range(n)
    ]  # fmt: skip


HEADERS = ["Customer ID", "Email", "Country", "Last Purchase", "Orders", "Total Spend", "VIP"]


def test_a_sheet_excel_style_with_shared_strings_and_a_title(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clients.xlsx"
    book = xlsxwriter.Workbook(path)  # shared strings, as Excel writes them
    sheet = book.add_worksheet("Clients")
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write(0, 0, "Customer list, December")  # a title above the table
    sheet.write_row(2, 1, HEADERS)  # the table starts at B3
    for i, row in enumerate(customer_rows(300), start=3):
        sheet.write_row(i, 1, row)
        sheet.write_datetime(i, 4, row[3], day)
    sheet.write_blank(50, 3, None)
    sheet.write_string(60, 6, "")  # an empty text cell reads as blank
    book.close()
    ref, frame = same_as_per_cell(path, monkeypatch)
    assert ref == TableRef("Clients", None, 3, 2, 303, 8)
    assert frame["Last Purchase"].iloc[0] == dt.date(2024, 1, 1)
    assert frame["Email"].iloc[1] == "c1@example.com & <co>"
    assert frame["Country"].iloc[2] == " ES "


def test_a_sheet_with_inline_strings_blank_rows_and_odd_headers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = Workbook()  # openpyxl writes inline strings
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["Customer ID", "Order Date", "Amount", 2024, "Amount", None, "Note"])
    for i in range(200):
        sheet.append([f"C{i % 40}", dt.datetime(2024, 3, 1 + i % 28), i * 0.5, i, -i, None,
                      "x" if i % 9 else None])  # fmt: skip
    sheet.append([])
    sheet.append(["C1", dt.datetime(2024, 4, 1), 1.0, 1, 1, None, None])
    path = tmp_path / "log.xlsx"
    book.save(path)
    ref, frame = same_as_per_cell(path, monkeypatch)
    assert ref.last_row == 203 and list(frame.columns)[3:5] == ["2024", "Amount (2)"]


@pytest.mark.parametrize(
    "odd",
    ["a date header", "rich text", "an escaped character", "a carriage return", "an error cell"],
)
def test_what_the_scan_does_not_read_is_left_to_the_per_cell_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd: str
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Customer ID", "Order Date", "Amount"])
    for i in range(30):
        sheet.append([i % 9, dt.datetime(2024, 1, 1 + i), 2.5 * i])
    path = tmp_path / "odd.xlsx"
    if odd == "a date header":
        sheet["D1"] = dt.datetime(2024, 1, 1)
        sheet["D2"] = 1
    book.save(path)
    replacements = {
        "rich text": ("<is><t>Order Date</t></is>",
                      "<is><r><t>Order </t></r><r><t>Date</t></r></is>"),
        "an escaped character": ('<is><t>Amount</t></is>', "<is><t>Am_x006F_unt</t></is>"),
        "a carriage return": ('<is><t>Amount</t></is>', "<is><t>Amount&#13;</t></is>"),
        "an error cell": ('<c r="C5" t="n"><v>7.5</v></c>', '<c r="C5" t="e"><v>#N/A</v></c>'),
    }  # fmt: skip
    if odd in replacements:
        with zipfile.ZipFile(path) as package:
            parts = {i.filename: package.read(i.filename) for i in package.infolist()}
        old, new = replacements[odd]
        xml = parts["xl/worksheets/sheet1.xml"].decode()
        assert old in xml
        parts["xl/worksheets/sheet1.xml"] = xml.replace(old, new).encode()
        with zipfile.ZipFile(path, "w") as package:
            for name, data in parts.items():
                package.writestr(name, data)
    with monkeypatch.context() as patch:
        patch.setattr(large_sheet, "LARGE_XML_BYTES", 0)
        ref, frame = found_and_read(path)
    expected_ref, expected = per_cell(path, monkeypatch)
    assert ref == expected_ref
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)


def test_only_the_start_of_the_sheet_is_scanned(tmp_path: Path) -> None:
    """Rows far below the header may hold markup the scan refuses: it never gets there."""
    book = Workbook()
    book.active.append(["Customer ID", "Amount"])
    for i in range(20_000):
        book.active.append([i, f"{i} units"])
    path = tmp_path / "long.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as package:
        parts = {i.filename: package.read(i.filename) for i in package.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"]
    last = xml.rindex(b"<is><t>")
    parts["xl/worksheets/sheet1.xml"] = xml[:last] + b"<is><r><t>rich</t></r><t>" + xml[last + 7 :]
    with zipfile.ZipFile(path, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    with zipfile.ZipFile(path) as package:
        head = sheet_scan.read_head(package, "xl/worksheets/sheet1.xml", 8)
        assert head.row.max() == 8 and head.text.to_pylist()[:2] == ["Customer ID", "Amount"]
        with pytest.raises(sheet_scan.NotSimple):
            for chunk in sheet_scan.xml_chunks(package, "xl/worksheets/sheet1.xml"):
                sheet_scan.scan_cells(chunk, (1, 10**6), (1, 99))


def test_columns_written_beside_a_large_sheet_and_its_neighbours_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In place on a large sheet: the header row comes from the scan; a note right of an
    Excel Table is still found (the sheet's dimension reaches it) and refused."""
    from openpyxl.worksheet.table import Table

    monkeypatch.setattr(large_sheet, "LARGE_XML_BYTES", 0)
    book = Workbook()
    book.active.append(["Customer ID", "Recency", "Frequency", "Monetary"])
    for i in range(40):
        book.active.append([i, i % 30 + 1, i % 5 + 1, 10.0 * (i % 11) + 1])
    book.active.add_table(Table(displayName="Clients", ref="A1:D41"))
    path = tmp_path / "customers.xlsx"
    book.save(path)
    workbook = FileWorkbook(path)
    ref = find_input(workbook)
    workbook.write_columns(ref, pd.DataFrame({"Recency": [0] * 40, "R": list(range(40))}), {})
    written = tmp_path / "written.xlsx"
    workbook.save(written)
    sheet = load_workbook(written).active
    assert [c.value for c in sheet["E"]][:3] == ["R", 0, 1]
    assert [c.value for c in sheet["B"]][:3] == ["Recency", 0, 0]

    book.active["E7"] = "my note"
    book.save(path)
    workbook = FileWorkbook(path)
    ref = find_input(workbook)
    with pytest.raises(WorkbookError, match="E7"):
        workbook.write_columns(ref, pd.DataFrame({"R": list(range(40))}), {})
