"""X.509 signer certificates and raw signature checks shared by the v1 and v2/v3 verifiers.

Certificates are described the way `apksigner verify --print-certs` prints them (SHA-256/SHA-1 of the
DER bytes as stored in the APK, DN as Java's X500Principal prints it: most specific RDN first, ", "
between RDNs). Parsing is lenient the way Android's is: a certificate `cryptography` refuses is read
with asn1crypto instead, so an odd but real developer certificate is still described.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID


def _dsa_public_key_type() -> type[dsa.DSAPublicKey]:
    """cryptography's DSA public key class, read without the deprecation warning.

    cryptography (51 here) deprecates DSA and warns on every attribute read of its ``dsa`` module; Android
    still installs APKs signed with DSA (v1 and v2 schemes), so their signatures must still be checked. This
    is the one place that reads the deprecated module.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return dsa.DSAPublicKey


_DSA_PUBLIC_KEY = _dsa_public_key_type()

# Java's X500Principal names for the attribute types it knows; others print as dotted OIDs.
_DN_NAMES = {
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.COUNTRY_NAME: "C",
    NameOID.STREET_ADDRESS: "STREET",
    NameOID.DOMAIN_COMPONENT: "DC",
    NameOID.USER_ID: "UID",
    NameOID.EMAIL_ADDRESS: "EMAILADDRESS",
}
_ASN1_DN_NAMES = {
    "common_name": "CN",
    "organizational_unit_name": "OU",
    "organization_name": "O",
    "locality_name": "L",
    "state_or_province_name": "ST",
    "country_name": "C",
    "street_address": "STREET",
    "domain_component": "DC",
    "user_id": "UID",
    "email_address": "EMAILADDRESS",
}


class CertificateError(ValueError):
    """A certificate or public key that cannot be parsed."""


@dataclass(frozen=True)
class Certificate:
    """A signer certificate as apksigner prints it."""

    sha256: str
    sha1: str
    subject: str
    issuer: str
    serial: str
    not_before: str
    not_after: str
    der: bytes

    def to_dict(self) -> dict[str, str]:
        """JSON-ready description (without the DER bytes)."""
        return {
            "sha256": self.sha256,
            "sha1": self.sha1,
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": self.not_before,
            "not_after": self.not_after,
        }


def _dn(name: x509.Name) -> str:
    rdns = [rdn.rfc4514_string(_DN_NAMES) for rdn in reversed(list(name.rdns))]
    return ", ".join(rdns)


def _asn1_dn(name: asn1_x509.Name) -> str:
    parts = []
    for rdn in reversed(list(name.chosen)):
        values = []
        for ava in rdn:
            key = ava["type"].native
            label = _ASN1_DN_NAMES.get(key, ava["type"].dotted)
            values.append(f"{label}={ava['value'].native}")
        parts.append("+".join(values))
    return ", ".join(parts)


def parse_certificate(der: bytes) -> Certificate:
    """Describe a DER certificate; raises CertificateError when neither parser can read it."""
    sha256 = hashlib.sha256(der).hexdigest()
    sha1 = hashlib.sha1(der).hexdigest()  # noqa: S324 - a fingerprint apksigner prints, not a security use
    try:
        with warnings.catch_warnings():
            # Old Android certificates often carry negative serials; cryptography warns about those.
            warnings.simplefilter("ignore")
            cert = x509.load_der_x509_certificate(der)
            return Certificate(
                sha256=sha256,
                sha1=sha1,
                subject=_dn(cert.subject),
                issuer=_dn(cert.issuer),
                serial=format(cert.serial_number, "x"),
                not_before=cert.not_valid_before_utc.isoformat(),
                not_after=cert.not_valid_after_utc.isoformat(),
                der=der,
            )
    except Exception:  # noqa: S110 - fall through to the lenient parser below
        pass
    try:
        acert = asn1_x509.Certificate.load(der, strict=True)
        acert.native  # noqa: B018 - parse every field now: Java refuses a certificate with a broken one
        tbs = acert["tbs_certificate"]
        validity = tbs["validity"]
        return Certificate(
            sha256=sha256,
            sha1=sha1,
            subject=_asn1_dn(tbs["subject"]),
            issuer=_asn1_dn(tbs["issuer"]),
            serial=format(tbs["serial_number"].native, "x"),
            not_before=validity["not_before"].native.isoformat(),
            not_after=validity["not_after"].native.isoformat(),
            der=der,
        )
    except Exception as exc:
        raise CertificateError(f"unreadable certificate: {type(exc).__name__}") from None


