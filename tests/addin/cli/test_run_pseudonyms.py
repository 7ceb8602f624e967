"""`segment run --pseudonymise`: every output the run makes carries pseudonyms, the same
key matches customers across runs (comparisons, campaigns, readouts), bad keys write
nothing, and the user's own table keeps its IDs."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from addin import names
from addin.sheets.model_sheet import read_record
from segmentation import names as columns
from segmentation.privacy.pseudonyms import KEY_ENVIRONMENT, pseudonymise

from ..conftest import EXAMPLES, run_segment
from .test_campaigns import block
from .test_compare import sheet_table

KEY_TEXT = "correct horse battery staple, 2026"
PSEUDONYM = r"ID-[0-9a-f]{16}"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def package_text(path: Path) -> bytes:
    with zipfile.ZipFile(path) as package:
        return b"".join(package.read(n) for n in package.namelist() if n.endswith(".xml"))


@pytest.fixture(autouse=True)
def _no_key_in_the_environment(monkeypatch):
    monkeypatch.delenv(KEY_ENVIRONMENT, raising=False)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pseudonyms")


@pytest.fixture(scope="module")
def key(folder) -> Path:
    path = folder / "pseudonym.key"
    path.write_text(KEY_TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def log(folder) -> tuple[Path, pd.DataFrame]:
    """A small log whose IDs are unmistakable text, so any leak is found by a search."""
    rng = np.random.default_rng(17)
    n = 900
    ids = rng.integers(1, 240, n)
    frame = pd.DataFrame(
        {
            "Customer ID": [f"CUST-{i:04d}" for i in ids],
            "Date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 360, n), "D"),
            "Amount": np.round(rng.lognormal(3, 1, n), 2),
        }
    )
    path = folder / "orders.csv"
    frame.to_csv(path, index=False)
    return path, frame


@pytest.fixture(scope="module")
def log_run(folder, log, key) -> Path:
    source, _ = log
    output = folder / "orders.private.xlsx"
    assert run_segment("run", source, "-o", output, "--pseudonymise", key, "-q",
                       "--customers-file", folder / "customers.csv",
                       "--save-model", folder / "model.json") == 0  # fmt: skip
    return output


def test_every_output_of_a_log_run_carries_pseudonyms_and_nothing_holds_an_id(
    folder, log, key, log_run
):
    _, frame = log
    real = frame["Customer ID"].drop_duplicates()
    expected = set(pseudonymise(real, KEY_TEXT.encode()))
    shown = sheet_table(log_run, names.CUSTOMERS_SHEET, names.CUSTOMERS_TABLE)
    assert set(shown[columns.CUSTOMER_ID]) == expected and len(shown) == len(real)
    written = pd.read_csv(folder / "customers.csv", dtype=str, encoding="utf-8-sig")
    assert set(written[columns.CUSTOMER_ID]) == expected
    # No real ID and not the key, anywhere: sheets, model sheet, saved model, customer file.
    texts = {
        "workbook": package_text(log_run),
        "saved model": (folder / "model.json").read_bytes(),
        "customer file": (folder / "customers.csv").read_bytes(),
    }
    for what, text in texts.items():
        assert b"CUST-" not in text, what
        assert KEY_TEXT.encode() not in text, what
    rows = [list(r) for r in load_workbook(log_run)[names.MODEL_SHEET].iter_rows(values_only=True)]
    assert read_record(rows)["pseudonymised"] is True


def test_scores_and_segments_are_those_of_a_run_without_pseudonyms(folder, log, log_run):
    source, _ = log
    plain = folder / "orders.plain.xlsx"
    assert run_segment("run", source, "-o", plain, "-q") == 0
    before = sheet_table(plain, names.CUSTOMERS_SHEET, names.CUSTOMERS_TABLE)
    before[columns.CUSTOMER_ID] = pseudonymise(before[columns.CUSTOMER_ID], KEY_TEXT.encode())
    after = sheet_table(log_run, names.CUSTOMERS_SHEET, names.CUSTOMERS_TABLE)
    wanted = [columns.CUSTOMER_ID, columns.RFM_SEGMENT, *columns.RFM_SCORES, columns.MONETARY]
    pd.testing.assert_frame_equal(
        before[wanted].sort_values(columns.CUSTOMER_ID).reset_index(drop=True),
        after[wanted].sort_values(columns.CUSTOMER_ID).reset_index(drop=True),
    )


def test_another_key_gives_other_pseudonyms(folder, log, log_run):
    source, _ = log
    other = folder / "other.key"
    other.write_text("a different secret, just as long", encoding="utf-8")
    output = folder / "orders.other.parquet"
    assert run_segment("run", source, "-o", folder / "other.xlsx", "--pseudonymise", other,
                       "--customers-file", output, "-q") == 0  # fmt: skip
    ours = set(sheet_table(log_run, names.CUSTOMERS_SHEET, names.CUSTOMERS_TABLE)["Customer ID"])
    theirs = pd.read_parquet(output)[columns.CUSTOMER_ID]
    assert theirs.str.fullmatch(PSEUDONYM).all() and not ours & set(theirs)


def test_refreshing_a_pseudonymised_log_workbook_matches_every_customer(folder, log, key):
    _, frame = log
    book = folder / "log.xlsx"
    frame.to_excel(book, index=False, sheet_name="Orders")
    for _ in range(2):
        assert run_segment("run", book, "--in-place", "--pseudonymise", key, "-q") == 0
    moved = sheet_table(book, names.CUSTOMERS_SHEET, names.CUSTOMERS_TABLE)
    assert moved[columns.CUSTOMER_ID].str.fullmatch(PSEUDONYM).all()
    assert moved[columns.PREVIOUS_SEGMENT].notna().all()  # every customer matched
    assert (moved[columns.MOVEMENT] == "same").all()
    orders = sheet_table(book, "Orders")
    assert orders["Customer ID"].tolist() == frame["Customer ID"].tolist()  # theirs, kept


@pytest.fixture
def table_book(tmp_path) -> Path:
    target = tmp_path / "customers.xlsx"
    shutil.copy(EXAMPLES / "customers.xlsx", target)
    return target


def test_a_customer_table_keeps_its_ids_and_the_snapshot_matches_across_runs(
    table_book, key, capsys
):
    original = sheet_table(table_book, "Customers", "Customers")["Customer ID"]
    assert run_segment("run", table_book, "--in-place", "--pseudonymise", key, "-q") == 0
    snapshot = sheet_table(table_book, names.SNAPSHOT_SHEET, names.SNAPSHOT_TABLE)
    assert set(snapshot[columns.CUSTOMER_ID]) == set(pseudonymise(original, KEY_TEXT.encode()))
    assert run_segment("run", table_book, "--in-place", "--pseudonymise", key) == 0
    out = capsys.readouterr().out
    assert "Your table keeps its own 'Customer ID' column" in out
    assert f"{len(original):,} same, 0 new" in out  # the comparison matched every customer
    table = sheet_table(table_book, "Customers", "Customers")
    assert table["Customer ID"].tolist() == original.tolist()  # the user's data, untouched
    assert table[columns.PREVIOUS_SEGMENT].notna().all()
    again = sheet_table(table_book, names.SNAPSHOT_SHEET, names.SNAPSHOT_TABLE)
    assert sorted(again[columns.CUSTOMER_ID]) == sorted(snapshot[columns.CUSTOMER_ID])


def test_a_refresh_without_the_key_or_with_another_writes_nothing(table_book, key, tmp_path,
                                                                  capsys):  # fmt: skip
    assert run_segment("run", table_book, "--in-place", "--pseudonymise", key, "-q") == 0
    capsys.readouterr()
    other, short = tmp_path / "other.key", tmp_path / "short.key"
    other.write_text("a different secret, just as long", encoding="utf-8")
    short.write_text("too short", encoding="utf-8")
    before, files = digest(table_book), sorted(tmp_path.iterdir())
    attempts = {
        "keyed pseudonyms, not customer IDs": [],
        "made with another key": ["--pseudonymise", other],
        "does not exist": ["--pseudonymise", tmp_path / "missing.key"],
        "a key needs at least 16": ["--pseudonymise", short],
        "Pseudonymising needs a key": ["--pseudonymise"],
    }
    for expected, flags in attempts.items():
        assert run_segment("run", table_book, "--in-place", "-q", *flags) == 1, expected
        message = capsys.readouterr().err
        assert expected in message and "--pseudonymise KEYFILE" in message, message
        assert "Traceback" not in message
    assert digest(table_book) == before and sorted(tmp_path.iterdir()) == files


def test_compare_with_a_plain_earlier_run_pseudonymises_its_ids(folder, log, key):
    source, frame = log
    earlier = folder / "may.xlsx"
    may = folder / "may.csv"
    frame[frame["Date"] < "2024-10-01"].to_csv(may, index=False)
    assert run_segment("run", may, "-o", earlier, "-q") == 0
    june = folder / "june.xlsx"
    assert run_segment("run", source, "--compare", earlier, "--pseudonymise", key,
                       "-o", june, "-q") == 0  # fmt: skip
    customers = sheet_table(june, names.CUSTOMERS_SHEET, names.CUSTOMERS_TABLE)
    returning = customers[columns.PREVIOUS_SEGMENT].notna()
    assert returning.sum() == frame.loc[frame["Date"] < "2024-10-01", "Customer ID"].nunique()
    assert b"CUST-" not in package_text(june)
    # Without a key, a pseudonymised run cannot be the previous period.
    assert run_segment("run", source, "--compare", june, "-o", folder / "x.xlsx", "-q") == 1
    assert not (folder / "x.xlsx").exists()


def test_campaign_and_readout_on_a_pseudonymised_run_match_with_the_same_key(
    folder, log, key, log_run, capsys
):
    campaign = folder / "campaign.xlsx"
    assert run_segment("campaign", log_run, "--name", "Spring", "--segments", "Lost,Champions",
                       "--control", "20%", "-o", campaign, "--pseudonymise", key) == 0  # fmt: skip
    listed = block(campaign, "Campaign Spring", "Customer ID")
    shown = set(sheet_table(log_run, names.CUSTOMERS_SHEET, names.CUSTOMERS_TABLE)["Customer ID"])
    assert set(listed[columns.CUSTOMER_ID]) <= shown  # the run's pseudonyms, not hashed twice
    _, frame = log
    responses = folder / "responses.csv"
    pd.DataFrame({"Customer ID": frame["Customer ID"].unique(), "Response": 1}).to_csv(
        responses, index=False
    )
    readout = folder / "readout.xlsx"
    assert run_segment("readout", campaign, "--name", "Spring", "--responses", responses,
                       "-o", readout, "--pseudonymise", key, "-q") == 0  # fmt: skip
    table = block(readout, "Readout Spring", "Segment").set_index("Segment")
    total = table.loc["All segments", "Treated"] + table.loc["All segments", "Control"]
    assert total == len(listed)  # every listed customer's response was matched
    assert run_segment("readout", campaign, "--name", "Spring", "--responses", responses,
                       "-o", folder / "r2.xlsx", "-q") == 1  # fmt: skip
    assert "--pseudonymise KEYFILE" in capsys.readouterr().err


def test_the_run_help_explains_the_flag(capsys):
    with pytest.raises(SystemExit):
        run_segment("run", "--help")
    text = " ".join(capsys.readouterr().out.split())
    assert "--pseudonymise [KEYFILE]" in text and "never written anywhere" in text


def test_the_key_file_name_is_the_one_the_settings_row_names():
    from addin.sheets.settings import SETTINGS

    row = next(s for s in SETTINGS if s.key == "pseudonymise")
    assert names.PSEUDONYM_KEY_FILE in json.dumps(row.help)
