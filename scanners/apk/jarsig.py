"""v1 (JAR) signature verification the way Android's apksig does it.

Checks, in apksig's order: every manifest section names an existing entry; each PKCS#7 block
(`META-INF/*.RSA|DSA|EC`) verifies its `.SF` (signed attributes, message digest, the signer's
certificate found by issuer and serial); each `.SF` covers the manifest (whole-file digest, else
per-section digests, plus the main-attributes digest); `X-Android-APK-Signed` names v2/v3 signatures
that must be present (stripping protection); finally the manifest's digest of every entry outside
META-INF is checked against the entry's uncompressed bytes, streamed once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from asn1crypto import cms
from cryptography import x509

from scanners.apk.certs import (
    Certificate,
    CertificateError,
    certificate_spki,
    load_public_key,
    parse_certificate,
    verify_signature,
)
from scanners.apk.zipread import ApkFormatError, ZipEntry, ZipLayout, iter_entry, read_entry_bytes

MANIFEST = "META-INF/MANIFEST.MF"
MAX_META_SIZE = 32 << 20  # manifest, .SF and signature blocks are read whole; real ones are far smaller
SDK_JB_MR2, SDK_KITKAT, SDK_N = 18, 19, 24
MAX_SIGNERS = 10  # apksig's Constants.MAX_APK_SIGNERS (aosp14; Debian's apksigner 31 has no limit)

_MD5, _SHA1, _SHA224, _SHA256, _SHA384, _SHA512 = "md5", "sha1", "sha224", "sha256", "sha384", "sha512"
_DIGEST_OIDS = {
    "1.2.840.113549.2.5": _MD5,
    "1.3.14.3.2.26": _SHA1,
    "2.16.840.1.101.3.4.2.4": _SHA224,
    "2.16.840.1.101.3.4.2.1": _SHA256,
    "2.16.840.1.101.3.4.2.2": _SHA384,
    "2.16.840.1.101.3.4.2.3": _SHA512,
}
# Signature algorithm OID → (key kind, hash the signature uses; None: the SignerInfo's digest algorithm).
# apksig's AlgorithmIdentifier.getJcaSignatureAlgorithm: a combined OID names its own hash, a bare key OID
# (rsaEncryption, dsa, ecPublicKey) takes the digest algorithm's. SHA-384/512 with DSA are not known.
_SIG_OIDS: dict[str, tuple[str, str | None]] = {
    "1.2.840.113549.1.1.1": ("RSA", None),
    "1.2.840.113549.1.1.4": ("RSA", _MD5),
    "1.2.840.113549.1.1.5": ("RSA", _SHA1),
    "1.2.840.113549.1.1.14": ("RSA", _SHA224),
    "1.2.840.113549.1.1.11": ("RSA", _SHA256),
    "1.2.840.113549.1.1.12": ("RSA", _SHA384),
    "1.2.840.113549.1.1.13": ("RSA", _SHA512),
    "1.2.840.10040.4.1": ("DSA", None),
    "1.2.840.10040.4.3": ("DSA", _SHA1),
    "2.16.840.1.101.3.4.3.1": ("DSA", _SHA224),
    "2.16.840.1.101.3.4.3.2": ("DSA", _SHA256),
    "1.2.840.10045.2.1": ("EC", None),
    "1.2.840.10045.4.1": ("EC", _SHA1),
    "1.2.840.10045.4.3.1": ("EC", _SHA224),
    "1.2.840.10045.4.3.2": ("EC", _SHA256),
    "1.2.840.10045.4.3.3": ("EC", _SHA384),
    "1.2.840.10045.4.3.4": ("EC", _SHA512),
}
_ANY = 2**31 - 1
_Ranges = tuple[tuple[int, int], ...]
_FROM0: _Ranges = ((0, _ANY),)
_OLD_AND_L: _Ranges = ((0, 8), (21, _ANY))
_L_TO_M: _Ranges = ((21, 23),)  # Android 5.0-6.0 accepted any digest with any signature hash


def _sig_alg_table() -> dict[tuple[str, str, str | None], _Ranges]:
    """API levels on which Android's JAR verifier accepts a (digest, key kind, signature hash) triple.

    apksig's OidConstants.SUPPORTED_SIG_ALG_OIDS (Android 14; the same in Debian's apksigner 31), keyed by
    the signature OID's meaning; a pair not listed is accepted on no API level.
    """
    digests = (_MD5, _SHA1, _SHA224, _SHA256, _SHA384, _SHA512)
    table: dict[tuple[str, str, str | None], _Ranges] = {}
    for kind, sig_hashes in (
        ("RSA", digests),
        ("DSA", (_SHA1, _SHA224, _SHA256)),
        ("EC", (_SHA1, _SHA224, _SHA256, _SHA384, _SHA512)),
    ):
        for digest in digests:
            for sig_hash in sig_hashes:
                if digest != sig_hash:
                    table[(digest, kind, sig_hash)] = _L_TO_M
    table.update({
        # RSA: bare rsaEncryption with each digest, then the matching combined OIDs, then the exceptions.
        (_MD5, "RSA", None): _FROM0,
        (_SHA1, "RSA", None): _FROM0,
        (_SHA224, "RSA", None): _OLD_AND_L,
        (_SHA256, "RSA", None): ((0, 8), (18, _ANY)),
        (_SHA384, "RSA", None): ((18, _ANY),),
        (_SHA512, "RSA", None): ((18, _ANY),),
        (_MD5, "RSA", _MD5): _OLD_AND_L,
        (_SHA1, "RSA", _SHA1): _FROM0,
        (_SHA224, "RSA", _SHA224): _OLD_AND_L,
        (_SHA256, "RSA", _SHA256): ((0, 8), (18, _ANY)),
        (_SHA384, "RSA", _SHA384): ((21, _ANY),),
        (_SHA512, "RSA", _SHA512): ((21, _ANY),),
        (_SHA224, "RSA", _SHA256): ((21, 21),),
        (_SHA256, "RSA", _SHA1): ((21, 21),),
        (_SHA512, "RSA", _SHA384): ((21, 21),),
        # DSA: no MD5 signature hash; bare dsa only with SHA-1/224/256 digests.
        (_SHA1, "DSA", None): _FROM0,
        (_SHA224, "DSA", None): ((22, _ANY),),
        (_SHA256, "DSA", None): ((22, _ANY),),
        (_SHA1, "DSA", _SHA1): ((9, _ANY),),
        (_SHA224, "DSA", _SHA224): ((21, _ANY),),
        (_SHA256, "DSA", _SHA256): ((21, _ANY),),
        # ECDSA: bare ecPublicKey with any SHA digest; matching combined OIDs.
        (_SHA1, "EC", None): ((18, _ANY),),
        (_SHA224, "EC", None): ((21, _ANY),),
        (_SHA256, "EC", None): ((18, _ANY),),
        (_SHA384, "EC", None): ((18, _ANY),),
        (_SHA512, "EC", None): ((18, _ANY),),
        (_SHA1, "EC", _SHA1): ((18, _ANY),),
        (_SHA224, "EC", _SHA224): ((21, _ANY),),
        (_SHA256, "EC", _SHA256): ((21, _ANY),),
        (_SHA384, "EC", _SHA384): ((21, _ANY),),
        (_SHA512, "EC", _SHA512): ((21, _ANY),),
    })  # fmt: skip
    return table


_SIG_ALG_LEVELS = _sig_alg_table()


def unsupported_levels(ranges: _Ranges, min_sdk: int, max_sdk: int) -> list[tuple[int, int]]:
    """The part of [min_sdk, max_sdk] outside `ranges` (apksig's InclusiveIntRange.getValuesNotIn)."""
    out = []
    low = min_sdk
    for lo, hi in sorted(ranges):
        if hi < low:
            continue
        if lo > max_sdk:
            break
        if lo > low:
            out.append((low, lo - 1))
        low = hi + 1
        if low > max_sdk:
            return out
    if low <= max_sdk:
        out.append((low, max_sdk))
    return out


def _levels_text(levels: list[tuple[int, int]]) -> str:
    return ", ".join(str(lo) if lo == hi else f"{lo}+" if hi >= _ANY else f"{lo}-{hi}" for lo, hi in levels)


# Manifest digest names → hashlib names; apksig's table (case-insensitive).
_MANIFEST_DIGESTS = {
    "SHA": "sha1",
    "SHA1": "sha1",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}
_DIGEST_MIN_SDK = {"sha1": 0, "sha256": 0, "sha384": 9, "sha512": 9}
# JB MR2 and newer pick the strongest of these.
_JB_MR2_DIGESTS = (("sha512", "SHA-512"), ("sha384", "SHA-384"), ("sha256", "SHA-256"), ("sha1", "SHA1"))
# Critical extensions Java's X509Certificate understands (anything else makes the certificate unusable).
_KNOWN_CRITICAL = {
    "2.5.29.15",
    "2.5.29.19",
    "2.5.29.17",
    "2.5.29.18",
    "2.5.29.37",
    "2.5.29.30",
    "2.5.29.32",
    "2.5.29.33",
    "2.5.29.36",
    "2.5.29.54",
}


@dataclass
class Section:
    """One manifest section: byte span and attributes in order."""

    start: int
    size: int
    attrs: list[tuple[str, str]]

    def get(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.attrs:
            if key.lower() == lower:
                return value
        return None

    @property
    def name(self) -> str | None:
        return self.get("Name")


_NEWLINE = re.compile(rb"\r\n|\r|\n")


def _lines(data: bytes) -> list[tuple[int, int, int]]:
    """(start, end of content, end including newline) for each line; \\r\\n, \\n and \\r end lines."""
    out = []
    pos = 0
    for m in _NEWLINE.finditer(data):
        out.append((pos, m.start(), m.end()))
        pos = m.end()
    if pos < len(data):
        out.append((pos, len(data), len(data)))
    return out


def parse_manifest(data: bytes) -> list[Section]:
    """Sections of a JAR manifest or signature file (the first is the main section), as apksig reads them."""
    sections: list[Section] = []
    current: list[bytes] | None = None
    attrs: list[bytes] = []
    start = 0
    for line_start, content_end, line_end in _lines(data):
        line = data[line_start:content_end]
        if not line:
            if current is not None:
                sections.append(Section(start, line_end - start, _attributes(attrs)))
                current, attrs = None, []
            continue
        if current is None:
            current, start = [], line_start
            attrs = [line]
        elif line[:1] == b" ":
            attrs[-1] += line[1:]
        else:
            attrs.append(line)
    if current is not None:
        sections.append(Section(start, len(data) - start, _attributes(attrs)))
    return sections


def _attributes(lines: list[bytes]) -> list[tuple[str, str]]:
    out = []
    for raw in lines:
        text = raw.decode("utf-8", "replace")
        name, sep, value = text.partition(": ")
        out.append((name, value) if sep else (text, ""))
    return out


@dataclass(frozen=True)
class NamedDigest:
    """A digest to check: the hash algorithm's name and the expected value."""

    alg: str
    digest: bytes


def digests_to_verify(section: Section, suffix: str, min_sdk: int, max_sdk: int) -> list[NamedDigest]:
    """apksig's getDigestsToVerify: the digests Android checks on this SDK range. ValueError on bad base64."""
    result: list[NamedDigest] = []
    if min_sdk < SDK_JB_MR2:
        algs = section.get("Digest-Algorithms") or "SHA SHA1"
        for alg in algs.split():
            value = section.get(alg + suffix)
            if value is None:
                continue
            hname = _MANIFEST_DIGESTS.get(alg.upper())
            if hname is None or _DIGEST_MIN_SDK[hname] > min_sdk:
                continue
            result.append(NamedDigest(hname, _b64(value)))
            break
        if not result:
            return result
    if max_sdk >= SDK_JB_MR2:
        for hname, label in _JB_MR2_DIGESTS:
            value = section.get(label + suffix)
            if value is None:
                continue
            digest = _b64(value)
            if not any(d.alg == hname and d.digest == digest for d in result):
                result.append(NamedDigest(hname, digest))
            break
    return result


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"malformed base64 digest {value[:40]!r}") from None


@dataclass
class V1Signer:
    """A `.SF` + signature block pair."""

    name: str  # e.g. CERT.RSA
    block: ZipEntry
    sf: ZipEntry
    cert: Certificate | None = None
    sf_bytes: bytes = b""
    sf_names: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored: bool = False


@dataclass
class V1Result:
    """Outcome of the v1 check."""

    verified: bool = False
    signers: list[Certificate] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def v1_present(layout: ZipLayout) -> bool:
    """Whether the APK carries any JAR signature file."""
    return any(
        e.name == MANIFEST
        or (e.name.startswith("META-INF/") and e.name.endswith((".SF", ".RSA", ".DSA", ".EC")))
        for e in layout.entries
    )


def verify_v1(
    f: BinaryIO,
    layout: ZipLayout,
    *,
    min_sdk: int,
    max_sdk: int,
    found_ids: set[int],
    supported: dict[int, str],
    max_inflated: int,
) -> V1Result:
    """Verify the JAR signature. ApkFormatError for a malformed ZIP entry (apksig throws there too)."""
    result = V1Result()
    names: set[str] = set()
    duplicates: set[str] = set()
    for e in layout.entries:
        if e.name in names and e.name not in duplicates:
            duplicates.add(e.name)
            result.errors.append(f"duplicate ZIP entry {e.name!r}")
        names.add(e.name)
    manifest_entry: ZipEntry | None = None
    sf_entries: dict[str, ZipEntry] = {}
    block_entries: list[ZipEntry] = []
    for e in layout.entries:
        if not e.name.startswith("META-INF/"):
            continue
        if manifest_entry is None and e.name == MANIFEST:
            manifest_entry = e
        elif e.name.endswith(".SF"):
            sf_entries[e.name] = e
        elif e.name.endswith((".RSA", ".DSA", ".EC")):
            block_entries.append(e)
    if manifest_entry is None:
        result.errors.append("no META-INF/MANIFEST.MF")
        return result
    manifest_bytes = read_entry_bytes(f, layout, manifest_entry, max_size=MAX_META_SIZE)
    sections = parse_manifest(manifest_bytes)
    main = sections[0] if sections else Section(0, 0, [])
    by_name: dict[str, Section] = {}
    for number, section in enumerate(sections[1:], 1):
        name = section.name
        if name is None:
            result.errors.append(f"manifest section #{number} has no name")
            continue
        if name in by_name:
            result.errors.append(f"manifest has two sections for {name!r}")
            continue
        by_name[name] = section
        if name not in names:
            result.errors.append(f"manifest names {name!r}, which is not in the APK")
    if result.errors:
        return result

    signers: list[V1Signer] = []
    for block in block_entries:
        base = block.name[: block.name.rfind(".")]
        sf = sf_entries.get(base + ".SF")
        if sf is not None:
            signers.append(V1Signer(block.name[len("META-INF/") :], block, sf))
    if not signers:
        result.errors.append("no JAR signatures (no .SF with a matching .RSA/.DSA/.EC)")
        return result
    if len(signers) > MAX_SIGNERS:
        result.errors.append(f"{len(signers)} JAR signers; at most {MAX_SIGNERS} are allowed")
        return result

    for signer in signers:
        _verify_block_against_sf(f, layout, signer, min_sdk, max_sdk)
        if signer.errors:
            result.errors.extend(f"{signer.name}: {e}" for e in signer.errors)
    if result.errors:
        return result

    remaining: list[V1Signer] = []
    for signer in signers:
        _verify_sf_against_manifest(
            signer, manifest_bytes, main, by_name, supported, found_ids, min_sdk, max_sdk
        )
        if signer.ignored:
            result.warnings.extend(f"{signer.name} ignored: {e}" for e in signer.errors)
        elif signer.errors:
            result.errors.extend(f"{signer.name}: {e}" for e in signer.errors)
        else:
            remaining.append(signer)
        result.warnings.extend(f"{signer.name}: {w}" for w in signer.warnings)
    if result.errors:
        return result
    if not remaining:
        result.errors.append("no JAR signatures left to verify")
        return result

    apk_signers = _verify_entries(f, layout, by_name, remaining, min_sdk, max_sdk, result, max_inflated)
    if result.errors:
        return result
    protected = {MANIFEST}
    for signer in apk_signers:
        protected.update((signer.block.name, signer.sf.name))
    for e in layout.entries:
        if e.name.startswith("META-INF/") and e.name not in protected:
            result.warnings.append(f"{e.name} is not protected by the JAR signature")
    result.signers = [s.cert for s in remaining if s in apk_signers and s.cert is not None]
    result.verified = True
    return result


def _verify_entries(
    f: BinaryIO,
    layout: ZipLayout,
    by_name: dict[str, Section],
    signers: list[V1Signer],
    min_sdk: int,
    max_sdk: int,
    result: V1Result,
    max_inflated: int,
) -> list[V1Signer]:
    first: list[V1Signer] | None = None
    buf = bytearray(1 << 20)
    budget = max_inflated
    for entry in sorted(layout.entries, key=lambda e: e.local_header_offset):
        name = entry.name
        if name.startswith("META-INF/"):
            continue
        section = by_name.get(name)
        if section is None:
            result.errors.append(f"{name!r} has no digest in the manifest (added after signing?)")
            continue
        entry_signers = [s for s in signers if name in s.sf_names]
        if not entry_signers:
            result.errors.append(f"{name!r} is not covered by any signature file")
            continue
        if first is None:
            first = entry_signers
        elif entry_signers != first:
            result.errors.append(f"{name!r} is signed by other signers than the other entries")
            continue
        try:
            expected = digests_to_verify(section, "-Digest", min_sdk, max_sdk)
        except ValueError as exc:
            result.errors.append(f"{name!r}: {exc}")
            continue
        if not expected:
            result.errors.append(f"{name!r} has no digest Android checks on API {min_sdk}..")
            continue
        if entry.uncompressed_size > budget:
            raise ApkFormatError(
                f"entries inflate to more than {max_inflated >> 20} MiB in all (a ZIP bomb?)"
            )
        budget -= entry.uncompressed_size
        hashers = [hashlib.new(d.alg) for d in expected]
        for piece in iter_entry(f, layout, entry, max_size=entry.uncompressed_size, buf=buf):
            for h in hashers:
                h.update(piece)
        for d, h in zip(expected, hashers, strict=True):
            if h.digest() != d.digest:
                result.errors.append(
                    f"{name!r}: {d.alg} digest does not match the manifest (content changed)"
                )
    if first is None:
        result.errors.append("no signed entries")
        return []
    return first


def _verify_sf_against_manifest(
    signer: V1Signer,
    manifest: bytes,
    main: Section,
    by_name: dict[str, Section],
    supported: dict[int, str],
    found_ids: set[int],
    min_sdk: int,
    max_sdk: int,
) -> None:
    sf_sections = parse_manifest(signer.sf_bytes)
    sf_main = sf_sections[0] if sf_sections else Section(0, 0, [])
    if sf_main.get("Signature-Version") is None:
        signer.errors.append("no Signature-Version in the signature file")
        signer.ignored = True
        return
    if max_sdk >= SDK_N:
        stripped = _stripped_schemes(sf_main, supported, found_ids)
        if stripped:
            signer.errors.extend(
                f"signature file says the APK was also signed with {name}, but that signature is missing "
                "(stripped)"
                for name in stripped
            )
            return
    created_by = sf_main.get("Created-By") or ""
    signtool = "signtool" in created_by
    try:
        expected = digests_to_verify(sf_main, "-Digest" if signtool else "-Digest-Manifest", min_sdk, max_sdk)
        manifest_ok = False
        if not expected:
            signer.warnings.append("no digest of the whole manifest in the signature file")
        else:
            manifest_ok = True
            for d in expected:
                if hashlib.new(d.alg, manifest).digest() != d.digest:
                    signer.warnings.append(f"{d.alg} digest of the whole manifest does not match")
                    manifest_ok = False
        if not signtool:
            for d in digests_to_verify(sf_main, "-Digest-Manifest-Main-Attributes", min_sdk, max_sdk):
                span = manifest[main.start : main.start + main.size]
                if hashlib.new(d.alg, span).digest() != d.digest:
                    signer.errors.append("digest of the manifest's main attributes does not match")
        if signer.errors:
            return
        for number, section in enumerate(sf_sections[1:], 1):
            name = section.name
            if name is None:
                signer.errors.append(f"signature file section #{number} has no name")
                signer.ignored = True
                return
            if name in signer.sf_names:
                signer.errors.append(f"signature file has two sections for {name!r}")
                signer.ignored = True
                return
            signer.sf_names.add(name)
            if manifest_ok:
                continue
            msection = by_name.get(name)
            if msection is None:
                signer.errors.append(f"signature file names {name!r}, which the manifest does not")
                signer.ignored = True
                continue
            digests = digests_to_verify(section, "-Digest", min_sdk, max_sdk)
            if not digests:
                signer.errors.append(f"no digest of the manifest section {name!r} in the signature file")
                continue
            start, size = msection.start, msection.size
            if signtool and manifest[start + size - 2 : start + size] == b"\n\n":
                size -= 1
            for d in digests:
                if hashlib.new(d.alg, manifest[start : start + size]).digest() != d.digest:
                    signer.errors.append(f"digest of the manifest section {name!r} does not match")
    except ValueError as exc:
        signer.errors.append(str(exc))


def _stripped_schemes(sf_main: Section, supported: dict[int, str], found_ids: set[int]) -> list[str]:
    value = sf_main.get("X-Android-APK-Signed")
    if value is None or not supported:
        return []
    out = []
    for token in value.split(","):
        token = token.strip()
        if not token:
            continue
        try:
            scheme_id = int(token)
        except ValueError:
            continue
        if scheme_id in found_ids or scheme_id not in supported:
            continue
        out.append(supported[scheme_id])
    return out


def _verify_block_against_sf(
    f: BinaryIO, layout: ZipLayout, signer: V1Signer, min_sdk: int, max_sdk: int
) -> None:
    block = read_entry_bytes(f, layout, signer.block, max_size=MAX_META_SIZE)
    signer.sf_bytes = read_entry_bytes(f, layout, signer.sf, max_size=MAX_META_SIZE)
    try:
        info = cms.ContentInfo.load(block)
        if info["content_type"].dotted != "1.2.840.113549.1.7.2":
            signer.errors.append("signature block is not PKCS#7 SignedData")
            return
        signed = info["content"]
        signer_infos = list(signed["signer_infos"])
        cert_ders = [c.chosen.dump() for c in signed["certificates"] if c.name == "certificate"]
        encap_type = signed["encap_content_info"]["content_type"].dotted
    except Exception as exc:
        signer.errors.append(f"malformed PKCS#7 signature block ({type(exc).__name__})")
        return
    if not signer_infos:
        signer.errors.append("PKCS#7 block has no signers")
        return
    # Before Android N only the first SignerInfo is tried; from N on, the first that verifies wins.
    candidates = signer_infos[:1] if min_sdk < SDK_N else signer_infos
    for si in candidates:
        try:
            cert = _verify_signer_info(si, cert_ders, encap_type, signer.sf_bytes, min_sdk, max_sdk)
        except _SignerInfoError as exc:
            signer.errors.append(str(exc))
            return
        except Exception as exc:
            signer.errors.append(f"malformed PKCS#7 signer ({type(exc).__name__})")
            return
        if cert is not None:
            signer.cert = cert
            return
    signer.errors.append(f"PKCS#7 signature does not verify the signature file {signer.sf.name}")


class _SignerInfoError(Exception):
    pass


def _find_cert(sid: Any, cert_ders: list[bytes]) -> bytes | None:
    from asn1crypto import x509 as ax509

    for der in cert_ders:
        cert = ax509.Certificate.load(der)
        if sid.name == "issuer_and_serial_number":
            tbs = cert["tbs_certificate"]
            if (
                tbs["serial_number"].native == sid.chosen["serial_number"].native
                and tbs["issuer"] == sid.chosen["issuer"]
            ):
                return der
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return der
    return None


def _verify_signer_info(
    si: Any, cert_ders: list[bytes], encap_type: str, sf: bytes, min_sdk: int, max_sdk: int
) -> Certificate | None:
    digest_oid = si["digest_algorithm"]["algorithm"].dotted
    sig_oid = si["signature_algorithm"]["algorithm"].dotted
    digest = _DIGEST_OIDS.get(digest_oid)
    kind, sig_hash = _SIG_OIDS.get(sig_oid, ("", None))
    levels = _SIG_ALG_LEVELS.get((digest or "", kind, sig_hash), ()) if digest and kind else ()
    missing = unsupported_levels(levels, min_sdk, max_sdk)
    if missing:
        # apksig's JAR_SIG_UNSUPPORTED_SIG_ALG (both oracles): the pair must work on every API level of
        # the APK's range, e.g. SHA-256 digests fail on 9-17 and MD5 with md5WithRSA on 9-20.
        raise _SignerInfoError(
            f"JAR signature algorithm (digest {digest or digest_oid}, signature {sig_oid}) is not "
            f"supported on API levels {_levels_text(missing)}"
        )
    assert digest is not None
    der = _find_cert(si["sid"], cert_ders)
    if der is None:
        raise _SignerInfoError("signing certificate referenced by the PKCS#7 signer is not in the block")
    try:
        cert = parse_certificate(der)
        key = load_public_key(certificate_spki(der))
    except CertificateError as exc:
        raise _SignerInfoError(str(exc)) from None
    _check_cert_usage(der)
    attrs = si["signed_attrs"]
    if attrs.native is not None and len(attrs):
        if min_sdk < SDK_KITKAT:
            # apksig rejects these outright (both oracles): before Android 4.4 the message digest in
            # signed attributes was never checked, so such a signature protects nothing there.
            raise _SignerInfoError(
                f"PKCS#7 signed attributes are unsafe before API {SDK_KITKAT} (the APK declares minSdk "
                f"{min_sdk})"
            )
        values: dict[str, list[Any]] = {}
        for attr in attrs:
            oid = attr["type"].dotted
            if oid in values:
                # Both oracles reject the block: "Duplicate signed attribute" (apksig's SignedAttributes).
                raise _SignerInfoError(f"duplicate PKCS#7 signed attribute {oid}")
            values[oid] = list(attr["values"])
        if max_sdk >= SDK_N:
            ctype = _single_value(values, "1.2.840.113549.1.9.3")
            if ctype is None:
                raise _SignerInfoError("no content type in the PKCS#7 signed attributes")
            if ctype.dotted != encap_type:
                return None
        mdigest = _single_value(values, "1.2.840.113549.1.9.4")
        if mdigest is None:
            raise _SignerInfoError("no message digest in the PKCS#7 signed attributes")
        if mdigest.native != hashlib.new(digest, sf).digest():
            return None
        data = b"\x31" + attrs.dump()[1:]
    else:
        data = sf
    signature = si["signature"].native
    if not verify_signature(key, kind, sig_hash or digest, signature, data):
        return None
    return cert


def _single_value(values: dict[str, list[Any]], oid: str) -> Any:
    """apksig's SignedAttributes.getSingleValue: None when absent, an error when it has several values."""
    found = values.get(oid)
    if not found:
        return None
    if len(found) > 1:
        raise _SignerInfoError(f"PKCS#7 signed attribute {oid} has several values")
    return found[0]


def _check_cert_usage(der: bytes) -> None:
    """Android refuses a signer certificate with unknown critical extensions or no signing key usage."""
    try:
        cert = x509.load_der_x509_certificate(der)
        extensions = list(cert.extensions)
    except Exception:
        return  # cryptography cannot read it; apksig's lenient parser would not check more either
    for ext in extensions:
        if ext.critical and ext.oid.dotted_string not in _KNOWN_CRITICAL:
            raise _SignerInfoError("signing certificate has an unsupported critical extension")
        if isinstance(ext.value, x509.KeyUsage) and not (
            ext.value.digital_signature or ext.value.content_commitment
        ):
            raise _SignerInfoError("signing certificate's key usage does not allow signatures")
