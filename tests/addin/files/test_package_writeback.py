"""Refreshing decorated workbooks: the tool's parts change, every other part keeps its bytes."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from addin import names
from addin.files.package.opc import DRAWING_REL, Package
from addin.files.package.tables import sheets
from segmentation import names as columns

from ...conftest import ooxml_errors
from ..conftest import libreoffice_convert, run_segment
from . import rich_books

TOOL_COLUMNS = [columns.RECENCY, "R", "F", "M", "RFM Score", "RFM Segment"]
# What a refresh may change in a workbook without output sheets yet: the workbook's sheet
# list and relationships, the content types, styles.xml (appended to), the table's sheet
# and the table's definition.
OWNED = {
    "[Content_Types].xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "xl/worksheets/sheet1.xml",
    "xl/tables/table1.xml",
}
XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {info.filename: package.read(info) for info in package.infolist()}


def assert_carried(before: Path, after: Path, owned: set[str] = OWNED) -> None:
    """Every part of ``before`` the tool does not own is in ``after`` with the same bytes."""
    old, new = entries(before), entries(after)
    changed = sorted(n for n in old if n not in owned and old[n] != new.get(n))
    assert changed == []


def sheet_values(path: Path, sheet: str) -> list[tuple]:
    book = load_workbook(path, data_only=True)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def assert_six_kept(path: Path) -> None:
    """The issue's six: the table, a formula, a defined name, data validation, a comment,
    a bar chart and a text box."""
    book = load_workbook(path)
    table = book["Customers"].tables["Customers"]
    headers = [c.name for c in table.tableColumns]
    assert headers[:4] == ["Customer ID", "Last Purchase", "Orders", "Total Spend"]
    assert headers[4:] == TOOL_COLUMNS
    assert table.ref == f"A1:J{rich_books.CUSTOMERS + 1}"
    notes = book["Notes"]
    assert notes["B5"].value == "=SUM(B2:B4)"
    assert "TotalBudget" in book.defined_names
    assert len(notes.data_validations.dataValidation) == 1
    assert notes["B5"].comment.text.startswith("Sum of the three regions")
    parts = entries(path)
    assert b"<c:barChart>" in parts["xl/charts/chart1.xml"]
    assert b"Budgets agreed in January." in parts["xl/drawings/drawing1.xml"]


@pytest.fixture
def decorated(tmp_path: Path) -> Path:
    return rich_books.build(tmp_path / "decorated book.xlsx")


def test_refresh_in_place_and_to_a_copy_keeps_everything(decorated, tmp_path):
    original = tmp_path / "original.xlsx"
    shutil.copy(decorated, original)
    copy = tmp_path / "copy.xlsx"
    assert run_segment("run", decorated, "-o", copy, "-q") == 0
    assert run_segment("run", decorated, "--in-place", "-q") == 0
    for result in (decorated, copy):
        assert_carried(original, result)
        assert_six_kept(result)
    assert ooxml_errors(decorated, copy) == []
    ours = sheet_values(decorated, "Customers")
    assert ours[0][4:] == tuple(TOOL_COLUMNS)
    assert {row[9] for row in ours[1:]} <= set(names_of_segments())
    # LibreOffice opens the refreshed workbook and reads the same values back.
    reopened = libreoffice_convert(decorated, "xlsx", tmp_path / "lo")
    assert sheet_values(reopened, "Customers") == ours
    summary = sheet_values(reopened, names.SUMMARY_SHEET)
    assert summary[0][0] == sheet_values(decorated, names.SUMMARY_SHEET)[0][0]


def names_of_segments() -> list[str]:
    from segmentation import get_segment_map

    return list(get_segment_map("default").table["Segment"])


def test_chart_picture_pivot_and_macros_survive_in_place(tmp_path):
    book = rich_books.build(tmp_path / "everything.xlsm", picture=True, pivot=True, vba=True)
    original = tmp_path / "original.xlsm"
    shutil.copy(book, original)
    assert run_segment("run", book, "--in-place", "-q") == 0
    assert_carried(original, book)
    parts = entries(book)
    for part in ("xl/vbaProject.bin", "xl/media/image1.png", "xl/pivotTables/pivotTable1.xml",
                 "xl/pivotCache/pivotCacheDefinition1.xml", "xl/charts/chart1.xml"):  # fmt: skip
        assert parts[part] == entries(original)[part], part
    assert b"macroEnabled.main+xml" in parts["[Content_Types].xml"]
    assert b"pivotCache" in parts["xl/workbook.xml"]  # the workbook still lists its cache
    assert ooxml_errors(book) == []


def test_macro_workbook_keeps_xlsm_and_its_vba_project(tmp_path, capsys):
    book = rich_books.build(tmp_path / "macros.xlsm", vba=True)
    project = entries(book)["xl/vbaProject.bin"]
    assert run_segment("run", book, "-q") == 0
    default = tmp_path / "macros.segmented.xlsm"
    assert entries(default)["xl/vbaProject.bin"] == project
    assert b"macroEnabled.main+xml" in entries(default)["[Content_Types].xml"]

    # An .xlsx cannot hold macros: the copy loses them, and says so.
    plain = tmp_path / "plain copy.xlsx"
    assert run_segment("run", book, "-o", plain) == 0
    out = capsys.readouterr().out
    assert "holds macros (a VBA project)" in out and "macros.xlsm' still has them" in out
    parts = entries(plain)
    assert not [n for n in parts if "vba" in n.lower()]
    assert b"macroEnabled" not in parts["[Content_Types].xml"]
    assert b"vbaProject" not in parts["xl/_rels/workbook.xml.rels"]
    assert entries(book)["xl/vbaProject.bin"] == project  # the input keeps them
    assert ooxml_errors(default, plain) == []


def _summary_drawing(path: Path) -> tuple[str, etree._Element]:
    package = Package(path)
    try:
        part = next(s.part for s in sheets(package) if s.name == names.SUMMARY_SHEET)
        rels = package.rels(part)
        drawing = rels.target(rels.of_type(DRAWING_REL)[0])
        return drawing, etree.fromstring(package.read(drawing))
    finally:
        package.close()


def place_picture(path: Path, picture: bytes) -> None:
    """What a user does in Excel: Insert > Picture on the Segment Summary sheet."""
    package = Package(path)
    drawing, root = _summary_drawing(path)
    media = package.free_name("xl/media/image{}.png")
    package.write(media, picture)
    package.ensure_default("png", "image/png")
    rels = package.rels(drawing)
    rel_id = rels.add("http://schemas.openxmlformats.org/officeDocument/2006/relationships/image",
                      media)  # fmt: skip
    rels.save()
    anchor = etree.fromstring(PICTURE_ANCHOR.replace("RID", rel_id))
    root.append(anchor)
    package.write(drawing, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    target = path.with_name("with picture.xlsx")
    package.save(target)
    package.close()
    shutil.move(target, path)


PICTURE_ANCHOR = """<xdr:oneCellAnchor
 xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<xdr:from><xdr:col>12</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>
