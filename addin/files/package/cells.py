"""Cells written into a user's worksheet XML: the tool's columns beside their table.

Only the cells of the tool's columns change; every other cell, row attribute and
element of the sheet stays as it was. Text goes in as inline strings (the shared
strings part is left alone) and is never a formula.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lxml import etree

from addin.files.package.opc import MAIN_NS

_M = f"{{{MAIN_NS}}}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
MAX_CELL_TEXT = 32_767
# Characters XML 1.0 does not allow (lxml refuses them): C0 controls, U+FFFE/U+FFFF,
# lone surrogates.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_REFERENCE = re.compile(r"([A-Z]+)(\d+)")
# Worksheet children in schema order (ECMA-376 CT_Worksheet), for inserting an element.
SHEET_ORDER = (
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
    "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews "
    "mergeCells phoneticPr conditionalFormatting dataValidations hyperlinks printOptions "
    "pageMargins pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches "
    "ignoredErrors smartTags drawing legacyDrawing legacyDrawingHF drawingHF picture "
    "oleObjects controls webPublishItems tableParts extLst"
).split()


def column_letters(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def insert_in_order(sheet: etree._Element, element: etree._Element) -> None:
    """Put a worksheet child where the schema wants it."""
    rank = SHEET_ORDER.index(etree.QName(element).localname)
    for position, child in enumerate(sheet):
        name = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if name in SHEET_ORDER and SHEET_ORDER.index(name) > rank:
            sheet.insert(position, element)
            return
    sheet.append(element)


@dataclass
class ColumnWrite:
    """One column of the tool's: where, its header, its values from the row below it."""

    column: int
    header: str
    values: Sequence[object]
    number_format: str | None = None
    style: int | None = None  # the cell format (cellXfs index) of its values
    header_like: int | None = None  # the column whose header cell's look the header takes
    width: float | None = None  # set only where the sheet has no width for the column


def clean_text(text: str) -> str:
    return _NOT_XML.sub("", text)[:MAX_CELL_TEXT]


def excel_serial(value: pd.Timestamp | dt.datetime | dt.date) -> float:
    """Days since Excel's epoch, the time of day as the fraction (time zones dropped)."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return (value.replace(tzinfo=None) - _EXCEL_EPOCH) / dt.timedelta(days=1)


def _fill(cell: etree._Element, value: object) -> bool:
    """Put ``value`` into ``cell``; False for a blank (no cell needed)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        cell.set("t", "b")
        etree.SubElement(cell, _M + "v").text = "1" if value else "0"
        return True
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        value = excel_serial(value)
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return False
        etree.SubElement(cell, _M + "v").text = (
            repr(value) if isinstance(value, float) else str(value)
        )
        return True
    text = clean_text(str(value))
    cell.set("t", "inlineStr")
    item = etree.SubElement(etree.SubElement(cell, _M + "is"), _M + "t")
    item.text = text
    if text != text.strip():
        item.set(_XML_SPACE, "preserve")
    return True


def _cell_column(cell: etree._Element, previous: int) -> int:
    found = _REFERENCE.match(cell.get("r", ""))
    return column_number(found.group(1)) if found else previous + 1


def _new_cell(row: etree._Element, number: int, column: int, style: int | None, value):
    """A filled cell at the end of ``row``; None for a blank (no cell needed)."""
    # Made inside the row, so it shares the row's namespace (no prefix of its own).
    cell = etree.SubElement(row, _M + "c", r=f"{column_letters(column)}{number}")
    if style is not None:
        cell.set("s", str(style))
    if _fill(cell, value):
        return cell
    row.remove(cell)
    return None


def _last_column(cells: list[etree._Element]) -> int | None:
    """The last cell's column when it says so (None: count them all)."""
    if not cells:
        return 0
    found = _REFERENCE.match(cells[-1].get("r", ""))
    return column_number(found.group(1)) if found else None


