"""`segment campaign` and `segment readout` on a segmented workbook: sheets, exports, errors."""

from __future__ import annotations

import csv
import hashlib
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from scipy import stats

from addin import names
from segmentation.campaigns.groups import assign_groups

from ...conftest import ooxml_errors
from ..conftest import EXAMPLES, libreoffice_convert, run_segment

SEGMENTS = "Champions,Lost,Hibernating"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def blocks(path: Path, sheet: str, first_header: str) -> list[pd.DataFrame]:
    """Every block of a sheet whose header row starts with ``first_header``, top down."""
    rows = list(load_workbook(path, data_only=True)[sheet].iter_rows(values_only=True))
    found = []
    for top in (i for i, row in enumerate(rows) if row[0] == first_header):
        width = next((j for j, v in enumerate(rows[top]) if v is None), len(rows[top]))
        body = []
        for row in rows[top + 1 :]:
            if row[0] is None:
                break
            body.append(row[:width])
        found.append(pd.DataFrame(body, columns=rows[top][:width]))
    return found


def block(path: Path, sheet: str, first_header: str) -> pd.DataFrame:
    return blocks(path, sheet, first_header)[0]


@pytest.fixture(scope="module")
def segmented(tmp_path_factory) -> Path:
    """The example customers with an e-mail and an opt-out column, segmented."""
    folder = tmp_path_factory.mktemp("campaign")
    source = folder / "customers.xlsx"
    shutil.copy(EXAMPLES / "customers.xlsx", source)
    book = load_workbook(source)
    sheet = book["Customers"]
    table = sheet.tables["Customers"]
    sheet.cell(1, 11, "Email")
    sheet.cell(1, 12, "Email opt-out")
    for row in range(2, sheet.max_row + 1):
        email = f"c{row}@example.com" if row != 5 else '=HYPERLINK("http://x")'
        sheet.cell(row, 11, email).data_type = "s"
        sheet.cell(row, 12, "yes" if row % 7 == 0 else "no")
    table.ref = f"A1:L{sheet.max_row}"
    from openpyxl.worksheet.table import TableColumn

    table.tableColumns += [
        TableColumn(id=11, name="Email"),
        TableColumn(id=12, name="Email opt-out"),
    ]
    book.save(source)
    assert run_segment("run", source, "-q") == 0
    return source.with_name("customers.segmented.xlsx")


@pytest.fixture(scope="module")
def campaign(segmented) -> Path:
    output = segmented.with_name("spring.xlsx")
    before = digest(segmented)
    code = run_segment("campaign", segmented, "--name", "Spring", "--segments", SEGMENTS,
                       "--control", "20%", "-o", output, "--export",
                       segmented.with_name("mailing"))  # fmt: skip
    assert code == 0 and digest(segmented) == before
    return output


def test_campaign_sheet_lists_groups_stratified_without_opted_out_customers(segmented, campaign):
    customers = block(segmented, "Customers", "Customer ID")
    chosen = customers[customers["RFM Segment"].isin(SEGMENTS.split(","))]
    opted_out = chosen["Email opt-out"] == "yes"
    listed = block(campaign, "Campaign Spring", "Customer ID")
    assert list(listed.columns) == ["Customer ID", "Segment", "Group", "Name", "Email"]
    assert len(listed) == (~opted_out).sum()
    assert not set(listed["Customer ID"]) & set(chosen["Customer ID"][opted_out])
    expected = assign_groups(listed["Customer ID"], listed["Segment"], control_share=0.2,
                             name="Spring")  # fmt: skip
    assert (listed["Group"] == expected.astype(str)).all()
    for _, rows in listed.groupby("Segment"):
        assert abs((rows["Group"] == "Control").sum() - 0.2 * len(rows)) <= 0.5
    power = block(campaign, "Campaign Spring", "Segment").set_index("Segment")
    assert power.loc["All chosen segments", "Opted out"] == opted_out.sum()
    sheet = load_workbook(campaign)["Campaign Spring"]
    assert (
        f"{opted_out.sum():,} customers who opted out (column 'Email opt-out')" in sheet["A2"].value
    )
    assert load_workbook(campaign)[names.CAMPAIGNS_SHEET].sheet_state == "hidden"


