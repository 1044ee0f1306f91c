"""``itms-services://?action=download-manifest&url=…``: the manifest plist that names the IPA to install."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scanners.ios.plists import PlistError, as_dict, as_list, load_plist, text

MAX_MANIFEST = 512 * 1024


class ManifestError(ValueError):
    """Not a readable itms-services manifest; one line."""


@dataclass(frozen=True)
class ItmsManifest:
    """What an itms-services manifest names: the app (bundle id, version, title, kind), its IPA and icon."""

    bundle_id: str
    version: str
    title: str
    kind: str
    ipa_url: str
    icon_url: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def manifest_url(itms: str) -> str:
    """The https manifest URL inside an ``itms-services://`` link ('' when there is none)."""
    try:
        q = parse_qs(urlsplit(itms).query)
    except ValueError:
        return ""
    urls = q.get("url") or []
    return urls[0].strip() if urls else ""


def parse_manifest(data: bytes) -> ItmsManifest:
    """items[0].metadata and the software-package asset of a manifest; raises ManifestError."""
    try:
        p = load_plist(data, max_size=MAX_MANIFEST)
    except PlistError as exc:
        raise ManifestError(f"manifest: {exc}") from None
    items = p.get("items")
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        raise ManifestError("manifest: no items")
    item = items[0]
    meta = as_dict(item.get("metadata"))
    ipa = icon = ""
    assets = as_list(item.get("assets"))
    for a in assets:
        if not isinstance(a, dict):
            continue
        kind = a.get("kind")
        if kind == "software-package" and not ipa:
            ipa = text(a, "url", 2000)
        elif kind in ("display-image", "full-size-image") and not icon:
            icon = text(a, "url", 2000)
    return ItmsManifest(
        bundle_id=text(meta, "bundle-identifier", 200),
        version=text(meta, "bundle-version", 50),
        title=text(meta, "title", 200),
        kind=text(meta, "kind", 50),
        ipa_url=ipa,
        icon_url=icon,
    )
