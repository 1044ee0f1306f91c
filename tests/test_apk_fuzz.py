"""Fuzz the APK reader and verifier: mutated real signed APKs give a report or ApkFormatError, nothing else.

The strict entry point (`signing._verify`, without verify_apk's last-resort conversion of unexpected
exceptions) is fuzzed, so a parser bug shows up as a failure here instead of hiding behind the safety net.
Cases found by fuzzing are kept as regression tests in test_apk_signing_bad.py.
"""

from __future__ import annotations

import contextlib
import os
import struct
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanners.apk import signing
from scanners.apk.signing import ApkFormatError, SigningReport
from scanners.apk.zipread import read_entry

CORPUS = Path(__file__).resolve().parent / "apks"
SEEDS = [
    p
    for p in (CORPUS / "official.apk", CORPUS / "official_v1only.apk", CORPUS / "official_rotated.apk")
    if p.exists()
]
pytestmark = pytest.mark.skipif(not SEEDS, reason="tests/apks corpus not built")

FUZZ = settings(
    max_examples=int(os.environ.get("APK_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check(data: bytes, tmp: Path) -> None:
    path = tmp / "fuzz.apk"
    path.write_bytes(data)
    start = time.perf_counter()
    try:
        report = signing._verify(path, min_sdk=None, max_sdk=signing.MAX_SDK)
    except ApkFormatError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert isinstance(report, SigningReport)
        assert report.verified or report.errors
    with contextlib.suppress(ApkFormatError):
        read_entry(path, "AndroidManifest.xml", max_size=1 << 20)
    assert time.perf_counter() - start < 5


def _structure_offsets(data: bytes) -> list[int]:
    """Offsets of length and offset fields: end record, central directory records, signing block sizes."""
    out = []
    eocd = data.rfind(b"PK\x05\x06")
    if eocd >= 0:
        out += [eocd + 8, eocd + 10, eocd + 12, eocd + 16, eocd + 20]
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        out += [pos + 20, pos + 24, pos + 28, pos + 30, pos + 32, pos + 42]
        pos = data.find(b"PK\x01\x02", pos + 4)
    pos = data.find(b"PK\x03\x04")
    while pos >= 0:
        out += [pos + 18, pos + 22, pos + 26, pos + 28]
        pos = data.find(b"PK\x03\x04", pos + 4)
    magic = data.find(b"APK Sig Block 42")
    if magic >= 0:
        size = int.from_bytes(data[magic - 8 : magic], "little")
        start = magic + 16 - size - 8
        out += [magic - 8, max(start, 0)]
        pos = start + 8
        while 0 <= pos < magic - 8:  # pair lengths, then lengths inside the first values
            out += [pos, pos + 12, pos + 16, pos + 20, pos + 24]
            pos += 8 + int.from_bytes(data[pos : pos + 8], "little")
    return [o for o in out if 0 <= o < len(data) - 4]


@given(
    seed=st.sampled_from(SEEDS),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), min_size=1, max_size=8),
)
@FUZZ
def test_byte_flips(seed: Path, flips: list[tuple[float, int]], tmp_path: Path) -> None:
    data = bytearray(seed.read_bytes())
    for where, xor in flips:
        data[int(where * (len(data) - 1))] ^= xor
    _check(bytes(data), tmp_path)


@given(seed=st.sampled_from(SEEDS), cut=st.floats(0, 1), keep_tail=st.booleans())
@FUZZ
def test_truncations(seed: Path, cut: float, keep_tail: bool, tmp_path: Path) -> None:
    data = seed.read_bytes()
    n = int(cut * len(data))
    _check(data[n:] if keep_tail else data[:n], tmp_path)


@given(
    seed=st.sampled_from(SEEDS),
    picks=st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.sampled_from([0, 1, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, -1, 22, 4096]),
        ),
        min_size=1,
        max_size=3,
    ),
    width=st.sampled_from([2, 4]),
)
@FUZZ
def test_length_field_corruption(
    seed: Path, picks: list[tuple[int, int]], width: int, tmp_path: Path
) -> None:
    data = bytearray(seed.read_bytes())
    offsets = _structure_offsets(bytes(data))
    for index, value in picks:
        pos = offsets[index % len(offsets)]
        if value == -1:
            value = int.from_bytes(data[pos : pos + width], "little") + 1
        value &= (1 << (8 * width)) - 1
        data[pos : pos + width] = value.to_bytes(width, "little")
    _check(bytes(data), tmp_path)


@given(seed=st.sampled_from(SEEDS), junk=st.binary(min_size=0, max_size=300), where=st.floats(0, 1))
@FUZZ
def test_insertions(seed: Path, junk: bytes, where: float, tmp_path: Path) -> None:
    data = seed.read_bytes()
    n = int(where * len(data))
    _check(data[:n] + junk + data[n:], tmp_path)


def test_structure_offsets_cover_the_signing_block() -> None:
    data = SEEDS[0].read_bytes()
    offsets = _structure_offsets(data)
    magic = data.find(b"APK Sig Block 42")
    assert magic - 8 in offsets and len(offsets) > 20
    assert struct.unpack_from("<I", data, data.rfind(b"PK\x05\x06"))[0] == 0x06054B50
