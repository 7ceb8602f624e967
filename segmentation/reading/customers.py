"""From the user's table to one row per customer with Recency, Frequency and Monetary.

Two shapes are read: a transaction log (one row per purchase line) is aggregated;
a customer table (one row per customer) is checked and completed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation import names
from segmentation.errors import SegmentationError, describe_rows
from segmentation.reading.aggregate import (
    aggregate_transactions,
    as_int_if_whole,
    money_decimals,
    resolve_as_of,
)
from segmentation.reading.checks import (
    check_amount_sizes,
    check_future_dates,
    check_repeated_headers,
    drop_no_purchases,
)
from segmentation.reading.cleaning import blank_out_markers, to_dates, to_ids, to_numbers
from segmentation.reading.columns import ColumnMap, TableKind, detect_columns, tidy_headers
from segmentation.reading.dates import check_date_format
from segmentation.reading.quality import DataQualityReport
from segmentation.reading.rows import (
    NO_DATA_ROWS,
    drop_blank_rows,
    drop_duplicate_rows,
    drop_incomplete,
    latest_values,
    row_numbers,
)
from segmentation.value.history import PurchaseHistory, PurchaseLines


@dataclass
class CustomerData:
    """A per-customer table and how it was made.

    Attributes
    ----------
    table : DataFrame
        One row per customer: ``Customer ID``, ``Recency`` (days), ``Frequency``,
        ``Monetary``, ``Last Purchase`` where known, then extra columns. For a customer
        table the index is the input's index, so results align with the input rows.
    kind : {"transactions", "customers"}
    columns : ColumnMap
        Which input header played which role.
    as_of : Timestamp or None
        The analysis date recency was measured from.
    report : DataQualityReport
    money_decimals : int or None
        The decimal places every amount of a log is written with; Monetary is written
        out to them (:func:`~segmentation.reading.aggregate.written_money`).
    """

    table: pd.DataFrame
    kind: TableKind
    columns: ColumnMap
    as_of: pd.Timestamp | None
    report: DataQualityReport
    # A transaction log's purchase lines (calibration and later), or the SQL engines'
    # purchase histories, for customer value.
    purchases: PurchaseLines | PurchaseHistory | None = None
    money_decimals: int | None = None  # places the amounts are written with (logs)


def _read_transactions(
    frame: pd.DataFrame,
    found: ColumnMap,
    rows: np.ndarray,
    report: DataQualityReport,
    as_of: object,
    extras: Sequence[str],
    drop_duplicates: bool,
    date_format: str | None,
) -> tuple[pd.DataFrame, pd.Timestamp, PurchaseLines]:
    roles = found.roles
    if drop_duplicates:
        keep = drop_duplicate_rows(frame, rows, report)
        if not keep.all():  # copying 10M rows for nothing costs memory and time
            frame, rows = frame[keep], rows[keep]

    ids = to_ids(frame[roles["customer_id"]], roles["customer_id"], report, rows)
    dates = to_dates(frame[roles["date"]], roles["date"], report, rows, date_format)
    if "amount" in roles:
        amounts = to_numbers(frame[roles["amount"]], roles["amount"], report, rows)
        amount_label = roles["amount"]
    else:
        quantity = to_numbers(frame[roles["quantity"]], roles["quantity"], report, rows)
        price = to_numbers(frame[roles["unit_price"]], roles["unit_price"], report, rows)
        amounts = quantity * price
        amount_label = f"{roles['quantity']} x {roles['unit_price']}"
    check_amount_sizes(amounts, rows, amount_label)
    parsed = {"customer id": ids, "date": dates, "amount": amounts}
    labels = {"customer id": roles["customer_id"], "date": roles["date"], "amount": amount_label}
    keep = drop_incomplete(parsed, labels, rows, report)

    orders = None
    if "order_id" in roles:
        order_ids = to_ids(frame[roles["order_id"]], roles["order_id"], report)
        orders = order_ids.to_numpy()[keep]

    ids_kept = ids.to_numpy()[keep]
    if ids_kept.dtype.kind == "f":  # whole numbers that had blanks among them
        ids_kept = ids_kept.astype(np.int64)
    dates_kept = dates.to_numpy()[keep]
    amounts_kept = amounts.to_numpy()[keep]
    rows_kept = rows[keep]
    check_future_dates(dates_kept, rows_kept, roles["date"], as_of)
    as_of_ts = resolve_as_of(as_of, pd.Timestamp(dates_kept.max()), date_format)
    lines = PurchaseLines(ids_kept, dates_kept, amounts_kept)
    late = dates_kept >= np.datetime64(as_of_ts)
    if late.any():
        report.add(
            "Transactions on or after the analysis date were left out",
            roles["date"],
            int(late.sum()),
            rows_kept[late],
        )
        if late.all():
            raise SegmentationError(
                f"Every transaction is dated on or after the analysis date "
                f"{as_of_ts.date()}. Choose a later analysis date."
            )
        ids_kept, dates_kept, amounts_kept, rows_kept = (
            ids_kept[~late],
            dates_kept[~late],
            amounts_kept[~late],
            rows_kept[~late],
        )
        orders = orders[~late] if orders is not None else None

    returns = amounts_kept < 0
    report.add(
        "Returns (negative amounts) were netted per customer",
        amount_label,
        int(returns.sum()),
        rows_kept[returns],
    )
    table = aggregate_transactions(ids_kept, dates_kept, amounts_kept, orders, as_of_ts)
    report.rows_used = int(len(ids_kept))

    if extras:
        codes = pd.Index(table[names.CUSTOMER_ID]).get_indexer(ids_kept)
        days = dates_kept.astype("datetime64[D]").astype(np.int64)
        source = frame[list(extras)].iloc[np.flatnonzero(keep)]
        if late.any():
            source = source.iloc[np.flatnonzero(~late)]
        latest = latest_values(source.reset_index(drop=True), codes, days, len(table))
        table = pd.concat([table, latest], axis=1)
    table = drop_no_purchases(table, report, amount_label)
    table.attrs["money_decimals"] = money_decimals(amounts_kept)
    return table, as_of_ts, lines


def _read_customer_table(
    frame: pd.DataFrame,
    found: ColumnMap,
    rows: np.ndarray,
    report: DataQualityReport,
    as_of: object,
    extras: Sequence[str],
    drop_duplicates: bool,
    date_format: str | None,
) -> tuple[pd.DataFrame, pd.Timestamp | None, None]:
    roles = found.roles
    if drop_duplicates:
        keep = drop_duplicate_rows(frame, rows, report)
        if not keep.all():  # copying 10M rows for nothing costs memory and time
            frame, rows = frame[keep], rows[keep]

    ids = to_ids(frame[roles["customer_id"]], roles["customer_id"], report, rows)
    frequency = to_numbers(frame[roles["frequency"]], roles["frequency"], report, rows)
    monetary = to_numbers(frame[roles["monetary"]], roles["monetary"], report, rows)
    check_amount_sizes(monetary, rows, roles["monetary"])
    as_of_ts = None
    last_purchase = None
    if "recency" in roles:
        recency = to_numbers(frame[roles["recency"]], roles["recency"], report, rows)
        recency_label = roles["recency"]
    else:
        recency_label = roles["last_purchase"]
        last_purchase = to_dates(frame[recency_label], recency_label, report, rows, date_format)
        latest = last_purchase.max()
        if pd.isna(latest):
            raise SegmentationError(
                f"Column '{recency_label}' has no dates. Fill in each customer's last "
                "purchase date."
            )
        present = last_purchase.notna().to_numpy()
        check_future_dates(last_purchase.to_numpy()[present], rows[present], recency_label, as_of)
        as_of_ts = resolve_as_of(as_of, latest, date_format)
        recency = (as_of_ts - last_purchase) / pd.Timedelta(days=1)

    parsed = {
        "customer id": ids,
        "recency": recency,
        "frequency": frequency,
        "monetary value": monetary,
    }
    labels = {
        "customer id": roles["customer_id"],
        "recency": recency_label,
        "frequency": roles["frequency"],
        "monetary value": roles["monetary"],
    }
    keep = drop_incomplete(parsed, labels, rows, report)

    for role, values in (("recency", recency), ("frequency", frequency)):
        negative = keep & (values < 0).to_numpy()
        if negative.any():
            hint = (
                "Recency counts days since the last purchase; check the analysis date."
                if role == "recency"
                else "Frequency counts purchases and cannot be negative."
            )
            raise SegmentationError(
                f"Column '{labels[role]}' has negative values ({describe_rows(rows[negative])}). "
                f"{hint}"
            )

    duplicated = ids.duplicated(keep=False).to_numpy() & keep
    if duplicated.any():
        first = ids[duplicated].iloc[0]
        where = describe_rows(rows[duplicated & (ids == first).to_numpy()])
        raise SegmentationError(
            f"Column '{roles['customer_id']}' repeats customer ids: '{first}' appears in "
            f"{where} ({int(duplicated.sum())} rows share an id). A customer table needs one "
            "row per customer: remove the duplicates, or if this is a transaction log, give "
            "it a date and an amount column."
        )

    table = pd.DataFrame(
        {
            names.CUSTOMER_ID: ids,
            names.RECENCY: recency,
            names.FREQUENCY: frequency,
            names.MONETARY: monetary,
        },
        index=frame.index,
    )
    if last_purchase is not None:
        table[names.LAST_PURCHASE] = last_purchase
    for extra in extras:
        table[extra] = frame[extra]
    table = table[keep]
    if table[names.CUSTOMER_ID].dtype.kind == "f":  # whole-number ids that had blanks
        table[names.CUSTOMER_ID] = table[names.CUSTOMER_ID].astype(np.int64)
    for column in (names.RECENCY, names.FREQUENCY):
        table[column] = as_int_if_whole(table[column])
    report.rows_used = int(keep.sum())
    return table, as_of_ts, None


def read_customers(
    frame: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    kind: TableKind | None = None,
    as_of: object = None,
    extras: Sequence[str] | None = None,
    first_row: int = 2,
    drop_duplicates: bool = True,
    date_format: str | None = None,
) -> CustomerData:
    """Read a transaction log or a customer table into one row per customer.

    Parameters
    ----------
    frame : DataFrame
        The table as read from a sheet or file, headers as column labels.
    columns : mapping of role to header, optional
        Explicit column choices (see :func:`~segmentation.reading.columns.detect_columns`).
    kind : {"transactions", "customers"}, optional
        Force the table kind instead of detecting it.
    as_of : date-like, optional
        The analysis date. Defaults to the day after the last transaction (or last
        purchase). Transactions on or after it are left out, with a warning.
    extras : list of str, optional
        Extra columns to carry into the customer table. Defaults to every other
        column of a customer table and to none for a transaction log (where each
        customer's value on their latest row is taken).
    first_row : int, default 2
        Spreadsheet row number of the first data row, used in messages.
    drop_duplicates : bool, default True
        Remove rows that repeat an earlier row exactly (a common copy-paste slip).
    date_format : str, optional
        The order of dates written as text, ``"DMY"``, ``"MDY"`` or ``"YMD"``, or a
        strftime format such as ``"%d/%m/%Y"``; also reads a text ``as_of``.

    Returns
    -------
    CustomerData

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "Customer": ["A", "A", "B"],
    ...     "Order Date": ["2024-01-05", "2024-03-01", "2024-02-10"],
    ...     "Sales": ["$1,200.00", "30", "45.5"],
    ... })
    >>> data = read_customers(log, as_of="2024-03-31")
    >>> data.table[["Customer ID", "Recency", "Frequency", "Monetary"]]
      Customer ID  Recency  Frequency  Monetary
    0           A       30          2    1230.0
    1           B       50          1      45.5
    """
    date_format = check_date_format(date_format)
    headers = list(frame.columns)
    frame = tidy_headers(frame)
    found = detect_columns(frame, columns, kind)
    if frame.empty:
        raise SegmentationError(NO_DATA_ROWS)
    check_repeated_headers(headers, found.roles, columns)
    if extras is None:
        extras = list(found.extras) if found.kind == "customers" else []
    unknown = [e for e in extras if e not in frame.columns]
    if unknown:
        raise SegmentationError(
            f"Extra column(s) {', '.join(map(repr, unknown))} are not in the table. "
            f"Its headers are: {', '.join(map(repr, map(str, frame.columns)))}."
        )
    used = list(dict.fromkeys([*found.roles.values(), *extras]))
    report = DataQualityReport(rows_read=len(frame))
    rows = row_numbers(frame, first_row)
    cleaned, markers = blank_out_markers(frame[used])
    for column, count in markers.items():
        report.add(
            "Excel error or missing markers were treated as blank", column, count, warn=False
        )
    cleaned, rows = drop_blank_rows(cleaned, rows, report)
    read = _read_transactions if found.kind == "transactions" else _read_customer_table
    table, as_of_ts, lines = read(
        cleaned, found, rows, report, as_of, extras, drop_duplicates, date_format
    )
    report.customers = len(table)
    decimals = table.attrs.pop("money_decimals", None)
    return CustomerData(
        table, found.kind, found, as_of_ts, report, purchases=lines, money_decimals=decimals
    )
