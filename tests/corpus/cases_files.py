"""Corpus cases about files: encodings, separators, renamed and damaged files, folders,
Parquet, formulas without results, output places, flags."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tests.corpus.builders import (
    HEADERS,
    as_frame,
    log_rows,
    log_values,
    write_csv,
    write_parquet,
    write_xlsx,
)
from tests.corpus.cases import WORKBOOK, Case

ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "utf-16")
SEPARATORS = ((",", "comma"), (";", "semicolon"), ("\t", "tab"))


def _encoding_cases() -> list[Case]:
    cases = []
    rows, as_of = log_rows()
    # A column of accented text, as exports from European systems carry.
    rows = [[*rows[0], "Ville"]] + [[*r, "Zürich" if i % 2 else "Málaga"] for i, r in
                                    enumerate(rows[1:])]  # fmt: skip
    for encoding in ENCODINGS:
        for separator, label in SEPARATORS:
            decimal = "," if separator == ";" else "."
            notes = ("Numbers stored as text were converted",) if decimal == "," else ()
            cases.append(
                Case(
                    f"csv-{encoding}-{label}",
                    lambda folder, e=encoding, s=separator, d=decimal: write_csv(
                        folder / "export.csv", rows, encoding=e, separator=s, decimal=d,
                        newline="\r\n" if e in ("cp1252", "utf-16") else "\n",
                    ),
                    notes=notes,
                    as_of=as_of,
                )
            )  # fmt: skip
    return cases


def _renamed(source: Callable[[Path], Path], name: str) -> Callable[[Path], Path]:
    """A file written by ``source``, then given another name (as users rename files)."""

    def build(folder: Path) -> Path:
        work = folder / "work"
        work.mkdir()
        target = source(work).replace(folder / name)
        work.rmdir()
        return target

    return build


def _ole(streams: tuple[str, ...]) -> bytes:
    """The start of an OLE compound file naming ``streams`` in its directory."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + b"".join(s.encode("utf-16-le") + b"\x00" * 32 for s in streams)


def _write_bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    return build


def _truncated_sheet(folder: Path) -> Path:
    rows, _ = log_rows()
    good = write_xlsx(folder / "whole.xlsx", rows)
    target = folder / "cut.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data[: len(data) // 2]
            out.writestr(item, data)
    good.unlink()
    return target


def _formulas_without_results(folder: Path) -> Path:
    rows, _ = log_rows()
    with_formulas = [[*rows[0][:2], "Net", "Amount"]] + [
        [r[0], r[1], r[2], f"=C{i + 2}*1.2"] for i, r in enumerate(rows[1:])
    ]
    return write_xlsx(folder / "computed.xlsx", with_formulas)


def _folder(same_headers: bool) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        logs = folder / "logs"
        logs.mkdir()
        rows, _ = log_rows()
        write_csv(logs / "2024-h1.csv", rows[:19])
        second = [["Customer ID" if same_headers else "Client", *HEADERS[1:]], *rows[19:]]
        write_csv(logs / "2024-h2.csv", second)
        return logs

    return build


def _zoned_parquet(folder: Path) -> Path:
    ids, dates, amounts = log_values()
    stamps = pd.DatetimeIndex(dates) + pd.Timedelta(minutes=30)
    frame = pd.DataFrame(
        {"Customer ID": ids, "Order Date": stamps.tz_localize("Europe/Paris"), "Amount": amounts}
    )
    return write_parquet(folder / "zoned.parquet", frame)


