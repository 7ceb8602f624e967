"""What each ribbon button does: the VBA callback calls ``run(tag)``.

Each action runs the shared pipeline through
:class:`~addin.excel.adapter.ExcelWorkbook` on the
workbook that called, shows progress in Excel's status bar and reports problems in a
message box that says what to fix. Tested on Linux with a stand-in for the workbook.
"""

from __future__ import annotations

import datetime
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

from addin import names
from addin.errors import WorkbookError
from addin.excel.adapter import ExcelWorkbook
from addin.excel.compare import compare_with_last_run
from addin.messages import for_excel
from addin.pipeline import RunOptions, prepare_input, run_pipeline
from segmentation import SegmentationError
from segmentation import names as columns

TITLE = "Segmentation"

HELP_TEXT = (
    "RFM Segments: scores (R, F, M) and named segments beside your table.\n"
    "Cluster Segments: 3 to 6 behavioural clusters with readable names.\n"
    "Segment Summary: refreshes the summary sheet and its charts.\n"
    "Customer Value: expected purchases, P(alive) and predicted CLV (transaction logs).\n"
    "Apply Saved Model: scores new customers with this workbook's saved model.\n"
    "Compare with Last Run: who moved between segments since the last run.\n"
    "Import Log: a CSV or Parquet transaction log of any size, as a Customers sheet.\n"
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
    lines += [f"{s}: {n:,}" for s, n in zip(counts[columns.SEGMENT], counts[columns.CUSTOMERS])]
    return "\n".join(lines + [f"Sheets: {', '.join(outcome.sheets)}"] + outcome.warnings)


def _check(book) -> str:
    """The data-quality report of the table a run would read, as it would read it."""
    from addin.diagnosis import diagnose, render

    prepared = prepare_input(ExcelWorkbook(book), RunOptions(), _status(book))
    diagnosis = diagnose(
        prepared.frame, prepared.options, first_row=prepared.first_row, label=prepared.ref.label
    )
    report, problems = render(diagnosis, for_excel)
    if problems:  # every problem in one message box, in the order to fix them
        raise SegmentationError("\n".join(filter(None, [report, problems])))
    return report


LOG_FILTER = "Transaction logs (*.csv;*.parquet),*.csv;*.parquet"


def _import(book) -> str:
    """Ask for a CSV/Parquet log; add its per-customer table as a new sheet."""
    try:
        chosen = book.app.api.GetOpenFilename(LOG_FILTER, 1, "Import a transaction log")
    except AttributeError as exc:  # Excel for Mac's object model differs
        raise WorkbookError(
            "Choosing a file from the ribbon works in Excel for Windows. Here, run "
            "`segment import LOG -o customers.xlsx` in a terminal and open the result."
        ) from exc
    if not chosen:  # Excel returns False when the dialog is cancelled
        return ""
    return import_log(book, str(chosen))


def import_log(book, path: str) -> str:
    """Add the log's per-customer table to ``book`` as a new sheet; never overwrites."""
    from addin.files.sources import load_data, log_customers
    from addin.sheets.layout import customers_sheet

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the message reports the fixes' total
        data = log_customers(load_data(path, progress=_status(book)), Path(path).name)
    workbook = ExcelWorkbook(book)
    layout = customers_sheet(data.table)
    taken = set(workbook.sheet_names())
    base, number = layout.name, 1
    while layout.name in taken:  # never overwrite a sheet the user has
        number += 1
        layout.name = f"{base} {number}"
    workbook.write_sheet(layout)
    return (
        f"{data.report.summary_line()}\nSheet '{layout.name}' holds one row per customer. "
        "Click in it and press RFM Segments or Cluster Segments."
    )


def _settings(book) -> str:
    if names.SETTINGS_SHEET not in [s.name for s in book.sheets]:
        from addin.sheets.settings import settings_layout

        ExcelWorkbook(book).write_sheet(settings_layout())
    book.sheets[names.SETTINGS_SHEET].activate()
    return ""


ACTIONS: dict[str, Callable[[object], str]] = {
    "rfm": lambda book: _segments(book, method="rfm"),
    "cluster": lambda book: _segments(book, method="cluster"),
    "summary": lambda book: _segments(book),
    "apply": lambda book: _segments(book, use_saved_model=True, compare_last=True),
    "import": _import,
    "check": _check,
    "settings": _settings,
    "help": lambda book: HELP_TEXT,
    "value": lambda book: _value(book),  # customer value
    "compare": lambda book: compare_with_last_run(ExcelWorkbook(book), _status(book)),
}


def _value(book) -> str:
    """RFM segments with customer value; says why when the data cannot support it."""
    outcome = run_pipeline(ExcelWorkbook(book), RunOptions(method="rfm"), _status(book))
    result = outcome.result
    if result.value is None:
        raise WorkbookError(
            f"{result.value_note} RFM segments were written; customer value needs a "
            "transaction log with repeat buyers."
        )
    book.sheets[names.VALUE_SHEET].activate()
    total = float(result.value.predictions[result.value.clv_column].sum())
    return (
        f"{len(result.customers):,} customers from {outcome.source}. Predicted CLV over "
        f"{result.value.horizon.label}: {total:,.2f} in total.\n"
        + "\n".join([f"Sheets: {', '.join(outcome.sheets)}", *outcome.warnings])
    )


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
        book.app.alert(for_excel(exc), title=f"{TITLE}: please fix", mode="critical")
    except Exception:  # never a traceback dialog: a message that says what to do
        log = log_unexpected_error(tag)
        book.app.alert(
            "The add-in stopped on an error it did not expect. Anything it changed in "
            "this workbook is not saved yet: close the workbook without saving to undo it, "
            f"or keep it if it looks right. The details are in {log}; please send that file "
            "with a note of what you clicked.",
            title=f"{TITLE}: unexpected error",
            mode="critical",
        )
    finally:
        book.app.status_bar = None


def log_unexpected_error(tag: str, folder: Path | None = None) -> Path:
    """Append the current traceback to the error log in the user's add-in folder."""
    folder = folder or Path.home() / f".{names.PROJECT_NAME}"
    log = folder / names.ERROR_LOG
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().isoformat(timespec="seconds")
        with open(log, "a", encoding="utf-8") as stream:
            stream.write(f"--- {stamp}, button '{tag}'\n{traceback.format_exc()}\n")
    except OSError:  # a read-only home: the message still names where it would be
        pass
    return log


# Campaigns and readouts (issue 17): both read the campaign from the Settings sheet.
HELP_TEXT += (
    "\n\nCampaign: Treatment and Control groups for the segments named on the Settings "
    "sheet ('Campaign name', 'Campaign segments', 'Control share').\n"
    "Readout: choose the file of responses; the lift per segment against the control group."
)
RESPONSES_FILTER = "Responses (*.csv;*.xlsx;*.parquet),*.csv;*.xlsx;*.parquet"


def _campaign(book) -> str:
    from addin.campaign_pipeline import CampaignOptions, draw_campaign

    _status(book)("Drawing the campaign groups", 0.3)
    outcome = draw_campaign(ExcelWorkbook(book), CampaignOptions())
    plan = outcome.plan
    lines = [
        f"Campaign '{plan.name}': {len(plan.customers):,} customers on sheet "
        f"'{outcome.sheets[0]}', {plan.control_share:.0%} of each segment in Control."
    ]
    if plan.consent is not None:
        lines.append(f"Left out: {plan.opted_out:,} who opted out ('{plan.consent.header}').")
    return "\n".join(lines + outcome.notes)


def _readout(book) -> str:
    try:
        chosen = book.app.api.GetOpenFilename(RESPONSES_FILTER, 1, "Choose the responses")
    except AttributeError as exc:  # Excel for Mac's object model differs
        raise WorkbookError(
            "Choosing a file from the ribbon works in Excel for Windows. Here, run "
            "`segment readout WORKBOOK --name NAME --responses FILE` in a terminal."
        ) from exc
    if not chosen:  # cancelled
        return ""
    return readout_from(book, str(chosen))


def readout_from(book, path: str) -> str:
    """The readout of the Settings sheet's campaign against the responses in ``path``."""
    from addin.campaign_pipeline import read_out
    from addin.files.responses import read_responses_file
    from addin.sheets.settings import read_settings

    workbook = ExcelWorkbook(book)
    name = read_settings(workbook.read_sheet(names.SETTINGS_SHEET)).get("campaign_name")
    if not name:
        raise WorkbookError(
            f"Type the campaign's name in 'Campaign name' on the {names.SETTINGS_SHEET} sheet, "
            "then press Readout again."
        )
    _status(book)("Reading the responses", 0.2)
    outcome = read_out(workbook, str(name), read_responses_file(Path(path)),
                       source=Path(path).name)  # fmt: skip
    overall = outcome.readout.table.iloc[-1]
    return "\n".join(
        [
            f"Readout of '{outcome.record['name']}' on sheet '{outcome.sheets[0]}': lift "
            f"{overall['Lift (points)']:.1%} points overall (95% interval "
            f"{overall['Lift 95% CI low']:.1%} to {overall['Lift 95% CI high']:.1%}).",
            *outcome.readout.notes,
        ]
    )


ACTIONS.update(campaign=_campaign, readout=_readout)
