"""Benchmark cases of change over time: segment history against one snapshot.

The target (issue 16): 12 monthly periods of a log in at most 3 times the time of a
single snapshot, both through DuckDB on the same Parquet file.
"""

from __future__ import annotations

import warnings

from bench.cases import Case, _parquet_file, _parquet_rows


def _snapshot(path: str) -> object:
    """One snapshot: the log read to customers, scored and named (DuckDB engine)."""
    from segmentation import segment_customers
    from segmentation.logs.duckdb_engine import DuckDBLog
    from segmentation.logs.files import log_files
    from segmentation.logs.reader import read_log

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with DuckDBLog(log_files(path)) as backend:
            return segment_customers(read_log(backend))


def _history(path: str) -> object:
    """Segments at 12 month ends on one scale, in one pass over the log."""
    from segmentation.change.history import segment_history
    from segmentation.logs.duckdb_engine import DuckDBLog
    from segmentation.logs.files import log_files

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with DuckDBLog(log_files(path)) as backend:
            return segment_history(backend, every="month", periods=12)


CASES = {
    case.name: case
    for case in (
        Case("ours: one snapshot, Parquet -> RFM segments (DuckDB)", "change: snapshot",
             _parquet_file, _snapshot, _parquet_rows),
        Case("ours: segment history, 12 month ends (DuckDB)", "change: history",
             _parquet_file, _history, _parquet_rows),
    )
}  # fmt: skip
