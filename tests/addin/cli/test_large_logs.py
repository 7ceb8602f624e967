"""`segment run` on logs: folders and patterns, the DuckDB and Spark engines, and more
customers than a sheet can hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from addin import names
from tests.addin.conftest import run_segment


def _write_parts(folder: Path, n: int = 4000, parts: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    log = pd.DataFrame(
        {
            "Customer": rng.integers(1, 700, n),
            "Date": pd.to_datetime(
                np.datetime64("2024-01-01") + rng.integers(0, 360, n).astype("timedelta64[D]")
            ).as_unit("us"),
            "Sales": np.round(rng.lognormal(3, 1, n), 2),
        }
    )
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(n), parts)):
        log.iloc[rows].to_parquet(folder / f"part-{i}.parquet")
    return log


def _customers_sheet(path: Path) -> pd.DataFrame:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(book["Customers"].iter_rows(values_only=True))
    finally:
        book.close()
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_engines_write_the_same_customers(tmp_path: Path) -> None:
    log = _write_parts(tmp_path / "log")
    whole = tmp_path / "whole.parquet"
    log.to_parquet(whole)
    outputs = {}
    for engine, source in (
        ("pandas", whole),
        ("duckdb", tmp_path / "log"),
        ("duckdb", str(tmp_path / "log" / "part-*.parquet")),
        ("spark", tmp_path / "log"),
    ):
        output = tmp_path / f"{engine}-{len(outputs)}.xlsx"
        assert run_segment("run", source, "--engine", engine, "-o", output, "-q") == 0
        outputs[output.name] = _customers_sheet(output)
    first, *others = outputs.values()
    assert len(first) == log["Customer"].nunique()
    assert {"RFM Segment", "R", "F", "M"} <= set(first.columns)
    for other in others:
        pd.testing.assert_frame_equal(other, first)


def test_more_customers_than_a_sheet_go_to_a_parquet_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    _write_parts(tmp_path / "log")
    monkeypatch.setattr(names, "MAX_SHEET_ROWS", 100)
    output = tmp_path / "out.xlsx"
    assert run_segment("run", tmp_path / "log", "--engine", "duckdb", "-o", output) == 0
    book = openpyxl.load_workbook(output, read_only=True)
    sheets = book.sheetnames
    book.close()
    assert "Customers" not in sheets and "Segment Summary" in sheets
    full = pd.read_parquet(tmp_path / "out.customers.parquet")
    assert len(full) > 100 and full["RFM Segment"].notna().all()
    assert "do not fit on one Excel sheet" in capsys.readouterr().out


def test_a_pattern_needs_an_output_name(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _write_parts(tmp_path / "log")
    assert run_segment("run", str(tmp_path / "log" / "*.parquet")) != 0
    assert "name the output workbook with -o" in capsys.readouterr().err


def test_validate_reports_a_folder_read_by_duckdb(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    log = _write_parts(tmp_path / "log")
    assert run_segment("validate", tmp_path / "log", "--engine", "duckdb") == 0
    out = capsys.readouterr().out
    assert f"Rows read: {len(log):,}" in out and "a transaction log" in out


def test_import_writes_a_customer_table_the_buttons_can_segment(tmp_path: Path) -> None:
    log = _write_parts(tmp_path / "log")
    output = tmp_path / "customers.xlsx"
    assert run_segment("import", tmp_path / "log", "--engine", "duckdb", "-o", output, "-q") == 0
    table = _customers_sheet(output)
    assert list(table.columns) == [
        "Customer ID",
        "Last Purchase",
        "Recency",
        "Frequency",
        "Monetary",
        "First Purchase",
        "Customer Age",
    ]
    assert len(table) == log["Customer"].nunique()
    assert table["Frequency"].sum() == len(log)  # no duplicates in this log
    segmented = tmp_path / "segmented.xlsx"
    assert run_segment("run", output, "-o", segmented, "-q") == 0
    assert _customers_sheet(segmented)["RFM Segment"].notna().all()
    assert run_segment("import", tmp_path / "log", "-o", output, "-q") == 1  # never overwrites


def test_auto_engine_reads_small_logs_in_memory_and_large_ones_with_duckdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from addin.files import sources

    log = _write_parts(tmp_path / "log", parts=1)
    single = [tmp_path / "log" / "part-0.parquet"]
    csv = tmp_path / "log.csv"
    log.to_csv(csv, index=False)
    assert sources.choose_engine(single, "auto") == "pandas"
    assert sources.choose_engine([csv], "auto") == "pandas"
    assert sources.choose_engine([*single, *single], "auto") == "duckdb"
    monkeypatch.setattr(sources, "IN_MEMORY_ROWS", len(log) - 1)
    monkeypatch.setattr(sources, "IN_MEMORY_CSV_BYTES", csv.stat().st_size - 1)
    assert sources.choose_engine(single, "auto") == "duckdb"
    assert sources.choose_engine([csv], "auto") == "duckdb"
    assert sources.choose_engine(single, "spark") == "spark"
