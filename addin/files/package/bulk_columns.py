"""The tool's columns written into a large, regular sheet as bytes, not as an lxml tree.

A 1M-row sheet parsed into lxml and given one element per new cell takes minutes and
gigabytes. For a regular sheet (every row and cell carries its reference first, rows in
order, and the tool's columns lie right of every existing cell of the rows written, or
exactly replace the trailing cells an earlier run wrote there), the new cells' markup is
built for all rows at once with Arrow and spliced in before each row's end in one pass.
The part before and after ``sheetData`` goes through lxml as in :mod:`cells`, so the
result is the per-cell path's file; inside ``sheetData`` the rows the tool does not
change keep their bytes as they were (lxml would re-spell character references and
empty elements, with the same meaning). Anything else returns None: the per-cell path
does it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from addin.files.package import cells
from addin.files.package.cell_markup import BINARY, column_markup, value_markup
from addin.files.package.opc import MAIN_NS, parse, serialize

# Sheet parts smaller than this go the per-cell way (fast enough, and the reference).
BULK_WRITE_BYTES = 4_000_000
_OPEN, _CLOSE, _EMPTY = b"<sheetData>", b"</sheetData>", b"<sheetData/>"
_SPACES = np.array([32, 9, 10, 13, 62, 47], dtype=np.uint8)  # what may follow a tag's name
_NOTHING = pa.scalar(b"", BINARY)


class _Irregular(Exception):
    """The sheet is not one the bulk path can write exactly."""


def write_columns(data: bytes, header_row: int, columns: list[cells.ColumnWrite]) -> bytes | None:
    """The sheet part ``data`` with the tool's columns written; None when irregular."""
    try:
        return _write(data, header_row, columns)
    except _Irregular:
        return None


def _write(data: bytes, header_row: int, columns: list[cells.ColumnWrite]) -> bytes:
    lengths = {len(c.values) for c in columns}
    _require(len(lengths) == 1 and len({c.column for c in columns}) == len(columns))
    count = lengths.pop()
    start, end = data.find(_OPEN), data.find(_CLOSE)
    _require(start > 0 and end > start and data.count(_OPEN) == 1 and data.count(_CLOSE) == 1)
    _require(data.count(_EMPTY) == 0 and _default_namespace(data, start))
    body = data[start + len(_OPEN) : end]
    _require(not any(mark in body for mark in (b"<![CDATA[", b"<!--", b"<?")))
    head, tail = _outside(data[:start], data[end + len(_CLOSE) :], header_row, columns, count)
    rows = _Rows(np.frombuffer(body, dtype=np.uint8))
    ordered = sorted(columns, key=lambda c: c.column)
    markup = _row_markup(rows, body, header_row, ordered, count)
    return b"".join((head, _OPEN, rows.splice(body, header_row, ordered, markup), _CLOSE, tail))


def _require(condition: bool) -> None:
    if not condition:
        raise _Irregular


def _default_namespace(data: bytes, sheet_data: int) -> bool:
    """The worksheet element is unprefixed, in the main namespace (as Excel writes it)."""
    root = data.find(b"<worksheet")
    opening = data[root : data.find(b">", root) + 1]
    return 0 <= root < sheet_data and f'xmlns="{MAIN_NS}"'.encode() in opening


def _outside(before: bytes, after: bytes, header_row: int, columns, count: int):
    """The worksheet outside ``sheetData`` as the per-cell path writes it: the dimension
    widened, widths set, serialised by lxml."""
    root = parse(before + _EMPTY + after)
    cells._widen_dimension(root, max(c.column for c in columns), header_row + count)
    cells._set_widths(root, [c for c in columns if c.width])
    pieces = serialize(root).split(_EMPTY)
    _require(len(pieces) == 2)
    return pieces[0], pieces[1]


def _starts(arr: np.ndarray, pattern: bytes) -> np.ndarray:
    """Where ``pattern`` begins in ``arr``."""
    found = np.flatnonzero((arr[:-1] == pattern[0]) & (arr[1:] == pattern[1]))
    found = found[found + len(pattern) <= len(arr)]
    for offset, byte in enumerate(pattern[2:], start=2):
        found = found[arr[found + offset] == byte]
    return found


def _tags(arr: np.ndarray, name: bytes) -> np.ndarray:
    """Start tags ``<name``, each required to begin with its reference ``r="``."""
    found = _starts(arr, b"<" + name)
    found = found[np.isin(arr[found + len(name) + 1], _SPACES)]
    reference = _starts(arr, b"<" + name + b' r="')
    _require(np.array_equal(found, reference))
    return found


