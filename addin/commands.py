"""What each ``segment`` command does, over files. The parser lives in :mod:`addin.cli`."""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import shutil
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from addin import layout as sheets
from addin import names
from addin.errors import WorkbookError
from addin.install import install, places, status_lines, uninstall
from addin.model_sheet import read_model, read_record
from addin.newbook import NewWorkbook
from addin.pipeline import (
    PreparedInput,
    RunOptions,
    RunOutcome,
    check_input,
    check_summary,
    customers_output,
    prepare_input,
    run_pipeline,
    segment_frame,
    write_results,
)
from addin.progress import ProgressBar
from addin.safety import (
    WORKBOOK_SUFFIXES,
    atomic_write,
    check_readable,
    check_writable,
    describe_at_risk,
    parts_at_risk,
)
from addin.sources import load_data, log_customers
from addin.xlsx import FileWorkbook, read_sheet_values
from segmentation import CustomerData, SegmentationError, SegmentationModel, read_customers
from segmentation.errors import SegmentationWarning

MAX_SHEET_ROWS = names.MAX_SHEET_ROWS


def _parse_columns(pairs: list[str]) -> dict[str, str] | None:
    mapping = {}
    for pair in pairs:
        role, sep, header = pair.partition("=")
        if not sep or not role.strip() or not header.strip():
            raise WorkbookError(
                f"--column needs ROLE=HEADER, e.g. --column amount='Net Sales'. Got '{pair}'."
            )
        mapping[role.strip()] = header.strip().strip("'\"")
    return mapping or None


def _load_model(path: Path) -> SegmentationModel:
    if path.suffix.lower() == ".json":
        return SegmentationModel.load(path)
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise WorkbookError(
            f"--model must be a workbook with a '{names.MODEL_SHEET}' sheet or a .json file; "
            f"got '{path.name}'."
        )
    check_readable(path)
    model = read_model(read_sheet_values(path, names.MODEL_SHEET))
    if model is None:
        raise WorkbookError(
            f"'{path.name}' has no '{names.MODEL_SHEET}' sheet. Use a workbook written by "
            "`segment run`, or a model saved with --save-model."
        )
    return model


def _options(args: argparse.Namespace) -> RunOptions:
    segments = getattr(args, "segments", None)
    if segments not in (None, "auto"):
        try:
            segments = int(segments)
        except ValueError as exc:
            raise WorkbookError(
                f"--segments must be a whole number such as 4, or auto; got '{segments}'."
            ) from exc
    given = getattr(args, "features", None)
    features = [f.strip() for f in given.split(",") if f.strip()] if given else None
    model = _load_model(args.model) if getattr(args, "model", None) else None
    return RunOptions(
        sheet=args.sheet,
        table=args.table,
        method=getattr(args, "method", None),
        n_clusters=segments,
        n_bins=getattr(args, "bins", None),
        ties=getattr(args, "ties", None),
        as_of=args.as_of,
        columns=_parse_columns(args.column),
        features=features,
        model=model,
    )


def default_output(path: Path) -> Path:
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    return path.with_name(f"{path.stem}.segmented{suffix}")


def backup_path(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.stem} (backup {stamp}){path.suffix}")


def _print_summary(outcome: RunOutcome, output: Path | None) -> None:
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
            profile["Priority"],
            profile["Segment"],
            profile["Customers"],
            profile["% Customers"],
            profile["% Revenue"],
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
    if output is not None:
        out.write(f"\nWritten: {output}\n  sheets: {', '.join(outcome.sheets)}\n")
        if outcome.written_columns:
            out.write(f"  new columns: {', '.join(outcome.written_columns)}\n")


def _is_data_source(source: Path) -> bool:
    """A CSV/Parquet file, a folder of them, or a glob pattern (not a workbook)."""
    return source.suffix.lower() not in WORKBOOK_SUFFIXES or not source.is_file()


def _output_for(source: Path, args: argparse.Namespace) -> Path:
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
    is_workbook = not _is_data_source(source)
    if is_workbook or source.is_file():
        check_readable(source)
    options = _options(args)
    if args.in_place and not is_workbook:
        raise WorkbookError("--in-place works on .xlsx and .xlsm workbooks only; use -o.")
    if args.in_place and args.output:
        raise WorkbookError("Use either --in-place or -o, not both.")
    output = _output_for(source, args)
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
            book, outcome = _run_on_data_file(source, options, args, output, bar.update)
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
        _print_summary(outcome, output)
    return 0


@contextlib.contextmanager
def _collecting_warnings(into: list[str]) -> Iterator[None]:
    """The engine's warnings become notes in ``into`` instead of printed warnings."""
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always", SegmentationWarning)
        yield
    into += [str(w.message) for w in records]


def _load(
    source: Path, args: argparse.Namespace, progress, caught: list[str]
) -> pd.DataFrame | CustomerData:
    """Read a data source; a SQL engine's warnings go to ``caught``."""
    progress(f"Reading {source.name}", 0.03)
    with _collecting_warnings(caught):
        return load_data(
            source,
            engine=args.engine,
            columns=_parse_columns(args.column),
            as_of=args.as_of,
            memory_limit=args.memory_limit,
            progress=lambda step, f: progress(step, 0.03 + 0.3 * f),
        )


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


