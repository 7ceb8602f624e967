"""The comparison step of the one path: the previous period, the scale, the changes.

Every front end compares the same way: the previous period comes from a workbook an
earlier run wrote (its Customers table or the columns beside the user's table, and its
saved model), this period is scored with that model unless asked to refit, and
:func:`segmentation.change.compare_periods` does the rest.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import pandas as pd

from addin import names
from addin.files.finding import find_input
from addin.sheets.model_sheet import read_model, read_record
from addin.sheets.settings import read_segment_map, read_settings
from addin.workbook import Workbook
from segmentation import SegmentationError, SegmentationModel, read_customers
from segmentation import names as columns
from segmentation.change import PeriodChanges, PreviousPeriod, compare_periods
from segmentation.rfm.presets import RANGE_COLUMNS
from segmentation.rfm.segment_maps import SegmentMap, get_segment_map


def previous_run(book: Workbook, label: str) -> PreviousPeriod | None:
    """The customers and model the last run left in ``book``; None if no run did."""
    model_rows = book.read_sheet(names.MODEL_SHEET)
    record = read_record(model_rows)
    model = read_model(model_rows) if model_rows is not None else None
    customers = _run_customers(book, record, model)
    if customers is None:
        return None
    # The run's own date; a saved model's is the date it was fitted, maybe months before.
    as_of = record.get("as_of") or (model.settings.get("as_of") if model is not None else None)
    return PreviousPeriod(customers, model, pd.Timestamp(as_of) if as_of else None, label)


def _run_customers(
    book: Workbook, record: dict, model: SegmentationModel | None
) -> pd.DataFrame | None:
    tables = {ref.name: ref for ref in book.tables() if ref.name}
    if names.SNAPSHOT_TABLE in tables:
        return book.read_table(tables[names.SNAPSHOT_TABLE])
    written = [str(c) for c in record.get("written_columns") or []]
    if written and (record.get("input_sheet") or record.get("input_table")):
        ref = find_input(
            book, sheet=record.get("input_sheet"), table=record.get("input_table"),
            recorded=record,
        )  # fmt: skip
        return _customer_table(book.read_table(ref), written, model)
    if names.CUSTOMERS_TABLE in tables:
        return book.read_table(tables[names.CUSTOMERS_TABLE])
    return None


def _customer_table(
    frame: pd.DataFrame, written: list[str], model: SegmentationModel | None
) -> pd.DataFrame | None:
    """The user's customer table with product column names, and the run's columns."""
    ours = [c for c in written if c in frame.columns]
    if not any(c in ours for c in (columns.RFM_SEGMENT, columns.CLUSTER_NAME)):
        return None
    inputs = frame[[c for c in frame.columns if c not in ours]]
    settings = model.settings if model is not None else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the run itself reports the data's fixes
        try:
            table = read_customers(
                inputs, columns=settings.get("columns") or None, kind="customers"
            ).table
        except SegmentationError:
            # Headers changed since: match the ids by the saved id column alone.
            header = (settings.get("columns") or {}).get("customer_id")
            if header not in inputs:
                return None
            table = pd.DataFrame({columns.CUSTOMER_ID: inputs[header]})
    return table.join(frame[[c for c in ours if c not in table.columns]])


def with_previous_model(
    options: object, previous: PreviousPeriod, *, refit: bool, notes: list[str]
) -> object:
    """Run options that score this period with the previous model, unless refitting."""
    if refit:
        notes.append(
            "--refit: this period was fitted anew, so its scores are on a scale of its own; "
            "a move can be a change of break points as well as of behaviour."
        )
        return replace(options, model=None, use_saved_model=False)
    if previous.model is None:
        notes.append(
            f"{previous.label} has no saved model, so this period was fitted anew: a move "
            "can be a change of break points as well as of behaviour."
        )
        return options
    check_comparable(previous.model, options.n_bins, options.segment_map, previous.label)
    return replace(options, model=previous.model)


def check_comparable(
    model: SegmentationModel, n_bins: object, segment_map: object, label: str
) -> None:
    """A bin count or segment map asked for that differs from the previous model's."""
    if model.rfm is None:
        return
    saved_bins = sorted(set(model.rfm.n_bins_.values()))
    if n_bins is not None and saved_bins != [int(n_bins)]:
        raise SegmentationError(
            f"{label} was scored with {'/'.join(map(str, saved_bins))} bins and this run "
            f"asks for {n_bins}, so the scores would not be comparable.",
            fix="Drop the bin count to compare on the previous scale, or use {refit} to fit "
            "anew on a scale of its own.",
            suggest={"refit": True},
        )
    if segment_map is None or (isinstance(segment_map, str) and segment_map == "default"):
        return
    wanted = segment_map if isinstance(segment_map, SegmentMap) else get_segment_map(segment_map)
    saved = model.rfm.segment_map_
    ranges = list(RANGE_COLUMNS)
    same_ranges = wanted.segments == saved.segments and wanted.table[ranges].equals(
        saved.table[ranges]
    )
    if not same_ranges:
        missing = [s for s in saved.segments if s not in wanted.segments]
        added = [s for s in wanted.segments if s not in saved.segments]
        difference = (
            "; ".join(
                part
                for part in (
                    f"not in this run's: {', '.join(missing)}" if missing else "",
                    f"new in this run's: {', '.join(added)}" if added else "",
                )
                if part
            )
            or "the same segments with other score ranges"
        )
        raise SegmentationError(
            f"{label} used another segment map ({difference}).",
            fix="Compare with the previous map, or use {refit} to fit anew with this one.",
            suggest={"refit": True},
        )


