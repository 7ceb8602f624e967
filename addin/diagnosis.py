"""What `segment validate` and the Check Data button tell: every problem that would stop
a run (not only the first), then every note a run would make, most important first."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from addin.pipeline import RunOptions, check_summary
from segmentation import CustomerData, SegmentationError, segment_customers
from segmentation.api import read_for_run
from segmentation.errors import SegmentationWarning, describe_rows
from segmentation.reading.diagnose import find_problems
from segmentation.reading.quality import ALL_COLUMNS, Fix

# Notes that change which rows or customers count come first, then readings that could
# have gone another way, then plain conversions.
_LEFT_OUT = ("left out", "removed", "skipped", "netted", "treated as blank")
_READ_AS = ("read month first", "ignored", "read as whole")


@dataclass
class Diagnosis:
    label: str
    data: CustomerData | None
    problems: list[SegmentationError] = field(default_factory=list)
    run_notes: list[str] = field(default_factory=list)  # what scoring would warn about


def _rank(fix: Fix) -> tuple[int, int]:
    issue = fix.issue.lower()
    if any(word in issue for word in _LEFT_OUT):
        return 0, -fix.count
    return (1 if any(word in issue for word in _READ_AS) else 2), -fix.count


def diagnose(
    frame: pd.DataFrame | CustomerData, options: RunOptions, *, first_row: int, label: str
) -> Diagnosis:
    """Read as a run would; on a problem, check every column for the others too; then
    score, to hear what the run would say. ``options`` are complete (``with_settings``)."""
    if isinstance(frame, CustomerData):
        data = frame
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SegmentationWarning)
                data = read_for_run(
                    frame, model=options.model, columns=options.columns, as_of=options.as_of,
                    features=options.features, categorical=options.categorical,
                    first_row=first_row, date_format=options.date_format,
                )  # fmt: skip
        except SegmentationError as first:
            problems = find_problems(
                frame, columns=options.columns, as_of=options.as_of,
                date_format=options.date_format, first_row=first_row,
            )  # fmt: skip
            if str(first) not in {str(p) for p in problems}:
                problems.append(first)  # found after the cells were read: no rows left, ...
            return Diagnosis(label, None, problems)
    diagnosis = Diagnosis(label, data)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            segment_customers(
                data, method=options.method, model=options.model, n_bins=options.n_bins,
                ties=options.ties, breaks=options.breaks, segment_map=options.segment_map,
                n_clusters=options.n_clusters, k_range=options.k_range,
                features=options.features, categorical=options.categorical,
            )  # fmt: skip
        diagnosis.run_notes = list(
            dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, UserWarning))
        )
    except SegmentationError as exc:
        diagnosis.problems.append(exc)
    return diagnosis


def render(diagnosis: Diagnosis, wording: Callable[[BaseException], str]) -> tuple[str, str]:
    """The report and the problems (empty when none), settings named in the front end's
    words (``wording``)."""
    lines, problems = [], []
    data = diagnosis.data
    if data is not None:
        summary = check_summary(diagnosis.label, data).splitlines()
        lines += [line for line in summary if not line.startswith(("- ", "No problems"))]
        fixes = sorted(data.report.fixes, key=_rank)
        if fixes or diagnosis.run_notes:
            lines.append("Notes, most important first:")
        for f in fixes:
            rows = f" (e.g. {describe_rows(f.example_rows)})" if f.example_rows else ""
            place = "" if f.column == ALL_COLUMNS else f" in '{f.column}'"
            lines.append(f"- {f.issue}: {f.count:,}{place}{rows}")
        lines += [f"- {note}" for note in diagnosis.run_notes]
        if not fixes and not diagnosis.run_notes and not diagnosis.problems:
            lines.append("No problems found.")
    if diagnosis.problems:
        count = len(diagnosis.problems)
        problems.append(
            f"{count} problem{'s' if count > 1 else ''} would stop a run of {diagnosis.label}; "
            "fix them in this order:"
        )
        problems += [f"{i}. {wording(p)}" for i, p in enumerate(diagnosis.problems, start=1)]
    return "\n".join(lines), "\n".join(problems)
