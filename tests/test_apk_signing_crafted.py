"""Signing blocks crafted byte by byte (algorithms, signer lists, SDK ranges, rotation lineages, forged
links), each judged by apksigner where installed: cases `apksigner sign` never makes but a forger can."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID

from scanners.apk.signing import SigningReport, verify_apk
from tests.apk_signing_helpers import (
    ApkParts,
    CraftedSigner,
    apksigner_available,
    apksigner_verify,
    dsa_generate,
    join_apk,
    lineage_value,
    pad_block_to_pages,
    scheme_block,
    self_signed,
    split_apk,
)

BASE = Path(__file__).resolve().parent / "apks" / "official_v2v3.apk"  # minSdk 24, v2 + v3
pytestmark = pytest.mark.skipif(not BASE.exists(), reason="tests/apks corpus not built")
V2, V3, V31 = 0x7109871A, 0xF05368C0, 0x1B93AD61
POR, ROTATION_MIN_SDK = 0x3BA06F8C, 0x559F8B02
MAX = 2**31 - 1


def identity(kind: str, cn: str) -> tuple[object, bytes]:
    key: object
    if kind == "RSA":
        key = rsa.generate_private_key(65537, 2048)
    elif kind == "EC":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = dsa_generate(2048)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.COUNTRY_NAME, "TW")]
    )
    return key, self_signed(key, name).public_bytes(Encoding.DER)


@pytest.fixture(scope="module")
def ids() -> dict[str, tuple[object, bytes]]:
    return {
        "a": identity("RSA", "Crafted A"),
        "b": identity("RSA", "Crafted B"),
        "e": identity("EC", "Crafted EC"),
        "d": identity("DSA", "Crafted DSA"),
    }


def _base() -> ApkParts:
    parts = split_apk(BASE.read_bytes())
    parts.pairs = []
    return parts


Signers = list[CraftedSigner] | None


def _apk(tmp_path: Path, name: str, v2: Signers = None, v3: Signers = None, v31: Signers = None) -> Path:
    parts = _base()
    if v2 is not None:
        parts.pairs.append((V2, scheme_block(parts, v2, v3=False)))
    if v3 is not None:
        parts.pairs.append((V3, scheme_block(parts, v3, v3=True)))
    if v31 is not None:
        parts.pairs.append((V31, scheme_block(parts, v31, v3=True)))
    path = tmp_path / f"{name}.apk"
    path.write_bytes(join_apk(parts))
    return path


def _signer(ident: tuple[object, bytes], algs: list[int], **kw: object) -> CraftedSigner:
    return CraftedSigner(ident[0], ident[1], algs, **kw)  # type: ignore[arg-type]


def _judge(path: Path, expect: bool, *, judge: bool = True, min_sdk: int | None = None) -> SigningReport:
    report = verify_apk(path, min_sdk=min_sdk)
    assert report.verified is expect, report.errors
    if judge and apksigner_available():
        theirs = apksigner_verify(path, min_sdk=min_sdk)
        assert (theirs.outcome == "verifies") is expect, theirs.text
        if expect:
            assert [c.sha256 for c in report.signers] == theirs.sha256
            assert {k: report.schemes[k].verified for k in ("v1", "v2", "v3")} == theirs.schemes
    return report


@pytest.mark.parametrize(
    ("who", "algs"),
    [
        ("a", [0x0101]),
        ("a", [0x0102]),
        ("a", [0x0104]),
        ("a", [0x0103, 0x0104]),
        ("e", [0x0202]),
        ("e", [0x0201]),
        ("d", [0x0301]),
        ("a", [0x9999, 0x0103]),
    ],
    ids=["pss256", "pss512", "pkcs512", "pkcs256+512", "ecdsa512", "ecdsa256", "dsa256", "unknown+pkcs256"],
)
def test_signature_algorithms(who: str, algs: list[int], ids: dict, tmp_path: Path) -> None:
    # Debian's apksigner runs on a JDK without "SHA256withRSA/PSS" (Android has it): no judge for PSS.
    pss = any(a in (0x0101, 0x0102) for a in algs)
    report = _judge(_apk(tmp_path, "alg", v2=[_signer(ids[who], algs)]), True, judge=not pss)
    assert report.schemes["v2"].verified and report.signers[0].der == ids[who][1]


def test_only_unknown_algorithm_is_refused(ids: dict, tmp_path: Path) -> None:
    _judge(_apk(tmp_path, "unknown", v2=[_signer(ids["a"], [0x9999])]), False)


def test_digest_and_signature_records_must_list_the_same_algorithms(ids: dict, tmp_path: Path) -> None:
    signer = _signer(ids["a"], [0x0103], digest_algs=[0x0103, 0x0104])
    report = _judge(_apk(tmp_path, "mismatch", v2=[signer]), False)
    assert any("differ between the signatures and digests" in e for e in report.errors)


def test_key_of_other_type_than_the_algorithm(ids: dict, tmp_path: Path) -> None:
    """An EC key in the record with an RSA algorithm: nothing verifies."""
    signer = _signer(ids["a"], [0x0103], public_key=_spki(ids["e"]))
    _judge(_apk(tmp_path, "keytype", v2=[signer]), False)


def _spki(ident: tuple[object, bytes]) -> bytes:
    key = x509.load_der_x509_certificate(ident[1]).public_key()
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def test_certificate_of_another_key(ids: dict, tmp_path: Path) -> None:
    """Signed by key b, b's key in the record, a's certificate: the classic wrong-public-key forgery."""
    signer = CraftedSigner(ids["b"][0], ids["a"][1], [0x0103])
    report = _judge(_apk(tmp_path, "othercert", v2=[signer]), False)
    assert any("public key differs" in e for e in report.errors)


def test_v3_signers_by_sdk_range_without_gaps(ids: dict, tmp_path: Path) -> None:
    signers = [_signer(ids["a"], [0x0103], min_sdk=24, max_sdk=30), _signer(ids["b"], [0x0103], min_sdk=31)]
    report = _judge(_apk(tmp_path, "ranges", v3=signers), True)
    assert report.signers[0].der == ids["b"][1]


def test_v3_sdk_gap_leaves_nothing_verified(ids: dict, tmp_path: Path) -> None:
    signers = [_signer(ids["a"], [0x0103], min_sdk=24, max_sdk=29), _signer(ids["b"], [0x0103], min_sdk=31)]
    report = _judge(_apk(tmp_path, "gap", v3=signers), False)
    assert not report.schemes["v3"].verified


def test_v3_rotation_lineage(ids: dict, tmp_path: Path) -> None:
    lineage = lineage_value([ids["a"], ids["b"]])
    v3 = [_signer(ids["b"], [0x0103], attrs=[(POR, lineage)])]
    report = _judge(_apk(tmp_path, "rotated", v2=[_signer(ids["a"], [0x0103])], v3=v3), True)
    assert [c.der for c in report.lineage] == [ids["a"][1], ids["b"][1]]
    assert report.signers[0].der == ids["b"][1]
    assert report.all_certificates() == {c.sha256 for c in report.lineage}


def test_forged_lineage_link_is_refused(ids: dict, tmp_path: Path) -> None:
    """A lineage naming someone else's certificate as the root, with a link the root never signed."""
    lineage = lineage_value([ids["a"], ids["b"]], forge_from=1)
    v3 = [_signer(ids["b"], [0x0103], attrs=[(POR, lineage)])]
    report = _judge(_apk(tmp_path, "forged", v3=v3), False)
    assert any("lineage did not verify" in e for e in report.errors)
    assert report.lineage == () and report.all_certificates() == frozenset()


