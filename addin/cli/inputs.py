"""How command-line arguments become run options and data: flags, models, data files."""

from __future__ import annotations

import argparse
import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from addin import names
from addin.cli.value_flags import value_overrides
from addin.errors import WorkbookError
from addin.files.safety import (
    WORKBOOK_SUFFIXES,
    check_readable,
)
from addin.files.sources import load_data
from addin.files.xlsx import read_sheet_values
from addin.pipeline import (
    RunOptions,
)
from addin.reading_options import parse_breaks
from addin.sheets.model_sheet import read_model
from segmentation import CustomerData, SegmentationModel
from segmentation.errors import SegmentationWarning


def parse_columns(pairs: list[str]) -> dict[str, str] | None:
    mapping = {}
    for pair in pairs:
        role, sep, header = pair.partition("=")
        if not sep or not role.strip() or not header.strip():
            raise WorkbookError(
                f"--column needs ROLE=HEADER, e.g. --column amount='Net Sales'. Got '{pair}'."
            )
        mapping[role.strip()] = header.strip().strip("'\"")
    return mapping or None


def load_model(path: Path) -> SegmentationModel:
    if path.suffix.lower() == ".json":
        return SegmentationModel.load(path)
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise WorkbookError(
            f"--model must be a workbook with a '{names.MODEL_SHEET}' sheet or a .json file; "
            f"got '{path.name}'."
        )
    check_readable(path)
    model = read_model(read_sheet_values(path, names.MODEL_SHEET))
    if model is None:
        raise WorkbookError(
            f"'{path.name}' has no '{names.MODEL_SHEET}' sheet. Use a workbook written by "
            "`segment run`, or a model saved with --save-model."
        )
    return model


def options_from(args: argparse.Namespace) -> RunOptions:
    segments = getattr(args, "segments", None)
    if segments not in (None, "auto"):
        try:
            segments = int(segments)
        except ValueError as exc:
            raise WorkbookError(
                f"--segments must be a whole number such as 4, or auto; got '{segments}'."
            ) from exc
    given = getattr(args, "features", None)
    features = [f.strip() for f in given.split(",") if f.strip()] if given else None
    model = load_model(args.model) if getattr(args, "model", None) else None
    return RunOptions(
        sheet=args.sheet,
        table=args.table,
        method=getattr(args, "method", None),
        n_clusters=segments,
        n_bins=getattr(args, "bins", None),
        ties=getattr(args, "ties", None),
        as_of=args.as_of,
        columns=parse_columns(args.column),
        features=features,
        model=model,
        value=value_overrides(args),
        date_format=getattr(args, "date_format", None),
        breaks=parse_breaks(getattr(args, "breaks", None) or []),
    )


def is_data_source(source: Path) -> bool:
    """A CSV/Parquet file, a folder of them, or a glob pattern (not a workbook)."""
    return source.suffix.lower() not in WORKBOOK_SUFFIXES or not source.is_file()


@contextlib.contextmanager
def collecting_warnings(into: list[str]) -> Iterator[None]:
    """The engine's warnings become notes in ``into`` instead of printed warnings."""
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always", SegmentationWarning)
        yield
    into += [str(w.message) for w in records]


def load_source(
    source: Path, args: argparse.Namespace, progress, caught: list[str]
) -> pd.DataFrame | CustomerData:
    """Read a data source; a SQL engine's warnings go to ``caught``."""
    progress(f"Reading {source.name}", 0.03)
    with collecting_warnings(caught):
        return load_data(
            source,
            engine=args.engine,
            columns=parse_columns(args.column),
            as_of=args.as_of,
            memory_limit=args.memory_limit,
            date_format=getattr(args, "date_format", None),
            progress=lambda step, f: progress(step, 0.03 + 0.3 * f),
        )
