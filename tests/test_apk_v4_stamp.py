"""APK Signature Scheme v4 (`FILE.apk.idsig`) and SourceStamp: real signed APKs, every corruption judged by
both oracles (Debian's apksigner 31 and `../shared/tools/apksigner-aosp14.jar`, skipped when absent) and by
us. The expectations are written out per case, so the tests keep their meaning where no oracle is installed.

v4: apksigner only reads an .idsig given with `--v4-signature-file`; we read the one beside the APK and
answer what apksigner says with that option: a v4 file that fails by itself leaves the APK verified
("Verified using v4 scheme: false"); one that verifies but pairs with another signer or digest makes
apksigner reject the APK; one it cannot read makes it stop with an exception (the APK keeps its verdict).
SourceStamp: never the APK's verdict, only "Verified for SourceStamp"; where the oracles differ (Debian's 31
warns about aosp14's timestamp attribute) we follow aosp14.
"""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from scanners.apk.signing import SigningReport, verify_apk
from tests.apk_signing_helpers import (
    AOSP14_JAR,
    ApkParts,
    aosp14_available,
    available_oracles,
    build_unsigned,
    join_apk,
    load_p12,
    lp,
    make_key,
    oracle_verify,
    raw_sign,
    sign,
    signer_args,
    split_apk,
    tools_available,
)

pytestmark = pytest.mark.skipif(not tools_available(), reason="aapt/apksigner/framework-res not installed")
V2_STAMP = 0x6DFF800D
STAMP_TIME = 0xE43C5946