def _file_cases() -> list[Case]:
    rows, as_of = log_rows()
    workbook = lambda folder: write_xlsx(folder / "orders.xlsx", rows)  # noqa: E731
    csv = lambda folder: write_csv(folder / "orders.csv", rows)  # noqa: E731
    parquet = lambda folder: write_parquet(folder / "orders.parquet", as_frame(rows))  # noqa: E731
    _, zoned_as_of = log_rows()
    return [
        Case("workbook-renamed-csv", _renamed(workbook, "orders.csv"),
             refuse=("'orders.csv' is an Excel workbook", "Rename it to 'orders.xlsx'")),
        Case("parquet-renamed-csv", _renamed(parquet, "orders.csv"),
             refuse=("'orders.csv' is a Parquet file", "'orders.parquet'")),
        Case("old-xls-renamed-xlsx", _write_bytes("old.xlsx", _ole(("Workbook", "SummaryInfo"))),
             commands=WORKBOOK, refuse=("'old.xlsx' is an old Excel 97-2003 workbook",
                                        "save it as an Excel Workbook (.xlsx)")),
        Case("password-protected-xlsx", _write_bytes("locked.xlsx",
             _ole(("EncryptionInfo", "EncryptedPackage"))), commands=WORKBOOK,
             refuse=("'locked.xlsx' is password-protected", "Remove the password")),
        Case("not-a-zip-named-xlsx", _write_bytes("junk.xlsx", b"Customer ID,Date\nA,1\n"),
             commands=WORKBOOK, refuse=("'junk.xlsx' is damaged or not really an Excel",)),
        Case("truncated-sheet-in-a-valid-zip", _truncated_sheet, commands=WORKBOOK,
             refuse=("'cut.xlsx' is damaged", "Open it in Excel")),
        Case("formulas-without-saved-results", _formulas_without_results, commands=WORKBOOK,
             refuse=("Column 'Amount' (cells D2:D37 on sheet 'Orders') holds 36 formulas",
                     "Open it in Excel")),
        Case("import-given-a-workbook", workbook, commands=("import",),
             refuse=("'orders.xlsx' is a workbook; `segment import` reads",
                     "segment run orders.xlsx")),
        Case("output-into-a-missing-folder", csv, commands=("run", "import"),
             output="missing/result.xlsx", refuse=("The folder", "does not exist")),
        Case("output-not-a-workbook", csv, commands=("run",), output="out/result.txt",
             refuse=("must be an .xlsx or .xlsm file",)),
        Case("header-only-csv", _write_bytes("header.csv", b"Customer ID,Order Date,Amount\n"),
             refuse=("The table has no data rows",)),
        Case("empty-csv", _write_bytes("empty.csv", b""), refuse=("'empty.csv' is empty",)),
        Case("blank-lines-only", _write_bytes("blank.csv", b"Customer ID,Order Date,Amount\n"
             b",,\n,,\n"), refuse=("no data rows",)),
        Case("folder-with-different-headers", _folder(False),
             refuse=("'Client' in '2024-h2.csv' but 'Customer ID' in '2024-h1.csv'",
                     "same headers")),
        Case("folder-with-the-same-headers", _folder(True), as_of=as_of,
             notes=("customers: 12",)),
        Case("folder-with-different-headers-pandas", _folder(False),
             flags=("--engine", "pandas"), refuse=("'Client' in '2024-h2.csv'",)),
        Case("parquet-log", parquet, as_of=as_of),
        Case("parquet-with-zoned-times-pandas", _zoned_parquet, as_of=zoned_as_of,
             flags=("--engine", "pandas")),
        Case("parquet-with-zoned-times-duckdb", _zoned_parquet, as_of=zoned_as_of,
             flags=("--engine", "duckdb")),
        Case("csv-log-through-duckdb", csv, flags=("--engine", "duckdb"), as_of=as_of),
        Case("parquet-true-false-amounts", lambda folder: write_parquet(
             folder / "bool.parquet", as_frame(rows).assign(Amount=[True, False] * 18)),
             flags=("--engine", "pandas"), refuse=("'Amount' holds TRUE/FALSE values",)),
        Case("missing-input-file", lambda folder: folder / "nowhere.csv",
             refuse=("nowhere.csv' does not exist",)),
    ]  # fmt: skip


def _flag_cases() -> list[Case]:
    rows, as_of = log_rows()
    csv = lambda folder: write_csv(folder / "orders.csv", rows)  # noqa: E731
    scoring = ("run", "profile")
    return [
        Case("breaks-recency", csv, flags=("--breaks", "recency=30,90,180,365"),
             commands=scoring),
        Case("breaks-several-in-one", csv, flags=("--breaks", "r=30,90;frequency=2,3"),
             commands=scoring),
        Case("breaks-repeated-flag", csv, flags=("--breaks", "recency=30,90,180",
             "--breaks", "monetary=100,200,400"), commands=scoring),
        Case("breaks-too-few", csv, flags=("--breaks", "recency=30"), commands=scoring,
             refuse=("break points for recency must be 2 to 9 increasing numbers; they are 30",
                     "--breaks recency=30,90,180,365")),
        Case("breaks-not-increasing", csv, flags=("--breaks", "recency=90,30,180"),
             commands=scoring, refuse=("they are 90, 30, 180",)),
        Case("breaks-not-numbers", csv, flags=("--breaks", "recency=soon,later"),
             commands=scoring, refuse=("--breaks recency: 'soon' is not a number",)),
        Case("breaks-unknown-score", csv, flags=("--breaks", "loyalty=1,2"), commands=scoring,
             refuse=("--breaks needs SCORE=NUMBERS", "got 'loyalty=1,2'")),
        Case("as-of-before-every-purchase", csv, flags=("--as-of", "2020-01-01"),
             refuse=("Every transaction is dated on or after the analysis date 2020-01-01",)),
        Case("as-of-iso", csv, flags=("--as-of", "2025-01-31"), as_of="2025-01-31"),
    ]  # fmt: skip


def cases() -> list[Case]:
    return [*_encoding_cases(), *_file_cases(), *_flag_cases()]
