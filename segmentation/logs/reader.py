"""Transaction logs bigger than memory: aggregated to customers by a SQL engine.

A SQL engine (DuckDB embedded, which spills to disk within a memory limit, or Apache
Spark) does the per-row work and the group-by. Text cells are cleaned by the in-memory
rules (:mod:`segmentation.reading.cleaning`) applied to each column's *distinct* values and
joined back, money is summed exactly as in :func:`~segmentation.reading.customers.exact_sums`,
and the table is finished by the in-memory reader's own code, so a log gives the same
customers whichever engine reads it. Row numbers are not known here: fixes are counted.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from segmentation.defaults import MAX_AMOUNT
from segmentation.errors import SegmentationError
from segmentation.logs.backend import NotALogError, SqlBackend
from segmentation.logs.log_columns import EPOCH_DAY, LogReader, text_literals
from segmentation.reading.aggregate import (
    MAX_MONEY_DECIMALS,
    MONEY_TOLERANCE,
    customer_table,
    resolve_as_of,
    sorted_id_order,
    sum_scale_bits,
)
from segmentation.reading.checks import check_amount_sizes, drop_no_purchases
from segmentation.reading.columns import ColumnMap, detect_columns, tidy_headers
from segmentation.reading.customers import CustomerData
from segmentation.reading.dates import check_date_format, future_dates_error, future_limit
from segmentation.reading.quality import ALL_COLUMNS, MISSING_MARKERS, DataQualityReport
from segmentation.value.history import PurchaseHistory

Progress = Callable[[str, float], None]


def read_log(
    backend: SqlBackend,
    *,
    columns: dict[str, str] | None = None,
    as_of: object = None,
    date_format: str | None = None,
    progress: Progress | None = None,
) -> CustomerData:
    """Aggregate the transaction log in ``backend``'s ``source`` view to customers.

    The engine is left holding the result as the table ``customers`` (id, recency,
    frequency, monetary), for :func:`segmentation.logs.model_sql.score_in_engine`.

    Gives the same table as :func:`~segmentation.read_customers` on the same data
    (duplicate rows dropped, returns netted, late transactions left out); the data
    quality report counts each fix but has no example rows.
    """
    step = progress or (lambda _s, _f: None)
    date_format = check_date_format(date_format, "read_log")
    found, original, types = _find_columns(backend, columns)
    roles = found.roles
    zones = backend.column_time_zones()
    zones = {role: zones.get(original[header]) for role, header in roles.items()}
    report = DataQualityReport()
    reader = LogReader(backend, report)

    step("Counting and de-duplicating rows", 0.05)
    used = {original[h]: h for h in dict.fromkeys(roles.values())}  # header -> its label
    slots = _distinct_lines(reader, used, types)
    step("Reading ids, dates and amounts", 0.3)
    kinds = {role: types[original[header]] for role, header in roles.items()}
    amount_label = _clean_lines(reader, roles, {r: slots[original[h]] for r, h in roles.items()},
                                kinds, date_format, zones)  # fmt: skip
    step("Checking completeness", 0.5)
    as_of_ts, cutoff, total, decimals = _check_lines(
        backend, report, roles, amount_label, as_of, date_format
    )
    step("Adding up per customer", 0.6)
    scale = 2.0 ** sum_scale_bits(total)
    grouped = _add_up(backend, "order_id" in roles, cutoff, scale)
    step("Building the customer table", 0.9)
    table, history = _finish(grouped, scale, as_of_ts, cutoff)
    table = drop_no_purchases(table, report, amount_label)
    report.customers = len(table)
    step("Done", 1.0)
    return CustomerData(
        table, "transactions", found, as_of_ts, report, purchases=history, money_decimals=decimals
    )


_COMPLETE = "id IS NOT NULL AND day IS NOT NULL AND amount IS NOT NULL"


def _find_columns(
    backend: SqlBackend, columns: dict[str, str] | None
) -> tuple[ColumnMap, dict[str, str], dict[str, str]]:
    """The roles (by tidied header), tidied -> original header, and column kinds."""
    types = backend.column_types()
    headers = list(types)
    tidied = list(tidy_headers(pd.DataFrame(columns=headers)).columns)
    found = detect_columns(pd.DataFrame(columns=tidied), columns)
    if found.kind != "transactions":
        raise NotALogError(
            "This file looks like a customer table (one row per customer), not a "
            "transaction log; read it in memory instead (engine 'pandas')."
        )
    return found, dict(zip(tidied, headers)), types


def _distinct_lines(
    reader: LogReader, used: dict[str, str], types: dict[str, str]
) -> dict[str, str]:
    """Count markers and blank rows, then keep the distinct rows of the ``used`` columns
    (header -> label in messages) as table ``lines_raw``; returns each header's column
    name there."""
    backend, report = reader.backend, reader.report
    blanked = [reader.blanked(h, types[h]) for h in used]
    markers = text_literals(MISSING_MARKERS - {""})
    marker_counts = "".join(
        f", sum(CASE WHEN trim({backend.quote(h)}) IN ({markers}) THEN 1 ELSE 0 END) AS m{i}"
        for i, h in enumerate(used)
        if types[h] == "text"
    )
    all_blank = " AND ".join(f"({b}) IS NULL" for b in blanked)
    totals = backend.query(
        f"SELECT count(*) AS n, sum(CASE WHEN {all_blank} THEN 1 ELSE 0 END) AS blank"
        f"{marker_counts} FROM source"
    ).iloc[0]
    report.rows_read = int(totals["n"])
    for i, label in enumerate(used.values()):
        if f"m{i}" in totals and not pd.isna(totals[f"m{i}"]):
            report.add(
                "Excel error or missing markers were treated as blank",
                label,
                int(totals[f"m{i}"]),
                warn=False,
            )
    blank_rows = int(totals["blank"] or 0)
    report.add("Blank rows were skipped", ALL_COLUMNS, blank_rows, warn=False)
    if report.rows_read == blank_rows:
        raise SegmentationError("The log has no data rows: every row is blank.")
    slots = {h: f"c{i}" for i, h in enumerate(used)}
    backend.materialize(
        "lines_raw",
        "SELECT DISTINCT "
        + ", ".join(f"{b} AS {slots[h]}" for b, h in zip(blanked, used))
        + f" FROM source WHERE NOT ({all_blank})",
    )
    distinct_rows = int(backend.query("SELECT count(*) AS n FROM lines_raw")["n"].iloc[0])
    report.add(
        "Duplicate rows were removed", ALL_COLUMNS, report.rows_read - blank_rows - distinct_rows
    )
    return slots


def _clean_lines(
    reader: LogReader,
    roles: dict[str, str],
    slots: dict[str, str],
    kinds: dict[str, str],
    date_format: str | None,
    zones: dict[str, str | None],
) -> str:
    """Table ``lines`` (id, day, amount, ord) from ``lines_raw``; returns the amount's label."""
    ids = reader.ids(slots["customer_id"], kinds["customer_id"], roles["customer_id"])
    days = reader.days(slots["date"], kinds["date"], roles["date"], date_format, zones["date"])
    if "amount" in roles:
        amount = reader.numbers(slots["amount"], kinds["amount"], roles["amount"])
        amount_expr, amount_label, parts = amount.expr, roles["amount"], [amount]
    else:
        quantity = reader.numbers(slots["quantity"], kinds["quantity"], roles["quantity"])
        price = reader.numbers(slots["unit_price"], kinds["unit_price"], roles["unit_price"])
        amount_expr = f"({quantity.expr}) * ({price.expr})"
        amount_label = f"{roles['quantity']} x {roles['unit_price']}"
        parts = [quantity, price]
    order = "CAST(NULL AS BIGINT)"
    if "order_id" in roles:
        slot = slots["order_id"]
        trimmed = f"CASE WHEN trim({slot}) = '' THEN NULL ELSE trim({slot}) END"
        order = trimmed if kinds["order_id"] == "text" else slot
    joins = "".join(part.join for part in (ids, days, *parts))
    reader.backend.materialize(
        "lines",
        f"SELECT {ids.expr} AS id, {days.expr} AS day, {amount_expr} AS amount, "
        f"{order} AS ord FROM lines_raw{joins}",
    )
    return amount_label


