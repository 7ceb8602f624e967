"""Finding the columns of a customer table or a transaction log by their headers.

Headers are compared after normalising: case, spaces, underscores and other
punctuation are ignored, so "Customer ID", "customer_id" and "CustomerID" all
match. An explicit mapping always wins over the synonyms.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from segmentation.errors import SegmentationError, SegmentationWarning
from segmentation.reading.synonyms import CUSTOMER_ROLES, ROLE_LABELS, SYNONYMS, TRANSACTION_ROLES

TableKind = Literal["transactions", "customers"]


_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def normalise_header(header: object) -> str:
    """Lower-case a header and drop everything that is not a letter or digit."""
    return _NON_ALNUM.sub("", str(header)).casefold()


@dataclass(frozen=True)
class ColumnMap:
    """Which header of the user's table plays which role."""

    kind: TableKind
    roles: dict[str, str]
    extras: tuple[str, ...] = field(default_factory=tuple)

    def get(self, role: str) -> str | None:
        return self.roles.get(role)


def tidy_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """Give blank headers a name and make duplicated headers unique, with a warning."""
    names: list[str] = []
    seen: dict[str, int] = {}
    renamed: list[str] = []
    for position, header in enumerate(frame.columns, start=1):
        name = (
            ""
            if header is None or (isinstance(header, float) and header != header)
            else str(header).strip()
        )
        if not name:
            name = f"Column {position}"
        if name in seen:
            seen[name] += 1
            new_name = f"{name} ({seen[name]})"
            renamed.append(f"'{name}' -> '{new_name}'")
            name = new_name
        else:
            seen[name] = 1
        names.append(name)
    if renamed:
        warnings.warn(
            "Duplicated headers were made unique: " + ", ".join(renamed) + ".",
            SegmentationWarning,
            stacklevel=3,
        )
    if names == list(frame.columns):
        return frame
    tidied = frame.copy(deep=False)
    tidied.columns = names
    return tidied


def _find(role: str, by_norm: Mapping[str, str], taken: set[str]) -> str | None:
    for synonym in SYNONYMS[role]:
        header = by_norm.get(synonym)
        if header is not None and header not in taken:
            return header
    return None


def _match_roles(
    headers: Iterable[str], roles: Iterable[str], explicit: Mapping[str, str]
) -> dict[str, str]:
    headers = list(headers)
    by_norm: dict[str, str] = {}
    for header in headers:
        by_norm.setdefault(normalise_header(header), header)
    found = {role: explicit[role] for role in roles if role in explicit}
    taken = set(found.values())
    for role in roles:
        if role in found:
            continue
        header = _find(role, by_norm, taken)
        if header is not None:
            found[role] = header
            taken.add(header)
    return found


def _check_explicit(headers: list[str], columns: Mapping[str, str]) -> dict[str, str]:
    known = set(TRANSACTION_ROLES) | set(CUSTOMER_ROLES)
    unknown_roles = sorted(set(columns) - known)
    if unknown_roles:
        raise SegmentationError(
            f"Unknown column role(s) {', '.join(map(repr, unknown_roles))} in the column "
            f"mapping. Use any of: {', '.join(sorted(known))}."
        )
    absent = {role: header for role, header in columns.items() if header not in headers}
    if absent:
        listed = ", ".join(f"{role}={header!r}" for role, header in absent.items())
        raise SegmentationError(
            f"The column mapping names header(s) that the table does not have: {listed}. "
            f"The table's headers are: {_quote_all(headers)}."
        )
    return dict(columns)


def _quote_all(headers: Iterable[str]) -> str:
    return ", ".join(f"'{h}'" for h in headers) or "(none)"


def _missing_error(kind: TableKind, missing: list[str], headers: list[str]) -> SegmentationError:
    parts = []
    for role in missing:
        examples = ", ".join(_pretty(s) for s in SYNONYMS[role][:4])
        parts.append(f"'{ROLE_LABELS[role]}' (a header such as {examples})")
    what = "transaction log" if kind == "transactions" else "customer table"
    return SegmentationError(
        f"Missing column{'s' if len(missing) > 1 else ''} for a {what}: {'; '.join(parts)}. "
        f"The table's headers are: {_quote_all(headers)}. Rename a header to one like those.",
        fix="Or name the column explicitly: {columns}.",
        suggest={"columns": {missing[0]: "Your Header"}},
    )


