"""Corpus cases about cell values: dates in every national order, amounts, ids, headers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tests.corpus.builders import HEADERS, Rows, log_rows, write_csv, write_xlsx
from tests.corpus.cases import WORKBOOK, Case

# Name, strftime format: the orders of a year of real exports.
DATE_ORDERS = (
    ("iso", "%Y-%m-%d"),
    ("us", "%m/%d/%Y"),
    ("uk", "%d/%m/%Y"),
    ("german", "%d.%m.%Y"),
    ("dutch", "%d-%m-%Y"),
    ("japanese", "%Y/%m/%d"),
    ("us-short-year", "%m/%d/%y"),
    ("uk-short-year", "%d/%m/%y"),
    ("day-month-name", "%d %b %Y"),
    ("month-name-day", "%b %d, %Y"),
    ("day-full-month", "%d %B %Y"),
    ("compact", "%Y%m%d"),
    ("iso-time", "%Y-%m-%dT%H:%M:%S"),
    ("us-time", "%m/%d/%Y %H:%M"),
    ("uk-time", "%d/%m/%Y %H:%M"),
)


def _csv(name: str, rows: Rows, **options) -> Callable[[Path], Path]:
    return lambda folder: write_csv(folder / name, rows, **options)


def _xlsx(name: str, rows: Rows, **options) -> Callable[[Path], Path]:
    return lambda folder: write_xlsx(folder / name, rows, **options)


def _with(rows: Rows, changes: dict[tuple[int, int], object]) -> Rows:
    copied = [list(r) for r in rows]
    for (i, j), value in changes.items():
        copied[i][j] = value
    return copied


def _date_cases() -> list[Case]:
    cases = []
    for name, fmt in DATE_ORDERS:
        rows, as_of = log_rows(lambda d, f=fmt: (d + pd.Timedelta(hours=10)).strftime(f))
        cases.append(Case(f"dates-{name}", _csv(f"{name}.csv", rows), as_of=as_of, rows=rows))
    # Day and month both 12 or less: the data cannot tell the order.
    us, us_as_of = log_rows(lambda d: d.strftime("%m/%d/%Y"), small_days=True)
    uk, uk_as_of = log_rows(lambda d: d.strftime("%d/%m/%Y"), small_days=True)
    de, de_as_of = log_rows(lambda d: d.strftime("%d.%m.%Y"), small_days=True)
    uk2, uk2_as_of = log_rows(lambda d: d.strftime("%d/%m/%y"), small_days=True)
    note = "read month first"
    cases += [
        Case("ambiguous-us-dates-noted", _csv("us.csv", us), notes=(note,), as_of=us_as_of),
        Case("ambiguous-uk-dates-noted", _csv("uk.csv", uk), notes=(note,), rows=uk),
        Case("ambiguous-uk-dates-dmy-flag", _csv("uk.csv", uk), flags=("--date-format", "DMY"),
             absent=(note,), as_of=uk_as_of),
        Case("ambiguous-uk-short-year-dmy", _csv("uk2.csv", uk2), flags=("--date-format", "dmy"),
             as_of=uk2_as_of),
        Case("ambiguous-uk-dates-strftime-flag", _csv("uk.csv", uk),
             flags=("--date-format", "%d/%m/%Y"), as_of=uk_as_of),
        Case("german-dots-never-ambiguous", _csv("de.csv", de), absent=(note,), as_of=de_as_of),
        Case("as-of-ambiguous-refused", _csv("uk.csv", uk), flags=("--as-of", "01/02/2025"),
             refuse=("'01/02/2025' reads as 2 January 2025", "--date-format DMY")),
        Case("as-of-read-in-the-given-order", _csv("uk.csv", uk),
             flags=("--as-of", "01/02/2025", "--date-format", "DMY"), as_of="2025-02-01"),
        Case("as-of-not-a-date", _csv("uk.csv", uk), flags=("--as-of", "soon"),
             refuse=("'soon' is not a date",)),
        Case("date-format-bad-value", _csv("uk.csv", uk), flags=("--date-format", "DD-MM"),
             refuse=("--date-format must be DMY, MDY or YMD",)),
    ]  # fmt: skip
    zones = iter(["+01:00", "+02:00", "-05:00", "Z"] * 20)
    offsets, offsets_as_of = log_rows(lambda d: d.strftime("%Y-%m-%dT10:30:00") + next(zones))
    cases.append(
        Case("iso-dates-with-mixed-offsets", _csv("offsets.csv", offsets),
             notes=("Time-zone offsets were ignored",), as_of=offsets_as_of, rows=offsets)
    )  # fmt: skip
    serials, serials_as_of = log_rows(lambda d: (d - pd.Timestamp("1899-12-30")).days)
    cases.append(Case("dates-as-excel-serials", _xlsx("serials.xlsx", serials),
                      notes=("Dates as Excel serials were converted",), as_of=serials_as_of,
                      commands=WORKBOOK, rows=serials))  # fmt: skip
    real, real_as_of = log_rows(lambda d: d)
    mixed = _with(real, {(1, 1): real[1][1].strftime("%Y-%m-%d"), (2, 1): 45300})
    cases.append(Case("dates-mixed-types-in-one-column", _xlsx("mixed.xlsx", mixed),
                      notes=("Dates stored as text were converted",), commands=WORKBOOK,
                      rows=mixed))  # fmt: skip
    future = _with(real, {(5, 1): pd.Timestamp("2099-01-02")})
    cases += [
        Case("future-dates-refused", _xlsx("future.xlsx", future), commands=WORKBOOK,
             refuse=("Column 'Order Date' has 1 date after today", "2099-01-02", "(row 6)",
                     "--as-of"), rows=future),
        Case("future-dates-with-an-analysis-date", _xlsx("future.xlsx", future),
             flags=("--as-of", "2024-12-31"), commands=WORKBOOK, as_of="2024-12-31",
             notes=("Transactions on or after the analysis date were left out: 1",)),
        Case("a-date-that-is-not-a-date", _csv("bad.csv", _with(real, {(4, 1): "next week"})),
             refuse=("Column 'Order Date'", "(row 5: 'next week')", "2024-03-31")),
    ]  # fmt: skip
    return cases


def _amount_cases() -> list[Case]:
    base, as_of = log_rows()
    refund = _with(base, {(3, 2): "(12.00)", (4, 2): -3.5})
    returns_only = [HEADERS] + [[r[0], r[1], -abs(r[2])] for r in base[1:]]
    one_returner = base + [["C999", "2024-02-14", -40.0]]
    blanks = _with(base, {(2, 2): None, (7, 2): "#N/A", (8, 2): "-"})
    all_blank = [HEADERS] + [[r[0], r[1], None] for r in base[1:]]
    return [
        Case("amounts-true-false-in-a-workbook", _xlsx("bool.xlsx", _with(base, {(2, 2): True,
             (5, 2): False})), commands=WORKBOOK, refuse=("'Amount' has 2 TRUE/FALSE values",
             "rows 3, 6"), rows=_with(base, {(2, 2): True, (5, 2): False})),
        Case("amounts-true-false-as-text", _csv("bool.csv", _with(base, {(2, 2): "TRUE"})),
             refuse=("Column 'Amount' has 1 value that is not a number", "(row 3: 'TRUE')")),
        Case("amounts-currency-text", _csv("money.csv", _with(base, {(1, 2): "$1,234.50",
             (2, 2): "$ 12.00", (3, 2): "USD 7.25", (4, 2): "(8.00 USD)"})),
             notes=("Numbers stored as text were converted",), as_of=as_of),
        Case("amounts-swedish-kronor", _csv("sek.csv", _with(base, {(1, 2): "1 200,00 kr",
             (2, 2): "12,50 kr"}), separator=";"), notes=("Numbers stored as text",),
             as_of=as_of),
        Case("amounts-mixed-currencies", _csv("mixed.csv", _with(base, {(1, 2): "€100",
             (2, 2): "$100", (5, 2): "100 EUR"})), refuse=("Column 'Amount' mixes currencies:",
             "EUR (rows 2, 6)", "USD (row 3)", "convert them to one currency")),
        Case("amounts-mixed-currencies-duckdb", _csv("mixed.csv", _with(base, {(1, 2): "€100",
             (2, 2): "$100"})), flags=("--engine", "duckdb"),
             refuse=("Column 'Amount' mixes currencies: EUR, e.g. '€100'; USD",)),
        Case("amounts-european-text", _csv("eu.csv", _with(base, {(1, 2): "1.234,50",
             (2, 2): "12,5"}), separator=";"), notes=("Numbers stored as text",), as_of=as_of),
        Case("amounts-bracketed-returns", _csv("refund.csv", refund),
             notes=("Returns (negative amounts) were netted per customer: 2",), as_of=as_of,
             rows=refund),
        Case("amounts-huge", _csv("huge.csv", _with(base, {(2, 2): 1e308, (3, 2): "9e300"})),
             refuse=("Column 'Amount' has 2 amounts beyond", "rows 3, 4")),
        Case("amounts-tiny", _csv("tiny.csv", [HEADERS] + [[r[0], r[1], 1e-7] for r in base[1:]]),
             as_of=as_of),
        Case("amounts-with-text", _csv("text.csv", _with(base, {(6, 2): "call me"})),
             refuse=("Column 'Amount' has 1 value that is not a number", "(row 7: 'call me')",
                     "Correct or clear those cells")),
        Case("amounts-with-excel-errors-and-blanks", _csv("blanks.csv", blanks),
             notes=("Rows without an amount were left out: 3",
                    "Excel error or missing markers were treated as blank"), rows=blanks),
        Case("amounts-all-blank", _csv("allblank.csv", all_blank),
             refuse=("No usable rows", "amount = 'Amount'")),
        Case("returns-only-log", _csv("returns.csv", returns_only),
             refuse=("every amount in column 'Amount' is negative",), rows=returns_only),
        Case("a-customer-with-only-returns", _csv("returner.csv", one_returner),
             notes=("Customers with returns but no purchases were left out: 1",), as_of=as_of,
             rows=one_returner),
        Case("amounts-numbers-and-text-mixed", _xlsx("mixed.xlsx", _with(base, {(1, 2): "12.50",
             (2, 2): " 7 "})), commands=WORKBOOK, notes=("Numbers stored as text",),
             as_of=as_of),
    ]  # fmt: skip


def _id_cases() -> list[Case]:
    base, as_of = log_rows()
    numbers = [HEADERS] + [[int(r[0][1:]), r[1], r[2]] for r in base[1:]]
    zeros = [HEADERS] + [["00" + r[0][1:], r[1], r[2]] for r in base[1:]]
    big = [HEADERS] + [[1.2345678901234567e16 + 2 * i, r[1], r[2]] for i, r in enumerate(base[1:])]
    point_zero = _with(zeros, {(1, 0): "1.0", (2, 0): "1"})
    spaced = _with(base, {(1, 0): " C001", (2, 0): "C001  "})
    formula_like = _with(base, {(1, 0): "=1+1", (4, 0): "+SUM(A1)", (7, 0): "@cmd", (10, 0): "-2"})
    unicode_ids = [HEADERS] + [[f"客户-{r[0]}", r[1], r[2]] for r in base[1:]]
    rtl_ids = [HEADERS] + [[f"عميل {r[0]}", r[1], r[2]] for r in base[1:]]
    no_ids = _with(base, {(3, 0): None, (9, 0): "NULL"})
    return [
        Case("ids-numbers-leading-zeros-lost", _xlsx("numbers.xlsx", numbers),
             commands=WORKBOOK, as_of=as_of, rows=numbers),
        Case("ids-text-leading-zeros-kept", _csv("zeros.csv", zeros), as_of=as_of, rows=zeros),
        Case("ids-beyond-15-digits-in-a-workbook", _xlsx("big.xlsx", big), commands=WORKBOOK,
             refuse=("ids stored as numbers too long to be exact", "Store the ids as text"),
             rows=big),
        Case("ids-101-and-101-point-0", _csv("pointzero.csv", point_zero),
             notes=("Ids written with a decimal point (101.0) were read",), as_of=as_of),
        Case("ids-longer-than-a-cell", _csv("long.csv", _with(base, {(2, 0): "x" * 40_000})),
             refuse=("longer than 32,767 characters (row 3)",)),
        Case("ids-with-spaces", _csv("spaced.csv", spaced),
             notes=("Spaces around customer ids were removed: 2",), as_of=as_of, rows=spaced),
        Case("ids-that-look-like-formulas", _csv("formulas.csv", formula_like), as_of=as_of,
             rows=formula_like),
        Case("ids-chinese", _csv("zh.csv", unicode_ids), as_of=as_of, rows=unicode_ids),
        Case("ids-arabic", _csv("ar.csv", rtl_ids, encoding="utf-8-sig"), as_of=as_of,
             rows=rtl_ids),
        Case("ids-missing-on-some-rows", _csv("noids.csv", no_ids),
             notes=("Rows without a customer id were left out: 2",), rows=no_ids),
    ]  # fmt: skip


def _header_cases() -> list[Case]:
    base, as_of = log_rows()
    german = [["Kunden-Nr.", "Bestelldatum", "Betrag (€)"], *base[1:]]
    arabic = [["رقم العميل", "التاريخ", "المبلغ"], *base[1:]]
    hebrew = [["מספר לקוח", "Order Date", "Amount"], *base[1:]]
    doubled = [["Customer ID", "Order Date", "Amount", "Amount"], *[[*r, 1.0] for r in base[1:]]]
    spaced = [["  customer_id ", "ORDER DATE", "amount (€)"], *base[1:]]
    units = [HEADERS, ["text", "dd/mm/yyyy", "EUR"], *base[1:]]
    totals = base + [["Total", None, round(sum(r[2] for r in base[1:]), 2)]]
    return [
        Case("headers-german", _csv("de.csv", german, separator=";"),
             refuse=("Missing columns for a transaction log", "'Kunden-Nr.', 'Bestelldatum'",
                     "--column customer_id=")),
        Case("headers-german-named-by-flags", _csv("de.csv", german, separator=";"),
             flags=("--column", "customer_id=Kunden-Nr.", "--column", "date=Bestelldatum",
                    "--column", "amount=Betrag (€)"), as_of=as_of),
        Case("headers-arabic", _csv("ar.csv", arabic, encoding="utf-8-sig"),
             refuse=("Missing columns", "'رقم العميل'"), rows=arabic),
        Case("headers-arabic-named-by-flags", _csv("ar.csv", arabic, encoding="utf-8-sig"),
             flags=("--column", "customer_id=رقم العميل", "--column", "date=التاريخ",
                    "--column", "amount=المبلغ"), as_of=as_of),
        Case("headers-hebrew-id", _xlsx("he.xlsx", hebrew), commands=WORKBOOK,
             flags=("--column", "customer_id=מספר לקוח"), as_of=as_of),
        Case("headers-repeated-amount-csv", _csv("dup.csv", doubled),
             refuse=("2 columns are headed 'Amount' (the 3rd and 4th columns)",
                     "--column amount='Amount (2)'"), rows=doubled),
        Case("headers-repeated-amount-workbook", _xlsx("dup.xlsx", doubled), commands=WORKBOOK,
             refuse=("2 columns are headed 'Amount'",)),
        Case("headers-repeated-amount-chosen", _csv("dup.csv", doubled),
             flags=("--column", "amount=Amount (2)"), as_of=as_of),
        Case("headers-odd-case-and-spaces", _csv("spaced.csv", spaced), as_of=as_of, rows=spaced),
        Case("headers-two-rows", _csv("units.csv", units),
             refuse=("Column 'Order Date'", "(row 2: 'dd/mm/yyyy')"), rows=units),
        Case("totals-row-at-the-bottom", _xlsx("totals.xlsx", totals), commands=WORKBOOK,
             notes=("Rows without a date were left out: 1",), as_of=as_of, rows=totals),
        Case("group-header-row-above-the-headers", _xlsx("group.xlsx", base,
             top_rows=[["Customer", "Sales 2024", None]], merged=["B1:C1"]),
             commands=WORKBOOK, notes=("headers on row 2",), as_of=as_of),
        Case("title-merged-over-the-table", _xlsx("title.xlsx", base,
             top_rows=[["Export of all orders", None, None], [None, None, None]],
             merged=["A1:C1"]), commands=WORKBOOK, notes=("headers on row 3",), as_of=as_of),
        Case("filtered-table-with-hidden-rows", _xlsx("filtered.xlsx", base, hidden=[3, 4, 9],
             table="Orders"), commands=WORKBOOK, as_of=as_of,
             notes=("Rows read: 36; rows used: 36; customers: 12",)),
        Case("customer-table-with-frequency-zero", _xlsx("customers.xlsx", [
             ["Customer ID", "Recency", "Frequency", "Monetary"],
             *[[f"K{i}", i * 7, i % 5, 10.0 * i] for i in range(1, 16)]]), commands=WORKBOOK),
        Case("customer-table-negative-frequency", _xlsx("customers.xlsx", [
             ["Customer ID", "Recency", "Frequency", "Monetary"],
             *[[f"K{i}", i * 7, 2 - i, 10.0 * i] for i in range(1, 16)]]), commands=WORKBOOK,
             refuse=("Column 'Frequency' has negative values (rows 4, 5",)),
    ]  # fmt: skip


def cases() -> list[Case]:
    return [*_date_cases(), *_amount_cases(), *_id_cases(), *_header_cases()]
