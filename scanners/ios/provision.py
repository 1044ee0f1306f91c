"""``embedded.mobileprovision``: a CMS SignedData over an XML plist naming the Apple team, the app id, how
the build is distributed and until when, and the developer certificates allowed to sign it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scanners.ios.cms import CertInfo, CmsError, Signed, cert_info, parse_signed
from scanners.ios.plists import PlistError, as_dict, iso, load_plist, text

DISTRIBUTIONS = ("app_store", "enterprise", "ad_hoc", "development")


class ProvisionError(ValueError):
    """Not a readable provisioning profile; one line."""


@dataclass(frozen=True)
class Provision:
    """What a provisioning profile says: the team, app id, distribution, devices, dates and certificates."""

    team_ids: tuple[str, ...]
    team_name: str
    name: str
    app_id_name: str
    application_identifier: str  # "<TEAM>.<bundle id>" (may end in "*")
    bundle_id: str
    distribution: str  # one of DISTRIBUTIONS
    provisions_all_devices: bool
    device_count: int
    get_task_allow: bool
    created: str
    expires: str
    uuid: str
    developer_certificates: tuple[CertInfo, ...]
    signature: Signed | None
    errors: tuple[str, ...] = field(default=())

    @property
    def team_id(self) -> str:
        return self.team_ids[0] if self.team_ids else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "team_id": self.team_id,
            "team_ids": list(self.team_ids),
            "team_name": self.team_name,
            "profile_name": self.name,
            "app_id_name": self.app_id_name,
            "application_identifier": self.application_identifier,
            "bundle_id": self.bundle_id,
            "distribution": self.distribution,
            "provisions_all_devices": self.provisions_all_devices,
            "device_count": self.device_count,
            "get_task_allow": self.get_task_allow,
            "created": self.created,
            "expires": self.expires,
            "uuid": self.uuid,
            "developer_certificates": [c.to_dict() for c in self.developer_certificates],
            "signature": self.signature.to_dict() if self.signature else None,
            "errors": list(self.errors),
        }


def distribution_of(plist: dict[str, Any]) -> str:
    """enterprise (ProvisionsAllDevices), development or ad_hoc (ProvisionedDevices, by get-task-allow),
    otherwise app_store."""
    ent = as_dict(plist.get("Entitlements"))
    if plist.get("ProvisionsAllDevices") is True:
        return "enterprise"
    if isinstance(plist.get("ProvisionedDevices"), list):
        return "development" if ent.get("get-task-allow") is True else "ad_hoc"
    return "app_store"


def parse_provision(data: bytes, *, trusted_roots: Sequence[bytes] = ()) -> Provision:
    """Read a provisioning profile (signed, or a bare plist); raises ProvisionError."""
    signed: Signed | None = None
    errors: list[str] = []
    body = data
    if not data.lstrip().startswith((b"<?xml", b"<plist", b"bplist")):
        try:
            signed = parse_signed(data, trusted_roots=trusted_roots)
        except CmsError as exc:
            raise ProvisionError(f"embedded.mobileprovision: {exc}") from None
        body = signed.content
        errors.extend(signed.errors)
    else:
        errors.append("the provisioning profile is not signed")
    try:
        p = load_plist(body)
    except PlistError as exc:
        raise ProvisionError(f"embedded.mobileprovision: {exc}") from None
    ent = as_dict(p.get("Entitlements"))
    teams = p.get("TeamIdentifier")
    team_ids = tuple(t[:20] for t in teams if isinstance(t, str))[:10] if isinstance(teams, list) else ()
    app_ident = text(ent, "application-identifier")
    prefix = (team_ids[0] + ".") if team_ids else ""
    if prefix and app_ident.startswith(prefix):
        bundle = app_ident[len(prefix) :]
    else:
        bundle = app_ident.split(".", 1)[-1]
    certs: list[CertInfo] = []
    raw_certs = p.get("DeveloperCertificates")
    for der in raw_certs[:20] if isinstance(raw_certs, list) else []:
        if isinstance(der, bytes):
            try:
                certs.append(cert_info(der))
            except Exception:
                sha = hashlib.sha256(der).hexdigest()
                errors.append(f"a developer certificate cannot be read (SHA-256 {sha})")
    devices = p.get("ProvisionedDevices")
    return Provision(
        team_ids=team_ids,
        team_name=text(p, "TeamName", 200),
        name=text(p, "Name", 200),
        app_id_name=text(p, "AppIDName", 200),
        application_identifier=app_ident,
        bundle_id=bundle,
        distribution=distribution_of(p),
        provisions_all_devices=p.get("ProvisionsAllDevices") is True,
        device_count=len(devices) if isinstance(devices, list) else 0,
        get_task_allow=ent.get("get-task-allow") is True,
        created=iso(p.get("CreationDate")),
        expires=iso(p.get("ExpirationDate")),
        uuid=text(p, "UUID", 64),
        developer_certificates=tuple(certs),
        signature=signed,
        errors=tuple(errors),
    )
