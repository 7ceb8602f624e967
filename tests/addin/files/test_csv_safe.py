"""CSV outputs a spreadsheet opens without evaluating anything (OWASP CSV injection)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from addin.files.csv_safe import neutralised, write_csv

from ..conftest import libreoffice_convert, run_segment
from .test_safety_and_errors import write_log

RISKY = ["=1+1", '=HYPERLINK("http://x","y")', "+44 123", "-minus", "@SUM(A1)", "\tTab", "\rCR"]


def test_risky_text_gets_a_quote_and_numbers_stay_numbers(tmp_path: Path) -> None:
    text = pd.Series([*RISKY, "plain", "-12.5", "+3", None], dtype=object)
    assert neutralised(text).tolist() == [
        *("'" + value for value in RISKY), "plain", "-12.5", "+3", None
    ]  # fmt: skip
    amounts = pd.Series([-5.5, 10.0, np.nan])
    assert neutralised(amounts) is amounts
    categories = pd.Series(pd.Categorical(["=A1", "ok", "=A1"]))
    assert neutralised(categories).astype(str).tolist() == ["'=A1", "ok", "'=A1"]

    path = tmp_path / "out.csv"
    write_csv(pd.DataFrame({"=id": text, "Amount": [-1.5] * len(text)}), path)
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["'=id", "Amount"]
    assert rows[1] == ["'=1+1", "-1.5"]
    raw = path.read_text(encoding="utf-8-sig")
    assert '"\'=1+1",-1.5' in raw  # quoted text, a bare (numeric) negative amount


def test_customers_file_opens_in_libreoffice_without_formulas(tmp_path: Path) -> None:
    ids = [*RISKY[:5], "plain", "b", "c"]
    rows = [[name, f"2024-0{1 + i % 9}-1{i % 9}", 10 * (i + 1)] for i, name in enumerate(ids * 2)]
    source = write_log(tmp_path / "names.xlsx", rows)
    customers = tmp_path / "customers.csv"
    assert run_segment("run", source, "--bins", "3", "--customers-file", customers, "-q") == 0
    table = pd.read_csv(customers, encoding="utf-8-sig", dtype={"Customer": str})
    assert sorted(table.iloc[:, 0]) == sorted(("'" + i if i[0] in "=+-@" else i) for i in ids)
    assert table.select_dtypes("number").shape[1] >= 4  # R, F, M and scores stay numbers

    converted = libreoffice_convert(customers, "xlsx", tmp_path / "lo")
    sheet = load_workbook(converted).active
    cells = [sheet.cell(r, 1) for r in range(2, sheet.max_row + 1)]
    assert all(cell.data_type != "f" for cell in cells)  # nothing evaluated
    shown = {str(cell.value).lstrip("'") for cell in cells}
    assert {"=1+1", '=HYPERLINK("http://x","y")', "@SUM(A1)"} <= shown
    numbers = [sheet.cell(r, 5).value for r in range(2, sheet.max_row + 1)]
    assert all(isinstance(n, (int, float)) for n in numbers)
