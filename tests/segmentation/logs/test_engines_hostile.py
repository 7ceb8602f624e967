"""The hostile inputs' fixes hold in the SQL engines too: the same table as in memory."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from addin.errors import WorkbookError
from addin.files.sources import load_data
from segmentation.reading.aggregate import written_money
from tests.segmentation.logs.test_reader_and_engines import _assert_same, _duckdb, _reference


def test_zoned_parquet_gives_the_same_local_date_in_duckdb_and_pandas(tmp_path: Path) -> None:
    stamps = pd.to_datetime(
        ["2024-03-01 00:30", "2024-03-05 23:30", "2024-03-02 00:10", "2024-03-06 08:00"]
    ).tz_localize("Europe/Paris")
    path = tmp_path / "zoned.parquet"
    pd.DataFrame(
        {"Customer ID": ["a", "b", "a", "c"], "Order Date": stamps, "Amount": [1.0, 2, 3, 4]}
    ).to_parquet(path)
    expected = _reference(path)
    got = _duckdb(path)
    _assert_same(expected, got)
    # Paris time, not UTC: 00:30 on 1 March is 23:30 on 29 February in UTC.
    last = got.table.set_index("Customer ID")["Last Purchase"]
    assert last["b"] == pd.Timestamp("2024-03-05") and last["a"] == pd.Timestamp("2024-03-02")


def test_point_zero_ids_money_places_and_return_only_customers_alike(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    pd.DataFrame(
        {
            "Customer ID": ["101", "101.0", "102", "103", "104"],
            "Order Date": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"],
            "Amount": ["16.05", "16.05", "16.05", "-4.00", "7"],
        }
    ).to_csv(path, index=False)
    expected = _reference(path)
    got = _duckdb(path)
    _assert_same(expected, got)
    table = got.table.set_index("Customer ID")
    assert list(table.index) == ["101", "102", "104"]  # 103 only returned goods
    assert got.money_decimals == expected.money_decimals == 2
    written = written_money(table, got.money_decimals)
    assert repr(float(written.loc["101", "Monetary"])) == "32.1"


def test_a_folder_whose_files_head_a_column_differently_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    rows = "A,2024-01-01,10\nB,2024-01-02,20\n"
    (folder / "a.csv").write_text("Customer ID,Order Date,Amount\n" + rows)
    (folder / "b.csv").write_text("Client,Order Date,Amount\n" + rows.replace("A", "C"))
    for engine in ("auto", "pandas", "duckdb"):
        with pytest.raises(WorkbookError, match="'Client' in 'b.csv' but 'Customer ID' in 'a.csv'"):
            load_data(folder, engine=engine)
