"""A details cache, so a repeat scan does not fetch details pages of apps whose search entry is unchanged."""

from __future__ import annotations

import hashlib
import json
from typing import Protocol
from urllib.parse import urlsplit

from scanners.listing import Listing

# Search-result fields that, when unchanged, mean the details page need not be fetched again.
_SUMMARY_FIELDS = ("title", "developer", "developer_id", "icon", "version", "updated", "bundle_id")


def image_key(url: str) -> str:
    """An image URL without its host: store CDNs address images by content, the host may vary."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def summary_fingerprint(listing: Listing) -> str:
    """A short hash of what a search result shows about an app.

    Icons are compared by path: store CDNs address images by content, while the host may vary (mirrors,
    the demo server's port).
    """
    values = [getattr(listing, f) for f in _SUMMARY_FIELDS]
    values[_SUMMARY_FIELDS.index("icon")] = image_key(listing.icon)
    data = json.dumps(values, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:24]


class DetailsCache(Protocol):
    """What a scan needs of a details cache: a listing's cached details by key, and storing them."""

    def get(self, key: str) -> tuple[str, Listing, float] | None:
        """(summary fingerprint, full listing, fetched-at Unix time) for a listing key, if cached."""
        ...

    def put(self, key: str, fingerprint: str, listing: Listing, fetched_at: float) -> None: ...


class MemoryCache:
    """An in-process DetailsCache (the application keeps one in SQLite)."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[str, Listing, float]] = {}

    def get(self, key: str) -> tuple[str, Listing, float] | None:
        return self._items.get(key)

    def put(self, key: str, fingerprint: str, listing: Listing, fetched_at: float) -> None:
        self._items[key] = (fingerprint, listing, fetched_at)
