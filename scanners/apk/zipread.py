"""Bounded ZIP reading for APKs: end record, central directory, local headers, capped streaming inflate.

Written for hostile files: every length and offset read from the file is checked against the file's real
size before it is used, the central directory is read in one bounded piece, and entries are inflated in
1 MiB steps with a cap, so a lying size or a ZIP bomb costs bounded time and memory. The checks follow
what Android's apksig library accepts (the differential tests against `apksigner` are the judge): names
are UTF-8 whatever the flag says, directory entries are dropped, CRC-32 is not checked, ZIP64 is refused.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

EOCD_SIZE = 22
EOCD_MAGIC = b"PK\x05\x06"
CD_MAGIC = 0x02014B50
LFH_MAGIC = 0x04034B50
ZIP64_LOCATOR_MAGIC = b"PK\x06\x07"
MAX_COMMENT = 0xFFFF
CHUNK = 1 << 20
# The central directory is read whole; 64 Ki entries of a few hundred bytes each fit easily.
MAX_CD_SIZE = 32 << 20

_EOCD = struct.Struct("<IHHHHIIH")
_CDR = struct.Struct("<IHHHHHHIIIHHHHHII")
_LFH = struct.Struct("<IHHHHHIIIHH")
GP_FLAG_DATA_DESCRIPTOR = 0x0008
STORED = 0
DEFLATED = 8


class ApkFormatError(ValueError):
    """Not a readable APK / ZIP; the message is a one-line reason."""


@dataclass(frozen=True)
class ZipEntry:
    """One central directory record."""

    name: str
    flags: int
    method: int
    crc32: int
    compressed_size: int
    uncompressed_size: int
    local_header_offset: int
    name_size: int


@dataclass(frozen=True)
class ZipLayout:
    """Where the parts of the ZIP are: entries section, central directory, end record."""

    size: int
    cd_offset: int
    cd_size: int
    cd_count: int
    eocd_offset: int
    eocd: bytes
    entries: tuple[ZipEntry, ...]  # file entries only (names ending in "/" dropped, as apksig does)

    def find(self, name: str) -> ZipEntry | None:
        """The first entry with this exact name."""
        for entry in self.entries:
            if entry.name == name:
                return entry
        return None


def _read_at(f: BinaryIO, offset: int, size: int) -> bytes:
    f.seek(offset)
    data = f.read(size)
    if len(data) != size:
        raise ApkFormatError(f"file ends early: wanted {size} bytes at offset {offset}")
    return data


def file_size(f: BinaryIO) -> int:
    """Size of an open file, from seeking to its end."""
    return f.seek(0, 2)


def find_eocd(f: BinaryIO, size: int) -> tuple[int, bytes]:
    """Offset and bytes of the End of Central Directory record (comment included)."""
    if size < EOCD_SIZE:
        raise ApkFormatError(f"not a ZIP file: only {size} bytes")
    # Common case: no comment, the record is the last 22 bytes.
    tail = _read_at(f, size - EOCD_SIZE, EOCD_SIZE)
    if tail[:4] == EOCD_MAGIC and tail[20:22] == b"\x00\x00":
        return size - EOCD_SIZE, tail
    span = min(size, EOCD_SIZE + MAX_COMMENT)
    buf = _read_at(f, size - span, span)
    # Search backwards: the candidate's comment length must reach exactly the end of the file.
    pos = span - EOCD_SIZE
    while pos >= 0:
        pos = buf.rfind(EOCD_MAGIC, 0, pos + 4)
        if pos < 0:
            break
        comment_len = int.from_bytes(buf[pos + 20 : pos + 22], "little")
        if comment_len == span - pos - EOCD_SIZE:
            return size - span + pos, bytes(buf[pos:])
        pos -= 1
    raise ApkFormatError("not a ZIP file: no end of central directory record")


def read_layout(f: BinaryIO) -> ZipLayout:
    """Parse the end record and the central directory, checking every offset against the file size."""
    size = file_size(f)
    eocd_offset, eocd = find_eocd(f, size)
    # Disk numbers and the per-disk count are ignored, as apksig ignores them; a ZIP64 end record
    # (its locator sits right before the classic one) is refused: Android does not read ZIP64 APKs.
    _, _disk, _cd_disk, _disk_count, total_count, cd_size, cd_offset, _ = _EOCD.unpack_from(eocd)
    if eocd_offset >= 20 and _read_at(f, eocd_offset - 20, 4) == ZIP64_LOCATOR_MAGIC:
        raise ApkFormatError("ZIP64 archives are not supported (an APK is never ZIP64)")
    if cd_offset > eocd_offset:
        raise ApkFormatError(
            f"central directory offset {cd_offset} lies beyond the end record at {eocd_offset}"
        )
    if cd_offset + cd_size > eocd_offset:
        raise ApkFormatError(
            f"central directory ({cd_size} bytes at {cd_offset}) overlaps the end record at {eocd_offset}"
        )
    if cd_size > MAX_CD_SIZE:
        raise ApkFormatError(f"central directory too large: {cd_size} bytes")
    cd = _read_at(f, cd_offset, cd_size)
    entries = parse_central_directory(cd, total_count, cd_offset)
    return ZipLayout(size, cd_offset, cd_size, total_count, eocd_offset, eocd, tuple(entries))


def parse_central_directory(cd: bytes, count: int, cd_offset: int) -> list[ZipEntry]:
    """The `count` records of the central directory (trailing data ignored, as Android does)."""
    entries: list[ZipEntry] = []
    pos = 0
    # Each record needs at least 46 bytes: a count the directory cannot hold is a lie, caught at once.
    if count * _CDR.size > len(cd):
        raise ApkFormatError(
            f"end record claims {count} entries but the central directory has only {len(cd)} bytes"
        )
    for index in range(count):
        if len(cd) - pos < _CDR.size:
            raise ApkFormatError(f"central directory record #{index + 1} is truncated")
        (
            magic,
            _made_by,
            _needed,
            flags,
            method,
            _time,
            _date,
            crc,
            csize,
            usize,
            name_len,
            extra_len,
            comment_len,
            _disk,
            _iattr,
            _eattr,
            lho,
        ) = _CDR.unpack_from(cd, pos)
        if magic != CD_MAGIC:
            raise ApkFormatError(
                f"central directory record #{index + 1} at offset {cd_offset + pos} has a bad signature"
            )
        end = pos + _CDR.size + name_len + extra_len + comment_len
        if end > len(cd):
            raise ApkFormatError(f"central directory record #{index + 1} runs past the directory")
        name = cd[pos + _CDR.size : pos + _CDR.size + name_len].decode("utf-8", "replace")
        pos = end
        if name.endswith("/"):
            continue
        entries.append(ZipEntry(name, flags, method, crc, csize, usize, lho, name_len))
    return entries


def entry_data_span(f: BinaryIO, layout: ZipLayout, entry: ZipEntry) -> tuple[int, int]:
    """(offset, size) of the entry's stored bytes, after checking its local header against the record."""
    lho = entry.local_header_offset
    if lho + _LFH.size > layout.cd_offset:
        raise ApkFormatError(f"entry {entry.name!r}: local header offset {lho} lies beyond the entries")
    (magic, _ver, flags, _method, _t, _d, crc, csize, usize, name_len, extra_len) = _LFH.unpack(
        _read_at(f, lho, _LFH.size)
    )
    if magic != LFH_MAGIC:
        raise ApkFormatError(f"entry {entry.name!r}: no local file header at offset {lho}")
    dd_local = bool(flags & GP_FLAG_DATA_DESCRIPTOR)
    if dd_local != bool(entry.flags & GP_FLAG_DATA_DESCRIPTOR):
        raise ApkFormatError(f"entry {entry.name!r}: data descriptor flag differs from central directory")
    if not dd_local and (crc, csize, usize) != (
        entry.crc32,
        entry.compressed_size,
        entry.uncompressed_size,
    ):
        raise ApkFormatError(
            f"entry {entry.name!r}: local header sizes or CRC differ from the central directory"
        )
    if name_len > entry.name_size:
        raise ApkFormatError(f"entry {entry.name!r}: local header name differs from central directory")
    local_name = _read_at(f, lho + _LFH.size, name_len).decode("utf-8", "replace")
    if local_name != entry.name:
        raise ApkFormatError(f"entry {entry.name!r}: local header names {local_name!r}")
    start = lho + _LFH.size + name_len + extra_len
    size = entry.uncompressed_size if entry.method == STORED else entry.compressed_size
    if start + size > layout.cd_offset:
        raise ApkFormatError(
            f"entry {entry.name!r}: data ({size} bytes at {start}) overlaps the central directory"
        )
    return start, size


