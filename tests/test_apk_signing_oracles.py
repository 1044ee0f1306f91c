"""The classes where `fakeapp apk` once disagreed with apksigner, each built here and judged by both
oracles: Debian's apksigner 31 and the current apksig (`../shared/tools/apksigner-aosp14.jar`, skipped when
../shared is absent). Where the two disagree we follow aosp14, and the test says so.

Classes: MD5withRSA JAR signatures (rsaEncryption or md5WithRSA OID) at 1024 to 16384 bits; v1-only APKs
without `<uses-sdk>` (minSdk 1) across digest/signature pairs; an RSA modulus DER-encoded as a negative
INTEGER (v1 and v2); more than 10 signers (v1, v2); the message-digest signed attribute twice.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, load_pem_private_key
from cryptography.x509.oid import NameOID

from scanners.apk.signing import SigningReport, verify_apk
from tests.apk_signing_helpers import (
    ApkParts,
    CraftedSigner,
    JarSigner,
    available_oracles,
    build_unsigned,
    jar_sign,
    join_apk,
    oracle_verify,
    scheme_block,
    self_signed,
    split_apk,
    tools_available,
)

pytestmark = pytest.mark.skipif(not tools_available(), reason="aapt/apksigner/framework-res not installed")
KEYS = Path(__file__).resolve().parent / "apks" / "keys"
V2_BASE = Path(__file__).resolve().parent / "apks" / "official_v2v3.apk"
V2 = 0x7109871A


@functools.cache
def rsa_key(bits: int) -> rsa.RSAPrivateKey:
    """Test keys: 8192 and 16384 bits come from tests/apks/keys (a minute to generate), smaller ones fresh."""
    stored = KEYS / f"rsa{bits}.pem"
    if stored.exists():
        key = load_pem_private_key(stored.read_bytes(), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key
    return rsa.generate_private_key(65537, bits)


def cert_for(key: object, cn: str) -> bytes:
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.COUNTRY_NAME, "TW")]
    )
    return self_signed(key, name).public_bytes(Encoding.DER)


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory: pytest.TempPathFactory) -> dict[int | None, Path]:
    """aapt-built unsigned APKs: no `<uses-sdk>` (None), and minSdk 18, 21 (target 29: v1 alone is enough)."""
    d = tmp_path_factory.mktemp("unsigned")
    return {sdk: build_unsigned(d, f"u{sdk}", sdk, target_sdk=29) for sdk in (None, 18, 21)}


def judge(path: Path, *, debian: bool, aosp14: bool) -> SigningReport:
    """Our verdict must be aosp14's; each oracle that is installed must say what the case says it does."""
    ours = verify_apk(path)
    assert ours.verified is aosp14, ours.errors
    for oracle in available_oracles():
        theirs = oracle_verify(oracle, path)
        expected = debian if oracle == "debian" else aosp14
        assert (theirs.outcome == "verifies") is expected, f"{oracle}: {theirs.text}"
        if expected and ours.verified:
            assert [c.sha256 for c in ours.signers] == theirs.sha256, oracle
    return ours


def agree(path: Path) -> SigningReport:
    """Differential: our verdict and signers equal every installed oracle's (which must agree)."""
    ours = verify_apk(path)
    verdicts = {o: oracle_verify(o, path) for o in available_oracles()}
    for oracle, theirs in verdicts.items():
        assert (theirs.outcome == "verifies") is ours.verified, (
            f"{oracle}: {theirs.text}\nours: {ours.errors}"
        )
        if ours.verified:
            assert [c.sha256 for c in ours.signers] == theirs.sha256, oracle
    return ours


# --------------------------------------------------------------------------- MD5withRSA at every size


