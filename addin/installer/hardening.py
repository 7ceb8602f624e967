"""Close the doors through which a shared workbook could steer the add-in's Python.

xlwings' add-in VBA looks up its configuration (interpreter, PYTHONPATH, UDF modules)
first in a ``<project>.conf`` sheet of the *active* workbook, then in a ``<project>.conf``
file in that workbook's folder, and by default puts the workbook's folder on Python's
path; it also adds every sheet named ``<module>.py`` to the modules it imports. Any of
these would let a workbook someone shares name the code the add-in runs.
This module derives, from the pinned xlwings' own module text, a version that reads the
user's configuration and the add-in's own sheet only and never adds the workbook's
folder to the path. The install step imports it in place of the add-in's module.
"""

from __future__ import annotations

import re
from pathlib import Path

from addin.names import PROJECT_NAME

SOURCE_NAME = "xlwings_custom_addin.bas"


def xlwings_module_text() -> str:
    import xlwings

    return (Path(xlwings.__file__).parent / SOURCE_NAME).read_text(encoding="utf-8")


class HardeningError(RuntimeError):
    """The xlwings module no longer looks as expected: review the hardening."""


def _cut(text: str, start: str, end: str) -> str:
    """Remove the lines from the one containing ``start`` up to (not incl.) ``end``'s."""
    pattern = re.compile(rf"^[^\n]*{re.escape(start)}.*?(?=^[^\n]*{re.escape(end)})",
                         re.MULTILINE | re.DOTALL)  # fmt: skip
    result, count = pattern.subn("", text, count=1)
    if count != 1:
        raise HardeningError(f"xlwings' VBA changed: '{start}' block not found")
    return result


def hardened_module(text: str | None = None) -> str:
    """The add-in's xlwings module with the workbook-controlled configuration removed."""
    text = (text if text is not None else xlwings_module_text()).replace("\r\n", "\n")
    text = _cut(text, "'Workbook Sheet Config", "'Add-in Sheet Config")
    text = _cut(text, "' Directory Config", "' User Config")
    # Sheets named "<module>.py" in a workbook would add "<module>" to the UDF imports.
    text, count = re.subn(
        r"^[ \t]*' Automatically add embedded code sheets\n.*?^[ \t]*Next\n",
        "",
        text,
        count=1,
        flags=re.MULTILINE | re.DOTALL,
    )
    if count != 1:
        raise HardeningError("xlwings' VBA changed: embedded code sheets block not found")
    # Our own config file name (%USERPROFILE%\.segmentation\segmentation.conf on Windows).
    text, count = re.subn(
        r'^Public Const PROJECT_NAME As String = "[^"]*"',
        f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"',
        text,
        count=1,
        flags=re.MULTILINE,
    )
    if count != 1:
        raise HardeningError("xlwings' VBA changed: PROJECT_NAME constant not found")
    text, count = re.subn(
        r'AddExcelDir = GetConfig\("ADD_WORKBOOK_TO_PYTHONPATH", "true"\)',
        "AddExcelDir = \"false\"  ' never the shared workbook's folder",
        text,
    )
    if count == 0:
        raise HardeningError("xlwings' VBA changed: ADD_WORKBOOK_TO_PYTHONPATH not found")
    return text