def iter_entry(
    f: BinaryIO, layout: ZipLayout, entry: ZipEntry, *, max_size: int, buf: bytearray | None = None
) -> Iterator[memoryview | bytes]:
    """Yield the entry's uncompressed bytes in pieces of at most 1 MiB, never more than `max_size` in all.

    The declared uncompressed size must be exact (apksig rejects an entry that inflates to another
    size); a declared size above `max_size` is refused before reading anything. Pieces may share one
    reusable buffer: consume each before asking for the next.
    """
    if entry.uncompressed_size > max_size:
        raise ApkFormatError(
            f"entry {entry.name!r} is too large: {entry.uncompressed_size} bytes (limit {max_size})"
        )
    # apksig treats every method other than STORED as DEFLATED (Android does the same); do likewise.
    start, size = entry_data_span(f, layout, entry)
    if buf is None:
        buf = bytearray(min(CHUNK, max(size, 1)))
    view = memoryview(buf)
    f.seek(start)
    remaining = size
    if entry.method == STORED:
        while remaining:
            n = f.readinto(view[: min(len(buf), remaining)])  # type: ignore[attr-defined]
            if not n:
                raise ApkFormatError(f"entry {entry.name!r}: file ends inside its data")
            remaining -= n
            yield view[:n]
        return
    inflater = zlib.decompressobj(-15)
    produced = 0
    expected = entry.uncompressed_size
    try:
        while remaining or inflater.unconsumed_tail:
            if inflater.unconsumed_tail:
                data: bytes = inflater.unconsumed_tail
            else:
                n = f.readinto(view[: min(len(buf), remaining)])  # type: ignore[attr-defined]
                if not n:
                    raise ApkFormatError(f"entry {entry.name!r}: file ends inside its data")
                remaining -= n
                data = view[:n]  # type: ignore[assignment]
            # Never let one step produce more than the bytes still allowed: a bomb stops here.
            out = inflater.decompress(data, max(1, min(CHUNK, expected - produced + 1)))
            produced += len(out)
            if produced > expected:
                raise ApkFormatError(
                    f"entry {entry.name!r} inflates to more than its declared {expected} bytes"
                )
            if out:
                yield out
            if inflater.eof:
                break
    except zlib.error as exc:
        raise ApkFormatError(f"entry {entry.name!r}: malformed compressed data ({exc})") from None
    if produced != expected:
        raise ApkFormatError(
            f"entry {entry.name!r} inflates to {produced} bytes, not its declared {expected}"
        )


def read_entry_bytes(f: BinaryIO, layout: ZipLayout, entry: ZipEntry, *, max_size: int) -> bytes:
    """The whole uncompressed entry (for small entries: manifests, signature files)."""
    return b"".join(bytes(piece) for piece in iter_entry(f, layout, entry, max_size=max_size))


def read_entry(path: str | Path, name: str, *, max_size: int) -> bytes:
    """Read one entry (AndroidManifest.xml, resources.arsc, an icon) without reading the whole file.

    Raises ApkFormatError when the file is not a readable ZIP, the entry is missing, or it is larger
    than `max_size` once uncompressed.
    """
    try:
        with open(path, "rb") as f:
            layout = read_layout(f)
            entry = layout.find(name)
            if entry is None:
                raise ApkFormatError(f"no {name} in the archive")
            return read_entry_bytes(f, layout, entry, max_size=max_size)
    except OSError as exc:
        raise ApkFormatError(f"cannot read {Path(path).name}: {exc.strerror or exc}") from None
