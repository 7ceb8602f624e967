"""CSV files for mail tools: one per segment and group, UTF-8, never a formula.

Written by :func:`addin.files.csv_safe.write_csv`, as every CSV the tool writes:
formula-like text is neutralised as OWASP recommends, numbers stay numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from addin.errors import WorkbookError
from addin.files.csv_safe import write_csv
from addin.files.staging import StagedOutputs, check_destination
from segmentation import names as columns

_UNSAFE_FILE_CHARACTERS = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}  # fmt: skip


def file_name(*parts: str) -> str:
    """A file name Windows and macOS accept, from the campaign, segment and group."""
    text = " - ".join(parts)
    text = _UNSAFE_FILE_CHARACTERS.sub("_", text).strip().rstrip(". ")[:150]
    if text.split(".")[0].casefold() in _RESERVED:
        text = "_" + text
    return f"{text}.csv"


def export_groups(
    customers: pd.DataFrame,
    folder: Path,
    campaign: str,
    outputs: StagedOutputs,
    *,
    replace: bool = False,
) -> list[Path]:
    """One CSV per segment and group of a campaign's customer list, staged in ``outputs``
    (written when the run commits); returns the files.

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
        check_destination(path, "--export")
    for path, rows in parts:
        outputs.stage(path, lambda target, rows=rows: write_csv(rows, target), f"'{path}'")
    return [path for path, _ in parts]
