"""The readout's figures against scipy and hand computation, and its bad-input messages."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from segmentation.campaigns import power
from segmentation.campaigns.readout import campaign_readout, read_responses
from segmentation.campaigns.significance import (
    benjamini_hochberg,
    compare_means,
    compare_rates,
    sample_ratio_p,
)
from segmentation.errors import SegmentationError


def test_two_proportion_test_and_interval_by_hand():
    found = compare_rates(120, 1000, 40, 500)
    p_t, p_c = 0.12, 0.08
    pooled = 160 / 1500
    z = (p_t - p_c) / math.sqrt(pooled * (1 - pooled) * (1 / 1000 + 1 / 500))
    assert found.test == "z-test"
    assert found.lift == pytest.approx(0.04)
    assert found.relative_lift == pytest.approx(0.5)
    assert found.p_value == pytest.approx(2 * stats.norm.sf(z), rel=1e-12)
    half = stats.norm.ppf(0.975) * math.sqrt(p_t * (1 - p_t) / 1000 + p_c * (1 - p_c) / 500)
    assert (found.ci_low, found.ci_high) == pytest.approx((0.04 - half, 0.04 + half))
    # The z-test is the chi-square test without continuity correction.
    chi2 = stats.chi2_contingency([[120, 880], [40, 460]], correction=False)
    assert found.p_value == pytest.approx(chi2.pvalue, rel=1e-9)


def test_small_counts_use_fishers_exact_test():
    found = compare_rates(3, 30, 0, 10)
    assert found.test == "Fisher exact"
    assert found.p_value == pytest.approx(stats.fisher_exact([[3, 27], [0, 10]]).pvalue)


def test_welch_sample_ratio_and_benjamini_hochberg_match_scipy():
    rng = np.random.default_rng(0)
    a, b = rng.gamma(2, 10, 300), rng.gamma(2, 9, 80)
    found = compare_means(a, b)
    welch = stats.ttest_ind(a, b, equal_var=False)
    assert found.p_value == pytest.approx(welch.pvalue)
    interval = welch.confidence_interval(0.95)
    assert (found.ci_low, found.ci_high) == pytest.approx((interval.low, interval.high))
    assert sample_ratio_p(880, 120, 0.1) == pytest.approx(
        stats.chisquare([880, 120], [900, 100]).pvalue)  # fmt: skip
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.2])
    adjusted = benjamini_hochberg(p)
    # By hand: sorted 0.01, 0.03, 0.04, 0.2 (m = 4): min over later of p * m / rank.
    assert adjusted[[0, 2, 1, 4]] == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2])
    assert np.isnan(adjusted[3])


def test_minimum_detectable_lift_has_the_planned_power():
    n_t, n_c, p = 9_000, 1_000, 0.05
    mde = float(power.minimum_detectable_lift(n_t, n_c, p))
    se = math.sqrt(p * (1 - p) * (1 / n_t + 1 / n_c))
    z = stats.norm.ppf(0.975)
    # At a true lift of the MDE, the test rejects 80% of the time.
    assert stats.norm.sf(z - mde / se) == pytest.approx(0.80, abs=1e-9)
    need = float(power.share_needed(5_000, p, target=0.025))
    assert float(power.minimum_detectable_lift(5_000 * (1 - need), 5_000 * need, p)) <= 0.025
    less = need - 0.01
    assert float(power.minimum_detectable_lift(5_000 * (1 - less), 5_000 * less, p)) > 0.025
    assert math.isnan(float(power.share_needed(50, p, target=0.025)))


def test_power_table_warns_about_small_segments_with_the_share_that_fixes_them():
    counts = pd.DataFrame({"Segment": ["Big", "Mid", "Tiny"], "Treatment": [45_000, 2_700, 18],
                           "Control": [5_000, 300, 2], "Opted out": [10, 1, 0]})  # fmt: skip
    table = power.plan_power(counts, baseline=0.05, control_share=0.1).set_index("Segment")
    assert table.loc["Big", "Big enough"] == "yes"
    assert table.loc["Mid", "Big enough"] == "no"
    assert "A control share of " in table.loc["Mid", "Advice"]
    assert "even a 50% control group" in table.loc["Tiny", "Advice"]
    assert table.loc["All chosen segments", "Customers"] == 53_020


def campaign_and_responses():
    rng = np.random.default_rng(2)
    n = 4_000
    campaign = pd.DataFrame({
        "Customer ID": [f"C{i}" for i in range(n)],
        "Segment": np.where(np.arange(n) < 3_000, "At Risk", "Champions"),
        "Group": np.where(rng.random(n) < 0.2, "Control", "Treatment"),
    })  # fmt: skip
    treated = campaign["Group"] == "Treatment"
    rate = np.where(treated, 0.09, 0.05)
    responded = rng.random(n) < rate
    revenue = np.where(responded, rng.gamma(2, 30, n), 0.0)
    responses = pd.DataFrame({"Customer": campaign["Customer ID"], "Converted": np.where(
        responded, "yes", "no"), "Revenue": revenue})  # fmt: skip
    return campaign, responses


def test_readout_reproduces_scipy_per_segment_and_overall():
    campaign, responses = campaign_and_responses()
    extra = pd.DataFrame({"Customer": ["X1", "X2"], "Converted": ["no", "yes"], "Revenue": 0})
    read = read_responses(pd.concat([responses, extra], ignore_index=True))
    assert (read.id_column, read.response_column, read.revenue_column) == (
        "Customer", "Converted", "Revenue")  # fmt: skip
    readout = campaign_readout(campaign, read, control_share=0.2)
    assert readout.unknown_ids == 2 and "2 response rows" in readout.notes[0]
    table = readout.table.set_index("Segment")
    assert list(table.index) == ["At Risk", "Champions", "All segments"]
    merged = campaign.assign(y=responses["Converted"] == "yes", r=responses["Revenue"])
    p_values = []
    for segment in ("At Risk", "Champions", "All segments"):
        part = merged if segment == "All segments" else merged[merged["Segment"] == segment]
        t, c = part[part["Group"] == "Treatment"], part[part["Group"] == "Control"]
        row = table.loc[segment]
        assert (row["Treated"], row["Control"]) == (len(t), len(c))
        assert row["Lift (points)"] == pytest.approx(t["y"].mean() - c["y"].mean())
        chi2 = stats.chi2_contingency(pd.crosstab(part["Group"], part["y"]), correction=False)
        assert row["p-value"] == pytest.approx(chi2.pvalue, rel=1e-9)
        welch = stats.ttest_ind(t["r"], c["r"], equal_var=False)
        assert row["Revenue p-value (Welch)"] == pytest.approx(welch.pvalue)
        assert row["Revenue lift per customer"] == pytest.approx(t["r"].mean() - c["r"].mean())
        srm = stats.chisquare([len(t), len(c)], [len(part) * 0.8, len(part) * 0.2]).pvalue
        assert row["Sample ratio p"] == pytest.approx(srm)
        p_values.append(row["p-value"])
    adjusted = stats.false_discovery_control(p_values[:2])
    assert table["Adjusted p (BH)"].iloc[:2].to_numpy() == pytest.approx(adjusted)
    assert table.loc["All segments", "Significant"] == "yes"


def test_responders_only_count_the_rest_as_not_responding_and_full_lists_leave_them_out():
    campaign, responses = campaign_and_responses()
    responders = responses[responses["Converted"] == "yes"]
    readout = campaign_readout(campaign, read_responses(responders), control_share=0.2)
    assert readout.not_responding == len(campaign) - len(responders)
    assert readout.table["Treated"].iloc[-1] + readout.table["Control"].iloc[-1] == 4_000
    part = responses.iloc[:3_500]
    readout = campaign_readout(campaign, read_responses(part), control_share=0.2)
    assert readout.no_outcome == 500
    assert readout.table["Treated"].iloc[-1] + readout.table["Control"].iloc[-1] == 3_500


def test_lost_control_customers_fail_the_sample_ratio_check():
    campaign, responses = campaign_and_responses()
    lost = (campaign["Group"] == "Control") & (campaign["Segment"] == "At Risk")
    keep = ~lost | (np.arange(len(campaign)) % 3 == 0)
    readout = campaign_readout(campaign, read_responses(responses[keep.to_numpy()]),
                               control_share=0.2)  # fmt: skip
    table = readout.table.set_index("Segment")
    assert table.loc["At Risk", "Group sizes as planned"] == "NO: check"
    assert table.loc["Champions", "Group sizes as planned"] == "yes"
    assert any("'At Risk'" in note for note in readout.notes)


def test_bad_responses_get_messages_naming_rows_and_columns():
    frame = pd.DataFrame({"Customer ID": ["a", "b", "a"], "Response": [1, 0, 1]})
    with pytest.raises(SegmentationError, match=r"'a' more than once \(rows 2, 4"):
        read_responses(frame)
    frame = pd.DataFrame({"Customer ID": ["a", "b", "c"], "Response": [1, "maybe", 0]})
    with pytest.raises(SegmentationError, match=r"'Response'.*'maybe' \(row 3\)"):
        read_responses(frame)
    frame = pd.DataFrame({"Customer ID": ["a"], "Answer": [1]})
    with pytest.raises(SegmentationError, match="no response column"):
        read_responses(frame)
    with pytest.raises(SegmentationError, match="no column 'Reply'"):
        read_responses(frame, response_column="Reply")
    frame = pd.DataFrame({"Customer ID": ["a", "b"], "Response": [1, 0], "Revenue": [5, "lots"]})
    with pytest.raises(SegmentationError, match=r"'Revenue' must hold numbers.*row 3"):
        read_responses(frame)
