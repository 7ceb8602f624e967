"""Installing the add-in into Excel: where files go, what the config says, which VBA
modules replace which.

The decisions are plain functions, tested on Linux. The few lines that drive Excel
(through xlwings, i.e. COM on Windows) are in :func:`install` and :func:`uninstall`
and run only where Excel runs; they are verified on Windows by ``segment addin
selftest`` and the README's checklist, not in CI.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from addin import names
from addin.errors import WorkbookError
from addin.files.safety import atomic_write

ADDIN_NAME = "Segmentation.xlam"
# VBA modules the install imports into the add-in, after removing the add-in's own
# module of the same name (xlwings' unhardened module is named "xlwings").
VBA_MODULES = ("xlwings", "SegmentationRibbon", "SegmentationFunctions")
TRUST_SETTING = (
    "File > Options > Trust Center > Trust Center Settings > Macro Settings > "
    "'Trust access to the VBA project object model'"
)


@dataclass(frozen=True)
class Places:
    """Where the installed add-in and its configuration live for one user."""

    config_file: Path
    startup_folder: Path | None  # known only from Excel itself on Windows

    @property
    def addin_file(self) -> Path | None:
        return None if self.startup_folder is None else self.startup_folder / ADDIN_NAME


def places(system: str, home: Path, startup_folder: Path | None = None) -> Places:
    """The config file the add-in's VBA reads (``GetConfigFilePath``) and the startup
    folder Excel opens add-ins from."""
    if system == "Windows":
        return Places(
            home / f".{names.PROJECT_NAME}" / f"{names.PROJECT_NAME}.conf", startup_folder
        )
    if system == "Darwin":
        # Excel is sandboxed on macOS: the VBA's $HOME is the container's.
        container = home / "Library" / "Containers" / "com.microsoft.Excel" / "Data"
        startup = (
            home / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content.localized"
            / "Startup.localized" / "Excel"
        )  # fmt: skip
        return Places(container / f"{names.PROJECT_NAME}.conf", startup_folder or startup)
    raise WorkbookError(
        f"The add-in needs Microsoft Excel, which does not run on {system}. Run this on "
        "Windows or macOS; here, `segment run` does the same work on files."
    )


def config_text(system: str, interpreter: Path) -> str:
    """The user config in the format VBA's ``Write #`` writes and ``Input #`` reads."""
    value = str(interpreter)
    if '"' in value:
        raise WorkbookError(f"The Python path {value!r} contains a quote, which VBA cannot read.")
    key = "INTERPRETER_WIN" if system == "Windows" else "INTERPRETER_MAC"
    entries = {key: value, "UDF MODULES": names.FUNCTIONS_IMPORT, "USE UDF SERVER": "False"}
    return "".join(f'"{k}","{v}"\r\n' for k, v in entries.items())


def config_encoding(system: str) -> str:
    """VBA reads text files in the system's ANSI code page on Windows."""
    return "mbcs" if system == "Windows" else "utf-8"


