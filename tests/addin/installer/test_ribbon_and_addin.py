"""The ribbon, its callbacks and handlers, the UDF wrappers and the .xlam build."""

from __future__ import annotations

import re
import sys
import tomllib
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xlwings
from oletools.olevba import VBA_Parser

from addin import names, udfs
from addin.excel.buttons import ACTIONS, run
from addin.installer.ribbon import BUTTONS, CALLBACK, CUSTOMUI_NAMESPACE, customui_xml
from addin.installer.xlam import (
    CUSTOMUI_PART,
    VBA_PART,
    VBA_SOURCES,
    build,
    udf_wrappers,
    xlwings_addin,
)

from ...conftest import ooxml_check
from ..fake_xlwings import Book

ROOT = Path(__file__).parents[3]


def test_customui_is_well_formed_and_every_button_is_wired():
    root = ElementTree.fromstring(customui_xml())
    assert root.tag == f"{{{CUSTOMUI_NAMESPACE}}}customUI"
    buttons = list(root.iter(f"{{{CUSTOMUI_NAMESPACE}}}button"))
    assert [b.get("label") for b in buttons] == [b.label for b in BUTTONS]
    assert len({b.get("id") for b in buttons}) == len(buttons)
    for button in buttons:
        assert button.get("onAction") == CALLBACK
        assert button.get("imageMso")
        assert re.fullmatch(r"[a-z]+", button.get("tag"))  # safe to pass to Python
        assert button.get("tag") in ACTIONS
    tab = next(root.iter(f"{{{CUSTOMUI_NAMESPACE}}}tab"))
    assert tab.get("label") == "Segmentation"


def test_every_onaction_has_a_vba_sub_that_takes_the_control():
    module, sub = CALLBACK.split(".")
    source = (VBA_SOURCES / f"{module}.bas").read_text(encoding="utf-8")
    assert f'Attribute VB_Name = "{module}"' in source
    assert re.search(rf"^Sub {sub}\(control As IRibbonControl\)", source, re.MULTILINE)
    assert "actions.run('\" & control.Tag & \"')" in source


def test_required_buttons_are_there():
    labels = {b.label for b in BUTTONS}
    assert labels >= {"RFM Segments", "Cluster Segments", "Segment Summary",
                      "Apply Saved Model", "Check Data", "Settings", "Help"}  # fmt: skip


def test_udf_wrappers_come_from_xlwings_generator():
    before = set(sys.modules)
    text = udf_wrappers()
    for name in ("SEGMENT_RFM", "RFM_SCORE", "RFM_TABLE", "SEGMENT_CLUSTER",
                 "SEGMENT_PROFILE", "SEGMENT_APPLY"):  # fmt: skip
        assert getattr(udfs, name)
        assert re.search(rf"^Function {name}\(", text, re.MULTILINE), name
        assert f'XLPy.CallUDF("addin.udfs", "{name}"' in text
    assert "Function SEGMENT_RFM(table, Optional as_of, Optional bins, Optional ties)" in text
    assert "pythoncom" not in set(sys.modules) - before  # the stubs are gone again


def test_build_is_deterministic_and_keeps_xlwings_vba(tmp_path):
    first = build(tmp_path / "one" / "Segmentation.xlam")
    second = build(tmp_path / "two" / "Segmentation.xlam")
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    with zipfile.ZipFile(first[0]) as built, zipfile.ZipFile(xlwings_addin()) as original:
        assert built.read(VBA_PART) == original.read(VBA_PART)
        assert built.read(CUSTOMUI_PART).decode() == customui_xml()
        assert set(built.namelist()) == set(original.namelist())


def test_built_addin_passes_the_ooxml_check_with_the_customui_schema(tmp_path):
    xlam = build(tmp_path / "Segmentation.xlam")[0]
    (report,) = ooxml_check(xlam)
    assert report["parts"][CUSTOMUI_PART] == "customui/customUI14.xsd"
    problems = [f for f in report["findings"] if f["part"] != "docProps/core.xml"]
    # core.xml is xlwings' own (kept byte for byte); its one note is a warning.
    assert problems == [] and all(f["severity"] == "warning" for f in report["findings"])


def test_a_failed_build_writes_nothing(tmp_path, monkeypatch):
    def broken() -> str:
        raise OSError("disk full")

    monkeypatch.setattr("addin.installer.xlam.udf_wrappers", broken)
    folder = tmp_path / "dist"
    with pytest.raises(OSError):
        build(folder / "Segmentation.xlam")
    assert not folder.exists() or list(folder.iterdir()) == []
    folder.mkdir(exist_ok=True)
    (folder / "Segmentation.xlam").write_bytes(b"the user's own")
    monkeypatch.setattr("addin.installer.xlam.udf_wrappers", udf_wrappers)
    monkeypatch.setattr(
        "addin.installer.xlam.os.replace", lambda *a: (_ for _ in ()).throw(OSError("no"))
    )
    with pytest.raises(OSError, match="no"):
        build(folder / "Segmentation.xlam")
    assert [p.name for p in folder.iterdir()] == ["Segmentation.xlam"]
    assert (folder / "Segmentation.xlam").read_bytes() == b"the user's own"


