"""Which table to segment: the rules, in order, written once for files and live Excel."""

from __future__ import annotations

import warnings

from addin import names
from addin.errors import WorkbookError
from addin.workbook import TableRef, Workbook
from segmentation import SegmentationError, detect_columns
from segmentation.reading.columns import normalise_header


def _headers_match(book: Workbook, ref: TableRef) -> bool:
    try:
        frame = book.read_table(
            TableRef(ref.sheet, ref.name, ref.first_row, ref.first_column, ref.first_row,
                     ref.last_column)
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            detect_columns(frame)
    except SegmentationError:
        return False
    return True


# A group-header row ("Sales 2024" over three columns) or a title may sit above the real
# headers: this many rows below the first are tried.
HEADER_ROWS_TRIED = 5


def _headers_below(book: Workbook, ref: TableRef | None) -> TableRef | None:
    """The used range read from the first row below its top whose headers match."""
    if ref is None:
        return None
    for header in range(ref.first_row + 1, min(ref.first_row + HEADER_ROWS_TRIED, ref.last_row)):
        lower = TableRef(ref.sheet, None, header, ref.first_column, ref.last_row, ref.last_column)
        if _headers_match(book, lower):
            return lower
    return None


def find_input(
    book: Workbook,
    *,
    sheet: str | None = None,
    table: str | None = None,
    recorded: dict | None = None,
) -> TableRef:
    """Find the input table.

    In order: an Excel Table or sheet named by the user; the Excel Table holding the
    active cell; the table recorded by the last run on this workbook; an Excel Table
    named like "Customers" or "Transactions"; the used range of the first sheet whose
    headers match. Sheets and tables that an earlier run wrote are never taken as input.
    """
    ours = set((recorded or {}).get("output_sheets") or [])
    our_tables = {names.CUSTOMERS_TABLE, names.SUMMARY_TABLE, names.CLUSTERS_TABLE,
                  names.K_CURVE_TABLE}  # fmt: skip
    tables = [t for t in book.tables() if t.name not in our_tables]
    if table:
        for ref in tables:
            if ref.name and ref.name.lower() == table.lower():
                return ref
        known = ", ".join(f"'{t.name}'" for t in tables) or "none"
        raise WorkbookError(
            f"There is no Excel Table named '{table}'. Tables in this workbook: {known}."
        )
    if sheet:
        match = next((s for s in book.sheet_names() if s.lower() == sheet.lower()), None)
        if match is None:
            raise WorkbookError(
                f"There is no sheet named '{sheet}'. Sheets: "
                + ", ".join(f"'{s}'" for s in book.sheet_names())
                + "."
            )
        on_sheet = [t for t in tables if t.sheet == match]
        if len(on_sheet) == 1:
            return on_sheet[0]
        ref = book.used_range(match)
        if ref is None:
            raise WorkbookError(f"Sheet '{match}' is empty. Paste the data there with headers.")
        if _headers_match(book, ref):
            return ref
        return _headers_below(book, ref) or ref
    selected = book.selected_table()
    if selected is not None and selected.sheet not in ours:
        return selected
    if recorded:
        for ref in tables:
            if ref.name and ref.name == recorded.get("input_table"):
                return ref
        if recorded.get("input_sheet") in book.sheet_names() and not recorded.get("input_table"):
            ref = book.used_range(str(recorded["input_sheet"]))
            if ref is not None:
                return ref
    candidates = [t for t in tables if t.sheet not in ours]
    for preferred in names.INPUT_TABLE_NAMES:
        for ref in candidates:
            if preferred in (normalise_header(ref.name or ""), normalise_header(ref.sheet)):
                if _headers_match(book, ref):
                    return ref
    for ref in candidates:
        if _headers_match(book, ref):
            return ref
    ranges = []
    for name in book.sheet_names():
        if name in ours or name in (names.SETTINGS_SHEET, names.MODEL_SHEET):
            continue
        ref = book.used_range(name)
        if ref is not None and _headers_match(book, ref):
            return ref
        lower = _headers_below(book, ref)
        if lower is not None:
            return lower
        if ref is not None:
            ranges.append(ref)
    only = candidates or ranges
    if len(only) == 1:
        return only[0]  # the one table there is: the engine will say what it lacks
    raise WorkbookError(
        "No customer table or transaction log found: no sheet has headers such as "
        "'Customer ID', 'Order Date' and 'Amount' (a transaction log) or 'Customer ID', "
        "'Recency', 'Frequency' and 'Monetary' (a customer table) in its first row. Rename "
        "the headers.",
        fix="Or choose the table with {table}.",
        suggest={"table": None},
    )