def _check_lines(
    backend: SqlBackend,
    report: DataQualityReport,
    roles: dict[str, str],
    amount_label: str,
    as_of: object,
    date_format: str | None,
) -> tuple[pd.Timestamp, int, float, int | None]:
    """Count incomplete, late and returned lines; the analysis date, its day number, the
    sum of |amounts| kept and the decimal places money is written with."""
    counts = backend.query(
        "SELECT sum(CASE WHEN id IS NULL THEN 1 ELSE 0 END) AS no_id, "
        "sum(CASE WHEN id IS NOT NULL AND day IS NULL THEN 1 ELSE 0 END) AS no_date, "
        "sum(CASE WHEN id IS NOT NULL AND day IS NOT NULL AND amount IS NULL "
        "THEN 1 ELSE 0 END) AS no_amount, "
        "max(CASE WHEN id IS NOT NULL AND amount IS NOT NULL THEN day END) AS latest, "
        f"max(abs(amount)) AS largest, sum(CASE WHEN abs(amount) > {MAX_AMOUNT!r} THEN 1 "
        "ELSE 0 END) AS huge "
        "FROM lines"
    ).iloc[0]
    for role, label, key in (
        ("customer id", roles["customer_id"], "no_id"),
        ("date", roles["date"], "no_date"),
        ("amount", amount_label, "no_amount"),
    ):
        article = "an" if role[0] in "aeiou" else "a"
        missing = 0 if pd.isna(counts[key]) else int(counts[key])
        report.add(f"Rows without {article} {role} were left out", label, missing)
    if pd.isna(counts["latest"]):
        raise SegmentationError(
            "No usable rows: every row lacks a customer id, a date or an amount. Check that "
            "the right columns were used: "
            + ", ".join(f"{r} = '{c}'" for r, c in roles.items())
            + "."
        )
    if int(counts["huge"] or 0):
        huge = pd.Series([float(counts["largest"])] * int(counts["huge"]))
        check_amount_sizes(huge, None, amount_label)
    latest = pd.Timestamp(EPOCH_DAY + np.timedelta64(int(counts["latest"]), "D"))
    if as_of is None and latest > future_limit():
        limit = int((np.datetime64(future_limit(), "D") - EPOCH_DAY) / np.timedelta64(1, "D"))
        future = backend.query(
            f"SELECT count(*) AS n FROM lines WHERE {_COMPLETE} AND day > {limit}"
        )["n"].iloc[0]
        raise future_dates_error(roles["date"], int(future), latest, "", future_limit())
    as_of_ts = resolve_as_of(as_of, latest, date_format)
    cutoff = int((np.datetime64(as_of_ts, "D") - EPOCH_DAY) / np.timedelta64(1, "D"))
    kept = f"{_COMPLETE} AND day < {cutoff}"
    summary = backend.query(
        f"SELECT sum(CASE WHEN {_COMPLETE} AND day >= {cutoff} THEN 1 ELSE 0 END) AS late, "
        f"sum(CASE WHEN {kept} AND amount < 0 THEN 1 ELSE 0 END) AS returns, "
        f"sum(CASE WHEN {kept} THEN abs(amount) ELSE 0 END) AS total, "
        f"sum(CASE WHEN {kept} THEN 1 ELSE 0 END) AS used"
        + "".join(
            f", sum(CASE WHEN {kept} AND {_off_places(d)} THEN 1 ELSE 0 END) AS off{d}"
            for d in range(MAX_MONEY_DECIMALS + 1)
        )
        + " FROM lines"
    ).iloc[0]
    late = int(summary["late"] or 0)
    report.add("Transactions on or after the analysis date were left out", roles["date"], late)
    report.rows_used = 0 if pd.isna(summary["used"]) else int(summary["used"])
    if not report.rows_used:
        raise SegmentationError(
            f"Every transaction is dated on or after the analysis date "
            f"{as_of_ts.date()}. Choose a later analysis date."
        )
    report.add(
        "Returns (negative amounts) were netted per customer",
        amount_label,
        int(summary["returns"] or 0),
    )
    decimals = next(
        (d for d in range(MAX_MONEY_DECIMALS + 1) if not int(summary[f"off{d}"] or 0)), None
    )
    return as_of_ts, cutoff, float(summary["total"]), decimals