_PRETTY = {
    "customerid": "Customer ID",
    "orderdate": "Order Date",
    "invoicedate": "Invoice Date",
    "transactiondate": "Transaction Date",
    "purchasedate": "Purchase Date",
    "recencydays": "Recency Days",
    "dayssincelastpurchase": "Days Since Last Purchase",
    "dayssincelastorder": "Days Since Last Order",
    "lastpurchase": "Last Purchase",
    "lastpurchasedate": "Last Purchase Date",
    "lastorder": "Last Order",
    "lastorderdate": "Last Order Date",
    "ordercount": "Order Count",
    "numberoforders": "Number of Orders",
    "monetaryvalue": "Monetary Value",
    "totalspend": "Total Spend",
    "totalrevenue": "Total Revenue",
    "customerno": "Customer No",
    "customernumber": "Customer Number",
}


def _pretty(normalised: str) -> str:
    return f"'{_PRETTY.get(normalised, normalised.capitalize())}'"


def detect_columns(
    frame: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    kind: TableKind | None = None,
) -> ColumnMap:
    """Work out whether ``frame`` is a transaction log or a customer table, and where its
    columns are.

    Parameters
    ----------
    frame : DataFrame
        The user's table, headers as column labels.
    columns : mapping of role to header, optional
        Explicit choices, which always win. Roles: ``customer_id``, ``date``, ``amount``,
        ``quantity``, ``unit_price``, ``order_id`` (transaction log); ``recency``,
        ``last_purchase``, ``frequency``, ``monetary`` (customer table).
    kind : {"transactions", "customers"}, optional
        Force the table kind instead of detecting it.

    Returns
    -------
    ColumnMap

    Raises
    ------
    SegmentationError
        When required columns are missing; the message lists all of them and the
        headers that were found.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame(columns=["Customer ID", "InvoiceDate", "Sales", "Region"])
    >>> found = detect_columns(log)
    >>> found.kind, found.roles["amount"], found.extras
    ('transactions', 'Sales', ('Region',))
    """
    headers = [str(c) for c in frame.columns]
    explicit = _check_explicit(headers, columns or {})
    if kind not in (None, "transactions", "customers"):
        raise SegmentationError(
            f"The 'kind' parameter must be 'transactions' or 'customers'. Got {kind!r} instead."
        )

    as_customers = _match_roles(headers, CUSTOMER_ROLES, explicit)
    if kind is None:
        looks_like_customers = "frequency" in as_customers and (
            "recency" in as_customers or "last_purchase" in as_customers
        )
        explicit_log = any(role in explicit for role in ("date", "amount", "order_id"))
        kind = "customers" if looks_like_customers and not explicit_log else "transactions"

    if kind == "customers":
        found = as_customers
        missing = [r for r in ("customer_id", "frequency", "monetary") if r not in found]
        if "recency" not in found and "last_purchase" not in found:
            missing.insert(1, "recency")
        elif "recency" in found and "last_purchase" in found:
            # Use one source of recency: the explicit one, else the day count.
            dropped = "recency" if "last_purchase" in explicit else "last_purchase"
            if dropped not in explicit:
                found.pop(dropped)
    else:
        found = _match_roles(headers, TRANSACTION_ROLES, explicit)
        missing = [r for r in ("customer_id", "date") if r not in found]
        has_line_value = "quantity" in found and "unit_price" in found
        if "amount" not in found and not has_line_value:
            missing.append("amount")
        if "amount" in found:
            found.pop("quantity", None)
            found.pop("unit_price", None)

    if missing:
        raise _missing_error(kind, missing, headers)
    used = set(found.values())
    extras = tuple(h for h in headers if h not in used)
    return ColumnMap(kind=kind, roles=found, extras=extras)
