"""Fixtures for the workbook side: sample files, the command line, LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.cli.main import main

EXAMPLES = Path(__file__).parents[2] / "examples"


def run_segment(*args: object) -> int:
    """Run the `segment` command in this process; returns its exit code."""
    return main([str(a) for a in args])


@pytest.fixture
def transactions_book(tmp_path: Path) -> Path:
    target = tmp_path / "online shop.xlsx"  # a space, as real file names have
    shutil.copy(EXAMPLES / "online_shop_transactions.xlsx", target)
    return target


@pytest.fixture
def customers_book(tmp_path: Path) -> Path:
    target = tmp_path / "customers.xlsx"
    shutil.copy(EXAMPLES / "customers.xlsx", target)
    return target


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        pytest.fail("LibreOffice is not installed: run `bash .ci/run`, which installs it")
    return path


def libreoffice_convert(source: Path, target_format: str, folder: Path) -> Path:
    """Open ``source`` in LibreOffice (headless) and save it as ``target_format``."""
    folder.mkdir(parents=True, exist_ok=True)
    profile = folder / "lo-profile"
    done = subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target_format,
            "--outdir",
            str(folder),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    converted = folder / f"{source.stem}.{target_format.split(':')[0]}"
    assert done.returncode == 0 and converted.exists(), done.stderr + done.stdout
    return converted


def chart_parts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as package:
        return sorted(n for n in package.namelist() if n.startswith("xl/charts/chart"))


def table_values(path: Path, sheet: str, data_only: bool = True) -> list[tuple]:
    book = load_workbook(path, data_only=data_only)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def layout_cells(layout, height: int = 40, width: int = 8) -> list[list[object]]:
    """A sheet layout's blocks as cell rows, the way a workbook would hold them."""
    rows = [[None] * width for _ in range(height)]
    for block in layout.blocks:
        for j, name in enumerate(block.frame.columns):
            rows[block.row - 1][block.column - 1 + j] = name
            for i, value in enumerate(block.frame[name]):
                rows[block.first_data_row - 1 + i][block.column - 1 + j] = value
    return rows
