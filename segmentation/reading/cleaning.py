"""Turning the cells of a spreadsheet column into numbers, dates and ids.

Every conversion is vectorised and every fix that changes data is counted in a
:class:`DataQualityReport`. Cells that cannot be read raise a
:class:`~segmentation.errors.SegmentationError` naming the column, the rows and
a few of the offending values.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from segmentation.defaults import MAX_ID_CHARS
from segmentation.errors import SegmentationError, SegmentationWarning, describe_rows
from segmentation.reading.currencies import check_one_currency
from segmentation.reading.dates import (
    DATE_ORDERS,
    ambiguous_day_month,
    check_date_format,
    formats_for_order,
    strip_offsets,
)
from segmentation.reading.quality import MISSING_MARKERS, DataQualityReport

# Excel's day zero in the 1900 date system (serial 1 is 1900-01-01; the fake
# 1900-02-29 makes 1899-12-30 the right origin for every serial after it).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_MAX_SERIAL = 2_958_465  # 9999-12-31

TEXT_DATE_FORMATS = (
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%m/%d/%y",
    "%d/%m/%y",
    "%d.%m.%y",
    "%d-%m-%Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %B %Y",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y%m%d",
)


POINT_ZERO_IDS = "Ids written with a decimal point (101.0) were read as whole numbers (101)"
WHOLE_WITH_POINT_ZERO = r"^-?[0-9]+[.]0+$"  # no backslashes: the SQL engines use it too
AMBIGUOUS_DATES = "Dates that read either day or month first were read month first"

_NUMBER_TYPES = (int, float, np.int64, np.int32, np.float64, np.float32)


def _cell_types(values: pd.Series) -> pd.Series:
    """The Python type of each cell of an object column (NaN for blanks)."""
    return values.map(type, na_action="ignore")


def _is_text(values: pd.Series) -> pd.Series:
    return _cell_types(values).isin((str, np.str_))


def blank_out_markers(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Replace Excel's missing markers (``#N/A``, ``NULL``, blanks, ...) with NaN.

    Returns the cleaned frame and, per column, how many non-blank markers were found.
    """
    cleaned = frame.copy(deep=False)  # columns are replaced, never changed in place
    counts: dict[str, int] = {}
    for name in cleaned.columns:
        column = cleaned[name]
        if column.dtype != object and not pd.api.types.is_string_dtype(column.dtype):
            continue
        stripped = column.where(_is_text(column)).str.strip()
        is_marker = stripped.isin(MISSING_MARKERS)
        if is_marker.any():
            counts[name] = int((is_marker & (stripped != "")).sum())
            cleaned[name] = column.mask(is_marker)
    return cleaned, counts


def _bad_values_error(
    column: str, rows: np.ndarray | None, values: pd.Series, what: str, fix: str
) -> SegmentationError:
    """``rows`` is None when the values are a column's distinct values (large logs)."""
    examples = ", ".join(repr(str(v)) for v in values.head(3))
    count = len(values) if rows is None else len(rows)
    where = f"e.g. {examples}" if rows is None else f"{describe_rows(rows)}: {examples}"
    noun = "distinct value" if rows is None else "value"
    return SegmentationError(
        f"Column '{column}' has {count} {noun}{'s' if count > 1 else ''} that "
        f"{'are' if count > 1 else 'is'} not {what} ({where}). {fix}"
    )