def compare_result(result, previous: PreviousPeriod) -> PeriodChanges:
    """This run's customers against the previous period."""
    return compare_periods(result.customers, previous, model=result.model, as_of=result.data.as_of)


def change_columns(changes: PeriodChanges | None) -> pd.DataFrame:
    """Previous Segment, Movement (and Previous Cluster) per customer, to join by index."""
    return changes.customers if changes is not None else pd.DataFrame()


def previous_for(book: Workbook, options, notes: list[str]) -> tuple[PreviousPeriod | None, object]:
    """The period to compare with (asked for, or this workbook's last run) and the options
    that score this period on its scale."""
    previous = options.compare
    refresh = previous is None and options.compare_last
    if refresh:
        previous = previous_run(book, "the last run in this workbook")
    if previous is None:
        return None, options
    if refresh and not options.refit:
        if options.model is not None or options.use_saved_model:
            return previous, options  # the run's own model choice: --model, Apply Saved Model
        settings = read_settings(book.read_sheet(names.SETTINGS_SHEET))
        if settings.get("use_saved_model") == "no":
            # The workbook asks for a new fit each run (an edited segment map takes effect).
            notes.append(
                f"'Use saved model' is no on the {names.SETTINGS_SHEET} sheet, so this run "
                "fitted anew and was compared with the last run on a scale of its own: a "
                "move can be a change of break points as well as of behaviour."
            )
            return previous, options
    if not refresh and options.segment_map is None and book is not None:
        # The map this workbook's Settings sheet asks for must be the one compared with.
        options = replace(
            options, segment_map=read_segment_map(book.read_sheet(names.SETTINGS_SHEET))
        )
    return previous, with_previous_model(options, previous, refit=options.refit, notes=notes)


def compare_into(outcome, previous: PreviousPeriod | None, *, strict: bool) -> None:
    """Compare the run with ``previous``; a refresh's automatic comparison that cannot be
    made becomes a note (an explicit one is an error)."""
    if previous is None:
        return
    try:
        changes = compare_result(outcome.result, previous)
    except SegmentationError as exc:
        if strict:
            raise
        outcome.warnings.append(f"Not compared with {previous.label}: {exc}")
        return
    outcome.changes = changes
    outcome.warnings += changes.notes
    if changes.recommendation:
        outcome.warnings.append(changes.recommendation)


def change_layouts(result, changes: PeriodChanges | None, customer_table: bool) -> list:
    """The Segment Changes sheet when compared; the hidden snapshot for a customer table."""
    from addin.sheets.changes import changes_sheet, snapshot_sheet

    layouts = []
    if changes is not None:
        layouts.append(changes_sheet(changes, result.customers))
    if customer_table:
        layouts.append(snapshot_sheet(result.customers))
    return layouts
