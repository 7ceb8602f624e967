"""Worksheet functions (xlwings UDFs): =SEGMENT_RFM(A1:D5000) and friends.

Each function is a few lines over the engine. They take the range's values as a 2-D
list (header row optional), spill a result aligned with the input rows, give the same
answer on every recalculation, and put a readable ``#SEGMENT! ...`` message in the
cell instead of raising. On Linux xlwings' decorators do nothing, so these are plain
functions that the tests call directly.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings

import xlwings as xw

from addin import names
from addin.messages import for_function
from segmentation import names as column_names
from segmentation.defaults import (
    HORIZON,
    MAX_BINS,
    MAX_CLUSTERS,
    MIN_BINS,
    MIN_CLUSTERS,
    N_BINS,
    TIES,
)
from segmentation.errors import SegmentationError

CATEGORY = "Segmentation"
ERROR_PREFIX = "#SEGMENT!"

Grid = list[list[object]]


def _message(exc: Exception) -> Grid:
    """The whole message, fix included, with settings named as this function's arguments."""
    return [[f"{ERROR_PREFIX} {for_function(exc)}"]]


def _whole_number(value: object, parameter: str, default: object, low: int, high: int) -> object:
    """A cell's number as an int (Excel passes 4 as 4.0); a clear error for text."""
    if value in (None, ""):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    # The range itself is the engine's check; here only "is it a whole number".
    if not math.isfinite(number) or number != int(number):
        raise SegmentationError.bad_parameter(
            "the function",
            parameter,
            value,
            f"a whole number from {low} to {high}",
            label=parameter.replace("_", " "),
        )
    return int(number)


def _has_header(rows: Grid) -> bool:
    import pandas as pd

    from segmentation import SegmentationError, detect_columns

    first = [str(v) if v is not None else "" for v in rows[0]]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            detect_columns(pd.DataFrame(columns=first))
    except SegmentationError:
        # Unknown headers are still headers when the first row is all text and the rows
        # below are not: the engine will then say which columns it misses.
        all_text = all(isinstance(v, str) and v.strip() for v in rows[0])
        below = [v for row in rows[1:6] for v in row]
        return all_text and any(not isinstance(v, str) for v in below if v is not None)
    return True


def _default_headers(rows: Grid) -> list[str]:
    """Headers for a range without any: id, date, amount or id, recency, frequency, monetary."""
    width = len(rows[0])
    second = [r[1] for r in rows if len(r) > 1 and r[1] is not None][:50]
    dated = any(isinstance(v, (dt.date, dt.datetime)) for v in second)
    if width == 3 or (width > 3 and dated):
        base = [column_names.CUSTOMER_ID, "Date", "Amount"]
    elif width >= 4:
        base = [
            column_names.CUSTOMER_ID,
            column_names.RECENCY,
            column_names.FREQUENCY,
            column_names.MONETARY,
        ]
    else:
        from segmentation import SegmentationError

        raise SegmentationError(
            "The range needs a header row, or 3 columns (customer, date, amount) or 4 "
            "(customer, recency, frequency, monetary)"
        )
    return base + [f"Column {i}" for i in range(len(base) + 1, width + 1)]


def _frame(table: Grid):
    """The range as a DataFrame, and whether it had a header row."""
    import pandas as pd

    from addin.files.xlsx import unique_headers
    from segmentation import SegmentationError

    rows = [list(r) for r in (table or []) if r is not None]
    if not rows or not rows[0]:
        raise SegmentationError("The range is empty")
    header = _has_header(rows)
    columns = unique_headers(rows[0]) if header else _default_headers(rows)
    body = rows[1:] if header else rows
    return pd.DataFrame(body, columns=columns, dtype=object).infer_objects(), header


def _segment(table: Grid, **options):
    from segmentation import segment_customers
    from segmentation.value.options import ValueOptions

    frame, header = _frame(table)
    options.setdefault("value", ValueOptions(enabled=False))  # only SEGMENT_CLV needs it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = segment_customers(frame, first_row=2 if header else 1, **options)
    return frame, header, result


