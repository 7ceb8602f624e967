"""Date order and break points from the command line and the Settings sheet, and
`validate` listing every problem in the order to fix them."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from addin import names
from addin.files.xlsx import FileWorkbook
from addin.messages import for_excel
from addin.pipeline import RunOptions, run_pipeline
from segmentation import SegmentationError
from tests.corpus.builders import log_rows, write_csv, write_xlsx

from ..conftest import run_segment


def _book(tmp_path: Path, settings: list[list[object]]) -> Path:
    rows, _ = log_rows(lambda d: d.strftime("%d/%m/%Y"), small_days=True)
    return write_xlsx(
        tmp_path / "orders.xlsx",
        rows,
        extra_sheets={names.SETTINGS_SHEET: [["Setting", "Value"], *settings]},
    )


def _run(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_pipeline(FileWorkbook(path), RunOptions())


def test_settings_rows_set_the_date_order_and_the_break_points(tmp_path: Path) -> None:
    _, as_of = log_rows(lambda d: d.strftime("%d/%m/%Y"), small_days=True)
    path = _book(tmp_path, [["Date order", "DMY"], ["Recency breaks", "30, 90,180"]])
    result = _run(path).result
    assert str(result.data.as_of.date()) == as_of  # read day first
    assert result.model.rfm.edges_["recency"].tolist() == [30, 90, 180]
    assert result.model.rfm.n_bins_["recency"] == 4


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("Recency breaks", "soon", "'Recency breaks' on the Segmentation Settings sheet: 'soon'"),
        ("Date order", "XYZ", "'Date order' on the Segmentation Settings sheet must be DMY"),
        ("Monetary breaks", "500,100", "break points for monetary must be 2 to 9 increasing"),
    ],
)
def test_bad_settings_values_name_the_cell(tmp_path, setting, value, message) -> None:
    path = _book(tmp_path, [[setting, value]])
    with pytest.raises(SegmentationError) as error:
        _run(path)
    assert message in for_excel(error.value)


def test_validate_lists_every_problem_in_the_order_to_fix_them(tmp_path: Path, capsys) -> None:
    rows, _ = log_rows()
    rows = [[*rows[0], "Amount"], *[[*r, 1.0] for r in rows[1:]]]
    rows[2][1], rows[4][2] = "not a date", "TRUE"
    path = write_csv(tmp_path / "messy.csv", rows)
    assert run_segment("validate", path, "--date-format", "DMY") == 1
    err = capsys.readouterr().err
    assert "3 problems would stop a run of messy.csv; fix them in this order:" in err
    headers, dates, amounts = (err.index(f"{i}. ") for i in (1, 2, 3))
    assert headers < dates < amounts
    assert "2 columns are headed 'Amount'" in err[headers:dates]
    assert "(row 3: 'not a date')" in err[dates:amounts]
    assert "(row 5: 'TRUE')" in err[amounts:]


def test_validate_ranks_notes_left_out_rows_first(tmp_path: Path, capsys) -> None:
    rows, _ = log_rows(lambda d: d.strftime("%m/%d/%Y"), small_days=True)
    rows[3][2] = None
    path = write_csv(tmp_path / "notes.csv", rows)
    assert run_segment("validate", path) == 0
    out = capsys.readouterr().out
    left_out = out.index("Rows without an amount were left out")
    month_first = out.index("read month first")
    converted = out.index("Dates stored as text were converted")
    assert left_out < month_first < converted
