"""Configuration profiles (``.mobileconfig``): a plist, often CMS-signed, whose payloads may put a web
clip on the home screen (full screen, not removable), install a root certificate, a VPN or enrol in MDM."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scanners.ios.cms import CmsError, Signed, looks_like_cms, parse_signed
from scanners.ios.plists import PlistError, load_plist, text

WEB_CLIP = "com.apple.webClip.managed"
# Payloads that give the profile's author control beyond a home-screen icon.
DANGEROUS = {
    "com.apple.security.root": ("根憑證", "a root certificate"),
    "com.apple.security.pkcs1": ("憑證", "a certificate"),
    "com.apple.security.pem": ("憑證", "a certificate"),
    "com.apple.security.pkcs12": ("身分憑證", "an identity certificate"),
    "com.apple.vpn.managed": ("VPN 設定", "a VPN"),
    "com.apple.vpn.managed.applayer": ("App VPN 設定", "a per-app VPN"),
    "com.apple.mdm": ("裝置管理（MDM）註冊", "MDM enrolment"),
    "com.apple.proxy.http.global": ("全域代理伺服器", "a global HTTP proxy"),
    "com.apple.dnsSettings.managed": ("DNS 設定", "DNS settings"),
}


class ConfigError(ValueError):
    """Not a readable configuration profile; one line."""


@dataclass(frozen=True)
class WebClip:
    """A web clip: the link and label it puts on the home screen, and how (full screen, removable, icon)."""

    url: str
    label: str
    full_screen: bool
    removable: bool
    has_icon: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ConfigProfile:
    """What a configuration profile installs (payloads, web clips, dangerous ones) and who signed it."""

    display_name: str
    organization: str
    identifier: str
    payload_types: tuple[str, ...]
    web_clips: tuple[WebClip, ...]
    dangerous: tuple[str, ...]  # payload types from DANGEROUS
    signature: Signed | None
    errors: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "display_name": self.display_name,
            "organization": self.organization,
            "identifier": self.identifier,
            "payload_types": list(self.payload_types),
            "web_clips": [w.to_dict() for w in self.web_clips],
            "dangerous_payloads": list(self.dangerous),
            "signed": self.signature is not None,
            "signature": self.signature.to_dict() if self.signature else None,
            "errors": list(self.errors),
        }


def parse_mobileconfig(data: bytes, *, trusted_roots: Sequence[bytes] = ()) -> ConfigProfile:
    """Payloads and signer of a configuration profile (signed or not); raises ConfigError."""
    signed: Signed | None = None
    errors: list[str] = []
    body = data
    if looks_like_cms(data):
        try:
            signed = parse_signed(data, trusted_roots=trusted_roots)
        except CmsError as exc:
            raise ConfigError(f"configuration profile: {exc}") from None
        body = signed.content
        errors.extend(signed.errors)
    try:
        p = load_plist(body)
    except PlistError as exc:
        raise ConfigError(f"configuration profile: {exc}") from None
    content = p.get("PayloadContent")
    payloads = [x for x in content if isinstance(x, dict)][:200] if isinstance(content, list) else []
    types: list[str] = []
    clips: list[WebClip] = []
    dangerous: list[str] = []
    for pl in payloads:
        t = text(pl, "PayloadType", 100)
        types.append(t)
        if t == WEB_CLIP:
            clips.append(
                WebClip(
                    url=text(pl, "URL", 2000),
                    label=text(pl, "Label", 200),
                    full_screen=pl.get("FullScreen") is True,
                    removable=pl.get("IsRemovable") is not False,
                    has_icon=isinstance(pl.get("Icon"), bytes),
                )
            )
        elif t in DANGEROUS:
            dangerous.append(t)
    if p.get("PayloadType") not in (None, "Configuration"):
        errors.append(f"top-level PayloadType is {text(p, 'PayloadType', 60)!r}, not 'Configuration'")
    return ConfigProfile(
        display_name=text(p, "PayloadDisplayName", 200),
        organization=text(p, "PayloadOrganization", 200),
        identifier=text(p, "PayloadIdentifier", 200),
        payload_types=tuple(types),
        web_clips=tuple(clips),
        dangerous=tuple(dict.fromkeys(dangerous)),
        signature=signed,
        errors=tuple(errors),
    )