def test_exports_one_csv_per_segment_and_group_safe_from_formulas(segmented, campaign):
    folder = segmented.with_name("mailing")
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 6 and "Spring - Champions - Control.csv" in files
    rows = []
    for path in folder.iterdir():
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
        with path.open(encoding="utf-8-sig", newline="") as stream:
            rows += list(csv.DictReader(stream))
    assert len(rows) == len(block(campaign, "Campaign Spring", "Customer ID"))
    assert not any(v.startswith(("=", "+", "-", "@")) for row in rows for v in row.values())
    injected = [row for row in rows if "HYPERLINK" in row["Email"]]
    assert all(row["Email"].startswith("'=") for row in injected)


def test_neutralise_keeps_numbers_and_quotes_every_dangerous_start():
    from addin.files.csv_safe import safe_frame

    frame = pd.DataFrame({"a": ["=1+2", "+44 20", "-5", "@SUM(A1)", "\tx", "\rx", "ok", None],
                          "n": [-1.5, 2, 3, 4, 5, 6, 7, 8]})  # fmt: skip
    safe = safe_frame(frame)
    assert safe["a"].tolist()[:7] == ["'=1+2", "'+44 20", "-5", "'@SUM(A1)", "'\tx", "'\rx", "ok"]
    assert pd.isna(safe["a"].iloc[7])
    assert safe["n"].tolist() == frame["n"].tolist()


def test_an_existing_campaign_is_never_redrawn_silently(campaign, capsys):
    before = digest(campaign)
    assert run_segment("campaign", campaign, "--name", "spring", "--segments", "Lost",
                       "--in-place") == 1  # fmt: skip
    message = capsys.readouterr().err
    assert "A campaign named 'Spring' exists already" in message and "--redraw" in message
    assert digest(campaign) == before
    again = campaign.with_name("again.xlsx")
    assert run_segment("campaign", campaign, "--name", "Spring", "--segments", SEGMENTS,
                       "--control", "20%", "--redraw", "-o", again, "-q") == 0  # fmt: skip
    first = block(campaign, "Campaign Spring", "Customer ID")
    second = block(again, "Campaign Spring", "Customer ID")
    assert first[["Customer ID", "Group"]].equals(second[["Customer ID", "Group"]])


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--segments", "Sleepers"], "No segment named 'Sleepers'. The segments are: 'About"),
        (["--segments", "Lost", "--control", "0%"], "--control must be a share between 0%"),
        (["--segments", "Lost", "--control", "100%"], "--control must be a share between 0%"),
        (["--segments", "Lost", "--opt-out-column", "Consent"], "no column 'Consent'"),
    ],
)
def test_bad_campaign_input_gets_a_clear_message_and_writes_nothing(
    segmented, tmp_path, capsys, flags, message
):
    output = tmp_path / "out.xlsx"
    assert run_segment("campaign", segmented, "--name", "X", *flags, "-o", output) == 1
    assert message in capsys.readouterr().err
    assert not output.exists()


def test_an_unsegmented_workbook_is_sent_to_segment_run(tmp_path, capsys):
    source = tmp_path / "customers.xlsx"
    shutil.copy(EXAMPLES / "customers.xlsx", source)
    assert run_segment("campaign", source, "--name", "X", "--segments", "Lost") == 1
    assert "no segments yet" in capsys.readouterr().err


