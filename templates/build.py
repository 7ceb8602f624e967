"""Build the template workbooks: ``python -m templates.build``.

Each template is made from code and seeded sample data, then run through the same
pipeline as `segment run`, so its output sheets show real results. Document
properties and zip timestamps are fixed, so a rebuild gives the same files.
"""

from __future__ import annotations

import tempfile
import warnings
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import Table, TableStyleInfo

from addin import names
from addin.files.xlsx import cell_value
from addin.pipeline import RunOptions, run_pipeline
from addin.sheets.model_sheet import model_layout, read_model
from addin.sheets.settings import FIRST_SETTING_ROW, SEGMENT_MAP_TABLE, SETTINGS
from addin.templates import FOLDER, TEMPLATES, sample_data
from segmentation import get_segment_map
from templates.openpyxl_book import OpenpyxlWorkbook

FIXED = "2026-01-01T00:00:00Z"
CORE_PROPERTIES = (
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:creator>Customer segmentation templates</dc:creator>"
    f'<dcterms:created xsi:type="dcterms:W3CDTF">{FIXED}</dcterms:created>'
    f'<dcterms:modified xsi:type="dcterms:W3CDTF">{FIXED}</dcterms:modified>'
    "</cp:coreProperties>"
)
START_SHEET = "Start here"
FORMULAS_SHEET = "Formulas"
TITLE = Font(bold=True, size=16, color="1F4E78")
HEADING = Font(bold=True, size=12, color="1F4E78")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")

FORMULAS = [
    ("=SEGMENT_RFM(Transactions[#All])", "RFM segment name per row, spilled beside the data"),
    ("=RFM_SCORE(Transactions[#All])", "R, F, M and the combined score per row"),
    ("=RFM_TABLE(Transactions[#All])", "the per-customer RFM table, with a header row"),
    ("=SEGMENT_CLUSTER(Customers[#All], 4)", "behavioural cluster name per row"),
    ("=SEGMENT_PROFILE(Customers[#All], Customers[RFM Segment])", "the segment summary"),
    ("=SEGMENT_APPLY(Customers[#All], 'Segmentation Model'!A1:E100)", "score with the saved model"),
]


