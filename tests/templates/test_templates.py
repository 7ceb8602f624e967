"""Template workbooks: rebuilt identically, open cleanly, and do what 'Start here' says."""

from __future__ import annotations

import shutil
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from addin import names
from addin.files.xlsx import FileWorkbook, cell_value
from addin.sheets.model_sheet import read_model
from addin.sheets.settings import SETTINGS
from addin.templates import TEMPLATES, sample_data, template_path
from segmentation import get_segment_map, segment_customers
from templates.build import build

from ..addin.conftest import libreoffice_convert, run_segment
from ..conftest import ooxml_errors
from .workbook_view import differences


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("rebuilt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build(folder)
    return folder


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_rebuild_shows_what_the_committed_templates_show(rebuilt, key):
    committed = template_path(key)
    problems = list(differences(committed, rebuilt / committed.name))
    assert not problems, f"{committed.name} rebuilt differs:\n" + "\n".join(problems[:20])


def test_rebuilding_twice_gives_identical_bytes(rebuilt, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = build(tmp_path)
    for path in again:
        assert path.read_bytes() == (rebuilt / path.name).read_bytes(), path.name


def test_the_comparison_names_the_sheet_and_cell_that_differ(tmp_path):
    committed = template_path("behavioural-clusters")
    changed = tmp_path / committed.name
    book = load_workbook(committed)
    sheet = book[names.CLUSTERS_SHEET]
    cell = next(c for row in sheet.iter_rows() for c in row if isinstance(c.value, float))
    cell.value *= 1 + 1e-6
    book[names.CUSTOMERS_SHEET]["A2"].value = "CU-0000"
    book.save(tmp_path / "edited.xlsx")
    with zipfile.ZipFile(tmp_path / "edited.xlsx") as source, zipfile.ZipFile(changed, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/charts/"):
                data = data.replace(b"Silhouette by number of clusters", b"Silhouette")
            out.writestr(item, data)
    problems = list(differences(committed, changed))
    assert any(
        p.startswith(f"sheet '{names.CLUSTERS_SHEET}' cell {cell.coordinate}:") for p in problems
    )
    assert any(p.startswith(f"sheet '{names.CUSTOMERS_SHEET}' cell A2: ") for p in problems)
    assert any(p.startswith(f"sheet '{names.CLUSTERS_SHEET}' charts: ") for p in problems)
    same = list(differences(committed, committed))
    assert same == []


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_committed_and_rebuilt_templates_pass_the_ooxml_check(rebuilt, key):
    committed = template_path(key)
    assert ooxml_errors(committed, rebuilt / committed.name) == []


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_templates_open_in_libreoffice_with_names_tables_and_validation(key, tmp_path):
    converted = libreoffice_convert(template_path(key), "xlsx", tmp_path)
    book = load_workbook(converted)
    assert book.sheetnames[0] == "Start here"
    assert {s.defined_name for s in SETTINGS} <= set(book.defined_names)
    settings = book[names.SETTINGS_SHEET]
    assert "SegmentMap" in settings.tables
    assert len(settings.data_validations.dataValidation) >= 6
    data_sheet = "Transactions" if key == "rfm-starter" else "Customers"
    assert data_sheet in book[data_sheet].tables or "Customers" in book[data_sheet].tables
    if key != "team-scoring":
        assert book[data_sheet].max_row > 100  # sample data is there
        assert names.SUMMARY_SHEET in book.sheetnames  # results of the last run, ready


def copy_template(key: str, folder: Path) -> Path:
    target = folder / TEMPLATES[key][0]
    shutil.copy(template_path(key), target)
    return target


def replace_table_rows(path: Path, sheet: str, table: str, frame: pd.DataFrame) -> None:
    """Paste ``frame`` into an Excel Table in place of its rows, as a user would."""
    book = load_workbook(path)
    ws = book[sheet]
    ws.delete_rows(2, ws.max_row)
    for j, header in enumerate(frame.columns, start=1):
        ws.cell(1, j, header)
    for i, row in enumerate(frame.to_numpy(dtype=object), start=2):
        for j, value in enumerate(row, start=1):
            ws.cell(i, j, cell_value(value))
    # The Table keeps its columns (earlier results included), as when a user pastes rows.
    width = max(len(frame.columns), len(ws.tables[table].tableColumns))
    ws.tables[table].ref = f"A1:{get_column_letter(width)}{len(frame) + 1}"
    book.save(path)


def values(path: Path, sheet: str) -> pd.DataFrame:
    rows = list(load_workbook(path, data_only=True)[sheet].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_rfm_starter_runs_and_writes_the_documented_outputs(tmp_path):
    path = copy_template("rfm-starter", tmp_path)
    assert run_segment("run", path, "--in-place", "-q") == 0
    book = load_workbook(path)
    assert {names.CUSTOMERS_SHEET, names.SUMMARY_SHEET, names.MODEL_SHEET} <= set(book.sheetnames)
    customers = values(path, names.CUSTOMERS_SHEET)
    assert len(customers) == 400 and customers["RFM Segment"].notna().all()
    assert book.sheetnames.count(names.CUSTOMERS_SHEET) == 1  # replaced, not duplicated


def test_messy_data_in_a_template(tmp_path):
    path = copy_template("rfm-starter", tmp_path)
    messy = sample_data.transactions(n_customers=150, seed=99).astype(object)
    messy.loc[3, "Amount"] = "#N/A"
    messy.loc[5, "Amount"] = "€1.234,50"
    messy.loc[7, "Order Date"] = "2024-03-05"
    messy.loc[9, "Customer ID"] = "  " + str(messy.loc[9, "Customer ID"]) + " "
    messy.loc[11, "Amount"] = -25.0
    messy.loc[13] = [None] * len(messy.columns)
    replace_table_rows(path, "Transactions", "Transactions", messy)
    assert run_segment("run", path, "--in-place", "-q") == 0
    customers = values(path, names.CUSTOMERS_SHEET)
    # Every customer with a purchase; one whose only line became a return is left out.
    amounts = pd.to_numeric(messy["Amount"], errors="coerce")
    purchase = messy["Amount"].notna() & messy["Amount"].ne("#N/A") & ~(amounts < 0)
    ids = messy["Customer ID"].dropna().str.strip()
    assert len(customers) == ids[purchase].nunique()
    summary = load_workbook(path, data_only=True)[names.SUMMARY_SHEET]
    text = " ".join(str(c.value) for row in summary.iter_rows() for c in row if c.value)
    assert "Excel error or missing markers were treated as blank" in text
    assert "Returns (negative amounts) were netted per customer" in text


def test_editing_the_segment_map_changes_the_segments(tmp_path):
    path = copy_template("rfm-starter", tmp_path)
    book = load_workbook(path)
    settings = book[names.SETTINGS_SHEET]
    first, _ = settings.tables["SegmentMap"].ref.split(":")
    top = int(first[1:])
    assert settings.cell(top + 1, 1).value == "Champions"
    settings.cell(top + 1, 1).value = "VIP Club"
    settings.cell(top + 1, 2).value = 5  # R Min: only the most recent customers
    book.save(path)
    assert run_segment("run", path, "--in-place", "-q") == 0
    customers = values(path, names.CUSTOMERS_SHEET)
    vip = customers["RFM Segment"] == "VIP Club"
    assert vip.any() and "Champions" not in set(customers["RFM Segment"])
    assert (customers.loc[vip, "R"] == 5).all()


def test_settings_out_of_range_name_the_cell(tmp_path, capsys):
    path = copy_template("rfm-starter", tmp_path)
    book = load_workbook(path)
    labels = {book[names.SETTINGS_SHEET].cell(r, 1).value: r for r in range(1, 20)}
    book[names.SETTINGS_SHEET].cell(labels["Score bins"], 2).value = 12
    book.save(path)
    assert run_segment("run", path, "-q") == 1
    error = capsys.readouterr().err
    row = labels["Score bins"]
    assert f"'Segmentation Settings'!B{row} (Score bins) must be a whole number from 3 to 10" in (
        error
    )
    book[names.SETTINGS_SHEET].cell(row, 2).value = 4
    book[names.SETTINGS_SHEET].cell(labels["Tie rule"], 2).value = "random"
    book.save(path)
    assert run_segment("run", path, "-q") == 1
    assert "(Tie rule) must be one of quantile, rank" in capsys.readouterr().err


def test_settings_sheet_drives_the_run(tmp_path):
    path = copy_template("behavioural-clusters", tmp_path)
    assert run_segment("run", path, "--in-place", "-q") == 0
    book = load_workbook(path)
    assert names.CLUSTERS_SHEET in book.sheetnames  # method "both" from the settings
    model = read_model(FileWorkbook(path).read_sheet(names.MODEL_SHEET))
    assert "Region=North" in model.clusters.feature_names_  # features from the settings
    assert 3 <= model.clusters.n_clusters_ <= 6


def test_team_scoring_uses_the_saved_model(tmp_path):
    path = copy_template("team-scoring", tmp_path)
    saved = read_model(FileWorkbook(path).read_sheet(names.MODEL_SHEET))
    next_month = sample_data.customers(n=150, seed=77)[
        ["Customer ID", "Last Purchase", "Orders", "Total Spend"]
    ]
    replace_table_rows(path, "Customers", "Customers", next_month)
    assert run_segment("run", path, "--in-place", "-q") == 0
    scored = values(path, "Customers")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = segment_customers(next_month, model=saved).customers
    for column in ("R", "F", "M", "RFM Segment", "Cluster", "Cluster Name"):
        assert scored[column].astype(str).tolist() == expected[column].astype(str).tolist()
    # The model itself is unchanged: next month is scored on this month's scale.
    again = read_model(FileWorkbook(path).read_sheet(names.MODEL_SHEET))
    assert again.to_json() == saved.to_json()


@pytest.mark.parametrize(
    ("key", "sample"),
    [("behavioural-clusters", sample_data.customers), ("rfm-starter", sample_data.transactions)],
)
def test_rescoring_a_template_with_its_own_saved_model_moves_no_customer(key, sample):
    path = template_path(key)
    model = read_model(FileWorkbook(path).read_sheet(names.MODEL_SHEET))
    stored = values(path, names.CUSTOMERS_SHEET)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = segment_customers(sample(), model=model).customers
    merged = stored.merge(again, on="Customer ID", suffixes=("", " again"))
    assert len(merged) == len(stored) > 100
    for column in ("RFM Segment", "Cluster", "Cluster Name"):
        if column in stored:
            moved = merged[column].astype(str) != merged[f"{column} again"].astype(str)
            assert not moved.any(), f"{moved.sum()} customers moved in {column}"


def test_model_from_one_run_applied_by_the_team_template(tmp_path):
    clusters = copy_template("behavioural-clusters", tmp_path)
    team = copy_template("team-scoring", tmp_path)
    new = sample_data.customers(n=120, seed=5)
    replace_table_rows(team, "Customers", "Customers", new[["Customer ID", "Last Purchase",
                                                            "Orders", "Total Spend"]])  # fmt: skip
    # The behavioural model clusters on attributes the team table lacks: a clear error.
    assert run_segment("run", team, "--model", clusters, "-o", tmp_path / "x.xlsx", "-q") == 1
    replace_table_rows(team, "Customers", "Customers", new)
    assert run_segment("run", team, "--model", clusters, "-o", tmp_path / "y.xlsx", "-q") == 0
    model = read_model(FileWorkbook(clusters).read_sheet(names.MODEL_SHEET))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = segment_customers(new, model=model).customers
    scored = values(tmp_path / "y.xlsx", "Customers")
    assert scored["Cluster Name"].tolist() == expected["Cluster Name"].tolist()
    assert (
        scored["RFM Segment"].astype(str).tolist() == expected["RFM Segment"].astype(str).tolist()
    )


def test_template_commands(tmp_path, capsys, monkeypatch):
    assert run_segment("template", "list") == 0
    listed = capsys.readouterr().out
    assert all(key in listed for key in TEMPLATES)
    monkeypatch.chdir(tmp_path)
    assert run_segment("template", "new", "rfm-starter") == 0
    assert (tmp_path / "RFM Starter.xlsx").read_bytes() == template_path("rfm-starter").read_bytes()
    assert run_segment("template", "new", "rfm-starter") == 1
    assert "already exists" in capsys.readouterr().err
    assert run_segment("template", "new", "nonesuch") == 1


def test_messy_customer_table_in_the_clusters_template(tmp_path):
    path = copy_template("behavioural-clusters", tmp_path)
    messy = sample_data.customers(n=300, seed=8).astype(object)
    messy.loc[2, "Total Spend"] = "$1,250.00"
    messy.loc[4, "Orders"] = "NULL"
    messy.loc[6, "Last Purchase"] = "2024-11-02"
    messy.loc[8, "Region"] = None
    messy.loc[10, "Age"] = "#VALUE!"
    replace_table_rows(path, "Customers", "Customers", messy)
    assert run_segment("run", path, "--in-place", "-q") == 0
    scored = values(path, "Customers")
    assert pd.notna(scored.loc[2, "Cluster Name"])
    assert pd.isna(scored.loc[4, "Cluster Name"])  # no order count: left out, row kept
    assert scored["Cluster Name"].notna().sum() == 299


def test_formula_sheet_shows_the_udf_and_works_without_the_add_in(tmp_path):
    book = load_workbook(template_path("rfm-starter"))
    formula = book["Formulas"]["B4"].value
    assert "SEGMENT_RFM(Transactions[#All])" in formula.text and formula.ref.startswith("B4:B")
    # LibreOffice has no SEGMENT_RFM: IFERROR shows the last run's values, not #NAME?.
    converted = libreoffice_convert(template_path("rfm-starter"), "xlsx", tmp_path)
    sheet = load_workbook(converted, data_only=True)["Formulas"]
    shown = [sheet.cell(r, 2).value for r in range(4, sheet.max_row + 1)]
    stored = [sheet.cell(r, 3).value for r in range(4, sheet.max_row + 1)]
    assert shown == stored and shown[0] == "RFM Segment" and "#NAME?" not in shown
    assert set(shown[1:]) <= set(get_segment_map("default").segments)


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_no_saved_model_holds_a_customer_id(key):
    sheet = load_workbook(template_path(key))[names.MODEL_SHEET]
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    ids = set(sample_data.customers()["Customer ID"]) | set(
        sample_data.transactions()["Customer ID"]
    )
    assert "CU-" not in text and not any(i in text for i in ids)


def test_team_scoring_predicts_customer_value_with_the_saved_parameters(tmp_path):
    from templates.build import _with_first_purchase

    path = copy_template("team-scoring", tmp_path)
    saved = read_model(FileWorkbook(path).read_sheet(names.MODEL_SHEET))
    assert saved.value is not None  # fitted once on the reference month, no customer ids
    next_month = _with_first_purchase(sample_data.customers(n=150, seed=77))[
        ["Customer ID", "First Purchase", "Last Purchase", "Orders", "Total Spend"]
    ]
    replace_table_rows(path, "Customers", "Customers", next_month)
    assert run_segment("run", path, "--in-place", "-q") == 0
    book = load_workbook(path)
    sheet = book[names.VALUE_SHEET]
    assert sheet["A2"].value.startswith("Predicted with the saved model")
    scored = values(path, "Customers")
    assert scored["Predicted CLV (12 months)"].notna().all()
    after = read_model(FileWorkbook(path).read_sheet(names.MODEL_SHEET))
    assert after.value.purchase_params_ == saved.value.purchase_params_
