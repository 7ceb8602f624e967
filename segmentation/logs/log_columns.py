"""A log's columns cleaned inside a SQL engine, by the in-memory rules.

Each column's *distinct* text values are cleaned in pandas (:mod:`segmentation.reading.cleaning`)
and joined back as a lookup, so every engine reads a cell exactly as the in-memory reader does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.defaults import MAX_ID_CHARS
from segmentation.errors import SegmentationError
from segmentation.logs.backend import SqlBackend
from segmentation.reading.cleaning import (
    POINT_ZERO_IDS,
    WHOLE_WITH_POINT_ZERO,
    to_dates,
    to_ids,
    to_numbers,
)
from segmentation.reading.quality import MISSING_MARKERS, DataQualityReport

EPOCH_DAY = np.datetime64("1970-01-01", "D")
# Text that every engine casts the same way; anything else is cleaned in pandas.
_PLAIN_NUMBER = r"^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$"
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$"


@dataclass
class Column:
    """A role's SQL expression over the de-duplicated lines, and any lookup it joins."""

    expr: str
    join: str = ""


def text_literals(values: frozenset[str]) -> str:
    assert not any("'" in v for v in values)
    return ", ".join(f"'{v}'" for v in sorted(values))


class LogReader:
    def __init__(self, backend: SqlBackend, report: DataQualityReport) -> None:
        self.backend = backend
        self.report = report
        self.lookups = 0

    def blanked(self, header: str, kind: str) -> str:
        """The column with Excel's missing markers (and NaN) as NULL."""
        q = self.backend.quote(header)
        if kind == "text":
            return (
                f"CASE WHEN trim({q}) IN ({text_literals(MISSING_MARKERS)}) THEN NULL ELSE {q} END"
            )
        if kind == "float":
            return f"CASE WHEN isnan({q}) THEN NULL ELSE {q} END"
        return q

    def count(self, condition: str) -> int:
        """Rows of the de-duplicated lines that meet ``condition``."""
        value = self.backend.query(
            f"SELECT sum(CASE WHEN {condition} THEN 1 ELSE 0 END) AS n FROM lines_raw"
        )["n"].iloc[0]
        return 0 if pd.isna(value) else int(value)

    def lookup(
        self, column: str, label: str, clean: Callable[[pd.Series, DataQualityReport], pd.Series]
    ) -> Column:
        """Clean a column's distinct values in pandas; join the result back in SQL."""
        distinct = self.backend.query(
            f"SELECT DISTINCT {column} AS raw FROM lines_raw WHERE {column} IS NOT NULL"
        )["raw"]
        scratch = DataQualityReport()
        cleaned = clean(distinct.reset_index(drop=True), scratch)
        present = self.count(f"{column} IS NOT NULL")
        for fix in scratch.fixes:  # a conversion applies to every cell of the column
            self.report.add(fix.issue, label, present, warn=False)
        self.lookups += 1
        name = f"lookup_{self.lookups}"
        self.backend.register(name, pd.DataFrame({"raw": distinct.to_numpy(), "clean": cleaned}))
        return Column(f"{name}.clean", f" LEFT JOIN {name} ON lines_raw.{column} = {name}.raw")

    def ids(self, column: str, kind: str, label: str) -> Column:
        if kind == "integer":
            return Column(column)
        if kind == "text":
            spaced = self.count(f"{column} IS NOT NULL AND trim({column}) <> {column}")
            self.report.add("Spaces around customer ids were removed", label, spaced, warn=False)
            too_long = self.count(f"length({column}) > {MAX_ID_CHARS}")
            if too_long:
                raise SegmentationError(
                    f"Column '{label}' has {too_long:,} ids longer than {MAX_ID_CHARS:,} "
                    "characters, more than a spreadsheet cell holds. Check that the column "
                    "holds customer ids."
                )
            text = f"trim({column})"
            point_zero = self.count(self.backend.matches(text, WHOLE_WITH_POINT_ZERO))
            self.report.add(POINT_ZERO_IDS, label, point_zero, warn=False)
            if point_zero:
                text = self.backend.strip_point_zero(text)
            return Column(f"CASE WHEN trim({column}) = '' THEN NULL ELSE {text} END")
        return self.lookup(column, label, lambda v, r: to_ids(v.astype("float64"), label, r))

    def days(
        self, column: str, kind: str, label: str, date_format: str | None, zone: str | None
    ) -> Column:
        if kind == "date":
            local = column if zone is None else self.backend.local_time(column, zone)
            return Column(self.backend.day_number(local))

        def clean(values: pd.Series, report: DataQualityReport) -> pd.Series:
            dates = to_dates(values, label, report, None, date_format)
            days = (dates.to_numpy().astype("datetime64[D]") - EPOCH_DAY).astype("float64")
            return pd.Series(np.where(dates.isna(), np.nan, days))

        if kind == "text" and date_format is None:
            text = f"trim({column})"
            as_timestamp = self.backend.try_timestamp(text)
            iso = self.backend.matches(text, _ISO_DATE)
            if not self.count(
                f"{column} IS NOT NULL AND NOT ({iso} AND {as_timestamp} IS NOT NULL)"
            ):
                present = self.count(f"{column} IS NOT NULL")
                self.report.add("Dates stored as text were converted", label, present, warn=False)
                return Column(self.backend.day_number(as_timestamp))
        if kind == "other":
            raise type_error(label, "dates")
        return self.lookup(column, label, clean)

    def numbers(self, column: str, kind: str, label: str) -> Column:
        if kind in ("integer", "float"):
            return Column(f"CAST({column} AS DOUBLE)")
        if kind == "text":
            text = f"trim({column})"
            as_double = self.backend.try_double(text)
            plain = self.backend.matches(text, _PLAIN_NUMBER)
            if not self.count(
                f"{column} IS NOT NULL AND NOT ({plain} AND {as_double} IS NOT NULL)"
            ):
                return Column(as_double)  # a CSV column of plain numbers
            return self.lookup(column, label, lambda v, r: to_numbers(v, label, r, None))
        raise type_error(label, "numbers")


def type_error(label: str, what: str) -> SegmentationError:
    return SegmentationError(
        f"Column '{label}' holds neither {what} nor text. Choose another column or "
        "convert it in the source."
    )
