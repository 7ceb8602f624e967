"""Render the Segment Summary sheet of a segmented workbook to a PNG for the README.

Needs LibreOffice (soffice) and poppler (pdftoppm). Run:
python examples/render_summary.py examples/online_shop_transactions.segmented.xlsx
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import load_workbook

from addin import names


def main(source: str, target: str = "examples/segment-summary.png") -> None:
    book = load_workbook(source)
    for name in book.sheetnames:
        if name != names.SUMMARY_SHEET:
            del book[name]
    sheet = book[names.SUMMARY_SHEET]
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.print_area = "A1:N60"
    with tempfile.TemporaryDirectory() as folder:
        single = Path(folder) / "summary.xlsx"
        book.save(single)
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", folder, str(single)],
            check=True,
            capture_output=True,
        )
        stem = Path(target).with_suffix("")
        subprocess.run(
            ["pdftoppm", "-png", "-r", "110", "-singlefile", str(Path(folder) / "summary.pdf"),
             str(stem)],
            check=True,
        )  # fmt: skip


if __name__ == "__main__":
    main(*sys.argv[1:])
