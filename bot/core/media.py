"""Fetching images (icons, screenshots) from store CDNs: bounded in size and time, never raising, and through
the same checked, pinned path as APK links (``scanners.apk.fetch``): http(s) only, every redirect hop checked,
no connection to loopback, private, link-local or metadata addresses unless the guard allows them."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests

from scanners.apk.fetch import FetchError, Resolver, fetch_to_file, system_resolver

if TYPE_CHECKING:
    from bot.core.settings import Settings


@dataclass(frozen=True)
class MediaGuard:
    """Which internal addresses an image fetch may reach: none by default."""

    allow_private: bool = False  # tests and explicit operator switches only
    allow_addresses: frozenset[str] = frozenset()  # e.g. the store mirror the settings point at
    resolver: Resolver = field(default=system_resolver)


def guard_for(settings: Settings, resolver: Resolver = system_resolver) -> MediaGuard:
    """The guard for a scan: when the stores are pointed at a mirror (an internal host, the offline demo on
    loopback), that mirror's own addresses are allowed for its images; nothing else internal is."""
    from bot.core.settings import DEFAULT_APP_STORE_URL, DEFAULT_GOOGLE_PLAY_URL

    allowed: set[str] = set()
    for url, default in (
        (settings.stores.google_play_url, DEFAULT_GOOGLE_PLAY_URL),
        (settings.stores.app_store_url, DEFAULT_APP_STORE_URL),
    ):
        if not url or url == default:
            continue
        try:
            parts = urlsplit(url)
            host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
            if host:
                allowed.update(resolver(host, port))
        except (ValueError, FetchError):
            continue
    return MediaGuard(allow_addresses=frozenset(allowed), resolver=resolver)


def fetch_image(
    session: requests.Session,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    guard: MediaGuard | None = None,
) -> tuple[bytes, str] | None:
    """(bytes, content type) of an http(s) resource; None when it cannot be had safely, is empty or exceeds
    ``max_bytes``. ``session`` supplies the headers (User-Agent) only."""
    g = guard or MediaGuard()
    if not url.startswith(("http://", "https://")):
        return None
    with tempfile.TemporaryDirectory(prefix="fakeapp-media-") as tmp:
        try:
            got = fetch_to_file(
                session,
                url,
                tmp,
                max_size=max_bytes,
                timeout=(min(5.0, timeout), timeout),
                deadline=max(1.0, 2 * timeout),
                allow_private=g.allow_private,
                allow_addresses=g.allow_addresses,
                resolver=g.resolver,
            )
        except (FetchError, OSError, ValueError):
            return None
        if not got.size:
            return None
        return got.path.read_bytes(), got.content_type
