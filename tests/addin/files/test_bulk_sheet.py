"""Large Customers sheets written in bulk: the same cells as the cell-by-cell writer,
readable by openpyxl, calamine and LibreOffice."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from addin.files import newbook
from addin.files.bulk_sheet import can_write, column_letters
from addin.files.xlsx import read_sheet_values
from addin.sheets import layout
from tests.addin.conftest import libreoffice_convert


def _customers(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    segments = pd.Categorical(rng.choice(["Champions", "At Risk", "Lost & Gone"], n))
    text = np.array([f"note {i}" for i in range(n)], dtype=object)
    text[[1, 2, 3, 4]] = ["=1+1", "<b>bold</b>", "bell\x07ring", None]
    monetary = np.round(rng.lognormal(3, 1, n), 2)
    monetary[5] = np.nan
    return pd.DataFrame(
        {
            "Customer ID": np.arange(1, n + 1),
            "Last Purchase": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            "Monetary": monetary,
            "RFM Segment": segments,
            "Note": text,
        }
    )


def _write(path: Path, frame: pd.DataFrame) -> None:
    book = newbook.NewWorkbook()
    book.write_sheet(layout.customers_sheet(frame))
    book.save(path)


def _cells(path: Path) -> list[tuple]:
    book = openpyxl.load_workbook(path)
    try:
        sheet = book["Customers"]
        assert sheet.tables[next(iter(sheet.tables))].ref == sheet.dimensions
        return [
            tuple(None if v is None else v for v in row)
            + (sheet.cell(row=i, column=2).number_format,)
            for i, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        book.close()


def test_bulk_rows_match_the_cell_by_cell_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = _customers()
    _write(tmp_path / "cells.xlsx", frame)
    monkeypatch.setattr(newbook, "BULK_ROWS", 10)
    _write(tmp_path / "bulk.xlsx", frame)
    with zipfile.ZipFile(tmp_path / "bulk.xlsx") as package:
        assert b"inlineStr" in package.read("xl/worksheets/sheet1.xml")  # the bulk path ran
    expected = _cells(tmp_path / "cells.xlsx")
    got = _cells(tmp_path / "bulk.xlsx")
    assert got[0][:5] == ("Customer ID", "Last Purchase", "Monetary", "RFM Segment", "Note")
    # Control characters are written as OOXML escapes (_x0007_), as XlsxWriter does.
    assert got == [tuple(row) for row in expected]
    assert got[2][4] == "=1+1" and got[3][4] == "<b>bold</b>" and got[5][4] is None
    assert got[6][2] is None  # a missing amount stays a blank cell
    assert got[1][5] == "yyyy-mm-dd"


def test_calamine_and_libreoffice_read_bulk_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(newbook, "BULK_ROWS", 10)
    frame = _customers()
    path = tmp_path / "bulk.xlsx"
    _write(path, frame)
    values = read_sheet_values(path, "Customers")
    assert len(values) == len(frame) + 1
    assert values[-1][0] == len(frame) and values[-1][3] in {"Champions", "At Risk", "Lost & Gone"}
    converted = libreoffice_convert(path, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path)
    table = pd.read_csv(converted, keep_default_na=False)
    assert len(table) == len(frame)
    assert table["Customer ID"].tolist() == frame["Customer ID"].tolist()
    assert table["RFM Segment"].tolist() == frame["RFM Segment"].astype(str).tolist()
    assert table.loc[1, "Note"] == "=1+1"  # text, not a formula LibreOffice evaluated


def test_only_plain_columns_go_the_bulk_way() -> None:
    assert can_write(_customers())
    assert not can_write(pd.DataFrame({"mixed": [1, "a", 2.5]}))
    assert not can_write(pd.DataFrame({"flag": [True, False]}))  # XlsxWriter: TRUE/FALSE
    assert [column_letters(i) for i in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
