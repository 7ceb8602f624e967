"""The worksheet functions, called as Excel would call them: 2-D lists of cell values."""

from __future__ import annotations

import datetime as dt

import pytest

from addin import udfs
from addin.sheets.model_sheet import model_layout
from segmentation import segment_customers

from ..conftest import layout_cells

LOG = [["Customer", "Order Date", "Amount"]] + [
    [f"c{i % 6}", dt.datetime(2024, 1, 1 + i % 28), 10.0 + i] for i in range(30)
]


def engine_segments(rows, **options):
    import pandas as pd

    frame = pd.DataFrame(rows[1:], columns=rows[0])
    customers = segment_customers(frame, **options).customers.set_index("Customer ID")
    return [customers.loc[row[0], "RFM Segment"] for row in rows[1:]]


def test_segment_rfm_spills_one_name_per_row_with_header():
    out = udfs.SEGMENT_RFM(LOG, None, 3)
    assert out[0] == ["RFM Segment"]
    assert len(out) == len(LOG)
    assert [r[0] for r in out[1:]] == engine_segments(LOG, n_bins=3)


def test_without_header_row_and_with_excel_serial_dates():
    serials = [[r[0], (r[1] - dt.datetime(1899, 12, 30)).days, r[2]] for r in LOG[1:]]
    out = udfs.SEGMENT_RFM(serials, None, 3)
    assert len(out) == len(serials)  # no header in, no header out
    assert [r[0] for r in out] == engine_segments(LOG, n_bins=3)


def test_excel_errors_and_blanks_leave_that_row_blank():
    rows = [r[:] for r in LOG]
    rows[3][2] = "#N/A"
    rows.append([None, None, None])
    out = udfs.SEGMENT_RFM(rows, None, 3)
    assert len(out) == len(rows)
    assert out[-1] == [""]  # the blank row
    assert out[3][0] != ""  # its customer still has a segment from the other rows


def test_same_answer_on_every_recalculation_in_any_row_order():
    first = udfs.SEGMENT_RFM(LOG, None, 3)
    assert udfs.SEGMENT_RFM(LOG, None, 3) == first
    flipped = [LOG[0], *LOG[:0:-1]]
    assert [r[0] for r in udfs.SEGMENT_RFM(flipped, None, 3)[1:]] == [r[0] for r in first[:0:-1]]


def test_rfm_score_and_rfm_table():
    scores = udfs.RFM_SCORE(LOG, None, 3)
    assert scores[0] == ["R", "F", "M", "RFM Score"]
    assert all(1 <= v <= 3 for row in scores[1:] for v in row[:3])
    assert scores[1][3] == scores[1][0] * 100 + scores[1][1] * 10 + scores[1][2]
    table = udfs.RFM_TABLE(LOG, "2024-02-01")
    assert table[0] == ["Customer ID", "Recency", "Frequency", "Monetary"]
    assert len(table) == 7
    c0 = next(r for r in table if r[0] == "c0")
    assert c0[2] == 5 and c0[3] == pytest.approx(sum(10.0 + i for i in range(0, 30, 6)))


def test_segment_cluster_and_profile():
    customers = [["Customer ID", "Recency", "Frequency", "Monetary", "Region"]] + [
        [f"k{i}", 5 + (i % 3) * 200, 1 + (i % 3 == 0) * 20, 20.0 + (i % 3 == 0) * 900,
         "N" if i % 2 else "S"]
        for i in range(60)
    ]  # fmt: skip
    names = udfs.SEGMENT_CLUSTER(customers, 3)
    assert names[0] == ["Cluster Name"] and len({r[0] for r in names[1:]}) == 3
    names_with_region = udfs.SEGMENT_CLUSTER(customers, 2, ["Region"])
    assert names_with_region[0] == ["Cluster Name"]
    segments = [r[0] for r in udfs.SEGMENT_RFM(customers, None, 3)]
    profile = udfs.SEGMENT_PROFILE(customers, segments)
    assert profile[0][:3] == ["Segment", "Customers", "% Customers"]
    assert sum(row[1] for row in profile[1:]) == 60


def test_segment_apply_uses_the_saved_model():
    import pandas as pd

    frame = pd.DataFrame(LOG[1:], columns=LOG[0])
    model = segment_customers(frame, n_bins=3).model
    sheet = model_layout(model, {})
    rows = layout_cells(sheet)
    later = LOG[:1] + LOG[1:8]  # a few customers only: scored on the saved scale
    out = udfs.SEGMENT_APPLY(later, rows)
    expected = segment_customers(pd.DataFrame(later[1:], columns=later[0]), model=model)
    by_id = expected.customers.set_index("Customer ID")["RFM Segment"]
    assert [r[0] for r in out[1:]] == [by_id[r[0]] for r in later[1:]]
    refit = [r[0] for r in udfs.SEGMENT_RFM(later, None, 3)[1:]]
    assert refit != [r[0] for r in out[1:]]  # a fresh fit would rescale them


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: udfs.SEGMENT_RFM([["Customer", "When", "Value"], ["a", 1, 2]]),
         "#SEGMENT! Missing column for a transaction log: 'date'"),
        (lambda: udfs.SEGMENT_RFM([]), "#SEGMENT! The range is empty"),
        (lambda: udfs.SEGMENT_RFM(LOG, None, 12),
         "#SEGMENT! bins must be a whole number from 3 to 10; it is 12."),
        (lambda: udfs.SEGMENT_RFM(LOG, None, "abc"),
         "#SEGMENT! bins must be a whole number from 3 to 10; it is 'abc'."),
        (lambda: udfs.SEGMENT_CLUSTER(LOG, "many"),
         "#SEGMENT! k must be a whole number from 2 to 10; it is 'many'."),
        (lambda: udfs.SEGMENT_RFM(LOG[:3]),
         "#SEGMENT! Too few customers (2) to score: at least 3 are needed."),
        (lambda: udfs.SEGMENT_RFM([r[:1] for r in LOG]), "#SEGMENT! "),
        (lambda: udfs.SEGMENT_APPLY(LOG, [["nothing"]]), "#SEGMENT! "),
        (lambda: udfs.SEGMENT_PROFILE(LOG[:5], ["a"]), "#SEGMENT! The segments range has"),
    ],
)  # fmt: skip
def test_bad_input_is_a_readable_cell_not_an_exception(call, message):
    out = call()
    assert len(out) == 1 and len(out[0]) == 1
    assert out[0][0].startswith(message)
