"""Render listings as Aptoide v7 API replies (search and getMeta), for the demo snapshot and the tests.

The output has the real replies' shape: ``info.status``, ``datalist.list[]`` for a search, ``data`` for the
metadata with ``file.signature.sha1`` (colon-separated upper-case hex) and ``file.signature.owner`` (the DN as
keytool prints it), ``file.path``/``path_alt``, ``store``, ``developer``, ``stats.downloads``. Deterministic:
a snapshot rebuilt from the same listings is byte-identical.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from scanners.listing import Listing
from scanners.stores.aptoide import colon_sha1

CONTENT_TYPE = "application/json"


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\0".join(parts).encode()).digest()[:4], "big")


def _info(seed: int) -> dict[str, Any]:
    ms = 20 + seed % 80
    return {"status": "OK", "time": {"seconds": ms / 1000, "human": f"{ms} milliseconds"}}


def _downloads(listing: Listing) -> int:
    digits = "".join(c for c in listing.installs if c.isdigit())
    return int(digits) if digits else 0


def _vercode(listing: Listing) -> int:
    parts = [int(p) for p in (listing.version or "1.0.0").split(".") if p.isdigit()][:3]
    while len(parts) < 3:
        parts.append(0)
    return parts[0] * 10000 + parts[1] * 100 + parts[2]


def _md5(listing: Listing) -> str:
    return listing.apk_md5 or hashlib.md5(listing.key.encode(), usedforsecurity=False).hexdigest()


def _store(listing: Listing) -> dict[str, Any]:
    seed = _seed(listing.store_name)
    return {
        "id": 1_000_000 + seed % 9_000_000,
        "name": listing.store_name,
        "avatar": "",
        "appearance": {"theme": "default", "description": ""},
        "stats": {"apps": 1 + seed % 400, "subscribers": seed % 5000, "downloads": seed % 900_000},
    }


def _file(listing: Listing, *, full: bool) -> dict[str, Any]:
    seed = _seed(listing.key, listing.version)
    md5 = _md5(listing)
    file: dict[str, Any] = {
        "vername": listing.version or "1.0.0",
        "vercode": _vercode(listing),
        "md5sum": md5,
        "filesize": 8_000_000 + seed % 60_000_000,
    }
    if full:
        uname = listing.bundle_id.replace(".", "-")
        path = listing.apk_url or (
            f"https://pool.apk.aptoide.com/{listing.store_name}/{uname}-{_vercode(listing)}-{listing.app_id}-{md5}.apk"
        )
        file.update(
            {
                "signature": {"sha1": colon_sha1(listing.cert_sha1), "owner": listing.cert_owner},
                "added": listing.updated or "2026-10-01 08:00:00",
                "path": path,
                "path_alt": path.replace("pool.apk.", "pool.apk-alt."),
                "hardware": {"sdk": 24, "screen": "normal", "gles": 2, "cpus": [], "densities": []},
                "malware": {
                    "rank": "UNKNOWN",
                    "reason": {},
                    "added": listing.updated or "2026-10-01 08:00:00",
                    "modified": listing.updated or "2026-10-01 08:00:00",
                },
                "flags": {"votes": []},
                "used_features": [],
                "used_permissions": ["android.permission.INTERNET"],
                "tags": [],
            }
        )
    else:
        file["malware"] = {"rank": "UNKNOWN"}
    return file


def render_app(listing: Listing, *, full: bool) -> dict[str, Any]:
    """One app record: a search entry, or (``full``) getMeta's ``data``."""
    if not listing.app_id.isdigit():
        raise ValueError(f"Aptoide app ids are numeric, got {listing.app_id!r}")
    downloads = _downloads(listing)
    updated = listing.updated or "2026-10-01 08:00:00"
    record: dict[str, Any] = {
        "id": int(listing.app_id),
        "name": listing.title,
        "package": listing.bundle_id,
        "uname": listing.bundle_id.replace(".", "-"),
        "size": 8_000_000 + _seed(listing.key) % 60_000_000,
        "icon": listing.icon,
        "graphic": None,
        "added": updated,
        "modified": updated,
        "updated": updated,
        "uptype": "regular",
    }
    if full:
        record["main_package"] = None
        record["age"] = {"name": "All", "title": "All ages", "pegi": "PEGI-3", "rating": 0}
        record["developer"] = {
            "id": 100_000 + _seed(listing.developer, listing.store_name) % 900_000,  # per uploader
            "name": listing.developer,
            "website": listing.developer_website,
            "email": listing.developer_email,
            "privacy": None,
        }
    record["store"] = _store(listing)
    record["file"] = _file(listing, full=full)
    if full:
        record["media"] = {
            "keywords": [],
            "description": listing.description,
            "summary": "",
            "news": "",
            "videos": [],
            "screenshots": [{"url": u, "height": 1920, "width": 1080} for u in listing.screenshots],
        }
        record["urls"] = {"w": listing.url, "m": listing.url.replace(".en.aptoide.com", ".en.aptoide.com/m")}
    record["stats"] = {
        "rating": {"avg": listing.rating or 0, "total": 0},
        "prating": {"avg": listing.rating or 0, "total": 0},
        "downloads": downloads,
        "pdownloads": downloads,
    }
    if full:
        record["aab"] = None
        record["obb"] = None
        record["pay"] = None
        record["appcoins"] = {"advertising": False, "billing": False, "flags": []}
        record["soft_locks"] = []
    return record


def render_search(listings: Sequence[Listing], *, limit: int = 25) -> str:
    """A ``/api/7/apps/search`` reply."""
    shown = [render_app(x, full=False) for x in listings[:limit]]
    reply = {
        "info": _info(len(listings)),
        "datalist": {
            "total": len(listings),
            "count": len(shown),
            "offset": 0,
            "limit": limit,
            "next": len(shown),
            "hidden": 0,
            "loaded": True,
            "list": shown,
        },
    }
    return json.dumps(reply, ensure_ascii=False, separators=(",", ":")) + "\n"


def render_meta(listing: Listing) -> str:
    """A ``/api/7/app/getMeta`` reply."""
    reply = {"info": _info(_seed(listing.key)), "data": render_app(listing, full=True)}
    return json.dumps(reply, ensure_ascii=False, separators=(",", ":")) + "\n"


def render_not_found() -> str:
    """What the API answers (with HTTP 404) for an app or package it does not list."""
    reply = {
        "info": {"status": "FAIL", "time": {"seconds": 0.01, "human": "10 milliseconds"}},
        "errors": [{"code": "APK-5", "description": "No APK was found"}],
    }
    return json.dumps(reply, separators=(",", ":")) + "\n"