def test_lineage_must_end_with_the_signer(ids: dict, tmp_path: Path) -> None:
    lineage = lineage_value([ids["a"], ids["b"]])
    v3 = [_signer(ids["a"], [0x0103], attrs=[(POR, lineage)])]
    _judge(_apk(tmp_path, "notlast", v3=v3), False)


def test_v3_signer_must_match_v2_without_lineage(ids: dict, tmp_path: Path) -> None:
    report = _judge(
        _apk(tmp_path, "differs", v2=[_signer(ids["a"], [0x0103])], v3=[_signer(ids["b"], [0x0103])]), False
    )
    assert any("v3 signer differs" in e for e in report.errors)


def test_v2_signer_must_be_the_lineage_root(ids: dict, tmp_path: Path) -> None:
    lineage = lineage_value([ids["a"], ids["b"]])
    v3 = [_signer(ids["b"], [0x0103], attrs=[(POR, lineage)])]
    _judge(_apk(tmp_path, "notroot", v2=[_signer(ids["b"], [0x0103])], v3=v3), False)


def test_only_the_strongest_signature_is_checked_like_apksig(ids: dict, tmp_path: Path) -> None:
    """Android checks the strongest signature per platform level: a broken SHA-256 one beside a good
    SHA-512 one passes, the reverse does not."""
    weak_broken = _signer(ids["a"], [0x0103, 0x0104], bad_sigs=(0x0103,))
    _judge(_apk(tmp_path, "weakbroken", v2=[weak_broken]), True)
    strong_broken = _signer(ids["a"], [0x0103, 0x0104], bad_sigs=(0x0104,))
    report = _judge(_apk(tmp_path, "strongbroken", v2=[strong_broken]), False)
    assert any(
        "RSA_PKCS1_V1_5_WITH_SHA512 signature over signed data did not verify" in e for e in report.errors
    )


