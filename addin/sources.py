"""Reading CSV and Parquet inputs: encodings, separators and ids kept as text."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import pandas as pd

from addin.errors import WorkbookError
from segmentation import SegmentationError, detect_columns

ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


def _sniff(path: Path) -> tuple[str, str]:
    """Encoding and separator of a CSV file, from its first few kilobytes."""
    raw = path.read_bytes()[:65_536]
    for encoding in ENCODINGS:
        try:
            sample = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # latin-1 decodes anything, so this is unreachable
        raise WorkbookError(f"Cannot read the text of '{path.name}'.")
    try:
        separator = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|").delimiter
    except csv.Error:
        separator = ","
    return encoding, separator


def read_source(path: Path, columns: dict[str, str] | None = None) -> pd.DataFrame:
    """A CSV or Parquet file as a DataFrame; id columns stay text (leading zeros kept)."""
    if path.suffix.lower() == ".parquet":
        try:
            return pd.read_parquet(path)
        except ImportError as exc:
            raise WorkbookError(
                "Reading Parquet needs the pyarrow package: pip install pyarrow."
            ) from exc
        except Exception as exc:  # pyarrow raises its own types for damaged files
            raise WorkbookError(f"'{path.name}' is not a readable Parquet file ({exc}).") from exc
    encoding, separator = _sniff(path)
    try:
        header = pd.read_csv(path, sep=separator, encoding=encoding, nrows=0)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise WorkbookError(f"'{path.name}' is empty or not a CSV file ({exc}).") from exc
    text_columns = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = detect_columns(header, columns)
        text_columns = [found.roles[r] for r in ("customer_id", "order_id") if r in found.roles]
    except SegmentationError:
        pass  # the engine will explain what is missing
    try:
        return pd.read_csv(
            path,
            sep=separator,
            encoding=encoding,
            dtype=dict.fromkeys(text_columns, str),
            keep_default_na=False,
            na_values=[""],
        )
    except pd.errors.ParserError as exc:
        raise WorkbookError(f"'{path.name}' could not be read as CSV ({exc}).") from exc
