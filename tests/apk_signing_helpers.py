"""Helpers for the APK signature tests: build throwaway signed APKs with Debian's tools, run apksigner,
and take an APK apart / put it back together around its signing block (for forgeries)."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import struct
import subprocess
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from scanners.apk.sigblock import MAGIC
from scanners.apk.zipread import read_layout

FRAMEWORK = Path("/usr/share/android-framework-res/framework-res.apk")
PASS = "pass123"

MANIFEST = """<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="org.example.sigtest"
    android:versionCode="1" android:versionName="1.0">
{uses_sdk}
  <application android:label="SigTest"/>
</manifest>
"""


def tools_available() -> bool:
    """Everything needed to build and sign throwaway APKs."""
    return all(shutil.which(t) for t in ("apksigner", "aapt", "keytool")) and FRAMEWORK.exists()


def apksigner_available() -> bool:
    """apksigner alone: enough to judge an existing APK."""
    return shutil.which("apksigner") is not None


def run(*args: str | Path) -> str:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {proc.stderr or proc.stdout}")
    return proc.stdout


def make_key(folder: Path, name: str, alg: str, size: int | None = None) -> Path:
    ks = folder / f"{name}.p12"
    if not ks.exists():
        extra = ["-keysize", str(size)] if size else []
        if alg == "EC":
            extra = ["-groupname", "secp256r1"]
        store = ["-storetype", "PKCS12", "-keystore", ks, "-storepass", PASS, "-keypass", PASS]
        dname = f"CN=Sig Test {name}, O=Fakeapp Tests, C=TW"
        run("keytool", "-genkeypair", "-noprompt", *store, "-alias", name, "-keyalg", alg, *extra,
            "-validity", "10000", "-dname", dname)  # fmt: skip
    return ks


def signer_args(ks: Path) -> list[str]:
    return [
        "--ks",
        str(ks),
        "--ks-pass",
        f"pass:{PASS}",
        "--ks-key-alias",
        ks.stem,
        "--key-pass",
        f"pass:{PASS}",
    ]


def build_unsigned(
    folder: Path, name: str, min_sdk: int | None, asset_bytes: bytes = b"hello\n", target_sdk: int = 30
) -> Path:
    """An unsigned APK built by aapt; `min_sdk` None leaves out `<uses-sdk>` (minSdkVersion defaults to 1)."""
    src = folder / f"src_{name}"
    (src / "assets").mkdir(parents=True, exist_ok=True)
    uses_sdk = (
        ""
        if min_sdk is None
        else f'  <uses-sdk android:minSdkVersion="{min_sdk}" android:targetSdkVersion="{target_sdk}"/>'
    )
    (src / "AndroidManifest.xml").write_text(MANIFEST.format(uses_sdk=uses_sdk), encoding="utf-8")
    (src / "assets" / "data.bin").write_bytes(asset_bytes)
    out = folder / f"{name}.unsigned.apk"
    run("aapt", "package", "-f", "-0", "bin", "-M", src / "AndroidManifest.xml", "-A", src / "assets",
        "-I", FRAMEWORK, "-F", out)  # fmt: skip
    return out


def sign(unsigned: Path, out: Path, keys: list[Path], *extra: str) -> Path:
    args: list[str] = []
    for i, ks in enumerate(keys):
        if i:
            args.append("--next-signer")
        args.extend(signer_args(ks))
    run("apksigner", "sign", *args, *extra, "--out", out, unsigned)
    return out


@dataclass
class ApksignerVerdict:
    """What `apksigner verify --print-certs -v` printed."""

    outcome: str  # verifies, rejects, invalid
    schemes: dict[str, bool] = field(default_factory=dict)
    sha256: list[str] = field(default_factory=list)
    dns: list[str] = field(default_factory=list)
    text: str = ""
    stamp_sha256: str | None = None  # "Source Stamp Signer certificate SHA-256 digest"


def apksigner_verify(path: Path, min_sdk: int | None = None, v4: Path | None = None) -> ApksignerVerdict:
    """Debian's `apksigner verify --print-certs -v` (with `--v4-signature-file V4` when given). `schemes`
    holds v1, v2 and v3 only (what the differential tests compare); oracle_verify gives every line."""
    verdict = _debian_verify(path, min_sdk, v4)
    verdict.schemes = {k: v for k, v in verdict.schemes.items() if k in ("v1", "v2", "v3")}
    return verdict


def _debian_verify(path: Path, min_sdk: int | None, v4: Path | None) -> ApksignerVerdict:
    args = ["apksigner", "verify", "--print-certs", "-v"]
    if min_sdk is not None:
        args += ["--min-sdk-version", str(min_sdk)]
    if v4 is not None:
        args += ["--v4-signature-file", str(v4)]
    proc = subprocess.run([*args, str(path)], capture_output=True, text=True, timeout=120, check=False)
    return parse_apksigner_output(proc.stdout + proc.stderr)


# ----------------------------------------------------------------------------- signing block surgery


@dataclass
class ApkParts:
    entries: bytes  # everything before the signing block
    pairs: list[tuple[int, bytes]]
    cd: bytes
    eocd: bytearray


def split_apk(data: bytes) -> ApkParts:
    layout = read_layout(io.BytesIO(data))
    cd = data[layout.cd_offset : layout.eocd_offset]
    eocd = bytearray(data[layout.eocd_offset :])
    assert data[layout.cd_offset - 16 : layout.cd_offset] == MAGIC, "no signing block"
    size = int.from_bytes(data[layout.cd_offset - 24 : layout.cd_offset - 16], "little")
    start = layout.cd_offset - size - 8
    pairs = []
    pos = start + 8
    while pos < layout.cd_offset - 24:
        length = int.from_bytes(data[pos : pos + 8], "little")
        pair_id = int.from_bytes(data[pos + 8 : pos + 12], "little")
        pairs.append((pair_id, data[pos + 12 : pos + 8 + length]))
        pos += 8 + length
    return ApkParts(data[:start], pairs, cd, eocd)


def join_apk(parts: ApkParts, *, with_block: bool = True) -> bytes:
    block = b""
    if with_block:
        body = b"".join(struct.pack("<QI", len(v) + 4, i) + v for i, v in parts.pairs)
        size = len(body) + 8 + 16
        block = struct.pack("<Q", size) + body + struct.pack("<Q", size) + MAGIC
    eocd = bytearray(parts.eocd)
    eocd[16:20] = struct.pack("<I", len(parts.entries) + len(block))
    return parts.entries + block + parts.cd + bytes(eocd)


def lp(data: bytes) -> bytes:
    """uint32 length-prefixed bytes."""
    return struct.pack("<I", len(data)) + data


def read_lp_list(data: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos)
        out.append(data[pos + 4 : pos + 4 + n])
        pos += 4 + n
    return out


# ------------------------------------------------------------- a minimal v2/v3 signer for crafted cases


def chunked_digest(parts: ApkParts, alg: str) -> bytes:
    """CHUNKED_SHA256/512 (or VERITY) of an APK whose signing block will start right after `parts.entries`."""
    import hashlib

    eocd = bytearray(parts.eocd)
    eocd[16:20] = struct.pack("<I", len(parts.entries))
    if alg == "verity":  # Merkle tree over 4 KiB pages, written plainly (the verifier streams it)

        def salted(page: bytes) -> bytes:  # apksig salts every page hash with 8 zero bytes
            return hashlib.sha256(bytes(8) + page).digest()

        data = parts.entries + parts.cd + bytes(eocd)
        padded = data + bytes(-len(data) % 4096)
        level = b"".join(salted(padded[i : i + 4096]) for i in range(0, len(padded), 4096))
        while len(level) > 4096:
            level += bytes(-len(level) % 4096)
            level = b"".join(salted(level[i : i + 4096]) for i in range(0, len(level), 4096))
        return salted(level + bytes(4096 - len(level))) + struct.pack("<Q", len(data))
    chunks = []
    for section in (parts.entries, parts.cd, bytes(eocd)):
        for i in range(0, len(section), 1 << 20):
            piece = section[i : i + (1 << 20)]
            chunks.append(hashlib.new(alg, b"\xa5" + struct.pack("<I", len(piece)) + piece).digest())
    return hashlib.new(alg, b"\x5a" + struct.pack("<I", len(chunks)) + b"".join(chunks)).digest()


ALGS = {  # id: (key kind, hash, pss salt, content digest)
    0x0101: ("RSA", "sha256", 32, "sha256"),
    0x0102: ("RSA", "sha512", 64, "sha512"),
    0x0103: ("RSA", "sha256", 0, "sha256"),
    0x0104: ("RSA", "sha512", 0, "sha512"),
    0x0201: ("EC", "sha256", 0, "sha256"),
    0x0202: ("EC", "sha512", 0, "sha512"),
    0x0301: ("DSA", "sha256", 0, "sha256"),
    0x0421: ("RSA", "sha256", 0, "verity"),
    0x0423: ("EC", "sha256", 0, "verity"),
}


def pad_block_to_pages(parts: ApkParts) -> None:
    """Add apksigner's padding pair: the signing block becomes whole 4 KiB pages (VERITY needs it)."""
    total = 8 + sum(12 + len(v) for _, v in parts.pairs) + 24
    pad = -total % 4096
    if pad:
        pad += 4096 if pad < 12 else 0
        parts.pairs.append((0x42726577, bytes(pad - 12)))