def _write_table(book: Workbook, sheet_name: str, table_name: str, frame: pd.DataFrame) -> None:
    sheet = book.create_sheet(sheet_name)
    sheet.append(list(frame.columns))
    rows = frame.to_numpy(dtype=object) if len(frame) else [[None] * len(frame.columns)]
    for row in rows:
        sheet.append([cell_value(v) for v in row])
    for j, column in enumerate(frame.columns, start=1):
        letter = sheet.cell(1, j).column_letter
        sheet.column_dimensions[letter].width = max(12, len(column) + 4)
        fmt = (
            "yyyy-mm-dd"
            if "Date" in column or "Purchase" in column
            else "#,##0.00"
            if column in ("Amount", "Total Spend")
            else None
        )
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
    last = sheet.cell(max(2, len(frame) + 1), len(frame.columns)).coordinate
    table = Table(displayName=table_name, ref=f"A1:{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    sheet.freeze_panes = "A2"


def _start_here(book: Workbook, title: str, purpose: str, steps: list[str]) -> None:
    sheet = book.active
    sheet.title = START_SHEET
    sheet.column_dimensions["A"].width = 4
    sheet.column_dimensions["B"].width = 62
    sheet.column_dimensions["C"].width = 60
    sheet["B2"] = title
    sheet["B2"].font = TITLE
    sheet["B3"] = purpose
    sheet["B3"].alignment = Alignment(wrap_text=True)
    row = 5
    sheet.cell(row, 2, "Three steps").font = HEADING
    for i, step in enumerate(steps, start=1):
        sheet.cell(row + i, 1, i)
        sheet.cell(row + i, 2, step).alignment = Alignment(wrap_text=True)
    row += len(steps) + 2
    sheet.cell(row, 2, "Segmentation tab on the ribbon (with the add-in installed)").font = HEADING
    buttons = [
        ("RFM Segments", "scores and named segments, written beside your table"),
        ("Cluster Segments", "behavioural clusters on R, F, M and the columns in the settings"),
        ("Segment Summary", "refreshes the Segment Summary sheet and its charts"),
        ("Apply Saved Model", "scores new customers with the model saved in this workbook"),
        ("Check Data", "the data-quality report, without changing anything"),
        ("Settings", "opens the Segmentation Settings sheet"),
    ]
    for i, (button, does) in enumerate(buttons, start=1):
        sheet.cell(row + i, 2, button).font = Font(bold=True)
        sheet.cell(row + i, 3, does)
    row += len(buttons) + 2
    sheet.cell(row, 2, "Without Excel: the command line").font = HEADING
    sheet.cell(row + 1, 2, 'segment run "this workbook.xlsx" --in-place')
    sheet.cell(row + 1, 3, "does what the ribbon buttons do, with the settings on this workbook")
    row += 3
    sheet.cell(row, 2, "Formulas (with the add-in installed)").font = HEADING
    for i, (formula, does) in enumerate(FORMULAS, start=1):
        cell = sheet.cell(row + i, 2, formula)
        cell.data_type = "s"  # shown as text: the workbook opens cleanly without the add-in
        cell.font = Font(name="Consolas")
        sheet.cell(row + i, 3, does)
    sheet.cell(row + len(FORMULAS) + 2, 2,
               "The values written by the last run stay in the sheets, so the workbook reads "
               "the same in Excel without the add-in, in LibreOffice and in viewers.")  # fmt: skip


def _settings_sheet(book: Workbook, values: dict[str, object]) -> None:
    sheet = book.create_sheet(names.SETTINGS_SHEET)
    sheet["A1"] = "Segmentation Settings"
    sheet["A1"].font = TITLE
    sheet["A2"] = (
        "Yellow cells are yours to change. The command line, the ribbon buttons and the "
        "formulas all read this sheet."
    )
    header = FIRST_SETTING_ROW - 1
    for j, text in enumerate(("Setting", "Value", "What it does"), start=1):
        sheet.cell(header, j, text).font = Font(bold=True)
    for i, setting in enumerate(SETTINGS):
        row = FIRST_SETTING_ROW + i
        sheet.cell(row, 1, setting.label)
        value = sheet.cell(row, 2, cell_value(values.get(setting.key, setting.default)))
        value.fill = INPUT_FILL
        sheet.cell(row, 3, setting.help)
        ref = f"'{names.SETTINGS_SHEET}'!$B${row}"
        book.defined_names[setting.defined_name] = DefinedName(setting.defined_name, attr_text=ref)
        if setting.choices:
            rule = DataValidation(type="list", formula1='"' + ",".join(setting.choices) + '"')
        elif setting.kind == "int":
            rule = DataValidation(
                type="whole", operator="between", formula1=str(setting.low),
                formula2=str(setting.high),
            )  # fmt: skip
        elif setting.kind == "date":
            rule = DataValidation(type="date", operator="greaterThan", formula1="1")
            value.number_format = "yyyy-mm-dd"
        else:
            continue
        rule.allow_blank = True
        rule.error = f"{setting.label}: {setting.help}"
        rule.errorTitle = "Segmentation Settings"
        rule.showErrorMessage = True
        sheet.add_data_validation(rule)
        rule.add(f"B{row}")
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 16
    sheet.column_dimensions["C"].width = 80

    map_row = FIRST_SETTING_ROW + len(SETTINGS) + 2
    sheet.cell(map_row, 1, "Segment map: first matching row wins; edit names, ranges and "
               "actions (scores 1-5; blank = any)").font = HEADING  # fmt: skip
    table = get_segment_map("default").table
    top = map_row + 1
    for j, column in enumerate(table.columns, start=1):
        sheet.cell(top, j, column)
    for i, row in enumerate(table.to_numpy(dtype=object), start=1):
        for j, value in enumerate(row, start=1):
            sheet.cell(top + i, j, cell_value(value))
    last = sheet.cell(top + len(table), len(table.columns)).coordinate
    segment_map = Table(displayName=SEGMENT_MAP_TABLE, ref=f"A{top}:{last}")
    segment_map.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    sheet.add_table(segment_map)


def normalise(path: Path) -> None:
    """Fixed timestamps inside the package, so rebuilding does not change the file."""
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            if info.filename == "docProps/core.xml":
                data = CORE_PROPERTIES.encode("utf-8")  # the same bytes with or without lxml
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)