@pytest.mark.parametrize("corrupt", [False, True], ids=["good", "corrupt-verity-digest"])
def test_verity_digest_is_computed(corrupt: bool, ids: dict, tmp_path: Path) -> None:
    """SHA-256 plus VERITY (Android 9+): both content digests are checked, like apksig does."""
    parts = _base()
    assert len(parts.entries) % 4096 == 0, "apksigner aligns the entries for VERITY"
    signer = _signer(ids["a"], [0x0103, 0x0421])
    block = scheme_block(parts, [signer], v3=False)
    if corrupt:  # re-sign after damaging the VERITY digest, so only the digest is wrong
        signer.corrupt_digest = 0x0421
        block = scheme_block(parts, [signer], v3=False)
    parts.pairs = [(V2, block)]
    pad_block_to_pages(parts)
    path = tmp_path / "verity.apk"
    path.write_bytes(join_apk(parts))
    report = _judge(path, not corrupt)
    if corrupt:
        assert any("VERITY" in e for e in report.errors)


def test_verity_tree_with_several_levels(ids: dict, tmp_path: Path) -> None:
    """A 2 MiB asset: 512 leaf pages, so the Merkle tree has three levels; also SHA-512 chunks beside it."""
    import io
    import os
    import zipfile

    from scanners.apk.zipread import read_layout

    buf = io.BytesIO()
    with zipfile.ZipFile(BASE) as src, zipfile.ZipFile(buf, "w") as dst:
        dst.writestr("AndroidManifest.xml", src.read("AndroidManifest.xml"))
        dst.writestr("assets/big.bin", os.urandom(2 << 20))
    data = buf.getvalue()
    layout = read_layout(io.BytesIO(data))
    entries = data[: layout.cd_offset]
    parts = ApkParts(entries + bytes(-len(entries) % 4096), [], data[layout.cd_offset : layout.eocd_offset],
                     bytearray(data[layout.eocd_offset :]))  # fmt: skip
    parts.pairs = [(V2, scheme_block(parts, [_signer(ids["a"], [0x0104, 0x0421])], v3=False))]
    pad_block_to_pages(parts)
    path = tmp_path / "bigverity.apk"
    path.write_bytes(join_apk(parts))
    _judge(path, True, min_sdk=28)