@pytest.mark.parametrize("bits", [1024, 2048, 3072, 4096, 8192, 16384])
def test_md5_with_rsa_every_key_size(bits: int, unsigned: dict[int | None, Path], tmp_path: Path) -> None:
    """Both oracles: MD5 digest with rsaEncryption works on every API level (so also without <uses-sdk>);
    MD5 with md5WithRSA on 0-8 and 21+ (so with minSdk 21)."""
    key = rsa_key(bits)
    der = cert_for(key, f"MD5 {bits}")
    for sig, sdk in (("rsaEncryption", None), ("md5WithRSA", 21)):
        out = jar_sign(
            unsigned[sdk], tmp_path / f"md5-{sig}-{bits}.apk", [JarSigner(key, der, digest="md5", sig=sig)]
        )
        report = judge(out, debian=True, aosp14=True)
        assert report.signers[0].sha256 == hashlib.sha256(der).hexdigest()


def test_md5_with_md5withrsa_fails_on_api_9_to_20(unsigned: dict[int | None, Path], tmp_path: Path) -> None:
    key = rsa_key(2048)
    signer = JarSigner(key, cert_for(key, "MD5 old"), digest="md5", sig="md5WithRSA")
    out = jar_sign(unsigned[None], tmp_path / "md5-old.apk", [signer])
    report = judge(out, debian=False, aosp14=False)
    assert any("9-20" in e for e in report.errors), report.errors


# ---------------------------------------------------- v1 only, no <uses-sdk>: digest/signature grid

GRID = [
    ("sha1", "rsaEncryption"),
    ("sha1", "sha1WithRSA"),
    ("sha256", "rsaEncryption"),
    ("sha256", "sha256WithRSA"),
    ("sha512", "sha512WithRSA"),
    ("md5", "sha256WithRSA"),
    ("sha256", "sha1WithRSA"),
    ("sha1", "ecPublicKey"),
]


@pytest.mark.parametrize(("digest", "sig"), GRID)
@pytest.mark.parametrize("sdk", [None, 18, 21])
def test_v1_algorithm_grid_matches_both_oracles(
    digest: str, sig: str, sdk: int | None, unsigned: dict[int | None, Path], tmp_path: Path
) -> None:
    """Differential, both oracles agree (apksig's SUPPORTED_SIG_ALG_OIDS is the same in 31 and aosp14)."""
    key: object = ec.generate_private_key(ec.SECP256R1()) if "EC" in sig or "ec" in sig else rsa_key(2048)
    out = jar_sign(
        unsigned[sdk], tmp_path / "grid.apk", [JarSigner(key, cert_for(key, "Grid"), digest=digest, sig=sig)]
    )
    agree(out)


def test_v1_only_without_uses_sdk_verifies(unsigned: dict[int | None, Path], tmp_path: Path) -> None:
    """The common case: SHA-1 JAR signature, no <uses-sdk>; minSdk defaults to 1 (both oracles)."""
    key = rsa_key(2048)
    out = jar_sign(unsigned[None], tmp_path / "nosdk.apk", [JarSigner(key, cert_for(key, "No SDK"))])
    report = judge(out, debian=True, aosp14=True)
    assert report.min_sdk == 1


def test_signed_attributes_refused_before_kitkat(unsigned: dict[int | None, Path], tmp_path: Path) -> None:
    """Both oracles: PKCS#7 signed attributes with minSdk < 19 are refused; with minSdk 21 accepted."""
    key = rsa_key(2048)
    der = cert_for(key, "Attrs")
    old = jar_sign(unsigned[None], tmp_path / "attrs-old.apk", [JarSigner(key, der, signed_attrs=True)])
    judge(old, debian=False, aosp14=False)
    new = jar_sign(unsigned[21], tmp_path / "attrs-new.apk", [JarSigner(key, der, signed_attrs=True)])
    judge(new, debian=True, aosp14=True)