def raw_sign(key: object, alg_id: int, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    _kind, hname, salt, _ = ALGS[alg_id]
    h = {"sha256": hashes.SHA256, "sha512": hashes.SHA512}[hname]()
    if isinstance(key, rsa.RSAPrivateKey):
        pad = padding.PSS(padding.MGF1(h), salt) if salt else padding.PKCS1v15()
        return key.sign(data, pad, h)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(h))
    assert isinstance(key, dsa_private_key_type())
    return key.sign(data, h)  # type: ignore[attr-defined]


def dsa_private_key_type() -> type:
    """cryptography's DSA private key class without its deprecation warning (DSA APKs are still real)."""

    from cryptography.hazmat.primitives.asymmetric import dsa
    from cryptography.utils import CryptographyDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return dsa.DSAPrivateKey  # type: ignore[no-any-return]


def dsa_generate(bits: int = 2048) -> object:
    """A new DSA private key, without cryptography's deprecation warning."""

    from cryptography.hazmat.primitives.asymmetric import dsa
    from cryptography.utils import CryptographyDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return dsa.generate_private_key(bits)


@dataclass
class CraftedSigner:
    key: object  # private key
    cert_der: bytes
    algs: list[int]
    min_sdk: int = 28
    max_sdk: int = 2**31 - 1
    attrs: list[tuple[int, bytes]] = field(default_factory=list)
    digest_algs: list[int] | None = None  # defaults to `algs`; differ on purpose to test the check
    public_key: bytes | None = None  # defaults to the key's SubjectPublicKeyInfo
    bad_sigs: tuple[int, ...] = ()  # algorithms whose signature is replaced by garbage
    corrupt_digest: int | None = None  # algorithm whose content digest is wrong (but signed)