def _run_on_data_file(
    source: Path, options: RunOptions, args: argparse.Namespace, output: Path, progress
) -> tuple:
    read_messages: list[str] = []
    data = _load(source, args, progress, read_messages)
    options = options.with_settings({}, None)
    result, messages = segment_frame(data, options, first_row=2, progress=progress)
    outcome = RunOutcome(result, source.name, read_messages + messages)
    customers_file = args.customers_file
    too_many = len(result.customers) > MAX_SHEET_ROWS
    if too_many and customers_file is None:
        customers_file = output.with_name(f"{output.stem}.customers.parquet")
    if customers_file is not None:
        progress("Writing the customer file", 0.72)
        write_customers_file(customers_file, customers_output(result))
        outcome.warnings.append(f"All {len(result.customers):,} customers: '{customers_file}'.")
    if too_many:
        outcome.warnings.append(
            f"{len(result.customers):,} customers do not fit on one Excel sheet "
            f"({MAX_SHEET_ROWS:,} rows), so the workbook holds the summary sheets only."
        )
    book = NewWorkbook()
    index = data.index if isinstance(data, pd.DataFrame) else pd.RangeIndex(0)
    write_results(book, result, None, index, outcome, progress, customers_sheet=not too_many)
    return book, outcome


def _prepare_report_input(args: argparse.Namespace) -> PreparedInput | None:
    """A workbook read the way `segment run` reads it (None for data files)."""
    if _is_data_source(args.input):
        if args.input.is_file():
            check_readable(args.input)
        return None
    check_readable(args.input)
    return prepare_input(FileWorkbook(args.input), _options(args))


def command_profile(args: argparse.Namespace) -> int:
    read_messages: list[str] = []
    prepared = _prepare_report_input(args)
    if prepared is None:
        frame = _load(args.input, args, lambda *a: None, read_messages)
        options, first_row, label = _options(args).with_settings({}, None), 2, args.input.name
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
    prepared = _prepare_report_input(args)  # the report lists every fix
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SegmentationWarning)
        if prepared is None:
            loaded = _load(args.input, args, lambda *a: None, [])
            data = (
                loaded
                if isinstance(loaded, CustomerData)
                else read_customers(loaded, columns=_parse_columns(args.column), as_of=args.as_of)
            )
            label = args.input.name
        else:
            data, label = check_input(prepared), prepared.ref.label
    print(check_summary(label, data))
    return 0


def command_import(args: argparse.Namespace) -> int:
    """A transaction log (any size) as a per-customer table in a new workbook."""
    source, output = args.input, args.output
    if source.is_file():
        check_readable(source)
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
        loaded = _load(source, args, bar.update, caught)
        with _collecting_warnings(caught):
            data = log_customers(
                loaded, source.name, columns=_parse_columns(args.column), as_of=args.as_of
            )
        book = NewWorkbook()
        book.write_sheet(sheets.customers_sheet(data.table))
        bar.update("Saving the workbook", 0.95)
        atomic_write(output, book.save)
    finally:
        bar.close()
    if not args.quiet:
        print(f"{data.report.summary_line()}\nWritten: {output} (sheet '{names.CUSTOMERS_SHEET}')")
        for message in dict.fromkeys(caught):
            print(f"Note: {message}")
    return 0


def command_template(args: argparse.Namespace) -> int:
    from templates import TEMPLATES, template_path

    if args.template_command == "list":
        for key, (file_name, description) in TEMPLATES.items():
            print(f"{key:<22} {description}  ({file_name})")
        return 0
    if args.name not in TEMPLATES:
        raise WorkbookError(
            f"There is no template '{args.name}'. Templates: {', '.join(TEMPLATES)}."
        )
    source = template_path(args.name)
    target = args.output or Path(TEMPLATES[args.name][0])
    if target.suffix.lower() != ".xlsx":
        raise WorkbookError("A template is an .xlsx workbook; choose a name ending in .xlsx.")
    if target.exists():
        raise WorkbookError(
            f"'{target}' already exists and was left alone. Choose another name with -o."
        )
    check_writable(target)
    atomic_write(target, lambda path: shutil.copyfile(source, path))
    print(f"Written: {target} (from the {args.name} template). Open it and read 'Start here'.")
    return 0


def command_addin(args: argparse.Namespace) -> int:
    import platform

    if args.addin_command == "build":
        from addin.xlam import build

        for path in build(args.output):
            print(f"Written: {path}")
        return 0
    system = platform.system()
    home = Path.home()
    if args.addin_command == "status":
        print("\n".join(status_lines(system, home)))
        return 0
    if args.addin_command == "selftest":
        places(system, home)  # a clear message where Excel cannot run
        from addin.selftest import selftest

        report, passed = selftest()
        print(report)
        return 0 if passed else 1
    places(system, home)
    action = install if args.addin_command == "install" else uninstall
    for step in action(system, home):
        print(step)
    return 0


COMMANDS = {
    "addin": command_addin,
    "import": command_import,
    "run": command_run,
    "profile": command_profile,
    "validate": command_validate,
    "template": command_template,
}


def run_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        return COMMANDS[args.command](args)
    except SegmentationError as exc:
        sys.stderr.write(f"segment {args.command}: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("segment: interrupted; nothing was written.\n")
        return 130
    except OSError as exc:  # disk full, network drive gone, permissions
        sys.stderr.write(
            f"segment {args.command}: could not read or write a file ({exc}). The input was "
            "not changed; check the disk and folder, then run again.\n"
        )
        return 1
    except Exception as exc:
        if os.environ.get("SEGMENT_DEBUG"):
            raise
        sys.stderr.write(
            f"segment {args.command}: an unexpected error stopped the run "
            f"({type(exc).__name__}: {exc}). Nothing was written. This is a bug in the tool: "
            "please report it with the command you ran (set SEGMENT_DEBUG=1 for details).\n"
        )
        return 3
