"""A suspect's screenshots, kept by the scan as evidence that survives the listing (each image once)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import requests
import sqlite_utils

from bot.core.media import MediaGuard, fetch_image
from bot.store.db import transaction

SCREENSHOT_MAX_BYTES = 5_000_000
SCREENSHOTS_PER_LISTING = 8


def fetch_screenshots(
    session: requests.Session,
    urls: Sequence[str],
    *,
    timeout: float = 15.0,
    limit: int = SCREENSHOTS_PER_LISTING,
    guard: MediaGuard | None = None,
) -> list[tuple[str, bytes, str]]:
    """(url, bytes, content type) of up to ``limit`` screenshots; failures are skipped, never raised.

    Through the SSRF guard: internal addresses only as ``guard`` allows (none by default)."""
    out = []
    for url in list(urls)[:limit]:
        got = fetch_image(session, url, timeout=timeout, max_bytes=SCREENSHOT_MAX_BYTES, guard=guard)
        if got is not None:
            out.append((url, got[0], got[1]))
    return out


def keep_screenshots(
    db: sqlite_utils.Database, listing_key: str, shots: Sequence[tuple[str, bytes, str]], at: str
) -> int:
    """Store fetched screenshots as ``listing_media`` rows (once per distinct image); returns rows added.

    Inside a caller's transaction nothing is committed here; on its own it commits.
    """
    if not shots:
        return 0
    added = 0
    with transaction(db):
        for url, data, ctype in shots:
            sha = hashlib.sha256(data).hexdigest()
            cur = db.execute(
                "INSERT OR IGNORE INTO listing_media (listing_key, at, kind, url, sha256, content_type, data)"
                " VALUES (?, ?, 'screenshot', ?, ?, ?, ?)",
                [listing_key, at, url, sha, ctype, data],
            )
            added += cur.rowcount
    return added
