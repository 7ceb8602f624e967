"""What the benchmark times. Each case prepares its input untimed, then runs timed."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from bench import workbook_cases


@dataclass(frozen=True)
class Case:
    name: str
    step: str
    prepare: Callable[[pd.DataFrame], object]
    run: Callable[[object], object]
    rows: Callable[[object], int]


def _customers(log: pd.DataFrame) -> pd.DataFrame:
    from segmentation import read_customers

    return read_customers(log).table


def _quiet(function: Callable[[object], object]) -> Callable[[object], object]:
    def run(data: object) -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(data)

    return run


def _rfm_table(log: pd.DataFrame) -> object:
    from segmentation import read_customers

    return read_customers(log)


def _scores(customers: pd.DataFrame) -> object:
    from segmentation import RFMSegmenter

    return RFMSegmenter(5).fit(customers).segment(customers)


def _clusters(customers: pd.DataFrame) -> object:
    from segmentation import ClusterSegmenter

    return ClusterSegmenter("auto").fit(customers).predict(customers)


def _end_to_end(log: pd.DataFrame) -> object:
    from segmentation import segment_customers

    return segment_customers(log, method="both")


def _pandas_groupby(log: pd.DataFrame) -> object:
    """What an analyst would write by hand: one groupby, no cleaning, no exact sums."""
    end = log["Order Date"].max() + pd.Timedelta(days=1)
    grouped = log.groupby("Customer ID").agg(
        last=("Order Date", "max"), frequency=("Order Date", "size"), monetary=("Amount", "sum")
    )
    grouped["recency"] = (end - grouped["last"]).dt.days
    return grouped


def _lifetimes(log: pd.DataFrame) -> object:
    from lifetimes.utils import summary_data_from_transaction_data

    return summary_data_from_transaction_data(
        log, "Customer ID", "Order Date", monetary_value_col="Amount"
    )


def _floor_inputs(log: pd.DataFrame) -> tuple:
    """Plain arrays for the fused loop (untimed), and its compilation out of the way."""
    import numpy as np

    arrays = (
        log["Customer ID"].to_numpy(np.int64),
        log["Order Date"].to_numpy().astype("datetime64[D]").astype(np.int64),
        log["Amount"].to_numpy(np.float64),
    )
    _fused_floor(arrays)
    return arrays


@functools.cache
def _one_pass() -> Callable:
    import numba
    import numpy as np

    @numba.njit
    def one_pass(ids, days, amounts, size):  # pragma: no cover - compiled
        last = np.full(size, -(2**62), np.int64)
        count = np.zeros(size, np.int64)
        total = np.zeros(size, np.float64)
        for i in range(ids.shape[0]):
            k = ids[i]
            if days[i] > last[k]:
                last[k] = days[i]
            count[k] += 1
            total[k] += amounts[i]
        return last, count, total

    return one_pass


def _fused_floor(arrays: tuple) -> object:
    """The practical floor: one compiled pass, ids used as array positions, no checks."""
    ids, days, amounts = arrays
    return _one_pass()(ids, days, amounts, int(ids.max()) + 1)


def _duckdb_groupby(log: pd.DataFrame) -> object:
    """DuckDB SQL over the in-memory frame (Arrow): one group-by, no cleaning."""
    import duckdb

    return duckdb.sql(
        'SELECT "Customer ID", max("Order Date") AS last, count(*) AS frequency, '
        'sum("Amount") AS monetary FROM log GROUP BY "Customer ID"'
    ).df()


def _pymc_marketing(log: pd.DataFrame) -> object:
    from pymc_marketing.clv.utils import rfm_summary

    return rfm_summary(log, "Customer ID", "Order Date", monetary_value_col="Amount")


def _pypi_rfm(log: pd.DataFrame) -> object:
    from rfm import RFM

    return RFM(log, "Customer ID", "Order Date", "Amount").rfm_table


def _parquet_file(log: pd.DataFrame) -> str:
    import tempfile

    path = tempfile.NamedTemporaryFile(suffix=".parquet", delete=False).name
    log.to_parquet(path)
    return path


def _duckdb_log(path: str) -> object:
    from segmentation.logs.duckdb_engine import DuckDBLog
    from segmentation.logs.files import log_files
    from segmentation.logs.reader import read_log

    with DuckDBLog(log_files(path)) as backend:
        return read_log(backend)


def _segment_run(path: str) -> object:
    """`segment run LOG.parquet -o OUT.xlsx`: the whole command, workbook written."""
    from addin.cli.main import main

    return main(["run", path, "--engine", "duckdb", "-o", path + ".xlsx", "-q"])


def _save_customers_sheet(customers: pd.DataFrame, path: str) -> None:
    from addin.files.newbook import NewWorkbook
    from addin.sheets.layout import customers_sheet

    book = NewWorkbook()
    book.write_sheet(customers_sheet(customers))
    book.save(path)


def _scored_customers(log: pd.DataFrame) -> pd.DataFrame:
    customers = _customers(log)
    return pd.concat([customers, _scores(customers)], axis=1)


def _customers_sheet_file(log: pd.DataFrame) -> tuple[str, int]:
    """A workbook whose Customers sheet has one row per customer (written untimed),
    and that row count."""
    import tempfile

    customers = _scored_customers(log)
    path = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False).name
    _save_customers_sheet(customers, path)
    return path, len(customers)


def _write_customers_sheet(customers: pd.DataFrame) -> object:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        _save_customers_sheet(customers, f"{folder}/out.xlsx")


def _read_customers_sheet(sheet_file: tuple[str, int]) -> object:
    from addin.files.xlsx import read_sheet_values

    return read_sheet_values(sheet_file[0], "Customers")


def _udf_range(log: pd.DataFrame) -> list[list[object]]:
    """The first 10,000 rows of the log as Excel hands a range to a function."""
    head = log.head(10_000)
    return [list(head.columns), *head.astype(object).values.tolist()]


def _segment_rfm_udf(grid: list[list[object]]) -> object:
    from addin.udfs import SEGMENT_RFM

    return SEGMENT_RFM(grid)


def _parquet_rows(path: str) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


PEERS = {
    # name -> (the step it competes on, function); skipped with a printed reason if missing
    "peer: pandas groupby (no cleaning)": ("transactions -> RFM", _pandas_groupby, "pandas"),
    "peer: lifetimes summary_data_from_transaction_data": (
        "transactions -> RFM",
        _lifetimes,
        "lifetimes",
    ),
    "peer: DuckDB SQL group-by (no cleaning)": ("transactions -> RFM", _duckdb_groupby, "duckdb"),
    "peer: pymc-marketing rfm_summary": ("transactions -> RFM", _pymc_marketing, "pymc_marketing"),
    "peer: PyPI rfm (RFM.rfm_table)": ("transactions -> RFM", _pypi_rfm, "rfm"),
}

CASES = {
    case.name: case
    for case in (
        Case(
            "ours: transactions -> RFM table",
            "transactions -> RFM",
            lambda log: log,
            _quiet(_rfm_table),
            len,
        ),
        Case(
            "ours: Parquet log -> RFM table (DuckDB engine)",
            "transactions -> RFM (Parquet)",
            _parquet_file,
            _quiet(_duckdb_log),
            _parquet_rows,
        ),
        Case(
            "floor: fused single pass (numba, 1 thread)",
            "transactions -> RFM",
            _floor_inputs,
            _fused_floor,
            lambda arrays: len(arrays[0]),
        ),
        Case(
            "ours: scores + named segments",
            "scores + segments",
            _quiet(_customers),
            _quiet(_scores),
            len,
        ),
        Case(
            "ours: automatic k (3-6) + labels",
            "clusters",
            _quiet(_customers),
            _quiet(_clusters),
            len,
        ),
        Case(
            "ours: transactions -> RFM, segments, clusters, profiles",
            "end to end (engine)",
            lambda log: log,
            _quiet(_end_to_end),
            len,
        ),
        Case(
            "ours: write the Customers sheet (.xlsx, scores + segments)",
            "sheet write",
            _quiet(_scored_customers),
            _write_customers_sheet,
            len,
        ),
        Case(
            "ours: read the Customers sheet (.xlsx, calamine)",
            "sheet read",
            _quiet(_customers_sheet_file),
            _read_customers_sheet,
            lambda sheet_file: sheet_file[1],
        ),
        Case(
            "ours: =SEGMENT_RFM over a 10k-row sheet range (one recalculation)",
            "worksheet function",
            _udf_range,
            _quiet(_segment_rfm_udf),
            lambda grid: len(grid) - 1,
        ),
        Case(
            "ours: segment run, Parquet -> segmented workbook",
            "end to end (command)",
            _parquet_file,
            _quiet(_segment_run),
            _parquet_rows,
        ),
    )
}
CASES.update(
    {
        name: Case(name, step, lambda log: log, _quiet(function), len)
        for name, (step, function, _) in PEERS.items()
    }
)

# Campaigns (issue 17): their cases live in their own module.
from bench.campaign_cases import campaign_cases  # noqa: E402

CASES.update(campaign_cases(Case))
# Workbook refresh in place, beside an openpyxl load and save (issue 13).
workbook_cases.register(CASES, PEERS, Case)
# Reading large customer tables back (issue 13): cases of their own module.
from bench import reading  # noqa: E402

CASES.update(reading.CASES)
PEERS.update(reading.PEERS)
# Change over time: history against one snapshot (bench/change_cases.py).
from bench.change_cases import CASES as _CHANGE_CASES  # noqa: E402

CASES.update(_CHANGE_CASES)
# Writing back into a large customer table workbook (bench/customer_book_cases.py).
from bench import customer_book_cases  # noqa: E402

customer_book_cases.register(CASES, Case)
