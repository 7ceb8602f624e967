"""What `segment addin install/status/selftest` decide, checked without Excel."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from addin import names, udfs
from addin.errors import WorkbookError
from addin.installer import install
from addin.installer.hardening import hardened_module
from addin.installer.ribbon import BUTTONS
from addin.installer.selftest import FORMULAS, checks, run_checks, table
from addin.installer.xlam import build
from addin.templates import sample_data


def _grid(frame: pd.DataFrame) -> list[list[object]]:
    return [list(frame.columns), *frame.astype(object).values.tolist()]


def test_config_goes_where_the_hardened_vba_reads_it(tmp_path: Path) -> None:
    vba = hardened_module()
    assert f'Public Const PROJECT_NAME As String = "{names.PROJECT_NAME}"' in vba
    # GetConfigFilePath on Windows: %USERPROFILE%\.<project>\<project>.conf
    assert 'Environ("USERPROFILE") & "\\." & PROJECT_NAME & "\\" & PROJECT_NAME & ".conf"' in vba
    windows = install.places("Windows", tmp_path, tmp_path / "XLSTART")
    assert windows.config_file == tmp_path / ".segmentation" / "segmentation.conf"
    assert windows.addin_file == tmp_path / "XLSTART" / "Segmentation.xlam"
    mac = install.places("Darwin", tmp_path)
    assert mac.config_file.name == "segmentation.conf"
    assert "com.microsoft.Excel" in mac.config_file.parts
    assert mac.addin_file.name == "Segmentation.xlam"
    with pytest.raises(WorkbookError, match="does not run on Linux"):
        install.places("Linux", tmp_path)


def test_config_is_data_that_vba_reads_back(tmp_path: Path) -> None:
    python = tmp_path / "Python 3.12" / "python.exe"
    text = install.config_text("Windows", python)
    assert text.splitlines() == [
        f'"INTERPRETER_WIN","{python}"',
        '"UDF MODULES","addin.udfs"',
        '"USE UDF SERVER","False"',
    ]
    assert text.endswith("\r\n")  # VBA's Write # line ends
    target = tmp_path / "conf" / "segmentation.conf"
    install.write_config(target, "Darwin", python)
    assert install.read_config(target, "Darwin") == {
        "INTERPRETER_MAC": str(python),
        "UDF MODULES": "addin.udfs",
        "USE UDF SERVER": "False",
    }
    with pytest.raises(WorkbookError, match="contains a quote"):
        install.config_text("Windows", Path('C:/odd"name/python.exe'))


def test_status_reports_what_is_installed(tmp_path: Path) -> None:
    where = install.places("Darwin", tmp_path)
    lines = install.status_lines("Darwin", tmp_path)
    assert any("not installed" in line for line in lines)
    install.write_config(where.config_file, "Darwin", Path(sys.executable))
    where.startup_folder.mkdir(parents=True)
    where.addin_file.write_bytes(b"")
    lines = install.status_lines("Darwin", tmp_path)
    assert any(line.startswith("Add-in file:") and "(found)" in line for line in lines)
    assert any(f"Python used by Excel: {sys.executable} (exists)" == line for line in lines)
    assert "no (Linux)" in install.status_lines("Linux", tmp_path)[-1]


def test_install_imports_exactly_the_modules_build_writes(tmp_path: Path) -> None:
    written = {path.name for path in build(tmp_path / "Segmentation.xlam")}
    assert {f"{name}.bas" for name in install.VBA_MODULES} <= written


class _Components(list):
    def __init__(self, names: list[str]) -> None:
        super().__init__(type("Component", (), {"Name": n})() for n in names)
        self.removed: list[str] = []
        self.imported: list[str] = []

    def __call__(self, name: str):
        return next(c for c in self if c.Name == name)

    def Remove(self, component) -> None:
        self.removed.append(component.Name)

    def Import(self, path: str) -> None:
        self.imported.append(Path(path).name)


def test_vba_import_replaces_xlwings_and_explains_the_trust_setting(tmp_path: Path) -> None:
    components = _Components(["ThisWorkbook", "xlwings", "RibbonMyAddin"])
    project = type("Project", (), {"VBComponents": components})()
    book = type("Book", (), {"api": type("Api", (), {"VBProject": project})()})()
    install._import_modules(book, tmp_path)
    assert components.removed == ["xlwings"]
    assert components.imported == [f"{name}.bas" for name in install.VBA_MODULES]

    class Refused:
        @property
        def VBProject(self):
            raise RuntimeError("Programmatic access to Visual Basic Project is not trusted")

    locked = type("Book", (), {"api": Refused()})()
    with pytest.raises(WorkbookError, match="Trust access to the VBA project object model"):
        install._import_modules(locked, tmp_path)


def test_selftest_covers_every_button_and_function() -> None:
    covered = {check.covers for check in checks("'Log'!A1:C9", "'Customers'!A1:D9")}
    assert {button.tag for button in BUTTONS} <= covered
    functions = {
        name
        for name in dir(udfs)
        if re.fullmatch(r"[A-Z_]+", name) and callable(getattr(udfs, name))
    }
    assert "SEGMENT_RFM" in functions
    assert functions <= covered


def test_selftest_expectations_hold_for_the_python_functions() -> None:
    """What each formula check expects in its top-left cell, from the functions as
    Python, on the same sample data the self-test pastes into Excel."""
    from addin.sheets.model_sheet import model_layout
    from segmentation import segment_customers

    from ..conftest import layout_cells

    customers = _grid(sample_data.customers(200))
    log = _grid(sample_data.transactions(120))
    model = segment_customers(sample_data.customers(200), method="both").model
    data = {"customers": customers, "log": log, "model": layout_cells(model_layout(model, {}))}

    def evaluate(check) -> list[list[object]]:
        arguments = []
        for argument in check.arguments:
            if argument.startswith("="):
                inner = evaluate(FORMULAS[argument[1:]])
                arguments.append([row[0] for row in inner])
            else:
                arguments.append(data[argument])
        return getattr(udfs, check.function)(*arguments)

    for check in FORMULAS.values():
        assert evaluate(check)[0][0] == check.first_cell, check.function


def test_selftest_reports_each_failure_and_goes_on() -> None:
    def broken(book):
        raise RuntimeError("Excel said no")

    fake = [
        type("C", (), {"name": "first", "run": staticmethod(lambda book: None)})(),
        type("C", (), {"name": "second", "run": staticmethod(broken)})(),
        type("C", (), {"name": "third", "run": staticmethod(lambda book: "wrong cell")})(),
    ]
    results = run_checks(object(), fake)
    assert [ok for _, ok, _ in results] == [True, False, False]
    text = table(results)
    assert "FAIL: RuntimeError: Excel said no" in text and text.endswith("1 of 3 passed")


def test_selftest_help_check_fails_when_a_button_is_undocumented(monkeypatch) -> None:
    from addin import ribbon_actions
    from addin.installer.selftest import _help

    assert _help(object()) is None
    monkeypatch.setitem(ribbon_actions.ACTIONS, "help", lambda book: "RFM Segments only")
    assert "Import Log" in _help(object())
