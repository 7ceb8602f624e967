"""Writing a package's zip: unchanged parts copied as their compressed bytes.

Re-compressing a large untouched sheet is most of the time a save would take, and gains
nothing: the compressed stream of a part nobody changed is copied as it is (its CRC and
sizes with it), new and changed parts are deflated. Plain ZIP (no ZIP64 records), as
Excel writes packages; a package that would need ZIP64 is left to :mod:`zipfile`.
"""

from __future__ import annotations

import concurrent.futures
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_LIMIT = 0xFFFFFFFF
_UTF8_NAMES = 0x800
# Parts this large (a 1M-row sheet is ~500 MB of XML) are deflated at level 3, not 6:
# measured on such a sheet, 2.2x as fast for a file 12% larger. Any level is plain
# deflate, which every reader (Excel included) takes.
BIG_PART_BYTES = 16_000_000
BIG_PART_LEVEL = 3
DEFLATE_BLOCK_BYTES = 8 << 20  # a big part is deflated in blocks of this size, in parallel
_WINDOW = 32 << 10  # deflate's window: what a block may refer back to


@dataclass
class _Entry:
    name: bytes
    flags: int
    method: int
    time: int
    date: int
    crc: int
    compressed: int
    size: int
    offset: int
    external: int


def _dos_time(date_time: tuple[int, ...]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    year = max(year, 1980)
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


def _raw_data(source: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    """The compressed bytes of one entry, straight from its local header."""
    source.seek(info.header_offset)
    header = source.read(_LOCAL.size)
    name_length, extra_length = struct.unpack("<2H", header[26:30])
    source.seek(info.header_offset + _LOCAL.size + name_length + extra_length)
    return source.read(info.compress_size)


def _deflate_block(data: memoryview, level: int, last: bool, dictionary: bytes) -> bytes:
    packer = (
        zlib.compressobj(level, zlib.DEFLATED, -15, zdict=dictionary)
        if dictionary
        else (zlib.compressobj(level, zlib.DEFLATED, -15))
    )
    return packer.compress(data) + packer.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _deflate_in_blocks(data: bytes, level: int) -> bytes:
    """One raw deflate stream made of blocks compressed on every core (zlib releases the
    GIL): each block but the last ends on a byte boundary without the final-block bit, so
    the pieces join into a stream any inflater reads; each block is primed with the 32 kB
    before it, as one stream would have it."""
    view = memoryview(data)
    starts = range(0, len(data), DEFLATE_BLOCK_BYTES)
    jobs = [
        (view[i : i + DEFLATE_BLOCK_BYTES], level, i + DEFLATE_BLOCK_BYTES >= len(data),
         bytes(view[max(0, i - _WINDOW) : i]))
        for i in starts
    ]  # fmt: skip
    with concurrent.futures.ThreadPoolExecutor(min(len(jobs), os.cpu_count() or 1)) as pool:
        return b"".join(pool.map(lambda job: _deflate_block(*job), jobs))


class ZipWriter:
    """Entries appended one by one; :meth:`close` writes the central directory."""

    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.entries: list[_Entry] = []

    def _write(self, entry: _Entry, data: bytes) -> None:
        entry.offset = self.target.tell()
        if max(entry.offset, entry.compressed, entry.size) >= _LIMIT:
            raise OverflowError("needs ZIP64")
        self.target.write(
            _LOCAL.pack(b"PK\x03\x04", 20, entry.flags, entry.method, entry.time, entry.date,
                        entry.crc, entry.compressed, entry.size, len(entry.name), 0)
        )  # fmt: skip
        self.target.write(entry.name)
        self.target.write(data)
        self.entries.append(entry)

    def add(self, name: str, data: bytes, date_time: tuple[int, ...]) -> None:
        if len(data) >= BIG_PART_BYTES:
            compressed = _deflate_in_blocks(data, BIG_PART_LEVEL)
        else:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            compressed = packer.compress(data) + packer.flush()
        time, date = _dos_time(date_time)
        entry = _Entry(name.encode("utf-8"), _UTF8_NAMES, zipfile.ZIP_DEFLATED, time, date,
                       zlib.crc32(data), len(compressed), len(data), 0, 0)  # fmt: skip
        self._write(entry, compressed)

    def copy(self, source: BinaryIO, info: zipfile.ZipInfo) -> None:
        """An entry of another zip, its compressed bytes unchanged."""
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED,
                                                             zipfile.ZIP_DEFLATED):  # fmt: skip
            raise ValueError(f"cannot copy {info.filename} as it is")
        time, date = _dos_time(info.date_time)
        entry = _Entry(info.filename.encode("utf-8"), _UTF8_NAMES, info.compress_type, time,
                       date, info.CRC, info.compress_size, info.file_size, 0, 0)  # fmt: skip
        self._write(entry, _raw_data(source, info))

    def close(self) -> None:
        start = self.target.tell()
        for entry in self.entries:
            self.target.write(
                _CENTRAL.pack(b"PK\x01\x02", 20, 20, entry.flags, entry.method, entry.time,
                              entry.date, entry.crc, entry.compressed, entry.size,
                              len(entry.name), 0, 0, 0, 0, entry.external, entry.offset)
            )  # fmt: skip
            self.target.write(entry.name)
        size = self.target.tell() - start
        count = len(self.entries)
        if count >= 0xFFFF or start >= _LIMIT:
            raise OverflowError("needs ZIP64")
        self.target.write(_END.pack(b"PK\x05\x06", 0, 0, count, count, size, start, 0))
