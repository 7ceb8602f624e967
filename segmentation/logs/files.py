"""The files of a transaction log: one file, a folder or a glob pattern, and how a CSV
file is encoded and separated."""

from __future__ import annotations

import csv
import glob
from collections.abc import Sequence
from pathlib import Path

from segmentation.errors import SegmentationError

LOG_SUFFIXES = (".csv", ".txt", ".parquet")


def log_files(source: str | Path | Sequence[str | Path]) -> list[Path]:
    """The files of a log given as one file, a folder, a glob pattern, or a list of them.

    A folder means every CSV or Parquet file directly in it. All files must be of one
    kind (CSV or Parquet); they are returned sorted, so runs are repeatable.
    """
    items = [source] if isinstance(source, (str, Path)) else list(source)
    files: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in LOG_SUFFIXES)
            if not found:
                raise SegmentationError(f"The folder '{path}' has no .csv or .parquet files.")
            files += found
        elif path.exists():
            files.append(path)
        elif glob.has_magic(str(item)):
            found = sorted(Path(p) for p in glob.glob(str(item)) if Path(p).is_file())
            if not found:
                raise SegmentationError(f"No files match '{item}'.")
            files += found
        else:
            raise SegmentationError(f"'{item}' does not exist. Check the path.")
    kinds = {"parquet" if p.suffix.lower() == ".parquet" else "csv" for p in files}
    if len(kinds) > 1:
        raise SegmentationError(
            "The log mixes CSV and Parquet files. Give one kind at a time "
            f"({', '.join(p.name for p in files[:4])})."
        )
    return files


def is_parquet(files: Sequence[Path]) -> bool:
    return files[0].suffix.lower() == ".parquet"


def sniff_csv(path: Path) -> tuple[str, str]:
    """Encoding and separator of a CSV file, from its first 64 kB."""
    with open(path, "rb") as handle:
        raw = handle.read(65_536)
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            sample = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        separator = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|").delimiter
    except csv.Error:
        separator = ","
    return encoding, separator
