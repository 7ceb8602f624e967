"""segment profile, validate and import: read as a run would, report or write a new table."""

from __future__ import annotations

import argparse
import sys
import warnings

import pandas as pd

from addin import names
from addin.cli.inputs import (
    collecting_warnings,
    is_data_source,
    load_source,
    options_from,
    parse_columns,
)
from addin.cli.progress import ProgressBar
from addin.diagnosis import diagnose, render
from addin.errors import WorkbookError
from addin.files.newbook import NewWorkbook
from addin.files.safety import (
    atomic_write,
    check_readable,
    check_writable,
)
from addin.files.sources import log_customers
from addin.files.xlsx import FileWorkbook
from addin.messages import for_command_line
from addin.pipeline import (
    PreparedInput,
    prepare_input,
    segment_frame,
)
from addin.sheets import layout
from segmentation.errors import SegmentationWarning


def prepare_report_input(args: argparse.Namespace) -> PreparedInput | None:
    """A workbook read the way `segment run` reads it (None for data files)."""
    if is_data_source(args.input):
        if args.input.is_file():
            check_readable(args.input)
        return None
    check_readable(args.input)
    return prepare_input(FileWorkbook(args.input), options_from(args))


def command_profile(args: argparse.Namespace) -> int:
    read_messages: list[str] = []
    prepared = prepare_report_input(args)
    if prepared is None:
        frame = load_source(args.input, args, lambda *a: None, read_messages)
        options, first_row, label = options_from(args).with_settings({}, None), 2, args.input.name
    else:
        frame, options, first_row = prepared.frame, prepared.options, prepared.first_row
        label = prepared.ref.label
    result, messages = segment_frame(frame, options, first_row=first_row, progress=lambda *a: None)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    for title, profile in (("RFM segments", result.rfm_profile),
                           ("Clusters", result.cluster_profile)):  # fmt: skip
        if profile is not None:
            print(f"{title} in {label}:\n{profile.to_string(index=False)}\n")
    for message in dict.fromkeys(read_messages + messages):
        print(f"Note: {message}")
    return 0


def command_validate(args: argparse.Namespace) -> int:
    """Every problem that would stop a run, and every note it would make, ranked."""
    prepared = prepare_report_input(args)
    if prepared is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SegmentationWarning)
            loaded = load_source(args.input, args, lambda *a: None, [])
        options = options_from(args).with_settings({}, None)
        diagnosis = diagnose(loaded, options, first_row=2, label=args.input.name)
    else:
        diagnosis = diagnose(
            prepared.frame, prepared.options, first_row=prepared.first_row,
            label=prepared.ref.label,
        )  # fmt: skip
    report, problems = render(diagnosis, for_command_line)
    if report:
        print(report)
    if problems:
        sys.stderr.write(f"segment validate: {problems}\n")
        return 1
    return 0


def command_import(args: argparse.Namespace) -> int:
    """A transaction log (any size) as a per-customer table in a new workbook."""
    source, output = args.input, args.output
    if source.is_file():
        check_readable(source)
    if not is_data_source(source):
        raise WorkbookError(
            f"'{source.name}' is a workbook; `segment import` reads a transaction log in CSV "
            f"or Parquet files. Segment the workbook with `segment run {source.name}`, or "
            "save its log sheet as CSV first."
        )
    if output.suffix.lower() != ".xlsx":
        raise WorkbookError(f"The output must be a new .xlsx workbook; got '{output.name}'.")
    if output.exists():
        raise WorkbookError(
            f"'{output}' already exists and was left alone. Choose a new name with -o; in "
            "Excel, the Import Log button adds the sheet to the open workbook."
        )
    check_writable(output)
    bar = ProgressBar(enabled=not args.quiet)
    caught: list[str] = []
    try:
        loaded = load_source(source, args, bar.update, caught)
        with collecting_warnings(caught):
            data = log_customers(
                loaded,
                source.name,
                columns=parse_columns(args.column),
                as_of=args.as_of,
                date_format=args.date_format,
            )
        book = NewWorkbook()
        book.write_sheet(layout.customers_sheet(data.table))
        bar.update("Saving the workbook", 0.95)
        atomic_write(output, book.save)
    finally:
        bar.close()
    if not args.quiet:
        print(f"{data.report.summary_line()}\nWritten: {output} (sheet '{names.CUSTOMERS_SHEET}')")
        for message in dict.fromkeys(caught):
            print(f"Note: {message}")
    return 0