def test_built_addin_vba_parses_and_names_the_pinned_dll(tmp_path):
    xlam = build(tmp_path / "Segmentation.xlam")[0]
    parser = VBA_Parser(str(xlam))
    modules = {name: code for _, _, name, code in parser.extract_macros()}
    parser.close()
    assert "xlwings.bas" in modules
    dll = re.findall(r"xlwings64-([\d.]+)\.dll", modules["xlwings.bas"])
    pinned = next(
        d.split("==")[1]
        for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
        if d.startswith("xlwings==")
    )
    assert set(dll) == {pinned} == {xlwings.__version__}


def test_rfm_button_writes_segments_shows_progress_and_a_summary(customers_book):
    book = Book.from_xlsx(customers_book)
    run("rfm", book)
    headers = [v for (r, _), v in sorted(book.sheets["Customers"].cells.items()) if r == 1]
    assert "RFM Segment" in headers
    assert any("Scoring R, F and M" in s for s in book.app.status_history)
    assert book.app.status_bar is None  # Excel's own status text is back
    message, title, mode = book.app.alerts[-1]
    assert "1,200 customers" in message and mode is None


def test_buttons_report_problems_in_a_message_box(customers_book):
    book = Book.from_xlsx(customers_book)
    run("apply", book)  # no saved model yet
    message, title, mode = book.app.alerts[-1]
    assert mode == "critical" and "with RFM Segments (or Cluster Segments)" in message
    run("rfm", book)
    run("apply", book)
    assert book.app.alerts[-1][2] is None


def test_check_settings_and_help_buttons(customers_book):
    book = Book.from_xlsx(customers_book)
    run("check", book)
    assert "table 'Customers'" in book.app.alerts[-1][0]
    run("settings", book)
    assert names.SETTINGS_SHEET in [s.name for s in book.sheets]
    assert book.active.name == names.SETTINGS_SHEET
    run("help", book)
    assert "RFM Segments" in book.app.alerts[-1][0]


def test_import_log_button_adds_a_customers_sheet(customers_book, tmp_path):
    from types import SimpleNamespace

    from addin.templates import sample_data

    from ..fake_xlwings import column_of

    log = sample_data.transactions(60)
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False)
    book = Book.from_xlsx(customers_book)  # already has a 'Customers' sheet
    book.app.api = SimpleNamespace(GetOpenFilename=lambda *args: str(path))
    run("import", book)
    message, _, mode = book.app.alerts[-1]
    assert mode is None and "Sheet 'Customers 2' holds one row per customer" in message
    ids = column_of(book.sheets["Customers 2"], "Customer ID")
    assert len(ids) == log["Customer ID"].nunique()
    book.app.api = SimpleNamespace(GetOpenFilename=lambda *args: False)  # cancelled
    alerts = len(book.app.alerts)
    run("import", book)
    assert len(book.app.alerts) == alerts


def test_addin_commands(tmp_path, capsys):
    from ..conftest import run_segment

    target = tmp_path / "out" / "Segmentation.xlam"
    assert run_segment("addin", "build", "-o", target) == 0
    assert target.exists() and (target.parent / "SegmentationFunctions.bas").exists()
    assert run_segment("addin", "status") == 0
    assert xlwings.__version__ in capsys.readouterr().out
    if sys.platform.startswith("linux"):
        assert run_segment("addin", "install") == 1
        assert "needs Microsoft Excel, which does not run on Linux" in capsys.readouterr().err


def test_hardened_xlwings_module_ignores_workbook_supplied_configuration(tmp_path):
    import difflib

    from addin.installer.hardening import hardened_module, xlwings_module_text

    original = xlwings_module_text().replace("\r\n", "\n")
    hardened = hardened_module()
    # The add-in as shipped by xlwings has the lookups that a shared workbook controls.
    xlam = build(tmp_path / "Segmentation.xlam")[0]
    parser = VBA_Parser(str(xlam))
    shipped = {name: code for _, _, name, code in parser.extract_macros()}["xlwings.bas"]
    parser.close()
    for risky in ('SheetExists(ActiveWorkbook, PROJECT_NAME & ".conf")',
                  "GetDirectoryConfigFilePath()) = True",
                  'GetConfig("ADD_WORKBOOK_TO_PYTHONPATH", "true")',
                  "GetUdfModules = Left$(sht.Name, Len(sht.Name) - 3)"):  # fmt: skip
        assert risky in shipped and risky in original
        assert risky not in hardened
    # ...and nothing else changes.
    changed = [
        line
        for line in difflib.unified_diff(original.splitlines(), hardened.splitlines(), n=0)
        if line.startswith("@@")
    ]
    assert len(changed) == 6  # the five doors closed, and our own config file name
    assert (
        (tmp_path / "xlwings.bas")
        .read_text(encoding="utf-8")
        .startswith('Attribute VB_Name = "xlwings"')
    )


def test_an_unexpected_error_shows_a_message_box_and_logs_the_traceback(
    customers_book, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))

    def broken(book):
        raise KeyError("internal state")

    monkeypatch.setitem(ACTIONS, "summary", broken)
    book = Book.from_xlsx(customers_book)
    run("summary", book)  # must not raise: xlwings would show a traceback dialog
    message, title, mode = book.app.alerts[-1]
    log = tmp_path / f".{names.PROJECT_NAME}" / names.ERROR_LOG
    assert mode == "critical" and "unexpected" in title
    assert str(log) in message and "close the workbook without saving" in message
    assert "Traceback" not in message and "KeyError" not in message
    logged = log.read_text(encoding="utf-8")
    assert "button 'summary'" in logged and "KeyError: 'internal state'" in logged
    assert book.app.status_bar is None
