"""`segment addin selftest`: every button and every worksheet function, run in Excel.

Runs on a machine with Excel and the installed add-in. It opens a new workbook through
xlwings, pastes sample data, runs each ribbon action's Python on it (the same function
the button calls) and enters each worksheet function as a formula, lets Excel calculate,
and checks what landed in the cells. The result is a pass/fail table.

The checks are data (:data:`CHECKS`); a test on Linux keeps them in step with the
ribbon's buttons and the functions in :mod:`addin.udfs`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from addin import names
from segmentation import names as columns

LOG_SHEET = "Selftest Log"
CUSTOMERS_SHEET = "Selftest Customers"


@dataclass(frozen=True)
class Check:
    name: str
    covers: str  # a ribbon tag or a worksheet function name
    run: Callable[[object], str | None]  # the book -> None when passed, else what failed


def _paste(book, sheet_name: str, frame) -> str:
    """Paste a DataFrame at A1 of a new sheet; returns its address as a formula range."""
    sheet = book.sheets.add(sheet_name)
    values = [list(map(str, frame.columns)), *frame.astype(object).values.tolist()]
    sheet.range("A1").value = values
    last = sheet.range((len(values), len(frame.columns))).get_address(False, False)
    return f"'{sheet_name}'!A1:{last}"


def _import_sample(book) -> str | None:
    import tempfile

    from addin.excel.buttons import import_log
    from addin.templates import sample_data

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.csv"
        sample_data.transactions(50).to_csv(path, index=False)
        before = {s.name for s in book.sheets}
        import_log(book, str(path))
    added = [s.name for s in book.sheets if s.name not in before]
    if not added:
        return "no sheet was added"
    return (
        None
        if book.sheets[added[0]].range("A1").value == columns.CUSTOMER_ID
        else ("the new sheet does not start with a Customer ID header")
    )


def _help(book) -> str | None:
    from addin.excel.buttons import ACTIONS
    from addin.installer.ribbon import BUTTONS

    text = ACTIONS["help"](book)
    missing = [b.label for b in BUTTONS if b.tag != "help" and b.label not in text]
    return f"the help text does not mention {', '.join(missing)}" if missing else None


def _action(tag: str, sheet: str, expect_sheets: tuple[str, ...]) -> Callable[[object], str | None]:
    def check(book) -> str | None:
        from addin.excel.buttons import ACTIONS

        book.sheets[sheet].activate()
        book.sheets[sheet].range("A2").select()
        ACTIONS[tag](book)
        present = [s.name for s in book.sheets]
        missing = [s for s in expect_sheets if s not in present]
        if missing:
            return f"sheets missing: {', '.join(missing)}"
        if names.SUMMARY_SHEET in expect_sheets and not book.sheets[names.SUMMARY_SHEET].charts:
            return "the summary sheet has no charts"
        return None

    return check


@dataclass(frozen=True)
class FormulaCheck:
    """A worksheet function entered as a formula; ``arguments`` name sample ranges
    ("log", "customers", "model": the saved model sheet's used range) or nest another
    check's formula ("=NAME")."""

    function: str
    arguments: tuple[str, ...]
    first_cell: str  # what the spilled result's top-left cell must say

    def formula(self, ranges: dict[str, str]) -> str:
        return f"{self.function}({', '.join(self._argument(a, ranges) for a in self.arguments)})"

    def _argument(self, argument: str, ranges: dict[str, str]) -> str:
        if argument.startswith("="):
            return FORMULAS[argument[1:]].formula(ranges)
        return ranges[argument]


FORMULAS = {
    check.function: check
    for check in (
        FormulaCheck("SEGMENT_RFM", ("customers",), columns.RFM_SEGMENT),
        FormulaCheck("RFM_SCORE", ("customers",), columns.R_SCORE),
        FormulaCheck("RFM_TABLE", ("log",), columns.CUSTOMER_ID),
        FormulaCheck("SEGMENT_CLUSTER", ("customers",), columns.CLUSTER_NAME),
        FormulaCheck("SEGMENT_PROFILE", ("customers", "=SEGMENT_RFM"), "Segment"),
        FormulaCheck("SEGMENT_APPLY", ("customers", "model"), columns.RFM_SEGMENT),
        FormulaCheck("SEGMENT_CLV", ("log",), f"{columns.EXPECTED_PURCHASES} (12 months)"),
        FormulaCheck(
            "SEGMENT_CHANGES", ("=SEGMENT_RFM", "=SEGMENT_RFM"), columns.PREVIOUS_SEGMENT
        ),  # fmt: skip
    )
}


def _formula(check: FormulaCheck, ranges: dict[str, str]) -> Callable[[object], str | None]:
    def run(book) -> str | None:
        model = book.sheets[names.MODEL_SHEET].used_range.get_address(False, False)
        filled = {**ranges, "model": f"'{names.MODEL_SHEET}'!{model}"}
        sheet = book.sheets.add(f"Selftest {check.function}")
        cell = sheet.range("A1")
        cell.formula2 = "=" + check.formula(filled)
        book.app.calculate()
        value = cell.value
        return None if value == check.first_cell else f"top-left cell is {value!r}"

    return run


def checks(log: str, customers: str) -> list[Check]:
    """Every ribbon action, then every worksheet function (they need the saved model)."""
    ranges = {"log": log, "customers": customers}
    summary = (names.SUMMARY_SHEET, names.MODEL_SHEET)
    return [
        Check("Check Data on a transaction log", "check", _action("check", LOG_SHEET, ())),
        Check("RFM Segments on a transaction log", "rfm",
              _action("rfm", LOG_SHEET, (names.CUSTOMERS_SHEET, *summary))),
        Check("Cluster Segments on a customer table", "cluster",
              _action("cluster", CUSTOMERS_SHEET, (names.CLUSTERS_SHEET, *summary))),
        Check("Segment Summary", "summary", _action("summary", CUSTOMERS_SHEET, summary)),
        Check("Apply Saved Model", "apply", _action("apply", CUSTOMERS_SHEET, summary)),
        Check("Compare with Last Run", "compare",
              _action("compare", CUSTOMERS_SHEET, (names.CHANGES_SHEET, *summary))),
        Check("Settings", "settings", _action("settings", CUSTOMERS_SHEET,
                                              (names.SETTINGS_SHEET,))),
        Check("Import Log from a CSV file", "import", _import_sample),
        Check("Campaign on the segmented customers", "campaign", _campaign),
        Check("Readout of that campaign", "readout", _readout),
        Check("Help", "help", _help),
        Check("Customer Value on a transaction log", "value",
              _action("value", LOG_SHEET, (names.VALUE_SHEET, *summary))),
        *(
            Check(f"{name} as a formula", name, _formula(check, ranges))
            for name, check in FORMULAS.items()
        ),
    ]  # fmt: skip


SELFTEST_CAMPAIGN = "Selftest"


def _set(book, label: str, value: object) -> None:
    """A value on the Settings sheet, in the row of its label."""
    sheet = book.sheets[names.SETTINGS_SHEET]
    used = sheet.used_range
    rows = used.options(ndim=2).value
    row = next(used.row + i for i, cells in enumerate(rows) if cells and cells[0] == label)
    sheet.range((row, 2), (row, 2)).value = [[value]]


def _campaign(book) -> str | None:
    from addin.campaign_pipeline import segmented_table
    from addin.excel.adapter import ExcelWorkbook
    from addin.excel.buttons import ACTIONS

    table = segmented_table(ExcelWorkbook(book))
    segments = sorted({str(s) for s in table.frame[table.segment_column].dropna()})
    _set(book, "Campaign name", SELFTEST_CAMPAIGN)
    _set(book, "Campaign segments", ", ".join(segments))
    ACTIONS["campaign"](book)
    sheet = f"{names.CAMPAIGN_PREFIX}{SELFTEST_CAMPAIGN}"
    return None if sheet in [s.name for s in book.sheets] else f"no sheet '{sheet}'"


def _readout(book) -> str | None:
    import tempfile

    from addin.campaign_pipeline import campaign_customers, find_campaign
    from addin.excel.adapter import ExcelWorkbook
    from addin.excel.buttons import readout_from

    workbook = ExcelWorkbook(book)
    record, _ = find_campaign(workbook, SELFTEST_CAMPAIGN)
    listed = campaign_customers(workbook, record)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "responses.csv"
        listed.assign(Response=[i % 2 for i in range(len(listed))])[
            [columns.CUSTOMER_ID, "Response"]
        ].to_csv(path, index=False)
        readout_from(book, str(path))
    sheet = f"{names.READOUT_PREFIX}{SELFTEST_CAMPAIGN}"
    if sheet not in [s.name for s in book.sheets]:
        return f"no sheet '{sheet}'"
    return None if book.sheets[sheet].charts else "the readout sheet has no chart"


def run_checks(book, to_run: list[Check]) -> list[tuple[str, bool, str]]:
    """Each check's name, whether it passed, and what failed; one failure stops nothing."""
    results = []
    for check in to_run:
        try:
            problem = check.run(book)
        except Exception as exc:  # a self-test reports every failure, whatever its type
            problem = f"{type(exc).__name__}: {exc}"
        results.append((check.name, problem is None, problem or ""))
    return results


def table(results: list[tuple[str, bool, str]]) -> str:
    width = max(len(name) for name, _, _ in results)
    lines = [f"{'check':<{width}}  result", f"{'-' * width}  ------"]
    lines += [
        f"{name:<{width}}  {'pass' if ok else 'FAIL: ' + problem}" for name, ok, problem in results
    ]
    passed = sum(ok for _, ok, _ in results)
    return "\n".join([*lines, f"{passed} of {len(results)} passed"])


def selftest() -> tuple[str, bool]:
    """Run every check in a new, hidden Excel workbook; returns the table and success."""
    import xlwings as xw

    from addin.installer.install import ADDIN_NAME
    from addin.templates import sample_data

    with xw.App(visible=False, add_book=False) as app:
        # Excel started through automation does not load add-ins: open ours, or the
        # worksheet functions would be unknown (#NAME?).
        addin = Path(app.startup_path) / ADDIN_NAME
        if not addin.exists():
            return f"{addin} is not there: run `segment addin install` first.", False
        app.books.open(str(addin))
        book = app.books.add()
        log = _paste(book, LOG_SHEET, sample_data.transactions(120))
        customers = _paste(book, CUSTOMERS_SHEET, sample_data.customers(200))
        results = run_checks(book, checks(log, customers))
        book.close()
    return table(results), all(ok for _, ok, _ in results)