def write_config(target: Path, system: str, interpreter: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    text = config_text(system, interpreter)
    atomic_write(
        target, lambda path: path.write_text(text, encoding=config_encoding(system), newline="")
    )


def read_config(path: Path, system: str) -> dict[str, str]:
    """The installed config as a dict (empty when there is none)."""
    if not path.exists():
        return {}
    entries = {}
    for line in path.read_text(encoding=config_encoding(system)).splitlines():
        key, _, value = line.partition(",")
        entries[key.strip().strip('"')] = value.strip().strip('"')
    return entries


def status_lines(system: str, home: Path, startup_folder: Path | None = None) -> list[str]:
    """What `segment addin status` prints: versions, files, and whether they agree."""
    import xlwings

    lines = [f"xlwings {xlwings.__version__} (the add-in's VBA needs exactly this version)"]
    if system not in ("Windows", "Darwin"):
        return [*lines, f"Excel available here: no ({system}); use `segment run` on files."]
    where = places(system, home, startup_folder)
    config = read_config(where.config_file, system)
    interpreter = config.get("INTERPRETER_WIN" if system == "Windows" else "INTERPRETER_MAC")
    installed = where.addin_file is not None and where.addin_file.exists()
    found = "found" if installed else "not installed"
    lines.append(f"Add-in file: {where.addin_file or 'in Excel startup folder'} ({found})")
    lines.append(f"Config file: {where.config_file} ({'found' if config else 'missing'})")
    if interpreter:
        ok = Path(interpreter).exists()
        same = Path(interpreter) == Path(sys.executable)
        lines.append(
            f"Python used by Excel: {interpreter} ({'exists' if ok else 'MISSING'}"
            f"{'' if same else '; differs from this Python: ' + sys.executable})"
        )
    return lines


# --- the parts that drive Excel (Windows: COM through xlwings) ------------------------


def _import_modules(book, folder: Path) -> None:
    """Replace the add-in's xlwings module by the hardened one and add ours."""
    try:
        components = book.api.VBProject.VBComponents
        names = [component.Name for component in components]
    except Exception as exc:  # COM raises its own error type
        raise WorkbookError(
            "Excel refused access to the add-in's VBA project. Turn on "
            f"{TRUST_SETTING}, run `segment addin install` again, then turn it off if you "
            "wish."
        ) from exc
    for name in VBA_MODULES:
        if name in names:
            components.Remove(components(name))
        components.Import(str(folder / f"{name}.bas"))


def install(system: str, home: Path) -> list[str]:
    """Build, import the VBA (Windows), copy into Excel's startup folder, write config."""
    import xlwings as xw

    from addin.installer.xlam import build

    with tempfile.TemporaryDirectory() as staging:
        built = build(Path(staging) / ADDIN_NAME)
        xlam = built[0]
        steps = []
        startup = None
        if system == "Windows":  # macOS: Excel cannot import VBA from outside (below)
            with xw.App(visible=False, add_book=False) as app:
                startup = Path(app.startup_path)
                book = app.books.open(str(xlam))
                _import_modules(book, xlam.parent)
                book.save()
                book.close()
            steps.append("VBA modules imported (hardened xlwings, ribbon, functions)")
        where = places(system, home, startup)
        where.startup_folder.mkdir(parents=True, exist_ok=True)
        target = where.addin_file
        atomic_write(target, lambda path: shutil.copyfile(xlam, path))  # refuses if in use
        steps.append(f"Add-in copied to {target}")
        if system == "Darwin":
            modules = home / "Segmentation add-in"  # a folder the Import dialog can reach
            modules.mkdir(exist_ok=True)
            for module in built[1:]:
                shutil.copyfile(module, modules / module.name)
            steps.append(
                "macOS: Excel cannot import VBA modules from outside. Open the Visual Basic "
                "Editor, remove the module 'xlwings' from Segmentation.xlam and import "
                + ", ".join(m.name for m in built[1:])
                + f" from {modules}; do not use the add-in before that."
            )
    write_config(where.config_file, system, Path(sys.executable))
    steps.append(f"Config written to {where.config_file} (Python: {sys.executable})")
    return steps


def uninstall(system: str, home: Path) -> list[str]:
    """Close and remove the add-in, and remove its config."""
    import xlwings as xw

    startup = None
    for app in xw.apps:
        startup = Path(app.startup_path)
        for book in list(app.books):
            if book.name == ADDIN_NAME:
                book.close()
    if startup is None and system == "Windows":  # only Excel knows its startup folder
        with xw.App(visible=False, add_book=False) as app:
            startup = Path(app.startup_path)
    where = places(system, home, startup)
    steps = []
    for path in (where.addin_file, where.config_file):
        if path is not None and path.exists():
            path.unlink()
            steps.append(f"Removed {path}")
    return steps or ["Nothing to remove: the add-in was not installed for this user."]
