"""Change over time in Excel: =SEGMENT_CHANGES, the Compare with Last Run button, and the
Team Scoring template's monthly refresh."""

from __future__ import annotations

import warnings

import pandas as pd

from addin import names
from addin.excel.buttons import run
from addin.excel.functions import SEGMENT_CHANGES
from addin.installer.ribbon import BUTTONS
from addin.templates import sample_data
from segmentation import names as columns

from ...templates.test_templates import copy_template, replace_table_rows, values
from ..conftest import run_segment
from ..fake_xlwings import Book, column_of


def test_segment_changes_spills_the_matrix_by_hand():
    previous = ["Previous Segment", "Champions", "Champions", "Loyal", None, "Lost"]
    current = ["RFM Segment", "Champions", "At Risk", "Champions", "New", None]
    grid = SEGMENT_CHANGES(previous, current)
    header = grid[0]
    assert header == ["Previous Segment", "Champions", "New", "At Risk", columns.GONE_COLUMN,
                      "Total"]  # fmt: skip
    rows = {row[0]: dict(zip(header[1:], row[1:])) for row in grid[1:]}
    assert rows["Champions"] == {"Champions": 1, "New": 0, "At Risk": 1,
                                 columns.GONE_COLUMN: 0, "Total": 2}  # fmt: skip
    assert rows["Loyal"]["Champions"] == 1
    assert rows["Lost"][columns.GONE_COLUMN] == 1
    assert rows[columns.NEW_ROW]["New"] == 1
    assert list(rows) == ["Champions", "Loyal", "Lost", columns.NEW_ROW]  # the map's order


def test_segment_changes_says_what_is_wrong_in_the_cell():
    message = SEGMENT_CHANGES(["Champions", "Loyal"], ["Champions"])[0][0]
    assert message.startswith("#SEGMENT!") and "must line up" in message


def test_compare_button_needs_a_last_run_then_shows_who_moved(customers_book):
    assert any(b.tag == "compare" and b.label == "Compare with Last Run" for b in BUTTONS)
    book = Book.from_xlsx(customers_book)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run("compare", book)
        assert "holds no earlier run" in book.app.alerts[-1][0]
        assert book.app.alerts[-1][2] == "critical"
        run("rfm", book)
        first = dict(zip(column_of(book.sheets["Customers"], "Customer ID"),
                         column_of(book.sheets["Customers"], columns.RFM_SEGMENT)))  # fmt: skip
        run("compare", book)
    message = book.app.alerts[-1][0]
    assert "compared with the last run in this workbook" in message and "same" in message
    sheet = book.sheets["Customers"]
    ids = column_of(sheet, "Customer ID")
    previous = column_of(sheet, columns.PREVIOUS_SEGMENT)
    assert previous == [first[i] for i in ids]
    assert set(column_of(sheet, columns.MOVEMENT)) == {"same"}
    changes = book.sheets[names.CHANGES_SHEET]
    assert [c.chart_type for c in changes.charts] == ["bar_stacked_100"]
    assert any(t.name == names.CHANGES_CUSTOMERS_TABLE for t in changes.tables)


def _month(seed: int, keep: pd.DataFrame | None = None) -> pd.DataFrame:
    month = sample_data.customers(n=150, seed=seed)[
        ["Customer ID", "Last Purchase", "Orders", "Total Spend"]
    ]
    if keep is not None:  # the same customers again, a month on, plus some new ones
        later = keep.assign(
            Orders=keep["Orders"] + 1,
            **{"Last Purchase": keep["Last Purchase"] + pd.Timedelta(days=31)},
        )
        new = month.iloc[:30].assign(**{"Customer ID": [f"N{i:03d}" for i in range(30)]})
        month = pd.concat([later, new])
        month = month.drop_duplicates("Customer ID").sample(frac=1.0, random_state=seed)
    return month


def test_team_scoring_template_shows_last_months_changes_after_a_refresh(tmp_path):
    path = copy_template("team-scoring", tmp_path)
    may = _month(41)
    replace_table_rows(path, "Customers", "Customers", may)
    assert run_segment("run", path, "--in-place", "-q") == 0
    scored_may = values(path, "Customers").set_index("Customer ID")
    june = _month(42, keep=may.iloc[:100])
    replace_table_rows(path, "Customers", "Customers", june)
    assert run_segment("run", path, "--in-place", "-q") == 0
    scored = values(path, "Customers")
    back = scored["Customer ID"].isin(may["Customer ID"])
    assert back.sum() == 100 and len(scored) == 130
    expected = scored_may.loc[scored.loc[back, "Customer ID"], columns.RFM_SEGMENT]
    assert (scored.loc[back, columns.PREVIOUS_SEGMENT].to_numpy() == expected.to_numpy()).all()
    assert (scored.loc[~back, columns.MOVEMENT] == "new").all()
    listed = values(path, names.CHANGES_SHEET)
    assert listed.columns[0] == "Segment Changes"
    assert "100 returning customers, 30 new, 50 not present now" in listed.iloc[0, 0]
    # Apply Saved Model on the refreshed workbook compares with the run just made.
    book = Book.from_xlsx(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run("apply", book)
    assert set(column_of(book.sheets["Customers"], columns.MOVEMENT)) == {"same"}
