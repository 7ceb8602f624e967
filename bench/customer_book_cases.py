"""`segment run` on a workbook whose only sheet is a large customer table.

The table (one row per customer of the benchmark log: id, email, country, last purchase,
orders, total spend) is written untimed with XlsxWriter, as another program would; the
timed step reads it, segments, and writes the tool's columns back into that sheet with
its summary sheets beside it, to a new file. At ``--sizes 10M`` the table has about
1M rows. Run alone with ``python -m bench --sizes 10M --cases "CUSTOMERS.xlsx"``.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pandas as pd

STEP = "customer table workbook"
OURS = "ours: segment run CUSTOMERS.xlsx -o OUT.xlsx (columns written back)"
_COUNTRIES = ["United Kingdom", "Germany", "France", "Spain", "Netherlands", "Italy"]


def _customer_book(log: pd.DataFrame) -> tuple[Path, int]:
    import xlsxwriter

    table = log.groupby("Customer ID").agg(
        last=("Order Date", "max"), orders=("Order Date", "size"), spend=("Amount", "sum")
    )
    path = Path(tempfile.mkdtemp(prefix="bench-customers-")) / "customers.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Customers")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["Customer ID", "Email", "Country", "Last Purchase", "Orders",
                           "Total Spend"])  # fmt: skip
    rows = zip(table.index.tolist(), table["last"].dt.to_pydatetime().tolist(),
               table["orders"].tolist(), table["spend"].round(2).tolist())  # fmt: skip
    for row, (customer, last, orders, spend) in enumerate(rows, start=1):  # untimed
        sheet.write_number(row, 0, customer)
        sheet.write_string(row, 1, f"customer{customer}@example.com")
        sheet.write_string(row, 2, _COUNTRIES[customer % len(_COUNTRIES)])
        sheet.write_datetime(row, 3, last, dates)
        sheet.write_number(row, 4, orders)
        sheet.write_number(row, 5, spend)
    book.close()
    return path, len(table)


def _segment_run(prepared: tuple[Path, int]) -> object:
    from addin.cli.main import main

    path = prepared[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return main(["run", str(path), "-o", str(path.with_name("out.xlsx")), "-q"])


def register(cases: dict, case_type: type) -> None:
    cases[OURS] = case_type(OURS, STEP, _customer_book, _segment_run, lambda p: p[1])
