"""The Compare with Last Run button: this workbook's table against its last run."""

from __future__ import annotations

from addin.errors import WorkbookError
from addin.workbook import Workbook
from segmentation import names as columns


def compare_with_last_run(book: Workbook, status) -> str:
    """Score the table with the saved model, compare with the last run, and say who moved."""
    from addin.comparison import previous_run
    from addin.pipeline import RunOptions, run_pipeline

    if previous_run(book, "the last run in this workbook") is None:
        raise WorkbookError(
            "This workbook holds no earlier run to compare with. Press RFM Segments first; "
            "after next month's data is in, Compare with Last Run shows who moved where."
        )
    outcome = run_pipeline(book, RunOptions(compare_last=True, use_saved_model=True), status)
    return changes_message(outcome)


def changes_message(outcome) -> str:
    changes = outcome.changes
    if changes is None:  # the comparison could not be made: the notes say why
        return "\n".join(outcome.warnings)
    moved = changes.customers[columns.MOVEMENT].value_counts()
    lines = [
        f"{len(outcome.result.customers):,} customers from {outcome.source}, compared with "
        f"{changes.previous_label}:",
        ", ".join(f"{moved.get(m, 0):,} {m}" for m in columns.MOVEMENTS)
        + f"; {len(changes.absent):,} not present now.",
    ]
    top = changes.top_moves.head(5)
    if len(top):
        lines.append("Biggest moves:")
        lines += [
            f"  {a} -> {b}: {n:,} customers"
            for a, b, n in zip(
                top[columns.FROM_SEGMENT], top[columns.TO_SEGMENT], top[columns.CUSTOMERS]
            )
        ]
    return "\n".join([*lines, f"Sheets: {', '.join(outcome.sheets)}", *outcome.warnings])
