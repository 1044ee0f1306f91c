"""Fetching images (icons, screenshots) from store CDNs: bounded in size and time, never raising."""

from __future__ import annotations

import requests


def fetch_image(
    session: requests.Session, url: str, *, timeout: float, max_bytes: int
) -> tuple[bytes, str] | None:
    """(bytes, content type) of an http(s) resource; None when it cannot be had or exceeds ``max_bytes``."""
    if not url.startswith(("http://", "https://")):
        return None
    try:
        with session.get(url, timeout=timeout, stream=True) as response:
            if response.status_code != 200:
                return None
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_content(65536):
                size += len(chunk)
                if size > max_bytes:
                    return None
                chunks.append(chunk)
            if not size:
                return None
            return b"".join(chunks), response.headers.get("Content-Type", "")
    except requests.RequestException:
        return None
