"""CSV files for mail tools: one per segment and group, UTF-8, never a formula.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return could be
run as a formula by the spreadsheet that opens the file (CSV injection); such text is
prefixed with a single quote, as OWASP recommends. Numbers stay numbers: numeric
columns are written as they are, and text that is a plain number ("-5", "+3.2") too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from addin.errors import WorkbookError
from addin.files.safety import atomic_write, check_writable
from segmentation import names as columns

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$"
_UNSAFE_FILE_CHARACTERS = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}  # fmt: skip


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every formula-like text cell prefixed by a single quote."""
    safe = frame.copy()
    for name in safe.columns:
        values = safe[name]
        if values.dtype.kind in "biufcmM":
            continue  # numbers and dates: no text to run
        text = values.astype(str)
        is_text = values.map(lambda v: isinstance(v, str)).astype(bool)
        risky = is_text & text.str.startswith(DANGEROUS_STARTS)
        risky &= ~text.str.match(_PLAIN_NUMBER)
        if risky.any():
            safe[name] = values.astype(object).where(~risky, "'" + text)
    return safe


def file_name(*parts: str) -> str:
    """A file name Windows and macOS accept, from the campaign, segment and group."""
    text = " - ".join(parts)
    text = _UNSAFE_FILE_CHARACTERS.sub("_", text).strip().rstrip(". ")[:150]
    if text.split(".")[0].casefold() in _RESERVED:
        text = "_" + text
    return f"{text}.csv"


def export_groups(
    customers: pd.DataFrame, folder: Path, campaign: str, *, replace: bool = False
) -> list[Path]:
    """One CSV per segment and group of a campaign's customer list; returns the files.

    Existing files of the same names are left alone (an error) unless ``replace``.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise WorkbookError(f"'{folder}' is a file; --export needs a folder.")
    parts = [
        (folder / file_name(campaign, str(segment), str(group)), rows)
        for (segment, group), rows in customers.groupby(
            [columns.SEGMENT, columns.GROUP], sort=False, observed=True
        )
    ]
    existing = [path.name for path, _ in parts if path.exists()]
    if existing and not replace:
        raise WorkbookError(
            f"'{folder}' already holds {', '.join(existing[:3])}"
            + (f" and {len(existing) - 3} more" if len(existing) > 3 else "")
            + ". They were left alone: choose another folder."
        )
    folder.mkdir(parents=True, exist_ok=True)
    for path, _ in parts:
        check_writable(path)
    for path, rows in parts:
        safe = neutralise(rows)
        atomic_write(
            path, lambda target, safe=safe: safe.to_csv(target, index=False, encoding="utf-8-sig")
        )
    return [path for path, _ in parts]
