"""CMS (PKCS#7) SignedData as Apple uses it for provisioning and configuration profiles: the signed content,
the certificates, and whether the signature verifies with the signer's certificate (``cryptography``).

Whether the signer chains to Apple is a separate question: ``trusted_roots`` (DER certificates) answers it
when the caller has them; without them ``chain`` says "unchecked" rather than guessing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import cms as acms
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

MAX_CMS = 4 * 1024 * 1024
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class CmsError(ValueError):
    """Not a CMS SignedData; one line."""


@dataclass(frozen=True)
class CertInfo:
    """A certificate as shown and stored: subject, issuer, fingerprints, serial and validity."""

    subject: str
    issuer: str
    sha256: str
    sha1: str
    serial: str
    not_before: str
    not_after: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Signed:
    """A parsed SignedData. ``verified``: the signer's signature over the content checks out."""

    content: bytes
    signers: tuple[CertInfo, ...]
    certificates: tuple[CertInfo, ...]
    verified: bool
    chain: str = "unchecked"  # "trusted", "untrusted" or "unchecked"
    errors: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "chain": self.chain,
            "signers": [s.to_dict() for s in self.signers],
            "certificates": [c.to_dict() for c in self.certificates],
            "errors": list(self.errors),
        }


def looks_like_cms(data: bytes) -> bool:
    """A DER SEQUENCE that starts with the signedData OID (1.2.840.113549.1.7.2)."""
    return data[:1] == b"\x30" and b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02" in data[:32]


def cert_info(der: bytes) -> CertInfo:
    """The facts of one DER certificate (subject and issuer cut to 300 characters)."""
    c = x509.load_der_x509_certificate(der)
    return CertInfo(
        subject=c.subject.rfc4514_string()[:300],
        issuer=c.issuer.rfc4514_string()[:300],
        sha256=hashlib.sha256(der).hexdigest(),
        sha1=hashlib.sha1(der).hexdigest(),  # noqa: S324 - a fingerprint Apple's tools also show
        serial=format(c.serial_number, "x"),
        not_before=c.not_valid_before_utc.isoformat().replace("+00:00", "Z"),
        not_after=c.not_valid_after_utc.isoformat().replace("+00:00", "Z"),
    )


def _verify_with(cert: x509.Certificate, signature: bytes, data: bytes, algo: str, digest: str) -> None:
    h = _HASHES.get(digest)
    if h is None:
        raise CmsError(f"unsupported digest {digest}")
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if algo == "rsassa_pss":
            key.verify(signature, data, padding.PSS(padding.MGF1(h()), padding.PSS.AUTO), h())
        else:
            key.verify(signature, data, padding.PKCS1v15(), h())
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(h()))
    else:
        raise CmsError(f"unsupported key type {type(key).__name__}")


def parse_signed(data: bytes, *, trusted_roots: Sequence[bytes] = ()) -> Signed:
    """Parse and verify a DER SignedData with attached content; raises CmsError when it is not one."""
    if len(data) > MAX_CMS:
        raise CmsError(f"the signed data is larger than {MAX_CMS:,} bytes")
    try:
        info = acms.ContentInfo.load(data, strict=False)
        if info["content_type"].native != "signed_data":
            raise CmsError(f"CMS content type is {info['content_type'].native}, not signed data")
        sd = info["content"]
        encap = sd["encap_content_info"]
        content = encap["content"].native if encap["content"] else None
        if isinstance(content, acms.ParsableOctetString):
            content = content.native
        if not isinstance(content, bytes):
            raise CmsError("the signed data carries no content")
        certs_der = [c.chosen.dump() for c in (sd["certificates"] or []) if c.name == "certificate"]
        signer_infos = list(sd["signer_infos"])
    except CmsError:
        raise
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError on garbage
        raise CmsError(f"not a CMS signed data ({type(exc).__name__}: {str(exc)[:120]})") from None
    errors: list[str] = []
    certs: list[tuple[bytes, ax509.Certificate]] = []
    for der in certs_der:
        try:
            certs.append((der, ax509.Certificate.load(der)))
        except Exception:
            errors.append("an embedded certificate cannot be read")
    infos: list[CertInfo] = []
    for der, _ in certs:
        try:
            infos.append(cert_info(der))
        except Exception:
            errors.append("an embedded certificate cannot be read")
    signers: list[CertInfo] = []
    verified = bool(signer_infos)
    signer_ders: list[bytes] = []
    if not signer_infos:
        errors.append("no signer")
    for si in signer_infos:
        try:
            sid = si["sid"]
            match = None
            for der, c in certs:
                if sid.name == "issuer_and_serial_number":
                    ias = sid.chosen
                    if c.issuer == ias["issuer"] and c.serial_number == ias["serial_number"].native:
                        match = der
                elif c.key_identifier == sid.chosen.native:
                    match = der
                if match:
                    break
            if match is None:
                raise CmsError("the signer's certificate is not in the signed data")
            signer_ders.append(match)
            signers.append(cert_info(match))
            digest = si["digest_algorithm"]["algorithm"].native
            algo = si["signature_algorithm"].signature_algo
            signature = si["signature"].native
            attrs = si["signed_attrs"]
            if attrs.native is not None and len(attrs):
                md = next(
                    (a["values"][0].native for a in attrs if a["type"].native == "message_digest"), None
                )
                h = hashes.Hash(_HASHES[digest]()) if digest in _HASHES else None
                if h is None:
                    raise CmsError(f"unsupported digest {digest}")
                h.update(content)
                if md != h.finalize():
                    raise CmsError("the content does not match the signed digest (changed after signing)")
                signed = b"\x31" + attrs.dump()[1:]  # the attributes are signed as a SET, not [0]
            else:
                signed = content
            _verify_with(x509.load_der_x509_certificate(match), signature, signed, algo, digest)
        except InvalidSignature:
            verified = False
            errors.append("the signature does not verify")
        except CmsError as exc:
            verified = False
            errors.append(str(exc))
        except Exception as exc:
            verified = False
            errors.append(f"the signature cannot be checked ({type(exc).__name__})")
    chain = "unchecked"
    if trusted_roots and signer_ders:
        chain = "trusted" if all(_chains(d, certs_der, trusted_roots) for d in signer_ders) else "untrusted"
    return Signed(content, tuple(signers), tuple(infos), verified, chain, tuple(errors))


def _chains(leaf: bytes, pool: Sequence[bytes], roots: Sequence[bytes]) -> bool:
    """The leaf chains to one of ``roots`` through certificates in ``pool`` (signatures checked)."""
    try:
        from cryptography.x509.verification import PolicyBuilder, Store

        store = Store([x509.load_der_x509_certificate(r) for r in roots])
        inter = [x509.load_der_x509_certificate(d) for d in pool if d != leaf]
        verifier = PolicyBuilder().store(store).build_client_verifier()
        verifier.verify(x509.load_der_x509_certificate(leaf), inter)
        return True
    except Exception:
        return False
