"""DuckDB as the engine for logs bigger than memory (embedded, no server).

DuckDB streams CSV and Parquet files, spills to a temporary folder when the memory
limit is reached, and runs the group-by on all cores; :mod:`segmentation.logs.reader` holds
the logic, this module only speaks DuckDB's dialect.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from segmentation.errors import SegmentationError
from segmentation.logs.files import is_parquet, parquet_time_zones, sniff_csv

_KINDS = {
    "TINYINT": "integer",
    "SMALLINT": "integer",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "HUGEINT": "integer",
    "UTINYINT": "integer",
    "USMALLINT": "integer",
    "UINTEGER": "integer",
    "UBIGINT": "integer",
    "FLOAT": "float",
    "DOUBLE": "float",
    "DATE": "date",
    "VARCHAR": "text",
}


def _kind(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return "float"
    if duckdb_type.startswith("TIMESTAMP"):
        return "date"
    return _KINDS.get(duckdb_type, "other")


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBLog:
    """A log's files as the ``source`` view of an in-process DuckDB database.

    ``memory_limit`` (e.g. ``"1GB"``) bounds DuckDB's memory; beyond it, work spills
    to a temporary folder that is removed on :meth:`close`.
    """

    def __init__(
        self,
        files: Sequence[Path],
        *,
        memory_limit: str | None = "1GB",
        threads: int | None = None,
    ) -> None:
        try:
            import duckdb
        except ImportError as exc:  # pragma: no cover - a dependency, but say what to do
            raise SegmentationError(
                "Large logs need the duckdb package: pip install duckdb."
            ) from exc
        # Windows may hold a spilled file a moment after closing: never fail on cleanup.
        self._spill = tempfile.TemporaryDirectory(
            prefix="segment-duckdb-", ignore_cleanup_errors=True
        )
        self.con = duckdb.connect(config={"temp_directory": self._spill.name})
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET preserve_insertion_order = false")
        if memory_limit:
            try:
                self.con.execute(f"SET memory_limit = {_sql_string(memory_limit)}")
            except duckdb.Error as exc:
                self.close()
                raise SegmentationError(
                    f"The memory limit {memory_limit!r} is not a size such as '1GB' or '500MB'."
                ) from exc
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self._zones = parquet_time_zones(files)
        paths = "[" + ", ".join(_sql_string(str(p)) for p in files) + "]"
        if is_parquet(files):
            reader = f"read_parquet({paths}, union_by_name = true)"
        else:
            encoding, separator = sniff_csv(files[0])
            encoding = (
                "utf-8"
                if encoding.startswith("utf-8")
                else "utf-16"
                if encoding.startswith("utf-16")
                else "latin-1"
            )
            reader = (
                f"read_csv({paths}, header = true, all_varchar = true, union_by_name = true, "
                f"delim = {_sql_string(separator)}, encoding = {_sql_string(encoding)})"
            )
        try:
            self.con.execute(f"CREATE VIEW source AS SELECT * FROM {reader}")
            self._types = self.con.execute("DESCRIBE SELECT * FROM source").fetchall()
        except duckdb.Error as exc:
            self.close()
            raise SegmentationError(f"The log could not be read ({exc}).") from exc

    def column_types(self) -> dict[str, str]:
        return {name: _kind(kind) for name, kind, *_ in self._types}

    def column_time_zones(self) -> dict[str, str]:
        return dict(self._zones)

    def local_time(self, expr: str, zone: str) -> str:
        return f"timezone({_sql_string(zone)}, {expr})"

    def strip_point_zero(self, expr: str) -> str:
        return f"regexp_replace({expr}, '^(-?[0-9]+)[.]0+$', '\\1')"

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def day_number(self, expr: str) -> str:
        return f"(CAST({expr} AS DATE) - DATE '1970-01-01')"

    def round_even(self, expr: str) -> str:
        return f"round_even({expr}, 0)"

    def try_double(self, expr: str) -> str:
        return f"TRY_CAST({expr} AS DOUBLE)"

    def try_timestamp(self, expr: str) -> str:
        return f"TRY_CAST({expr} AS TIMESTAMP)"

    def matches(self, expr: str, pattern: str) -> str:
        return f"regexp_full_match({expr}, {_sql_string(pattern)})"

    def literal(self, text: str) -> str:
        return _sql_string(text)

    def materialize(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.con.register(name, frame)

    def query(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def close(self) -> None:
        self.con.close()
        self._spill.cleanup()

    def __enter__(self) -> DuckDBLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
