"""The first rows of a large worksheet, read from its XML with whole-array operations.

Finding the table on a sheet (its header row, its columns) needs only the first rows,
but calamine and openpyxl parse the whole sheet first: seconds and gigabytes for a
million rows. Here only the start of the XML is decompressed, and numpy finds the
``<c>``, ``<v>`` and ``<t>`` tags of those rows at once; Arrow decodes their values.

It reads the markup every spreadsheet program writes (``<c r="B7" s="2" t="s">``). Anything
else (cells without a reference first, rich or phonetic text in a cell, character
references, ``_xHHHH_`` escapes, ``t="d"`` cells, rows out of order) raises
:class:`NotSimple`, and the caller keeps the per-cell path, which handles everything.
"""

from __future__ import annotations

import concurrent.futures
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CHUNK_BYTES = 1 << 24  # decompressed XML per step: the working memory of a scan
HEAD_CHUNK_BYTES = 1 << 18  # the first rows of a sheet are in its first few hundred kB
_PAD = b" " * 64  # reads a little past the last tag never leave the buffer

# Cell kinds, as the per-cell reader would see the value.
BLANK, NUMBER, TEXT, SHARED, BOOLEAN = 0, 1, 2, 3, 4

_LT, _GT, _SLASH, _SPACE, _QUOTE, _EQUALS = (ord(c) for c in '<>/ "=')


class NotSimple(Exception):
    """Markup this reader does not handle; the per-cell path reads the sheet instead."""


@dataclass
class Cells:
    """Cells in document order: 1-based row and column, kind, style and value.

    ``number`` holds numbers, booleans (0/1) and shared-string indexes; ``text`` holds
    the text of inline strings, formula text results and error values (null elsewhere).
    """

    row: np.ndarray
    column: np.ndarray
    kind: np.ndarray
    style: np.ndarray
    number: np.ndarray
    text: pa.Array

    @classmethod
    def concat(cls, parts: list[Cells]) -> Cells:
        if not parts:
            empty = np.zeros(0, np.int64)
            return cls(empty, empty, empty.astype(np.int8), empty, empty.astype(float),
                       pa.array([], pa.string()))  # fmt: skip
        return cls(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in
              ("row", "column", "kind", "style", "number")),
            pa.concat_arrays([p.text for p in parts]),
        )  # fmt: skip


def xml_chunks(package: zipfile.ZipFile, part: str, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """A part's XML in pieces that end just after a ``</row>`` (the last one: at the end).

    The next piece is decompressed in a background thread (zlib releases the GIL) while
    the caller works on this one.
    """
    with package.open(part) as stream, concurrent.futures.ThreadPoolExecutor(1) as pool:
        pending = pool.submit(stream.read, size)
        tail = b""
        while True:
            data = pending.result()
            if data:
                pending = pool.submit(stream.read, size)
            else:
                if tail:
                    yield tail
                return
            data = tail + data
            cut = data.rfind(b"</row>")
            if cut < 0:
                tail = data
                continue
            cut += len(b"</row>")
            yield data[:cut]
            tail = data[cut:]


def _digits(buffer: np.ndarray, start: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """The decimal number written at each ``start`` and its digit count (0: none)."""
    value = np.zeros(len(start), np.int64)
    count = np.zeros(len(start), np.int64)
    going = np.ones(len(start), bool)
    for k in range(most):
        byte = buffer[start + k]
        going &= (byte >= 48) & (byte <= 57)
        value = np.where(going, value * 10 + (byte.astype(np.int64) - 48), value)
        count += going
    return value, count


def _is_at(buffer: np.ndarray, at: np.ndarray, text: bytes) -> np.ndarray:
    """Whether ``text`` is written at each position ``at``."""
    found = np.ones(len(at), bool)
    for k, byte in enumerate(text):
        found &= buffer[at + k] == byte
    return found


def _strings(
    buffer: np.ndarray, start: np.ndarray, stop: np.ndarray, *, decode: bool = True
) -> pa.Array:
    """The bytes ``buffer[start:stop]`` of each span as UTF-8 text, XML entities decoded."""
    length = (stop - start).astype(np.int64)
    offsets = np.zeros(len(length) + 1, np.int64)
    np.cumsum(length, out=offsets[1:])
    index = np.repeat(start - offsets[:-1], length) + np.arange(offsets[-1])
    data = buffer[index]
    if offsets[-1] >= 2**31:
        raise NotSimple("text too long for one array")
    strings = pa.StringArray.from_buffers(
        len(length), pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data.tobytes())
    )
    if not decode:
        return strings
    strings.validate(full=True)  # valid UTF-8, or ArrowInvalid (a damaged file)
    return decode_entities(strings)


def decode_entities(strings: pa.Array) -> pa.Array:
    """XML's five named entities decoded; other escapes are left to the per-cell path."""
    if len(strings) == 0:
        return strings
    if pc.any(pc.match_substring_regex(strings, r"&#|_x[0-9A-Fa-f]{4}_|\r")).as_py():
        raise NotSimple("character references, _xHHHH_ escapes or carriage returns")
    if pc.any(pc.match_substring(strings, "&")).as_py():
        for entity, character in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'),
                                  ("&apos;", "'"), ("&amp;", "&")):  # fmt: skip
            strings = pc.replace_substring(strings, entity, character)
    return strings