def _parse_number_text(text: pd.Series) -> pd.Series:
    """Parse numbers written as text: currency, thousand separators, (negatives)."""
    s = text.str.strip().str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    negative = s.str.match(r"^\(.*\)$") | s.str.endswith("-")
    s = s.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.replace(r"-$", "", regex=True)
    s = s.str.replace(r"^[A-Za-z]{3}(?=[-+\d.,])|(?<=[\d.,])[A-Za-z]{3}$", "", regex=True)
    s = s.str.replace(r"[$€£¥₹]|kr\.?|CHF|'", "", regex=True)
    comma_thousands = s.str.match(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")
    dot_thousands = s.str.match(r"^[-+]?\d{1,3}(\.\d{3})+(,\d*)?$") & s.str.contains(",")
    decimal_comma = s.str.match(r"^[-+]?\d*,\d+$")
    s = s.mask(comma_thousands, s.str.replace(",", "", regex=False))
    s = s.mask(
        dot_thousands, s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    )
    s = s.mask(decimal_comma, s.str.replace(",", ".", regex=False))
    numbers = pd.to_numeric(s, errors="coerce")
    return numbers.where(~negative, -numbers)


def to_numbers(
    values: pd.Series, column: str, report: DataQualityReport, row_numbers: np.ndarray | None
) -> pd.Series:
    """Convert a column to float, reading numbers stored as text.

    Raises
    ------
    SegmentationError
        If a cell holds text that is not a number.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        raise SegmentationError(
            f"Column '{column}' holds TRUE/FALSE values, not numbers. Choose a numeric column."
        )
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("float64")
    types = _cell_types(values)
    logical = types.isin((bool, np.bool_))
    if logical.any():
        rows = None if row_numbers is None else row_numbers[logical.to_numpy()]
        where = "" if rows is None else f" ({describe_rows(rows)})"
        raise SegmentationError(
            f"Column '{column}' has {int(logical.sum()):,} TRUE/FALSE value"
            f"{'s' if logical.sum() > 1 else ''}{where}, which are not numbers. Correct or "
            "clear those cells, or choose the column that holds the numbers."
        )
    text = _is_text(values)
    numbers = pd.Series(np.nan, index=values.index, dtype="float64")
    plain = values.notna() & ~text
    if plain.any():
        numbers[plain] = pd.to_numeric(values[plain], errors="coerce")
    if text.any():
        rows = None if row_numbers is None else row_numbers[text.to_numpy()]
        check_one_currency(values[text].astype(str), column, rows)
        numbers[text] = _parse_number_text(values[text].astype(str))
        report.add("Numbers stored as text were converted", column, int(text.sum()), warn=False)
    bad = values.notna() & numbers.isna()
    if bad.any():
        raise _bad_values_error(
            column,
            None if row_numbers is None else row_numbers[bad.to_numpy()],
            values[bad],
            "a number",
            "Correct or clear those cells; plain numbers, currency symbols and thousand "
            "separators are all fine.",
        )
    return numbers


def _serials_to_dates(serials: pd.Series) -> pd.Series:
    return EXCEL_EPOCH + pd.to_timedelta(serials.astype("float64"), unit="D")


def _looks_like_yyyymmdd(numbers: pd.Series) -> bool:
    valid = numbers.dropna()
    if valid.empty or (valid % 1 != 0).any():
        return False
    if not valid.between(19000101, 21001231).all():
        return False
    parsed = pd.to_datetime(valid.astype("int64").astype(str), format="%Y%m%d", errors="coerce")
    return bool(parsed.notna().all())


def _numbers_to_dates(numbers: pd.Series) -> tuple[pd.Series, str]:
    if _looks_like_yyyymmdd(numbers):
        text = numbers.astype("Int64").astype(str)
        return pd.to_datetime(text, format="%Y%m%d", errors="coerce"), "yyyymmdd"
    in_range = numbers.between(1, _MAX_SERIAL)
    return _serials_to_dates(numbers.where(in_range)), "serial"


def _as_ns(values: object) -> np.ndarray:
    return np.asarray(pd.to_datetime(values, errors="coerce"), dtype="datetime64[ns]")


def _parse_date_text(
    text: pd.Series, date_format: str | None, report: DataQualityReport, column: str
) -> tuple[pd.Series, int]:
    """Parse text dates on their distinct values; returns dates and how many cells read
    as two different dates (day/month or month/day) and were read month first."""
    codes, uniques = pd.factorize(text.str.strip())
    original = pd.Series(np.asarray(uniques, dtype=object))
    candidates, offsets = strip_offsets(original)
    if offsets:
        with_offset = (candidates != original).to_numpy()
        report.add(
            "Time-zone offsets were ignored (each date is the local date as written)",
            column,
            int(with_offset[codes].sum()),
            warn=False,
        )
    ambiguous = 0
    order = check_date_format(date_format)
    if order is not None and order not in DATE_ORDERS:
        parsed = _as_ns(pd.to_datetime(candidates, format=order, errors="coerce"))
    else:
        formats = (
            TEXT_DATE_FORMATS if order is None else formats_for_order(TEXT_DATE_FORMATS, order)
        )
        parsed = _as_ns(pd.to_datetime(candidates, format="ISO8601", errors="coerce"))
        remaining = np.isnat(parsed)
        if remaining.any():
            rest = candidates[remaining]
            best, best_hits, tied = None, 0, []
            for fmt in formats:
                attempt = _as_ns(pd.to_datetime(rest, format=fmt, errors="coerce"))
                hits = int((~np.isnat(attempt)).sum())
                if hits > best_hits:
                    best, best_hits, tied = attempt, hits, [fmt]
                elif hits == best_hits and hits > 0:
                    tied.append(fmt)
            if best is not None:
                parsed[remaining] = best
                tied_orders = {f[:5] for f in tied}
                if {"%d/%m", "%m/%d"} <= tied_orders:
                    two_ways = np.zeros(len(candidates), dtype=bool)
                    two_ways[remaining] = ambiguous_day_month(rest)
                    ambiguous = int(two_ways[codes].sum())
            still = np.isnat(parsed)
            if still.any() and order is None:
                # Last resort for odd but readable text ("March 5 2024"): pandas' own guess.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    parsed[still] = _as_ns(
                        pd.to_datetime(candidates[still], format="mixed", errors="coerce")
                    )
    return pd.Series(parsed[codes], index=text.index), ambiguous


def to_dates(
    values: pd.Series,
    column: str,
    report: DataQualityReport,
    row_numbers: np.ndarray | None,
    date_format: str | None = None,
) -> pd.Series:
    """Convert a column to dates (midnight, no time zone).

    Reads real dates, Excel serial numbers, ``yyyymmdd`` numbers and dates written
    as text (ISO, US, European and spelled-out month formats). A day/month order that
    the data cannot settle is read as month/day, counted in the report and warned about;
    pass ``date_format`` (an order, ``"DMY"``, ``"MDY"`` or ``"YMD"``, or a format such as
    ``"%d/%m/%Y"``) to choose. A time zone written after a time is ignored: the date is the
    local date as written, as it is for time-zone-aware datetimes.
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        out = _as_ns(values)
    elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    ):
        converted, how = _numbers_to_dates(values.astype("float64"))
        out = _as_ns(converted)
        label = "Dates as yyyymmdd numbers" if how == "yyyymmdd" else "Dates as Excel serials"
        report.add(f"{label} were converted", column, int(values.notna().sum()), warn=False)
    else:
        out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
        types = _cell_types(values)
        is_text = types.isin((str, np.str_)).to_numpy()
        is_number = types.isin(_NUMBER_TYPES).to_numpy()
        is_datetime = values.notna().to_numpy() & ~is_text & ~is_number
        if is_datetime.any():
            out[is_datetime] = _as_ns(list(values[is_datetime]))
        if is_number.any():
            converted, _ = _numbers_to_dates(values[is_number].astype("float64"))
            out[is_number] = _as_ns(converted)
            report.add(
                "Dates as Excel serials were converted", column, int(is_number.sum()), warn=False
            )
        if is_text.any():
            text = values[is_text].astype(object).astype(str)
            positions = np.flatnonzero(is_text)
            numeric_text = pd.to_numeric(text, errors="coerce")
            as_number = numeric_text.notna().to_numpy()
            if as_number.any():
                converted, _ = _numbers_to_dates(numeric_text[as_number].astype("float64"))
                out[positions[as_number]] = _as_ns(converted)
            if (~as_number).any():
                parsed, ambiguous = _parse_date_text(text[~as_number], date_format, report, column)
                out[positions[~as_number]] = parsed.to_numpy()
                if ambiguous:
                    report.add(AMBIGUOUS_DATES, column, ambiguous, warn=False)
                    warnings.warn(
                        f"Column '{column}' has {ambiguous:,} dates such as "
                        f"{text[~as_number].iloc[0]!r} that read as two different days, "
                        "day/month or month/day; they were read month first. If they are "
                        "day first, give the date order (DMY), or store them as dates or as "
                        "year-month-day text such as 2024-04-03.",
                        SegmentationWarning,
                        stacklevel=2,
                    )
            report.add(
                "Dates stored as text were converted", column, int(is_text.sum()), warn=False
            )
    dates = pd.Series(out, index=values.index)
    bad = values.notna() & dates.isna()
    if bad.any():
        raise _bad_values_error(
            column,
            None if row_numbers is None else row_numbers[bad.to_numpy()],
            values[bad],
            "a date",
            "Use real dates or text such as 2024-03-31; clear cells that have no date.",
        )
    return dates.dt.normalize()


