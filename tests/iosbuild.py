"""Real signed iOS artifacts built in code: a test CA and leaf certificates (``cryptography``), CMS
SignedData (``pkcs7``), provisioning profiles, IPAs, itms-services manifests and configuration profiles."""

from __future__ import annotations

import datetime as dt
import io
import plistlib
import zipfile
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

NOT_BEFORE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
NOT_AFTER = dt.datetime(2035, 1, 1, tzinfo=dt.UTC)


class Signer:
    """A CA and a leaf issued by it (ECDSA P-256: fast to generate)."""

    def __init__(self, cn: str, ca_cn: str = "Test Apple Worldwide Developer Relations CA") -> None:
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_cn)])
        self.ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOT_BEFORE)
            .not_valid_after(NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.ca_key, hashes.SHA256())
        )
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(ca_name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOT_BEFORE)
            .not_valid_after(NOT_AFTER)
            .sign(self.ca_key, hashes.SHA256())
        )

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def sign(self, content: bytes) -> bytes:
        """CMS SignedData over ``content`` (attached), with the leaf and the CA."""
        return (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(content)
            .add_signer(self.cert, self.key, hashes.SHA256())
            .add_certificate(self.ca)
            .sign(serialization.Encoding.DER, [])
        )


def provision_plist(
    *,
    team_id: str,
    team_name: str,
    bundle_id: str,
    distribution: str,
    developer_cert: bytes,
    name: str = "Test Profile",
) -> bytes:
    p: dict[str, Any] = {
        "AppIDName": name,
        "CreationDate": dt.datetime(2026, 1, 1),
        "ExpirationDate": dt.datetime(2027, 1, 1),
        "Name": name,
        "TeamIdentifier": [team_id],
        "TeamName": team_name,
        "UUID": "6f1e2d3c-0000-4000-8000-000000000001",
        "DeveloperCertificates": [developer_cert],
        "Entitlements": {
            "application-identifier": f"{team_id}.{bundle_id}",
            "get-task-allow": distribution == "development",
        },
    }
    if distribution == "enterprise":
        p["ProvisionsAllDevices"] = True
    elif distribution in ("ad_hoc", "development"):
        p["ProvisionedDevices"] = ["00008030-001A2B3C4D5E6F70", "00008101-000123456789ABCD"]
    return plistlib.dumps(p)


def info_plist(bundle_id: str, display_name: str, *, binary: bool = True) -> bytes:
    return plistlib.dumps(
        {
            "CFBundleIdentifier": bundle_id,
            "CFBundleDisplayName": display_name,
            "CFBundleName": display_name,
            "CFBundleShortVersionString": "3.2.1",
            "CFBundleVersion": "321",
            "MinimumOSVersion": "14.0",
        },
        fmt=plistlib.FMT_BINARY if binary else plistlib.FMT_XML,
    )


def build_ipa(
    path: Path,
    *,
    bundle_id: str,
    display_name: str,
    provision: bytes | None,
    app: str = "Huayue",
    pad: int = 0,
) -> Path:
    """Write an IPA; ``pad`` adds that many bytes of incompressible data (a big binary), streamed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"Payload/{app}.app/Info.plist", info_plist(bundle_id, display_name))
        if provision is not None:
            z.writestr(f"Payload/{app}.app/embedded.mobileprovision", provision)
        z.writestr(f"Payload/{app}.app/{app}", b"\xcf\xfa\xed\xfe" + b"\0" * 1024)
        if pad:
            import os

            with z.open(f"Payload/{app}.app/Frameworks/Big.framework/Big", "w", force_zip64=False) as out:
                left = pad
                block = os.urandom(1 << 20)
                while left > 0:
                    n = min(left, len(block))
                    out.write(block[:n])
                    left -= n
    return path


def signed_ipa(
    path: Path,
    signer: Signer,
    *,
    team_id: str,
    team_name: str,
    bundle_id: str,
    display_name: str,
    distribution: str,
    pad: int = 0,
) -> Path:
    prov = signer.sign(
        provision_plist(
            team_id=team_id,
            team_name=team_name,
            bundle_id=bundle_id,
            distribution=distribution,
            developer_cert=signer.der,
        )
    )
    return build_ipa(path, bundle_id=bundle_id, display_name=display_name, provision=prov, pad=pad)


def manifest(ipa_url: str, bundle_id: str, title: str) -> bytes:
    return plistlib.dumps(
        {
            "items": [
                {
                    "assets": [
                        {"kind": "software-package", "url": ipa_url},
                        {"kind": "display-image", "url": ipa_url.rsplit("/", 1)[0] + "/icon.png"},
                    ],
                    "metadata": {
                        "bundle-identifier": bundle_id,
                        "bundle-version": "3.2.1",
                        "kind": "software",
                        "title": title,
                    },
                }
            ]
        }
    )


def mobileconfig(
    *,
    label: str,
    url: str,
    full_screen: bool = True,
    removable: bool = False,
    extra: tuple[str, ...] = (),
    signer: Signer | None = None,
    org: str = "",
) -> bytes:
    payloads: list[dict[str, Any]] = [
        {
            "PayloadType": "com.apple.webClip.managed",
            "PayloadIdentifier": "com.example.webclip",
            "PayloadUUID": "11111111-2222-3333-4444-555555555555",
            "PayloadVersion": 1,
            "URL": url,
            "Label": label,
            "Icon": b"\x89PNG\r\n\x1a\n",
            "FullScreen": full_screen,
            "IsRemovable": removable,
        }
    ]
    for t in extra:
        payloads.append({"PayloadType": t, "PayloadIdentifier": f"com.example.{t}", "PayloadVersion": 1})
    body = plistlib.dumps(
        {
            "PayloadType": "Configuration",
            "PayloadDisplayName": label,
            "PayloadOrganization": org or label,
            "PayloadIdentifier": "com.example.profile",
            "PayloadUUID": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "PayloadVersion": 1,
            "PayloadContent": payloads,
        }
    )
    return signer.sign(body) if signer else body


def testflight_page(app: str, *, full: bool = False) -> bytes:
    state = "<p>This beta is full.</p>" if full else "<a class='join'>Accept</a>"
    return (
        f"<html><head><title>Join the {app} beta - TestFlight - Apple</title>"
        f"<meta property='og:image' content='https://is1-ssl.mzstatic.com/image/icon.png'></head>"
        f"<body><h1>Join the {app} beta</h1>{state}</body></html>"
    ).encode()


def qr_png(text: str) -> bytes:
    import zxingcpp
    from PIL import Image

    img = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode).to_image(scale=6)
    out = io.BytesIO()
    Image.fromarray(__import__("numpy").asarray(img)).convert("L").save(out, "PNG")
    return out.getvalue()
