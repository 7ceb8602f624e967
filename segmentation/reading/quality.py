"""What counts as a missing value, and the data-quality report: every fix, counted."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation.errors import SegmentationWarning, describe_rows

# What Excel ranges and CSV exports use for "no value". Compared after stripping.
MISSING_MARKERS = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "N/A",
        "n/a",
        "NA",
        "na",
        "NULL",
        "null",
        "Null",
        "None",
        "none",
        "NaN",
        "nan",
        "-",
        "--",
        "?",
        "#VALUE!",
        "#REF!",
        "#DIV/0!",
        "#NUM!",
        "#NAME?",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
    }
)


ALL_COLUMNS = "(all)"  # a fix about whole rows, not one column


@dataclass
class Fix:
    """One kind of change made to the data, with how often it was made."""

    issue: str
    column: str
    count: int
    example_rows: tuple[int, ...] = ()


@dataclass
class DataQualityReport:
    """What was read, what was used, and every fix made on the way.

    The report is built once and shown many ways: ``str(report)`` for a terminal,
    :meth:`to_frame` for a sheet, :meth:`to_dict` for JSON.
    """

    rows_read: int = 0
    rows_used: int = 0
    customers: int = 0
    fixes: list[Fix] = field(default_factory=list)

    def add(
        self,
        issue: str,
        column: str,
        count: int,
        rows: np.ndarray | None = None,
        *,
        warn: bool = True,
    ) -> None:
        """Record a fix; usable oddities are also raised as warnings."""
        if count <= 0:
            return
        example = tuple(int(r) for r in (rows[:5] if rows is not None else ()))
        self.fixes.append(Fix(issue, column, int(count), example))
        if warn:
            where = f" ({describe_rows(rows)})" if rows is not None and len(rows) else ""
            place = "" if column == ALL_COLUMNS else f" in column '{column}'"
            warnings.warn(
                f"{issue}: {count}{place}{where}.",
                SegmentationWarning,
                stacklevel=3,
            )

    def count(self, issue: str) -> int:
        return sum(f.count for f in self.fixes if f.issue == issue)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "Issue": [f.issue for f in self.fixes],
                "Column": [f.column for f in self.fixes],
                "Count": [f.count for f in self.fixes],
                "Example rows": [", ".join(map(str, f.example_rows)) for f in self.fixes],
            }
        )

    def to_dict(self) -> dict:
        return {
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "customers": self.customers,
            "fixes": [
                {
                    "issue": f.issue,
                    "column": f.column,
                    "count": f.count,
                    "example_rows": list(f.example_rows),
                }
                for f in self.fixes
            ],
        }

    def summary_line(self) -> str:
        """One sentence: rows read and used, customers, how many fixes."""
        fixes = sum(f.count for f in self.fixes)
        tail = f"{fixes:,} cells or rows fixed or left out" if fixes else "no problems found"
        return (
            f"{self.rows_read:,} rows read, {self.rows_used:,} used, "
            f"{self.customers:,} customers; {tail}."
        )

    def __str__(self) -> str:
        lines = [
            f"Rows read: {self.rows_read:,}; rows used: {self.rows_used:,}; "
            f"customers: {self.customers:,}."
        ]
        if not self.fixes:
            lines.append("No problems found.")
        for f in self.fixes:
            rows = f" (e.g. {describe_rows(f.example_rows)})" if f.example_rows else ""
            place = "" if f.column == ALL_COLUMNS else f" in '{f.column}'"
            lines.append(f"- {f.issue}: {f.count:,}{place}{rows}")
        return "\n".join(lines)