<xdr:ext cx="1905000" cy="1143000"/>
<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="90" name="Team logo"/><xdr:cNvPicPr/></xdr:nvPicPr>
<xdr:blipFill><a:blip r:embed="RID"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>
<xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic>
<xdr:clientData/></xdr:oneCellAnchor>"""


def test_a_picture_placed_on_the_summary_sheet_is_kept(decorated):
    assert run_segment("run", decorated, "--in-place", "-q") == 0
    _, root = _summary_drawing(decorated)
    charts = len(root.findall(f"{XDR}twoCellAnchor"))
    picture = rich_books.PICTURE.read_bytes()
    place_picture(decorated, picture)
    for _ in range(2):  # refreshed twice: kept each time, never duplicated
        assert run_segment("run", decorated, "--in-place", "-q") == 0
        drawing, root = _summary_drawing(decorated)
        pictures = root.findall(f"{XDR}oneCellAnchor")
        assert len(pictures) == 1
        assert pictures[0].find(f"{XDR}pic/{XDR}nvPicPr/{XDR}cNvPr").get("name") == "Team logo"
        assert len(root.findall(f"{XDR}twoCellAnchor")) == charts  # our charts, once
        media = [data for name, data in entries(decorated).items() if name.startswith("xl/media/")]
        assert media == [picture]
    assert ooxml_errors(decorated) == []


def test_running_again_replaces_the_columns_and_sheets(decorated, tmp_path):
    # The second run also compares with the first (Previous Segment, Movement and the
    # Segment Changes sheet); from then on every run replaces the same parts.
    for _ in range(2):
        assert run_segment("run", decorated, "--in-place", "-q") == 0
    second = entries(decorated)
    assert run_segment("run", decorated, "--in-place", "-q") == 0
    third = entries(decorated)
    book = load_workbook(decorated)
    headers = [c.value for c in book["Customers"][1]]
    for header in ("RFM Segment", "R", columns.PREVIOUS_SEGMENT, columns.MOVEMENT):
        assert headers.count(header) == 1, headers
    assert len(book["Customers"].tables["Customers"].tableColumns) == 12
    assert book.sheetnames[:2] == ["Customers", "Notes"]  # the user's sheets keep their places
    ours = [names.SUMMARY_SHEET, names.CHANGES_SHEET, names.MODEL_SHEET, names.SNAPSHOT_SHEET]
    assert sorted(book.sheetnames[2:]) == sorted(ours)
    # Same data, same parts: nothing grows from run to run (styles included).
    assert sorted(second) == sorted(third)
    assert second["xl/styles.xml"] == third["xl/styles.xml"]
    assert second["xl/worksheets/sheet1.xml"] == third["xl/worksheets/sheet1.xml"]
    assert ooxml_errors(decorated) == []


def test_an_xlsm_output_of_a_plain_workbook_is_macro_enabled(decorated, tmp_path):
    """Excel refuses an .xlsm whose workbook part has the plain content type."""
    target = tmp_path / "with room for macros.xlsm"
    assert run_segment("run", decorated, "-o", target, "-q") == 0
    types = entries(target)["[Content_Types].xml"]
    assert b"macroEnabled.main+xml" in types and b"sheet.main+xml" not in types
    assert ooxml_errors(target) == []
