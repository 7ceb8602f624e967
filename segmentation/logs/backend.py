"""What a SQL engine must offer to aggregate a log: the interface DuckDB and Spark implement."""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from segmentation.errors import SegmentationError


class NotALogError(SegmentationError):
    """The file is a customer table: small enough to read in memory."""


class SqlBackend(Protocol):
    """What :func:`read_log` needs from a SQL engine; ``source`` is the log as a view."""

    def column_types(self) -> dict[str, str]:
        """Header -> one of "integer", "float", "date", "text", "other"."""

    def column_time_zones(self) -> dict[str, str]:
        """Header -> time zone of time-zone-aware timestamp columns (local dates count)."""

    def local_time(self, expr: str, zone: str) -> str:
        """A UTC instant as the wall-clock time in ``zone``."""

    def strip_point_zero(self, expr: str) -> str:
        """Text ``101.0`` as ``101`` (other text unchanged)."""

    def quote(self, name: str) -> str: ...

    def day_number(self, expr: str) -> str:
        """Days since 1970-01-01 of a date or timestamp expression."""

    def round_even(self, expr: str) -> str: ...

    def try_double(self, expr: str) -> str: ...

    def try_timestamp(self, expr: str) -> str: ...

    def matches(self, expr: str, pattern: str) -> str:
        """True when the whole text matches the regular expression."""

    def literal(self, text: str) -> str:
        """A string literal holding ``text``."""

    def materialize(self, name: str, sql: str) -> None: ...

    def register(self, name: str, frame: pd.DataFrame) -> None: ...

    def query(self, sql: str) -> pd.DataFrame: ...