def _tags(buffer: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of every ``<`` and the two bytes after each."""
    opens = np.flatnonzero(buffer == _LT)
    return opens, buffer[opens + 1], buffer[opens + 2]


_PRESERVE = b'<t xml:space="preserve">'


def _text_starts(buffer: np.ndarray, tags: np.ndarray) -> np.ndarray:
    """Where the text of each ``<t>`` or ``<t xml:space="preserve">`` tag starts."""
    plain = buffer[tags + 2] == _GT
    preserve = _is_at(buffer, tags, _PRESERVE)
    if not (plain | preserve).all():
        raise NotSimple("a <t> tag written unusually")
    return np.where(plain, tags + 3, tags + len(_PRESERVE))


def scan_cells(chunk: bytes, rows: tuple[int, int], columns: tuple[int, int]) -> Cells:
    """The cells of ``chunk`` (whole rows of sheet XML) within ``rows`` and ``columns``
    (first and last, 1-based, inclusive)."""
    buffer = np.frombuffer(chunk + _PAD, np.uint8)
    opens, first, second = _tags(buffer)
    follows = np.append(opens[1:], len(chunk))  # the next '<' after each tag
    is_cell = (first == ord("c")) & ((second == _SPACE) | (second == _GT) | (second == _SLASH))
    is_run = (first == ord("r")) & ((second == _SPACE) | (second == _GT) | (second == ord("P")))
    if is_run.any():
        raise NotSimple("rich or phonetic text in a cell")
    if ((first == ord("!")) | (first == ord("?"))).any() and chunk.find(b"<sheetData") < 0:
        raise NotSimple("comments or processing instructions among the rows")
    starts = opens[is_cell]
    tag_end = follows[is_cell]
    if not _is_at(buffer, starts, b'<c r="').all():
        raise NotSimple("a cell without its reference first")
    # The reference: up to three letters, then the row's digits.
    letter = [(buffer[starts + 6 + k] >= 65) & (buffer[starts + 6 + k] <= 90) for k in range(3)]
    n_letters = (
        letter[0].astype(np.int64) + (letter[0] & letter[1]) + (letter[0] & letter[1] & letter[2])
    )
    column = np.zeros(len(starts), np.int64)
    for k in range(3):
        code = buffer[starts + 6 + k].astype(np.int64) - 64
        column = np.where(n_letters > k, column * 26 + code, column)
    row, n_digits = _digits(buffer, starts + 6 + n_letters, 8)
    at = starts + 6 + n_letters + n_digits
    if ((n_letters == 0) | (n_digits == 0) | (buffer[at] != _QUOTE)).any():
        raise NotSimple("an unusual cell reference")
    if len(row) and (np.diff(row) < 0).any():
        raise NotSimple("rows out of order")
    at += 1
    # Then s="style" and t="type", in that order, each optional: nothing else.
    has_style = _is_at(buffer, at, b' s="')
    style, n_style = _digits(buffer, at + 4, 6)
    at = np.where(has_style, at + 5 + n_style, at)
    has_style &= n_style > 0
    has_type = _is_at(buffer, at, b' t="')
    type_first, type_second = buffer[at + 4], buffer[at + 5]
    type_length = np.where(type_first == ord("i"), 9, np.where(type_second == ord("t"), 3, 1))
    at = np.where(has_type, at + 5 + type_length, at)
    type_first = np.where(has_type, type_first, ord("n"))
    closed = buffer[at] == _GT
    self_closed = (buffer[at] == _SLASH) & (buffer[at + 1] == _GT)
    ends_right = np.where(closed, at + 1, at + 2) == tag_end
    quoted = ~has_type | (buffer[at - 1] == _QUOTE)
    if not ((closed | self_closed) & ends_right & quoted).all():
        raise NotSimple("a cell tag written unusually")
    if not np.isin(type_first, np.frombuffer(b"nsbei", np.uint8)).all():
        raise NotSimple("a cell with an ISO 8601 date, or of an unknown type")

    wanted = (row >= rows[0]) & (row <= rows[1]) & (column >= columns[0]) & (column <= columns[1])
    keep = np.flatnonzero(wanted)
    kind = np.full(len(starts), BLANK, np.int8)
    number = np.full(len(starts), np.nan)
    text_start = np.zeros(len(starts), np.int64)
    text_stop = np.zeros(len(starts), np.int64)

    values = np.flatnonzero((first == ord("v")) & (second == _GT))
    owner = np.searchsorted(starts, opens[values]) - 1
    value_start, value_stop = opens[values] + 3, follows[values]
    is_inline = (first == ord("t")) & ((second == _SPACE) | (second == _GT))
    inline_tags = opens[is_inline]
    inline_owner = np.searchsorted(starts, inline_tags) - 1
    inline_start = _text_starts(buffer, inline_tags)
    inline_stop = follows[is_inline]

    text_kind = type_first == ord("e")  # error values (#N/A): their text, like the per-cell path
    text_kind |= (type_first == ord("s")) & (type_second == ord("t"))  # "str": a formula's text
    shared = (type_first == ord("s")) & (type_second == _QUOTE)
    boolean = type_first == ord("b")
    numeric = type_first == ord("n")
    owned = (owner >= 0) & wanted[np.maximum(owner, 0)] & (value_stop > value_start)
    owner, value_start, value_stop = owner[owned], value_start[owned], value_stop[owned]
    as_text = text_kind[owner]
    text_start[owner[as_text]] = value_start[as_text]
    text_stop[owner[as_text]] = value_stop[as_text]
    kind[owner[as_text]] = TEXT
    parsed = ~as_text
    if parsed.any():
        digits = _strings(buffer, value_start[parsed], value_stop[parsed], decode=False)
        try:
            parsed_numbers = pc.cast(pc.utf8_trim_whitespace(digits), pa.float64()).to_numpy(
                zero_copy_only=False
            )
        except pa.ArrowInvalid as exc:
            raise NotSimple("a value that is not a number") from exc
        cells = owner[parsed]
        number[cells] = parsed_numbers
        kind[cells] = np.select(
            [shared[cells], boolean[cells], numeric[cells]], [SHARED, BOOLEAN, NUMBER], BLANK
        )
    inline = (inline_owner >= 0) & wanted[np.maximum(inline_owner, 0)]
    cells = inline_owner[inline]
    text_start[cells], text_stop[cells] = inline_start[inline], inline_stop[inline]
    kind[cells] = TEXT
    if (np.diff(cells) <= 0).any():
        raise NotSimple("a cell with more than one text")

    is_text = kind[keep] == TEXT
    text = pa.nulls(len(keep), pa.string())
    if is_text.any():
        chosen = keep[is_text]
        strings = _strings(buffer, text_start[chosen], text_stop[chosen])
        mask = pa.array(is_text)
        text = pc.replace_with_mask(text, mask, strings)
    return Cells(row[keep].astype(np.int32), column[keep].astype(np.int16), kind[keep],
                 style[keep].astype(np.int32), number[keep], text)  # fmt: skip


def read_head(package: zipfile.ZipFile, part: str, last_row: int) -> Cells:
    """The cells of a sheet part's rows 1 to ``last_row``; only the XML before them is
    decompressed."""
    parts = []
    for chunk in xml_chunks(package, part, HEAD_CHUNK_BYTES):
        parts.append(scan_cells(chunk, (1, last_row), (1, 1 << 14)))
        last_tag = _LAST_ROW.search(chunk, max(0, chunk.rfind(b"<row ")))
        if last_tag and int(last_tag.group(1)) >= last_row:
            break
    return Cells.concat(parts)


_LAST_ROW = re.compile(rb'<row [^>]*?\br="(\d+)"')


def shared_strings(package: zipfile.ZipFile, part: str | None) -> pa.Array:
    """The workbook's shared strings, rich-text runs joined, in index order."""
    if part is None or part not in package.NameToInfo:
        return pa.array([], pa.string())
    data = package.read(part)
    buffer = np.frombuffer(data + _PAD, np.uint8)
    opens, first, second = _tags(buffer)
    if ((first == ord("r")) & (second == ord("P"))).any():
        raise NotSimple("phonetic text in the shared strings")
    items = opens[(first == ord("s")) & (second == ord("i"))]
    is_text = (first == ord("t")) & np.isin(second, (_SPACE, _GT))
    follows = np.append(opens[1:], len(data))
    tags = opens[is_text]
    starts, stops = _text_starts(buffer, tags), follows[is_text]
    owner = np.searchsorted(items, tags) - 1
    if (owner < 0).any():
        raise NotSimple("text outside a shared string")
    pieces = pa.concat_arrays([_strings(buffer, starts, stops)])  # offsets from 0
    lengths = pc.binary_length(pieces).to_numpy(zero_copy_only=False)
    per_item = np.bincount(owner, weights=lengths, minlength=len(items)).astype(np.int64)
    offsets = np.zeros(len(items) + 1, np.int32)
    np.cumsum(per_item, out=offsets[1:])
    data = pieces.buffers()[2] if len(pieces) else pa.py_buffer(b"")
    return pa.StringArray.from_buffers(len(items), pa.py_buffer(offsets), data)