def _inexact_ids_error(
    column: str, numbers: pd.Series, too_big: pd.Series, row_numbers: np.ndarray | None
) -> SegmentationError:
    where = "" if row_numbers is None else f" ({describe_rows(row_numbers[too_big.to_numpy()])})"
    example = f"{numbers[too_big].iloc[0]:.15G}"
    return SegmentationError(
        f"Column '{column}' has {int(too_big.sum()):,} ids stored as numbers too long to be "
        f"exact{where}, such as {example}: a spreadsheet number keeps 15 digits, so "
        "different customers would share an id. Store the ids as text (format the column "
        "as Text before pasting, or keep the CSV file's ids as they are)."
    )


def _check_id_lengths(ids: pd.Series, column: str, row_numbers: np.ndarray | None) -> None:
    long = (ids.str.len() > MAX_ID_CHARS).fillna(False).to_numpy(dtype=bool)
    if long.any():
        where = "" if row_numbers is None else f" ({describe_rows(row_numbers[long])})"
        raise SegmentationError(
            f"Column '{column}' has {int(long.sum()):,} id{'s' if long.sum() > 1 else ''} "
            f"longer than {MAX_ID_CHARS:,} characters{where}, more than a spreadsheet cell "
            "holds, so they could not be "
            "written back whole. Check that the column holds customer ids."
        )


