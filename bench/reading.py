"""Bench cases for reading a large customer table back from a workbook (issue 13)."""

from __future__ import annotations

from bench.cases import Case, _customers_sheet_file, _quiet


def _read_customers_table(sheet_file: tuple[str, int]) -> object:
    """The Excel Table read into a DataFrame, column by column through Arrow."""
    from pathlib import Path

    from addin import names
    from addin.files import fast_read
    from addin.files.xlsx import unique_headers
    from addin.workbook import TableRef

    path, rows = sheet_file
    ref = TableRef(names.CUSTOMERS_SHEET, names.CUSTOMERS_TABLE, 1, 1, rows + 1, 10)
    frame = fast_read.read_table(Path(path), ref, unique_headers)
    if frame is None or len(frame) != rows:
        raise RuntimeError("the Arrow reader did not take this table")
    return frame


def _find_and_read(sheet_file: tuple[str, int]) -> object:
    """What `segment run` does with a customer sheet: find the table (header row, used
    range), then read it."""
    from pathlib import Path

    from addin import names
    from addin.files.finding import find_input
    from addin.files.xlsx import FileWorkbook

    path, rows = sheet_file
    book = FileWorkbook(Path(path))
    frame = book.read_table(find_input(book, sheet=names.CUSTOMERS_SHEET))
    if len(frame) != rows:
        raise RuntimeError(f"read {len(frame)} rows, not {rows}")
    return frame


def _pandas_read_excel(sheet_file: tuple[str, int]) -> object:
    """pandas.read_excel with its fastest engine (calamine), a peer users would pick."""
    import pandas as pd

    from addin import names

    return pd.read_excel(sheet_file[0], sheet_name=names.CUSTOMERS_SHEET, engine="calamine")


FIND_AND_READ = "customer sheet found and read"
PEER = "peer: pandas.read_excel of the Customers sheet (calamine engine)"
PEERS = {PEER: (FIND_AND_READ, _pandas_read_excel, "python_calamine")}

CASES = {
    case.name: case
    for case in (
        Case(
            "ours: read the Customers sheet as a table (.xlsx, fastexcel + Arrow)",
            "sheet read",
            _quiet(_customers_sheet_file),
            _read_customers_table,
            lambda sheet_file: sheet_file[1],
        ),
        Case(
            "ours: find and read the Customers sheet, as segment run does (.xlsx)",
            FIND_AND_READ,
            _quiet(_customers_sheet_file),
            _find_and_read,
            lambda sheet_file: sheet_file[1],
        ),
        Case(
            PEER,
            FIND_AND_READ,
            _quiet(_customers_sheet_file),
            _pandas_read_excel,
            lambda sheet_file: sheet_file[1],
        ),
    )
}