def _per_row(frame, result, columns: list[str]):
    """The result columns for each input row: its customer's values (blank if left out)."""
    customers = result.customers
    if result.data.kind == "customers":
        return customers[columns].reindex(frame.index)
    ids = frame[result.data.columns.roles["customer_id"]]
    from segmentation.reading.cleaning import to_ids
    from segmentation.reading.quality import DataQualityReport

    keys = to_ids(ids, "id", DataQualityReport())
    if keys.dtype.kind == "f":
        keys = keys.astype("Int64")
    lookup = customers.set_index(column_names.CUSTOMER_ID)[columns]
    return lookup.reindex(keys.to_numpy()).set_axis(frame.index)


def _grid(values, header: bool, columns: list[str]) -> Grid:
    rows = values.astype(object).where(values.notna(), None).to_numpy().tolist()
    rows = [[_plain(v) for v in row] for row in rows]
    return ([columns] if header else []) + rows


def _plain(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    return "" if value is None else value


def _bins(bins: object) -> int:
    return _whole_number(bins, "n_bins", N_BINS, MIN_BINS, MAX_BINS)


@xw.func(category=CATEGORY)
@xw.arg("table", ndim=2, err_to_str=True)
@xw.ret(expand="table")
def SEGMENT_RFM(table, as_of=None, bins=N_BINS, ties=TIES):
    """RFM segment name (Champions, At Risk, ...) for each row of a customer table or a
    transaction log. Header row optional. as_of: analysis date (default: day after the
    last purchase); bins: 3 to 10 (default 5); ties: "quantile" or "rank"."""
    try:
        frame, header, result = _segment(table, as_of=as_of, n_bins=_bins(bins), ties=ties or TIES)
        return _grid(
            _per_row(frame, result, [column_names.RFM_SEGMENT]), header, [column_names.RFM_SEGMENT]
        )
    except ValueError as exc:
        return _message(exc)


@xw.func(category=CATEGORY)
@xw.arg("table", ndim=2, err_to_str=True)
@xw.ret(expand="table")
def RFM_SCORE(table, as_of=None, bins=N_BINS, ties=TIES):
    """R, F and M scores and the combined RFM score for each row of a customer table or
    a transaction log. Header row optional."""
    columns = [
        column_names.R_SCORE,
        column_names.F_SCORE,
        column_names.M_SCORE,
        column_names.RFM_SCORE,
    ]
    try:
        frame, header, result = _segment(table, as_of=as_of, n_bins=_bins(bins), ties=ties or TIES)
        return _grid(_per_row(frame, result, columns), header, columns)
    except ValueError as exc:
        return _message(exc)


@xw.func(category=CATEGORY)
@xw.arg("transactions", ndim=2, err_to_str=True)
@xw.ret(expand="table")
def RFM_TABLE(transactions, as_of=None):
    """One row per customer: Customer ID, Recency (days), Frequency, Monetary, with a
    header row, from a transaction log (customer, date, amount)."""
    from segmentation import read_customers

    columns = [
        column_names.CUSTOMER_ID,
        column_names.RECENCY,
        column_names.FREQUENCY,
        column_names.MONETARY,
    ]
    try:
        frame, _ = _frame(transactions)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = read_customers(frame, as_of=as_of, kind="transactions")
        return _grid(data.table[columns], True, columns)
    except ValueError as exc:
        return _message(exc)


@xw.func(category=CATEGORY)
@xw.arg("table", ndim=2, err_to_str=True)
@xw.arg("columns", ndim=1)
@xw.ret(expand="table")
def SEGMENT_CLUSTER(table, k="auto", columns=None):
    """Behavioural cluster name for each row (k-means on log recency, frequency, spend,
    plus the named extra columns). k: a number, or "auto" to choose 3 to 6."""
    features = [str(c).strip() for c in (columns or []) if c not in (None, "")]
    if len(features) == 1 and "," in features[0]:
        features = [f.strip() for f in features[0].split(",") if f.strip()]
    try:
        auto = k in (None, "") or str(k).strip().lower() == "auto"
        clusters = "auto" if auto else _whole_number(k, "n_clusters", "auto", MIN_CLUSTERS,
                                                     MAX_CLUSTERS)  # fmt: skip
        frame, header, result = _segment(
            table, method="cluster", n_clusters=clusters, features=features or None
        )
        return _grid(
            _per_row(frame, result, [column_names.CLUSTER_NAME]),
            header,
            [column_names.CLUSTER_NAME],
        )
    except ValueError as exc:
        return _message(exc)


@xw.func(category=CATEGORY)
@xw.arg("table", ndim=2, err_to_str=True)
@xw.arg("segments", ndim=1)
@xw.ret(expand="table")
def SEGMENT_PROFILE(table, segments):
    """The segment summary (customers, revenue and their shares, mean R/F/M, priority)
    for a customer table and a column of segment names aligned with its rows."""
    import pandas as pd

    from segmentation import read_customers, segment_profile

    try:
        frame, header = _frame(table)
        labels = list(segments or [])
        if header and labels:
            labels = labels[1:]
        if len(labels) != len(frame):
            raise ValueError(
                f"The segments range has {len(labels)} rows and the table {len(frame)}; "
                "they must line up"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = read_customers(frame, drop_duplicates=False)
        customers = data.table.copy()
        if data.kind == "customers":
            customers[column_names.SEGMENT] = pd.Series(labels, index=frame.index).reindex(
                customers.index
            )
        else:
            raise ValueError("SEGMENT_PROFILE needs one row per customer, not a transaction log")
        profile = segment_profile(
            customers.dropna(subset=[column_names.SEGMENT]), column_names.SEGMENT
        )
        return _grid(profile, True, list(profile.columns))
    except ValueError as exc:
        return _message(exc)


@xw.func(category=CATEGORY)
@xw.arg("table", ndim=2, err_to_str=True)
@xw.arg("model", ndim=2)
@xw.ret(expand="table")
def SEGMENT_APPLY(table, model):
    """Score each row with the model saved in the workbook: pass the table and the
    'Segmentation Model' sheet's used range. Returns the RFM segment and, if the model
    has clusters, the cluster name."""
    from addin.sheets.model_sheet import read_model

    try:
        saved = read_model([list(r) for r in (model or [])])
        if saved is None:
            raise ValueError(f"Pass the '{names.MODEL_SHEET}' sheet's range as model")
        frame, header, result = _segment(table, model=saved)
        columns = [
            c
            for c in (column_names.RFM_SEGMENT, column_names.CLUSTER_NAME)
            if c in result.customers
        ]
        return _grid(_per_row(frame, result, columns), header, columns)
    except ValueError as exc:
        return _message(exc)


# Customer value.


@xw.func(category=CATEGORY)
@xw.arg("table", ndim=2, err_to_str=True)
@xw.arg("model", ndim=2)
@xw.ret(expand="table")
def SEGMENT_CLV(table, horizon=HORIZON, as_of=None, model=None):
    """Expected purchases, P(alive), expected order value and predicted CLV for each row
    of a transaction log (customer, date, amount), from BG/NBD or MBG/NBD and
    Gamma-Gamma fitted to it. horizon: "12m", "39w" or "90d" (default 12 months);
    as_of: analysis date; model: the 'Segmentation Model' sheet's used range, to predict
    with its saved parameters instead of fitting. Discount 10% a year, margin 100%."""
    from addin.sheets.model_sheet import read_model
    from segmentation.value.options import ValueOptions

    try:
        value = ValueOptions(horizon=horizon if horizon not in (None, "") else HORIZON)
        saved = read_model([list(r) for r in model]) if model else None
        if model and saved is None:
            raise ValueError(f"Pass the '{names.MODEL_SHEET}' sheet's range as model")
        frame, header, result = _segment(table, as_of=as_of, value=value, model=saved)
        if result.value is None:
            raise SegmentationError(result.value_note or "Customer value was not estimated.")
        columns = list(result.value.predictions.columns)
        return _grid(_per_row(frame, result, columns), header, columns)
    except ValueError as exc:
        return _message(exc)


# Change over time: the from -> to matrix of two aligned columns of segment names.
@xw.func(category=CATEGORY)
@xw.arg("previous_segments", ndim=1)
@xw.arg("current_segments", ndim=1)
@xw.ret(expand="table")
def SEGMENT_CHANGES(previous_segments, current_segments):
    """Customers moving from each previous segment (rows) to each current one (columns),
    from two columns aligned per customer; a blank previous cell is a new customer, a
    blank current cell one no longer present."""
    from addin.excel.change_functions import changes_matrix

    try:
        return changes_matrix(previous_segments, current_segments)
    except ValueError as exc:
        return _message(exc)
