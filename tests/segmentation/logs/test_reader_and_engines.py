"""Large logs read by DuckDB and Spark give exactly the in-memory customers and fixes."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from addin.files.sources import read_source
from segmentation import SegmentationError, read_customers, segment_customers
from segmentation.logs.duckdb_engine import DuckDBLog
from segmentation.logs.files import log_files
from segmentation.logs.model_sql import score_in_engine
from segmentation.logs.reader import read_log

SCORED = ["Customer ID", "Recency", "Frequency", "Monetary", "R", "F", "M", "Cluster"]


def _log(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, n // 6, n)
    dates = np.datetime64("2023-01-01") + rng.integers(0, 700, n).astype("timedelta64[D]")
    amounts = np.round(rng.lognormal(3, 1, n), 2)
    amounts[rng.random(n) < 0.05] *= -1
    return pd.DataFrame(
        {
            "Customer ID": ids,
            "Invoice": rng.integers(1, n // 2, n),
            "Order Date": pd.to_datetime(dates).as_unit("us"),
            "Amount": amounts,
        }
    )


def _messy_csv(path: Path) -> Path:
    """Text ids with spaces, currency text, Excel markers, blank and duplicate rows."""
    log = _log().astype(object)
    log["Order Date"] = pd.to_datetime(log["Order Date"]).dt.strftime("%Y-%m-%d")
    log.loc[3, "Amount"] = "$1,200.50"
    log.loc[4, "Amount"] = "(15.00)"
    log.loc[5, "Customer ID"] = " 17 "
    log.loc[6, "Customer ID"] = "#N/A"
    log.loc[7, "Amount"] = "NULL"
    log.loc[8, "Order Date"] = "45123"  # an Excel serial exported as text
    log.loc[9, "Invoice"] = ""
    log = pd.concat([log, log.head(20), pd.DataFrame([[""] * 4], columns=log.columns)])
    log.to_csv(path, index=False)
    return path


def _reference(path: Path, **options: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_customers(read_source(path), **options)


def _duckdb(source: object, **options: object):
    with warnings.catch_warnings(), DuckDBLog(log_files(source)) as backend:
        warnings.simplefilter("ignore")
        return read_log(backend, **options)


def _assert_same(expected, got) -> None:
    pd.testing.assert_frame_equal(expected.table.reset_index(drop=True), got.table)
    assert got.as_of == expected.as_of
    assert [(f.issue, f.column, f.count) for f in got.report.fixes] == [
        (f.issue, f.column, f.count) for f in expected.report.fixes
    ]
    assert (got.report.rows_read, got.report.rows_used, got.report.customers) == (
        expected.report.rows_read,
        expected.report.rows_used,
        expected.report.customers,
    )


@pytest.fixture
def parquet_log(tmp_path: Path) -> Path:
    path = tmp_path / "log.parquet"
    _log().to_parquet(path)
    return path


@pytest.fixture
def messy_csv(tmp_path: Path) -> Path:
    return _messy_csv(tmp_path / "messy.csv")


def test_duckdb_reads_parquet_exactly_as_in_memory(parquet_log: Path) -> None:
    _assert_same(_reference(parquet_log), _duckdb(parquet_log))


def test_duckdb_cleans_messy_csv_exactly_as_in_memory(messy_csv: Path) -> None:
    expected = _reference(messy_csv)
    got = _duckdb(messy_csv)
    _assert_same(expected, got)
    issues = {f.issue for f in got.report.fixes}
    assert {"Duplicate rows were removed", "Numbers stored as text were converted"} <= issues
    assert got.table["Customer ID"].map(type).eq(str).all()  # text ids, as in memory


def test_duckdb_honours_the_analysis_date_and_column_choice(parquet_log: Path) -> None:
    options = {"as_of": "2024-06-30", "columns": {"order_id": "Invoice"}}
    expected = _reference(parquet_log, **options)
    got = _duckdb(parquet_log, **options)
    _assert_same(expected, got)
    assert got.report.count("Transactions on or after the analysis date were left out") > 0


def test_quantity_times_price_is_summed_exactly(tmp_path: Path) -> None:
    log = _log().rename(columns={"Amount": "Unit Price"})
    log["Quantity"] = np.arange(len(log)) % 4 + 1
    path = tmp_path / "lines.parquet"
    log.to_parquet(path)
    _assert_same(_reference(path), _duckdb(path))


def test_folder_and_glob_read_all_their_files(tmp_path: Path) -> None:
    log = _log()
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(log)), 3)):
        log.iloc[part].to_parquet(folder / f"part-{i}.parquet")
    whole = tmp_path / "whole.parquet"
    log.to_parquet(whole)
    expected = _duckdb(whole)
    pd.testing.assert_frame_equal(_duckdb(folder).table, expected.table)
    pd.testing.assert_frame_equal(_duckdb(str(folder / "part-*.parquet")).table, expected.table)


def test_log_files_are_checked(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n")
    (tmp_path / "b.parquet").write_bytes(b"")
    with pytest.raises(SegmentationError, match="mixes CSV and Parquet"):
        log_files(tmp_path)
    with pytest.raises(SegmentationError, match="No files match"):
        log_files(str(tmp_path / "nothing-*.csv"))
    with pytest.raises(SegmentationError, match="does not exist"):
        log_files(tmp_path / "missing.csv")


def test_unreadable_amounts_are_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("Customer,Date,Amount\nA,2024-01-02,12\nB,2024-01-03,twelve\n")
    with pytest.raises(SegmentationError, match=r"Column 'Amount' has 1 distinct value .*'twelve'"):
        _duckdb(path)


def test_a_customer_table_is_sent_back_to_memory(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("Customer,Recency,Frequency,Monetary\nA,3,2,10\n")
    with pytest.raises(SegmentationError, match="customer table"):
        _duckdb(path)


def test_a_bad_memory_limit_is_explained(parquet_log: Path) -> None:
    with pytest.raises(SegmentationError, match="not a size such as '1GB'"):
        DuckDBLog(log_files(parquet_log), memory_limit="lots")


def _assert_scored_alike(backend, ties: str = "quantile") -> None:
    """A model fitted in memory scores the engine's customers exactly as in memory."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = read_log(backend)
        result = segment_customers(data, method="both", ties=ties)
    in_engine = score_in_engine(backend, result.model)
    in_memory = result.customers.reset_index(drop=True)
    pd.testing.assert_frame_equal(in_engine[SCORED], in_memory[SCORED], check_dtype=False)
    for column in ("RFM Segment", "Cluster Name"):
        assert in_engine[column].tolist() == in_memory[column].astype(str).tolist()


@pytest.mark.parametrize("ties", ["quantile", "rank"])
def test_a_fitted_model_scores_inside_duckdb(messy_csv: Path, ties: str) -> None:
    with DuckDBLog(log_files(messy_csv)) as backend:
        _assert_scored_alike(backend, ties)


def test_spark_reads_and_scores_exactly_as_in_memory(parquet_log: Path, messy_csv: Path) -> None:
    from segmentation.logs.spark_engine import SparkLog, local_session

    session = local_session(threads=2)
    for path in (parquet_log, messy_csv):
        with warnings.catch_warnings(), SparkLog(log_files(path), session=session) as backend:
            warnings.simplefilter("ignore")
            got = read_log(backend)
            _assert_scored_alike(backend, "rank" if path == messy_csv else "quantile")
        _assert_same(_reference(path), got)
