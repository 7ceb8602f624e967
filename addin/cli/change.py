"""Change over time on the command line: `segment run --compare/--compare-as-of/--refit`,
the biggest moves in the printed summary, and `segment history`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from segmentation import defaults

COMPARE_EPILOG = """\
  segment run june.xlsx --compare may.segmented.xlsx
      Score June with May's saved model and add Previous Segment and Movement per
      customer and a Segment Changes sheet (who moved from Champions to At Risk).
  segment run orders.csv --as-of 2024-06-30 --compare-as-of 2024-03-31
      Two snapshots of one log on one scale: the quarter's moves.
  segment history orders.csv --every month --periods 12 -o history.xlsx
      Customers and revenue per segment at each month end.
"""


def add_compare_options(run: argparse.ArgumentParser) -> None:
    """The flags of `segment run` that compare this period with an earlier one."""
    run.add_argument(
        "--compare",
        type=Path,
        metavar="PREVIOUS",
        help="compare with an earlier output workbook of this tool (its Customers table and "
        "saved model): adds Previous Segment and Movement per customer and a Segment "
        "Changes sheet; this period is scored with PREVIOUS's model",
    )
    run.add_argument(
        "--compare-as-of",
        metavar="DATE",
        help="compare with the snapshot of the same log at this earlier date, on one scale",
    )
    run.add_argument(
        "--refit",
        action="store_true",
        help="with --compare: fit this period anew instead of scoring it with the previous "
        "model (the scales then differ)",
    )


def add_history_command(commands) -> None:
    history = commands.add_parser(
        "history",
        help="customers and revenue per segment at each month or quarter end",
        description="Score the log INPUT at each period end on one scale (the model fitted "
        "at the last period end) and write a Segment History sheet with a stacked chart.",
    )
    from addin.cli.main import _add_input_options

    _add_input_options(history)
    history.add_argument("--every", choices=defaults.HISTORY_FREQUENCIES, default="month",
                         help="period length (default: month)")  # fmt: skip
    history.add_argument(
        "--periods",
        type=int,
        default=defaults.HISTORY_PERIODS,
        metavar="N",
        help=f"how many period ends, the latest last (default: {defaults.HISTORY_PERIODS})",
    )
    history.add_argument(
        "--bins",
        type=int,
        metavar="N",
        help=f"scores per R, F and M dimension, {defaults.MIN_BINS} to {defaults.MAX_BINS} "
        f"(default: {defaults.N_BINS})",
    )
    history.add_argument(
        "--model",
        type=Path,
        metavar="WORKBOOK_OR_JSON",
        help="score every period with a model saved earlier instead of fitting one at the "
        "last period end",
    )
    history.add_argument("-o", "--output", type=Path, required=True, help="the new workbook")
    history.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def compare_options(args: argparse.Namespace, options, source: Path, is_workbook: bool):
    """Run options with the period to compare with, from the flags."""
    from addin.errors import WorkbookError

    compare, earlier = getattr(args, "compare", None), getattr(args, "compare_as_of", None)
    if compare is not None and earlier is not None:
        raise WorkbookError("Use either --compare or --compare-as-of, not both.")
    if args.refit and compare is None and earlier is None and not args.in_place:
        raise WorkbookError(
            "--refit goes with --compare, --compare-as-of or --in-place: it fits this period "
            "anew instead of scoring it with the previous model."
        )
    if options.model is not None and (compare is not None or earlier is not None):
        raise WorkbookError(
            "Use either --model or --compare/--compare-as-of: a comparison scores this "
            "period with the previous period's model (or fits anew with --refit)."
        )
    options = replace(options, refit=args.refit, compare_last=bool(args.in_place))
    if compare is not None:
        return replace(options, compare=previous_workbook(compare), compare_last=False)
    if earlier is not None:
        previous = snapshot_at(args, options, source, is_workbook, earlier)
        return replace(options, compare=previous, compare_last=False)
    return options


def previous_workbook(path: Path):
    from addin.comparison import previous_run
    from addin.errors import WorkbookError
    from addin.files.safety import WORKBOOK_SUFFIXES, check_readable
    from addin.files.xlsx import FileWorkbook

    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise WorkbookError(
            f"--compare needs an .xlsx or .xlsm workbook written by `segment run`; got "
            f"'{path.name}'."
        )
    check_readable(path)
    previous = previous_run(FileWorkbook(path), f"'{path.name}'")
    if previous is None:
        raise WorkbookError(
            f"'{path.name}' holds no segmented customers (no Customers table, no segment "
            "columns beside a table). --compare needs a workbook written by `segment run`."
        )
    return previous


def snapshot_at(args: argparse.Namespace, options, source: Path, is_workbook: bool, day: str):
    """The same input segmented at the earlier date ``day``: the previous period."""
    import pandas as pd

    from addin.cli.inputs import load_source
    from addin.errors import WorkbookError
    from addin.files.xlsx import FileWorkbook
    from addin.pipeline import prepare_input, segment_frame
    from segmentation.change import PreviousPeriod, check_order

    try:
        earlier = pd.Timestamp(day)
    except ValueError as exc:
        raise WorkbookError(
            f"--compare-as-of must be a date such as 2024-03-31; got '{day}'."
        ) from exc
    if args.as_of:
        check_order(earlier, pd.Timestamp(args.as_of))
    at_earlier = replace(options, as_of=str(earlier.date()), compare_last=False)
    if is_workbook:
        prepared = prepare_input(FileWorkbook(source), at_earlier)
        frame, at_earlier, first_row = prepared.frame, prepared.options, prepared.first_row
    else:
        frame = load_source(source, argparse.Namespace(**{**vars(args), "as_of": at_earlier.as_of}),
                            lambda *a: None, [])  # fmt: skip
        at_earlier, first_row = at_earlier.with_settings({}, None), 2
    result, _ = segment_frame(frame, at_earlier, first_row=first_row, progress=lambda *a: None)
    return PreviousPeriod(result.customers, result.model, result.data.as_of,
                          f"the snapshot at {earlier.date()}")  # fmt: skip


def print_changes(outcome, out=None) -> None:
    """The comparison in the printed summary: counts, drift and the biggest moves."""
    from segmentation import names

    changes = outcome.changes
    if changes is None:
        return
    out = out or sys.stdout
    moved = changes.customers[names.MOVEMENT].value_counts()
    counts = ", ".join(f"{moved.get(m, 0):,} {m}" for m in names.MOVEMENTS)
    out.write(
        f"\nCompared with {changes.previous_label}: {counts}; {len(changes.absent):,} not "
        f"present now. {changes.changed_share:.0%} of returning customers changed segment.\n"
    )
    top = changes.top_moves
    if top.empty:
        out.write("No customer left the top tiers.\n")
        return
    out.write("Biggest moves (downgrades out of the top tiers, by value at stake):\n")
    rows = zip(top[names.FROM_SEGMENT], top[names.TO_SEGMENT], top[names.CUSTOMERS],
               top[names.VALUE_AT_STAKE])  # fmt: skip
    for before, now, count, value in rows:
        out.write(f"  {before:<20} -> {now:<20} {count:>8,} customers  {value:>14,.2f}\n")


def command_history(args: argparse.Namespace) -> int:
    """Segment history of a log: a new workbook with the Segment History sheet."""
    import tempfile

    from addin import names
    from addin.cli.inputs import collecting_warnings, is_data_source, load_model
    from addin.cli.progress import ProgressBar
    from addin.errors import WorkbookError
    from addin.files.newbook import NewWorkbook
    from addin.files.safety import atomic_write, check_readable, check_writable
    from addin.sheets.changes import history_sheet
    from addin.sheets.model_sheet import model_layout
    from segmentation.change.history import segment_history
    from segmentation.logs.duckdb_engine import DuckDBLog
    from segmentation.logs.files import log_files

    if args.output.suffix.lower() != ".xlsx":  # a new workbook holds no macros
        raise WorkbookError(f"The output must be an .xlsx file; got '{args.output.name}'.")
    if args.periods < 1:
        raise WorkbookError(f"--periods must be 1 or more; got {args.periods}.")
    source = args.input
    if source.exists() and source.is_file():
        check_readable(source)
    check_writable(args.output)
    saved = load_model(args.model) if args.model else None
    bar = ProgressBar(enabled=not args.quiet)
    with tempfile.TemporaryDirectory(prefix="segment-history-") as scratch:
        if is_data_source(source):
            files = log_files(source)
        else:  # a workbook's log: its table, handed to DuckDB as Parquet
            files = [_workbook_log(source, args, Path(scratch))]
        notes: list[str] = []
        try:
            with (
                collecting_warnings(notes),
                DuckDBLog(files, memory_limit=args.memory_limit) as backend,
            ):
                history, model = segment_history(
                    backend, every=args.every, periods=args.periods, columns=_columns(args),
                    model=saved, n_bins=args.bins or defaults.N_BINS, progress=bar.update,
                )  # fmt: skip
        finally:
            bar.close()
    book = NewWorkbook()
    as_of = str(model.settings.get("as_of", ""))
    book.write_sheet(history_sheet(history, args.every, source.name, as_of))
    book.write_sheet(model_layout(model, {"output_sheets": [names.HISTORY_SHEET]}))
    atomic_write(args.output, book.save)
    if not args.quiet:
        for note in notes:
            print(f"Note: {note}")
        print(f"Written: {args.output} ({history[history.columns[0]].nunique()} period ends)")
    return 0


def _columns(args: argparse.Namespace):
    from addin.cli.inputs import parse_columns

    return parse_columns(args.column)


def _workbook_log(source: Path, args: argparse.Namespace, scratch: Path) -> Path:
    from addin import names
    from addin.files.finding import find_input
    from addin.files.xlsx import FileWorkbook
    from addin.sheets.model_sheet import read_record

    book = FileWorkbook(source)
    record = read_record(book.read_sheet(names.MODEL_SHEET))
    ref = find_input(book, sheet=args.sheet, table=args.table, recorded=record)
    frame = book.read_table(ref)
    text = frame.select_dtypes(exclude=["number", "datetime"]).columns
    frame[text] = frame[text].astype("string")  # mixed cells: DuckDB cleans text as reading does
    path = scratch / "log.parquet"
    frame.to_parquet(path, index=False)
    return path
