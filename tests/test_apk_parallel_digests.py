"""Big APKs digest their 1 MiB chunks in two threads (scanners.apk.sigblock): the same digests as one thread
and as an independent plain implementation, on a file with a signing block and one without whole chunks."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest

from scanners.apk import sigblock
from scanners.apk.zipread import ApkFormatError, read_layout
from tests.apk_signing_helpers import ApkParts, chunked_digest, join_apk


def _big_apk(tmp_path: Path, mib: float) -> tuple[Path, ApkParts]:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as z:
        z.writestr(zipfile.ZipInfo("assets/big.bin"), os.urandom(int(mib * (1 << 20))))
        z.writestr("classes.dex", b"dex\n035\0" + bytes(100))
    data = raw.getvalue()
    layout = read_layout(io.BytesIO(data))
    # a (meaningless) signing block between the entries and the central directory, as a signed APK has
    parts = ApkParts(
        data[: layout.cd_offset],
        [(0x7109871A, b"x" * 5000)],
        data[layout.cd_offset : layout.eocd_offset],
        bytearray(data[layout.eocd_offset :]),
    )
    path = tmp_path / "big.apk"
    path.write_bytes(join_apk(parts))
    return path, parts


@pytest.mark.parametrize("mib", [40.3, 17])
def test_parallel_digests_equal_sequential_and_plain(
    tmp_path: Path, mib: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, parts = _big_apk(tmp_path, mib)
    with open(path, "rb") as f:
        layout = read_layout(f)
        block = sigblock.find_signing_block(f, layout)
        assert not isinstance(block, str)
        calls: list[int] = []
        real = sigblock._parallel_chunk_digests
        monkeypatch.setattr(sigblock, "_parallel_chunk_digests", lambda *a: calls.append(1) or real(*a))
        parallel = sigblock.content_digests(f, layout, block.offset, {"sha256", "sha512"})
        assert calls == [1]  # big enough: the two-thread path ran
        monkeypatch.setattr(sigblock, "PARALLEL_CHUNKS", 10**9)
        sequential = sigblock.content_digests(f, layout, block.offset, {"sha256", "sha512"})
    assert parallel == sequential
    assert parallel["sha256"] == chunked_digest(parts, "sha256")
    assert parallel["sha512"] == chunked_digest(parts, "sha512")


def test_truncated_file_is_a_format_error_in_either_thread(tmp_path: Path) -> None:
    path, _ = _big_apk(tmp_path, 20)
    with open(path, "rb") as f:
        layout = read_layout(f)
        block = sigblock.find_signing_block(f, layout)
        assert not isinstance(block, str)
        ranges = [(0, 1 << 20), (path.stat().st_size + 10, 1 << 20)]  # the second read is past the end
        for order in (ranges, ranges[::-1]):
            with pytest.raises(ApkFormatError, match="ends early"):
                sigblock._parallel_chunk_digests(f.fileno(), order, [hashlib.sha256])
