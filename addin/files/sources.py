"""Reading CSV and Parquet inputs: encodings, separators and ids kept as text.

Small files are read into memory (every message can name its row); large logs, folders
and glob patterns go to a SQL engine (:mod:`segmentation.logs.reader`), DuckDB by default.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from addin.errors import WorkbookError
from addin.files.sniffing import check_text_file
from addin.names import MAX_SHEET_ROWS
from segmentation import CustomerData, SegmentationError, detect_columns, names, read_customers
from segmentation.logs.backend import NotALogError
from segmentation.logs.files import is_parquet, log_files, sniff_csv
from segmentation.logs.reader import read_log
from segmentation.reading.aggregate import written_money


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
    check_text_file(path)
    encoding, separator = sniff_csv(path)
    header = csv_headers(path, encoding, separator)
    text_columns = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = detect_columns(header, columns)
        text_columns = [found.roles[r] for r in ("customer_id", "order_id") if r in found.roles]
    except SegmentationError:
        pass  # the engine will explain what is missing
    try:
        frame = pd.read_csv(
            path,
            sep=separator,
            encoding=encoding,
            dtype=dict.fromkeys(text_columns, str),
            keep_default_na=False,
            na_values=[""],
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise WorkbookError(
            f"'{path.name}' could not be read as CSV ({exc}). Save it again as CSV UTF-8 "
            "from Excel (File > Save As) and run again."
        ) from exc
    # pandas renames a repeated header ("Amount.1"); the reader names repeats itself.
    frame.columns = list(header.columns)
    return frame


def csv_headers(path: Path, encoding: str, separator: str) -> pd.DataFrame:
    """The header row of a CSV file, as an empty frame with those exact headers."""
    try:
        row = pd.read_csv(
            path, sep=separator, encoding=encoding, nrows=1, header=None, dtype=str,
            keep_default_na=False,
        )  # fmt: skip
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise WorkbookError(
            f"'{path.name}' is empty or not a CSV file ({exc}). Export the data again as CSV "
            "with a header row."
        ) from exc
    if row.empty:
        raise WorkbookError(f"'{path.name}' is empty. Export the data again with a header row.")
    return pd.DataFrame(columns=[str(h).strip() for h in row.iloc[0]])


ENGINES = ("auto", "pandas", "duckdb", "spark")
# Up to these sizes, auto reads in memory (messages name rows); beyond, DuckDB, which
# is faster and leaner there (10M Parquet lines: 8.4 s and 1.2 GB against 10.8 s, 2.2 GB).
IN_MEMORY_ROWS = 1_000_000
IN_MEMORY_CSV_BYTES = 64 * 2**20  # about a million lines of a typical log


def _fits_in_memory(files: list[Path]) -> bool:
    if len(files) != 1:
        return False
    if not is_parquet(files):
        return files[0].stat().st_size <= IN_MEMORY_CSV_BYTES
    try:
        import pyarrow.parquet as pq

        return pq.ParquetFile(files[0]).metadata.num_rows <= IN_MEMORY_ROWS
    except Exception:  # a damaged file: the in-memory reader explains it
        return True


def choose_engine(files: list[Path], engine: str) -> str:
    """``auto``: one file of up to a million lines is read in memory, else by DuckDB."""
    if engine not in ENGINES:
        raise WorkbookError(f"--engine must be one of {', '.join(ENGINES)}; got '{engine}'.")
    if engine != "auto":
        return engine
    return "pandas" if _fits_in_memory(files) else "duckdb"


def load_data(
    source: str | Path,
    *,
    engine: str = "auto",
    columns: dict[str, str] | None = None,
    as_of: object = None,
    memory_limit: str | None = "1GB",
    progress: Callable[[str, float], None] | None = None,
    date_format: str | None = None,
) -> pd.DataFrame | CustomerData:
    """A CSV/Parquet file, folder or glob: a DataFrame (in memory) or the customers
    aggregated by a SQL engine."""
    try:
        files = log_files(source)
    except SegmentationError as exc:
        raise WorkbookError(str(exc)) from exc
    if len(files) > 1:
        check_same_headers(files, columns)
    chosen = choose_engine(files, engine)
    if chosen == "pandas":
        return _in_memory(files, columns)
    if chosen == "duckdb":
        from segmentation.logs.duckdb_engine import DuckDBLog

        backend = DuckDBLog(files, memory_limit=memory_limit)
    else:
        from segmentation.logs.spark_engine import SparkLog

        backend = SparkLog(files)  # Spark's memory is its session's (spark.driver.memory)
    with backend:
        try:
            return read_log(
                backend, columns=columns, as_of=as_of, date_format=date_format, progress=progress
            )
        except NotALogError:
            pass
    # A customer table (one row per customer) fits in memory whatever the engine.
    return _in_memory(files, columns)


def file_headers(path: Path) -> list[str]:
    """The headers of one CSV or Parquet file of a log."""
    if path.suffix.lower() == ".parquet":
        try:
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        except Exception as exc:
            raise WorkbookError(f"'{path.name}' is not a readable Parquet file ({exc}).") from exc
    check_text_file(path)
    encoding, separator = sniff_csv(path)
    return list(csv_headers(path, encoding, separator).columns)


def check_same_headers(files: list[Path], columns: dict[str, str] | None) -> None:
    """The files of one log must head their columns alike: a file whose id, date or
    amount column has another header would be read as blank rows."""
    first_roles = None
    for path in files:
        headers = file_headers(path)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                roles = detect_columns(pd.DataFrame(columns=headers), columns).roles
        except SegmentationError as exc:
            raise WorkbookError(f"In '{path.name}', one of the log's files: {exc}") from exc
        if first_roles is None:
            first, first_roles = path, roles
            continue
        differ = {r: (first_roles.get(r), h) for r, h in roles.items() if first_roles.get(r) != h}
        if differ:
            listed = "; ".join(
                f"'{new}' in '{path.name}' but '{old}' in '{first.name}'"
                for old, new in differ.values()
            )
            raise WorkbookError(
                f"The files of the log head the same column differently: {listed}. Rows "
                "of files with other headers would be read as blank. Give every file the "
                "same headers (rename them in the files), or segment the files one by one."
            )


def _in_memory(files: list[Path], columns: dict[str, str] | None) -> pd.DataFrame:
    frames = [read_source(path, columns) for path in files]
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def log_customers(
    data: pd.DataFrame | CustomerData,
    name: str,
    *,
    columns: dict[str, str] | None = None,
    as_of: object = None,
    date_format: str | None = None,
) -> CustomerData:
    """A loaded log (:func:`load_data`) as one row per customer, for a workbook sheet."""
    if isinstance(data, pd.DataFrame):
        data = read_customers(data, columns=columns, as_of=as_of, date_format=date_format)
    if data.kind != "transactions":
        raise WorkbookError(
            f"'{name}' is already a customer table (one row per customer): "
            "open it in Excel, or segment it with `segment run`."
        )
    if len(data.table) > MAX_SHEET_ROWS:
        raise WorkbookError(
            f"{len(data.table):,} customers do not fit on one Excel sheet "
            f"({MAX_SHEET_ROWS:,} rows). Segment the log with `segment run`, which writes "
            "every customer to a Parquet or CSV file beside the summary workbook."
        )
    first = [names.CUSTOMER_ID, names.LAST_PURCHASE, names.RECENCY, names.FREQUENCY]
    data.table = written_money(
        data.table[[*first, *(c for c in data.table.columns if c not in first)]],
        data.money_decimals,
    )
    return data
