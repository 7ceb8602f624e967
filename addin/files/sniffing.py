"""What a file really is, from its first bytes: a renamed file gets a message that
says what it is and what to do, instead of a parser's error."""

from __future__ import annotations

from pathlib import Path

from addin.errors import WorkbookError

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Stream names inside an OLE compound file, stored as UTF-16LE.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_XLS_STREAMS = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))
_PARQUET_SIGNATURE = b"PAR1"


def _head(path: Path, size: int) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def ole_kind(path: Path) -> str | None:
    """For an OLE compound file: "encrypted" (a password-protected .xlsx), "xls" (an
    Excel 97-2003 workbook) or "other"; None for any other file."""
    if _head(path, 8) != OLE_SIGNATURE:
        return None
    data = path.read_bytes()
    if _ENCRYPTED_STREAM in data:
        return "encrypted"
    if any(stream in data for stream in _XLS_STREAMS):
        return "xls"
    return "other"


def old_workbook_error(path: Path) -> WorkbookError:
    return WorkbookError(
        f"'{path.name}' is an old Excel 97-2003 workbook (.xls) with the name of a newer "
        "one. Open it in Excel and save it as an Excel Workbook (.xlsx) (File > Save As), "
        "then run again."
    )


def check_text_file(path: Path) -> None:
    """Refuse a workbook or Parquet file named like a CSV file, saying what it is."""
    head = _head(path, 8)
    if head.startswith(ZIP_SIGNATURE):
        raise WorkbookError(
            f"'{path.name}' is an Excel workbook (or another zip file), not a CSV text file. "
            f"Rename it to '{path.stem}.xlsx' and run again, or save it from Excel as "
            "CSV UTF-8 (File > Save As)."
        )
    if head == OLE_SIGNATURE:
        raise WorkbookError(
            f"'{path.name}' is an old Excel 97-2003 workbook (.xls), not a CSV text file. "
            "Open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV UTF-8, "
            "then run again."
        )
    if head.startswith(_PARQUET_SIGNATURE):
        raise WorkbookError(
            f"'{path.name}' is a Parquet file, not a CSV text file. Rename it to "
            f"'{path.stem}.parquet' and run again."
        )


def check_formula_results(
    book: object, ref: object, frame: object, columns: dict[str, str] | None = None
) -> None:
    """Refuse an id, date or amount column of formulas that were never calculated (a
    file written by a program, not saved by Excel): its cells read as blank."""
    count = getattr(book, "uncalculated_formulas", None)  # files only: Excel calculates
    if count is None:
        return
    import warnings

    from openpyxl.utils import get_column_letter

    from segmentation import SegmentationError, detect_columns

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            used = set(detect_columns(frame, columns).roles.values())
    except SegmentationError:
        return  # the engine names the missing columns
    blank = [j for j, name in enumerate(frame.columns) if name in used and frame[name].isna().all()]
    if not blank or frame.empty:
        return
    for j in blank:
        column = ref.first_column + j
        formulas = count(ref.sheet, column, ref.first_row + 1, ref.last_row)
        if formulas:
            letter = get_column_letter(column)
            raise WorkbookError(
                f"Column '{frame.columns[j]}' (cells {letter}{ref.first_row + 1}:{letter}"
                f"{ref.last_row} on sheet '{ref.sheet}') holds {formulas:,} formulas whose "
                "results were never saved: the file was written by a program, not by Excel. "
                "Open it in Excel (or LibreOffice), let it calculate, save it, and run again."
            )