def _formula_sheet(book: OpenpyxlWorkbook) -> None:
    """The UDF in place: =SEGMENT_RFM(...) live with the add-in, last run's values without.

    IFERROR falls back to the stored values when the function is unknown (no add-in,
    LibreOffice, viewers), so the sheet never shows #NAME?.
    """
    tables = {t.name: t for t in book.tables()}
    transactions = book.read_table(tables["Transactions"])
    customers = book.read_table(tables[names.CUSTOMERS_TABLE])
    segment_of = dict(zip(customers["Customer ID"], customers["RFM Segment"]))
    last_run = ["RFM Segment", *transactions["Customer ID"].map(segment_of).fillna("")]
    sheet = book.book.create_sheet(FORMULAS_SHEET, 2)
    sheet["A1"] = "Formulas"
    sheet["A1"].font = TITLE
    sheet["A2"] = (
        "Column B is =SEGMENT_RFM(Transactions[#All]): live with the add-in; without it, "
        "IFERROR shows the last run's values from column C. Resize the range to your data."
    )
    first = 4
    last = first + len(last_run) - 1
    sheet.cell(first - 1, 1, "Customer ID").font = Font(bold=True)
    sheet.cell(first - 1, 2, "Formula result").font = Font(bold=True)
    sheet.cell(first - 1, 3, "Last run").font = Font(bold=True)
    for i, customer in enumerate(["Customer ID", *transactions["Customer ID"]], start=first):
        sheet.cell(i, 1, cell_value(customer))
    for i, value in enumerate(last_run, start=first):
        sheet.cell(i, 3, value)
    sheet[f"B{first}"] = ArrayFormula(
        f"B{first}:B{last}", f"=IFERROR(SEGMENT_RFM(Transactions[#All]),C{first}:C{last})"
    )
    for letter, width in (("A", 14), ("B", 22), ("C", 22)):
        sheet.column_dimensions[letter].width = width


def _run(path: Path, options: RunOptions) -> OpenpyxlWorkbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = OpenpyxlWorkbook(path)
        run_pipeline(book, options)
    return book


def _finish(book: OpenpyxlWorkbook, target: Path) -> None:
    book.book.active = 0
    book.book.properties.creator = "Customer segmentation templates"
    book.save(target)
    normalise(target)


def build_rfm_starter(target: Path, folder: Path) -> None:
    book = Workbook()
    _start_here(
        book,
        "RFM Starter",
        "Scores every customer on recency, frequency and monetary value and names their "
        "segment (Champions, Loyal, At Risk, ...), with a summary that says which segments "
        "matter most and what to do about each.",
        [
            "Replace the rows of the Transactions table with your own order lines (customer, "
            "order date, amount; an order id makes frequency count orders, not lines).",
            "Check the Segmentation Settings sheet: bins, tie rule, analysis date, and the "
            "segment map (rename segments or change their score ranges there).",
            "Click RFM Segments on the Segmentation tab (or run the command below). Read the "
            "Segment Summary sheet: segments in priority order, with an action for each.",
        ],
    )
    _write_table(book, "Transactions", "Transactions", sample_data.transactions())
    _settings_sheet(book, {"method": "rfm"})
    draft = folder / "rfm.xlsx"
    book.save(draft)
    done = _run(draft, RunOptions())
    _formula_sheet(done)
    _finish(done, target)