def _off_places(decimals: int) -> str:
    """An amount not written with ``decimals`` places (as :func:`money_decimals` tests)."""
    scaled = f"(amount * {10.0**decimals!r})"
    return (
        f"abs({scaled} - round({scaled}, 0)) > greatest(1e-9, abs({scaled}) * {MONEY_TOLERANCE!r})"
    )


def _add_up(backend: SqlBackend, has_orders: bool, cutoff: int, scale: float) -> pd.DataFrame:
    """Per-customer totals (also left in the engine as ``customers``), summed exactly."""
    purchase = "amount >= 0"
    frequency = (
        f"count(DISTINCT CASE WHEN {purchase} THEN ord END) + "
        f"count(CASE WHEN {purchase} AND ord IS NULL THEN 1 END)"
        if has_orders
        else f"count(CASE WHEN {purchase} THEN 1 END)"
    )
    units = f"CAST({backend.round_even(f'amount * {scale!r}')} AS BIGINT)"
    kept = f"{_COMPLETE} AND day < {cutoff}"
    backend.materialize(
        "customer_totals",
        "SELECT id, max(day) AS last_any, "
        f"max(CASE WHEN {purchase} THEN day END) AS last_purchase, "
        f"min(day) AS first_any, min(CASE WHEN {purchase} THEN day END) AS first_purchase, "
        f"count(DISTINCT CASE WHEN {purchase} THEN day END) AS purchase_days, "
        f"{frequency} AS frequency, CAST(sum(units) AS BIGINT) AS whole, "
        f"sum(amount - CAST(units AS DOUBLE) / {scale!r}) AS rest "
        f"FROM (SELECT id, day, amount, ord, {units} AS units FROM lines WHERE {kept}) AS k "
        "GROUP BY id",
    )
    # The customer table inside the engine too, computed as _finish does in numpy, so a
    # fitted model can score it there (segmentation.logs.model_sql).
    monetary = f"CAST(whole AS DOUBLE) / {scale!r} + rest"
    backend.materialize(
        "customers",
        f"SELECT id, {cutoff} - CAST(coalesce(last_purchase, last_any) AS BIGINT) AS recency, "
        f"frequency, {monetary} AS monetary FROM customer_totals WHERE frequency > 0",
    )
    totals = backend.query("SELECT * FROM customer_totals")
    # Customer value: net spend after each customer's first purchase day.
    repeat = backend.query(
        "SELECT k.id AS id, sum(k.amount) AS repeat_spend "
        f"FROM (SELECT id, day, amount FROM lines WHERE {kept}) AS k JOIN "
        "(SELECT id AS cid, coalesce(first_purchase, first_any) AS f FROM customer_totals) "
        "AS c ON k.id = c.cid WHERE k.day > c.f GROUP BY k.id"
    )
    return totals.merge(repeat, on="id", how="left")


