"""The package editor's pieces: cells into sheet XML, styles appended, the zip written."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import numpy as np
from lxml import etree

from addin import names
from addin.files.package.cells import ColumnWrite, write_columns
from addin.files.package.editor import PackageEditor
from addin.files.package.opc import Package, parse, serialize
from addin.files.package.styles import StyleSheet
from addin.files.package.tables import sheets

from ...conftest import ooxml_errors
from ..conftest import run_segment
from . import rich_books

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
M = f"{{{MAIN}}}"

SHEET = f"""<worksheet xmlns="{MAIN}"><dimension ref="A1:C3"/>
<cols><col min="1" max="2" width="20" customWidth="1"/></cols>
<sheetData>
<row r="1" spans="1:3"><c r="A1" s="3" t="inlineStr"><is><t>Id</t></is></c><c s="4" t="inlineStr"><is><t>Spend</t></is></c><c r="C1" s="5" t="inlineStr"><is><t>Segment</t></is></c></row>
<row r="2"><c><v>1</v></c><c><v>10</v></c><c r="C2" t="inlineStr"><is><t>old</t></is></c><c r="E2"><v>7</v></c></row>
<row r="4"><c r="A4"><v>3</v></c></row>
</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>"""  # noqa: E501


def cell_map(root: etree._Element) -> dict[str, etree._Element]:
    return {c.get("r"): c for c in root.iter(M + "c") if c.get("r")}


def test_columns_go_into_their_cells_and_nothing_else_moves():
    root = etree.fromstring(SHEET)
    write_columns(
        root,
        1,
        [
            ColumnWrite(3, "Segment", ["Champions", "=1+1", "bell\x07 "], header_like=2),
            ColumnWrite(
                4,
                "Since",
                [dt.datetime(2024, 1, 2), np.nan, True],
                style=9,
                header_like=3,
                width=12,
            ),
        ],
    )
    cells = cell_map(root)
    # Cells without a reference kept their place (they got one), the old value was
    # replaced, the cell right of the new column stayed, a missing row was made.
    assert cells["B2"].findtext(f"{M}v") == "10"
    assert cells["C2"].findtext(f"{M}is/{M}t") == "Champions"
    assert cells["C3"].get("t") == "inlineStr" and cells["C3"].findtext(f"{M}is/{M}t") == "=1+1"
    assert cells["C4"].findtext(f"{M}is/{M}t") == "bell "  # no control character in XML
    assert cells["D2"].findtext(f"{M}v") == "45293.0" and cells["D2"].get("s") == "9"
    assert "D3" not in cells  # a blank is no cell
    assert cells["D4"].get("t") == "b"
    # Headers look like the neighbour's header as the sheet had it.
    assert cells["C1"].get("s") == "4" and cells["D1"].get("s") == "5"
    assert [c.get("r") for c in root.find(f"{M}sheetData")[1]] == ["A2", "B2", "C2", "D2", "E2"]
    assert [r.get("r") for r in root.find(f"{M}sheetData")] == ["1", "2", "3", "4"]
    assert root.find(f"{M}dimension").get("ref") == "A1:D4"
    widths = [(c.get("min"), c.get("width")) for c in root.iter(M + "col")]
    assert widths == [("1", "20"), ("4", "12")]
    assert root.find(f"{M}sheetData/{M}row").get("spans") is None


STYLES = f"""<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><fonts count="1"><font><sz val="11"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>"""  # noqa: E501
OTHER = f"""<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>
<fonts count="2"><font><sz val="11"/></font><font><b/><sz val="14"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<dxfs count="1"><dxf><numFmt numFmtId="164" formatCode="0.0%"/></dxf></dxfs></styleSheet>"""  # noqa: E501


def test_styles_are_appended_once_and_reused():
    styles = StyleSheet(STYLES.encode())
    xf_map, dxf_map = styles.merge(OTHER.encode())
    assert xf_map == {0: 0, 1: 1} and dxf_map == {0: 0}
    once = styles.to_bytes()
    assert styles.merge(OTHER.encode()) == (xf_map, dxf_map)
    assert styles.cell_format("0.0%") == styles.cell_format("0.0%")
    again = StyleSheet(once)
    again.merge(OTHER.encode())
    assert again.to_bytes() == once  # a second run adds nothing
    root = parse(once)
    assert root.find(f"{M}fonts").get("count") == "2"
    # Their format 164 is the user's 165: the cell format and the differential format
    # (which carries an id too) both point to it.
    assert [(f.get("numFmtId"), f.get("formatCode")) for f in root.iter(M + "numFmt")] == [
        ("164", "yyyy-mm-dd"),
        ("165", "0.0%"),
        ("165", "0.0%"),
    ]
    assert root.find(f"{M}cellXfs")[1].get("numFmtId") == "165"
    assert [e.tag.split("}")[1] for e in root][:2] == ["numFmts", "fonts"]  # schema order


def test_unchanged_parts_keep_their_compressed_bytes(tmp_path):
    source = rich_books.build(tmp_path / "book.xlsx", picture=True)
    package = Package(source)
    package.write("xl/new.xml", b"<x/>")
    target = tmp_path / "copy.xlsx"
    package.save(target)
    package.close()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target) as new:
        assert new.testzip() is None
        for info in old.infolist():
            if info.filename == "[Content_Types].xml":
                continue
            copied = new.getinfo(info.filename)
            assert (copied.CRC, copied.compress_size) == (info.CRC, info.compress_size)
            assert new.read(info.filename) == old.read(info.filename)
        assert new.read("xl/new.xml") == b"<x/>"


def test_calculation_chain_forgets_only_replaced_cells(tmp_path):
    source = rich_books.build(tmp_path / "book.xlsx")
    package = Package(source)
    chain = f'<calcChain xmlns="{MAIN}"><c r="B5" i="2"/><c r="C7"/><c r="E2" i="1"/></calcChain>'
    package.write("xl/calcChain.xml", chain.encode())
    package.set_override(
        "xl/calcChain.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml",
    )
    rels = package.rels("xl/workbook.xml")
    rels.add(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain",
        "xl/calcChain.xml",
    )
    rels.save()
    package.save(tmp_path / "chained.xlsx")
    package.close()
    editor = PackageEditor(tmp_path / "chained.xlsx")
    editor._drop_from_calc_chain({"2": {2}, "1": {3}})  # B on sheet 2, C on sheet 1
    kept = parse(editor.package.read("xl/calcChain.xml"))
    assert [(c.get("r"), c.get("i")) for c in kept] == [("C7", "2"), ("E2", "1")]
    editor._drop_from_calc_chain({"2": None, "1": None})
    assert not editor.package.has("xl/calcChain.xml")
    assert not editor.package.rels("xl/workbook.xml").of_type(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"
    )


def test_what_an_earlier_output_sheet_loses_is_named(tmp_path, capsys):
    book = rich_books.build(tmp_path / "book.xlsx")
    assert run_segment("run", book, "--in-place", "-q") == 0
    # A user sets up printing on the Segment Summary sheet (a printer-settings part).
    package = Package(book)
    part = next(s.part for s in sheets(package) if s.name == names.SUMMARY_SHEET)
    package.write("xl/printerSettings/printerSettings9.bin", b"\0printer")
    package.ensure_default("bin", "application/vnd.openxmlformats-officedocument."
                           "spreadsheetml.printerSettings")  # fmt: skip
    rels = package.rels(part)
    rels.add(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/printerSettings",
        "xl/printerSettings/printerSettings9.bin",
    )
    rels.save()
    edited = tmp_path / "edited.xlsx"
    package.save(edited)
    package.close()
    shutil.move(edited, book)
    assert run_segment("run", book, "--in-place") == 0
    out = capsys.readouterr().out
    assert f"The earlier '{names.SUMMARY_SHEET}' sheet had printer settings added to it" in out
    with zipfile.ZipFile(book) as result:
        assert "xl/printerSettings/printerSettings9.bin" not in result.namelist()
    assert ooxml_errors(book) == []


def test_serialised_parts_keep_their_namespace_prefixes():
    text = (
        f'<worksheet xmlns="{MAIN}" xmlns:mc="http://schemas.openxmlformats.org/'
        'markup-compatibility/2006" xmlns:x14ac="http://schemas.microsoft.com/office/'
        'spreadsheetml/2009/9/ac" mc:Ignorable="x14ac"><sheetData/></worksheet>'
    )
    again = serialize(parse(text.encode()))
    assert b'mc:Ignorable="x14ac"' in again and b"xmlns:x14ac=" in again


def test_a_workbook_without_styles_gets_them(tmp_path):
    book = rich_books.build(tmp_path / "book.xlsx")
    package = Package(book)
    package.delete_part("xl/styles.xml")
    rels = package.rels("xl/workbook.xml")
    for rel in rels.of_type(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
    ):
        rels.remove(rel)
    rels.save()
    bare = tmp_path / "no styles.xlsx"
    package.save(bare)
    package.close()
    assert run_segment("run", bare, "--in-place", "-q") == 0
    assert ooxml_errors(bare) == []


def test_strict_open_xml_gets_a_clear_message(tmp_path, capsys):
    book = rich_books.build(tmp_path / "book.xlsx")
    package = Package(book)
    strict = package.read("xl/workbook.xml").replace(
        MAIN.encode(), b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    )
    package.write("xl/workbook.xml", strict)
    package.save(tmp_path / "strict.xlsx")
    package.close()
    assert run_segment("run", tmp_path / "strict.xlsx", "-q") == 1
    assert "saved as a Strict Open XML workbook" in capsys.readouterr().err


def test_saving_releases_the_input_and_reads_the_result_after(tmp_path):
    """Windows cannot replace a file another handle holds: the save lets go of the input."""
    import os

    from addin.files.xlsx import FileWorkbook
    from addin.pipeline import RunOptions, run_pipeline

    source = rich_books.build(tmp_path / "book.xlsx")
    book = FileWorkbook(source)
    run_pipeline(book, RunOptions())
    temporary = tmp_path / "~new.xlsx"
    book.save(temporary)
    if Path("/proc/self/fd").exists():
        open_files = {os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")}
        assert str(source.resolve()) not in open_files
    os.replace(temporary, source)
    assert names.SUMMARY_SHEET in book.sheet_names()
    assert [t.name for t in book.tables()][0] == "Customers"
