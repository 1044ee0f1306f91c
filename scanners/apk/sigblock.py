"""APK Signing Block and APK Signature Schemes v2, v3 and v3.1: parse, verify, and digest the content.

Follows Android's apksig (ApkSigningBlockUtils, V2SchemeVerifier, V3SchemeVerifier,
SigningCertificateLineage): a signing block whose own lengths lie counts as absent (apksig says
"signature not found" and falls back to the older schemes); inside a found scheme block every
malformation is an error. The content digests (1 MiB chunks of the entries, the central directory and
the end record with its directory offset pointing at the signing block) are computed in one streaming
pass shared by every scheme and algorithm that needs them.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from scanners.apk.certs import (
    Certificate,
    CertificateError,
    canonical_spki,
    certificate_spki,
    load_public_key,
    parse_certificate,
    same_public_key,
    verify_signature,
)
from scanners.apk.zipread import CHUNK, ApkFormatError, ZipLayout

MAGIC = b"APK Sig Block 42"
V2_ID = 0x7109871A
V3_ID = 0xF05368C0
V31_ID = 0x1B93AD61
STRIPPING_PROTECTION_ATTR = 0xBEEFF00D
PROOF_OF_ROTATION_ATTR = 0x3BA06F8C
ROTATION_MIN_SDK_ATTR = 0x559F8B02
SCHEME_NAMES = {2: "APK Signature Scheme v2", 3: "APK Signature Scheme v3"}
SDK_N, SDK_P, SDK_T = 24, 28, 33
MAX_SDK = 2**31 - 1
MAX_V2_SIGNERS = 10  # apksig Constants.MAX_APK_SIGNERS (v1 and v2 only)


@dataclass(frozen=True)
class SigAlg:
    """An APK Signature Scheme signature algorithm."""

    id: int
    name: str
    kind: str  # RSA, EC, DSA
    hash: str
    pss_salt: int
    digest: str  # content digest: sha256, sha512, verity
    min_sdk: int


SIG_ALGS = {
    a.id: a
    for a in (
        SigAlg(0x0101, "RSA_PSS_WITH_SHA256", "RSA", "sha256", 32, "sha256", SDK_N),
        SigAlg(0x0102, "RSA_PSS_WITH_SHA512", "RSA", "sha512", 64, "sha512", SDK_N),
        SigAlg(0x0103, "RSA_PKCS1_V1_5_WITH_SHA256", "RSA", "sha256", 0, "sha256", SDK_N),
        SigAlg(0x0104, "RSA_PKCS1_V1_5_WITH_SHA512", "RSA", "sha512", 0, "sha512", SDK_N),
        SigAlg(0x0201, "ECDSA_WITH_SHA256", "EC", "sha256", 0, "sha256", SDK_N),
        SigAlg(0x0202, "ECDSA_WITH_SHA512", "EC", "sha512", 0, "sha512", SDK_N),
        SigAlg(0x0301, "DSA_WITH_SHA256", "DSA", "sha256", 0, "sha256", SDK_N),
        SigAlg(0x0421, "VERITY_RSA_PKCS1_V1_5_WITH_SHA256", "RSA", "sha256", 0, "verity", SDK_P),
        SigAlg(0x0423, "VERITY_ECDSA_WITH_SHA256", "EC", "sha256", 0, "verity", SDK_P),
        SigAlg(0x0425, "VERITY_DSA_WITH_SHA256", "DSA", "sha256", 0, "verity", SDK_P),
    )
}
# apksig's ordering of content digests: SHA-256 < VERITY(SHA-256) < SHA-512.
_DIGEST_RANK = {"sha256": 0, "verity": 1, "sha512": 2}


class Malformed(Exception):
    """A length or field inside a scheme block that does not fit."""


class Buf:
    """Little-endian reader over a bytes slice; every read is bounds-checked."""

    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = start
        self.end = len(data) if end is None else end

    def remaining(self) -> int:
        return self.end - self.pos

    def u32(self) -> int:
        if self.remaining() < 4:
            raise Malformed("truncated integer")
        (value,) = struct.unpack_from("<I", self.data, self.pos)
        self.pos += 4
        return int(value)

    def i32(self) -> int:
        value = self.u32()
        return value - (1 << 32) if value >= 1 << 31 else value

    def prefixed(self) -> Buf:
        """A length-prefixed (uint32) slice."""
        if self.remaining() < 4:
            raise Malformed("no room for a length")
        size = self.i32()
        if size < 0 or size > self.remaining():
            raise Malformed(f"length {size} out of range (available {self.remaining()})")
        sub = Buf(self.data, self.pos, self.pos + size)
        self.pos += size
        return sub

    def prefixed_bytes(self) -> bytes:
        sub = self.prefixed()
        return bytes(sub.data[sub.pos : sub.end])

    def rest(self) -> bytes:
        out = bytes(self.data[self.pos : self.end])
        self.pos = self.end
        return out

    def whole(self) -> bytes:
        return bytes(self.data[self.pos : self.end])


# ---------------------------------------------------------------------------------------- the block


# Real signing blocks hold a handful of pairs of a few KiB; these caps keep a hostile one bounded.
MAX_PAIRS = 10_000
MAX_SCHEME_VALUE = 16 << 20


@dataclass(frozen=True)
class SigningBlock:
    """The APK Signing Block: where it starts, and where the first value of each pair id lies."""

    offset: int
    size: int  # whole block, size fields and magic included
    pairs: dict[int, tuple[int, int]]  # id -> (file offset of the value, its length)
    stop_reason: str  # why the walk over the pairs ended early ("" when it reached the end)


def find_signing_block(f: BinaryIO, layout: ZipLayout) -> SigningBlock | str:
    """The signing block right before the central directory, or the reason it counts as absent.

    Only the pair headers are read here (apksig's walk: a malformed pair hides every id after it);
    values are read on demand by `read_scheme_value`.
    """
    cd_start = layout.cd_offset
    if cd_start + layout.cd_size != layout.eocd_offset:
        return "central directory is not immediately followed by the end record"
    if cd_start < 32:
        return "too small for an APK Signing Block"
    f.seek(cd_start - 24)
    footer = f.read(24)
    if len(footer) != 24 or footer[8:] != MAGIC:
        return "no APK Signing Block before the central directory"
    size_footer = int.from_bytes(footer[:8], "little")
    if size_footer < 24 or size_footer > 2**31 - 1 - 8:
        return f"APK Signing Block size out of range: {size_footer}"
    total = size_footer + 8
    offset = cd_start - total
    if offset < 0:
        return f"APK Signing Block offset out of range: {offset}"
    f.seek(offset)
    if int.from_bytes(f.read(8), "little") != size_footer:
        return "APK Signing Block sizes in header and footer differ"
    pairs: dict[int, tuple[int, int]] = {}
    pos, end, count, stop = offset + 8, cd_start - 24, 0, ""
    while pos < end:
        count += 1
        if count > MAX_PAIRS:
            stop = f"more than {MAX_PAIRS} entries in the APK Signing Block"
            break
        if end - pos < 8:
            stop = f"not enough data for the size of signing block entry #{count}"
            break
        f.seek(pos)
        head = f.read(12)
        size = int.from_bytes(head[:8], "little")
        if size < 4 or size > 2**31 - 1 or size > end - pos - 8:
            stop = f"signing block entry #{count} size out of range: {size}"
            break
        pairs.setdefault(int.from_bytes(head[8:12], "little"), (pos + 12, size - 4))
        pos += 8 + size
    return SigningBlock(offset, total, pairs, stop)


def read_scheme_value(f: BinaryIO, block: SigningBlock, block_id: int) -> bytes | None:
    """The value of the first pair with this id (None when absent). Raises Malformed when it is too large."""
    where = block.pairs.get(block_id)
    if where is None:
        return None
    offset, size = where
    if size > MAX_SCHEME_VALUE:
        raise Malformed(f"scheme block of {size} bytes is too large")
    f.seek(offset)
    value = f.read(size)
    if len(value) != size:
        raise Malformed("file ends inside the scheme block")
    return value


# ------------------------------------------------------------------------------------------ signers


@dataclass
class LineageNode:
    """One certificate of a v3 proof-of-rotation lineage."""

    cert: Certificate
    flags: int


@dataclass
class Signer:
    """One signer of a v2/v3/v3.1 block, filled in as it is parsed and checked."""

    index: int
    certs: list[Certificate] = field(default_factory=list)
    min_sdk: int = 0
    max_sdk: int = MAX_SDK
    digests: list[tuple[int, bytes]] = field(default_factory=list)  # (signature algorithm id, digest)
    lineage: list[LineageNode] | None = None
    rotation_min_sdk: int | None = None
    sig_alg_ids: list[int] = field(default_factory=list)  # every signature record, known or not
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class SchemeCheck:
    """The state of one scheme's verification."""

    name: str  # v2, v3, v3.1
    signers: list[Signer] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    digests_needed: set[str] = field(default_factory=set)
    lineage: list[LineageNode] | None = None

    def has_errors(self) -> bool:
        return bool(self.errors) or self.fatal()

    def fatal(self) -> bool:
        """Errors on a signer. apksig only propagates these: errors of the scheme block as a whole
        (no signers, malformed signer list, SDK ranges, inconsistent lineages) leave the scheme
        unverified but present, and apksigner goes on with the other schemes."""
        return any(s.errors for s in self.signers)

    def signer_errors(self) -> list[str]:
        return [f"{self.name} signer #{s.index + 1}: {e}" for s in self.signers for e in s.errors]

    def block_errors(self) -> list[str]:
        return [f"{self.name}: {e}" for e in self.errors]

    def all_errors(self) -> list[str]:
        out = [f"{self.name}: {e}" for e in self.errors]
        for s in self.signers:
            out.extend(f"{self.name} signer #{s.index + 1}: {e}" for e in s.errors)
        return out

    def all_warnings(self) -> list[str]:
        out = [f"{self.name}: {w}" for w in self.warnings]
        for s in self.signers:
            out.extend(f"{self.name} signer #{s.index + 1}: {w}" for w in s.warnings)
        return out


def signatures_to_verify(
    sigs: Iterable[tuple[SigAlg, bytes]], min_sdk: int, max_sdk: int
) -> list[tuple[SigAlg, bytes]]:
    """apksig's choice: the strongest signature per minimum SDK level, each of which must verify."""
    best: dict[int, tuple[SigAlg, bytes]] = {}
    min_provided = MAX_SDK + 1
    for alg, sig in sigs:
        if alg.min_sdk > max_sdk:
            continue
        min_provided = min(min_provided, alg.min_sdk)
        current = best.get(alg.min_sdk)
        if current is None or _DIGEST_RANK[alg.digest] > _DIGEST_RANK[current[0].digest]:
            best[alg.min_sdk] = (alg, sig)
    if min_sdk < min_provided or not best:
        raise Malformed(f"no signature algorithm supported on Android API {min_sdk}")
    return sorted(best.values(), key=lambda pair: pair[0].id)


def _check_signatures(
    signer: Signer, signed_data: bytes, sigs_buf: Buf, public_key: bytes, min_sdk: int, max_sdk: int
) -> list[SigAlg] | None:
    """Verify the signatures over signed data; the list of verified algorithms, or None on error."""
    seen: list[int] = []
    supported: list[tuple[SigAlg, bytes]] = []
    count = 0
    while sigs_buf.remaining():
        count += 1
        try:
            one = sigs_buf.prefixed()
            alg_id = one.u32()
            sig = one.prefixed_bytes()
        except Malformed:
            signer.errors.append(f"malformed signature record #{count}")
            return None
        seen.append(alg_id)
        alg = SIG_ALGS.get(alg_id)
        if alg is None:
            signer.warnings.append(f"unknown signature algorithm {alg_id:#x}")
            continue
        supported.append((alg, sig))
    if not seen:
        signer.errors.append("no signatures")
        return None
    try:
        chosen = signatures_to_verify(supported, min_sdk, max_sdk)
    except Malformed as exc:
        signer.errors.append(str(exc))
        return None
    try:
        key = load_public_key(public_key)
    except CertificateError as exc:
        signer.errors.append(str(exc))
        return None
    verified: list[SigAlg] = []
    for alg, sig in chosen:
        if not verify_signature(key, alg.kind, alg.hash, sig, signed_data, pss_salt=alg.pss_salt):
            signer.errors.append(f"{alg.name} signature over signed data did not verify")
            return None
        verified.append(alg)
    signer.sig_alg_ids = seen
    return verified


def parse_lineage(value: bytes) -> list[LineageNode]:
    """Read and verify a proof-of-rotation lineage (each certificate signed by the one before it).

    Raises Malformed for a bad encoding and ValueError for a lineage that does not verify.
    """
    buf = Buf(value)
    if buf.u32() != 1:
        raise ValueError("unknown lineage version")
    nodes: list[LineageNode] = []
    seen: set[bytes] = set()
    last_key: Any = None
    last_alg_id = 0
    while buf.remaining():
        node = buf.prefixed()
        signed = node.prefixed()
        signed_bytes = signed.whole()
        flags = node.u32()
        alg_id = node.u32()
        signature = node.prefixed_bytes()
        if last_key is not None:
            alg = SIG_ALGS.get(last_alg_id)
            if alg is None:
                raise ValueError(f"lineage certificate #{len(nodes) + 1}: unknown algorithm")
            if not verify_signature(
                last_key, alg.kind, alg.hash, signature, signed_bytes, pss_salt=alg.pss_salt
            ):
                raise ValueError(f"lineage certificate #{len(nodes) + 1} is not signed by the previous one")
        der = signed.prefixed_bytes()
        signed_alg = signed.u32()
        if last_key is not None and signed_alg != last_alg_id:
            raise ValueError(f"lineage certificate #{len(nodes) + 1}: signature algorithm mismatch")
        cert = parse_certificate(der)
        if der in seen:
            raise ValueError("lineage lists a certificate twice")
        seen.add(der)
        last_key = load_public_key(certificate_spki(der))
        last_alg_id = alg_id
        nodes.append(LineageNode(cert, flags))
    return nodes


def parse_signer(
    scheme: str,
    signer: Signer,
    buf: Buf,
    min_sdk: int,
    max_sdk: int,
    found_ids: set[int],
    check: SchemeCheck,
) -> None:
    """Parse and check one signer record (apksig's V2/V3SchemeVerifier.parseSigner). Raises Malformed."""
    v3 = scheme != "v2"
    signed = buf.prefixed()
    signed_data = signed.whole()
    if v3:
        signer.min_sdk = buf.i32()
        signer.max_sdk = buf.i32()
        if signer.min_sdk < 0 or signer.min_sdk > signer.max_sdk:
            signer.errors.append(f"invalid SDK range {signer.min_sdk}..{signer.max_sdk}")
    sigs = buf.prefixed()
    public_key = buf.prefixed_bytes()
    if v3:
        verified = _check_signatures(signer, signed_data, sigs, public_key, signer.min_sdk, signer.max_sdk)
    else:
        verified = _check_signatures(signer, signed_data, sigs, public_key, min_sdk, max_sdk)
    if verified is None:
        return
    digests_buf = signed.prefixed()
    certs_buf = signed.prefixed()
    if v3:
        signed_min = signed.i32()
        signed_max = signed.i32()
        if signed_min != signer.min_sdk or signed_max != signer.max_sdk:
            signer.errors.append("SDK range differs between the signer record and its signed data")
    attrs_buf = signed.prefixed()
    count = 0
    cert_ders: list[bytes] = []
    while certs_buf.remaining():
        count += 1
        der = certs_buf.prefixed_bytes()
        try:
            signer.certs.append(parse_certificate(der))
        except CertificateError as exc:
            signer.errors.append(f"certificate #{count}: {exc}")
            return
        cert_ders.append(der)
    if not signer.certs:
        signer.errors.append("no certificates")
        return
    try:
        cert_key = certificate_spki(cert_ders[0])
    except CertificateError as exc:
        signer.errors.append(str(exc))
        return
    if not public_key_matches(public_key, cert_key):
        signer.errors.append("public key differs from the certificate's")
        return
    count = 0
    while digests_buf.remaining():
        count += 1
        try:
            one = digests_buf.prefixed()
            alg_id = one.u32()
            signer.digests.append((alg_id, one.prefixed_bytes()))
        except Malformed:
            signer.errors.append(f"malformed digest record #{count}")
            return
    if [a for a, _ in signer.digests] != signer.sig_alg_ids:
        signer.errors.append("signature algorithms differ between the signatures and digests records")
        return
    count = 0
    while attrs_buf.remaining():
        count += 1
        try:
            attr = attrs_buf.prefixed()
            attr_id = attr.u32()
            value = attr.rest()
        except Malformed:
            signer.errors.append(f"malformed additional attribute #{count}")
            return
        if not v3 and attr_id == STRIPPING_PROTECTION_ATTR:
            if len(value) < 4:
                signer.errors.append("malformed stripping protection attribute")
                return
            wanted = int.from_bytes(value[:4], "little")
            if wanted in SCHEME_NAMES:
                if wanted not in found_ids:
                    signer.errors.append(
                        f"signed with {SCHEME_NAMES[wanted]} too, but that signature is missing (stripped)"
                    )
            else:
                signer.warnings.append(f"stripping protection names unknown scheme {wanted}")
        elif v3 and attr_id == PROOF_OF_ROTATION_ATTR:
            try:
                signer.lineage = parse_lineage(value)
            except Malformed:
                signer.errors.append("malformed proof-of-rotation lineage")
                continue
            except (ValueError, CertificateError) as exc:
                signer.errors.append(f"proof-of-rotation lineage did not verify: {exc}")
                continue
            if not signer.lineage or signer.lineage[-1].cert.der != signer.certs[0].der:
                signer.errors.append("proof-of-rotation lineage does not end with the signer's certificate")
        elif v3 and attr_id == ROTATION_MIN_SDK_ATTR and len(value) >= 4:
            signer.rotation_min_sdk = int.from_bytes(value[:4], "little")
        else:
            signer.warnings.append(f"unknown additional attribute {attr_id:#x}")
    for alg in verified:
        check.digests_needed.add(alg.digest)


def public_key_matches(record_key: bytes, cert_key: bytes) -> bool:
    """A signer record's SubjectPublicKeyInfo against its certificate's (apksig's encodePublicKey compare)."""
    if record_key == cert_key:
        return True
    try:
        return canonical_spki(load_public_key(cert_key)) == record_key or same_public_key(
            record_key, cert_key
        )
    except CertificateError:
        return False


def parse_scheme(scheme: str, value: bytes, min_sdk: int, max_sdk: int, found_ids: set[int]) -> SchemeCheck:
    """Parse every signer of a v2/v3/v3.1 block and check its signatures (content digests come later)."""
    check = SchemeCheck(scheme)
    try:
        signers = Buf(value).prefixed()
    except Malformed:
        check.errors.append("malformed list of signers")
        return check
    if not signers.remaining():
        check.errors.append("no signers")
        return check
    while signers.remaining():
        signer = Signer(len(check.signers))
        check.signers.append(signer)
        try:
            parse_signer(scheme, signer, signers.prefixed(), min_sdk, max_sdk, found_ids, check)
        except Malformed as exc:
            signer.errors.append(f"malformed signer: {exc}")
            return check
    if scheme == "v2" and len(check.signers) > MAX_V2_SIGNERS:
        # Current apksig (aosp14) rejects the APK; Debian's apksigner 31 has no limit. We follow aosp14.
        check.signers[-1].errors.append(
            f"{len(check.signers)} signers; APK Signature Scheme v2 allows at most {MAX_V2_SIGNERS}"
        )
    return check


def check_integrity(check: SchemeCheck, actual: dict[str, bytes]) -> None:
    """Compare each signer's content digests with the computed ones (apksig's verifyIntegrity)."""
    for signer in check.signers:
        for alg_id, expected in signer.digests:
            alg = SIG_ALGS.get(alg_id)
            if alg is None or alg.digest not in check.digests_needed:
                continue
            if alg.digest not in actual:
                continue  # verity that could not be computed: already an error on this signer
            if actual[alg.digest] != expected:
                signer.errors.append(
                    f"APK content digest ({alg.name}) does not match: the content changed after signing"
                )


def check_v3_ranges(check: SchemeCheck, min_sdk: int, max_sdk: int) -> None:
    """v3 signers must cover the SDK range without holes; lineages must only grow; consolidate them."""
    ordered = sorted(check.signers, key=lambda s: s.min_sdk)
    first_min = last_max = last_lineage = 0
    lineages: list[list[LineageNode]] = []
    for i, signer in enumerate(ordered):
        if i == 0:
            first_min = signer.min_sdk
        elif signer.min_sdk != last_max + 1:
            check.errors.append("signers' SDK ranges overlap or leave a gap")
            break
        last_max = signer.max_sdk
        if signer.lineage is not None:
            if len(signer.lineage) < last_lineage:
                check.errors.append("signers' lineages are inconsistent")
                break
            last_lineage = len(signer.lineage)
            lineages.append(signer.lineage)
    if first_min > min_sdk or last_max < max_sdk:
        check.errors.append(f"signers cover only SDK {first_min}..{last_max}, not {min_sdk}..{max_sdk}")
    if lineages:
        longest = max(lineages, key=len)
        for lineage in lineages:
            if [n.cert.der for n in lineage] != [n.cert.der for n in longest[: len(lineage)]]:
                check.errors.append("signers' lineages are inconsistent")
                break
        check.lineage = longest


# ----------------------------------------------------------------------------------- content digests


PAGE = 4096


_VERITY_SALT = bytes(8)


def _salted(page: bytes | bytearray | memoryview) -> bytes:
    h = hashlib.sha256(_VERITY_SALT)
    h.update(page)
    return h.digest()


class _VerityLeaves:
    """SHA-256 of each 4 KiB page of a byte stream fed in pieces (the last page zero-padded), salted with
    8 zero bytes as apksig's VerityTreeBuilder does."""

    def __init__(self) -> None:
        self.digests: list[bytes] = []
        self.carry = bytearray()
        self.total = 0

    def feed(self, piece: memoryview | bytes) -> None:
        self.total += len(piece)
        view = memoryview(piece)
        if self.carry:
            take = min(PAGE - len(self.carry), len(view))
            self.carry += view[:take]
            view = view[take:]
            if len(self.carry) == PAGE:
                self.digests.append(_salted(self.carry))
                self.carry.clear()
        full = len(view) - len(view) % PAGE
        self.digests.extend(_salted(view[i : i + PAGE]) for i in range(0, full, PAGE))
        self.carry += view[full:]

    def digest(self) -> bytes:
        """apksig's VERITY_CHUNKED_SHA256: Merkle tree root over 4 KiB pages, then the data size (LE64)."""
        if self.carry:
            self.digests.append(_salted(bytes(self.carry) + bytes(PAGE - len(self.carry))))
            self.carry.clear()
        level = b"".join(self.digests)
        while len(level) > PAGE:
            level += bytes(-len(level) % PAGE)
            level = b"".join(_salted(level[i : i + PAGE]) for i in range(0, len(level), PAGE))
        root = _salted(level + bytes(PAGE - len(level)))
        return root + self.total.to_bytes(8, "little")


def _read_full(f: BinaryIO, view: memoryview) -> int:
    """Fill `view` from the file; fewer bytes only at its end."""
    got = 0
    while got < len(view):
        n = f.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            break
        got += n
    return got


# Files with at least this many 1 MiB chunks digest them in two threads (two cores, half the wait).
PARALLEL_CHUNKS = 16


def _fileno(f: BinaryIO) -> int | None:
    try:
        return f.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def _chunk_digests(fd: int, ranges: list[tuple[int, int]], constructors: list[Any]) -> list[list[bytes]]:
    """Each chunk's digest (0xa5, LE32 length, the bytes) for each algorithm, read with ``os.preadv``."""
    out: list[list[bytes]] = [[] for _ in constructors]
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    for start, size in ranges:
        got = 0
        while got < size:
            n = os.preadv(fd, [view[got:size]], start + got)
            if not n:
                raise ApkFormatError("file ends early while hashing its content")
            got += n
        prefix = b"\xa5" + size.to_bytes(4, "little")
        for ctor, digests in zip(constructors, out, strict=True):
            h = ctor(prefix)
            h.update(view[:size])
            digests.append(h.digest())
    return out


def _parallel_chunk_digests(
    fd: int, ranges: list[tuple[int, int]], constructors: list[Any]
) -> list[list[bytes]]:
    mid = len(ranges) // 2
    second: list[list[list[bytes]]] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            second.append(_chunk_digests(fd, ranges[mid:], constructors))
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=work, daemon=True, name="apk-chunk-digests")
    worker.start()
    try:
        first = _chunk_digests(fd, ranges[:mid], constructors)
    finally:
        worker.join()
    if failure:
        raise failure[0]
    return [a + b for a, b in zip(first, second[0], strict=True)]