def aosp14_sign(unsigned: Path, out: Path, *args: str) -> Path:
    """Sign with the aosp14 jar (it writes OUT.idsig beside OUT when v4 is on)."""
    proc = subprocess.run(
        ["java", "-jar", str(AOSP14_JAR), "sign", *args, "--out", str(out), str(unsigned)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


def rotate(out: Path, old: Path, new: Path) -> Path:
    """`apksigner rotate` (aosp14): a lineage in which `old`'s key endorses `new`'s."""
    args = ["java", "-jar", str(AOSP14_JAR), "rotate", "--out", str(out)]
    for flag, ks in (("--old-signer", old), ("--new-signer", new)):
        args += [flag, *signer_args(ks)]
    subprocess.run(args, check=True, capture_output=True, timeout=300)
    return out


@dataclass
class Built:
    folder: Path
    unsigned: Path
    app: Path  # keystores
    stamp: Path
    other: Path
    apk: Path  # Debian-signed: v2 + v3, v4, SourceStamp
    idsig: bytes


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    d = tmp_path_factory.mktemp("v4stamp")
    unsigned = build_unsigned(d, "u24", 24, target_sdk=29)
    app, stamp, other = (
        make_key(d, "app", "RSA", 2048),
        make_key(d, "stamp", "RSA", 2048),
        make_key(d, "other", "EC"),
    )
    apk = sign(unsigned, d / "signed.apk", [app], "--v4-signing-enabled", "true",
               "--stamp-signer", *signer_args(stamp))  # fmt: skip
    idsig = Path(str(apk) + ".idsig")
    data = idsig.read_bytes()
    idsig.unlink()
    return Built(d, unsigned, app, stamp, other, apk, data)


# ----------------------------------------------------------------------- the .idsig, taken apart and rebuilt


@dataclass
class Idsig:
    version: int
    hash_alg: int
    log2: int
    salt: bytes
    root: bytes
    infos: list[dict[str, bytes | int]]
    extra_blocks: bytes  # SigningInfoBlocks after the first signing info, as stored
    tree: bytes | None


def _rd(data: bytes, pos: int) -> tuple[bytes, int]:
    (n,) = struct.unpack_from("<I", data, pos)
    return data[pos + 4 : pos + 4 + n], pos + 4 + n


def parse_idsig(data: bytes) -> Idsig:
    (version,) = struct.unpack_from("<I", data, 0)
    hashing, pos = _rd(data, 4)
    infos, pos = _rd(data, pos)
    tree = _rd(data, pos)[0] if pos < len(data) else None
    hash_alg, log2 = struct.unpack_from("<IB", hashing, 0)
    salt, q = _rd(hashing, 5)
    root, _ = _rd(hashing, q)
    fields: dict[str, bytes | int] = {}
    q = 0
    for name in ("apk_digest", "cert", "additional", "public_key"):
        fields[name], q = _rd(infos, q)
    (fields["alg"],) = struct.unpack_from("<I", infos, q)
    fields["signature"], q = _rd(infos, q + 4)
    return Idsig(version, hash_alg, log2, salt, root, [fields], infos[q:], tree)


def merkle(data: bytes) -> tuple[bytes, bytes]:
    """Root hash and tree of a whole file, written plainly (unsalted SHA-256 over 4 KiB pages)."""

    def level(b: bytes) -> bytes:
        b += bytes(-len(b) % 4096)
        out = b"".join(hashlib.sha256(b[i : i + 4096]).digest() for i in range(0, len(b), 4096))
        return out + bytes(-len(out) % 4096)

    levels = [level(data)]
    while len(levels[-1]) > 4096:
        levels.append(level(levels[-1]))
    tree = b"".join(reversed(levels))
    return hashlib.sha256(tree[:4096]).digest(), tree


def build_idsig(s: Idsig, apk_size: int, keys: list[object] | None = None) -> bytes:
    """Serialise `s`; with `keys`, sign each signing info again (else keep its signature)."""
    hashing = struct.pack("<IB", s.hash_alg, s.log2) + lp(s.salt) + lp(s.root)
    infos = b""
    for i, info in enumerate(s.infos):
        parts = [s.salt, s.root, info["apk_digest"], info["cert"], info["additional"]]
        assert all(isinstance(p, bytes) for p in parts)
        signed = struct.pack("<IqIB", 17 + sum(4 + len(p) for p in parts), apk_size, s.hash_alg, s.log2)
        signed += b"".join(lp(p) for p in parts)
        alg = int(info["alg"])
        signature = raw_sign(keys[i], alg, signed) if keys else info["signature"]
        infos += b"".join(lp(info[k]) for k in ("apk_digest", "cert", "additional", "public_key"))
        infos += struct.pack("<I", alg) + lp(signature)
    out = struct.pack("<I", s.version) + lp(hashing) + lp(infos + s.extra_blocks)
    return out if s.tree is None else out + lp(s.tree)


def _v4_case(name: str, b: Built) -> bytes:
    """The .idsig of one case, made from the real one apksigner wrote for `b.apk`."""
    real = b.idsig
    s = parse_idsig(real)
    apk = b.apk.read_bytes()
    app_key, _ = load_p12(b.app)
    if name == "valid":
        return real
    if name == "flip_root":  # the signed root hash changed: the signature no longer verifies
        s.root = bytes([s.root[0] ^ 1]) + s.root[1:]
        return build_idsig(s, len(apk))
    if name == "flip_signature":
        sig = s.infos[0]["signature"]
        assert isinstance(sig, bytes)
        s.infos[0]["signature"] = sig[:-1] + bytes([sig[-1] ^ 1])
        return build_idsig(s, len(apk))
    if name == "flip_tree":
        assert s.tree is not None
        s.tree = s.tree[:-1] + bytes([s.tree[-1] ^ 1])
        return build_idsig(s, len(apk))
    if name == "no_tree":
        s.tree = None
        return build_idsig(s, len(apk))
    if name == "truncated_tree":  # apksig reads a cut-short tree as no tree
        return real[:-10]
    if name == "wrong_root_signed":  # a valid signature over a root hash that is not this file's
        s.root, s.tree = bytes(32), None
        return build_idsig(s, len(apk), [app_key])
    if name == "salted":  # the salt is signed but apksig builds the tree without it
        s.salt = b"saltsalt"
        return build_idsig(s, len(apk), [app_key])
    if name == "other_algorithm_fields":  # hash algorithm and block size: signed, not used
        s.hash_alg, s.log2 = 2, 13
        return build_idsig(s, len(apk), [app_key])
    if name == "other_key":  # right root hash, signed by another key: apksigner rejects the APK
        other_key, other_cert = load_p12(b.other)
        spki = other_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        s.infos[0].update(cert=other_cert, public_key=spki, alg=0x0201)
        return build_idsig(s, len(apk), [other_key])
    if name == "wrong_apk_digest":  # signed by the right key, pairs with another v2/v3 digest: rejected
        s.infos[0]["apk_digest"] = bytes(32)
        return build_idsig(s, len(apk), [app_key])
    if name == "version_3":  # apksig reads only version 2 and stops with an exception
        s.version = 3
        return build_idsig(s, len(apk))
    if name == "empty":
        return b""
    raise AssertionError(name)


# case: aosp14's answer with --v4-signature-file: "verifies" (and its v4 line), "rejects", or "invalid"
# (apksigner stops with an exception). Debian's 31 answers the same in every one of these cases.
V4_CASES = {
    "valid": ("verifies", True),
    "flip_root": ("verifies", False),
    "flip_signature": ("verifies", False),
    "flip_tree": ("verifies", False),
    "no_tree": ("verifies", True),
    "truncated_tree": ("verifies", True),
    "wrong_root_signed": ("verifies", False),
    "salted": ("verifies", True),
    "other_algorithm_fields": ("verifies", True),
    "other_key": ("rejects", False),
    "wrong_apk_digest": ("rejects", False),
    "version_3": ("invalid", False),
    "empty": ("invalid", False),
}


def judge_v4(apk: Path, idsig: bytes, expected: dict[str, tuple[str, bool]]) -> SigningReport:
    """Write `idsig` beside `apk`; each installed oracle must answer as `expected` says for it, and ours
    must be aosp14's: the APK's verdict, and the v4 verdict."""
    path = Path(str(apk) + ".idsig")
    path.write_bytes(idsig)
    ours = verify_apk(apk)
    assert ours.v4 is not None and ours.v4.present and ours.v4.checked
    for oracle in available_oracles():
        theirs = oracle_verify(oracle, apk, v4=path)
        outcome, v4_ok = expected[oracle]
        assert theirs.outcome == outcome, f"{oracle}: {theirs.text}"
        if outcome == "verifies":
            assert theirs.schemes.get("v4") is v4_ok, f"{oracle}: {theirs.text}"
    outcome, v4_ok = expected["aosp14"]
    assert ours.verified is (outcome != "rejects"), (ours.errors, ours.v4.errors)
    assert ours.v4.verified is v4_ok, ours.v4.errors
    assert ours.v4.rejects_apk is (outcome == "rejects")
    assert bool(ours.v4.errors) is not v4_ok
    return ours


@pytest.mark.parametrize("case", sorted(V4_CASES))
def test_v4_cases_match_both_oracles(case: str, built: Built, tmp_path: Path) -> None:
    apk = tmp_path / "app.apk"
    shutil.copy(built.apk, apk)
    both = {"debian": V4_CASES[case], "aosp14": V4_CASES[case]}
    ours = judge_v4(apk, _v4_case(case, built), both)
    app_sha = hashlib.sha256(load_p12(built.app)[1]).hexdigest()
    if V4_CASES[case][1]:
        assert ours.v4 is not None and ours.v4.signer is not None and ours.v4.signer.sha256 == app_sha
        assert [c.sha256 for c in ours.signers] == [app_sha]
    if case == "other_key":
        assert any("mismatched certificates" in e for e in ours.errors), ours.errors
        assert not ours.signers  # apksigner prints no signer for a rejected APK
    if case == "wrong_root_signed":
        assert ours.v4 is not None and "hash tree root" in ours.v4.errors[0]
    # Without the .idsig (apksigner's plain `verify`) the APK verifies in every case.
    Path(str(apk) + ".idsig").unlink()
    plain = verify_apk(apk)
    assert plain.verified and plain.v4 is None


def test_v4_of_another_apk(built: Built, tmp_path: Path) -> None:
    """The real .idsig of another build (another key, other bytes): v4 false, the APK still verifies."""
    other = sign(built.unsigned, tmp_path / "other.apk", [built.other], "--v4-signing-enabled", "true")
    apk = tmp_path / "app.apk"
    shutil.copy(built.apk, apk)
    expected = {"debian": ("verifies", False), "aosp14": ("verifies", False)}
    ours = judge_v4(apk, Path(str(other) + ".idsig").read_bytes(), expected)
    assert ours.v4 is not None and ours.v4.signer is not None
    assert ours.v4.signer.sha256 == hashlib.sha256(load_p12(built.other)[1]).hexdigest()


def test_v4_json_and_bounds(built: Built, tmp_path: Path) -> None:
    """`--json` fields; a hostile salt is shown bounded; a file over MAX_IDSIG_SIZE is not read."""
    from scanners.apk import signing

    apk = tmp_path / "app.apk"
    shutil.copy(built.apk, apk)
    idsig = Path(str(apk) + ".idsig")
    idsig.write_bytes(built.idsig)
    d = verify_apk(apk).to_dict()["v4"]
    assert isinstance(d, dict)
    assert d["checked"] is True and d["verified"] is True and d["errors"] == [] and d["rejects_apk"] is False
    assert d["signer_sha256"] == hashlib.sha256(load_p12(built.app)[1]).hexdigest()
    assert d["version"] == 2 and d["hash_algorithm"] == 1 and d["log2_block_size"] == 12 and d["tree"] is True
    s = parse_idsig(built.idsig)
    s.salt = b"\xff" * 5000
    idsig.write_bytes(build_idsig(s, apk.stat().st_size, [load_p12(built.app)[0]]))
    d = verify_apk(apk).to_dict()["v4"]
    assert isinstance(d, dict) and d["verified"] is True and len(str(d["salt"])) <= 2 * 64 + 1
    with open(idsig, "wb") as f:
        f.truncate(signing.MAX_IDSIG_SIZE + 1)
    report = verify_apk(apk)
    assert report.verified and report.v4 is not None and not report.v4.verified
    assert "not read" in report.v4.errors[0]


@pytest.mark.skipif(not aosp14_available(), reason="../shared/tools/apksigner-aosp14.jar or java absent")
def test_v4_with_v31_rotation(built: Built, tmp_path: Path) -> None:
    """aosp14 signs a rotated APK (v3 old key, v3.1 new key) with two v4 signing infos and checks each
    against its block. An .idsig with only the first makes aosp14 stop with an exception while Debian's 31
    (no v3.1) verifies: we follow aosp14 (v4 false) and leave the APK verified."""
    lineage = rotate(tmp_path / "lineage", built.app, built.stamp)
    signers = [*signer_args(built.app), "--next-signer", *signer_args(built.stamp), "--lineage", str(lineage)]
    apk = aosp14_sign(built.unsigned, tmp_path / "rotated.apk", *signers, "--v4-signing-enabled", "true")
    idsig = Path(str(apk) + ".idsig")
    real = idsig.read_bytes()
    assert parse_idsig(real).extra_blocks, "aosp14 writes a second signing info for v3.1"
    expected = {"debian": ("verifies", True), "aosp14": ("verifies", True)}
    ours = judge_v4(apk, real, expected)
    assert ours.schemes["v3.1"].verified and ours.v4 is not None and ours.v4.details["signing_infos"] == 2
    first_only = parse_idsig(real)
    first_only.extra_blocks = b""
    expected = {"debian": ("verifies", True), "aosp14": ("invalid", False)}
    ours = judge_v4(apk, build_idsig(first_only, apk.stat().st_size), expected)
    assert ours.v4 is not None and "v3.1" in ours.v4.errors[-1]


def test_v4_on_a_v1_only_apk(built: Built, tmp_path: Path) -> None:
    """A v4 file beside an APK with no v2/v3 signature: apksig verifies the v4 file itself, then stops
    with an exception ("V4 signature must be also verified with V2/V3"). The APK keeps its verdict."""
    apk = sign(built.unsigned, tmp_path / "v1.apk", [built.app], "--v2-signing-enabled", "false",
               "--v3-signing-enabled", "false", "--min-sdk-version", "24")  # fmt: skip
    Path(str(apk) + ".idsig").unlink(missing_ok=True)
    s = parse_idsig(built.idsig)
    data = apk.read_bytes()
    s.root, s.tree = merkle(data)
    expected = {"debian": ("invalid", False), "aosp14": ("invalid", False)}
    ours = judge_v4(apk, build_idsig(s, len(data), [load_p12(built.app)[0]]), expected)
    assert ours.schemes["v1"].verified and "V2/V3" in ours.v4.errors[0]


# ------------------------------------------------------------------------------------------- SourceStamp


def _stamp_parts(apk: Path) -> tuple[ApkParts, dict[str, bytes]]:
    parts = split_apk(apk.read_bytes())
    value = dict(parts.pairs)[V2_STAMP]
    stamp, _ = _rd(value, 0)
    fields: dict[str, bytes] = {}
    pos = 0
    for name in ("cert", "digests", "attrs", "attr_sigs"):
        fields[name], pos = _rd(stamp, pos) if pos < len(stamp) else (b"", pos)
    return parts, fields


def _with_stamp(apk: Path, out: Path, fields: dict[str, bytes] | None, block_id: int = V2_STAMP) -> Path:
    parts, _ = _stamp_parts(apk)
    pairs = [(i, v) for i, v in parts.pairs if i != V2_STAMP]
    if fields is not None:
        body = b"".join(lp(fields[k]) for k in ("cert", "digests", "attrs", "attr_sigs"))
        pairs.insert(0, (block_id, lp(body)))
    parts.pairs = pairs
    out.write_bytes(join_apk(parts))
    return out


def _attrs(entries: list[tuple[int, bytes]]) -> bytes:
    body = b"".join(lp(struct.pack("<I", i) + v) for i, v in entries)
    return struct.pack("<I", len(body)) + body


def _sign_attrs(fields: dict[str, bytes], key: object, attrs: bytes) -> None:
    """Replace the stamp attributes and sign them with the stamp key, with the algorithms used before."""
    algs, pos = [], 0
    while pos < len(fields["attr_sigs"]):
        one, pos = _rd(fields["attr_sigs"], pos)
        algs.append(struct.unpack_from("<I", one, 0)[0])
    fields["attrs"] = attrs
    fields["attr_sigs"] = b"".join(lp(struct.pack("<I", a) + lp(raw_sign(key, a, attrs))) for a in algs)


def _flip_last(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def judge_stamp(apk: Path, *, debian: bool, aosp14: bool) -> SigningReport:
    """The APK verifies for every oracle and for us; "Verified for SourceStamp" as each oracle says, ours
    as aosp14's; the stamp signer each prints is ours."""
    ours = verify_apk(apk)
    assert ours.verified, ours.errors
    stamp = ours.source_stamp
    assert stamp is not None and stamp.present and stamp.checked
    assert stamp.verified is aosp14, stamp.warnings
    assert bool(stamp.warnings) is not aosp14
    for oracle in available_oracles():
        theirs = oracle_verify(oracle, apk)
        assert theirs.outcome == "verifies", f"{oracle}: {theirs.text}"
        assert theirs.schemes.get("source_stamp") is (debian if oracle == "debian" else aosp14), theirs.text
        if theirs.stamp_sha256 is not None:
            assert stamp.signer is not None and stamp.signer.sha256 == theirs.stamp_sha256, oracle
    return ours


def test_stamp_valid_debian(built: Built) -> None:
    ours = judge_stamp(built.apk, debian=True, aosp14=True)
    stamp = ours.source_stamp
    assert stamp is not None and stamp.signer is not None
    assert stamp.signer.sha256 == hashlib.sha256(load_p12(built.stamp)[1]).hexdigest()
    d = ours.to_dict()["source_stamp"]
    assert isinstance(d, dict) and d["checked"] is True and d["verified"] is True and d["warnings"] == []
    assert d["signer_sha256"] == stamp.signer.sha256


@pytest.mark.skipif(not aosp14_available(), reason="../shared/tools/apksigner-aosp14.jar or java absent")
def test_stamp_by_aosp14_with_timestamp_and_lineage(built: Built, tmp_path: Path) -> None:
    """aosp14 stamps carry a timestamp attribute, which Debian's 31 does not know ("Unknown stamp
    attribute": stamp false); aosp14 verifies it. We follow aosp14. A stamp lineage (rotated stamp key)
    is verified and reported."""
    apk = aosp14_sign(built.unsigned, tmp_path / "a14.apk", *signer_args(built.app),
                      "--stamp-signer", *signer_args(built.stamp))  # fmt: skip
    ours = judge_stamp(apk, debian=False, aosp14=True)
    assert ours.source_stamp is not None and isinstance(ours.source_stamp.details["timestamp"], int)
    new_stamp = make_key(tmp_path, "stamp2", "RSA", 2048)
    lineage = rotate(tmp_path / "stamp-lineage", built.stamp, new_stamp)
    rotated = aosp14_sign(built.unsigned, tmp_path / "a14-rot.apk", *signer_args(built.app), "--stamp-signer",
                          *signer_args(new_stamp), "--stamp-lineage", str(lineage))  # fmt: skip
    ours = judge_stamp(rotated, debian=False, aosp14=True)
    stamp = ours.source_stamp
    assert stamp is not None and stamp.signer is not None
    assert [c.sha256 for c in stamp.lineage] == [
        hashlib.sha256(load_p12(built.stamp)[1]).hexdigest(),
        stamp.signer.sha256,
    ]
    # The lineage's last certificate must be the stamp's: a lineage of another stamp key is refused.
    _, fields = _stamp_parts(rotated)
    _, plain = _stamp_parts(apk)
    lineage_value = _lineage_attr(fields["attrs"])
    _sign_attrs(plain, load_p12(built.stamp)[0], _attrs([(0x9D6303F7, lineage_value)]))
    ours = judge_stamp(_with_stamp(apk, tmp_path / "a14-badlin.apk", plain), debian=False, aosp14=False)
    assert ours.source_stamp is not None and "SigningCertificateLineage" in ours.source_stamp.warnings[0]


def _lineage_attr(attrs: bytes) -> bytes:
    inner, _ = _rd(attrs, 0)
    pos = 0
    while pos < len(inner):
        one, pos = _rd(inner, pos)
        if struct.unpack_from("<I", one, 0)[0] == 0x9D6303F7:
            return one[4:]
    raise AssertionError("no lineage attribute")


STAMP_CASES = {  # case: (Debian's "Verified for SourceStamp", aosp14's, a word of our warning)
    "digest_signature_flipped": (False, False, "did not verify"),
    "attribute_signature_flipped": (False, False, "did not verify"),
    "certificate_of_another_key": (False, False, "Certificate mismatch"),
    "block_removed": (False, False, "No SourceStamp signature"),
    "zero_timestamp": (False, False, "timestamp"),
    "unknown_attribute": (False, True, ""),  # aosp14: an info message; Debian's 31: a warning
    "as_v1_block": (False, False, "No SourceStamp signature"),  # no apksig verifies v1 stamp blocks
}


@pytest.mark.parametrize("case", sorted(STAMP_CASES))
def test_stamp_tampered(case: str, built: Built, tmp_path: Path) -> None:
    """The stamp lives in the signing block, outside what v2/v3 sign: changed, the APK still verifies
    (every oracle), only the stamp fails."""
    _, fields = _stamp_parts(built.apk)
    stamp_key = load_p12(built.stamp)[0]
    new: dict[str, bytes] | None = dict(fields)
    assert new is not None
    if case == "digest_signature_flipped":
        new["digests"] = _flip_last(fields["digests"])
    elif case == "attribute_signature_flipped":
        new["attr_sigs"] = _flip_last(fields["attr_sigs"])
    elif case == "certificate_of_another_key":
        new["cert"] = load_p12(built.other)[1]
    elif case == "block_removed":
        new = None
    elif case == "zero_timestamp":
        _sign_attrs(new, stamp_key, _attrs([(STAMP_TIME, struct.pack("<q", 0))]))
    elif case == "unknown_attribute":
        _sign_attrs(new, stamp_key, _attrs([(0x12345678, b"hello")]))
    block_id = 0x2B09189E if case == "as_v1_block" else V2_STAMP
    apk = _with_stamp(built.apk, tmp_path / f"{case}.apk", new, block_id)
    debian, aosp14, word = STAMP_CASES[case]
    ours = judge_stamp(apk, debian=debian, aosp14=aosp14)
    stamp = ours.source_stamp
    assert stamp is not None
    if word:
        assert word in stamp.warnings[0], stamp.warnings
    if case == "unknown_attribute":
        assert any("Unknown stamp attribute: ID 0x12345678" in n for n in stamp.notes)
    if case in ("block_removed", "as_v1_block"):
        assert stamp.signer is None
    if case == "as_v1_block":
        assert "v1 stamp" in stamp.source and any("v1 stamps" in n for n in stamp.notes)


def test_stamp_not_checked_on_a_tampered_apk(built: Built, tmp_path: Path) -> None:
    """apksigner looks at the stamp only once the APK verifies: on content changed after signing the stamp
    is described, not checked."""
    data = bytearray(built.apk.read_bytes())
    pos = data.index(b"hello\n")
    data[pos] ^= 0x20
    apk = tmp_path / "changed.apk"
    apk.write_bytes(bytes(data))
    ours = verify_apk(apk)
    assert not ours.verified
    assert ours.source_stamp is not None and not ours.source_stamp.checked and not ours.source_stamp.verified
    assert ours.source_stamp.signer is not None
    for oracle in available_oracles():
        theirs = oracle_verify(oracle, apk)
        assert theirs.outcome == "rejects", theirs.text


# ------------------------------------------------------------------------------------ what `fakeapp apk` says


def test_cli_reports_v4_and_stamp(built: Built, tmp_path: Path) -> None:
    """Human output has apksigner's --verbose lines; `--json` has `v4` and `source_stamp` checked, with
    the reasons saying what failed while the APK itself still verifies."""
    import json

    from click.testing import CliRunner

    from bot.cli import main

    config = Path(__file__).resolve().parent.parent / "data" / "brands.toml"
    _, fields = _stamp_parts(built.apk)
    apk = _with_stamp(built.apk, tmp_path / "cli.apk", {**fields, "digests": _flip_last(fields["digests"])})
    s = parse_idsig(built.idsig)
    s.root, s.tree = merkle(apk.read_bytes())
    Path(str(apk) + ".idsig").write_bytes(build_idsig(s, apk.stat().st_size, [load_p12(built.app)[0]]))

    def run(*extra: str) -> str:
        args = ["apk", str(apk), *extra, "--db", str(tmp_path / "t.db"), "--config", str(config)]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        return result.stdout

    text = run()
    assert "Verified using v4 scheme (APK Signature Scheme v4): true  (cli.apk.idsig)" in text, text
    assert "Verified for SourceStamp: false" in text
    stamp_sha = hashlib.sha256(load_p12(built.stamp)[1]).hexdigest()
    assert f"Source Stamp Signer certificate SHA-256 digest: {stamp_sha}" in text
    assert "SourceStamp: RSA_PKCS1_V1_5_WITH_SHA256 signature over signed-data did not verify" in text
    d = json.loads(run("--json"))
    assert d["signature_verified"] is True and d["verdict"] != "tampered"
    assert d["v4"]["checked"] is True and d["v4"]["verified"] is True
    assert d["source_stamp"]["checked"] is True and d["source_stamp"]["verified"] is False
    assert d["source_stamp"]["signer_sha256"] == stamp_sha
    codes = [r["code"] for r in d["reasons"]]
    assert "source_stamp_not_verified" in codes and "v4_signature_not_verified" not in codes
    # The v4 file of another key over this very file: apksigner rejects the APK, and so do we.
    other_key, other_cert = load_p12(built.other)
    spki = other_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    s.infos[0].update(cert=other_cert, public_key=spki, alg=0x0201)
    Path(str(apk) + ".idsig").write_bytes(build_idsig(s, apk.stat().st_size, [other_key]))
    d = json.loads(run("--json"))
    assert d["verdict"] == "tampered" and d["signature_verified"] is False
    assert d["v4"]["rejects_apk"] is True
    assert any("mismatched certificates" in r["en"] for r in d["reasons"]), d["reasons"]


def test_hostile_idsig_and_stamp_never_break_the_apk_check(built: Built, tmp_path: Path) -> None:
    """Mutated .idsig files and stamp blocks (seeded, 150 each) are reported, never raise, and only a v4
    file that pairs wrongly could change the APK's verdict; a flood of signing infos is cut short."""
    import random

    rng = random.Random(11)
    apk = tmp_path / "app.apk"
    shutil.copy(built.apk, apk)
    idsig = Path(str(apk) + ".idsig")
    for _ in range(150):
        data = bytearray(built.idsig)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(min(len(data), 1600))] = rng.randrange(256)
        idsig.write_bytes(bytes(data[: rng.choice([len(data), rng.randrange(len(data))])]))
        report = verify_apk(apk)
        assert report.v4 is not None and report.v4.checked
        assert report.verified or report.v4.rejects_apk
    s = parse_idsig(built.idsig)
    block = parse_idsig(built.idsig)
    first = build_idsig(block, 0)
    info = _rd(first, 4 + 4 + len(_rd(first, 4)[0]))[0]
    s.extra_blocks = (struct.pack("<I", 1) + lp(info)) * 40
    idsig.write_bytes(build_idsig(s, apk.stat().st_size))
    report = verify_apk(apk)
    assert report.verified and report.v4 is not None and "signing infos" in report.v4.errors[0]
    idsig.unlink()
    _, fields = _stamp_parts(built.apk)
    body = b"".join(lp(fields[k]) for k in ("cert", "digests", "attrs", "attr_sigs"))
    for i in range(150):
        data = bytearray(lp(body))
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        parts, _ = _stamp_parts(built.apk)
        parts.pairs = [(V2_STAMP if pid == V2_STAMP else pid, bytes(data) if pid == V2_STAMP else v)
                       for pid, v in parts.pairs]  # fmt: skip
        mutated = tmp_path / f"m{i}.apk"
        mutated.write_bytes(join_apk(parts))
        report = verify_apk(mutated)
        assert report.verified and report.source_stamp is not None and report.source_stamp.checked
