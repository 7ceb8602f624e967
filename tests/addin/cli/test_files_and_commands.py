"""CSV and Parquet inputs, the profile and validate commands, and the layouts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from addin import names
from addin.cli.main import build_parser
from addin.sheets import layout
from addin.sheets.model_sheet import model_layout, read_model, read_record
from segmentation import segment_customers

from ..conftest import layout_cells, run_segment


@pytest.fixture
def log_frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 600
    return pd.DataFrame(
        {
            "Customer No": [f"{i:05d}" for i in rng.integers(0, 120, n)],  # leading zeros
            "Order Date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "Sales": np.round(rng.lognormal(3, 1, n), 2),
        }
    )


def test_csv_with_semicolons_and_windows_encoding(tmp_path, log_frame):
    source = tmp_path / "export.csv"
    frame = log_frame.assign(Store=["Köln"] * len(log_frame))
    frame.to_csv(source, sep=";", index=False, encoding="cp1252", decimal=",")
    assert run_segment("run", source, "-q") == 0
    sheet = load_workbook(tmp_path / "export.segmented.xlsx")[names.CUSTOMERS_SHEET]
    ids = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]
    assert len(ids) == log_frame["Customer No"].nunique()
    assert ids[0].startswith("0") and all(isinstance(i, str) for i in ids)
    monetary = {sheet.cell(r, 1).value: sheet.cell(r, 5).value for r in range(2, sheet.max_row + 1)}
    expected = log_frame.groupby("Customer No")["Sales"].sum()
    assert monetary[ids[0]] == pytest.approx(expected[ids[0]])


def test_parquet_input(tmp_path, log_frame):
    source = tmp_path / "log.parquet"
    log_frame.to_parquet(source)
    output = tmp_path / "result.xlsx"
    assert run_segment("run", source, "-o", output, "--ties", "rank", "-q") == 0
    book = load_workbook(output)
    assert book.sheetnames == [
        names.CUSTOMERS_SHEET, names.SUMMARY_SHEET, names.VALUE_SHEET, names.MODEL_SHEET,
    ]  # fmt: skip


def test_validate_reports_without_writing(tmp_path, transactions_book, capsys):
    assert run_segment("validate", transactions_book) == 0
    out = capsys.readouterr().out
    assert "a transaction log" in out
    assert "customer_id = 'CustomerID'" in out
    assert "Duplicate rows were removed: 15" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["online shop.xlsx"]


def test_profile_prints_segments(tmp_path, customers_book, capsys):
    assert run_segment("profile", customers_book, "--method", "cluster", "--segments", "3") == 0
    out = capsys.readouterr().out
    assert "Clusters in table 'Customers'" in out and "Recommended Action" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.xlsx"]


def test_help_texts_explain_the_options():
    parser = build_parser()
    text = parser.format_help()
    assert "run" in text and "validate" in text and "profile" in text
    run_help = parser._subparsers._group_actions[0].choices["run"].format_help()
    for words in ("--in-place", "backup", "--model", "--ties", "R rfm", "examples:"):
        assert words in run_help


def test_bad_flag_values(tmp_path, transactions_book, capsys):
    assert run_segment("run", transactions_book, "--segments", "many") == 1
    assert "--segments must be a whole number" in capsys.readouterr().err
    assert run_segment("run", transactions_book, "--column", "amount") == 1
    assert "--column needs ROLE=HEADER" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_segment("run", transactions_book, "--ties", "random")


# Layouts -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(1)
    n = 500
    frame = pd.DataFrame(
        {
            "Customer ID": [f"C{i}" for i in range(n)],
            "Recency": rng.integers(1, 400, n),
            "Frequency": rng.integers(1, 20, n),
            "Monetary": np.round(rng.lognormal(4, 1, n), 2),
        }
    )
    return segment_customers(frame, method="both", n_clusters=3)


def test_rf_grid_counts_every_customer(result):
    grid = layout.rf_grid(result.customers)
    assert list(grid["R score"]) == ["R = 5", "R = 4", "R = 3", "R = 2", "R = 1"]
    assert grid.iloc[:, 1:].to_numpy().sum() == len(result.customers)
    top_r = result.customers["R"] == 5
    assert grid.loc[0, "F = 1"] == int((top_r & (result.customers["F"] == 1)).sum())


def test_summary_layout_charts_point_at_summary_columns(result):
    sheet = layout.summary_sheet(result, "test")
    summary = sheet.block("summary")
    assert list(summary.frame.columns[:6]) == [
        "Priority", "Segment", "Customers", "% Customers", "Revenue", "% Revenue",
    ]  # fmt: skip
    assert summary.table_name == names.SUMMARY_TABLE
    assert {c.title for c in sheet.charts} == {
        "Customers by segment",
        "Share of customers and of revenue",
    }
    for chart in sheet.charts:
        assert chart.anchor_row > summary.last_row  # below the table, never over it
    assert summary.number_formats["% Revenue"] == layout.PERCENT


def test_model_layout_round_trips_through_cells(result):
    record = {"input_sheet": "Data", "input_table": None, "written_columns": ["R"]}
    sheet = model_layout(result.model, record)
    assert sheet.hidden
    rows = layout_cells(sheet)
    loaded = read_model(rows)
    assert loaded.to_json() == result.model.to_json()
    assert read_record(rows) == record


def test_long_model_json_is_split_under_the_cell_limit(result):
    big = result.model
    big.settings = {**big.settings, "note": "x" * 70_000}
    chunks = model_layout(big, {}).block("model").frame["Model JSON"]
    assert len(chunks) == 3 and chunks.str.len().max() <= 32_767


def test_new_workbook_from_csv_opens_in_libreoffice_with_tables_and_charts(tmp_path, log_frame):
    from ..conftest import chart_parts, libreoffice_convert

    frame = log_frame.copy()
    frame.loc[frame.index[:40], "Customer No"] = "=1+1"  # formula-like text from the data
    source = tmp_path / "mixed.csv"
    frame.to_csv(source, index=False)
    output = tmp_path / "mixed.xlsx"
    assert run_segment("run", source, "-o", output, "--method", "both", "-q") == 0
    book = load_workbook(output)
    assert book.sheetnames == [names.CUSTOMERS_SHEET, names.SUMMARY_SHEET,
                               names.CLUSTERS_SHEET, names.VALUE_SHEET,
                               names.MODEL_SHEET]  # fmt: skip
    customers = book[names.CUSTOMERS_SHEET]
    assert "SegmentedCustomers" in customers.tables
    formula_like = [c for c in customers["A"] if c.value == "=1+1"]
    assert formula_like and all(c.data_type == "s" for c in formula_like)
    assert len(chart_parts(output)) == 4  # and the Customer Value sheet's CLV chart
    converted = libreoffice_convert(output, "xlsx", tmp_path / "lo")
    ours = [[c.value for c in row] for row in customers.iter_rows()]
    theirs = [
        [c.value for c in row]
        for row in load_workbook(converted, data_only=True)[names.CUSTOMERS_SHEET].iter_rows()
    ]
    assert [r[0] for r in theirs] == [r[0] for r in ours]
    last = ours[0].index("Cluster Name")  # the value columns follow, as floats
    assert [r[last] for r in theirs] == [r[last] for r in ours]
    assert len(chart_parts(converted)) == 4


def test_a_new_workbook_is_never_a_macro_workbook_without_macros(tmp_path, log_frame, capsys):
    """Excel refuses an .xlsm without a VBA project: a CSV's output must be an .xlsx."""
    source = tmp_path / "log.parquet"
    log_frame.to_parquet(source)
    target = tmp_path / "out.xlsm"
    assert run_segment("run", source, "-o", target, "-q") == 1
    message = capsys.readouterr().err
    assert "holds no macros, so it must be an .xlsx file" in message and 'out.xlsx"' in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.parquet"]
