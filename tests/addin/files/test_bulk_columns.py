"""The tool's columns written in bulk into a large sheet: the same file the per-cell path
writes, and the per-cell path wherever the sheet is irregular."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlsxwriter
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from addin.files.package import bulk_columns, cells, editor, zipwriter
from addin.files.package.cells import ColumnWrite
from addin.files.package.opc import parse, serialize

from ...conftest import ooxml_errors
from ..conftest import libreoffice_convert, run_segment

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# As Excel writes a sheet: references on rows and cells, spans, a row missing (4), a row
# further down (9), shared strings and an inline string.
SHEET = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><dimension ref="A1:B9"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData><row r="1" spans="1:2"><c r="A1" s="3" t="s"><v>0</v></c><c r="B1" s="4" t="s"><v>1</v></c></row><row r="2" spans="1:2"><c r="A2"><v>1</v></c><c r="B2"><v>10.5</v></c></row><row r="3" spans="1:2" ht="20" customHeight="1"><c r="A3"><v>2</v></c></row><row r="5" spans="1:2"><c r="A5"><v>4</v></c><c r="B5" t="inlineStr"><is><t>x &amp; y</t></is></c></row><row r="9" spans="1:2"><c r="A9"><v>9</v></c></row></sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>""".encode()  # noqa: E501
VALUES = [
    [1.5, -2.25, float("nan"), None, True, 3],
    ["Champions", "=1+1", " lead", "a<b&c>\r\n", "x" * 40_000, "bad\x07\ufffe\ud800"],
    [
        dt.datetime(2024, 1, 2, 13, 5),
        pd.Timestamp("2023-05-06 01:02:03.5"),
        dt.date(2020, 2, 29),
        pd.NaT,
        np.int64(7),
        np.float64(0.1),
    ],  # fmt: skip
    [1, -2, 3, 4, 5, 6],
    [0.1, 1e-7, 1e16, -0.0, float("inf"), 2.0],
    [True, False, None, True, np.bool_(False), True],
    ["At Risk", "Lost", None, "At Risk", float("nan"), "Lost"],
]


def columns(values=VALUES, first: int = 3) -> list[ColumnWrite]:
    return [
        ColumnWrite(
            first + i,
            f"Col <{i}>",
            list(v),
            style=None if i % 2 else 7,
            header_like=2,
            width=12 if i == 0 else None,
        )  # fmt: skip
        for i, v in enumerate(values)
    ]


def per_cell(data: bytes, header_row: int, writes: list[ColumnWrite]) -> bytes:
    root = parse(data)
    cells.write_columns(root, header_row, writes)
    return serialize(root)


def test_bulk_writes_the_bytes_the_per_cell_path_writes():
    bulk = bulk_columns.write_columns(SHEET, 1, columns())
    assert bulk is not None and bulk == per_cell(SHEET, 1, columns())
    # A second run replaces the first run's columns, with more rows this time.
    again = columns([list(reversed(v)) + ["z", 1] for v in VALUES])
    rerun = bulk_columns.write_columns(bulk, 1, again)
    assert rerun is not None and rerun == per_cell(bulk, 1, again)
    shorter = columns([v[:2] for v in VALUES])  # rows the earlier run wrote further down stay
    assert bulk_columns.write_columns(rerun, 1, shorter) == per_cell(rerun, 1, shorter)


def test_what_the_cells_hold_as_a_reader_sees_them(tmp_path: Path):
    data = bulk_columns.write_columns(SHEET, 1, columns())
    root = parse(data)
    found = {c.get("r"): c for c in root.iter(f"{{{MAIN}}}c")}
    text = f"{{{MAIN}}}is/{{{MAIN}}}t"
    assert found["C1"].get("s") == "4" and found["C1"].findtext(text) == "Col <0>"
    assert found["D3"].findtext(text) == "=1+1" and found["D3"].find(f"{{{MAIN}}}f") is None
    assert found["D4"].find(text).get("{http://www.w3.org/XML/1998/namespace}space")
    assert len(found["D6"].findtext(text)) == 32_767
    assert found["D7"].findtext(text) == "bad"
    assert found["E2"].findtext(f"{{{MAIN}}}v") == "45293.54513888889"
    assert "C4" not in found and "C5" not in found  # blanks are no cells
    rows = [r.get("r") for r in root.iter(f"{{{MAIN}}}row")]
    assert rows == ["1", "2", "3", "4", "5", "6", "7", "9"]
    assert root.find(f"{{{MAIN}}}dimension").get("ref") == "A1:I9"


@pytest.mark.parametrize(
    "change",
    [
        (b'<c r="A3">', b"<c>"),  # a cell without its reference
        (b'<c r="A3">', b'<c s="0" r="A3">'),  # the reference not first
        (b'<row r="3" spans="1:2" ht="20" customHeight="1">', b"<row>"),
        (b'<c r="A3"><v>2</v></c>', b'<c r="A3"><v>2</v></c><c r="K3"><v>2</v></c>'),
        (b'<row r="2"', b'<row r="8"/><row r="2"'),  # rows out of order
        (b"<v>1</v>", b"<v><![CDATA[1]]></v>"),
        (b'<row r="5" spans="1:2">', b'<row r="5" spans="1:2"/><row r="6">'),  # empty, written
    ],
)
def test_irregular_sheets_go_the_per_cell_way(change):
    assert bulk_columns.write_columns(SHEET.replace(*change), 1, columns()) is None


