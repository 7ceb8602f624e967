"""Build the Segmentation add-in (.xlam) from text sources, reproducibly.

The add-in is xlwings' own ribbon add-in (BSD-licensed, from the pinned xlwings
package) with our ribbon XML in place of its customUI part; its VBA project
(``xl/vbaProject.bin``: xlwings' RunPython and DLL declarations) is kept byte for byte,
because VBA cannot be compiled here. Our VBA stays as text: the ribbon callback
module and the generated UDF wrappers are written beside the .xlam, and the Windows
install step imports them into the add-in through Excel (as xlwings' "Import
Functions" does).
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import os
import sys
import types
import uuid
import zipfile
from pathlib import Path

from addin import names
from addin.installer.hardening import hardened_module
from addin.installer.ribbon import customui_xml

CUSTOMUI_PART = "customUI/customUI.xml"
VBA_PART = "xl/vbaProject.bin"
FIXED_TIME = (2026, 1, 1, 0, 0, 0)
VBA_SOURCES = Path(__file__).parent / "vba"
UDF_MODULE = "SegmentationFunctions"
FUNCTIONS_MODULE = "addin.excel.functions"
RIBBON_MODULE = "SegmentationRibbon.bas"
WINDOWS_ONLY = ("pythoncom", "pywintypes", "win32com", "win32com.client")


def xlwings_addin() -> Path:
    import xlwings

    return Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"


def xlam_bytes() -> bytes:
    """The .xlam package; two builds give identical bytes."""
    with zipfile.ZipFile(xlwings_addin()) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    parts[CUSTOMUI_PART] = customui_xml().encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name in sorted(parts):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, parts[name])
    return buffer.getvalue()


class _AddinWorkbook:
    Name = "Segmentation.xlam"  # the generator only asks whether it writes for an add-in


def _stub_windows_modules() -> dict[str, types.ModuleType | None]:
    saved = {name: sys.modules.get(name) for name in WINDOWS_ONLY}
    client = types.ModuleType("win32com.client")
    client.Dispatch = None
    package = types.ModuleType("win32com")
    package.client = client
    com = types.ModuleType("pythoncom")
    com.CoInitialize = lambda: None  # used at import time as a thread initializer
    sys.modules.setdefault("pythoncom", com)
    sys.modules.setdefault("pywintypes", types.ModuleType("pywintypes"))
    sys.modules.setdefault("win32com", package)
    sys.modules.setdefault("win32com.client", client)
    return saved


def udf_wrappers() -> str:
    """VBA wrappers for the worksheet functions, written by xlwings' own generator.

    The generator lives in ``xlwings.udfs``, which imports Windows-only modules at the
    top; they are stubbed here, since generating text needs none of them.
    """
    import xlwings

    saved = _stub_windows_modules()
    decorators = (xlwings.func, xlwings.arg, xlwings.ret)
    try:
        generator = importlib.import_module("xlwings.udfs")
        xlwings.func, xlwings.arg, xlwings.ret = (
            generator.xlfunc,
            generator.xlarg,
            generator.xlret,
        )
        # The functions' own module, decorated afresh; VBA calls them by the name
        # installed add-ins use (the addin.udfs shim).
        spec = importlib.util.find_spec(FUNCTIONS_MODULE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # a private copy, decorated as on Windows
        text = io.StringIO()
        generator.generate_vba_wrapper(names.FUNCTIONS_IMPORT, module, text, _AddinWorkbook())
    finally:
        xlwings.func, xlwings.arg, xlwings.ret = decorators
        sys.modules.pop("xlwings.udfs", None)
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return f'Attribute VB_Name = "{UDF_MODULE}"\n' + text.getvalue().replace("\r\n", "\n")


def _vba_text(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def build(target: Path) -> list[Path]:
    """The .xlam and the VBA modules to import into it, in the same folder.

    ``xlwings.bas`` replaces the add-in's own xlwings module at install: the same code
    without the configuration lookups a shared workbook could control. Everything is
    made in memory first and then renamed into place, so a failed build writes nothing.
    """
    folder = target.parent
    files = {
        target: xlam_bytes(),
        folder / RIBBON_MODULE: (VBA_SOURCES / RIBBON_MODULE).read_bytes(),
        folder / f"{UDF_MODULE}.bas": _vba_text(udf_wrappers()),
        folder / "xlwings.bas": _vba_text(hardened_module()),
    }
    folder.mkdir(parents=True, exist_ok=True)
    partials: dict[Path, Path] = {}
    try:
        for path, content in files.items():
            # A new, unique name ("x": never an existing file), with the usual permissions.
            partials[path] = folder / f"~segment-{uuid.uuid4().hex}{path.suffix}"
            with open(partials[path], "xb") as stream:
                stream.write(content)
        for path, partial in partials.items():
            os.replace(partial, path)
    finally:
        for partial in partials.values():
            partial.unlink(missing_ok=True)
    return list(files)