def test_duplicate_message_digest_attribute(unsigned: dict[int | None, Path], tmp_path: Path) -> None:
    """Both oracles reject the block: "Duplicate signed attribute: 1.2.840.113549.1.9.4"."""
    key = rsa_key(2048)
    signer = JarSigner(key, cert_for(key, "Dup"), signed_attrs=True, duplicate_message_digest=True)
    out = jar_sign(unsigned[21], tmp_path / "dup.apk", [signer])
    report = judge(out, debian=False, aosp14=False)
    assert any("duplicate PKCS#7 signed attribute" in e for e in report.errors)


# ------------------------------------------------------------------------------------ signer counts


@pytest.mark.parametrize(("count", "aosp14"), [(10, True), (11, False)])
def test_v1_signer_limit(count: int, aosp14: bool, unsigned: dict[int | None, Path], tmp_path: Path) -> None:
    """aosp14 allows at most 10 JAR signers; Debian's 31 has no limit. We follow aosp14."""
    signers = []
    for i in range(count):
        key = rsa.generate_private_key(65537, 1024)
        signers.append(JarSigner(key, cert_for(key, f"Signer {i}"), name=f"S{i:02d}"))
    out = jar_sign(unsigned[21], tmp_path / f"v1-{count}.apk", signers)
    report = judge(out, debian=True, aosp14=aosp14)
    if not aosp14:
        assert any("at most 10" in e for e in report.errors)


def _v2_apk(tmp_path: Path, name: str, signers: list[CraftedSigner]) -> Path:
    parts: ApkParts = split_apk(V2_BASE.read_bytes())
    parts.pairs = [(V2, scheme_block(parts, signers, v3=False))]
    path = tmp_path / f"{name}.apk"
    path.write_bytes(join_apk(parts))
    return path


@pytest.mark.skipif(not V2_BASE.exists(), reason="tests/apks corpus not built")
@pytest.mark.parametrize(("count", "aosp14"), [(10, True), (11, False)])
def test_v2_signer_limit(count: int, aosp14: bool, tmp_path: Path) -> None:
    """aosp14: "APK Signature Scheme V2 only supports a maximum of 10 signers"; Debian's 31 verifies."""
    signers = []
    for i in range(count):
        key = rsa.generate_private_key(65537, 1024)
        signers.append(CraftedSigner(key, cert_for(key, f"V2 {i}"), [0x0103], min_sdk=24))
    report = judge(_v2_apk(tmp_path, f"v2-{count}", signers), debian=True, aosp14=aosp14)
    if aosp14:
        assert len(report.signers) == count


# ------------------------------------------------------------------------ negative RSA modulus


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    head = (
        bytes([n])
        if n < 0x80
        else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    )
    return bytes([tag]) + head + body


def negative_modulus_cert(key: rsa.RSAPrivateKey, cn: str) -> bytes:
    """A certificate for `key` whose modulus INTEGER lacks its 0x00 sign byte (so it reads as negative).
    Its own signature no longer matches, which Android never checks."""
    from asn1crypto import x509 as ax509

    der = cert_for(key, cn)
    numbers = key.public_key().public_numbers()
    modulus = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    assert modulus[0] >= 0x80
    rsa_key_der = _der(0x30, _der(0x02, modulus) + _der(0x02, numbers.e.to_bytes(3, "big")))
    spki = _der(0x30, bytes.fromhex("300d06092a864886f70d0101010500") + _der(0x03, b"\0" + rsa_key_der))
    cert = ax509.Certificate.load(der)
    tbs = cert["tbs_certificate"]
    tbs_der = tbs.dump()
    new_tbs = _der(0x30, tbs.contents.replace(tbs["subject_public_key_info"].dump(), spki))
    return _der(0x30, new_tbs + cert.contents[len(tbs_der) :])


def test_negative_modulus_v1(unsigned: dict[int | None, Path], tmp_path: Path) -> None:
    """Both oracles verify (apksig re-encodes the key with the modulus read as unsigned)."""
    key = rsa_key(2048)
    der = negative_modulus_cert(key, "Negative v1")
    out = jar_sign(unsigned[21], tmp_path / "neg-v1.apk", [JarSigner(key, der)])
    judge(out, debian=True, aosp14=True)