def content_digests(
    f: BinaryIO, layout: ZipLayout, block_offset: int, algorithms: set[str], buf: bytearray | None = None
) -> dict[str, bytes]:
    """CHUNKED_SHA256 / CHUNKED_SHA512 / VERITY_CHUNKED_SHA256 over the three signed sections, reading the
    file once in 1 MiB chunks. VERITY needs the entries and the signing block 4 KiB aligned; when they are
    not, it is left out of the result (the caller reports it, as apksig fails there)."""
    algs = sorted(a for a in algorithms if a in ("sha256", "sha512"))
    verity: _VerityLeaves | None = None
    if "verity" in algorithms and block_offset % PAGE == 0 and (layout.cd_offset - block_offset) % PAGE == 0:
        verity = _VerityLeaves()
    if not algs and verity is None:
        return {}
    eocd = bytearray(layout.eocd)
    eocd[16:20] = block_offset.to_bytes(4, "little")  # the CD offset, as if no signing block existed
    constructors = [getattr(hashlib, a) for a in algs]
    parts: list[list[bytes]] = [[] for _ in algs]
    if buf is None:
        buf = bytearray(CHUNK)
    view = memoryview(buf)

    def add(chunk: memoryview | bytes) -> None:
        prefix = b"\xa5" + len(chunk).to_bytes(4, "little")
        for ctor, out in zip(constructors, parts, strict=True):
            h = ctor(prefix)
            h.update(chunk)
            out.append(h.digest())
        if verity is not None:
            verity.feed(chunk)

    sections = ((0, block_offset), (layout.cd_offset, layout.eocd_offset - layout.cd_offset))
    ranges = [(start + i, min(CHUNK, size - i)) for start, size in sections for i in range(0, size, CHUNK)]
    fd = _fileno(f)
    if verity is None and fd is not None and len(ranges) >= PARALLEL_CHUNKS:
        # Big file: the second half of the chunks in a worker thread (positional reads on the same
        # descriptor; hashlib releases the GIL), the first half here; the digests are joined in order.
        for out, half in zip(parts, _parallel_chunk_digests(fd, ranges, constructors), strict=True):
            out.extend(half)
    else:
        for start, size in sections:
            f.seek(start)
            remaining = size
            while remaining:
                n = _read_full(f, view[: min(CHUNK, remaining)])
                if not n:
                    raise ApkFormatError("file ends early while hashing its content")
                remaining -= n
                add(view[:n])
    add(bytes(eocd))
    result = {}
    for alg, ctor, out in zip(algs, constructors, parts, strict=True):
        top = ctor(b"\x5a" + len(out).to_bytes(4, "little"))
        top.update(b"".join(out))
        result[alg] = top.digest()
    if verity is not None:
        result["verity"] = verity.digest()
    return result
