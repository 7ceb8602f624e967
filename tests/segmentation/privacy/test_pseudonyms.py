"""Keyed pseudonyms: stable for a key, different between keys, and clear about keys."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from segmentation import segment_customers
from segmentation.errors import SegmentationError
from segmentation.privacy.pseudonyms import (
    KEY_ENVIRONMENT,
    are_pseudonyms,
    load_key,
    pseudonymise,
)
from segmentation.value.options import ValueOptions

KEY = b"a long random secret, kept safe"


def test_same_id_and_key_give_the_same_pseudonym_in_any_form():
    ids = pd.Series(["C1", "C2", "1001"])
    first = pseudonymise(ids, KEY)
    assert first.equals(pseudonymise(pd.Series(["C1", "C2", 1001.0], dtype=object), KEY))
    assert first.str.fullmatch(r"ID-[0-9a-f]{16}").all()
    assert first.nunique() == 3
    assert not set(first) & set(pseudonymise(ids, KEY + b"!"))  # another key, other names
    assert first.tolist()[0] == "ID-" + pseudonymise(pd.Series(["C1"]), KEY).iloc[0][3:]


def test_keys_come_from_a_file_or_the_environment_with_clear_messages(tmp_path, monkeypatch):
    with pytest.raises(SegmentationError, match="key file '.*missing.key' does not exist"):
        load_key(tmp_path / "missing.key")
    short = tmp_path / "short.key"
    short.write_text("abc", encoding="utf-8")
    with pytest.raises(SegmentationError, match="holds 3 characters; a key needs at least 16"):
        load_key(short)
    monkeypatch.delenv(KEY_ENVIRONMENT, raising=False)
    with pytest.raises(SegmentationError, match=KEY_ENVIRONMENT):
        load_key(None)
    monkeypatch.setenv(KEY_ENVIRONMENT, KEY.decode())
    assert load_key(None) == KEY


def test_only_the_tools_pseudonyms_are_taken_for_pseudonyms():
    made = pseudonymise(pd.Series(["C1", "C2", None], dtype=object), KEY)
    assert are_pseudonyms(made.where(made.str.len() > 0, None))
    assert not are_pseudonyms(pd.Series(["ID-0123", "C2"]))
    assert not are_pseudonyms(pd.Series(["ID-0123456789abcdeF"]))  # upper case: not ours
    assert not are_pseudonyms(pd.Series([], dtype=object))


def test_a_saved_model_holds_no_customer_id(tmp_path):
    """Models are shared with templates: not one customer ID may travel with them."""
    rng = np.random.default_rng(3)
    ids = np.repeat(np.arange(300), rng.poisson(2.5, 300) + 1)  # repeat buyers: value fits
    days = rng.integers(0, 300, 300)[ids] + rng.integers(0, 400, len(ids)) * rng.random(len(ids))
    log = pd.DataFrame(
        {
            "Customer ID": [f"PRIVATE-{i:04d}" for i in ids],
            "Date": pd.Timestamp("2023-01-01") + pd.to_timedelta(days.astype(int), "D"),
            "Amount": np.round(rng.lognormal(3, 0.5, len(ids)), 2),
            "Region": rng.choice(["North", "South"], len(ids)),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = segment_customers(log, method="both", n_clusters=3, categorical=["Region"],
                                   value=ValueOptions())  # fmt: skip
    path = tmp_path / "model.json"
    result.model.save(path)
    text = path.read_text(encoding="utf-8")
    assert "PRIVATE-" not in text and "Region" in text  # the model itself is there
    assert result.value is not None  # customer value was fitted and saved too
    assert len(text) > 1000


def test_a_comparison_under_pseudonyms_gives_the_figures_of_one_under_ids():
    """Scores are made from the real IDs (rank ties by their hash); swapping the IDs for
    pseudonyms afterwards must change no move and no drift figure."""
    from segmentation.change import PreviousPeriod, compare_periods
    from tests.conftest import synthetic_customers

    earlier = synthetic_customers(800, seed=1)
    later = earlier.assign(Recency=earlier["Recency"] + 30)
    later.loc[::7, "Frequency"] += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = segment_customers(earlier, ties="rank", n_bins=5)
        now = segment_customers(later, model=before.model)

    def compare(key: bytes | None):
        def ids(table):
            if key is None:
                return table
            return table.assign(**{"Customer ID": pseudonymise(table["Customer ID"], key)})

        previous = PreviousPeriod(ids(before.customers), before.model)
        return compare_periods(ids(now.customers), previous, model=now.model)

    plain, private = compare(None), compare(KEY)
    assert plain.returning == private.returning == len(earlier)
    pd.testing.assert_frame_equal(plain.drift, private.drift)
    pd.testing.assert_frame_equal(plain.counts, private.counts)
    assert plain.customers["Movement"].tolist() == private.customers["Movement"].tolist()


def test_the_pseudonym_text_is_the_hash_in_hex():
    from segmentation.privacy.pseudonyms import _siphash_key

    ids = pd.Series(["C1", "C2", "C3", "", "0042"] * 3)
    hashes = pd.util.hash_array(
        ids.to_numpy(dtype=object), encoding="utf8", hash_key=_siphash_key(KEY), categorize=False
    )
    assert pseudonymise(ids, KEY).tolist() == [f"ID-{int(h):016x}" for h in hashes]
    assert pseudonymise(pd.Series([], dtype=object), KEY).empty
