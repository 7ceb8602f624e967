"""Keyed pseudonyms: stable for a key, different between keys, and clear about keys."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.errors import SegmentationError
from segmentation.privacy.pseudonyms import KEY_ENVIRONMENT, load_key, pseudonymise

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
