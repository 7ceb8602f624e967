"""segment run: segment a workbook, CSV, Parquet or log and write the results safely."""

from __future__ import annotations

import argparse
import glob
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

from addin import comparison, names
from addin.cli.change import compare_options, print_changes
from addin.cli.inputs import (
    is_data_source,
    load_source,
    options_from,
)
from addin.cli.progress import ProgressBar
from addin.errors import WorkbookError
from addin.files.newbook import NewWorkbook
from addin.files.safety import (
    WORKBOOK_SUFFIXES,
    atomic_write,
    check_readable,
    check_writable,
    describe_at_risk,
    parts_at_risk,
)
from addin.files.xlsx import FileWorkbook
from addin.pipeline import (
    RunOptions,
    RunOutcome,
    customers_output,
    run_pipeline,
    segment_frame,
    write_results,
)
from addin.sheets.model_sheet import read_record
from segmentation import names as columns


def default_output(path: Path) -> Path:
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    return path.with_name(f"{path.stem}.segmented{suffix}")


def backup_path(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.stem} (backup {stamp}){path.suffix}")


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
        for priority, segment, count, share, revenue in rows:
            out.write(
                f"  {priority:>2}. {segment:<28} {count:>9,} customers {share:>6.1%}"
                f"   revenue {revenue:>6.1%}\n"
            )
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
    source = args.input
    is_workbook = not is_data_source(source)
    if is_workbook or source.is_file():
        check_readable(source)
    options = compare_options(args, options_from(args), source, is_workbook)
    if args.in_place and not is_workbook:
        raise WorkbookError("--in-place works on .xlsx and .xlsm workbooks only; use -o.")
    if args.in_place and args.output:
        raise WorkbookError("Use either --in-place or -o, not both.")
    output = output_for(source, args)
    if output.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise WorkbookError(f"The output must be an .xlsx or .xlsm file; got '{output.name}'.")
    if not args.in_place and source.exists() and output.resolve() == source.resolve():
        raise WorkbookError(
            "The output would overwrite the input. Use --in-place to update the input "
            "(a backup is made), or choose another -o."
        )
    at_risk = []
    if is_workbook:
        book = FileWorkbook(source)
        record = read_record(book.read_sheet(names.MODEL_SHEET))
        at_risk = parts_at_risk(source, ignore_sheets=set(record.get("output_sheets") or []))
    if is_workbook:
        if args.in_place:
            check_writable(source)
        if at_risk and args.in_place:
            raise WorkbookError(
                f"'{source.name}' contains {describe_at_risk(at_risk)}, which this tool "
                "cannot carry through a rewrite. It was not changed. Run without --in-place "
                "to write the results to a new workbook instead."
            )
    check_writable(output)

    bar = ProgressBar(enabled=not args.quiet)
    try:
        if is_workbook:
            outcome = run_pipeline(book, options, bar.update)
            if args.customers_file is not None:
                bar.update("Writing the customer file", 0.9)
                write_customers_file(args.customers_file, customers_output(outcome.result))
                outcome.warnings.append(
                    f"All {len(outcome.result.customers):,} customers: '{args.customers_file}'."
                )
        else:
            book, outcome = run_on_data_file(source, options, args, output, bar.update)
        if is_workbook and at_risk:
            outcome.warnings.append(
                f"The input has {describe_at_risk(at_risk)} that cannot be copied into the "
                f"output workbook; '{source.name}' keeps them unchanged."
            )
        if args.in_place:
            backup = backup_path(source)
            shutil.copy2(source, backup)
            outcome.warnings.append(f"A backup of the original was saved as '{backup.name}'.")
        bar.update("Saving the workbook", 0.95)
        atomic_write(output, book.save)
        if args.save_model:
            outcome.result.model.save(args.save_model)
        bar.update("Done", 1.0)
    finally:
        bar.close()
    if not args.quiet:
        print_summary(outcome, output)
    return 0


def write_customers_file(path: Path, customers: pd.DataFrame) -> None:
    """The full customer table as Parquet or CSV (UTF-8 with BOM, so Excel reads it)."""
    if path.suffix.lower() not in (".parquet", ".csv"):
        raise WorkbookError(f"--customers-file must end in .parquet or .csv; got '{path.name}'.")
    check_writable(path)
    if path.suffix.lower() == ".parquet":
        atomic_write(path, lambda target: customers.to_parquet(target, index=False))
    else:
        atomic_write(
            path, lambda target: customers.to_csv(target, index=False, encoding="utf-8-sig")
        )


def run_on_data_file(
    source: Path, options: RunOptions, args: argparse.Namespace, output: Path, progress
) -> tuple:
    read_messages: list[str] = []
    data = load_source(source, args, progress, read_messages)
    notes: list[str] = []
    previous, options = comparison.previous_for(None, options, notes)
    options = options.with_settings({}, None)
    result, messages = segment_frame(data, options, first_row=2, progress=progress)
    outcome = RunOutcome(result, source.name, read_messages + messages + notes)
    comparison.compare_into(outcome, previous, strict=True)
    customers_file = args.customers_file
    too_many = len(result.customers) > names.MAX_SHEET_ROWS
    if too_many and customers_file is None:
        customers_file = output.with_name(f"{output.stem}.customers.parquet")
    if customers_file is not None:
        progress("Writing the customer file", 0.72)
        write_customers_file(customers_file, customers_output(result))
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
