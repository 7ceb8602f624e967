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


def _decode(raw: bytes) -> tuple[str, str]:
    """The sample's text and encoding: a BOM decides, else UTF-8, else Windows-1252."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="ignore"), "utf-16"
    if raw[:2000].count(b"\x00") > len(raw[:2000]) // 4:  # UTF-16 without a BOM
        encoding = "utf-16-le" if raw[1:2] == b"\x00" else "utf-16-be"
        return raw.decode(encoding, errors="ignore"), encoding
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3:  # the sample cut a character in two
            return raw[: exc.start].decode("utf-8-sig"), "utf-8-sig"
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def sniff_csv(path: Path) -> tuple[str, str]:
    """Encoding and separator of a CSV file, from its first 64 kB."""
    with open(path, "rb") as handle:
        raw = handle.read(65_536)
    sample, encoding = _decode(raw)
    try:
        separator = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|").delimiter
    except csv.Error:
        separator = ","
    return encoding, separator


def parquet_time_zones(files: Sequence[Path]) -> dict[str, str]:
    """Column -> time zone of the time-zone-aware timestamp columns of a Parquet log.

    SQL engines read such columns as instants in UTC; pandas keeps the zone and takes
    the local date. Engines convert to this zone first so both give the same day. A
    fixed offset (``+02:00``) is given as its ``Etc/GMT`` zone.
    """
    if not files or not is_parquet(files):
        return {}
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pq.read_schema(files[0])
    except Exception:  # a damaged file: the engine explains it when it reads
        return {}
    zones = {}
    for field in schema:
        zone = getattr(field.type, "tz", None) if pa.types.is_timestamp(field.type) else None
        if zone and zone.upper() not in ("UTC", "Z", "+00:00", "ETC/UTC"):
            zones[field.name] = _named_zone(zone)
    return {name: zone for name, zone in zones.items() if zone}


def _named_zone(zone: str) -> str | None:
    if zone[:1] not in "+-":
        return zone
    hours, _, minutes = zone[1:].partition(":")
    if not hours.isdigit() or minutes not in ("", "00"):
        return None  # an offset of part hours: read as UTC, as before
    # Etc/GMT zones count the other way: UTC+02:00 is Etc/GMT-2.
    sign = "-" if zone[0] == "+" else "+"
    return f"Etc/GMT{sign}{int(hours)}"
