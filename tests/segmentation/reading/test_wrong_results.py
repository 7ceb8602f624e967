"""Inputs that used to give a wrong result with no error: each is now refused with a
message naming the column, rows and fix, or read right with a note in the report."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from segmentation import SegmentationError, read_customers, segment_customers
from segmentation.reading.aggregate import written_money
from segmentation.reading.checks import NO_PURCHASES
from segmentation.reading.cleaning import AMBIGUOUS_DATES, POINT_ZERO_IDS


def _quiet_read(frame: pd.DataFrame, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_customers(frame, **options)


def _log(ids, dates, amounts) -> pd.DataFrame:
    return pd.DataFrame({"Customer ID": ids, "Order Date": dates, "Amount": amounts})


def test_future_dates_are_refused_naming_rows_and_the_analysis_date_fix():
    future = (pd.Timestamp.today() + pd.Timedelta(days=400)).strftime("%Y-%m-%d")
    log = _log(["a", "b", "c"], ["2024-01-01", future, "2024-02-01"], [10, 20, 30])
    with pytest.raises(SegmentationError, match=r"Column 'Order Date' has 1 date after today") as e:
        read_customers(log)
    assert "(row 3)" in str(e.value) and "as_of=" in str(e.value)
    # With an analysis date, later rows are left out as before, with a note.
    data = _quiet_read(log, as_of="2024-06-30")
    assert data.report.count("Transactions on or after the analysis date were left out") == 1
    assert data.table["Recency"].max() < 200


def test_true_false_amounts_are_refused_with_their_rows():
    log = _log(["a", "b", "c"], ["2024-01-01"] * 3, [True, 5.0, False])
    with pytest.raises(SegmentationError, match=r"'Amount' has 2 TRUE/FALSE values \(rows 2, 4\)"):
        read_customers(log)


def test_customers_with_only_returns_are_left_out_and_never_named_new():
    log = _log(
        list("abcdefg") + ["z"],
        [f"2024-01-0{i}" for i in range(1, 9)],
        [10.0, 20, 30, 40, 50, 60, 70, -15],  # z only returned goods
    )
    data = _quiet_read(log)
    assert "z" not in set(data.table["Customer ID"])
    assert data.report.count(NO_PURCHASES) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = segment_customers(log, n_bins=3)
    assert (result.customers["Frequency"] > 0).all()


def test_a_log_of_returns_only_is_refused():
    log = _log(list("abcdefgh"), [f"2024-01-0{i}" for i in range(1, 9)], [-1.0] * 8)
    with pytest.raises(SegmentationError, match="every amount in column 'Amount' is negative"):
        _quiet_read(log)


def test_numeric_ids_beyond_two_to_the_53_are_refused_not_merged():
    ids = [float(12345678901234567 + i) for i in range(40)]
    log = _log(ids, ["2024-01-01"] * 40, [1.0] * 40)
    with pytest.raises(SegmentationError, match="ids stored as numbers too long to be exact"):
        _quiet_read(log)
    # Whole int64 ids (from Parquet) are exact and stay 40 customers.
    exact = _log(np.arange(40, dtype=np.int64) + 12345678901234567, ["2024-01-01"] * 40, [1.0] * 40)
    assert len(_quiet_read(exact).table) == 40


def test_text_ids_101_and_101_point_0_are_one_customer():
    log = _log(["101", "101.0", "102"], ["2024-01-01", "2024-01-02", "2024-01-03"], [1, 2, 3])
    data = _quiet_read(log)
    assert data.table["Customer ID"].tolist() == ["101", "102"]
    assert data.table["Frequency"].tolist() == [2, 1]
    assert data.report.count(POINT_ZERO_IDS) == 1


def test_two_columns_with_the_used_header_are_refused_with_the_fix():
    log = pd.DataFrame(
        [["a", "2024-01-01", 1, 5], ["b", "2024-01-02", 2, 6]],
        columns=["Customer ID", "Order Date", "Amount", "Amount"],
    )
    with pytest.raises(SegmentationError, match=r"2 columns are headed 'Amount' \(the 3rd and 4th"):
        _quiet_read(log)
    # A workbook reader's numbering ("Amount (2)") is the same repeat.
    numbered = log.set_axis(["Customer ID", "Order Date", "Amount", "Amount (2)"], axis=1)
    with pytest.raises(SegmentationError, match="columns={'amount': 'Amount \\(2\\)'}"):
        _quiet_read(numbered)
    chosen = _quiet_read(numbered, columns={"amount": "Amount (2)"})
    assert chosen.table["Monetary"].tolist() == [5.0, 6.0]


def test_monetary_is_written_as_the_exact_sum_in_the_amounts_own_places(tmp_path):
    from openpyxl import load_workbook

    from addin.cli.main import main

    rows = [["a"] * 3 + list("bcdefghijk"), [16.05] * 3 + [10.0 * i for i in range(1, 11)]]
    log = _log(rows[0], [f"2024-01-{d:02d}" for d in range(1, 14)], rows[1])
    data = _quiet_read(log)
    assert data.money_decimals == 2
    # Scores use the exact (correctly rounded) sum, as R does; the written value is 48.15.
    assert data.table.set_index("Customer ID").loc["a", "Monetary"] == 16.05 + 16.05 + 16.05
    written = written_money(data.table, data.money_decimals).set_index("Customer ID")
    assert repr(float(written.loc["a", "Monetary"])) == "48.15"
    log.to_csv(tmp_path / "log.csv", index=False)
    assert main(["run", str(tmp_path / "log.csv"), "-o", str(tmp_path / "out.xlsx"), "-q"]) == 0
    sheet = load_workbook(tmp_path / "out.xlsx")["Customers"]
    headers = [c.value for c in sheet[1]]
    column = headers.index("Monetary")
    values = {r[0]: r[column] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert repr(values["a"]) == "48.15"


def test_an_id_longer_than_a_cell_is_refused_not_cut():
    log = _log(["x" * 40_000, "b"], ["2024-01-01"] * 2, [1, 2])
    with pytest.raises(SegmentationError, match=r"longer than 32,767 characters \(row 2\)"):
        _quiet_read(log)


def test_ambiguous_dates_are_counted_and_the_date_order_decides():
    log = _log(["a", "b"], ["03/04/2024", "05/06/2024"], [1, 2])
    us = _quiet_read(log)
    assert us.report.count(AMBIGUOUS_DATES) == 2
    assert "read month first" in str(us.report)
    eu = _quiet_read(log, date_format="DMY")
    assert eu.table["Last Purchase"].tolist() == [pd.Timestamp("2024-04-03"),
                                                  pd.Timestamp("2024-06-05")]  # fmt: skip
    assert eu.report.count(AMBIGUOUS_DATES) == 0


def test_an_ambiguous_text_analysis_date_is_refused_or_read_in_the_given_order():
    log = _log(["a", "b"], ["2024-12-01", "2024-12-05"], [1, 2])
    with pytest.raises(SegmentationError, match=r"reads as 2 January 2025 .* or 1 February 2025"):
        _quiet_read(log, as_of="01/02/2025")
    assert _quiet_read(log, as_of="01/02/2025", date_format="DMY").as_of == pd.Timestamp(
        "2025-02-01"
    )
    assert _quiet_read(log, as_of="01/02/2025", date_format="MDY").as_of == pd.Timestamp(
        "2025-01-02"
    )
    with pytest.raises(SegmentationError, match="must be DMY, MDY or YMD"):
        _quiet_read(log, date_format="DD-MM")


def test_iso_dates_with_mixed_offsets_read_as_their_local_dates():
    log = _log(["a", "b"], ["2024-03-01T00:30:00+01:00", "2024-07-01T23:30:00+02:00"], [1.0, 2.0])
    data = _quiet_read(log)
    assert data.table["Last Purchase"].tolist() == [pd.Timestamp("2024-03-01"),
                                                    pd.Timestamp("2024-07-01")]  # fmt: skip
    assert "Time-zone offsets were ignored" in str(data.report)


def test_amounts_in_mixed_currencies_are_refused_naming_their_rows():
    log = _log(["a", "b", "c"], ["2024-01-01"] * 3, ["€100", "$100", "5"])
    with pytest.raises(SegmentationError, match=r"mixes currencies: EUR \(row 2\).*USD \(row 3\)"):
        _quiet_read(log)
    one = _quiet_read(_log(["a", "b", "c"], ["2024-01-01"] * 3, ["€100", "100 EUR", "5"]))
    assert one.table["Monetary"].sum() == 205
