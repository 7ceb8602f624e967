"""Apache Spark as the engine for logs in a data lake (PySpark, an optional extra).

:mod:`segmentation.logs.reader` holds the logic; this module only speaks Spark SQL. By default
it starts a local session (``local[*]``); pass an existing ``SparkSession`` to run on a
cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from segmentation.errors import SegmentationError
from segmentation.logs.files import is_parquet, parquet_time_zones, sniff_csv


def _kind(spark_type: str) -> str:
    if spark_type in ("tinyint", "smallint", "int", "bigint"):
        return "integer"
    if spark_type in ("float", "double") or spark_type.startswith("decimal"):
        return "float"
    if spark_type in ("date", "timestamp", "timestamp_ntz"):
        return "date"
    return "text" if spark_type == "string" else "other"


def local_session(threads: int | None = None) -> Any:
    """A quiet local Spark session in UTC, with Arrow for moving results to pandas."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SegmentationError(
            "The Spark engine needs PySpark and Java: pip install 'excel-segmentation[spark]' "
            "and a Java runtime (17 or newer)."
        ) from exc
    session = (
        SparkSession.builder.master(f"local[{threads or '*'}]")
        .appName("segmentation")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkLog:
    """A log's files as the ``source`` view of a Spark session."""

    def __init__(self, files: Sequence[Path], *, session: Any = None) -> None:
        self.spark = session or local_session()
        paths = [str(p) for p in files]
        try:
            if is_parquet(files):
                frame = self.spark.read.option("mergeSchema", "true").parquet(*paths)
            else:
                encoding, separator = sniff_csv(files[0])
                # Every column as text, as the in-memory reader sees a CSV file.
                frame = self.spark.read.csv(
                    paths,
                    header=True,
                    inferSchema=False,
                    sep=separator,
                    encoding="UTF-8"
                    if encoding.startswith("utf-8")
                    else "UTF-16"
                    if encoding.startswith("utf-16")
                    else "windows-1252",
                )
        except Exception as exc:  # Spark raises its own types from the JVM
            hint = (
                " Spark reads timestamps in micro- or milliseconds only: write the Parquet "
                "files with coerce_timestamps='us' (pandas, pyarrow)."
                if "TIMESTAMP(NANOS" in str(exc)
                else ""
            )
            raise SegmentationError(f"Spark could not read the log ({exc}).{hint}") from exc
        frame.createOrReplaceTempView("source")
        self._types = frame.dtypes
        self._zones = parquet_time_zones(files)
        self._cached: list[Any] = []

    def column_types(self) -> dict[str, str]:
        return {name: _kind(kind) for name, kind in self._types}

    def column_time_zones(self) -> dict[str, str]:
        return dict(self._zones)

    def local_time(self, expr: str, zone: str) -> str:
        return f"from_utc_timestamp({expr}, {self.literal(zone)})"

    def strip_point_zero(self, expr: str) -> str:
        return f"regexp_replace({expr}, '^(-?[0-9]+)[.]0+$', '$1')"

    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def day_number(self, expr: str) -> str:
        return f"datediff(CAST({expr} AS DATE), DATE '1970-01-01')"

    def round_even(self, expr: str) -> str:
        return f"bround({expr}, 0)"

    def try_double(self, expr: str) -> str:
        return f"TRY_CAST({expr} AS DOUBLE)"

    def try_timestamp(self, expr: str) -> str:
        return f"TRY_CAST({expr} AS TIMESTAMP)"

    def matches(self, expr: str, pattern: str) -> str:
        return f"({expr} RLIKE '{pattern}')"

    def literal(self, text: str) -> str:
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def materialize(self, name: str, sql: str) -> None:
        frame = self.spark.sql(sql).persist()
        self._cached.append(frame)
        frame.createOrReplaceTempView(name)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)

    def query(self, sql: str) -> pd.DataFrame:
        return self.spark.sql(sql).toPandas()

    def close(self) -> None:
        for frame in self._cached:
            frame.unpersist()

    def __enter__(self) -> SparkLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
