"""Read a table from a workbook, segment it, write the results back: written once.

The same function serves the command line (files) and the ribbon buttons (live Excel):
both hand over a :class:`~addin.workbook.Workbook`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd

from addin import comparison, names
from addin.errors import WorkbookError
from addin.files.finding import find_input
from addin.files.sniffing import check_formula_results
from addin.privacy import own_table_note, run_privacy
from addin.reading_options import settings_breaks
from addin.sheets import layout
from addin.sheets.cell_text import fit_frame
from addin.sheets.model_sheet import model_layout, read_model, read_record
from addin.sheets.settings import read_segment_map, read_settings
from addin.sheets.value_sheet import value_sheet
from addin.value_options import resolve_value
from addin.workbook import TableRef, Workbook
from segmentation import CustomerData, SegmentationModel, defaults, segment_customers
from segmentation import names as columns
from segmentation.api import SegmentationResult, read_for_run
from segmentation.reading.aggregate import written_money
from segmentation.value.options import ValueOptions

Progress = Callable[[str, float], None]


@dataclass
class RunOptions:
    """What the user asked for (command-line flags, ribbon buttons).

    ``None`` means "not given": the workbook's settings sheet decides, else the default.
    """

    sheet: str | None = None
    table: str | None = None
    method: str | None = None
    n_clusters: int | str | None = None
    k_range: tuple[int, int] | None = None
    n_bins: int | None = None
    ties: str | None = None
    as_of: str | None = None
    columns: dict[str, str] | None = None
    features: list[str] | None = None
    categorical: list[str] | None = None
    segment_map: object = None
    model: SegmentationModel | None = None
    use_saved_model: bool | None = None
    value: dict | ValueOptions | None = None  # customer value: flags given, then resolved
    # Change over time (addin.comparison): a PreviousPeriod, or compare with this
    # workbook's last run; refit fits anew instead of scoring with the previous model.
    compare: object = None
    compare_last: bool = False
    refit: bool = False
    # Reading and scoring options (date order, custom break points)
    date_format: str | None = None
    breaks: dict[str, list[float]] | None = None
    # Privacy: the key from --pseudonymise (never written); None: the Settings sheet's
    pseudonym_key: bytes | None = None

    def with_settings(self, settings: dict[str, object], segment_map: object) -> RunOptions:
        """Fill what was not given from the settings sheet, then from the defaults."""

        def pick(value: object, key: str, default: object) -> object:
            return value if value is not None else settings.get(key, default)

        features = settings.get("features")
        low, high = defaults.K_RANGE
        k_range = (int(settings.get("k_min", low)), int(settings.get("k_max", high)))
        return replace(
            self,
            method=pick(self.method, "method", defaults.METHOD),
            n_clusters=self.n_clusters if self.n_clusters is not None else "auto",
            k_range=self.k_range or k_range,
            n_bins=pick(self.n_bins, "n_bins", defaults.N_BINS),
            ties=pick(self.ties, "ties", defaults.TIES),
            as_of=pick(self.as_of, "as_of", None),
            features=self.features
            if self.features is not None
            else [f.strip() for f in str(features or "").split(",") if f.strip()] or None,
            segment_map=self.segment_map
            if self.segment_map is not None
            else (segment_map or defaults.SEGMENT_MAP),
            value=resolve_value(self.value, settings),
            date_format=pick(self.date_format, "date_format", None),
            breaks=self.breaks if self.breaks is not None else settings_breaks(settings),
        )


@dataclass
class RunOutcome:
    result: SegmentationResult
    source: str
    warnings: list[str] = field(default_factory=list)
    written_columns: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    changes: object = None  # segmentation.change.PeriodChanges when compared
    pseudonymised: bool = False  # customer IDs written as keyed pseudonyms


def _noop(step: str, fraction: float) -> None:
    return None


def strip_previous_output(frame: pd.DataFrame, record: dict) -> pd.DataFrame:
    """Drop the columns an earlier run wrote, so re-running replaces them."""
    written = set(record.get("written_columns") or [])
    ours = {*names.SCORE_COLUMNS, *names.CLUSTER_COLUMNS, *names.CHANGE_COLUMNS} | written
    return frame[[c for c in frame.columns if c not in ours]]


def segment_frame(
    frame: pd.DataFrame, options: RunOptions, *, first_row: int, progress: Progress
) -> tuple[SegmentationResult, list[str]]:
    """Run the engine, collecting its warnings as text for the user."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = segment_customers(
            frame,
            method=options.method,
            model=options.model,
            columns=options.columns,
            as_of=options.as_of,
            n_bins=options.n_bins,
            ties=options.ties,
            segment_map=options.segment_map,
            n_clusters=options.n_clusters,
            k_range=options.k_range,
            features=options.features,
            categorical=options.categorical,
            first_row=first_row,
            date_format=options.date_format,
            breaks=options.breaks,
            progress=lambda step, f: progress(step, 0.1 + 0.6 * f),
            value=options.value if isinstance(options.value, ValueOptions) else None,
        )
    messages = list(dict.fromkeys(str(w.message) for w in caught))
    return result, messages


