"""Large Customers sheets written in bulk: the same cells as the cell-by-cell writer,
readable by openpyxl, calamine and LibreOffice."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pandas as pd
import pytest

from addin.files import newbook
from addin.files.bulk_sheet import can_write, column_letters, rows_xml
from addin.files.xlsx import read_sheet_values
from addin.sheets import layout
from addin.sheets.cell_text import fit_frame
from tests.addin.conftest import libreoffice_convert


def _customers(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    segments = pd.Categorical(rng.choice(["Champions", "At Risk", "Lost & Gone"], n))
    text = np.array([f"note {i}" for i in range(n)], dtype=object)
    text[[1, 2, 3, 4]] = ["=1+1", "<b>bold</b>", "bell\x07ring", None]
    monetary = np.round(rng.lognormal(3, 1, n), 2)
    monetary[5] = np.nan
    return pd.DataFrame(
        {
            "Customer ID": np.arange(1, n + 1),
            "Last Purchase": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            "Monetary": monetary,
            "RFM Segment": segments,
            "Note": text,
        }
    )


def _write(path: Path, frame: pd.DataFrame) -> None:
    book = newbook.NewWorkbook()
    book.write_sheet(layout.customers_sheet(frame))
    book.save(path)


def _cells(path: Path) -> list[tuple]:
    book = openpyxl.load_workbook(path)
    try:
        sheet = book["Customers"]
        assert sheet.tables[next(iter(sheet.tables))].ref == sheet.dimensions
        return [
            tuple(None if v is None else v for v in row)
            + (sheet.cell(row=i, column=2).number_format,)
            for i, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        book.close()


def test_bulk_rows_match_the_cell_by_cell_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = _customers()
    _write(tmp_path / "cells.xlsx", frame)
    monkeypatch.setattr(newbook, "BULK_ROWS", 10)
    _write(tmp_path / "bulk.xlsx", frame)
    with zipfile.ZipFile(tmp_path / "bulk.xlsx") as package:
        assert b"inlineStr" in package.read("xl/worksheets/sheet1.xml")  # the bulk path ran
    expected = _cells(tmp_path / "cells.xlsx")
    got = _cells(tmp_path / "bulk.xlsx")
    assert got[0][:5] == ("Customer ID", "Last Purchase", "Monetary", "RFM Segment", "Note")
    # Control characters are written as OOXML escapes (_x0007_), as XlsxWriter does.
    assert got == [tuple(row) for row in expected]
    assert got[2][4] == "=1+1" and got[3][4] == "<b>bold</b>" and got[5][4] is None
    assert got[6][2] is None  # a missing amount stays a blank cell
    assert got[1][5] == "yyyy-mm-dd"


def test_calamine_and_libreoffice_read_bulk_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(newbook, "BULK_ROWS", 10)
    frame = _customers()
    path = tmp_path / "bulk.xlsx"
    _write(path, frame)
    values = read_sheet_values(path, "Customers")
    assert len(values) == len(frame) + 1
    assert values[-1][0] == len(frame) and values[-1][3] in {"Champions", "At Risk", "Lost & Gone"}
    converted = libreoffice_convert(path, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path)
    table = pd.read_csv(converted, keep_default_na=False)
    assert len(table) == len(frame)
    assert table["Customer ID"].tolist() == frame["Customer ID"].tolist()
    assert table["RFM Segment"].tolist() == frame["RFM Segment"].astype(str).tolist()
    assert table.loc[1, "Note"] == "=1+1"  # text, not a formula LibreOffice evaluated


def test_only_plain_columns_go_the_bulk_way() -> None:
    assert can_write(_customers())
    assert not can_write(pd.DataFrame({"mixed": [1, "a", 2.5]}))
    assert not can_write(pd.DataFrame({"flag": [True, False]}))  # XlsxWriter: TRUE/FALSE
    assert [column_letters(i) for i in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]


# ------------------------------------------------------------ issue 13: Excel-valid bulk rows
def _tricky(n: int = 40) -> pd.DataFrame:
    """Customer ids Excel stores specially, in a table that starts at C3."""
    ids = [f"C{i:03d}" for i in range(n)]
    ids[1:7] = ["bad\ufffeid", "x_x0041_y", "cr\r\nlf", "a" * 40_000, "bell\x07", "end\uffff"]
    when = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), "D")
    return pd.DataFrame(
        {
            "Customer ID": ids,
            "Monetary": np.round(np.linspace(-5, 100, n), 2),
            "Last Purchase": when.where(np.arange(n) != 0),  # first row blank: style kept
        }
    )


def _write_at(path: Path, frame: pd.DataFrame, row: int = 3, column: int = 3) -> None:
    sheet = layout.SheetLayout("Customers", "")
    sheet.blocks.append(
        layout.Block(
            "customers",
            frame,
            row=row,
            column=column,
            table_name="Customers",
            number_formats={"Last Purchase": "yyyy-mm-dd", "Monetary": "#,##0.00"},
        )
    )
    book = newbook.NewWorkbook()
    book.write_sheet(sheet)
    book.save(path)


@pytest.fixture
def tricky_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(newbook, "BULK_ROWS", 10)
    path = tmp_path / "tricky.xlsx"
    _write_at(path, _tricky())
    return path


def test_bulk_package_passes_the_ooxml_check_without_zip64(tricky_book: Path) -> None:
    from tests.conftest import ooxml_errors

    with zipfile.ZipFile(tricky_book) as package:
        sheet = package.getinfo("xl/worksheets/sheet1.xml")
        xml = package.read(sheet.filename)
        header = tricky_book.read_bytes()[sheet.header_offset : sheet.header_offset + 30]
    assert b"inlineStr" in xml  # the bulk path ran
    assert sheet.extract_version < 45 and sheet.extra == b""  # no ZIP64 record
    assert int.from_bytes(header[4:6], "little") < 45  # nor in the local header
    ElementTree.fromstring(xml)  # well-formed, U+FFFE and U+FFFF included
    assert ooxml_errors(tricky_book) == []


def test_bulk_cells_read_back_as_typed_in_their_columns(tricky_book: Path) -> None:
    values = read_sheet_values(tricky_book, "Customers")  # calamine decodes Excel's escapes
    assert values[2][2:5] == ["Customer ID", "Monetary", "Last Purchase"]
    assert all(row[:2] == [None, None] for row in values[2:])  # nothing shifted left
    ids = [row[2] for row in values[3:]]
    assert ids[2] == "x_x0041_y"  # a literal escape sequence shows as typed
    assert ids[3] == "cr\r\nlf"  # the carriage return is kept
    assert ids[4] == "a" * 32_767  # cut at Excel's limit
    assert ids[5] == "bell\x07"
    assert [row[3] for row in values[3:]] == _tricky()["Monetary"].tolist()
    with zipfile.ZipFile(tricky_book) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "bad_xFFFE_id" in xml and "end_xFFFF_" in xml
    cells = re.findall(r"<c( r=\"[A-Z]+[0-9]+\")?[ >/]", xml)
    assert cells and all(reference for reference in cells)  # every cell has its r
    book = openpyxl.load_workbook(tricky_book)
    sheet = book["Customers"]
    assert sheet.tables["Customers"].ref == "C3:E43" == sheet.dimensions
    assert sheet["E20"].number_format == "yyyy-mm-dd" and sheet["D20"].number_format == "#,##0.00"
    book.close()


def test_libreoffice_shows_bulk_cells_as_typed(tricky_book: Path, tmp_path: Path) -> None:
    converted = libreoffice_convert(
        tricky_book, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path / "lo"
    )
    table = pd.read_csv(converted, header=None, keep_default_na=False, dtype=str)
    assert table.iloc[2, 2] == "Customer ID" and table.iloc[2, :2].tolist() == ["", ""]
    ids = table.iloc[3:, 2].tolist()
    assert ids[2] == "x_x0041_y"
    assert ids[3].replace("\r", "") == "cr\nlf"
    assert len(ids[4]) == 32_767
    assert table.iloc[4, 3] == "-2.31"  # a negative amount, in its column


def test_lone_surrogates_are_escaped_not_fatal() -> None:
    frame = pd.DataFrame({"id": pd.Series(["ok", "lone\ud800x", "_x0041_"], dtype=object)})
    xml = b"".join(bytes(chunk) for chunk in rows_xml(frame, 2, 1, [None]))
    assert b"lone_xD800_x" in xml and b"_x005F_x0041_" in xml
    ElementTree.fromstring(b"<sheetData>" + xml + b"</sheetData>")


def test_long_text_is_cut_with_a_note() -> None:
    frame = pd.DataFrame(
        {"Customer ID": ["a" * 40_000, "b", "\U0001f600" * 20_000], "n": [1, 2, 3]}
    )
    fitted, notes = fit_frame(frame, "the Customers sheet")
    assert fitted["Customer ID"].str.len().tolist() == [32_767, 1, 16_383]  # emoji: 2 units
    assert notes == [
        "2 cells of column 'Customer ID' on the Customers sheet were longer than Excel's "
        "limit of 32,767 characters and were cut to that length."
    ]
    short = frame.iloc[[1]]
    assert fit_frame(short, "x")[0] is short and fit_frame(short, "x")[1] == []


def test_run_outputs_of_both_writers_pass_the_ooxml_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`segment run` on a log: the cell-by-cell writer and the bulk one, charts included."""
    from tests.addin.conftest import run_segment
    from tests.conftest import ooxml_errors

    rng = np.random.default_rng(5)
    n = 2_000
    source = tmp_path / "log.csv"
    pd.DataFrame(
        {
            "Customer No": [f"{i:05d}" for i in rng.integers(0, 900, n)],
            "Order Date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "Sales": np.round(rng.lognormal(3, 1, n), 2),
        }
    ).to_csv(source, index=False)
    assert run_segment("run", source, "-o", tmp_path / "cells.xlsx", "-q") == 0
    monkeypatch.setattr(newbook, "BULK_ROWS", 100)
    assert run_segment("run", source, "-o", tmp_path / "bulk.xlsx", "-q") == 0
    with zipfile.ZipFile(tmp_path / "bulk.xlsx") as package:
        assert b"inlineStr" in package.read("xl/worksheets/sheet1.xml")
    assert ooxml_errors(tmp_path / "cells.xlsx", tmp_path / "bulk.xlsx") == []


