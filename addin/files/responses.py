"""A campaign's responses file: CSV (all text, so ids keep leading zeros), workbook, Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from addin.errors import WorkbookError
from addin.files.safety import WORKBOOK_SUFFIXES, check_readable
from addin.files.sources import read_source
from addin.files.xlsx import read_sheet_values, unique_headers


def read_responses_file(path: Path) -> pd.DataFrame:
    """The responses table: a CSV file, the first sheet of a workbook, or a Parquet file."""
    path = Path(path)
    check_readable(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from segmentation.logs.files import sniff_csv

        encoding, separator = sniff_csv(path)
        try:
            return pd.read_csv(path, sep=separator, encoding=encoding, dtype=str,
                               keep_default_na=False, na_values=[""])  # fmt: skip
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise WorkbookError(f"'{path.name}' could not be read as CSV ({exc}).") from exc
    if suffix in WORKBOOK_SUFFIXES:
        from openpyxl import load_workbook

        first = load_workbook(path, read_only=True).sheetnames[0]
        rows = read_sheet_values(path, first) or [[]]
        return pd.DataFrame(rows[1:], columns=unique_headers(rows[0]), dtype=object)
    return read_source(path)
