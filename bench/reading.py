"""Bench cases for reading a large customer table back from a workbook (issue 13)."""

from __future__ import annotations

from bench.cases import Case, _customers_sheet_file, _quiet


def _read_customers_table(sheet_file: tuple[str, int]) -> object:
    """What `segment run` does with a workbook's customer table: the Excel Table read
    into a DataFrame (column by column through Arrow where the types allow)."""
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
    )
}