def _write_row(row: etree._Element, number: int, items: list[tuple[int, int | None, object]]):
    """Cells for ``items`` (column, style, value; by column) into one row, replacing
    whatever those columns held and keeping every other cell in its place."""
    cells = row.findall(_M + "c")
    last = _last_column(cells)
    if last is not None and items[0][0] > last:  # the usual case: beside the table
        for column, style, value in items:
            _new_cell(row, number, column, style, value)
        return
    targets = {column for column, _, _ in items}
    remaining, previous = [], 0
    for cell in cells:
        previous = _cell_column(cell, previous)
        if cell.get("r") is None:
            cell.set("r", f"{column_letters(previous)}{number}")  # later cells keep their place
        if previous in targets:
            row.remove(cell)
        else:
            remaining.append((previous, cell))
    for column, style, value in items:
        new = _new_cell(row, number, column, style, value)
        after = next((cell for at, cell in remaining if at > column), None)
        if new is not None and after is not None:
            after.addprevious(new)


def write_columns(sheet: etree._Element, header_row: int, columns: list[ColumnWrite]) -> None:
    """The tool's columns into a parsed worksheet, header at ``header_row``."""
    data = sheet.find(_M + "sheetData")
    rows = {int(r.get("r")): r for r in data.iterfind(_M + "row") if r.get("r")}
    if len(rows) != len(data.findall(_M + "row")):
        _number_rows(data)
        rows = {int(r.get("r")): r for r in data.iterfind(_M + "row")}
    numbers = sorted(rows)
    count = max((len(c.values) for c in columns), default=0)
    header_styles = {c.column: _style_at(rows.get(header_row), c.header_like) for c in columns}
    ordered = sorted(columns, key=lambda c: c.column)
    for number in range(header_row, header_row + count + 1):
        row = rows.get(number)
        if row is None:
            row = etree.SubElement(data, _M + "row", r=str(number))
            position = bisect.bisect(numbers, number)
            if position < len(numbers):
                rows[numbers[position]].addprevious(row)
            else:
                data.append(row)
            numbers.insert(position, number)
            rows[number] = row
        offset = number - header_row
        if offset == 0:
            items = [(c.column, header_styles[c.column], c.header) for c in ordered]
        else:
            items = [(c.column, c.style, c.values[offset - 1]) for c in ordered
                     if offset <= len(c.values)]  # fmt: skip
        if items:
            _write_row(row, number, items)
        _update_spans(row)
    _widen_dimension(sheet, max(c.column for c in columns), header_row + count)
    _set_widths(sheet, [c for c in columns if c.width])


def _style_at(row: etree._Element | None, column: int | None) -> int | None:
    """The cell format of the cell in ``column`` of ``row`` (None: the default)."""
    if row is None or column is None:
        return None
    previous = 0
    for cell in row.iterfind(_M + "c"):
        previous = _cell_column(cell, previous)
        if previous == column:
            style = cell.get("s")
            return int(style) if style is not None else None
    return None


def _number_rows(data: etree._Element) -> None:
    previous = 0
    for row in data.iterfind(_M + "row"):
        previous = int(row.get("r")) if row.get("r") else previous + 1
        row.set("r", str(previous))


def _update_spans(row: etree._Element) -> None:
    # spans is an optimisation hint; a stale one is worse than none.
    if row.get("spans") is not None:
        del row.attrib["spans"]


def _widen_dimension(sheet: etree._Element, last_column: int, last_row: int) -> None:
    dimension = sheet.find(_M + "dimension")
    if dimension is None:
        return
    first, _, last = dimension.get("ref", "A1").partition(":")
    last = last or first
    start, end = _REFERENCE.match(first), _REFERENCE.match(last)
    if not (start and end):
        return
    columns = max(column_number(end.group(1)), last_column)
    rows = max(int(end.group(2)), last_row)
    dimension.set("ref", f"{first}:{column_letters(columns)}{rows}")


def _set_widths(sheet: etree._Element, columns: list[ColumnWrite]) -> None:
    if not columns:
        return
    cols = sheet.find(_M + "cols")
    if cols is None:
        cols = etree.SubElement(sheet, _M + "cols")
        insert_in_order(sheet, cols)
    covered = [(int(c.get("min")), int(c.get("max"))) for c in cols.iterfind(_M + "col")]
    for write in columns:
        if any(low <= write.column <= high for low, high in covered):
            continue
        later = [c for c in cols if int(c.get("min", 0)) > write.column]
        new = etree.SubElement(cols, _M + "col", min=str(write.column), max=str(write.column),
                               width=f"{write.width:g}", customWidth="1")  # fmt: skip
        if later:
            later[0].addprevious(new)
        else:
            cols.append(new)