def load_p12(ks: Path) -> tuple[object, bytes]:
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    key, cert, _ = pkcs12.load_key_and_certificates(ks.read_bytes(), PASS.encode())
    assert key is not None and cert is not None
    return key, cert.public_bytes(Encoding.DER)


def _content_digest(parts: ApkParts, alg_id: int, corrupt: int | None) -> bytes:
    if alg_id not in ALGS:
        return b"\0" * 32
    digest = chunked_digest(parts, ALGS[alg_id][3])
    return bytes(len(digest)) if corrupt == alg_id else digest


def scheme_block(parts: ApkParts, signers: list[CraftedSigner], *, v3: bool) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    records = []
    for s in signers:
        digest_algs = s.algs if s.digest_algs is None else s.digest_algs
        digests = b"".join(
            lp(struct.pack("<I", a) + lp(_content_digest(parts, a, s.corrupt_digest))) for a in digest_algs
        )
        attrs = b"".join(lp(struct.pack("<I", i) + v) for i, v in s.attrs)
        sdk = struct.pack("<ii", s.min_sdk, s.max_sdk) if v3 else b""
        signed = lp(digests) + lp(lp(s.cert_der)) + sdk + lp(attrs)
        sigs = b"".join(
            lp(
                struct.pack("<I", a)
                + lp(raw_sign(s.key, a, signed) if a in ALGS and a not in s.bad_sigs else b"junk")
            )
            for a in s.algs
        )
        spki = s.public_key or s.key.public_key().public_bytes(  # type: ignore[attr-defined]
            Encoding.DER, PublicFormat.SubjectPublicKeyInfo
        )
        records.append(lp(lp(signed) + sdk + lp(sigs) + lp(spki)))
    return lp(b"".join(records))