def customers_book(path: Path, rows: int = 60) -> Path:
    """A customer table as XlsxWriter writes it (shared strings, a date format)."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Customers")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["Customer ID", "Email", "Country", "Last Purchase", "Orders",
                           "Total Spend"])  # fmt: skip
    for i in range(rows):
        sheet.write_row(i + 1, 0, [1000 + i, f"c{i}@example.com", ["UK", "DE", "FR"][i % 3]])
        sheet.write_datetime(i + 1, 3, dt.datetime(2024, 1, 1) - dt.timedelta(days=i * 7), dates)
        sheet.write_row(i + 1, 4, [1 + i % 9, round(20.5 * (1 + i % 13), 2)])
    book.close()
    return path


def sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as package:
        return package.read("xl/worksheets/sheet1.xml")


def test_a_run_writes_the_same_workbook_either_way(tmp_path: Path, monkeypatch):
    source = customers_book(tmp_path / "customers.xlsx")
    written, original = [], bulk_columns.write_columns
    monkeypatch.setattr(bulk_columns, "write_columns",
                        lambda *a: written.append(original(*a)) or written[-1])  # fmt: skip
    monkeypatch.setattr(bulk_columns, "BULK_WRITE_BYTES", 0)
    bulk = tmp_path / "bulk.xlsx"
    assert run_segment("run", source, "-o", bulk, "-q") == 0
    assert run_segment("run", bulk, "--in-place", "-q") == 0  # replaces its own columns
    assert len(written) == 2 and None not in written
    monkeypatch.setattr(bulk_columns, "BULK_WRITE_BYTES", 1 << 60)
    reference = tmp_path / "per cell.xlsx"
    assert run_segment("run", source, "-o", reference, "-q") == 0
    assert run_segment("run", reference, "--in-place", "-q") == 0
    assert len(written) == 2  # the per-cell path this time
    assert sheet_xml(bulk) == sheet_xml(reference)
    assert ooxml_errors(bulk) == []
    values = [tuple(r) for r in load_workbook(bulk)["Customers"].iter_rows(values_only=True)]
    assert values[0][6:12] == ("Recency", "R", "F", "M", "RFM Score", "RFM Segment")
    assert "Previous Segment" in values[0][12:]  # the re-run's columns beside them
    assert len(values) == 61 and all(isinstance(r[11], str) and r[11] for r in values[1:])
    calamine = CalamineWorkbook.from_path(str(bulk)).get_sheet_by_name("Customers").to_python()
    assert [r[6:] for r in calamine] == [list(r[6:]) for r in values]
    converted = libreoffice_convert(bulk, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path)
    table = pd.read_csv(converted)
    assert table["RFM Segment"].tolist() == [r[11] for r in values[1:]]


def test_a_large_table_is_written_in_bulk(tmp_path: Path, monkeypatch):
    """Above the size threshold the run takes the bulk path without being told."""
    source = customers_book(tmp_path / "customers.xlsx", rows=40)
    monkeypatch.setattr(bulk_columns, "BULK_WRITE_BYTES", len(sheet_xml(source)))
    calls = []
    original = bulk_columns.write_columns
    monkeypatch.setattr(bulk_columns, "write_columns",
                        lambda *a: calls.append(1) or original(*a))  # fmt: skip
    target = tmp_path / "out.xlsx"
    shutil.copy(source, target)
    assert run_segment("run", target, "--in-place", "-q") == 0
    assert calls == [1]
    assert load_workbook(target)["Customers"]["L1"].value == "RFM Segment"


def test_the_tools_sheets_keep_the_rows_lxml_would_write(tmp_path: Path, monkeypatch):
    """Rendered rows are carried as bytes: exactly what parsing and writing them gives,
    tricky text and big-part compression included, and still a valid package."""
    monkeypatch.setattr(editor, "RENDER_BULK_ROWS", 30)  # the snapshot (60 rows) in bulk
    monkeypatch.setattr(zipwriter, "BIG_PART_BYTES", 0)  # every part at the big level
    monkeypatch.setattr(zipwriter, "DEFLATE_BLOCK_BYTES", 1000)  # in many parallel blocks
    source = customers_book(tmp_path / "customers.xlsx")
    book = load_workbook(source)
    tricky = ["a & b", "<x>", "line\r\nbreak", " lead", "C\u00e9"]
    for row in range(2, 62):
        book["Customers"].cell(row, 1, tricky[row - 2] if row - 2 < len(tricky) else f"C{row}")
    book.save(source)
    target = tmp_path / "out.xlsx"
    assert run_segment("run", source, "-o", target, "-q") == 0
    with zipfile.ZipFile(target) as package:
        assert package.testzip() is None
        parts = [n for n in package.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(parts) >= 3
        for name in parts:
            data = package.read(name)
            assert serialize(parse(data)) == data, name
        with open(target, "rb") as raw:  # no ZIP64 extra field in any local header
            for info in package.infolist():
                raw.seek(info.header_offset + 28)
                assert raw.read(2) == b"\0\0", info.filename
    assert ooxml_errors(target) == []
    snapshot = load_workbook(target)["Segmentation Last Run"]
    found = {c.value for row in snapshot.iter_rows() for c in row}
    assert {"a & b", "<x>", "C\u00e9"} <= found
