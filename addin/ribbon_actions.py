"""What each ribbon button does: the VBA callback calls ``run(tag)``.

Each action runs the shared pipeline through :class:`~addin.excel.ExcelWorkbook` on the
workbook that called, shows progress in Excel's status bar and reports problems in a
message box that says what to fix. Tested on Linux with a stand-in for the workbook.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from addin import names
from addin.errors import WorkbookError
from addin.excel import ExcelWorkbook
from addin.pipeline import RunOptions, run_pipeline
from segmentation import SegmentationError

TITLE = "Segmentation"

HELP_TEXT = (
    "RFM Segments: scores (R, F, M) and named segments beside your table.\n"
    "Cluster Segments: 3 to 6 behavioural clusters with readable names.\n"
    "Segment Summary: refreshes the summary sheet and its charts.\n"
    "Apply Saved Model: scores new customers with this workbook's saved model.\n"
    "Check Data: what the data needs fixing, without changing anything.\n"
    "Settings: the Segmentation Settings sheet that every button reads.\n\n"
    "Put the cursor in your customer table or transaction log first."
)


def _status(book) -> Callable[[str, float], None]:
    def show(step: str, fraction: float) -> None:
        book.app.status_bar = f"Segmentation: {step} ({fraction:.0%})"

    return show


def _segments(book, **options) -> str:
    outcome = run_pipeline(ExcelWorkbook(book), RunOptions(**options), _status(book))
    counts = (
        outcome.result.rfm_profile
        if outcome.result.rfm_profile is not None
        else (outcome.result.cluster_profile)
    )
    lines = [f"{len(outcome.result.customers):,} customers from {outcome.source}."]
    lines += [f"{s}: {n:,}" for s, n in zip(counts["Segment"], counts["Customers"])]
    return "\n".join(lines + [f"Sheets: {', '.join(outcome.sheets)}"] + outcome.warnings)


def _check(book) -> str:
    from addin.finding import find_input
    from addin.model_sheet import read_record
    from segmentation import read_customers

    workbook = ExcelWorkbook(book)
    record = read_record(workbook.read_sheet(names.MODEL_SHEET))
    ref = find_input(workbook, recorded=record)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = read_customers(workbook.read_table(ref), first_row=ref.first_row + 1)
    return f"{ref.label}\n{data.report}"


def _settings(book) -> str:
    if names.SETTINGS_SHEET not in [s.name for s in book.sheets]:
        from addin.settings import settings_layout

        ExcelWorkbook(book).write_sheet(settings_layout())
    book.sheets[names.SETTINGS_SHEET].activate()
    return ""


ACTIONS: dict[str, Callable[[object], str]] = {
    "rfm": lambda book: _segments(book, method="rfm"),
    "cluster": lambda book: _segments(book, method="cluster"),
    "summary": lambda book: _segments(book),
    "apply": lambda book: _segments(book, use_saved_model=True),
    "check": _check,
    "settings": _settings,
    "help": lambda book: HELP_TEXT,
}


def run(tag: str, book=None) -> None:
    """Run the action of the button with this tag on the calling workbook."""
    if book is None:
        import xlwings as xw

        book = xw.Book.caller()
    try:
        message = ACTIONS[tag](book)
        if message:
            book.app.alert(message, title=TITLE)
    except (SegmentationError, WorkbookError) as exc:
        book.app.alert(str(exc), title=f"{TITLE}: please fix", mode="critical")
    finally:
        book.app.status_bar = None
