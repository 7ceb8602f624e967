"""The markup of the tool's new cells, for whole columns at once.

Each value becomes the bytes lxml writes for the cell :mod:`cells` builds for it (the
part after the cell reference and style: type, value and end tag), so the bulk path and
the per-cell path give the same file. Numbers, booleans and repeated text are formatted
per column with numpy and Arrow; a column of mixed kinds goes value by value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from addin.files.package.cells import clean_text, excel_serial

BINARY = pa.large_binary()
_TRUE, _FALSE = b' t="b"><v>1</v></c>', b' t="b"><v>0</v></c>'
# Kinds (pandas.api.types.infer_dtype) where equal values always look the same, so each
# distinct value is formatted once.
_BY_DISTINCT = {"string", "boolean", "empty"}


def escape_text(text: str) -> bytes:
    """Element text as libxml2 writes it (UTF-8; a carriage return as a reference)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\r", "&#13;").encode("utf-8")


def value_markup(value: object) -> bytes | None:
    """The end of one cell's markup (None: a blank, no cell); as ``cells._fill`` does."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return _TRUE if value else _FALSE
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        value = excel_serial(value)
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return None
        number = repr(value) if isinstance(value, float) else str(value)
        return b"><v>" + number.encode("ascii") + b"</v></c>"
    text = clean_text(str(value))
    space = b' xml:space="preserve"' if text != text.strip() else b""
    return b' t="inlineStr"><is><t' + space + b">" + escape_text(text) + b"</t></is></c>"


def column_markup(values: Sequence[object]) -> pa.Array:
    """Each value's cell markup as :func:`value_markup` gives it; null for a blank."""
    array = np.asarray(values, dtype=object)
    kind = pd.api.types.infer_dtype(array, skipna=True)
    if kind == "floating":
        found = _floats(array)
        if found is not None:
            return found
    if kind == "integer":
        found = _integers(array)
        if found is not None:
            return found
    if kind in _BY_DISTINCT:
        codes, distinct = pd.factorize(array)
        markup = pa.array([value_markup(v) for v in distinct], BINARY)
        return markup.take(pa.array(codes, mask=codes < 0))
    return pa.array(list(map(value_markup, array)), BINARY)


def _floats(array: np.ndarray) -> pa.Array | None:
    try:
        numbers = array.astype(np.float64)
    except (TypeError, ValueError):
        return None
    finite = np.isfinite(numbers)
    # repr is Python's shortest round-trip form ("1.0", "1e-05"), as cells._fill writes.
    texts = pa.array(list(map(float.__repr__, numbers[finite].tolist())), pa.large_string())
    return _spread(_wrap_number(texts), finite)


def _integers(array: np.ndarray) -> pa.Array | None:
    try:
        numbers = array.astype(np.int64)
    except (TypeError, ValueError, OverflowError):
        return None
    texts = pa.array(numbers).cast(pa.large_string())
    return _wrap_number(texts)


def _wrap_number(texts: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(
        pa.scalar(b"><v>", BINARY), texts.cast(BINARY), pa.scalar(b"</v></c>", BINARY),
        pa.scalar(b"", BINARY),
    )  # fmt: skip


def _spread(present: pa.Array, mask: np.ndarray) -> pa.Array:
    """``present`` (one item per True in ``mask``) at those places, null elsewhere."""
    places = np.cumsum(mask) - 1
    return present.take(pa.array(places, mask=~mask))
