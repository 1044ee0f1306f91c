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


def _mutants(seed: Path, count: int, rng_seed: int) -> list[bytes]:
    """Deterministic length-field corruptions and tail byte flips (where the signing block and ZIP
    structures live) of one seed APK."""
    import random

    rng = random.Random(rng_seed)
    data = seed.read_bytes()
    offsets = _structure_offsets(data)
    out = []
    for _ in range(count):
        d = bytearray(data)
        if rng.random() < 0.6:
            for _ in range(rng.randint(1, 2)):
                pos, width = rng.choice(offsets), rng.choice([2, 4])
                old = int.from_bytes(d[pos : pos + width], "little")
                value = rng.choice([0, 1, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, old + 1, old - 1])
                d[pos : pos + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little")
        else:
            d[len(d) - rng.randint(1, 3000)] ^= rng.randint(1, 255)
        out.append(bytes(d))
    return out


@pytest.mark.slow
@pytest.mark.apksigner
def test_mutants_agree_with_apksigner(tmp_path: Path) -> None:
    """Differential fuzzing: on mutated real APKs, accept/reject equals apksigner's (this found four
    differences, now regression tests in test_apk_signing_bad.py)."""
    from concurrent.futures import ThreadPoolExecutor

    from scanners.apk.signing import verify_apk
    from tests.apk_signing_helpers import apksigner_available, apksigner_verify

    if not apksigner_available():
        pytest.skip("apksigner missing")
    paths = []
    for n, seed in enumerate(SEEDS):
        for i, data in enumerate(_mutants(seed, 12, 1000 + n)):
            path = tmp_path / f"{seed.stem}-{i}.apk"
            path.write_bytes(data)
            paths.append(path)

    def ours(path: Path) -> bool:
        try:
            return verify_apk(path).verified
        except ApkFormatError:
            return False

    with ThreadPoolExecutor(2) as pool:
        theirs = list(pool.map(lambda p: apksigner_verify(p).outcome == "verifies", paths))
    disagreements = [p.name for p, t in zip(paths, theirs, strict=True) if ours(p) != t]
    assert not disagreements
    assert any(theirs) and not all(theirs), "the mutants should include both outcomes"