def test_verity_needs_a_page_aligned_block(ids: dict, tmp_path: Path) -> None:
    parts = _base()
    parts.pairs = [(V2, scheme_block(parts, [_signer(ids["a"], [0x0103, 0x0421])], v3=False))]
    path = tmp_path / "unaligned.apk"
    path.write_bytes(join_apk(parts))
    report = verify_apk(path)
    assert not report.verified and any("4 KiB" in e for e in report.errors)


# ------------------------------------------------------- v3.1 (apksig 33+; Debian's apksigner 31 ignores it)


def test_v31_rotation_targets_newer_platforms(ids: dict, tmp_path: Path) -> None:
    lineage = lineage_value([ids["a"], ids["b"]])
    v3 = [
        _signer(ids["a"], [0x0103], min_sdk=24, max_sdk=32, attrs=[(ROTATION_MIN_SDK, struct.pack("<I", 33))])
    ]
    v31 = [_signer(ids["b"], [0x0103], min_sdk=33, attrs=[(POR, lineage)])]
    path = _apk(tmp_path, "v31", v2=[_signer(ids["a"], [0x0103])], v3=v3, v31=v31)
    report = verify_apk(path)
    assert report.verified, report.errors
    assert report.schemes["v3.1"].verified and report.schemes["v3"].verified
    assert report.signers[0].der == ids["b"][1]
    assert [c.der for c in report.lineage] == [ids["a"][1], ids["b"][1]]


def test_v31_block_stripped_is_refused(ids: dict, tmp_path: Path) -> None:
    v3 = [
        _signer(ids["a"], [0x0103], min_sdk=24, max_sdk=32, attrs=[(ROTATION_MIN_SDK, struct.pack("<I", 33))])
    ]
    report = verify_apk(_apk(tmp_path, "v31gone", v2=[_signer(ids["a"], [0x0103])], v3=v3))
    assert not report.verified
    assert any("v3.1 block is missing" in e for e in report.errors)


def test_v31_content_digest_is_checked(ids: dict, tmp_path: Path) -> None:
    v3 = [
        _signer(ids["a"], [0x0103], min_sdk=24, max_sdk=32, attrs=[(ROTATION_MIN_SDK, struct.pack("<I", 33))])
    ]
    v31 = [_signer(ids["b"], [0x0103], min_sdk=33)]
    path = _apk(tmp_path, "v31tamper", v2=[_signer(ids["a"], [0x0103])], v3=v3, v31=v31)
    data = bytearray(path.read_bytes())
    # A content change outside the manifest: every scheme's digest breaks, v3.1 is checked first.
    data[len(_base().entries) - 1] ^= 1
    path.write_bytes(bytes(data))
    report = verify_apk(path)
    assert not report.verified
    assert any(e.startswith("v3.1 signer #1: APK content digest") for e in report.errors), report.errors


def test_v31_rotation_sdk_must_match(ids: dict, tmp_path: Path) -> None:
    v3 = [
        _signer(ids["a"], [0x0103], min_sdk=24, max_sdk=33, attrs=[(ROTATION_MIN_SDK, struct.pack("<I", 34))])
    ]
    v31 = [_signer(ids["b"], [0x0103], min_sdk=34)]
    report = verify_apk(_apk(tmp_path, "v31mismatch", v2=[_signer(ids["a"], [0x0103])], v3=v3, v31=v31))
    assert report.verified, report.errors  # consistent: v3 up to 33, v3.1 from 34
    v3 = [
        _signer(ids["a"], [0x0103], min_sdk=24, max_sdk=33, attrs=[(ROTATION_MIN_SDK, struct.pack("<I", 33))])
    ]
    report = verify_apk(_apk(tmp_path, "v31mismatch2", v2=[_signer(ids["a"], [0x0103])], v3=v3, v31=v31))
    assert not report.verified and any("rotation-min-sdk-version 33 differs" in e for e in report.errors)
