"""Segment history: per-period customers by hand, and equal to snapshots at each date."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from segmentation import SegmentationError, names, segment_customers
from segmentation.change.history import period_customers, period_cutoffs, segment_history
from segmentation.logs.duckdb_engine import DuckDBLog
from segmentation.logs.reader import read_log


@pytest.fixture
def tiny_log(tmp_path):
    path = tmp_path / "tiny.csv"
    pd.DataFrame(
        {
            "Customer ID": ["A", "A", "B", "B", "C"],
            "Date": ["2024-01-10", "2024-02-05", "2024-02-20", "2024-03-03", "2024-03-15"],
            "Amount": [10.0, 20.0, 5.0, -2.0, 100.0],  # B returns 2 in March
        }
    ).to_csv(path, index=False)
    return path


def test_period_cutoffs():
    assert [d.date().isoformat() for d in period_cutoffs(pd.Timestamp("2024-03-15"), "month", 3)] \
        == ["2024-02-01", "2024-03-01", "2024-04-01"]  # fmt: skip
    with pytest.raises(SegmentationError, match="'every' parameter"):
        period_cutoffs(pd.Timestamp("2024-03-15"), "week", 3)


def test_each_period_by_hand(tiny_log):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with DuckDBLog([tiny_log]) as backend:
            cutoffs, tables = period_customers(backend, every="month", periods=3)
    january, february, march = (t.set_index(names.CUSTOMER_ID) for t in tables)
    assert list(january.index) == ["A"]
    assert january.loc["A"].tolist() == [22, 1, 10.0]  # 2024-02-01 - 2024-01-10
    assert february.loc["A"].tolist() == [25, 2, 30.0]
    assert february.loc["B"].tolist() == [10, 1, 5.0]
    # The return nets Monetary but is not a purchase: Recency runs from 20 February.
    assert march.loc["B"].tolist() == [41, 1, 3.0]
    assert march.loc["C"].tolist() == [17, 1, 100.0]


def test_history_equals_a_snapshot_at_every_period_end(tmp_path):
    rng = np.random.default_rng(7)
    n = 3000
    path = tmp_path / "log.csv"
    pd.DataFrame(
        {
            "Customer ID": rng.integers(1, 400, n),
            "Date": (
                pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 540, n), "D")
            ).strftime("%Y-%m-%d"),
            "Order": rng.integers(1, 2500, n),  # some orders span several lines
            "Amount": np.round(rng.lognormal(3, 1, n), 2) * np.where(rng.random(n) < 0.05, -1, 1),
        }
    ).to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with DuckDBLog([path]) as backend:
            history, model = segment_history(backend, every="quarter", periods=5)
        assert history[names.PERIOD_END].nunique() == 5
        for end, rows in history.groupby(names.PERIOD_END):
            with DuckDBLog([path]) as backend:
                data = read_log(backend, as_of=end + pd.Timedelta(days=1))
            profile = segment_customers(data, model=model).rfm_profile.set_index(names.SEGMENT)
            got = rows.set_index(names.SEGMENT)
            shown = got[got[names.CUSTOMERS] > 0]
            assert shown[names.CUSTOMERS].to_dict() == profile[names.CUSTOMERS].to_dict()
            assert shown[names.REVENUE].to_numpy() == pytest.approx(
                profile.loc[shown.index, names.REVENUE].to_numpy(), abs=0.01
            )
