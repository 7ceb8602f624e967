"""Treatment and control groups: stratified by segment, drawn by a keyed hash of the id.

customers (id, segment) -> the same rows with ``Group`` = Treatment or Control.

Each customer's place in the draw is a SipHash-2-4 of its id, keyed by the campaign
name and seed (pandas' ``hash_array``, compiled, so a million ids take a
fraction of a second). Within each segment the customers with the smallest hashes are
the control group, exactly ``round(n x share)`` of them. So the groups depend on the
ids, the name and the seed only: not on row order, machine or thread count, and two
campaigns with different names draw unrelated groups.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from segmentation import names
from segmentation.errors import SegmentationError, describe_rows


def canonical_ids(ids: pd.Series) -> pd.Series:
    """Customer ids as text, the same whatever a reader made of them.

    1001, 1001.0 and "1001" are one id (Excel stores every number as a float); "00123"
    stays "00123".
    """
    values = pd.Series(ids).reset_index(drop=True)
    if values.dtype.kind in "iub":
        return values.astype("int64").astype(str)
    if values.dtype.kind == "f":
        whole = np.isfinite(values) & (values == np.floor(values))
        text = values.astype(str)
        text[whole] = values[whole].astype("int64").astype(str)
        return text
    text = values if pd.api.types.is_string_dtype(values.dtype) else values.astype(str)
    text = text.astype(str).str.strip()
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) != "string":
        # Numbers from Excel in a column that also holds text (rare: the loop is fine).
        is_float = np.fromiter((isinstance(v, float) for v in values), bool, len(values))
        if is_float.any():
            text[is_float] = canonical_ids(values[is_float].astype(float)).to_numpy()
    return text


def draw_key(name: str, seed: int = 0) -> str:
    """The 128-bit SipHash key of a campaign (16 hex characters), from its name and seed.

    Names are compared ignoring case and surrounding spaces, as Excel compares sheet names.
    """
    text = f"{name.strip().casefold()}\x1f{int(seed)}".encode()
    return hashlib.blake2b(text, digest_size=8, person=b"seg-campaign").hexdigest()


def draw_order(text_ids: pd.Series, key: str) -> np.ndarray:
    """Each id's 64-bit keyed hash (ids as :func:`canonical_ids` gives them): its place in
    the draw, smaller first."""
    values = text_ids.to_numpy(dtype=object)
    return pd.util.hash_array(values, encoding="utf8", hash_key=key, categorize=False)


def control_counts(sizes: np.ndarray, control_share: float) -> np.ndarray:
    """Customers per segment in the control group: n x share rounded half up."""
    return np.floor(np.asarray(sizes, dtype=float) * control_share + 0.5).astype(np.int64)


def check_control_share(control_share: float) -> float:
    share = float(control_share)
    if not 0.0 < share < 1.0 or not np.isfinite(share):
        raise SegmentationError.bad_parameter(
            "assign_groups",
            "control_share",
            control_share,
            "a share between 0% and 100% (both excluded), such as 10%",
            label="the control share",
        )
    return share


def assign_groups(
    ids: pd.Series,
    segments: pd.Series,
    *,
    control_share: float,
    name: str,
    seed: int = 0,
    first_row: int = 2,
) -> pd.Series:
    """``Treatment`` or ``Control`` for each customer, aligned with ``ids``.

    Parameters
    ----------
    ids, segments : Series
        One row per customer: the id and the segment (the stratum).
    control_share : float
        Share of each segment held out as control, in (0, 1).
    name : str
        The campaign's name; with ``seed``, the key of the draw.
    first_row : int
        The sheet row of the first customer, for messages.

    Examples
    --------
    >>> ids = pd.Series([f"C{i}" for i in range(10)])
    >>> groups = assign_groups(ids, pd.Series(["A"] * 10), control_share=0.3, name="Spring")
    >>> int((groups == "Control").sum())
    3
    """
    share = check_control_share(control_share)
    text = canonical_ids(ids)
    n = len(text)
    hashes = draw_order(text, draw_key(name, seed))
    by_hash = np.argsort(hashes)
    if n and (np.diff(hashes[by_hash]) == 0).any():  # a repeated id, or (rarely) two ids
        repeated = text.duplicated(keep=False).to_numpy()  # with one 64-bit hash
        if repeated.any():
            rows = np.flatnonzero(repeated) + first_row
            raise SegmentationError(
                f"Customer IDs must be unique in a campaign; '{text[repeated].iloc[0]}' and "
                f"others repeat ({describe_rows(rows)}). Keep one row per customer."
            )
        by_id = pd.factorize(text.to_numpy(dtype=object), sort=True)[0]
        by_hash = np.lexsort((by_id, hashes))
    codes, _ = pd.factorize(pd.Series(segments).astype(str), sort=True)
    codes = codes.astype(np.int64)
    # By segment, then by hash: a stable (radix) sort of the segment codes in hash order.
    small = np.int16 if codes.max(initial=0) < 2**15 else np.int64  # radix sort for int16
    order = by_hash[np.argsort(codes[by_hash].astype(small), kind="stable")]
    sizes = np.bincount(codes, minlength=codes.max() + 1 if n else 0)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    sorted_codes = codes[order]
    rank = np.arange(n) - starts[sorted_codes]
    is_control = np.empty(n, dtype=np.int8)
    is_control[order] = rank < control_counts(sizes, share)[sorted_codes]
    groups = pd.Categorical.from_codes(is_control, categories=[names.TREATMENT, names.CONTROL])
    return pd.Series(groups, index=pd.Series(ids).index, name=names.GROUP)
