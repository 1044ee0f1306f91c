"""APK Signature Scheme v4 (an ``.idsig`` file beside the APK) and SourceStamp, verified as apksig does.

Follows apksig of Android 14 (``../shared/tools/apksigner-aosp14.jar``: V4SchemeVerifier, V4Signature,
ApkVerifier's v4 checks; V2SourceStampVerifier, SourceStampVerifier, SourceStampCertificateLineage), which
Debian's apksigner 31 matches except where a comment says otherwise. What each oracle does was checked
against both jars (tests/test_apk_v4_stamp.py builds every case and compares):

- v4. ``apksigner verify`` ignores an ``.idsig`` unless given ``--v4-signature-file``; fakeapp reads
  ``FILE.apk.idsig`` when it is there and reports what apksigner says with that option. A v4 file whose own
  check fails (signature, certificate, Merkle root hash or tree) leaves the APK verified and only prints
  "Verified using v4 scheme (APK Signature Scheme v4): false" (both oracles: apksig keeps those errors on
  the v4 signer, which ApkVerifier.Result.containsErrors never looks at). A v4 file that verifies by itself
  but names another signer or another content digest than the v2/v3 signature makes apksigner reject the
  APK ("DOES NOT VERIFY": V4_SIG_V2_V3_SIGNERS_MISMATCH, V4_SIG_V2_V3_DIGESTS_MISMATCH,
  V4_SIG_MULTIPLE_SIGNERS, both oracles): ``rejects_apk`` is then set and the APK's verdict follows it. A file
  apksigner cannot even read (wrong version, truncated) makes apksigner stop with an exception, no verdict:
  we report the v4 file as failed and leave the APK's verdict alone.
- SourceStamp. ``apksigner verify`` checks the stamp only when the ``stamp-cert-sha256`` entry is there and
  the APK's own signatures verified; every stamp problem is a warning on the stamp, never an error of the
  APK (both oracles): "Verified for SourceStamp: false" and the APK still verifies. Only the v2 stamp block
  is verified: V1SourceStampVerifier has no caller in either jar (nor does Android use v1 stamps), so a v1
  block alone reads as "No SourceStamp signature", as apksigner says. Debian's 31 warns about any stamp
  attribute it does not know, aosp14's timestamp among them; aosp14 only notes unknown ones: we follow
  aosp14.
- What apksig does not check, we do not either: the .idsig's hash algorithm, block size and salt are signed
  but the tree is always rebuilt with SHA-256 over 4 KiB pages without salt; the SigningInfoBlock ids are
  not read; the stamp's v3.1 digests are not signed (the v3 ones are).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from scanners.apk.certs import (
    Certificate,
    CertificateError,
    certificate_spki,
    load_public_key,
    parse_certificate,
    spki_key_type,
    verify_signature,
)
from scanners.apk.sigblock import (
    SIG_ALGS,
    Buf,
    Malformed,
    SigAlg,
    SigningBlock,
    public_key_matches,
    read_scheme_value,
)
from scanners.apk.zipread import CHUNK, ApkFormatError, ZipLayout, read_entry_bytes

MAX_IDSIG_SIZE = 64 << 20  # an .idsig holds the Merkle tree: about 1/128 of the APK
MAX_SIGNING_INFOS = 16  # apksig writes one per v3/v3.1 block
V4_VERSION = 2  # V4Signature.CURRENT_VERSION: apksig refuses any other ("Invalid signature version.")
V1_STAMP_ID, V2_STAMP_ID = 0x2B09189E, 0x6DFF800D  # SourceStamp blocks in the APK Signing Block
STAMP_ENTRY = "stamp-cert-sha256"  # ZIP entry: SHA-256 of the stamp certificate
STAMP_LINEAGE_ATTR = 0x9D6303F7  # stamp attribute: the stamp key's proof-of-rotation lineage
STAMP_TIME_ATTR = 0xE43C5946  # stamp attribute: signing time, seconds since the epoch (int64 LE)
STAMP_MIN_SDK = 30  # apksig checks stamp signatures for max(minSdkVersion, 30) and up
PAGE = 4096
MAX_SHOWN = 64  # bytes of a hostile field (salt, root hash) shown in the report, as hex
_V1_MANIFEST = "META-INF/MANIFEST.MF"
_MAX_MANIFEST = 32 << 20
# ContentDigestAlgorithm ids, the keys the stamp signs its digests under (SHA256 is v1's MANIFEST.MF).
_CONTENT_DIGEST_IDS = {"sha256": 1, "sha512": 2, "verity": 3}
_V1_SHA256_ID = 4
# apksig pairs the .idsig's apkDigest with the strongest v2/v3 digest in this order.
_V4_DIGEST_ORDER = ("sha512", "verity", "sha256")
# The lowest API level whose JCA provider has each signature algorithm (SignatureAlgorithm's
# jcaSigAlgMinSdkVersion): the stamp verifier picks its signatures by these, not by the scheme's levels.
_JCA_MIN_SDK = {
    0x0101: 23,
    0x0102: 23,
    0x0103: 1,
    0x0104: 1,
    0x0201: 11,
    0x0202: 11,
    0x0301: 1,
    0x0421: 1,
    0x0423: 11,
    0x0425: 1,
}
_RANK = {"sha256": 0, "verity": 1, "sha512": 2}


@dataclass(frozen=True)
class ExtraSignature:
    """APK Signature Scheme v4 or a SourceStamp, as ``apksigner verify -v --print-certs`` reports it.

    ``checked``: the signature was verified (not only found); ``verified``: what apksigner prints in
    "Verified using v4 scheme (APK Signature Scheme v4)" or "Verified for SourceStamp"; ``signer``: the v4
    signer's or the stamp's certificate (apksigner's "Source Stamp Signer"), also when it did not verify.
    ``rejects_apk``: apksigner rejects the whole APK for it (v4 only, see the module docstring).
    """

    kind: str  # "v4" or "source_stamp"
    source: str  # the .idsig file name, or the stamp block ("v2 stamp 0x6dff800d")
    present: bool = True
    checked: bool = True
    verified: bool = False
    signer: Certificate | None = None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    lineage: tuple[Certificate, ...] = ()  # the stamp key's rotation lineage, oldest first
    details: Mapping[str, object] = field(default_factory=dict)
    rejects_apk: bool = False

    def to_dict(self) -> dict[str, object]:
        """JSON-ready description (hostile byte fields bounded, as hex)."""
        return {
            "present": self.present,
            "checked": self.checked,
            "verified": self.verified,
            "signer": self.signer.to_dict() if self.signer else None,
            "signer_sha256": self.signer.sha256 if self.signer else None,
            "source": self.source,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "lineage": [c.sha256 for c in self.lineage],
            "rejects_apk": self.rejects_apk,
            **self.details,
        }


@dataclass(frozen=True)
class SignedBy:
    """One v2/v3/v3.1 signer of a verified scheme: its certificate and the content digests it signed."""

    cert: Certificate
    digests: Mapping[str, bytes]  # sha256 | sha512 | verity -> digest (apksig's collectApkContentDigests)


@dataclass(frozen=True)
class ApkFacts:
    """What the v4 and stamp checks need from the APK's own verification."""

    verified: bool
    min_sdk: int
    max_sdk: int
    schemes: Mapping[str, tuple[SignedBy, ...]]  # the verified schemes among v3.1, v3, v2
    v1_checked: bool  # apksig checked v1 (minSdk < 24 or no v2+): the stamp then signs MANIFEST.MF too


def _hex(data: bytes) -> str:
    return data[:MAX_SHOWN].hex() + ("…" if len(data) > MAX_SHOWN else "")


def _alg_name(alg_id: int) -> str:
    alg = SIG_ALGS.get(alg_id)
    return alg.name if alg else f"{alg_id:#x}"


# ------------------------------------------------------------------------------------------------ v4


def merkle_tree(f: BinaryIO, size: int) -> tuple[bytes, bytes]:
    """(root hash, tree) of the whole file as apksig's VerityTreeBuilder(null) builds them for v4: SHA-256
    of each 4 KiB page (the last one zero-padded), no salt, each level zero-padded to whole pages, the
    levels stored top first; the root hash is the SHA-256 of the top page."""
    leaves: list[bytes] = []
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    f.seek(0)
    remaining = size
    while remaining:
        n = 0
        want = min(CHUNK, remaining)
        while n < want:
            got = f.readinto(view[n:want])  # type: ignore[attr-defined]
            if not got:
                raise ApkFormatError("file ends early while hashing it for v4")
            n += got
        remaining -= n
        end = n + (-n % PAGE)
        if end > n:
            view[n:end] = bytes(end - n)
        leaves.extend(hashlib.sha256(view[i : i + PAGE]).digest() for i in range(0, end, PAGE))
    level = b"".join(leaves)
    level += bytes(-len(level) % PAGE)
    levels = [level]
    while len(level) > PAGE:
        level = b"".join(hashlib.sha256(level[i : i + PAGE]).digest() for i in range(0, len(level), PAGE))
        level += bytes(-len(level) % PAGE)
        levels.append(level)
    if not levels[-1]:
        levels[-1] = bytes(PAGE)
    tree = b"".join(reversed(levels))
    return hashlib.sha256(tree[:PAGE]).digest(), tree


def _stream_bytes(buf: Buf) -> bytes | None:
    """V4Signature.readBytes(InputStream): None at the end of the file (also inside the bytes, which
    leaves the stream at its end)."""
    if buf.remaining() < 4:
        buf.pos = buf.end
        return None
    size = buf.i32()
    if size < 0:
        raise Malformed(f"negative length {size}")  # NegativeArraySizeException in apksig
    if size > buf.remaining():
        buf.pos = buf.end
        return None
    buf.pos += size
    return bytes(buf.data[buf.pos - size : buf.pos])


@dataclass
class _SigningInfo:
    apk_digest: bytes
    certificate: bytes
    additional_data: bytes
    public_key: bytes
    alg_id: int
    signature: bytes


def _signing_info(buf: Buf) -> _SigningInfo:
    apk_digest = buf.prefixed_bytes()
    certificate = buf.prefixed_bytes()
    additional = buf.prefixed_bytes()
    public_key = buf.prefixed_bytes()
    alg_id = buf.u32()
    return _SigningInfo(apk_digest, certificate, additional, public_key, alg_id, buf.prefixed_bytes())


def _signed_data(apk_size: int, hashing: tuple[int, int, bytes, bytes], info: _SigningInfo) -> bytes:
    """V4Signature.getSignedData: what the v4 signature covers."""
    hash_alg, log2, salt, root = hashing
    parts = (salt, root, info.apk_digest, info.certificate, info.additional_data)
    size = 17 + sum(4 + len(p) for p in parts)
    head = struct.pack("<IqIB", size, apk_size, hash_alg & 0xFFFFFFFF, log2)
    return head + b"".join(struct.pack("<I", len(p)) + p for p in parts)


def _describe(der: bytes) -> Certificate | None:
    """The certificate a signature claims, to describe it (None when unreadable)."""
    try:
        return parse_certificate(der)
    except CertificateError:
        return None


def _check_v4_signer(info: _SigningInfo, signed: bytes) -> tuple[Certificate | None, str | None]:
    """V4SchemeVerifier.parseAndVerifySignatureBlock: (certificate, the first error or None)."""
    alg = SIG_ALGS.get(info.alg_id)
    if alg is None:
        return None, f"V4 signature has unknown signing algorithm: {info.alg_id:#x}"
    try:
        if spki_key_type(info.public_key) != alg.kind:
            raise CertificateError(f"not an {alg.kind} key")
        key = load_public_key(info.public_key)
    except CertificateError as exc:
        return None, f"Malformed public key: {exc}"
    if not verify_signature(key, alg.kind, alg.hash, info.signature, signed, pss_salt=alg.pss_salt):
        return _describe(info.certificate), f"{alg.name} signature over signed-data did not verify"
    try:
        cert = parse_certificate(info.certificate)
        cert_key = certificate_spki(info.certificate)
    except CertificateError:
        return None, "V4 signature has malformed certificate"
    if not public_key_matches(info.public_key, cert_key):
        return cert, "V4 signature has mismatched certificate and signature"
    return cert, None


def verify_v4(idsig: Path, f: BinaryIO, apk_size: int, facts: ApkFacts) -> ExtraSignature | None:
    """Check ``idsig`` against the APK open in ``f`` (None when there is no such file)."""
    try:
        if not idsig.is_file():
            return None
        with open(idsig, "rb") as g:
            data = g.read(MAX_IDSIG_SIZE + 1)
    except OSError as exc:
        return ExtraSignature(
            "v4",
            idsig.name,
            checked=False,
            errors=(f"cannot read {idsig.name}: {exc.strerror or exc}",),
        )
    try:
        return _verify_v4(idsig.name, data, f, apk_size, facts)
    except (Malformed, ValueError, struct.error, IndexError, OverflowError) as exc:
        return ExtraSignature(
            "v4",
            idsig.name,
            errors=(f"unreadable .idsig ({exc}); apksigner stops with an exception",),
        )


def _verify_v4(name: str, data: bytes, f: BinaryIO, apk_size: int, facts: ApkFacts) -> ExtraSignature:
    def failed(error: str, signer: Certificate | None = None, **details: object) -> ExtraSignature:
        return ExtraSignature("v4", name, signer=signer, errors=(error,), details=details)

    if len(data) > MAX_IDSIG_SIZE:
        return failed(f"larger than {MAX_IDSIG_SIZE >> 20} MiB: not read")
    buf = Buf(data)
    if buf.remaining() < 4:
        return failed("truncated before its version; apksigner stops with an exception (EOFException)")
    version = buf.i32()
    if version != V4_VERSION:
        return failed(
            f"format version {version}: apksig reads only version {V4_VERSION} and stops with "
            "an exception (Invalid signature version.)"
        )
    hashing_bytes = _stream_bytes(buf)
    infos_bytes = _stream_bytes(buf)
    if hashing_bytes is None or infos_bytes is None:
        return failed("truncated: no hashing info or signing info; apksigner stops with an exception")
    tree = _stream_bytes(buf)  # absent, or cut short: apksig reads both as "no tree"
    hb = Buf(hashing_bytes)
    hash_alg = hb.i32()
    if hb.remaining() < 1:
        raise Malformed("hashing info ends before the block size")
    log2 = hashing_bytes[hb.pos]
    hb.pos += 1
    salt = hb.prefixed_bytes()
    root = hb.prefixed_bytes()
    ib = Buf(infos_bytes)
    infos = [_signing_info(ib)]
    while ib.remaining():  # SigningInfoBlocks (apksig 33+: one per v3.1 signer); Debian's 31 ignores them
        if len(infos) >= MAX_SIGNING_INFOS:
            # apksig would verify every one (and then refuse more than two); a hostile file could make that
            # thousands of signature checks, so past this many we stop and call the v4 file unverified.
            return failed(f"more than {MAX_SIGNING_INFOS} signing infos: not checked (apksig writes 1 or 2)")
        ib.u32()  # block id, unused by apksig
        infos.append(_signing_info(Buf(ib.prefixed_bytes())))
    details: dict[str, object] = {
        "version": version,
        # Signed but not used: apksig always builds the tree with SHA-256 over 4 KiB pages without salt,
        # whatever these say (checked: both oracles accept a salt or another algorithm id here).
        "hash_algorithm": hash_alg,
        "log2_block_size": log2,
        "salt": _hex(salt),
        "root_hash": _hex(root),
        "signature_algorithm": _alg_name(infos[0].alg_id),
        "signing_infos": len(infos),
        "tree": tree is not None,
    }
    hashing = (hash_alg, log2, salt, root)
    certs: list[Certificate] = []
    for info in infos:
        cert, error = _check_v4_signer(info, _signed_data(apk_size, hashing, info))
        if error:
            return failed(error, cert or (certs[0] if certs else None), **details)
        assert cert is not None
        certs.append(cert)
    actual_root, actual_tree = merkle_tree(f, apk_size)
    if root != actual_root:
        return failed(
            "V4 signature's hash tree root (content digest) did not verify: the .idsig is not for "
            f"this file (root {_hex(root)}, the file's {actual_root.hex()})",
            certs[0],
            **details,
        )
    if tree is not None and tree != actual_tree:
        return failed("V4 signature's hash tree did not verify", certs[0], **details)
    if not facts.verified:
        return ExtraSignature(
            "v4",
            name,
            signer=certs[0],
            details=details,
            notes=(
                "the v4 signature verifies by itself, but the APK's own signature does "
                "not, so apksigner rejects the APK before it",
            ),
        )
    errors, crashes = _pair_with_v2_v3(certs, infos[0].apk_digest, facts)
    return ExtraSignature(
        "v4",
        name,
        verified=not errors,
        signer=certs[0],
        errors=tuple(errors),
        details=details,
        rejects_apk=bool(errors) and not crashes,
    )


def _best_digest(signer: SignedBy) -> bytes | None:
    return next((signer.digests[d] for d in _V4_DIGEST_ORDER if d in signer.digests), None)


def _pair_with_v2_v3(
    v4_certs: list[Certificate], apk_digest: bytes, facts: ApkFacts
) -> tuple[list[str], bool]:
    """ApkVerifier's checks of a verified v4 signature against the v3 (and v3.1) or else v2 signer: the
    errors, each of which makes apksigner reject the APK (both oracles), and whether apksigner instead
    stops with an exception (no verdict)."""
    errors: list[str] = []
    multiple = "V4 signature only supports one signer"
    mismatch_cert = "V4 signature and V2/V3 signature have mismatched certificates"
    mismatch_digest = "V4 signature and V2/V3 signature have mismatched digests"

    def check(signers: tuple[SignedBy, ...], cert: Certificate) -> None:
        if len(signers) != 1:
            errors.append(multiple)
        if signers[0].cert.der != cert.der:
            errors.append(mismatch_cert)
        if _best_digest(signers[0]) != apk_digest:
            errors.append(mismatch_digest)

    v3, v31, v2 = facts.schemes.get("v3"), facts.schemes.get("v3.1"), facts.schemes.get("v2")
    if v3:
        # aosp14: one v4 signer per v3 block, v3 first and then v3.1. Debian's 31 knows no v3.1 and reads
        # only the first signing info; we follow aosp14.
        if len(v4_certs) != (2 if v31 else 1):
            errors.append(multiple)
        check(v3, v4_certs[0])
        if v31:
            if len(v4_certs) < 2:
                crash = "no v4 signer for the v3.1 signature; apksigner stops with an exception"
                return [*dict.fromkeys(errors), crash], True
            check(v31, v4_certs[1])
    elif v2:
        if len(v4_certs) != 1:
            errors.append(multiple)
        check(v2, v4_certs[0])
    else:
        return ["V4 signature must be also verified with V2/V3; apksigner stops with an exception"], True
    return list(dict.fromkeys(errors)), False


# ----------------------------------------------------------------------------------------- SourceStamp


class _StampWarning(Exception):
    """A stamp problem apksig reports as a warning (the stamp does not verify, the APK is unaffected)."""


def verify_stamp(
    f: BinaryIO, layout: ZipLayout, block: SigningBlock | None, facts: ApkFacts
) -> ExtraSignature | None:
    """The SourceStamp of the APK open in ``f`` (None when it has neither stamp block nor entry)."""
    ids = [i for i in (V2_STAMP_ID, V1_STAMP_ID) if block is not None and i in block.pairs]
    entry = layout.find(STAMP_ENTRY)
    if not ids and entry is None:
        return None
    source = {V2_STAMP_ID: f"v2 stamp {V2_STAMP_ID:#x}", V1_STAMP_ID: f"v1 stamp {V1_STAMP_ID:#x}"}.get(
        ids[0] if ids else 0, STAMP_ENTRY
    )
    notes: list[str] = []
    if V1_STAMP_ID in ids:
        notes.append(
            f"a SourceStamp v1 block ({V1_STAMP_ID:#x}): neither apksigner (31, aosp14) nor Android "
            "verifies v1 stamps, only v2 ones"
        )
    value: bytes | None = None
    if V2_STAMP_ID in ids and block is not None:
        try:
            value = read_scheme_value(f, block, V2_STAMP_ID)
        except Malformed as exc:
            return ExtraSignature(
                "source_stamp",
                source,
                warnings=(f"unreadable SourceStamp block ({exc})",),
                notes=tuple(notes),
            )
    described = _stamp_certificate(value)
    if entry is None:
        # apksigner verify skips a stamp block without the entry; its --verify-source-stamp says this:
        return ExtraSignature(
            "source_stamp",
            source,
            signer=described,
            errors=(
                "A source stamp signature block was found without a corresponding certificate digest in the "
                "APK",
            ),
            notes=tuple(notes),
        )
    if not facts.verified:
        return ExtraSignature(
            "source_stamp",
            source,
            checked=False,
            signer=described,
            notes=(
                *notes,
                "not checked: apksigner checks the stamp only once the APK's own signature verifies",
            ),
        )
    if value is None:
        return ExtraSignature(
            "source_stamp",
            source,
            warnings=("No SourceStamp signature",),
            notes=tuple(notes),
        )
    try:
        named = read_entry_bytes(f, layout, entry, max_size=1024)
    except ApkFormatError as exc:
        return ExtraSignature(
            "source_stamp",
            source,
            signer=described,
            warnings=(f"unreadable {STAMP_ENTRY} entry ({exc})",),
            notes=tuple(notes),
        )
    try:
        digests = _stamp_digests(f, layout, facts)
    except ApkFormatError as exc:
        return ExtraSignature(
            "source_stamp",
            source,
            signer=described,
            warnings=(f"unreadable {_V1_MANIFEST} ({exc})",),
            notes=tuple(notes),
        )
    check = _StampCheck(named, digests, max(facts.min_sdk, STAMP_MIN_SDK), facts.max_sdk)
    try:
        check.run(value)
    except _StampWarning as exc:
        check.warnings.append(str(exc))
    except (Malformed, struct.error, IndexError):
        check.warnings.append("Malformed SourceStamp signature")
    return ExtraSignature(
        "source_stamp",
        source,
        verified=not check.warnings,
        signer=check.cert,
        warnings=tuple(check.warnings),
        notes=(*notes, *check.infos),
        lineage=tuple(check.lineage),
        details={"timestamp": check.timestamp},
    )


def _stamp_certificate(value: bytes | None) -> Certificate | None:
    """The stamp block's certificate, to describe it (None when unreadable)."""
    if value is None:
        return None
    try:
        return parse_certificate(Buf(value).prefixed().prefixed_bytes())
    except (Malformed, CertificateError):
        return None


def _encode_digests(digests: Mapping[int, bytes]) -> bytes:
    """encodeAsSequenceOfLengthPrefixedPairsOfIntAndLengthPrefixedBytes, sorted by digest id."""
    return b"".join(struct.pack("<III", 8 + len(v), k, len(v)) + v for k, v in sorted(digests.items()))


def _stamp_digests(f: BinaryIO, layout: ZipLayout, facts: ApkFacts) -> dict[int, bytes]:
    """What the stamp must have signed, per signature scheme id (ApkVerifier's map; v3.1 is left out, as
    the stamp verifier skips it)."""
    out: dict[int, bytes] = {}
    for name, scheme_id in (("v3", 3), ("v2", 2)):
        signers = facts.schemes.get(name)
        if signers is None:
            continue
        merged: dict[int, bytes] = {}
        for signer in signers:
            merged.update({_CONTENT_DIGEST_IDS[d]: v for d, v in signer.digests.items()})
        out[scheme_id] = _encode_digests(merged)
    if facts.v1_checked:
        entry = layout.find(_V1_MANIFEST)
        v1: dict[int, bytes] = {}
        if entry is not None:
            manifest = read_entry_bytes(f, layout, entry, max_size=_MAX_MANIFEST)
            v1[_V1_SHA256_ID] = hashlib.sha256(manifest).digest()
        out[1] = _encode_digests(v1)
    return out


class _StampCheck:
    """SourceStampVerifier.verifyV2SourceStamp over one stamp block value; raises _StampWarning."""

    def __init__(self, named: bytes, digests: dict[int, bytes], min_sdk: int, max_sdk: int) -> None:
        self.named = named
        self.digests = digests
        self.min_sdk = min_sdk
        self.max_sdk = max_sdk
        self.cert: Certificate | None = None
        self.key: Any = None
        self.key_error = ""
        self.lineage: list[Certificate] = []
        self.timestamp: int | None = None
        self.infos: list[str] = []  # apksig's info messages: they do not fail the stamp
        self.warnings: list[str] = []  # each fails the stamp (never the APK)

    def run(self, value: bytes) -> None:
        stamp = Buf(value).prefixed()
        der = stamp.prefixed_bytes()
        try:
            self.cert = parse_certificate(der)
        except CertificateError as exc:
            raise _StampWarning(f"Malformed certificate: {exc}") from None
        try:
            self.key = load_public_key(certificate_spki(der))
        except CertificateError as exc:
            self.key_error = str(exc)
        if hashlib.sha256(der).digest() != self.named:
            raise _StampWarning(
                "Certificate mismatch between SourceStamp block in APK signing block and SourceStamp file "
                f"in APK: <{self.cert.sha256}> vs <{_hex(self.named)}>"
            )
        signed_schemes = stamp.prefixed()
        per_scheme: dict[int, Buf] = {}
        while signed_schemes.remaining():
            one = signed_schemes.prefixed()
            scheme_id = one.u32()
            per_scheme[scheme_id] = one.prefixed()
        for scheme_id in sorted(self.digests):  # HashMap<Integer> order: ascending
            if scheme_id not in per_scheme:
                raise _StampWarning("No signature")
            self.signatures(self.digests[scheme_id], per_scheme[scheme_id])
        if stamp.remaining():
            attrs = stamp.prefixed()
            attr_sigs = stamp.prefixed()
            self.signatures(attrs.whole(), attr_sigs)
            self.attributes(attrs)

    def signatures(self, data: bytes, sigs: Buf) -> None:
        """verifySourceStampSignature: the strongest signature per JCA level must verify."""
        supported: list[tuple[SigAlg, bytes]] = []
        while sigs.remaining():
            try:
                one = sigs.prefixed()
                alg_id = one.u32()
                signature = one.prefixed_bytes()
            except Malformed:
                raise _StampWarning("Malformed SourceStamp signature") from None
            alg = SIG_ALGS.get(alg_id)
            if alg is None:
                self.infos.append(f"Unknown signature algorithm: {alg_id:#x}")
                continue
            supported.append((alg, signature))
        if not supported:
            raise _StampWarning("No signature")
        best: dict[int, tuple[SigAlg, bytes]] = {}
        for alg, signature in supported:
            level = _JCA_MIN_SDK[alg.id]
            if level > self.max_sdk:
                continue
            current = best.get(level)
            if current is None or _RANK[alg.digest] > _RANK[current[0].digest]:
                best[level] = (alg, signature)
        if not best or self.min_sdk < min(best):
            names = ", ".join(a.name for a, _ in supported)
            raise _StampWarning(f"Signature(s) {{{names}}} not supported")
        for alg, signature in sorted(best.values(), key=lambda pair: pair[0].id):
            if self.key is None:
                raise _StampWarning(f"Failed to verify {alg.name} signature: {self.key_error}")
            if not verify_signature(self.key, alg.kind, alg.hash, signature, data, pss_salt=alg.pss_salt):
                raise _StampWarning(f"{alg.name} signature over signed-data did not verify")

    def attributes(self, attrs: Buf) -> None:
        """parseStampAttributes: the lineage and the timestamp; others are only noted (aosp14). A bad
        lineage or timestamp is a warning and the next attributes are still read, as apksig does."""
        try:
            inner = attrs.prefixed()
        except Malformed:
            raise _StampWarning("Malformed SourceStamp signature") from None
        count = 0
        while inner.remaining():
            count += 1
            try:
                attr = inner.prefixed()
                attr_id = attr.u32()
                value = attr.rest()
                if attr_id == STAMP_TIME_ATTR and len(value) < 8:
                    raise Malformed("short timestamp")
            except Malformed:
                raise _StampWarning(f"Malformed stamp attribute #{count}") from None
            if attr_id == STAMP_LINEAGE_ATTR:
                try:
                    self.read_lineage(value)
                except _StampWarning as exc:
                    self.warnings.append(str(exc))
            elif attr_id == STAMP_TIME_ATTR:
                (stamp_time,) = struct.unpack_from("<q", value)
                if stamp_time > 0:
                    self.timestamp = stamp_time
                else:
                    self.warnings.append(
                        f"The source stamp timestamp attribute has an invalid value: {stamp_time}"
                    )
            else:
                # aosp14 notes it (an info message); Debian's 31 knows no timestamp attribute and warns
                # "Unknown stamp attribute" for it, so it calls aosp14's own stamps unverified.
                # We follow aosp14.
                self.infos.append(f"Unknown stamp attribute: ID {attr_id:#x}")

    def read_lineage(self, value: bytes) -> None:
        """readStampCertificateLineage, with its warnings: 33 malformed, 34 mismatch, 35 did not verify."""
        malformed = (
            "Failed to parse the SigningCertificateLineage structure in the source stamp attributes section."
        )
        mismatch = (
            "APK signing certificate differs from the associated certificate found in the signer's "
            "SigningCertificateLineage."
        )
        not_verified = (
            "Source stamp SigningCertificateLineage attribute contains a proof-of-rotation record "
            "with signature(s) that did not verify."
        )
        buf = Buf(value)
        if not buf.remaining():
            raise _StampWarning(malformed)
        try:
            if buf.u32() != 1:
                raise _StampWarning(mismatch)  # IllegalArgumentException, which apksig reports this way
            nodes: list[Certificate] = []
            seen: set[bytes] = set()
            parent_key: Any = None
            parent_alg_id = 0
            while buf.remaining():
                node = buf.prefixed()
                signed = node.prefixed()
                node.u32()  # flags
                alg_id = node.u32()
                signature = node.prefixed_bytes()
                if parent_key is not None:
                    alg = SIG_ALGS.get(parent_alg_id)
                    if alg is None:
                        raise _StampWarning(malformed)
                    if not verify_signature(
                        parent_key, alg.kind, alg.hash, signature, signed.whole(), pss_salt=alg.pss_salt
                    ):
                        raise _StampWarning(not_verified)
                der = signed.prefixed_bytes()
                signed_alg = signed.u32()
                if parent_key is not None and signed_alg != parent_alg_id:
                    raise _StampWarning(not_verified)
                try:
                    cert = parse_certificate(der)
                    parent_key = load_public_key(certificate_spki(der))
                except CertificateError:
                    raise _StampWarning(not_verified) from None
                if der in seen:
                    raise _StampWarning(not_verified)
                seen.add(der)
                nodes.append(cert)
                parent_alg_id = alg_id
        except Malformed:
            raise _StampWarning(malformed) from None
        if not nodes:
            raise _StampWarning(malformed)
        self.lineage = nodes
        if self.cert is None or nodes[-1].der != self.cert.der:
            raise _StampWarning(mismatch)