@pytest.fixture(scope="module")
def responses(campaign) -> tuple[Path, pd.DataFrame]:
    listed = block(campaign, "Campaign Spring", "Customer ID")
    rng = np.random.default_rng(4)
    treated = listed["Group"] == "Treatment"
    responded = rng.random(len(listed)) < np.where(treated, 0.35, 0.15)
    frame = pd.DataFrame({
        "Customer ID": listed["Customer ID"], "Converted": np.where(responded, "yes", "no"),
        "Order value": np.where(responded, rng.gamma(2, 25, len(listed)).round(2), 0.0),
    })  # fmt: skip
    extra = pd.DataFrame({"Customer ID": ["NOT-IN-1", "NOT-IN-2"], "Converted": ["yes", "no"],
                          "Order value": [10.0, 0.0]})  # fmt: skip
    path = campaign.with_name("responses.csv")
    pd.concat([frame, extra]).to_csv(path, index=False)
    return path, listed.assign(y=responded, revenue=frame["Order value"])


@pytest.fixture(scope="module")
def readout(campaign, responses) -> Path:
    output = campaign.with_name("readout.xlsx")
    assert run_segment("readout", campaign, "--name", "Spring", "--responses", responses[0],
                       "--revenue-column", "Order value", "-o", output, "-q") == 0  # fmt: skip
    return output


def test_readout_sheet_reproduces_scipy(readout, responses):
    _, truth = responses
    sheet = "Readout Spring"
    response = block(readout, sheet, "Segment").set_index("Segment")
    for segment in [*SEGMENTS.split(","), "All segments"]:
        part = truth if segment == "All segments" else truth[truth["Segment"] == segment]
        t, c = part[part["Group"] == "Treatment"], part[part["Group"] == "Control"]
        row = response.loc[segment]
        assert (row["Treated"], row["Control"]) == (len(t), len(c))
        assert row["Lift (points)"] == pytest.approx(t["y"].mean() - c["y"].mean())
        table = [[t["y"].sum(), len(t) - t["y"].sum()], [c["y"].sum(), len(c) - c["y"].sum()]]
        if row["Test"] == "Fisher exact":
            assert row["p-value"] == pytest.approx(stats.fisher_exact(table).pvalue)
        else:
            chi2 = stats.chi2_contingency(table, correction=False).pvalue
            assert row["p-value"] == pytest.approx(chi2, rel=1e-9)
    segment_p = response["p-value"].iloc[:-1].to_numpy(float)
    assert response["Adjusted p (BH)"].iloc[:-1].to_numpy(float) == pytest.approx(
        stats.false_discovery_control(segment_p))  # fmt: skip
    notes = " ".join(
        str(r[0]) for r in load_workbook(readout)[sheet].iter_rows(max_row=6, values_only=True)
    )
    assert "2 response rows are for customers not in this campaign" in notes
    revenue = blocks(readout, sheet, "Segment")[1].set_index("Segment")
    treated, control = (truth["revenue"][truth["Group"] == g] for g in ("Treatment", "Control"))
    welch = stats.ttest_ind(treated, control, equal_var=False)
    assert revenue.loc["All segments", "Revenue p-value (Welch)"] == pytest.approx(welch.pvalue)
    assert revenue.loc["All segments", "Revenue lift per customer"] == pytest.approx(
        treated.mean() - control.mean())  # fmt: skip
    sizes = blocks(readout, sheet, "Segment")[2].set_index("Segment")
    assert (sizes["Group sizes as planned"] == "yes").all()


def test_readout_chart_has_error_bars_and_the_files_pass_the_ooxml_check(campaign, readout):
    with zipfile.ZipFile(readout) as package:
        charts = [package.read(n) for n in package.namelist() if n.startswith("xl/charts/chart")]
    lift = [c for c in charts if b"Lift in response rate per segment" in c]
    assert len(lift) == 1 and b"errBars>" in lift[0] and b'errValType val="cust"' in lift[0]
    assert ooxml_errors(campaign, readout) == []


