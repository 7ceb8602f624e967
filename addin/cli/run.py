"""segment run: segment a workbook, CSV, Parquet or log and write the results safely."""

from __future__ import annotations

import argparse
import glob
import sys
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

import pandas as pd

from addin import comparison, names
from addin.cli.change import compare_options, print_changes
from addin.cli.inputs import (
    is_data_source,
    load_source,
    options_from,
)
from addin.cli.privacy_flag import pseudonym_key
from addin.cli.progress import ProgressBar
from addin.cli.value_report import value_summary, value_texts
from addin.errors import WorkbookError
from addin.files.csv_safe import write_csv
from addin.files.locking import exclusive
from addin.files.newbook import NewWorkbook
from addin.files.safety import (
    WORKBOOK_SUFFIXES,
    check_readable,
    check_writable,
)
from addin.files.staging import StagedOutputs, check_destination
from addin.files.xlsx import FileWorkbook
from addin.pipeline import (
    RunOptions,
    RunOutcome,
    customers_output,
    run_pipeline,
    segment_frame,
    write_results,
)
from addin.privacy import run_privacy
from segmentation import names as columns


def default_output(path: Path) -> Path:
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    return path.with_name(f"{path.stem}.segmented{suffix}")


def print_summary(outcome: RunOutcome, output: Path | None) -> None:
    result = outcome.result
    out = sys.stdout
    out.write(
        f"\nSegmented {len(result.customers):,} customers from {outcome.source} "
        f"({result.data.report.summary_line()})\n"
    )
    for title, profile in (("RFM segments", result.rfm_profile),
                           ("Clusters", result.cluster_profile)):  # fmt: skip
        if profile is None:
            continue
        out.write(f"\n{title} (priority order):\n")
        rows = zip(
            profile[columns.PRIORITY],
            profile[columns.SEGMENT],
            profile[columns.CUSTOMERS],
            profile[columns.SHARE_CUSTOMERS],
            profile[columns.SHARE_REVENUE],
        )
        clv = value_texts(profile)  # customer value, when estimated
        for (priority, segment, count, share, revenue), extra in zip(rows, clv):
            out.write(
                f"  {priority:>2}. {segment:<28} {count:>9,} customers {share:>6.1%}"
                f"   revenue {revenue:>6.1%}{extra}\n"
            )
    out.write(value_summary(result))
    for message in outcome.warnings:
        out.write(f"\nNote: {message}")
    if outcome.warnings:
        out.write("\n")
    print_changes(outcome, out)
    if output is not None:
        out.write(f"\nWritten: {output}\n  sheets: {', '.join(outcome.sheets)}\n")
        if outcome.written_columns:
            out.write(f"  new columns: {', '.join(outcome.written_columns)}\n")


def output_for(source: Path, args: argparse.Namespace) -> Path:
    if args.in_place:
        return source
    if args.output:
        return args.output
    if glob.has_magic(str(source)):
        raise WorkbookError("With a file pattern as input, name the output workbook with -o.")
    return (
        default_output(source)
        if source.is_file()
        else source.with_name(f"{source.name}.segmented.xlsx")
    )


def command_run(args: argparse.Namespace) -> int:
    # One run at a time on a workbook updated in place; the lock is beside it.
    lock = exclusive(args.input) if args.in_place and args.input.is_file() else nullcontext()
    with lock, StagedOutputs() as outputs:
        return _command_run(args, outputs)


