"""Keeping users' work safe: locks, formats we cannot read, parts we cannot keep, atomic saves."""

from __future__ import annotations

import contextlib
import os
import posixpath
import stat
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class AtRisk:
    """Something in a workbook that openpyxl cannot carry into a saved copy."""

    what: str
    part: str


# Package parts openpyxl does not read back, so a saved copy would silently lose them.
_DROPPED_PARTS = (
    ("xl/charts/chart", "chart"),
    ("xl/chartsheets/", "chart sheet"),
    ("xl/media/", "picture"),
    ("xl/pivotTables/", "pivot table"),
    ("xl/slicers/", "slicer"),
    ("xl/timelines/", "timeline"),
    ("xl/ctrlProps/", "form control"),
    ("xl/activeX/", "ActiveX control"),
    ("xl/embeddings/", "embedded object"),
)
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _targets(package: zipfile.ZipFile, part: str) -> list[str]:
    """Parts that ``part`` points to, as package paths."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in package.namelist():
        return []
    root = ElementTree.fromstring(package.read(rels))
    found = []
    for rel in root.iter(f"{_REL_NS}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        found.append(posixpath.normpath(path))
    return found


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


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, set[str]]:
    """Sheet name -> every part reachable from that sheet (drawings, charts, media, ...)."""
    reachable: dict[str, set[str]] = {}
    for name, start in sheet_part_names(package).items():
        seen: set[str] = set()
        todo = [start] if start else []
        while todo:
            part = todo.pop()
            if part in seen:
                continue
            seen.add(part)
            todo.extend(_targets(package, part))
        reachable[name] = seen
    return reachable


def parts_at_risk(path: Path, *, ignore_sheets: set[str] | frozenset = frozenset()) -> list[AtRisk]:
    """Charts, pictures, shapes, pivot tables and controls a rewrite would lose.

    Parts reachable only from ``ignore_sheets`` (sheets we write again ourselves, such
    as an earlier run's summary charts) do not count.
    """
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return []
    found = []
    with zipfile.ZipFile(path) as package:
        try:
            by_sheet = _sheet_parts(package)
        except (KeyError, ElementTree.ParseError):
            by_sheet = {}
        ours = set().union(*(parts for name, parts in by_sheet.items() if name in ignore_sheets))
        theirs = set().union(*(p for name, p in by_sheet.items() if name not in ignore_sheets))
        for name in package.namelist():
            if name in ours and name not in theirs:
                continue
            for prefix, what in _DROPPED_PARTS:
                if name.startswith(prefix) and not name.endswith(".rels"):
                    found.append(AtRisk(what, name))
            if name.startswith("xl/drawings/drawing") and name.endswith(".xml"):
                text = package.read(name)
                if b"<xdr:sp>" in text or b"<xdr:sp " in text or b"<xdr:cxnSp" in text:
                    found.append(AtRisk("shape or text box", name))
    return found


def describe_at_risk(items: list[AtRisk]) -> str:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.what] = counts.get(item.what, 0) + 1
    return ", ".join(f"{n} {what}{'s' if n > 1 else ''}" for what, n in counts.items())


def atomic_write(target: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file in the target's folder, then rename it into place.

    The rename is atomic on the same volume (``os.replace``), so the target is either
    the old file or the complete new one, never half-written.
    """
    descriptor, temporary = tempfile.mkstemp(
        prefix="~segment-", suffix=target.suffix, dir=target.parent
    )
    os.close(descriptor)
    temp_path = Path(temporary)
    try:
        write(temp_path)
        try:
            os.replace(temp_path, target)
        except PermissionError as exc:  # Windows: the target is open in Excel
            raise WorkbookError(
                f"Cannot replace '{target.name}': it is open in another program. Close it "
                "and run again."
            ) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp_path.unlink()