def to_ids(
    values: pd.Series,
    column: str,
    report: DataQualityReport,
    row_numbers: np.ndarray | None = None,
) -> pd.Series:
    """Customer ids: whole numbers stay numbers (int64), anything else becomes trimmed text.

    A column of whole numbers (Excel stores them as floats) comes back as int64, or as
    float64 when some cells are blank; text ids keep leading zeros and lose only the
    spaces around them, and ``101.0`` is read as ``101``. Numbers beyond 2**53 (Excel
    keeps 15 digits) and ids longer than a cell holds are refused.
    """
    numeric = pd.api.types.is_numeric_dtype(values.dtype)
    if numeric and not pd.api.types.is_bool_dtype(values.dtype):
        if pd.api.types.is_integer_dtype(values.dtype) and not values.hasnans:
            return values.astype(np.int64)
        numbers = pd.Series(
            values.to_numpy(dtype="float64", na_value=np.nan), index=values.index, name=values.name
        )
        too_big = numbers.abs() >= 2**53
        if too_big.any():
            raise _inexact_ids_error(column, numbers, too_big, row_numbers)
        whole = numbers % 1 == 0
        if (whole | numbers.isna()).all():
            return numbers
        return numbers.astype(object).where(numbers.isna(), numbers.astype(str))
    types = _cell_types(values)
    numeric_cells = types.isin((int, float, np.int64, np.float64))
    if numeric_cells.all() or (numeric_cells | values.isna()).all():
        return to_ids(values.astype("float64"), column, report, row_numbers)
    ids = values.astype(object)
    floats = types.isin((float, np.float64))
    if floats.any():
        whole = values[floats].astype("float64")
        too_big = whole.abs() >= 2**53
        if too_big.any():
            rows = None if row_numbers is None else row_numbers[floats.to_numpy()]
            raise _inexact_ids_error(column, whole, too_big, rows)
        ids[whole.index] = np.where(
            whole % 1 == 0, whole.round().astype("int64").astype(str), whole.astype(str)
        )
    text = ids.where(ids.isna(), ids.astype(str))
    stripped = text.str.strip()
    changed = int(((stripped != text) & text.notna()).sum())
    report.add("Spaces around customer ids were removed", column, changed, warn=False)
    stripped = stripped.mask(stripped == "")
    _check_id_lengths(stripped, column, row_numbers)
    # "101.0" is how a number column exported as text writes customer 101.
    point_zero = stripped.str.fullmatch(WHOLE_WITH_POINT_ZERO).fillna(False).astype(bool)
    if point_zero.any():
        stripped = stripped.mask(point_zero, stripped.str.replace(r"\.0+$", "", regex=True))
        report.add(POINT_ZERO_IDS, column, int(point_zero.sum()), warn=False)
    present = stripped.dropna()
    if numeric_cells.any() and present.str.fullmatch(r"0|[1-9]\d{0,14}").all():
        # Numbers typed as text among real numbers (" 12003 "): the column holds numbers.
        return stripped.astype("float64")
    return stripped.astype(object)
