"""Bad input for the APK verifier: every broken or hostile file gives ApkFormatError or verified=False with a
reason, quickly and in bounded memory. Includes the regression cases found by fuzzing against apksigner."""

from __future__ import annotations

import io
import os
import struct
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scanners.apk import signing
from scanners.apk.signing import ApkFormatError, read_entry, verify_apk
from tests.apk_signing_helpers import apksigner_available, apksigner_verify, join_apk, split_apk

CORPUS = Path(__file__).resolve().parent / "apks"
OFFICIAL = CORPUS / "official.apk"
V1ONLY = CORPUS / "official_v1only.apk"
REPACKAGED = CORPUS / "repackaged.apk"
pytestmark = pytest.mark.skipif(not OFFICIAL.exists(), reason="tests/apks corpus not built")
V3_ID = 0xF05368C0


@contextmanager
def bounded(seconds: float = 2.0, megabytes: float = 40.0) -> Iterator[None]:
    """Assert the block runs within a time and Python-allocation budget."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.2f}s"
    assert peak < megabytes * 2**20, f"peak {peak / 2**20:.1f} MB"


def _rejected(path: Path, why: str = "") -> str:
    """The reason given: ApkFormatError's message or the report's first error."""
    with bounded():
        try:
            report = verify_apk(path)
        except ApkFormatError as exc:
            message = str(exc)
            assert message and "\n" not in message
            return message
    assert not report.verified, "must not verify"
    assert report.errors
    return report.errors[0]


def _write(tmp_path: Path, data: bytes, name: str = "bad.apk") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK",
        os.urandom(8192),
        b"\x89PNG\r\n\x1a\n" + bytes(100),
        b"<html>not an apk</html>\n",
        b"PK\x05\x06" + bytes(18),
    ],
    ids=["empty", "two-bytes", "random", "png", "html", "empty-zip"],
)
def test_non_apk_files_are_format_errors(data: bytes, tmp_path: Path) -> None:
    with pytest.raises(ApkFormatError):
        verify_apk(_write(tmp_path, data))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ApkFormatError, match="cannot read"):
        verify_apk(tmp_path / "nope.apk")
    with pytest.raises(ApkFormatError, match="cannot read"):
        verify_apk(tmp_path)


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.999])
def test_truncated_files(fraction: float, tmp_path: Path) -> None:
    data = OFFICIAL.read_bytes()
    reason = _rejected(_write(tmp_path, data[: int(len(data) * fraction)]))
    assert reason


def _eocd(data: bytes) -> int:
    return data.rfind(b"PK\x05\x06")


def test_huge_central_directory_count(tmp_path: Path) -> None:
    data = bytearray(OFFICIAL.read_bytes())
    pos = _eocd(bytes(data))
    data[pos + 8 : pos + 12] = struct.pack("<HH", 0xFFFF, 0xFFFF)
    assert "claims 65535 entries" in _rejected(_write(tmp_path, bytes(data)))


def test_central_directory_offset_beyond_the_file(tmp_path: Path) -> None:
    data = bytearray(OFFICIAL.read_bytes())
    pos = _eocd(bytes(data))
    data[pos + 16 : pos + 20] = struct.pack("<I", len(data) + 10)
    assert "central directory" in _rejected(_write(tmp_path, bytes(data)))


def test_central_directory_size_lies(tmp_path: Path) -> None:
    data = bytearray(OFFICIAL.read_bytes())
    pos = _eocd(bytes(data))
    data[pos + 12 : pos + 16] = struct.pack("<I", 0x7FFFFFFF)
    assert "overlaps the end record" in _rejected(_write(tmp_path, bytes(data)))


def _cd_record(data: bytes, name: bytes) -> int:
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        if data[pos + 46 : pos + 46 + len(name)] == name:
            return pos
        pos = data.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(name)


def test_local_header_offset_lies(tmp_path: Path) -> None:
    data = bytearray(OFFICIAL.read_bytes())
    rec = _cd_record(bytes(data), b"AndroidManifest.xml")
    data[rec + 42 : rec + 46] = struct.pack("<I", len(data) - 100)
    assert "AndroidManifest.xml" in _rejected(_write(tmp_path, bytes(data)))


def test_compressed_size_lies(tmp_path: Path) -> None:
    data = bytearray(V1ONLY.read_bytes())
    rec = _cd_record(bytes(data), b"classes.dex")
    data[rec + 20 : rec + 24] = struct.pack("<I", 0x7FFFFFF0)
    assert "classes.dex" in _rejected(_write(tmp_path, bytes(data)))


def test_uncompressed_size_lies_smaller(tmp_path: Path) -> None:
    """A deflated entry that inflates past its declared size stops right there (the ZIP bomb's trick)."""
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = bomb.compress(bytes(50 << 20)) + bomb.flush()
    manifest = read_entry(OFFICIAL, "AndroidManifest.xml", max_size=1 << 20)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("AndroidManifest.xml", manifest)
        z.writestr(zipfile.ZipInfo("assets/bomb.bin"), b"")
    data = bytearray(buf.getvalue())
    # Splice the bomb in as the data of assets/bomb.bin, declaring 1000 bytes uncompressed.
    lfh = data.find(b"PK\x03\x04", 30)
    name_len = struct.unpack_from("<H", data, lfh + 26)[0]
    start = lfh + 30 + name_len
    rest = bytes(data[start:])
    data = data[:start] + payload + rest
    struct.pack_into("<H", data, lfh + 8, 8)  # deflated
    struct.pack_into("<III", data, lfh + 14, 0, len(payload), 1000)  # crc, sizes
    rec = _cd_record(bytes(data), b"assets/bomb.bin")
    struct.pack_into("<HHHIII", data, rec + 10, 8, 0, 0, 0, len(payload), 1000)
    pos = _eocd(bytes(data))
    struct.pack_into("<I", data, pos + 16, struct.unpack_from("<I", data, pos + 16)[0] + len(payload))
    path = _write(tmp_path, bytes(data))
    with bounded(), pytest.raises(ApkFormatError, match="more than its declared 1000"):
        read_entry(path, "assets/bomb.bin", max_size=10 << 20)
    reason = _rejected(path)
    assert reason


def test_zip_bomb_manifest_is_refused_before_inflating(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("AndroidManifest.xml", bytes(64 << 20))
    path = _write(tmp_path, buf.getvalue())
    assert path.stat().st_size < 200_000
    assert "too large" in _rejected(path)
    with bounded(), pytest.raises(ApkFormatError, match="too large"):
        read_entry(path, "AndroidManifest.xml", max_size=1 << 20)


def test_inflated_total_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A v1 APK whose entries inflate beyond the budget is refused as a probable ZIP bomb."""
    monkeypatch.setattr(signing, "MAX_INFLATED", 1024)
    with pytest.raises(ApkFormatError, match="ZIP bomb"):
        verify_apk(V1ONLY)


def test_zip64_is_refused(tmp_path: Path) -> None:
    data = bytearray(OFFICIAL.read_bytes())
    pos = _eocd(bytes(data))
    locator = b"PK\x06\x07" + bytes(16)
    data = data[:pos] + locator + data[pos:]
    with pytest.raises(ApkFormatError, match="ZIP64"):
        verify_apk(_write(tmp_path, bytes(data)))


# ------------------------------------------------------------------------------- lying signing block


def _block_start(data: bytes) -> tuple[int, int]:
    magic = data.find(b"APK Sig Block 42")
    size = int.from_bytes(data[magic - 8 : magic], "little")
    return magic + 16 - size - 8, magic


@pytest.mark.parametrize("where", ["footer-size", "header-size", "pair-length"])
def test_signing_block_with_lying_lengths_counts_as_absent(where: str, tmp_path: Path) -> None:
    """apksig treats a signing block whose own lengths lie as missing; the JAR header then catches it."""
    data = bytearray(OFFICIAL.read_bytes())
    start, magic = _block_start(bytes(data))
    if where == "footer-size":
        data[magic - 8 : magic] = struct.pack("<Q", 1 << 40)
    elif where == "header-size":
        data[start : start + 8] = struct.pack("<Q", 12345)
    else:
        data[start + 8 : start + 16] = struct.pack("<Q", 1 << 31)
    path = _write(tmp_path, bytes(data))
    report = verify_apk(path)
    assert not report.verified
    assert not report.schemes["v2"].present and not report.schemes["v3"].present
    assert any("stripped" in e for e in report.errors)


def test_v3_signer_with_lying_length_is_an_error(tmp_path: Path) -> None:
    parts = split_apk(OFFICIAL.read_bytes())
    pairs = dict(parts.pairs)
    v3 = bytearray(pairs[V3_ID])
    struct.pack_into("<I", v3, 4, len(v3) * 4)  # first signer's length
    parts.pairs = [(i, bytes(v3) if i == V3_ID else v) for i, v in parts.pairs]
    report = verify_apk(_write(tmp_path, join_apk(parts)))
    assert not report.verified
    assert any("v3 signer #1: malformed signer" in e for e in report.errors)


# ------------------------------------------------------------------ regressions found by fuzzing


def _against_apksigner(path: Path, expect_verified: bool) -> None:
    report = verify_apk(path)
    assert report.verified is expect_verified, report.errors
    if apksigner_available():
        assert (apksigner_verify(path).outcome == "verifies") is expect_verified


def test_regression_empty_v3_signer_list_is_ignored_like_apksigner(tmp_path: Path) -> None:
    """apksig drops block-level errors (no signers): v3 stays unverified, v1+v2 carry the APK."""
    parts = split_apk(OFFICIAL.read_bytes())
    parts.pairs = [(i, struct.pack("<I", 0) if i == V3_ID else v) for i, v in parts.pairs]
    path = _write(tmp_path, join_apk(parts))
    _against_apksigner(path, True)
    report = verify_apk(path)
    assert report.schemes["v3"].present and not report.schemes["v3"].verified
    assert report.schemes["v2"].verified and any("no signers" in w for w in report.warnings)


def test_regression_unknown_compression_method_inflates(tmp_path: Path) -> None:
    """Android inflates every entry whose method is not STORED, whatever the number says."""
    data = bytearray(V1ONLY.read_bytes())
    rec = _cd_record(bytes(data), b"AndroidManifest.xml")
    assert struct.unpack_from("<H", data, rec + 10)[0] == 8
    struct.pack_into("<H", data, rec + 10, 99)
    _against_apksigner(_write(tmp_path, bytes(data)), True)


def test_regression_broken_certificate_in_pkcs7_is_refused(tmp_path: Path) -> None:
    """A flipped tag in the certificate's signature field: Java refuses the certificate, so must we."""
    original = read_entry(V1ONLY, "META-INF/OFFICIAL.RSA", max_size=1 << 20)
    # The certificate's own signature: BIT STRING right after its sha256WithRSAEncryption identifier.
    marker = bytes.fromhex("2a864886f70d01010b0500")
    tag = original.find(marker, original.find(marker) + 1) + len(marker)
    assert original[tag] == 0x03
    broken = bytearray(original)
    broken[tag] = 0x68
    path = tmp_path / "bad.apk"
    with zipfile.ZipFile(V1ONLY) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = bytes(broken) if info.filename == "META-INF/OFFICIAL.RSA" else src.read(info)
            dst.writestr(info, data)
    _against_apksigner(path, False)
    assert any("unreadable certificate" in e for e in verify_apk(path).errors)


def test_regression_target_sdk_30_needs_a_verified_v2(tmp_path: Path) -> None:
    """repackaged.apk targets API 33: with its v2 block broken, its valid v1 signature is not enough."""
    parts = split_apk(REPACKAGED.read_bytes())
    parts.pairs = [(i, struct.pack("<I", 0)) for i, _ in parts.pairs]
    path = _write(tmp_path, join_apk(parts))
    _against_apksigner(path, False)
    assert any("targetSdkVersion 33" in e for e in verify_apk(path).errors)


def test_strict_verifier_raises_only_format_errors(tmp_path: Path) -> None:
    """The last-resort conversion in verify_apk is a safety net, not how bad input is handled."""
    with pytest.raises(ApkFormatError):
        signing._verify(_write(tmp_path, b"PK\x05\x06" + bytes(18)), min_sdk=None, max_sdk=signing.MAX_SDK)


def test_signing_block_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pair walk and the scheme values are bounded; past the caps the file is refused or the rest
    of the block ignored, never read whole."""
    from scanners.apk import sigblock

    monkeypatch.setattr(sigblock, "MAX_SCHEME_VALUE", 100)
    with pytest.raises(ApkFormatError, match="too large"):
        verify_apk(OFFICIAL)
    monkeypatch.setattr(sigblock, "MAX_SCHEME_VALUE", 16 << 20)
    monkeypatch.setattr(sigblock, "MAX_PAIRS", 1)  # only the v2 pair is seen: v3 looks stripped
    report = verify_apk(OFFICIAL)
    assert not report.verified
    assert report.schemes["v2"].present and not report.schemes["v3"].present
    assert any("APK Signature Scheme v3" in e for e in report.errors)