def _numbers(arr: np.ndarray, at: np.ndarray, width: int = 8) -> np.ndarray:
    """The decimal numbers starting at ``at``, each ending at a quote."""
    window = arr[np.minimum(at[:, None] + np.arange(width), len(arr) - 1)]
    digits = (window >= 48) & (window <= 57)
    length = np.argmin(digits, axis=1)  # the first non-digit
    _require(bool(np.all(length > 0)))
    _require(bool(np.all(window[np.arange(len(at)), length] == 34)))
    powers = np.where(np.arange(width) < length[:, None],
                      10 ** (length[:, None] - 1 - np.arange(width)).clip(0), 0)  # fmt: skip
    return ((window.astype(np.int64) - 48) * powers).sum(axis=1)


def _letters(arr: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The column number of the cell references starting at ``at``."""
    window = arr[np.minimum(at[:, None] + np.arange(3), len(arr) - 1)].astype(np.int64)
    letter = (window >= 65) & (window <= 90)
    letter[:, 1] &= letter[:, 0]
    letter[:, 2] &= letter[:, 1]
    _require(bool(np.all(letter[:, 0])))
    number = np.zeros(len(at), dtype=np.int64)
    for position in range(3):
        number = np.where(letter[:, position], number * 26 + window[:, position] - 64, number)
    return number


class _Rows:
    """Where each row and cell of the ``sheetData`` body is."""

    def __init__(self, arr: np.ndarray) -> None:
        self.arr = arr
        self.starts = _tags(arr, b"row")
        self.numbers = _numbers(arr, self.starts + 8)
        _require(bool(np.all(np.diff(self.numbers) > 0)))
        # A start tag ends at the first '>' after an attribute's closing quote.
        closes = np.append(_starts(arr, b'">') + 1, len(arr))
        slashes = np.append(_starts(arr, b'"/>') + 2, len(arr))
        self.tag_ends = np.minimum(closes[np.searchsorted(closes, self.starts)],
                                   slashes[np.searchsorted(slashes, self.starts)])  # fmt: skip
        _require(bool(np.all(self.tag_ends < len(arr))))
        self.empty = arr[self.tag_ends - 1] == 47
        closing = _starts(arr, b"</row>")
        _require(len(closing) == int(np.count_nonzero(~self.empty)))
        self.ends = self.tag_ends.copy()
        self.ends[~self.empty] = closing
        following = np.append(self.starts[1:], len(arr))
        _require(bool(np.all((self.ends >= self.tag_ends) & (self.ends < following))))
        self.cells = _tags(arr, b"c")
        self.columns = _letters(arr, self.cells + 6)
        self.cell_rows = np.searchsorted(self.starts, self.cells) - 1
        _require(bool(np.all(self.cell_rows >= 0)))
        _require(bool(np.all(self.cells < self.ends[self.cell_rows])))

    def style_of(self, body: bytes, row_number: int, column: int | None) -> int | None:
        """The cell format of a cell (None: none, or no such cell)."""
        found = np.flatnonzero(self.numbers == row_number)
        if column is None or not len(found):
            return None
        mine = np.flatnonzero((self.cell_rows == found[0]) & (self.columns == column))
        if not len(mine):
            return None
        at = int(self.cells[mine[0]])
        tag = body[at : body.index(b">", at)]
        style = tag.find(b' s="')
        return int(tag[style + 4 : tag.index(b'"', style + 4)]) if style >= 0 else None

    def splice(self, body: bytes, header_row: int, ordered, markup: pa.Array) -> bytes:
        """``body`` with each written row's new cells (``markup``, one per row from the
        header) in place, ``spans`` dropped from those rows, missing rows made."""
        last_row = header_row + len(markup) - 1
        written = np.flatnonzero((self.numbers >= header_row) & (self.numbers <= last_row))
        _require(not bool(np.any(self.empty[written])))
        cut_from, cut_to = self._cells_cut(written, {c.column for c in ordered})
        span_from, span_to = self._spans_cut(written)
        present = np.zeros(len(markup), dtype=bool)
        present[self.numbers[written] - header_row] = True
        missing = header_row + np.flatnonzero(~present)
        at_row = np.searchsorted(self.numbers, missing)
        missing_at = np.append(self.starts, len(self.arr))[at_row]
        # Every change: a cut of the body [from, to) replaced by an item of `sources`.
        sources = pa.chunked_array([
            pa.array([b""], BINARY),
            markup,
            _new_rows(missing, markup.take(pa.array(missing - header_row))),
        ], BINARY)  # fmt: skip
        cuts_from = np.concatenate([span_from, cut_from, missing_at])
        cuts_to = np.concatenate([span_to, cut_to, missing_at])
        source = np.concatenate([
            np.zeros(len(span_from), dtype=np.int64),
            1 + self.numbers[written] - header_row,
            1 + len(markup) + np.arange(len(missing)),
        ])  # fmt: skip
        order = np.lexsort((source, cuts_from))
        cuts_from, cuts_to, source = cuts_from[order], cuts_to[order], source[order]
        _require(bool(np.all(cuts_from[1:] >= cuts_to[:-1])))
        bounds = np.empty(2 * len(order) + 2, dtype=np.int64)
        bounds[0], bounds[-1] = 0, len(self.arr)
        bounds[1:-1:2], bounds[2:-1:2] = cuts_from, cuts_to
        pieces = pa.LargeBinaryArray.from_buffers(
            BINARY, len(bounds) - 1, [None, pa.py_buffer(bounds), pa.py_buffer(body)]
        )
        inserted = sources.take(pa.array(source)).combine_chunks()
        # Kept pieces (the even ones) and inserted items, alternately, in one array.
        order = np.empty(2 * len(inserted) + 1, dtype=np.int64)
        order[0::2] = np.arange(0, len(pieces), 2)
        order[1::2] = len(pieces) + np.arange(len(inserted))
        merged = pa.chunked_array([pieces, inserted], BINARY)
        return _concatenated(merged.take(pa.array(order)).combine_chunks())

    def _cells_cut(self, written: np.ndarray, targets: set[int]):
        """Per written row, where its new cells go and which old cells they replace:
        nothing (beside the table) or the run of trailing cells in the tool's columns."""
        first = min(targets)
        cut_from = self.ends[written].copy()
        inside = np.zeros(len(self.starts), dtype=bool)
        inside[written] = True
        mine = inside[self.cell_rows]
        later = mine & (self.columns >= first)
        if np.any(later):
            _require(bool(np.all(np.isin(self.columns[later], list(targets)))))
            same_row = self.cell_rows[1:] == self.cell_rows[:-1]
            _require(not bool(np.any(same_row & later[:-1] & ~later[1:])))
            replaced = np.flatnonzero(later)
            rows = self.cell_rows[replaced]  # in order: the first of each row starts the run
            first_cell = np.flatnonzero(np.append(True, rows[1:] != rows[:-1]))
            cut_from[np.searchsorted(written, rows[first_cell])] = self.cells[replaced[first_cell]]
        return cut_from, self.ends[written]

    def _spans_cut(self, written: np.ndarray):
        """The ` spans="..."` attribute of each written row that has one."""
        found = np.append(_starts(self.arr, b' spans="'), len(self.arr))
        at = np.searchsorted(found, self.starts[written])
        begins = found[at][found[at] < self.tag_ends[written]]
        window = self.arr[np.minimum(begins[:, None] + 8 + np.arange(32), len(self.arr) - 1)]
        quote = np.argmax(window == 34, axis=1)
        _require(bool(np.all(window[np.arange(len(begins)), quote] == 34)))
        return begins, begins + 8 + quote + 1


