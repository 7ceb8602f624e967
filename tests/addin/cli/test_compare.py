"""`segment run --compare / --compare-as-of / --refit`, the in-place refresh, bad input."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from addin import names
from addin.sheets.model_sheet import read_model
from segmentation import names as columns
from tests.conftest import ooxml_errors

from ..conftest import libreoffice_convert, run_segment

EARLIER, LATER = "2024-07-01", "2025-01-01"


@pytest.fixture
def log_frame() -> pd.DataFrame:
    """Customers who join through the year, so the later period has new ones."""
    rng = np.random.default_rng(16)
    n = 1500
    ids = rng.integers(1, 260, n)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(ids, unit="D")  # later ids join later
    return pd.DataFrame(
        {
            "Customer ID": [f"{i:05d}" for i in ids],
            "Date": start + pd.to_timedelta(rng.integers(0, 200, n), unit="D"),
            "Amount": np.round(rng.lognormal(3, 1, n), 2),
        }
    )


@pytest.fixture
def log_csv(tmp_path, log_frame):
    path = tmp_path / "orders.csv"
    log_frame.to_csv(path, index=False)
    return path


def sheet_table(path, sheet: str, table: str | None = None) -> pd.DataFrame:
    """An Excel Table (or a sheet from A1) as a DataFrame of its values."""
    ws = load_workbook(path, data_only=True)[sheet]
    if table is None:
        rows = list(ws.iter_rows(values_only=True))
    else:
        rows = [[c.value for c in row] for row in ws[ws.tables[table].ref]]
    return pd.DataFrame(rows[1:], columns=rows[0])


def model_json(path) -> str:
    book = load_workbook(path)
    values = [list(r) for r in book[names.MODEL_SHEET].iter_rows(values_only=True)]
    return read_model(values).to_json()


def test_compare_writes_previous_segment_movement_and_the_matrix(tmp_path, log_csv, capsys):
    may, june = tmp_path / "may.xlsx", tmp_path / "june.xlsx"
    assert run_segment("run", log_csv, "--as-of", EARLIER, "-o", may, "-q") == 0
    assert run_segment("run", log_csv, "--as-of", LATER, "--compare", may, "-o", june) == 0
    printed = capsys.readouterr().out
    assert "Compared with 'may.xlsx'" in printed and "new" in printed
    before = sheet_table(may, names.CUSTOMERS_SHEET).set_index(columns.CUSTOMER_ID)
    now = sheet_table(june, names.CUSTOMERS_SHEET)
    back = now[columns.PREVIOUS_SEGMENT].notna()
    assert back.sum() == len(before)  # nobody of a cumulative log disappears
    assert (now.loc[~back, columns.MOVEMENT] == "new").all() and (~back).sum() > 0
    # Previous Segment is the previous run's RFM Segment for every returning customer.
    expected = before.loc[now.loc[back, columns.CUSTOMER_ID], columns.RFM_SEGMENT]
    assert (now.loc[back, columns.PREVIOUS_SEGMENT].to_numpy() == expected.to_numpy()).all()
    # The matrix on the sheet is the cross-tabulation of the per-customer columns.
    book = load_workbook(june, data_only=True)
    assert book.sheetnames[2] == names.CHANGES_SHEET
    ws = book[names.CHANGES_SHEET]
    header_row = next(
        r for r in range(1, 60) if ws.cell(r, 1).value == columns.PREVIOUS_SEGMENT
        and ws.cell(r - 1, 1).value and str(ws.cell(r - 1, 1).value).startswith("Customers:")
    )  # fmt: skip
    heads = [ws.cell(header_row, c).value for c in range(2, ws.max_column + 1)]
    heads = heads[: heads.index("Total")]
    matrix = {}
    for r in range(header_row + 1, header_row + 40):
        label = ws.cell(r, 1).value
        if label is None:
            break
        matrix[label] = [ws.cell(r, 2 + j).value for j in range(len(heads))]
    sheet_matrix = pd.DataFrame(matrix, index=heads).T
    crosstab = pd.crosstab(now[columns.PREVIOUS_SEGMENT].fillna(columns.NEW_ROW),
                           now[columns.RFM_SEGMENT])  # fmt: skip
    assert (sheet_matrix.loc[crosstab.index, crosstab.columns].to_numpy() == crosstab).all().all()
    assert sheet_matrix.to_numpy().sum() == len(now)
    # The customer list is an Excel Table with filter buttons.
    listed = sheet_table(june, names.CHANGES_SHEET, names.CHANGES_CUSTOMERS_TABLE)
    assert len(listed) == len(now)
    # Scored with May's model: the saved model is May's, unchanged.
    assert model_json(june) == model_json(may)


def test_refit_fits_anew_and_says_the_scales_differ(tmp_path, log_csv, capsys):
    may, june = tmp_path / "may.xlsx", tmp_path / "june.xlsx"
    run_segment("run", log_csv, "--as-of", EARLIER, "-o", may, "-q")
    assert run_segment("run", log_csv, "--as-of", LATER, "--compare", may, "--refit", "-o",
                       june) == 0  # fmt: skip
    assert "scale of its own" in capsys.readouterr().out
    assert model_json(june) != model_json(may)
    notes = load_workbook(june)[names.CHANGES_SHEET]["A2"].value
    assert "fitted anew" in notes


def test_compare_as_of_and_in_place_refresh_agree_with_compare(tmp_path, log_frame):
    orders = tmp_path / "orders.xlsx"
    log_frame.assign(Date=log_frame["Date"].dt.date).to_excel(orders, sheet_name="Orders",
                                                             index=False)  # fmt: skip
    may, june = tmp_path / "may.xlsx", tmp_path / "june.xlsx"
    assert run_segment("run", orders, "--as-of", EARLIER, "-o", may, "-q") == 0
    assert run_segment("run", orders, "--as-of", LATER, "--compare", may, "-o", june, "-q") == 0
    same_log = tmp_path / "same log.xlsx"
    assert run_segment("run", orders, "--as-of", LATER, "--compare-as-of", EARLIER, "-o",
                       same_log, "-q") == 0  # fmt: skip
    refreshed = tmp_path / "refreshed.xlsx"
    shutil.copy(may, refreshed)
    assert run_segment("run", refreshed, "--as-of", LATER, "--in-place", "-q") == 0
    wanted = [columns.CUSTOMER_ID, columns.RFM_SEGMENT, columns.PREVIOUS_SEGMENT,
              columns.MOVEMENT]  # fmt: skip
    reference = sheet_table(june, names.CUSTOMERS_SHEET)[wanted]
    for other in (same_log, refreshed):
        got = sheet_table(other, names.CUSTOMERS_SHEET)[wanted]
        pd.testing.assert_frame_equal(got, reference)
        assert model_json(other) == model_json(may)
        changes = sheet_table(other, names.CHANGES_SHEET, names.CHANGES_CUSTOMERS_TABLE)
        expected = sheet_table(june, names.CHANGES_SHEET, names.CHANGES_CUSTOMERS_TABLE)
        pd.testing.assert_frame_equal(changes, expected)


def test_customer_table_refresh_matches_ids_after_rows_are_pasted_over(tmp_path, customers_book):
    assert run_segment("run", customers_book, "--in-place", "-q") == 0
    first = sheet_table(customers_book, "Customers").set_index("Customer ID")
    # Next month: the rows arrive in another order (pasted over the old ones).
    book = load_workbook(customers_book)
    ws = book["Customers"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_col=5)]
    for i, row in enumerate(reversed(rows), start=2):
        for j, value in enumerate(row, start=1):
            ws.cell(i, j, value)
    book.save(customers_book)
    assert run_segment("run", customers_book, "--in-place", "-q") == 0
    second = sheet_table(customers_book, "Customers").set_index("Customer ID")
    assert (second[columns.PREVIOUS_SEGMENT] == first.loc[second.index, columns.RFM_SEGMENT]).all()
    assert (second[columns.MOVEMENT] == "same").all()
    assert load_workbook(customers_book)[names.SNAPSHOT_SHEET].sheet_state == "hidden"


def test_bad_previous_periods_get_clear_messages_and_write_nothing(tmp_path, log_csv, capsys):
    may, june = tmp_path / "may.xlsx", tmp_path / "june.xlsx"
    run_segment("run", log_csv, "--as-of", LATER, "-o", may, "-q")
    capsys.readouterr()
    assert run_segment("run", log_csv, "--as-of", EARLIER, "--compare", may, "-o", june) == 1
    assert "is after this period's" in capsys.readouterr().err and not june.exists()
    assert run_segment("run", log_csv, "--compare", may, "--bins", "4", "-o", june) == 1
    err = capsys.readouterr().err
    assert "5 bins and this run asks for 4" in err and "--refit" in err and not june.exists()
    strangers = tmp_path / "strangers.csv"
    pd.read_csv(log_csv).assign(**{"Customer ID": lambda f: "X" + f["Customer ID"].astype(str)}
                                ).to_csv(strangers, index=False)  # fmt: skip
    assert run_segment("run", strangers, "--compare", may, "-o", june) == 1
    assert "No customer of this period is in 'may.xlsx'" in capsys.readouterr().err
    assert not june.exists()
    plain = tmp_path / "plain.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(plain, index=False)
    assert run_segment("run", log_csv, "--compare", plain, "-o", june) == 1
    assert "holds no segmented customers" in capsys.readouterr().err


def test_previous_without_a_saved_model_is_refitted_with_a_note(tmp_path, log_csv, capsys):
    may, june = tmp_path / "may.xlsx", tmp_path / "june.xlsx"
    run_segment("run", log_csv, "--as-of", EARLIER, "-o", may, "-q")
    book = load_workbook(may)
    del book[names.MODEL_SHEET]
    book.save(may)
    assert run_segment("run", log_csv, "--compare", may, "-o", june) == 0
    assert "has no saved model, so this period was fitted anew" in capsys.readouterr().out


def test_ids_that_changed_type_are_matched_with_a_note(tmp_path, log_frame, capsys):
    texts, numbers = tmp_path / "texts.csv", tmp_path / "numbers.csv"
    log_frame.to_csv(texts, index=False)  # '00012'
    log_frame.assign(**{"Customer ID": log_frame["Customer ID"].astype(int)}).to_csv(
        numbers, index=False
    )  # 12
    may, june = tmp_path / "may.xlsx", tmp_path / "june.xlsx"
    run_segment("run", texts, "--as-of", EARLIER, "-o", may, "-q")
    assert run_segment("run", numbers, "--as-of", LATER, "--compare", may, "-o", june) == 0
    assert "matched to the number they spell" in capsys.readouterr().out
    now = sheet_table(june, names.CUSTOMERS_SHEET)
    assert now[columns.PREVIOUS_SEGMENT].notna().sum() == len(sheet_table(may, "Customers"))


def test_changes_sheet_renders_and_passes_the_ooxml_check(tmp_path, log_csv):
    may, june = tmp_path / "may.xlsx", tmp_path / "june.xlsx"
    run_segment("run", log_csv, "--as-of", EARLIER, "-o", may, "-q")
    run_segment("run", log_csv, "--as-of", LATER, "--compare", may, "-o", june, "-q")
    assert ooxml_errors(june) == []
    with __import__("zipfile").ZipFile(june) as package:
        charts = [package.read(n) for n in package.namelist() if n.startswith("xl/charts/chart")]
    assert any(b'<c:grouping val="percentStacked"/>' in chart for chart in charts)
    converted = libreoffice_convert(june, "pdf", tmp_path / "lo")
    assert converted.stat().st_size > 10_000


def test_history_sheet_by_hand_renders_and_passes_the_ooxml_check(tmp_path, capsys):
    log = tmp_path / "tiny.csv"
    pd.DataFrame(
        {
            "Customer ID": ["A", "A", "B", "B", "C"],
            "Date": ["2024-01-10", "2024-02-05", "2024-02-20", "2024-03-03", "2024-03-15"],
            "Amount": [10.0, 20.0, 5.0, -2.0, 100.0],
        }
    ).to_csv(log, index=False)
    output = tmp_path / "history.xlsx"
    assert run_segment("history", log, "--every", "month", "--periods", "3", "--bins", "3",
                       "-o", output) == 0  # fmt: skip
    assert "3 period ends" in capsys.readouterr().out
    book = load_workbook(output, data_only=True)
    assert book.sheetnames == [names.HISTORY_SHEET, names.MODEL_SHEET]
    history = sheet_table(output, names.HISTORY_SHEET, names.HISTORY_TABLE)
    per_period = history.groupby("Period")[[columns.CUSTOMERS, columns.REVENUE]].sum()
    assert per_period[columns.CUSTOMERS].tolist() == [1, 2, 3]
    assert per_period[columns.REVENUE].tolist() == [10.0, 35.0, 133.0]  # spend to date
    assert ooxml_errors(output) == []
    with __import__("zipfile").ZipFile(output) as package:
        charts = [package.read(n) for n in package.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2 and all(b'<c:grouping val="stacked"/>' in c for c in charts)
    assert libreoffice_convert(output, "pdf", tmp_path / "lo").stat().st_size > 5_000
    assert run_segment("history", log, "--periods", "0", "-o", tmp_path / "x.xlsx") == 1
    assert "--periods must be 1 or more" in capsys.readouterr().err


def test_another_segment_map_is_named_and_refit_offered(tmp_path, capsys):
    from tests.templates.test_templates import copy_template

    path = copy_template("rfm-starter", tmp_path)
    previous = tmp_path / "previous.xlsx"
    assert run_segment("run", path, "-o", previous, "-q") == 0
    book = load_workbook(path)
    settings = book[names.SETTINGS_SHEET]
    top = int(settings.tables["SegmentMap"].ref.split(":")[0][1:])
    settings.cell(top + 1, 1).value = "VIP Club"
    book.save(path)
    output = tmp_path / "now.xlsx"
    assert run_segment("run", path, "--compare", previous, "-o", output) == 1
    err = capsys.readouterr().err
    assert "'previous.xlsx' used another segment map (not in this run's: Champions; new in " \
        "this run's: VIP Club)" in err and "--refit" in err  # fmt: skip
    assert not output.exists()
    assert run_segment("run", path, "--compare", previous, "--refit", "-o", output, "-q") == 0
    moved = sheet_table(output, names.CUSTOMERS_SHEET)
    assert "VIP Club" in set(moved[columns.RFM_SEGMENT])
    assert "Champions" in set(moved[columns.PREVIOUS_SEGMENT])