def new_columns(result: SegmentationResult, frame_index: pd.Index) -> pd.DataFrame:
    """The columns to add beside a customer table, aligned with its rows."""
    customers = result.customers
    wanted = []
    if result.data.columns.get("recency") is None:
        wanted.append(columns.RECENCY)  # derived from a last-purchase date
    wanted += [c for c in (*names.SCORE_COLUMNS, *names.CLUSTER_COLUMNS) if c in customers]
    wanted += value_columns_of(result)
    return customers[wanted].reindex(frame_index)


def value_columns_of(result: SegmentationResult) -> list[str]:
    """The per-customer value columns of a run (none when value was not estimated)."""
    return [] if result.value is None else list(result.value.predictions.columns)


def customers_output(result: SegmentationResult) -> pd.DataFrame:
    """One row per customer, in a sensible column order, for the Customers sheet."""
    table = result.customers
    first = [
        columns.CUSTOMER_ID,
        columns.LAST_PURCHASE,
        columns.RECENCY,
        columns.FREQUENCY,
        columns.MONETARY,
    ]
    tail = [c for c in (*names.SCORE_COLUMNS, *names.CLUSTER_COLUMNS) if c in table]
    tail += value_columns_of(result)
    middle = [c for c in table.columns if c not in first and c not in tail]
    ordered = table[[c for c in first if c in table] + middle + tail]
    return written_money(ordered, result.data.money_decimals)


def resolve_options(
    book: Workbook, options: RunOptions, model_rows: list[list[object]] | None
) -> RunOptions:
    """Options completed from the workbook's settings sheet and saved model."""
    settings_rows = book.read_sheet(names.SETTINGS_SHEET)
    settings = read_settings(settings_rows)
    resolved = options.with_settings(settings, read_segment_map(settings_rows))
    wanted = options.use_saved_model or (
        options.use_saved_model is None and settings.get("use_saved_model") == "yes"
    )
    if resolved.model is None and wanted:
        model = read_model(model_rows)
        if model is None:
            raise WorkbookError(
                f"Scoring with the saved model needs a '{names.MODEL_SHEET}' sheet, and this "
                "workbook has none. Copy the sheet from the workbook that holds it.",
                fix="Or fit and save a model first, with {fit_model}.",
                suggest={"fit_model": None},
            )
        resolved = replace(resolved, model=model)
    return resolved


@dataclass
class PreparedInput:
    """A workbook's input as every front end reads it, before the engine runs."""

    frame: pd.DataFrame  # the table, without the columns an earlier run wrote
    ref: TableRef
    options: RunOptions  # completed from the Settings sheet and the saved model
    record: dict  # what the last run on this workbook wrote

    @property
    def first_row(self) -> int:
        """The sheet row of the table's first data row, for messages."""
        return self.ref.first_row + 1


def prepare_input(
    book: Workbook, options: RunOptions, progress: Progress | None = None
) -> PreparedInput:
    """Settings, saved model, table finding and previous-output stripping: the one way
    `segment run/profile/validate`, the ribbon buttons and Check Data read a workbook."""
    report = progress or _noop
    report("Finding the table", 0.02)
    model_rows = book.read_sheet(names.MODEL_SHEET)
    record = read_record(model_rows)
    options = resolve_options(book, options, model_rows)
    ref = find_input(book, sheet=options.sheet, table=options.table, recorded=record)
    report(f"Reading {ref.label}", 0.05)
    frame = strip_previous_output(book.read_table(ref), record)
    check_formula_results(book, ref, frame, options.columns)
    return PreparedInput(frame, ref, options, record)


def check_input(prepared: PreparedInput) -> CustomerData:
    """The table read and cleaned as a run would, with its data-quality report."""
    options = prepared.options
    return read_for_run(
        prepared.frame,
        model=options.model,
        columns=options.columns,
        as_of=options.as_of,
        features=options.features,
        categorical=options.categorical,
        first_row=prepared.first_row,
        date_format=options.date_format,
    )