def test_libreoffice_renders_the_campaign_and_readout_sheets(readout, tmp_path):
    book = load_workbook(readout)
    for name in book.sheetnames:  # render our two sheets only (charts survive: ours)
        if not name.startswith(("Campaign ", "Readout ")):
            del book[name]
    only = tmp_path / "campaign sheets.xlsx"
    book.save(only)
    pages = PdfReader(libreoffice_convert(only, "pdf", tmp_path / "pdf")).pages
    text = " ".join(page.extract_text() for page in pages)
    for title in ("Can the test see a lift?", "Lift in response rate per segment",
                  "Sample ratio check", "Revenue per customer"):  # fmt: skip
        assert title in text


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("Customer ID,Converted\nC10000,1\nC10000,0\n", "'C10000' more than once (rows 2, 3"),
        ("Customer ID,Converted\nC10000,1\nC10001,perhaps\n", "'perhaps' (row 3)"),
        ("Customer ID,Converted\nC10000,1\n", "no campaign named 'Autumn'"),
    ],
)
def test_bad_responses_get_a_clear_message_and_nothing_is_written(
    campaign, tmp_path, capsys, rows, message
):
    path = tmp_path / "responses.csv"
    path.write_text(rows, encoding="utf-8")
    name = "Autumn" if "Autumn" in message else "Spring"
    before = digest(campaign)
    assert run_segment("readout", campaign, "--name", name, "--responses", path,
                       "--in-place") == 1  # fmt: skip
    assert message in capsys.readouterr().err
    assert digest(campaign) == before


def test_pseudonymised_campaign_and_readout_match_with_the_same_key(
    segmented, campaign, tmp_path, capsys
):
    key = tmp_path / "pseudonym.key"
    key.write_text("correct horse battery staple, 2026", encoding="utf-8")
    output = tmp_path / "private.xlsx"
    assert run_segment("campaign", segmented, "--name", "Private", "--segments", SEGMENTS,
                       "--control", "20%", "-o", output, "--pseudonymise", key, "-q",
                       "--export", tmp_path / "mail") == 0  # fmt: skip
    listed = block(output, "Campaign Private", "Customer ID")
    assert listed["Customer ID"].str.fullmatch(r"ID-[0-9a-f]{16}").all()
    exported = pd.concat(pd.read_csv(p, dtype=str) for p in (tmp_path / "mail").iterdir())
    assert exported["Customer ID"].str.startswith("ID-").all()
    with zipfile.ZipFile(output) as package:  # neither the key nor any real id is stored
        text = b"".join(package.read(n) for n in package.namelist() if n.endswith(".xml"))
    assert b"correct horse" not in text
    # The groups are the same as without pseudonyms (drawn from the ids).
    plain = block(campaign, "Campaign Spring", "Customer ID")
    assert (listed["Group"].value_counts() == plain["Group"].value_counts()).all()
    customers = block(segmented, "Customers", "Customer ID")
    responses = tmp_path / "responses.csv"
    chosen = customers[customers["RFM Segment"].isin(SEGMENTS.split(","))]
    answers = pd.DataFrame({"Customer ID": chosen["Customer ID"], "Response": 1})
    answers.to_csv(responses, index=False)
    readout = tmp_path / "readout.xlsx"
    assert run_segment("readout", output, "--name", "Private", "--responses", responses,
                       "-o", readout, "--pseudonymise", key, "-q") == 0  # fmt: skip
    table = block(readout, "Readout Private", "Segment").set_index("Segment")
    assert table.loc["All segments", "Treated"] + table.loc["All segments", "Control"] == len(
        listed)  # fmt: skip
    assert run_segment("readout", output, "--name", "Private", "--responses", responses,
                       "-o", tmp_path / "r2.xlsx") == 1  # fmt: skip
    assert "Give that key with --pseudonymise KEYFILE" in capsys.readouterr().err
    missing = tmp_path / "nokey"
    assert run_segment("campaign", segmented, "--name", "Other", "--segments", "Lost",
                       "-o", tmp_path / "o.xlsx", "--pseudonymise", missing) == 1  # fmt: skip
    message = capsys.readouterr().err
    assert "pseudonym key file" in message and "does not exist" in message
    assert not (tmp_path / "o.xlsx").exists()