def build_behavioural_clusters(target: Path, folder: Path) -> None:
    book = Workbook()
    _start_here(
        book,
        "Behavioural Clusters",
        "Groups customers by how they buy (recency, frequency, spend) and by who they are "
        "(age, tenure, satisfaction, region, plan) into 3 to 6 clusters with readable names, "
        "checked for size, separation and real differences.",
        [
            "Replace the rows of the Customers table with your customers (one row each: last "
            "purchase date or days since, number of orders, total spend, any attributes).",
            "On Segmentation Settings, list the attributes to cluster on and the range of "
            "cluster counts to try (3 to 6 is what campaigns can act on).",
            "Click Cluster Segments (or run the command below). The Cluster Profiles sheet "
            "shows each cluster's profile, the validation figures and how k was chosen.",
        ],
    )
    _write_table(book, "Customers", "Customers", sample_data.customers())
    _settings_sheet(
        book,
        {"method": "both", "features": "Age, Tenure Months, Satisfaction, Region, Plan"},
    )
    draft = folder / "clusters.xlsx"
    book.save(draft)
    _finish(_run(draft, RunOptions()), target)


def _with_first_purchase(customers):
    """Customer value from a customer table needs each customer's first purchase date:
    here the tenure before the last purchase."""
    import pandas as pd

    tenure = pd.to_timedelta(customers["Tenure Months"] * 30, unit="D")
    first = customers["Last Purchase"] - tenure
    return customers.assign(**{"First Purchase": first.dt.normalize()})


def build_team_scoring(target: Path, folder: Path) -> None:
    # The team's model: fitted once on a reference month of customers.
    reference = Workbook()
    _write_table(
        reference, "Customers", "Customers", _with_first_purchase(sample_data.customers(seed=31))
    )
    del reference["Sheet"]
    _settings_sheet(reference, {"method": "both"})
    reference_path = folder / "reference.xlsx"
    reference.save(reference_path)
    fitted = _run(reference_path, RunOptions())
    model_rows = fitted.read_sheet(names.MODEL_SHEET)

    book = Workbook()
    _start_here(
        book,
        "Team Scoring",
        "Holds the team's fitted segmentation model, so every team scores new customers on "
        "the same scale: a 'Champion' this month means what it meant last month.",
        [
            "Paste next month's customers into the Customers table (customer id, first "
            "and last purchase dates, orders, total spend).",
            "Leave 'Use saved model' at yes on Segmentation Settings.",
            "Click Apply Saved Model (or run the command below): segments and clusters on "
            "the saved scale appear beside each customer, with a fresh summary.",
            "Next month, paste the new customers over the old and click Apply Saved Model "
            "again (or Compare with Last Run): Previous Segment and Movement appear beside "
            "each customer, and a Segment Changes sheet shows who moved where.",
        ],
    )
    empty = _with_first_purchase(sample_data.customers()).iloc[:0][
        ["Customer ID", "First Purchase", "Last Purchase", "Orders", "Total Spend"]
    ]
    _write_table(book, "Customers", "Customers", empty)
    _settings_sheet(book, {"method": "both", "use_saved_model": "yes"})
    draft = folder / "team.xlsx"
    book.save(draft)
    team = OpenpyxlWorkbook(draft)
    model = read_model(model_rows)
    record = {
        "input_sheet": "Customers",
        "input_table": "Customers",
        "written_columns": [],
        "output_sheets": [names.MODEL_SHEET],
    }
    team.write_sheet(model_layout(model, record))
    _finish(team, target)


BUILDERS = {
    "rfm-starter": build_rfm_starter,
    "behavioural-clusters": build_behavioural_clusters,
    "team-scoring": build_team_scoring,
}


def build(folder: Path = FOLDER) -> list[Path]:
    """Build every template into ``folder``; returns the paths written."""
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        for key, builder in BUILDERS.items():
            target = Path(folder) / TEMPLATES[key][0]
            builder(target, Path(scratch))
            written.append(target)
    return written


if __name__ == "__main__":
    for path in build():
        print(f"built {path}")
