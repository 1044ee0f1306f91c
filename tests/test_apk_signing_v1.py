"""v1 (JAR) signatures crafted in Python (manifest, .SF, PKCS#7 via `cryptography`) to reach every rule of
Android's JAR check: digest choice by SDK, per-section fallback, main attributes, stripping header, unsigned
entries, signtool quirks, several signers. apksigner judges each case where it is installed."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509.oid import NameOID

from scanners.apk.signing import SigningReport, verify_apk
from tests.apk_signing_helpers import apksigner_available, apksigner_verify, self_signed

BASE = Path(__file__).resolve().parent / "apks" / "official_v1only.apk"  # minSdk 21, target 29
pytestmark = pytest.mark.skipif(not BASE.exists(), reason="tests/apks corpus not built")
B64 = base64.b64encode


@dataclass
class Identity:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate


def _identity(cn: str) -> Identity:
    key = rsa.generate_private_key(65537, 2048)
    return Identity(key, self_signed(key, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])))


@pytest.fixture(scope="module")
def who() -> dict[str, Identity]:
    return {"a": _identity("JAR Signer A"), "b": _identity("JAR Signer B")}


@dataclass
class Jar:
    """How to write the JAR signature; each field bends one rule."""

    digest: str = "SHA-256"  # or SHA1
    newline: str = "\r\n"
    manifest_extra: dict[str, bytes] = field(default_factory=dict)  # entry digests for names not in the APK
    drop_from_manifest: tuple[str, ...] = ()
    drop_from_sf: tuple[str, ...] = ()
    sf_main: list[str] | None = None  # replaces the .SF main section lines
    whole_digest: bool = True
    whole_digest_wrong: bool = False
    main_digest: bool = True
    main_digest_wrong: bool = False
    section_digest_wrong: tuple[str, ...] = ()
    apk_signed: str | None = None  # X-Android-APK-Signed value
    created_by: str = "1.0 (Android)"
    attributes: bool = True  # PKCS#7 signed attributes
    pkcs7_hash: str = "SHA256"
    signers: tuple[str, ...] = ("a",)
    added_after: dict[str, bytes] = field(default_factory=dict)
    changed_after: dict[str, bytes] = field(default_factory=dict)


def _digest(alg: str, data: bytes) -> bytes:
    return hashlib.new({"SHA-256": "sha256", "SHA1": "sha1"}[alg], data).digest()


def _build(tmp_path: Path, jar: Jar, who: dict[str, Identity], name: str = "v1.apk") -> Path:
    nl = jar.newline
    with zipfile.ZipFile(BASE) as z:
        entries = [(i, z.read(i)) for i in z.infolist() if not i.filename.startswith("META-INF/")]
    main = f"Manifest-Version: 1.0{nl}Created-By: test{nl}{nl}".encode()
    sections: list[tuple[str, bytes]] = []
    named = [(i.filename, data) for i, data in entries] + list(jar.manifest_extra.items())
    for entry_name, data in named:
        if entry_name in jar.drop_from_manifest:
            continue
        text = f"Name: {entry_name}{nl}{jar.digest}-Digest: {B64(_digest(jar.digest, data)).decode()}{nl}{nl}"
        sections.append((entry_name, text.encode()))
    manifest = main + b"".join(s for _, s in sections)
    whole = _digest(jar.digest, manifest)
    main_attr = _digest(jar.digest, main)
    if jar.whole_digest_wrong:
        whole = bytes(len(whole))
    if jar.main_digest_wrong:
        main_attr = bytes(len(main_attr))
    suffix = "-Digest" if "signtool" in jar.created_by else "-Digest-Manifest"
    lines = [f"Signature-Version: 1.0", f"Created-By: {jar.created_by}"]  # noqa: F541
    if jar.whole_digest:
        lines.append(f"{jar.digest}{suffix}: {B64(whole).decode()}")
    if jar.main_digest:
        lines.append(f"{jar.digest}-Digest-Manifest-Main-Attributes: {B64(main_attr).decode()}")
    if jar.apk_signed is not None:
        lines.append(f"X-Android-APK-Signed: {jar.apk_signed}")
    if jar.sf_main is not None:
        lines = jar.sf_main
    sf = (nl.join(lines) + nl + nl).encode()
    for entry_name, section in sections:
        if entry_name in jar.drop_from_sf:
            continue
        digest = _digest(jar.digest, section)
        if entry_name in jar.section_digest_wrong:
            digest = bytes(len(digest))
        sf += f"Name: {entry_name}{nl}{jar.digest}-Digest: {B64(digest).decode()}{nl}{nl}".encode()
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as out:
        for info, data in entries:
            out.writestr(info, jar.changed_after.get(info.filename, data))
        for signer in jar.signers:
            ident = who[signer]
            # Binary: no line-ending canonicalisation, the .SF is signed byte for byte.
            options = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]
            options.append(
                pkcs7.PKCS7Options.NoCapabilities if jar.attributes else pkcs7.PKCS7Options.NoAttributes
            )
            algorithm = hashes.SHA256()
            if jar.pkcs7_hash == "SHA1":
                block = _pkcs7_plain(ident, sf, "sha1")
            else:
                block = (
                    pkcs7.PKCS7SignatureBuilder()
                    .set_data(sf)
                    .add_signer(ident.cert, ident.key, algorithm)
                    .sign(Encoding.DER, options)
                )
            out.writestr(f"META-INF/SIGNER{signer.upper()}.SF", sf)
            out.writestr(f"META-INF/SIGNER{signer.upper()}.RSA", block)
        out.writestr("META-INF/MANIFEST.MF", manifest)
        for added, data in jar.added_after.items():
            out.writestr(added, data)
    return path


def _pkcs7_plain(ident: Identity, sf: bytes, digest: str) -> bytes:
    """SignedData without signed attributes, as apksigner writes it (cryptography no longer signs SHA-1)."""
    cert = asn1_x509.Certificate.load(ident.cert.public_bytes(Encoding.DER))
    signature = ident.key.sign(sf, padding.PKCS1v15(), hashes.SHA1() if digest == "sha1" else hashes.SHA256())
    sid = cms.SignerIdentifier(
        {"issuer_and_serial_number": {"issuer": cert.issuer, "serial_number": cert.serial_number}}
    )
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": sid,
            "digest_algorithm": {"algorithm": digest},
            "signature_algorithm": {"algorithm": "rsassa_pkcs1v15"},
            "signature": signature,
        }
    )
    signed = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": digest}],
            "encap_content_info": {"content_type": "data"},
            "certificates": [cert],
            "signer_infos": [signer],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump())


def _judge(path: Path, expect: bool, min_sdk: int = 21) -> SigningReport:
    report = verify_apk(path, min_sdk=min_sdk)
    assert report.verified is expect, report.errors
    if apksigner_available():
        theirs = apksigner_verify(path, min_sdk=min_sdk)
        assert (theirs.outcome == "verifies") is expect, theirs.text
        if expect:
            assert [c.sha256 for c in report.signers] == theirs.sha256
    return report


CASES: dict[str, tuple[Jar, bool, int]] = {
    "plain": (Jar(), True, 21),
    "lf-newlines": (Jar(newline="\n"), True, 21),
    "sha1-on-old-platforms": (Jar(digest="SHA1", pkcs7_hash="SHA1"), True, 9),
    "sha256-manifest-fails-before-api18": (Jar(pkcs7_hash="SHA1"), False, 16),
    "sha256-pkcs7-fails-before-api18": (Jar(digest="SHA1"), False, 16),
    "sha1-everything-on-new-platforms": (Jar(digest="SHA1", pkcs7_hash="SHA1"), True, 21),
    "no-whole-manifest-digest": (Jar(whole_digest=False), True, 21),
    "whole-digest-wrong-sections-right": (Jar(whole_digest_wrong=True), True, 21),
    "whole-digest-wrong-section-wrong": (
        Jar(whole_digest_wrong=True, section_digest_wrong=("classes.dex",)),
        False,
        21,
    ),
    "section-wrong-but-whole-right": (Jar(section_digest_wrong=("classes.dex",)), True, 21),
    "main-attributes-digest-wrong": (Jar(main_digest_wrong=True), False, 21),
    "no-main-attributes-digest": (Jar(main_digest=False), True, 21),
    "entry-not-in-sf": (Jar(drop_from_sf=("classes.dex",)), False, 21),
    "entry-not-in-manifest": (Jar(drop_from_manifest=("classes.dex",)), False, 21),
    "manifest-names-missing-entry": (Jar(manifest_extra={"assets/gone.bin": b"x"}), False, 21),
    "added-after-signing": (Jar(added_after={"assets/payload.dex": b"dex\n"}), False, 21),
    "changed-after-signing": (
        Jar(changed_after={"assets/server.conf": b"api=https://evil.example\n"}),
        False,
        21,
    ),
    "meta-inf-extra-is-only-a-warning": (Jar(added_after={"META-INF/extra.txt": b"hi"}), True, 21),
    "stripped-v2-header": (Jar(apk_signed="2"), False, 21),
    "unknown-scheme-in-header": (Jar(apk_signed="7, x"), True, 21),
    "stripped-v2-v3-header": (Jar(apk_signed="2, 3"), False, 21),
    "signtool": (Jar(created_by="1.0 (signtool)"), True, 21),
    "no-signature-version": (Jar(sf_main=["Created-By: 1.0 (Android)"]), False, 21),
    "no-signed-attributes": (Jar(attributes=False), True, 21),
    "two-signers": (Jar(signers=("a", "b")), True, 21),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_jar_rules(case: str, who: dict[str, Identity], tmp_path: Path) -> None:
    jar, expect, min_sdk = CASES[case]
    report = _judge(_build(tmp_path, jar, who), expect, min_sdk)
    if expect:
        assert report.schemes["v1"].verified
        assert len(report.signers) == len(jar.signers)
    else:
        assert report.errors


def test_unprotected_meta_inf_entry_is_reported(who: dict[str, Identity], tmp_path: Path) -> None:
    report = verify_apk(_build(tmp_path, Jar(added_after={"META-INF/extra.txt": b"hi"}), who), min_sdk=21)
    assert any("META-INF/extra.txt is not protected" in w for w in report.warnings)


def test_two_signers_both_reported(who: dict[str, Identity], tmp_path: Path) -> None:
    report = verify_apk(_build(tmp_path, Jar(signers=("a", "b")), who), min_sdk=21)
    assert {c.subject for c in report.signers} == {"CN=JAR Signer A", "CN=JAR Signer B"}
