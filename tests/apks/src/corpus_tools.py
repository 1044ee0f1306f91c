"""ZIP surgery for the test corpus (standard library only; called by build_corpus.sh).

Each command writes a deliberately broken or forged APK the way an attacker would make it:

  transplant OFFICIAL CONTENT OUT   official META-INF signature files + APK Signing Block over CONTENT
  tamper     SIGNED ENTRY OLD NEW OUT   replace bytes OLD by NEW (same length) in a stored entry, fix the CRCs
  strip      SIGNED OUT                 remove the APK Signing Block (v1 signature left alone)
  bundle     OUT NAME=FILE ...          a .xapk/.apks bundle (ZIP) holding the given files
  random     OUT SIZE SEED              random bytes
  truncate   IN OUT FRACTION            the first FRACTION of IN
"""

from __future__ import annotations

import io
import random
import struct
import sys
import zipfile
import zlib
from pathlib import Path

EOCD_SIG = b"PK\x05\x06"
SIG_BLOCK_MAGIC = b"APK Sig Block 42"


def _eocd(data: bytes) -> int:
    pos = data.rfind(EOCD_SIG, max(0, len(data) - 65557))
    if pos < 0:
        raise SystemExit("no end of central directory")
    return pos


def _cd_offset(data: bytes) -> tuple[int, int, int]:
    """(eocd position, central directory offset, central directory size)."""
    eocd = _eocd(data)
    cd_size, cd_off = struct.unpack_from("<II", data, eocd + 12)
    return eocd, cd_off, cd_size


def _signing_block(data: bytes) -> tuple[int, bytes]:
    """(start offset, bytes) of the APK Signing Block that ends at the central directory."""
    _, cd_off, _ = _cd_offset(data)
    if data[cd_off - 16 : cd_off] != SIG_BLOCK_MAGIC:
        raise SystemExit("no APK Signing Block")
    (size,) = struct.unpack_from("<Q", data, cd_off - 24)
    start = cd_off - size - 8
    return start, data[start:cd_off]


def _with_block(content: bytes, block: bytes) -> bytes:
    """Insert ``block`` just before the central directory of ``content`` and fix the EOCD offset."""
    eocd, cd_off, _ = _cd_offset(content)
    out = bytearray(content[:cd_off] + block + content[cd_off:])
    struct.pack_into("<I", out, eocd + len(block) + 16, cd_off + len(block))
    return bytes(out)


def transplant(official: str, content: str, out: str) -> None:
    off = Path(official).read_bytes()
    _, block = _signing_block(off)
    buf = io.BytesIO()
    with zipfile.ZipFile(official) as zoff, zipfile.ZipFile(content) as zc, zipfile.ZipFile(buf, "w") as zo:
        for info in zoff.infolist():
            if info.filename.startswith("META-INF/"):
                zo.writestr(info, zoff.read(info))
        for info in zc.infolist():
            if not info.filename.startswith("META-INF/"):
                zo.writestr(info, zc.read(info))
    Path(out).write_bytes(_with_block(buf.getvalue(), block))


def tamper(signed: str, entry: str, old: str, new: str, out: str) -> None:
    data = bytearray(Path(signed).read_bytes())
    olb, newb = old.encode(), new.encode()
    if len(olb) != len(newb):
        raise SystemExit("OLD and NEW must have the same length")
    with zipfile.ZipFile(signed) as z:
        info = z.getinfo(entry)
        if info.compress_type != zipfile.ZIP_STORED:
            raise SystemExit(f"{entry} must be stored, not compressed")
        body = z.read(entry)
    lh = info.header_offset
    name_len, extra_len = struct.unpack_from("<HH", data, lh + 26)
    start = lh + 30 + name_len + extra_len
    if bytes(data[start : start + len(body)]) != body or olb not in body:
        raise SystemExit("entry data not found as expected")
    changed = body.replace(olb, newb, 1)
    data[start : start + len(body)] = changed
    crc = zlib.crc32(changed)
    struct.pack_into("<I", data, lh + 14, crc)
    # the central directory record of the same entry
    _, cd_off, cd_size = _cd_offset(bytes(data))
    pos = cd_off
    while pos < cd_off + cd_size:
        n, e, c = struct.unpack_from("<HHH", data, pos + 28)
        name = bytes(data[pos + 46 : pos + 46 + n]).decode()
        if name == entry:
            struct.pack_into("<I", data, pos + 16, crc)
            break
        pos += 46 + n + e + c
    else:
        raise SystemExit("entry not in central directory")
    Path(out).write_bytes(bytes(data))


def strip(signed: str, out: str) -> None:
    data = Path(signed).read_bytes()
    start, block = _signing_block(data)
    eocd, cd_off, _ = _cd_offset(data)
    res = bytearray(data[:start] + data[cd_off:])
    struct.pack_into("<I", res, eocd - len(block) + 16, start)
    Path(out).write_bytes(bytes(res))


def bundle(out: str, items: list[str]) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in items:
            name, _, path = item.partition("=")
            if path.startswith("text:"):
                z.writestr(name, path[5:])
            else:
                # APKs inside bundles are stored, as bundletool and the XAPK tools do
                z.write(path, name, compress_type=zipfile.ZIP_STORED)


def rand(out: str, size: str, seed: str) -> None:
    Path(out).write_bytes(random.Random(int(seed)).randbytes(int(size)))


def truncate(src: str, out: str, fraction: str) -> None:
    data = Path(src).read_bytes()
    Path(out).write_bytes(data[: int(len(data) * float(fraction))])


def main(argv: list[str]) -> None:
    cmd, args = argv[0], argv[1:]
    if cmd == "transplant":
        transplant(*args)
    elif cmd == "tamper":
        tamper(*args)
    elif cmd == "strip":
        strip(*args)
    elif cmd == "bundle":
        bundle(args[0], args[1:])
    elif cmd == "random":
        rand(*args)
    elif cmd == "truncate":
        truncate(*args)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
