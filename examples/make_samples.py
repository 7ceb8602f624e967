"""Build the sample workbooks in this folder (run: python examples/make_samples.py).

Realistic, seeded data with the mess real exports have, so that `segment run` on a
sample shows the cleaning report as well as the segments:

- ``online_shop_transactions.xlsx``: two years of invoice lines (about 3,000 customers),
  as an Excel Table below a title, with quantity x unit price, returns, a few #N/A
  prices, prices typed as text with currency symbols, duplicated lines, spaces around
  customer ids, text dates and a blank row.
- ``customers.xlsx``: a customer table (last purchase date, orders, total spend, region,
  channel, age, satisfaction) with a formula column, a name that looks like a formula,
  a notes sheet with a comment, a defined name and a drop-down list.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

HERE = Path(__file__).parent
FIXED_TIME = dt.datetime(2026, 1, 1)
COUNTRIES = ["United Kingdom", "Germany", "France", "Netherlands", "Spain", "Ireland"]
PRODUCTS = [
    ("Ceramic mug", 7.95),
    ("Linen tea towel", 5.50),
    ("Scented candle", 12.00),
    ("Wall clock", 24.90),
    ("Cushion cover", 14.75),
    ("Picnic basket", 39.00),
    ("Photo frame", 9.99),
    ("Table lamp", 45.00),
]


def _fixed(book: Workbook) -> None:
    book.properties.creator = "segmentation samples"
    book.properties.created = FIXED_TIME


def transactions(rng: np.random.Generator) -> list[list[object]]:
    n_customers = 3_000
    start = dt.date(2023, 1, 1)
    rows = []
    invoice = 536_000
    for customer in range(n_customers):
        cid = 12_000 + customer
        country = COUNTRIES[min(int(rng.exponential(1.2)), len(COUNTRIES) - 1)]
        first = int(rng.integers(0, 700))
        visits = 1 + min(int(rng.pareto(1.3)), 40)
        days = np.sort(first + rng.integers(0, 730 - first, visits))
        for day in days:
            invoice += 1
            date = start + dt.timedelta(days=int(day))
            lines = min(1 + int(rng.poisson(1.5)), len(PRODUCTS))
            for pick in rng.choice(len(PRODUCTS), lines, replace=False):
                product, price = PRODUCTS[int(pick)]
                quantity = int(rng.integers(1, 7))
                rows.append([f"{invoice}", cid, date, product, quantity, price, country])
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    rows.sort(key=lambda r: (r[2], r[0]))  # a log is in date order
    # The usual mess.
    for i in rng.choice(len(rows), 40, replace=False):
        rows[i][4] = -rows[i][4]  # returns
    for i in rng.choice(len(rows), 12, replace=False):
        rows[i][5] = "#N/A"
    for i in rng.choice(len(rows), 30, replace=False):
        rows[i][5] = f"£{rows[i][5]:,.2f}" if isinstance(rows[i][5], float) else rows[i][5]
    for i in rng.choice(len(rows), 25, replace=False):
        rows[i][1] = f" {rows[i][1]} "
    for i in rng.choice(len(rows), 20, replace=False):
        rows[i][2] = rows[i][2].strftime("%Y-%m-%d")
    for i in sorted(rng.choice(len(rows), 15, replace=False), reverse=True):
        rows.insert(i + 1, list(rows[i]))  # duplicated lines
    rows.insert(len(rows) // 2, [None] * 7)
    return rows


def write_transactions(path: Path, rng: np.random.Generator) -> None:
    book = Workbook()
    _fixed(book)
    sheet = book.active
    sheet.title = "Transactions"
    sheet["A1"] = "Online shop: invoice lines, Jan 2023 - Dec 2024 (export from the shop system)"
    sheet["A1"].font = Font(bold=True, size=13)
    headers = ["InvoiceNo", "CustomerID", "InvoiceDate", "Description", "Quantity", "UnitPrice",
               "Country"]  # fmt: skip
    sheet.append([])
    sheet.append(headers)
    for row in transactions(rng):
        sheet.append(row)
    for row in sheet.iter_rows(min_row=4, min_col=3, max_col=3):
        row[0].number_format = "yyyy-mm-dd"
    last = sheet.max_row
    table = Table(displayName="Transactions", ref=f"A3:G{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    sheet.add_table(table)
    for letter, width in zip("ABCDEFG", (11, 12, 12, 18, 9, 10, 16)):
        sheet.column_dimensions[letter].width = width
    book.save(path)


def write_customers(path: Path, rng: np.random.Generator) -> None:
    book = Workbook()
    _fixed(book)
    sheet = book.active
    sheet.title = "Customers"
    headers = ["Customer ID", "Name", "Last Purchase", "Orders", "Total Spend", "Avg Order",
               "Region", "Channel", "Age", "Satisfaction"]  # fmt: skip
    sheet.append(headers)
    n = 1_200
    first_names = ["Alex", "Sam", "Jo", "Chris", "Pat", "Robin", "Kim", "Lee", "Max", "Ana"]
    last_names = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts"]
    segment = rng.choice(3, n, p=[0.2, 0.35, 0.45])
    for i in range(n):
        kind = segment[i]
        orders = int([rng.integers(8, 30), rng.integers(2, 8), 1][kind])
        spend = round(float(orders * rng.lognormal([4.4, 3.9, 3.5][kind], 0.4)), 2)
        days_ago = int([rng.integers(1, 45), rng.integers(30, 200), rng.integers(150, 700)][kind])
        last = dt.date(2024, 12, 31) - dt.timedelta(days=days_ago)
        name = f"{first_names[i % 10]} {last_names[(i * 7) % 8]}"
        row = i + 2
        sheet.append([
            f"C{10_000 + i:05d}",
            name,
            last,
            orders,
            spend,
            f"=E{row}/D{row}",
            ["North", "South", "East", "West"][int(rng.integers(0, 4))],
            ["Web", "App", "Store"][int(rng.choice(3, p=[0.5, 0.3, 0.2]) if kind < 2 else 0)],
            int(rng.integers(18, 80)),
            int(rng.integers(1, 6)),
        ])  # fmt: skip
    sheet["B5"] = '=HYPERLINK("http://example.com")'  # a name typed as a formula
    sheet["B5"].data_type = "s"
    sheet["B9"] = "+44 name pasted from a phone list"
    for row in sheet.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].number_format = "yyyy-mm-dd"
    for row in sheet.iter_rows(min_row=2, min_col=5, max_col=6):
        for cell in row:
            cell.number_format = "#,##0.00"
    table = Table(displayName="Customers", ref=f"A1:J{n + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
    sheet.add_table(table)
    regions = DataValidation(type="list", formula1='"North,South,East,West"', allow_blank=True)
    sheet.add_data_validation(regions)
    regions.add(f"G2:G{n + 1}")

    notes = book.create_sheet("Notes")
    notes["A1"] = "About this table"
    notes["A1"].font = Font(bold=True, color="C00000")
    notes["A2"] = "Exported from the CRM on 2025-01-01. Spend in EUR."
    notes["A2"].comment = Comment("Ask Finance before sharing.", "Analyst")
    notes["A4"] = "Customers"
    notes["B4"] = "=COUNTA(Customers!A:A)-1"
    book.defined_names["CustomerCount"] = DefinedName("CustomerCount", attr_text="Notes!$B$4")
    book.save(path)


def main() -> None:
    write_transactions(HERE / "online_shop_transactions.xlsx", np.random.default_rng(2024))
    write_customers(HERE / "customers.xlsx", np.random.default_rng(7))


if __name__ == "__main__":
    main()
