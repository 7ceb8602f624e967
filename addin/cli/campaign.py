"""segment campaign / segment readout: over workbook files, written safely."""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd

from addin import names
from addin.campaign_pipeline import CampaignOptions, draw_campaign, read_out, split_list
from addin.cli.privacy_flag import pseudonym_key
from addin.errors import WorkbookError
from addin.files.export import export_groups
from addin.files.locking import exclusive
from addin.files.responses import read_responses_file
from addin.files.safety import WORKBOOK_SUFFIXES, check_readable
from addin.files.staging import StagedOutputs, check_destination
from addin.files.xlsx import FileWorkbook


def _output(args: argparse.Namespace, suffix: str) -> Path:
    source: Path = args.workbook
    check_readable(source)
    if source.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise WorkbookError(
            f"'{source.name}' is not a workbook: campaigns live in the .xlsx or .xlsm workbook "
            "that `segment run` wrote."
        )
    output = source if args.in_place else args.output
    if output is None:
        output = source.with_name(f"{source.stem}.{suffix}{source.suffix.lower()}")
    if output.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise WorkbookError(f"The output must be an .xlsx or .xlsm file; got '{output.name}'.")
    if not args.in_place and output.exists() and output.resolve() == source.resolve():
        raise WorkbookError(
            "The output would overwrite the input. Use --in-place to update the input "
            "(a backup is made), or choose another -o."
        )
    check_destination(output, "--in-place" if args.in_place else "The output workbook")
    return output


def _open(args: argparse.Namespace) -> FileWorkbook:
    # Only the tool's own parts change; every other part of the workbook keeps its bytes.
    return FileWorkbook(args.workbook)


def _save(
    book: FileWorkbook,
    args: argparse.Namespace,
    output: Path,
    notes: list[str],
    outputs: StagedOutputs,
) -> None:
    """Stage the backup and the workbook, then write every staged file together."""
    if args.in_place:
        outputs.stage_backup(args.workbook)
    outputs.stage(output, book.save, f"'{output}'")
    notes += getattr(book, "notes", [])
    outputs.commit()
    if outputs.backup is not None:
        notes.append(f"A backup of the original was saved as '{outputs.backup.name}'.")
    notes += outputs.notes


def _safely(args: argparse.Namespace):
    """One run at a time on a workbook updated in place; all outputs staged."""
    lock = exclusive(args.workbook) if args.in_place and args.workbook.is_file() else nullcontext()
    return lock, StagedOutputs()


def command_campaign(args: argparse.Namespace) -> int:
    output = _output(args, "campaign")
    lock, outputs = _safely(args)
    with lock, outputs:
        return _campaign(args, output, outputs)


def _campaign(args: argparse.Namespace, output: Path, outputs: StagedOutputs) -> int:
    book = _open(args)
    options = CampaignOptions(
        name=args.name,
        segments=split_list(args.segments) if args.segments else None,
        control_share=args.control,
        baseline=args.baseline,
        consent_column=args.opt_out_column,
        segment_column=args.segment_column,
        seed=args.seed,
        redraw=args.redraw,
        pseudonym_key=pseudonym_key(args),
    )
    outcome = draw_campaign(book, options)
    notes = list(outcome.notes)
    files = []
    if args.export is not None:  # staged: a refused export or a failed save writes nothing
        files = export_groups(outcome.plan.customers, args.export, outcome.plan.name, outputs,
                              replace=args.redraw)  # fmt: skip
    _save(book, args, output, notes, outputs)
    if not args.quiet:
        print_campaign(outcome, output, files, notes)
    return 0


def print_campaign(outcome, output: Path, files: list[Path], notes: list[str]) -> None:
    plan = outcome.plan
    out = sys.stdout
    out.write(f"\nCampaign '{plan.name}': {len(plan.customers):,} customers, control share "
              f"{plan.control_share:.0%} per segment (seed {plan.seed}).\n")  # fmt: skip
    if plan.consent is not None:
        out.write(f"Left out: {plan.opted_out:,} who opted out ('{plan.consent.header}').\n")
    table = plan.power
    out.write(f"\n  {'segment':<28} {'treatment':>10} {'control':>8} {'detectable lift':>16}\n")
    for _, row in table.iterrows():
        lift = row["Detectable lift (points)"]
        shown = f"{lift:>15.1%}" if np.isfinite(lift) else f"{'no test':>15}"
        out.write(f"  {row['Segment']:<28} {row['Treatment']:>10,} {row['Control']:>8,} "
                  f"{shown}\n")  # fmt: skip
    for note in notes:
        out.write(f"\nNote: {note}")
    out.write(f"\n\nWritten: {output}\n  sheets: {', '.join(outcome.sheets[:1])}\n")
    if files:
        out.write(f"  exports: {len(files)} CSV files in {files[0].parent}\n")


def command_readout(args: argparse.Namespace) -> int:
    output = _output(args, "readout")
    lock, outputs = _safely(args)
    with lock, outputs:
        return _readout(args, output, outputs)


def _readout(args: argparse.Namespace, output: Path, outputs: StagedOutputs) -> int:
    responses = read_responses_file(args.responses)
    book = _open(args)
    name = args.name or _settings_name(book)
    outcome = read_out(
        book, name, responses, source=args.responses.name,
        response_column=args.response_column, revenue_column=args.revenue_column,
        pseudonym_key=pseudonym_key(args),
    )  # fmt: skip
    notes = list(outcome.readout.notes)
    _save(book, args, output, notes, outputs)
    if not args.quiet:
        print_readout(outcome, output, notes)
    return 0


def _settings_name(book: FileWorkbook) -> str:
    from addin.sheets.settings import read_settings

    name = read_settings(book.read_sheet(names.SETTINGS_SHEET)).get("campaign_name")
    if not name:
        raise WorkbookError("Name the campaign to read out with --name.")
    return str(name)


def print_readout(outcome, output: Path, notes: list[str]) -> None:
    table = outcome.readout.table
    out = sys.stdout
    out.write(f"\nReadout of '{outcome.record['name']}':\n")
    out.write(f"  {'segment':<28} {'treated':>8} {'control':>8} {'lift':>8} "
              f"{'95% interval':>18} {'adj. p':>8}\n")  # fmt: skip
    for _, row in table.iterrows():
        adjusted = row["Adjusted p (BH)"]
        shown = row["p-value"] if pd.isna(adjusted) else adjusted
        out.write(f"  {row['Segment']:<28} {row['Treated']:>8,} {row['Control']:>8,} "
                  f"{row['Lift (points)']:>8.1%} {row['Lift 95% CI low']:>8.1%} to "
                  f"{row['Lift 95% CI high']:>6.1%} {shown:>8.4f}\n")  # fmt: skip
    for note in notes:
        out.write(f"\nNote: {note}")
    out.write(f"\n\nWritten: {output}\n  sheet: {', '.join(outcome.sheets)}\n")
