"""Refreshing a user's workbook in place, side by side with an openpyxl load and save.

The input is the shipped sample (``examples/online_shop_transactions.xlsx``, a 20k-line
log), whatever the benchmark size: an openpyxl load and save of it is what any tool
that edits workbooks through openpyxl pays before it has done anything.
Run alone with ``python -m bench --sizes 100k --cases "sample workbook"``.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

SAMPLE = Path(__file__).parent.parent / "examples" / "online_shop_transactions.xlsx"
STEP = "workbook refresh (sample)"
OURS = "ours: refresh the sample workbook in place (segment run --in-place)"
PEER = "peer: openpyxl load + save of the sample workbook"


def _sample_copy(_log: object) -> tuple[Path, int]:
    """A folder of its own with the sample in it (untimed), and the log's line count."""
    from addin.files.xlsx import read_sheet_values

    folder = Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    rows = read_sheet_values(SAMPLE, "Transactions") or [[]]
    return folder / SAMPLE.name, len(rows) - 1


def _refresh_in_place(prepared: tuple[Path, int]) -> object:
    """`segment run SAMPLE --in-place`: read, segment, write back, backup included."""
    from addin.cli.main import main

    target = prepared[0]
    shutil.copyfile(SAMPLE, target)  # the sample as shipped, every time
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return main(["run", str(target), "--in-place", "-q"])


def _openpyxl_load_save(prepared: tuple[Path, int]) -> object:
    from openpyxl import load_workbook

    book = load_workbook(SAMPLE)
    book.save(prepared[0].with_name("openpyxl copy.xlsx"))
    return book


def register(cases: dict, peers: dict, case_type: type) -> None:
    """Add the two cases; the peer is listed in ``peers`` so its ratio is printed."""
    peers[PEER] = (STEP, _openpyxl_load_save, "openpyxl")
    for name, run in ((OURS, _refresh_in_place), (PEER, _openpyxl_load_save)):
        cases[name] = case_type(name, STEP, _sample_copy, run, lambda prepared: prepared[1])
