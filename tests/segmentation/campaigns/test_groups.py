"""Campaign groups: exact stratified shares, the same draw anywhere, unrelated between names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from segmentation.campaigns.groups import assign_groups, canonical_ids, draw_key
from segmentation.campaigns.plan import plan_campaign
from segmentation.errors import SegmentationError


def audience(n: int = 5_000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    segments = rng.choice(["At Risk", "Can't Lose Them", "Champions", "New"], n,
                          p=[0.5, 0.03, 0.3, 0.17])  # fmt: skip
    return pd.DataFrame({"Customer ID": [f"C{i:06d}" for i in range(n)], "Segment": segments})


def groups(frame: pd.DataFrame, name: str = "Spring", share: float = 0.1, seed: int = 0):
    return assign_groups(frame["Customer ID"], frame["Segment"], control_share=share,
                         name=name, seed=seed)  # fmt: skip


@pytest.mark.parametrize("share", [0.1, 0.25, 0.5, 0.9])
def test_each_segments_control_share_is_exact_to_one_customer(share):
    frame = audience()
    drawn = groups(frame, share=share)
    for _, members in drawn.groupby(frame["Segment"]):
        control = int((members == "Control").sum())
        assert abs(control - len(members) * share) <= 0.5  # round half up: within one
        assert control == int(np.floor(len(members) * share + 0.5))


def test_same_name_and_data_same_groups_in_any_row_order():
    frame = audience()
    first = groups(frame)
    shuffled = frame.sample(frac=1, random_state=3)
    again = groups(shuffled)
    assert again.reindex(frame.index).equals(first)
    # A pinned draw: a change of hash, key or rounding would change these groups.
    controls = frame["Customer ID"][first == "Control"].head(3).tolist()
    assert controls == ["C000001", "C000003", "C000012"]


def test_names_are_compared_like_excel_sheet_names_and_seeds_matter():
    assert draw_key("Spring", 0) == draw_key("  spring ", 0)
    assert draw_key("Spring", 0) != draw_key("Spring", 1)
    frame = audience()
    assert not groups(frame, seed=1).equals(groups(frame, seed=0))


def test_two_campaign_names_draw_independent_groups():
    frame = audience(20_000)
    a = groups(frame, "Spring", share=0.2) == "Control"
    b = groups(frame, "Summer", share=0.2) == "Control"
    table = pd.crosstab(a, b).to_numpy()
    # Independent draws: being in one control group says nothing about the other.
    assert stats.chi2_contingency(table).pvalue > 0.01
    assert abs((a & b).mean() - 0.04) < 0.006


def test_ids_read_as_numbers_or_text_are_one_id():
    assert canonical_ids(pd.Series([1001.0, 7.0])).tolist() == ["1001", "7"]
    assert canonical_ids(pd.Series(["1001", " 00123 ", 1001.0], dtype=object)).tolist() == [
        "1001", "00123", "1001"]  # fmt: skip
    ids = pd.Series(range(1000))
    segments = pd.Series(["A"] * 1000)
    as_float = assign_groups(ids.astype(float), segments, control_share=0.3, name="x")
    as_text = assign_groups(ids.astype(str), segments, control_share=0.3, name="x")
    assert as_float.equals(as_text)


@pytest.mark.parametrize("share", [0, 1, 1.5, -0.1, float("nan")])
def test_control_share_must_be_strictly_between_0_and_100_percent(share):
    frame = audience(50)
    with pytest.raises(SegmentationError, match="control_share"):
        groups(frame, share=share)


def test_repeated_ids_are_refused_with_their_rows():
    frame = pd.DataFrame({"Customer ID": ["a", "b", "a"], "Segment": ["X"] * 3})
    with pytest.raises(SegmentationError, match=r"'a'.*rows 2, 4"):
        groups(frame)


def customer_table(n: int = 2_000) -> pd.DataFrame:
    frame = audience(n).rename(columns={"Segment": "RFM Segment"})
    rng = np.random.default_rng(5)
    frame["Email"] = [f"c{i}@example.com" for i in range(n)]
    frame["Phone"] = "+44 20 7946 0000"
    frame["Recency"] = rng.integers(1, 400, n)
    frame["Unsubscribed"] = rng.choice(["yes", "no", "", None], n, p=[0.1, 0.6, 0.2, 0.1])
    return frame


def test_opted_out_customers_are_left_out_and_counted():
    table = customer_table()
    plan = plan_campaign(table, id_column="Customer ID", segment_column="RFM Segment",
                         segments=["at risk", "Can't Lose Them"], name="Win back",
                         control_share=0.1)  # fmt: skip
    chosen = table["RFM Segment"].isin(["At Risk", "Can't Lose Them"])
    opted_out = chosen & (table["Unsubscribed"] == "yes")
    assert plan.consent.header == "Unsubscribed" and plan.consent.opt_out
    assert plan.opted_out == opted_out.sum()
    assert len(plan.customers) == (chosen & ~opted_out).sum()
    assert not set(plan.customers["Customer ID"]) & set(table["Customer ID"][opted_out])
    assert list(plan.customers.columns) == ["Customer ID", "Segment", "Group", "Email", "Phone"]
    assert plan.segments == ["At Risk", "Can't Lose Them"]
    power = plan.power.set_index("Segment")
    assert (
        power.loc["At Risk", "Opted out"] == (opted_out & (table["RFM Segment"] == "At Risk")).sum()
    )
    assert power.loc["All chosen segments", "Customers"] == len(plan.customers)


def test_a_consent_column_keeps_only_those_who_said_yes():
    table = customer_table().drop(columns="Unsubscribed")
    table["Marketing consent"] = np.where(np.arange(len(table)) % 4 == 0, 1, np.nan)
    plan = plan_campaign(table, id_column="Customer ID", segment_column="RFM Segment",
                         segments=["Champions"], name="Thanks")  # fmt: skip
    champions = table["RFM Segment"] == "Champions"
    assert len(plan.customers) == (champions & (table["Marketing consent"] == 1)).sum()
    assert plan.opted_out == (champions & table["Marketing consent"].isna()).sum()


def test_unknown_segments_list_the_existing_ones_and_bad_consent_cells_name_rows():
    table = customer_table(200)
    with pytest.raises(SegmentationError, match=r"No segment named 'Sleepers'.*'At Risk', "):
        plan_campaign(table, id_column="Customer ID", segment_column="RFM Segment",
                      segments=["Sleepers"], name="x")  # fmt: skip
    table.loc[5, "Unsubscribed"] = "maybe"
    table.loc[5, "RFM Segment"] = "New"
    with pytest.raises(SegmentationError, match=r"'Unsubscribed'.*'maybe' \(row 7\)"):
        plan_campaign(table, id_column="Customer ID", segment_column="RFM Segment",
                      segments=list(table["RFM Segment"].unique()), name="x")  # fmt: skip