def lineage_value(
    nodes: list[tuple[object, bytes]], alg_id: int = 0x0103, *, forge_from: int | None = None
) -> bytes:
    """A proof-of-rotation attribute value: each (key, cert) signed by the previous one's key.

    `forge_from`: sign node `forge_from` with its own key instead of the previous one (a forged link).
    """
    out = struct.pack("<I", 1)
    for i, (key, der) in enumerate(nodes):
        signed = lp(der) + struct.pack("<I", alg_id if i else 0)
        if i == 0:
            signature = b""
        else:
            signer_key = key if forge_from == i else nodes[i - 1][0]
            signature = raw_sign(signer_key, alg_id, signed)
        flags = 0x1F if i < len(nodes) - 1 else 0
        out += lp(lp(signed) + struct.pack("<II", flags, alg_id) + lp(signature))
    return out


def self_signed(key: Any, name: x509.Name) -> x509.Certificate:
    """A self-signed certificate valid 2024-01-01 plus 9,000 days, as apksigner test keys are."""
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=9000))
        .sign(key, hashes.SHA256())
    )


# ------------------------------------------------------------------ the second oracle: apksig of Android 14

AOSP14_JAR = Path(__file__).resolve().parents[1].parent / "shared" / "tools" / "apksigner-aosp14.jar"


def aosp14_available() -> bool:
    """`../shared/tools/apksigner-aosp14.jar` and a Java runtime are there."""
    return AOSP14_JAR.exists() and shutil.which("java") is not None


def parse_apksigner_output(text: str) -> ApksignerVerdict:
    """Read `apksigner verify --print-certs -v` output (Debian 31's or aosp14's wording)."""
    lines = text.splitlines()
    if "Verifies" in lines:
        outcome = "verifies"
    elif "DOES NOT VERIFY" in lines:
        outcome = "rejects"
    else:
        outcome = "invalid"
    schemes = {
        m.group(1): m.group(2) == "true"
        for m in re.finditer(r"^Verified using (v[1-4](?:\.1)?) scheme \(.*\): (true|false)$", text, re.M)
    }
    stamp = re.search(r"^Verified for SourceStamp: (true|false)$", text, re.M)
    if stamp:
        schemes["source_stamp"] = stamp.group(1) == "true"
    sha = re.findall(r"^Signer #\d+ certificate SHA-256 digest: ([0-9a-f]{64})$", text, re.M)
    dns = re.findall(r"^Signer #\d+ certificate DN: (.*)$", text, re.M)
    stamp_sha = re.search(r"^Source Stamp Signer certificate SHA-256 digest: ([0-9a-f]{64})$", text, re.M)
    return ApksignerVerdict(outcome, schemes, sha, dns, text, stamp_sha.group(1) if stamp_sha else None)


def oracle_verify(
    oracle: str, path: Path, min_sdk: int | None = None, v4: Path | None = None
) -> ApksignerVerdict:
    """Run one oracle: "debian" (apksigner 31 on PATH) or "aosp14" (the jar in ../shared/tools);
    `v4`: pass that file as `--v4-signature-file`."""
    if oracle == "debian":
        return _debian_verify(path, min_sdk, v4)
    args = ["java", "-jar", str(AOSP14_JAR), "verify", "--print-certs", "-v"]
    if min_sdk is not None:
        args += ["--min-sdk-version", str(min_sdk)]
    if v4 is not None:
        args += ["--v4-signature-file", str(v4)]
    proc = subprocess.run([*args, str(path)], capture_output=True, text=True, timeout=300, check=False)
    return parse_apksigner_output(proc.stdout + proc.stderr)


def available_oracles() -> list[str]:
    """The oracles installed here, Debian's first."""
    return [o for o, ok in (("debian", apksigner_available()), ("aosp14", aosp14_available())) if ok]


# ------------------------------------------------------------- a JAR (v1) signer with every knob exposed

OID = {
    "md5": "1.2.840.113549.2.5",
    "sha1": "1.3.14.3.2.26",
    "sha224": "2.16.840.1.101.3.4.2.4",
    "sha256": "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2",
    "sha512": "2.16.840.1.101.3.4.2.3",
    "rsaEncryption": "1.2.840.113549.1.1.1",
    "md5WithRSA": "1.2.840.113549.1.1.4",
    "sha1WithRSA": "1.2.840.113549.1.1.5",
    "sha256WithRSA": "1.2.840.113549.1.1.11",
    "sha512WithRSA": "1.2.840.113549.1.1.13",
    "ecPublicKey": "1.2.840.10045.2.1",
    "sha256WithECDSA": "1.2.840.10045.4.3.2",
}
_SIG_HASH = {"md5WithRSA": "md5", "sha1WithRSA": "sha1", "sha256WithRSA": "sha256",
             "sha512WithRSA": "sha512", "sha256WithECDSA": "sha256"}  # fmt: skip


