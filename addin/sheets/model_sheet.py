"""The ``Segmentation Model`` sheet: the fitted model and run settings, kept in cells.

The sheet holds data only (JSON text and plain settings), never code, paths to run or
modules to import, so opening a shared workbook cannot make the add-in run anything.
"""

from __future__ import annotations

import json

import pandas as pd

from addin import names
from addin.errors import WorkbookError
from addin.sheets.layout import Block, SheetLayout
from segmentation import SegmentationModel

JSON_HEADER = "Model JSON"
RUN_HEADER = "Run record (JSON)"
CHUNK = 30_000  # Excel holds at most 32,767 characters in a cell.


def model_layout(model: SegmentationModel, record: dict[str, object]) -> SheetLayout:
    """Settings for people to read, and the model and run record as JSON for the add-in."""
    text = model.to_json()
    chunks = [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]
    readable = {**model.settings, **record, "package version": model.version}
    settings = pd.DataFrame(
        {"Setting": list(readable), "Value": [_text(v) for v in readable.values()]}
    )
    notes = [
        "The fitted segmentation model. The add-in and `segment run --model` read it to "
        "score new customers on the same scale. Do not edit.",
    ]
    layout = SheetLayout(names.MODEL_SHEET, "Segmentation Model", notes, hidden=True)
    layout.blocks += [
        Block("settings", settings, row=5, column=1),
        Block(
            "record",
            pd.DataFrame({RUN_HEADER: [json.dumps(record, sort_keys=True, default=str)]}),
            row=5,
            column=4,
        ),
        Block("model", pd.DataFrame({JSON_HEADER: chunks}), row=5, column=5),
    ]
    layout.column_widths = {1: 24, 2: 40, 4: 30, 5: 80}
    return layout


def _column_below(rows: list[list[object]], header: str) -> list[str] | None:
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value == header:
                below = []
                for later in rows[i + 1 :]:
                    cell = later[j] if j < len(later) else None
                    if cell in (None, ""):
                        break
                    below.append(str(cell))
                return below
    return None


def read_model(rows: list[list[object]] | None) -> SegmentationModel | None:
    """The model saved in a workbook's model sheet, or None when there is none."""
    if rows is None:
        return None
    chunks = _column_below(rows, JSON_HEADER)
    if not chunks:
        raise WorkbookError(
            f"The '{names.MODEL_SHEET}' sheet has no '{JSON_HEADER}' cells: the saved model "
            "was removed or edited. Run the segmentation again to save a new model."
        )
    return SegmentationModel.from_json("".join(chunks))


def read_record(rows: list[list[object]] | None) -> dict[str, object]:
    """The last run's record (input location, columns written); empty when absent."""
    if rows is None:
        return {}
    cells = _column_below(rows, RUN_HEADER)
    if not cells:
        return {}
    try:
        record = json.loads(cells[0])
    except json.JSONDecodeError:
        return {}
    return record if isinstance(record, dict) else {}


def _text(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return "" if value is None else str(value)