@pytest.mark.skipif(not V2_BASE.exists(), reason="tests/apks corpus not built")
def test_negative_modulus_v2(tmp_path: Path) -> None:
    """Both oracles verify: the signer record's key equals the certificate's once re-encoded."""
    key = rsa_key(2048)
    der = negative_modulus_cert(key, "Negative v2")
    judge(
        _v2_apk(tmp_path, "neg-v2", [CraftedSigner(key, der, [0x0103], min_sdk=24)]), debian=True, aosp14=True
    )


def test_negative_modulus_other_key_still_differs(tmp_path: Path) -> None:
    """The repair reads the modulus as unsigned, nothing more: another key still does not match."""
    key, other = rsa_key(2048), rsa.generate_private_key(65537, 2048)
    der = negative_modulus_cert(other, "Other")
    if not V2_BASE.exists():
        pytest.skip("tests/apks corpus not built")
    report = judge(_v2_apk(tmp_path, "neg-other", [CraftedSigner(key, der, [0x0103], min_sdk=24)]),
                   debian=False, aosp14=False)  # fmt: skip
    assert any("public key differs" in e for e in report.errors)


# -------------------------------------------------------------- v4 (.idsig) and SourceStamp, verified
# (every corruption of either: tests/test_apk_v4_stamp.py)


def test_v4_and_source_stamp_are_reported(unsigned: dict[int | None, Path], tmp_path: Path) -> None:
    """apksigner signs with v4 (an .idsig beside the APK) and a SourceStamp; we verify both and report them
    with their certificates, as both oracles print them (stamp: "Source Stamp Signer certificate SHA-256
    digest"); the APK's own verdict is unchanged."""
    import subprocess

    from tests.apk_signing_helpers import AOSP14_JAR, aosp14_available, make_key, sign, signer_args

    base = build_unsigned(tmp_path, "u24", 24, target_sdk=29)
    app, stamp = make_key(tmp_path, "app", "RSA", 2048), make_key(tmp_path, "stamp", "RSA", 2048)
    out = sign(base, tmp_path / "stamped.apk", [app], "--v4-signing-enabled", "true",
               "--stamp-signer", *signer_args(stamp))  # fmt: skip
    idsig = Path(str(out) + ".idsig")
    assert idsig.exists()
    report = verify_apk(out)
    assert report.verified
    assert report.v4 is not None and report.source_stamp is not None
    assert report.v4.present and report.v4.checked and report.v4.verified and not report.v4.errors
    assert report.v4.signer is not None and report.v4.signer.sha256 == report.signers[0].sha256
    assert report.source_stamp.checked and report.source_stamp.verified
    assert report.source_stamp.signer is not None and not report.source_stamp.warnings
    commands = [["apksigner"]] + ([["java", "-jar", str(AOSP14_JAR)]] if aosp14_available() else [])
    for cmd in commands:
        args = [*cmd, "verify", "--print-certs", "-v", "--v4-signature-file", str(idsig), str(out)]
        text = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False).stdout
        assert "Verified using v4 scheme (APK Signature Scheme v4): true" in text, text
        assert "Verified for SourceStamp: true" in text, text
        assert f"Source Stamp Signer certificate SHA-256 digest: {report.source_stamp.signer.sha256}" in text
    # The .idsig of another build (another signer) beside the APK: v4 fails, the APK verifies (both oracles).
    other = sign(base, tmp_path / "other.apk", [stamp], "--v4-signing-enabled", "true")
    idsig.write_bytes(Path(str(other) + ".idsig").read_bytes())
    again = verify_apk(out)
    assert again.verified and again.v4 is not None and not again.v4.verified
    assert again.v4.signer is not None and again.v4.signer.sha256 == report.source_stamp.signer.sha256
    idsig.unlink()
    assert verify_apk(out).v4 is None