def check_summary(label: str, data: CustomerData) -> str:
    """What Check Data and `segment validate` show: the table, its columns, the report."""
    kind = "transaction log" if data.kind == "transactions" else "customer table"
    roles = ", ".join(f"{role} = '{header}'" for role, header in data.columns.roles.items())
    lines = [f"{label}: a {kind}. Columns used: {roles}."]
    if data.as_of is not None:
        lines.append(f"Analysis date: {data.as_of.date()}.")
    return "\n".join([*lines, str(data.report)])


def run_pipeline(
    book: Workbook, options: RunOptions, progress: Progress | None = None
) -> RunOutcome:
    """Find the input, segment it, and write columns and sheets into ``book``."""
    report = progress or _noop
    notes: list[str] = []
    previous, options = comparison.previous_for(book, options, notes)
    prepared = prepare_input(book, options, report)
    private = run_privacy(book, options.pseudonym_key, previous)  # before any work
    result, messages = segment_frame(
        prepared.frame, prepared.options, first_row=prepared.first_row, progress=report
    )
    private.apply(result)
    outcome = RunOutcome(result, prepared.ref.label, messages + notes, pseudonymised=private.on)
    comparison.compare_into(outcome, private.previous, strict=options.compare is not None)
    write_results(book, result, prepared.ref, prepared.frame.index, outcome, report,
                  prepared.record)  # fmt: skip
    if private.on and (note := own_table_note(result, outcome.written_columns)):
        outcome.warnings.append(note)
    return outcome


def write_results(
    book: Workbook,
    result: SegmentationResult,
    ref: TableRef | None,
    frame_index: pd.Index,
    outcome: RunOutcome,
    report: Progress,
    previous: dict | None = None,
    *,
    customers_sheet: bool = True,
) -> None:
    """Columns beside a customer table (or a Customers sheet), then the report sheets.

    ``customers_sheet=False`` leaves out the Customers sheet (too many rows for Excel).
    """
    previous = previous or {}
    report("Writing segment columns", 0.75)
    changes = outcome.changes
    if result.data.kind == "customers" and ref is not None:
        added = new_columns(result, frame_index).join(comparison.change_columns(changes))
        formats = {c: f for c in added.columns if (f := layout.number_format(c)) is not None}
        book.write_columns(ref, added, formats)
        outcome.written_columns = list(added.columns)
    elif customers_sheet:  # text over Excel's cell limit is cut, with a note
        shown, notes = fit_frame(
            customers_output(result).join(comparison.change_columns(changes)),
            f"the {names.CUSTOMERS_SHEET} sheet",
        )
        outcome.warnings.extend(notes)
        customers_layout = layout.customers_sheet(shown)
    report("Writing the summary sheets", 0.85)
    layouts = [layout.summary_sheet(result, outcome.source)]
    if result.cluster_profile is not None:
        layouts.append(layout.clusters_sheet(result))
    if result.value is not None:
        layouts.append(value_sheet(result))
    layouts += comparison.change_layouts(result, changes, bool(outcome.written_columns))
    run_record = {
        "input_sheet": ref.sheet if ref is not None else None,
        "input_table": ref.name if ref is not None else None,
        "written_columns": outcome.written_columns,
    }
    if result.data.as_of is not None:  # the date a later comparison checks its order by
        run_record["as_of"] = str(result.data.as_of.date())
    if outcome.pseudonymised:  # said on the model sheet; the key itself is never written
        run_record["pseudonymised"] = True
    if not outcome.written_columns and customers_sheet:
        layouts.insert(0, customers_layout)
    for sheet in layouts:
        sheet.name = _free_name(book, sheet.name, previous, outcome)
    run_record["output_sheets"] = [sheet.name for sheet in layouts] + [names.MODEL_SHEET]
    layouts.append(model_layout(result.model, run_record))
    for sheet in layouts:
        book.write_sheet(sheet)
        outcome.sheets.append(sheet.name)


def _free_name(book: Workbook, name: str, previous: dict, outcome: RunOutcome) -> str:
    """Our sheet name, unless the user has a sheet of that name: then never overwrite it."""
    ours = set(previous.get("output_sheets") or [])
    if name not in book.sheet_names() or name in ours:
        return name
    alternative = f"{name} (segmented)"
    outcome.warnings.append(
        f"The workbook already has its own sheet '{name}'; it was left alone and the "
        f"results went to '{alternative}'."
    )
    return alternative
