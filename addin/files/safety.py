"""Keeping users' work safe: locks, formats we cannot read, atomic saves."""

from __future__ import annotations

import os
import posixpath
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

from addin.errors import WorkbookError
from addin.files.sniffing import old_workbook_error, ole_kind

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
FORMULA_STARTS = ("=", "+", "-", "@")


def is_formula_like(value: object) -> bool:
    """Text that a spreadsheet could take for a formula if written carelessly."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _lock_candidates(path: Path) -> list[Path]:
    # Excel writes "~$" + the name, dropping the first two characters when the name is
    # long; LibreOffice writes ".~lock.<name>#".
    return [
        path.with_name("~$" + path.name),
        path.with_name("~$" + path.name[2:]),
        path.with_name(f".~lock.{path.name}#"),
    ]


def check_readable(path: Path) -> None:
    """Clear messages for files we cannot read, before any library sees them."""
    if not path.exists():
        raise WorkbookError(f"The file '{path}' does not exist. Check the name and folder.")
    if path.is_dir():
        raise WorkbookError(f"'{path}' is a folder, not a workbook or data file.")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise WorkbookError(
            f"'{path.name}' is an old .xls workbook. Open it in Excel and save it as .xlsx "
            "(File > Save As > Excel Workbook), then run again."
        )
    if suffix in (".ods", ".numbers"):
        raise WorkbookError(
            f"'{path.name}' is not an Excel workbook. Save it as .xlsx from its program "
            "(LibreOffice: File > Save As > Excel 2007-365), then run again."
        )
    if suffix not in (*WORKBOOK_SUFFIXES, ".csv", ".parquet"):
        raise WorkbookError(
            f"'{path.name}' has an unsupported type ({suffix or 'no extension'}). Use an .xlsx "
            "or .xlsm workbook, a .csv or a .parquet file."
        )
    if suffix in WORKBOOK_SUFFIXES:
        with path.open("rb") as file:
            head = file.read(8)
        if head == OLE_SIGNATURE and ole_kind(path) == "xls":
            raise old_workbook_error(path)  # an .xls renamed .xlsx
        if head == OLE_SIGNATURE:
            raise WorkbookError(
                f"'{path.name}' is password-protected (encrypted). Remove the password in Excel "
                "(File > Info > Protect Workbook > Encrypt with Password, clear it), save, "
                "and run again."
            )
        if not zipfile.is_zipfile(path):
            raise WorkbookError(
                f"'{path.name}' is damaged or not really an Excel workbook (it is not a valid "
                ".xlsx package). Open it in Excel to repair it, or export the data again."
            )


def check_writable(path: Path) -> None:
    """Refuse to write a workbook that is open in Excel or read-only."""
    for lock in _lock_candidates(path):
        if lock.exists():
            raise WorkbookError(
                f"'{path.name}' is open in a spreadsheet program (its lock file '{lock.name}' "
                "is present). Close it there, then run again.",
                fix="Or write to another file with {output}.",
                suggest={"output": None},
            )
    # The mode bit is what Windows' read-only attribute maps to; os.access covers the rest.
    if path.exists() and (not os.access(path, os.W_OK) or not path.stat().st_mode & stat.S_IWRITE):
        raise WorkbookError(
            f"'{path.name}' is read-only. Clear the read-only setting.",
            fix="Or write to another file with {output}.",
            suggest={"output": None},
        )
    folder = path.parent
    if not folder.exists():
        raise WorkbookError(
            f"The folder '{folder}' does not exist. Create it first, or check the name.",
            fix="Or choose another output with {output}.",
            suggest={"output": None},
        )
    if not os.access(folder, os.W_OK):
        raise WorkbookError(
            f"Cannot write in the folder '{folder}'.",
            fix="Choose another output with {output}.",
            suggest={"output": None},
        )


_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def sheet_part_names(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the package part that holds the sheet (``xl/worksheets/sheet1.xml``)."""
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    by_id = {
        r.get("Id"): posixpath.normpath(posixpath.join("xl", r.get("Target", "").lstrip("/")))
        if not r.get("Target", "").startswith("/")
        else r.get("Target", "").lstrip("/")
        for r in rels.iter(f"{_REL_NS}Relationship")
    }
    return {
        sheet.get("name", ""): by_id[sheet.get(_DOC_REL)]
        for sheet in workbook.iter(f"{_MAIN_NS}sheet")
        if sheet.get(_DOC_REL) in by_id
    }


def atomic_write(target: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside the target, then rename it into place.

    The rename is atomic on the same volume (``os.replace``), so the target is either
    the old file or the complete new one, never half-written. The temporary name is
    unique and never replaces another file; the result keeps the permissions (and the
    owner, where allowed) of the file it replaces, a symbolic link keeps pointing at the
    updated file, and the temporary is removed if ``write`` fails or the run is stopped
    (see :mod:`addin.files.staging`).
    """
    from addin.files.staging import StagedOutputs

    with StagedOutputs() as outputs:
        outputs.stage(target, write)
        outputs.commit()
