"""Bad input ends with a clear message and no output; users' work is never lost."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from addin.errors import WorkbookError
from addin.files import safety

from ..conftest import run_segment


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def outputs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "segmented" in p.name or "~" in p.name)


def write_log(path: Path, rows: list[list[object]], headers=("Customer", "Date", "Amount")):
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # the user typed text, not a formula
    book.save(path)
    return path


LOG_ROWS = [[f"c{i % 7}", f"2024-0{1 + i % 9}-1{i % 9}", 10 + i] for i in range(40)]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda p: write_log(p, LOG_ROWS, headers=("Customer", "When", "Value")),
            "Missing column for a transaction log: 'date' (a header such as 'Order Date'",
        ),
        (lambda p: write_log(p, []), "The table has no data rows"),
        (lambda p: Workbook().save(p), "No customer table or transaction log found"),
        (
            lambda p: write_log(
                p, [[*r[:2], "lots"] if i == 3 else r for i, r in enumerate(LOG_ROWS)]
            ),
            "Column 'Amount' has 1 value that is not a number (row 5: 'lots')",
        ),
        (
            lambda p: p.write_bytes(safety.OLE_SIGNATURE + b"\0" * 600),
            "password-protected",
        ),
        (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "damaged"),
    ],
    ids=[
        "missing columns",
        "headers only",
        "empty sheet",
        "text in amounts",
        "password",
        "corrupt",
    ],  # fmt: skip
)
def test_bad_workbooks_fail_clearly_without_output(tmp_path, capsys, make, message):
    source = tmp_path / "input.xlsx"
    make(source)
    before = digest(source)
    assert run_segment("run", source, "-q") == 1
    error = capsys.readouterr().err
    assert message in error
    assert "Traceback" not in error
    assert outputs(tmp_path) == []
    assert digest(source) == before


@pytest.mark.parametrize(
    ("name", "message"),
    [("old.xls", "old .xls workbook"), ("calc.ods", "not an Excel workbook"),
     ("notes.txt", "unsupported type")],
)  # fmt: skip
def test_other_formats_are_named(tmp_path, capsys, name, message):
    source = tmp_path / name
    source.write_bytes(safety.OLE_SIGNATURE)
    assert run_segment("run", source) == 1
    assert message in capsys.readouterr().err


def test_missing_file(tmp_path, capsys):
    assert run_segment("run", tmp_path / "nowhere.xlsx") == 1
    assert "does not exist" in capsys.readouterr().err


def test_too_few_customers_for_the_bins(tmp_path, capsys):
    source = write_log(tmp_path / "tiny.xlsx", LOG_ROWS[:3])
    assert run_segment("run", source, "-q") == 1
    assert "Too few customers (3) for 5 score bins" in capsys.readouterr().err
    assert outputs(tmp_path) == []


def test_formula_like_text_from_user_data_stays_text(tmp_path):
    rows = [[name, "2024-01-0" + str(1 + i % 9), 10 * (i + 1)] for i, name in enumerate(
        ["=1+1", "+44 123", "-minus", "@mention", "=HYPERLINK(\"x\")", "plain", "b", "c"] * 2
    )]  # fmt: skip
    source = write_log(tmp_path / "names.xlsx", rows)
    assert run_segment("run", source, "--bins", "3", "-q") == 0
    sheet = load_workbook(tmp_path / "names.segmented.xlsx")["Customers"]
    ids = {sheet.cell(r, 1).value: sheet.cell(r, 1).data_type for r in range(2, sheet.max_row + 1)}
    for text in ("=1+1", "+44 123", "-minus", "@mention", '=HYPERLINK("x")'):
        assert ids[text] == "s", text


def test_locked_and_read_only_workbooks(tmp_path, capsys):
    source = write_log(tmp_path / "orders.xlsx", LOG_ROWS)
    lock = tmp_path / "~$orders.xlsx"
    lock.write_bytes(b"owner")
    assert run_segment("run", source, "--in-place", "-q") == 1
    assert "is open in a spreadsheet program" in capsys.readouterr().err
    lock.unlink()
    os.chmod(source, 0o444)
    try:
        assert run_segment("run", source, "--in-place", "-q") == 1
        assert "is read-only" in capsys.readouterr().err
    finally:
        os.chmod(source, 0o644)


def test_failed_save_leaves_the_input_and_no_temporary_file(tmp_path, monkeypatch, capsys):
    source = write_log(tmp_path / "orders.xlsx", LOG_ROWS)
    before = digest(source)

    def broken_save(self, path):
        Path(path).write_bytes(b"PK half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr("addin.files.xlsx.FileWorkbook.save", broken_save)
    assert run_segment("run", source, "--in-place", "-q") == 1
    assert "could not read or write a file (disk full)" in capsys.readouterr().err
    assert digest(source) == before
    assert not list(tmp_path.glob("~segment-*"))


def test_killed_write_leaves_the_input_intact(tmp_path):
    """A real process killed (SIGKILL) in the middle of writing the workbook."""
    if not hasattr(signal, "SIGKILL"):
        pytest.skip("no SIGKILL on this platform")
    source = write_log(tmp_path / "orders.xlsx", LOG_ROWS)
    before = digest(source)
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from addin.files import xlsx
        from addin.cli.main import main

        def dying_save(self, path):
            Path(path).write_bytes(b"PK half written")
            os.kill(os.getpid(), signal.SIGKILL)

        xlsx.FileWorkbook.save = dying_save
        main(["run", {str(source)!r}, "--in-place", "-q"])
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=False)
    assert done.returncode == -signal.SIGKILL
    assert digest(source) == before
    assert load_workbook(source).active.max_row == len(LOG_ROWS) + 1


def test_atomic_write_replaces_only_when_complete(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")

    def write_then_fail(path: Path) -> None:
        path.write_bytes(b"new")
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        safety.atomic_write(target, write_then_fail)
    assert target.read_bytes() == b"old"
    safety.atomic_write(target, lambda p: p.write_bytes(b"new"))
    assert target.read_bytes() == b"new"


def test_check_readable_accepts_real_workbooks(transactions_book):
    safety.check_readable(transactions_book)
    with pytest.raises(WorkbookError, match="is a folder"):
        safety.check_readable(transactions_book.parent)


def make_xlsm(path: Path) -> bytes:
    """A macro-enabled workbook: the transaction log plus a VBA project part."""
    import zipfile

    plain = write_log(path.with_suffix(".tmp.xlsx"), LOG_ROWS)
    vba = b"\xd0\xcf\x11\xe0 pretend VBA project " + bytes(range(256))
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(
                    b"</Types>",
                    b'<Default Extension="bin" '
                    b'ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/'
                    b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            target.writestr(item, data)
        target.writestr("xl/vbaProject.bin", vba)
    plain.unlink()
    return vba


def test_macros_in_xlsm_are_kept(tmp_path):
    import zipfile

    source = tmp_path / "macros.xlsm"
    vba = make_xlsm(source)
    assert run_segment("run", source, "--in-place", "-q") == 0
    with zipfile.ZipFile(source) as package:
        assert package.read("xl/vbaProject.bin") == vba
        assert b"macroEnabled" in package.read("[Content_Types].xml")
    assert "Segment Summary" in load_workbook(source, keep_vba=True).sheetnames
    assert run_segment("run", source, "-q") == 0
    assert (tmp_path / "macros.segmented.xlsm").exists()