def certificate_spki(der: bytes) -> bytes:
    """The certificate's SubjectPublicKeyInfo exactly as encoded in it."""
    try:
        return bytes(asn1_x509.Certificate.load(der)["tbs_certificate"]["subject_public_key_info"].dump())
    except Exception as exc:
        raise CertificateError(f"unreadable certificate: {type(exc).__name__}") from None


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _der(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(body)) + body


def repair_rsa_spki(spki: bytes) -> bytes:
    """An RSA SubjectPublicKeyInfo whose modulus is DER-encoded as a negative INTEGER (its leading 0x00
    dropped), re-encoded with the modulus read as unsigned; any other key is returned unchanged.

    This is apksig's ApkSigningBlockUtils.encodePublicKey workaround (both oracles verify such keys):
    some old signing tools wrote the modulus without its sign byte.
    """
    try:
        info = asn1_keys.PublicKeyInfo.load(spki)
        if info["algorithm"]["algorithm"].native != "rsa":
            return spki
        bits = info["public_key"]
        rsa_key = asn1_keys.RSAPublicKey.load(bits.contents[1:])
        modulus = rsa_key["modulus"].contents
        if not modulus or modulus[0] < 0x80:
            return spki
        while len(modulus) > 1 and modulus[0] == 0xFF and modulus[1] >= 0x80:
            modulus = modulus[1:]  # the minimal two's-complement form, as Java's BigInteger holds it
        exponent = rsa_key["public_exponent"].contents
        body = _der(0x30, _der(0x02, b"\0" + modulus) + _der(0x02, exponent))
        algorithm = info["algorithm"].dump()
        return _der(0x30, algorithm + _der(0x03, bits.contents[:1] + body))
    except Exception:
        return spki


def load_public_key(spki: bytes) -> Any:
    """A `cryptography` public key from SubjectPublicKeyInfo DER; CertificateError when unusable.

    An RSA modulus encoded as a negative INTEGER is read as unsigned first, as apksig does.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return serialization.load_der_public_key(repair_rsa_spki(spki))
    except (ValueError, UnsupportedAlgorithm, TypeError) as exc:
        raise CertificateError(f"malformed public key: {type(exc).__name__}") from None


def canonical_spki(key: Any) -> bytes:
    """The key re-encoded as SubjectPublicKeyInfo DER (what Java's getEncoded returns)."""
    return bytes(
        key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def same_public_key(spki_a: bytes, spki_b: bytes) -> bool:
    """True when both encodings are the same bytes, or encode the same key."""
    if spki_a == spki_b:
        return True
    try:
        return canonical_spki(load_public_key(spki_a)) == canonical_spki(load_public_key(spki_b))
    except CertificateError:
        return False


def spki_key_type(spki: bytes) -> str:
    """'RSA', 'EC', 'DSA' or '' from the SubjectPublicKeyInfo algorithm."""
    try:
        algo = asn1_keys.PublicKeyInfo.load(spki)["algorithm"]["algorithm"].native
    except Exception:
        return ""
    return {"rsa": "RSA", "rsassa_pss": "RSA", "ec": "EC", "dsa": "DSA"}.get(algo, "")


_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "md5": hashes.MD5,  # only for v1 MD5withRSA, which Android still accepts
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def verify_signature(
    key: Any, kind: str, hash_name: str, signature: bytes, data: bytes, *, pss_salt: int = 0
) -> bool:
    """Check one signature: kind 'RSA' (PKCS#1 v1.5, or PSS when pss_salt > 0), 'EC' or 'DSA'.

    Returns False when the signature does not verify or the key is not of the expected kind.
    """
    algorithm = _HASHES[hash_name]()
    try:
        if kind == "RSA" and isinstance(key, rsa.RSAPublicKey):
            pad: padding.AsymmetricPadding = (
                padding.PSS(mgf=padding.MGF1(_HASHES[hash_name]()), salt_length=pss_salt)
                if pss_salt
                else padding.PKCS1v15()
            )
            key.verify(signature, data, pad, algorithm)
        elif kind == "EC" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif kind == "DSA" and isinstance(key, _DSA_PUBLIC_KEY):
            key.verify(signature, data, algorithm)
        else:
            return False
    except (InvalidSignature, ValueError, UnsupportedAlgorithm, TypeError):
        return False
    return True