@dataclass
class JarSigner:
    """One `.SF` + PKCS#7 block. `digest`/`sig` are keys of OID (PKCS#7 digest and signature algorithm)."""

    key: Any
    cert_der: bytes
    name: str = "CERT"
    digest: str = "sha1"
    sig: str = "rsaEncryption"
    signed_attrs: bool = False
    duplicate_message_digest: bool = False


def _hash_obj(name: str) -> hashes.HashAlgorithm:
    return {"md5": hashes.MD5, "sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha512": hashes.SHA512}[name]()


def pkcs7_block(signer: JarSigner, sf: bytes) -> bytes:
    """A SignedData over `sf` (detached), written with asn1crypto so any OID pair can be used."""
    import hashlib

    from asn1crypto import algos, cms, core
    from asn1crypto import x509 as ax509
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    cert = ax509.Certificate.load(signer.cert_der)
    sig_hash = _SIG_HASH.get(signer.sig, signer.digest)
    data = sf
    signed_attrs = None
    if signer.signed_attrs:
        md = hashlib.new(signer.digest, sf).digest()
        attrs = [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute({"type": "message_digest", "values": [md]}),
        ]
        if signer.duplicate_message_digest:
            attrs.append(cms.CMSAttribute({"type": "message_digest", "values": [md]}))
        signed_attrs = cms.CMSAttributes(attrs)
        data = b"\x31" + signed_attrs.dump()[1:]
    if signer.sig in ("ecPublicKey", "sha256WithECDSA"):
        signature = signer.key.sign(data, ec.ECDSA(_hash_obj(sig_hash)))
    else:
        signature = signer.key.sign(data, padding.PKCS1v15(), _hash_obj(sig_hash))
    info: dict[str, Any] = {
        "version": "v1",
        "sid": cms.SignerIdentifier(
            {"issuer_and_serial_number": {"issuer": cert.issuer, "serial_number": cert.serial_number}}
        ),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": OID[signer.digest]}),
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": OID[signer.sig]}),
        "signature": signature,
    }
    if signed_attrs is not None:
        info["signed_attrs"] = signed_attrs
    signed = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": OID[signer.digest]})],
            "encap_content_info": {"content_type": "data"},
            "certificates": [core.Any.load(signer.cert_der)],
            "signer_infos": [cms.SignerInfo(info)],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump())


def jar_sign(unsigned: Path, out: Path, signers: list[JarSigner]) -> Path:
    """Write `out`: the entries of `unsigned` plus a JAR signature (SHA1 digests, which every API level
    checks) by each signer."""
    import base64
    import hashlib
    import zipfile

    b64 = base64.b64encode
    with zipfile.ZipFile(unsigned) as z:
        entries = [(i, z.read(i)) for i in z.infolist() if not i.filename.startswith("META-INF/")]
    main = b"Manifest-Version: 1.0\r\nCreated-By: 1.0 (Android)\r\n\r\n"
    sections = [
        (
            i.filename,
            f"Name: {i.filename}\r\nSHA1-Digest: {b64(hashlib.sha1(d).digest()).decode()}\r\n\r\n".encode(),
        )
        for i, d in entries
    ]
    manifest = main + b"".join(s for _, s in sections)
    sf = (
        "Signature-Version: 1.0\r\nCreated-By: 1.0 (Android)\r\n"
        f"SHA1-Digest-Manifest: {b64(hashlib.sha1(manifest).digest()).decode()}\r\n\r\n"
    ).encode()
    for name, section in sections:
        sf += f"Name: {name}\r\nSHA1-Digest: {b64(hashlib.sha1(section).digest()).decode()}\r\n\r\n".encode()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", manifest)
        for signer in signers:
            ext = "EC" if signer.sig in ("ecPublicKey", "sha256WithECDSA") else "RSA"
            z.writestr(f"META-INF/{signer.name}.SF", sf)
            z.writestr(f"META-INF/{signer.name}.{ext}", pkcs7_block(signer, sf))
        for info, data in entries:
            z.writestr(info, data)
    return out