def test_a_long_table_with_a_block_below_or_beside_it_is_written_cell_by_cell(
    tmp_path: Path,
) -> None:
    """The bulk writer appends its rows after everything else on the sheet: a block
    below (or beside) the long table would put rows out of order, which Excel repairs."""
    from tests.conftest import ooxml_errors

    long = _customers(40)
    below = pd.DataFrame({"Segment": ["Champions", "Lost"], "Customers": [10, 30]})
    sheet = layout.SheetLayout("Lists", "Lists", blocks=[
        layout.Block("long", long, 3, table_name="LongList"),
        layout.Block("below", below, 3 + len(long) + 3, title="Below"),
    ])  # fmt: skip
    book = newbook.NewWorkbook(bulk_rows=10)
    book.write_sheet(sheet)
    path = tmp_path / "lists.xlsx"
    book.save(path)
    assert ooxml_errors(path) == []
    with zipfile.ZipFile(path) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    numbers = [int(n) for n in re.findall(r'<row r="(\d+)"', xml)]
    assert numbers == sorted(numbers) and len(numbers) == len(set(numbers))
    values = read_sheet_values(path, "Lists")
    assert values[3 + len(long) + 2][:2] == ["Segment", "Customers"]
    assert values[3][0] == 1 and values[3 + len(long) - 1][0] == len(long)


def test_a_rendering_only_read_again_stores_its_bulk_sheet(tmp_path: Path) -> None:
    """The sheets rendered for a user's workbook are compressed once, by the package."""
    frame = _customers(40)
    written = {}
    for compress in (True, False):
        book = newbook.NewWorkbook(bulk_rows=10, compress_bulk=compress)
        book.write_sheet(layout.customers_sheet(frame))
        path = tmp_path / f"customers-{compress}.xlsx"
        book.save(path)
        with zipfile.ZipFile(path) as package:
            info = package.getinfo("xl/worksheets/sheet1.xml")
            assert info.compress_type == (zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)
            written[compress] = package.read(info)
    assert written[True] == written[False]