def _history(grouped: pd.DataFrame, cutoff: int) -> PurchaseHistory:
    """Purchase days per customer for the value models (calibration only: the SQL
    engines leave the lines after the analysis date out, so there is no holdout check)."""
    first = grouped["first_purchase"].fillna(grouped["first_any"]).to_numpy(dtype=np.int64)
    last = grouped["last_purchase"].fillna(grouped["first_any"]).to_numpy(dtype=np.int64)
    days = grouped["purchase_days"].to_numpy(dtype=np.int64)
    last = np.where(days > 0, last, first)
    spend = grouped["repeat_spend"].fillna(0.0).to_numpy(dtype=np.float64)
    return PurchaseHistory(first, last, days, spend, cutoff - 1)


def _finish(
    grouped: pd.DataFrame, scale: float, as_of: pd.Timestamp, cutoff: int
) -> tuple[pd.DataFrame, PurchaseHistory]:
    """The customer table from the totals, by the in-memory reader's own code, and the
    purchase histories in its row order."""
    ids = grouped["id"].to_numpy()
    if ids.dtype.kind == "f":  # whole-number ids read as floats
        ids = ids.astype(np.int64)
    order = sorted_id_order(ids)
    grouped = grouped.iloc[order]
    last = grouped["last_purchase"].fillna(grouped["last_any"]).to_numpy(dtype=np.int64)
    whole = grouped["whole"].to_numpy(dtype=np.int64)
    monetary = whole / scale + grouped["rest"].to_numpy(dtype=np.float64)
    first = grouped["first_purchase"].fillna(grouped["first_any"]).to_numpy(dtype=np.int64)
    table = customer_table(
        ids[order], last, grouped["frequency"].to_numpy(), monetary, as_of, first
    )
    return table, _history(grouped, cutoff)