def _concatenated(items: pa.Array) -> bytes:
    """All items of a binary array, one after the other."""
    offsets = np.frombuffer(items.buffers()[1], dtype=np.int64)
    first, last = int(offsets[items.offset]), int(offsets[items.offset + len(items)])
    data = items.buffers()[2]
    return data.slice(first, last - first).to_pybytes() if data is not None else b""


def _new_rows(numbers: np.ndarray, markup: pa.Array) -> pa.Array:
    """Rows the sheet lacks, as lxml writes a new row with these cells (or none)."""
    labels = pa.array(numbers).cast(pa.large_string()).cast(BINARY)
    opened = pc.binary_join_element_wise(
        pa.scalar(b'<row r="', BINARY), labels, pa.scalar(b'">', BINARY), markup,
        pa.scalar(b"</row>", BINARY), _NOTHING,
    )  # fmt: skip
    empty = pc.binary_join_element_wise(
        pa.scalar(b'<row r="', BINARY), labels, pa.scalar(b'"/>', BINARY), _NOTHING
    )
    return pc.if_else(pc.greater(pc.binary_length(markup), 0), opened, empty)


def _row_markup(rows: _Rows, body: bytes, header_row: int, ordered, count: int) -> pa.Array:
    """Each written row's new cells, the header row first."""
    header = b""
    for write in ordered:
        style = rows.style_of(body, header_row, write.header_like)
        end = value_markup(write.header)
        if end is not None:
            header += _opening(write.column, header_row, style) + end
    labels = pa.array(np.arange(header_row + 1, header_row + count + 1))
    labels = labels.cast(pa.large_string()).cast(BINARY)
    per_column = []
    for write in ordered:
        letters = cells.column_letters(write.column).encode()
        style = b"" if write.style is None else b' s="%d"' % write.style
        joined = pc.binary_join_element_wise(
            pa.scalar(b'<c r="' + letters, BINARY), labels, pa.scalar(b'"' + style, BINARY),
            column_markup(write.values), _NOTHING,
        )  # fmt: skip
        per_column.append(joined.fill_null(_NOTHING))
    body_cells = pc.binary_join_element_wise(*per_column, _NOTHING) if per_column else labels
    return pa.concat_arrays([pa.array([header], BINARY), body_cells])


def _opening(column: int, row: int, style: int | None) -> bytes:
    reference = f"{cells.column_letters(column)}{row}".encode()
    return b'<c r="' + reference + b'"' + (b"" if style is None else b' s="%d"' % style)
