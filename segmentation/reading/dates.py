"""Date order, time-zone offsets and the analysis date: the rules that decide which day a
text date is, shared by the in-memory reader and the SQL engines."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from segmentation.defaults import DATE_ORDERS
from segmentation.errors import SegmentationError

DATE_FORMAT_ALLOWED = (
    "DMY, MDY or YMD (the order of day, month and year), or a format such as %d/%m/%Y"
)

# A time followed by a zone: "2024-03-01T00:30:00+01:00", "2024-03-01 10:00 Z".
_OFFSET = re.compile(
    r"^(.*\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$",
    re.IGNORECASE,
)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_date_format(date_format: object, owner: str = "read_customers") -> str | None:
    """``None``, an order (``"DMY"``, case-insensitive) or a strftime format; else an error."""
    if date_format is None:
        return None
    text = str(date_format).strip()
    if text.upper() in DATE_ORDERS:
        return text.upper()
    if "%" in text and any(code in text for code in ("%d", "%m", "%Y", "%y", "%b", "%B")):
        try:
            pd.Timestamp("2024-03-31").strftime(text)
        except ValueError:
            pass
        else:
            return text
    raise SegmentationError.bad_parameter(
        owner, "date_format", date_format, DATE_FORMAT_ALLOWED, label="the date order"
    )


def format_order(fmt: str) -> str:
    """``"%d/%m/%Y"`` -> ``"DMY"``: the order of day, month and year in a format."""
    found = []
    for letter, codes in (("D", ("%d",)), ("M", ("%m", "%b", "%B")), ("Y", ("%Y", "%y"))):
        at = [fmt.find(c) for c in codes if c in fmt]
        if at:
            found.append((min(at), letter))
    return "".join(letter for _, letter in sorted(found))


def formats_for_order(formats: tuple[str, ...], order: str) -> tuple[str, ...]:
    """The formats a date order allows: its own order, month names and year-first."""
    return tuple(
        f
        for f in formats
        if format_order(f) == order or "%b" in f or "%B" in f or f.startswith("%Y")
    )


def strip_offsets(text: pd.Series) -> tuple[pd.Series, int]:
    """Drop a time zone written after a time; the date stays the local date as written.

    Returns the text and how many values had an offset.
    """
    stripped = text.str.replace(_OFFSET, r"\1", regex=True)
    return stripped, int((stripped != text).sum())


def ambiguous_day_month(text: pd.Series) -> np.ndarray:
    """Which values read as two different dates, day first and month first."""
    day_first = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    month_first = pd.to_datetime(text, format="%m/%d/%Y", errors="coerce")
    short_day = pd.to_datetime(text, format="%d/%m/%y", errors="coerce")
    short_month = pd.to_datetime(text, format="%m/%d/%y", errors="coerce")
    both = (day_first.notna() & month_first.notna() & (day_first != month_first)) | (
        short_day.notna() & short_month.notna() & (short_day != short_month)
    )
    return both.to_numpy()


def parse_as_of(as_of: object, date_format: str | None = None) -> pd.Timestamp:
    """The analysis date the user gave; text that reads two ways needs a date order."""
    if isinstance(as_of, str):
        text = as_of.strip()
        if _ISO_DAY.match(text):
            return _timestamp(text, as_of)
        order = check_date_format(date_format)
        if order in DATE_ORDERS:
            from segmentation.reading.cleaning import TEXT_DATE_FORMATS

            for fmt in formats_for_order(TEXT_DATE_FORMATS, order):
                parsed = pd.to_datetime(text, format=fmt, errors="coerce")
                if not pd.isna(parsed):
                    return parsed.normalize()
            raise _not_a_date(as_of)
        if order is not None:
            parsed = pd.to_datetime(text, format=order, errors="coerce")
            if pd.isna(parsed):
                raise _not_a_date(as_of)
            return parsed.normalize()
        if ambiguous_day_month(pd.Series([text])).any():
            day_first = pd.to_datetime(text, dayfirst=True).date()
            month_first = pd.to_datetime(text, dayfirst=False).date()
            raise SegmentationError(
                f"The analysis date {as_of!r} reads as {_spelled(month_first)} (month first) "
                f"or {_spelled(day_first)} (day first). Write it as year-month-day, such as "
                f"{day_first}.",
                fix="Or give the date order, {date_format}.",
                suggest={"date_format": "DMY"},
            )
    return _timestamp(as_of, as_of)


def _spelled(day: object) -> str:
    return pd.Timestamp(day).strftime("%d %B %Y").lstrip("0")


def _not_a_date(as_of: object) -> SegmentationError:
    return SegmentationError(
        f"The analysis date {as_of!r} is not a date. Use a date such as '2024-12-31'.",
        parameter=None,
    )


def _timestamp(value: object, given: object) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise _not_a_date(given) from exc
    if pd.isna(stamp):
        raise _not_a_date(given)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def future_limit(today: object = None) -> pd.Timestamp:
    """Dates after this are in the future (a day of slack for time zones)."""
    base = pd.Timestamp.today() if today is None else pd.Timestamp(today)
    return base.normalize() + pd.Timedelta(days=1)


def future_dates_error(
    column: str, count: int, latest: pd.Timestamp, where: str, today: pd.Timestamp
) -> SegmentationError:
    return SegmentationError(
        f"Column '{column}' has {count:,} date{'s' if count > 1 else ''} after today "
        f"({(today - pd.Timedelta(days=1)).date()}), the latest {latest.date()}{where}. "
        "Recency counts days back from the analysis date, so dates in the future would "
        "make every other customer look long gone. Correct those dates in the data.",
        fix="Or set the analysis date, {as_of}: later transactions are then left out.",
        suggest={"as_of": "YYYY-MM-DD"},
    )