def _command_run(args: argparse.Namespace, outputs: StagedOutputs) -> int:
    source = args.input
    is_workbook = not is_data_source(source)
    if is_workbook or source.is_file():
        check_readable(source)
    given = replace(options_from(args), pseudonym_key=pseudonym_key(args))  # before any work
    options = compare_options(args, given, source, is_workbook)
    if args.in_place and not is_workbook:
        raise WorkbookError("--in-place works on .xlsx and .xlsm workbooks only; use -o.")
    if args.in_place and args.output:
        raise WorkbookError("Use either --in-place or -o, not both.")
    output = output_for(source, args)
    if output.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise WorkbookError(f"The output must be an .xlsx or .xlsm file; got '{output.name}'.")
    if not is_workbook and output.suffix.lower() == ".xlsm":
        # A new workbook has no VBA project; an .xlsm without one is a mismatched file.
        raise WorkbookError(
            f"A workbook made from '{source.name}' holds no macros, so it must be an .xlsx "
            f"file; got '{output.name}'. Use -o \"{output.with_suffix('.xlsx').name}\"."
        )
    if not args.in_place and source.exists() and output.resolve() == source.resolve():
        raise WorkbookError(
            "The output would overwrite the input. Use --in-place to update the input "
            "(a backup is made), or choose another -o."
        )
    if is_workbook:
        book = FileWorkbook(source)
        book.keep_macros = output.suffix.lower() == ".xlsm"
        if args.in_place:
            check_writable(source)
    check_destinations(args, output)

    bar = ProgressBar(enabled=not args.quiet)
    try:
        if is_workbook:
            outcome = run_pipeline(book, options, bar.update)
            if args.customers_file is not None:
                bar.update("Writing the customer file", 0.9)
                stage_customers_file(outputs, args.customers_file, customers_output(outcome.result))
                outcome.warnings.append(
                    f"All {len(outcome.result.customers):,} customers: '{args.customers_file}'."
                )
        else:
            book, outcome = run_on_data_file(source, options, args, output, bar.update, outputs)
        if is_workbook and book.has_macros() and not book.keep_macros:
            outcome.warnings.append(macros_dropped_note(source, output))
        if args.in_place:
            outputs.stage_backup(source)
        bar.update("Saving the workbook", 0.95)
        outputs.stage(output, book.save, f"'{output}'")
        outcome.warnings += getattr(book, "notes", [])
        if args.save_model:
            outputs.stage(args.save_model, outcome.result.model.save)
        outputs.commit()
        if outputs.backup is not None:
            outcome.warnings.append(
                f"A backup of the original was saved as '{outputs.backup.name}'."
            )
        outcome.warnings.extend(outputs.notes)
        bar.update("Done", 1.0)
    finally:
        bar.close()
    if not args.quiet:
        print_summary(outcome, output)
    return 0


def macros_dropped_note(source: Path, output: Path) -> str:
    """An .xlsx cannot hold a VBA project: say so, and how to keep the macros."""
    return (
        f"'{source.name}' holds macros (a VBA project), which an .xlsx file cannot hold, so "
        f"'{output.name}' was written without them; '{source.name}' still has them. To keep "
        f'them, write to an .xlsm file: -o "{output.with_suffix(".xlsm")}".'
    )


def check_destinations(args: argparse.Namespace, output: Path) -> None:
    """Every file the run will write can be written: checked before any work."""
    check_destination(output, "--in-place" if args.in_place else "The output workbook")
    if args.customers_file is not None:
        customers_file_type(args.customers_file)
        check_destination(args.customers_file, "--customers-file")
    if args.save_model:
        check_destination(args.save_model, "--save-model")


def customers_file_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise WorkbookError(f"--customers-file must end in .parquet or .csv; got '{path.name}'.")
    return suffix


def stage_customers_file(outputs: StagedOutputs, path: Path, customers: pd.DataFrame) -> None:
    """The full customer table as Parquet or CSV (UTF-8 with BOM, so Excel reads it;
    text a spreadsheet would evaluate is neutralised, see addin.files.csv_safe)."""
    if customers_file_type(path) == ".parquet":
        outputs.stage(path, lambda target: customers.to_parquet(target, index=False))
    else:
        outputs.stage(path, lambda target: write_csv(customers, target))


def run_on_data_file(
    source: Path,
    options: RunOptions,
    args: argparse.Namespace,
    output: Path,
    progress,
    outputs: StagedOutputs,
) -> tuple:
    read_messages: list[str] = []
    data = load_source(source, args, progress, read_messages)
    notes: list[str] = []
    previous, options = comparison.previous_for(None, options, notes)
    private = run_privacy(None, options.pseudonym_key, previous)
    options = options.with_settings({}, None)
    result, messages = segment_frame(data, options, first_row=2, progress=progress)
    private.apply(result)
    outcome = RunOutcome(result, source.name, read_messages + messages + notes,
                         pseudonymised=private.on)  # fmt: skip
    comparison.compare_into(outcome, private.previous, strict=True)
    customers_file = args.customers_file
    too_many = len(result.customers) > names.MAX_SHEET_ROWS
    if too_many and customers_file is None:
        customers_file = output.with_name(f"{output.stem}.customers.parquet")
    if customers_file is not None:
        progress("Writing the customer file", 0.72)
        if customers_file != args.customers_file:
            check_destination(customers_file, "The customer file")
        stage_customers_file(outputs, customers_file, customers_output(result))
        outcome.warnings.append(f"All {len(result.customers):,} customers: '{customers_file}'.")
    if too_many:
        outcome.warnings.append(
            f"{len(result.customers):,} customers do not fit on one Excel sheet "
            f"({names.MAX_SHEET_ROWS:,} rows), so the workbook holds the summary sheets only."
        )
    book = NewWorkbook()
    index = data.index if isinstance(data, pd.DataFrame) else pd.RangeIndex(0)
    write_results(book, result, None, index, outcome, progress, customers_sheet=not too_many)
    return book, outcome
