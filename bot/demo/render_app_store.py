"""Render listings as iTunes Search/Lookup API replies, and answer those requests from a catalogue.

Used to build the offline demo snapshot and the App Store tests: the output has the real reply's shape
(``resultCount``/``results``, the extra fields Apple sends, ``text/javascript`` content type) and is
deterministic, so a snapshot rebuilt from the same listings is byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.demo.server import Reply, Request
from scanners.listing import Listing

# 2026-11: what itunes.apple.com sends for both /search and /lookup.
CONTENT_TYPE = "text/javascript; charset=utf-8"

# App Store genre ids (Apple's published list), names as the Taiwan storefront shows them.
GENRE_IDS = {
    "財經": 6015,
    "商業": 6000,
    "工具程式": 6002,
    "新聞": 6009,
    "教育": 6017,
    "生活風格": 6012,
    "社交": 6005,
    "遊戲": 6014,
    "Finance": 6015,
    "Business": 6000,
}
DEFAULT_GENRE = "財經"
_SIZE = re.compile(r"/\d+x\d+bb\.(jpg|png)$")


def _seed(*parts: str) -> int:
    """A stable number derived from text, for realistic but deterministic filler fields."""
    return int.from_bytes(hashlib.sha256("\0".join(parts).encode()).digest()[:4], "big")


def _artwork(icon: str, size: int) -> str:
    """Apple serves one artwork at several sizes by rewriting the URL's ``NxNbb.jpg`` tail."""
    return _SIZE.sub(f"/{size}x{size}bb.\\1", icon) if icon else ""


def _numeric(value: str, what: str) -> int:
    if not value.isdigit():
        raise ValueError(f"App Store {what} must be numeric, got {value!r}")
    return int(value)


def artist_url(developer_id: str, country: str = "tw") -> str:
    """A developer's App Store page URL, as the iTunes API gives it."""
    return f"https://apps.apple.com/{country}/developer/id{developer_id}?uo=4"


def render_record(listing: Listing, *, country: str = "tw") -> dict[str, Any]:
    """One software result as the API gives it (keys in Apple's order, extra fields included)."""
    track_id = _numeric(listing.app_id, "app_id (trackId)")
    artist_id = _numeric(listing.developer_id, "developer_id (artistId)")  # every app has one
    genre = listing.genre or DEFAULT_GENRE
    genre_id = GENRE_IDS.get(genre, 6015)
    seed = _seed(listing.app_id, listing.version)
    updated = listing.updated or "2026-10-01T08:00:00Z"
    record: dict[str, Any] = {
        "isGameCenterEnabled": False,
        "features": ["iosUniversal"],
        "supportedDevices": ["iPhone12-iPhone12", "iPhone15-iPhone15", "iPadAir5-iPadAir5"],
        "advisories": [],
        "screenshotUrls": list(listing.screenshots),
        "ipadScreenshotUrls": [],
        "appletvScreenshotUrls": [],
        "artworkUrl60": _artwork(listing.icon, 60),
        "artworkUrl512": listing.icon,
        "artworkUrl100": _artwork(listing.icon, 100),
        "artistViewUrl": artist_url(str(artist_id), country),
        "kind": "software",
        "currency": "TWD",
        "minimumOsVersion": "15.0",
        "trackCensoredName": listing.title,
        "languageCodesISO2A": ["EN", "ZH"],
        "fileSizeBytes": str(40_000_000 + seed % 200_000_000),
        "formattedPrice": "免費",
        "contentAdvisoryRating": "4+",
        "trackViewUrl": listing.url or f"https://apps.apple.com/{country}/app/id{track_id}?uo=4",
        "trackContentRating": "4+",
        "bundleId": listing.bundle_id,
        "trackId": track_id,
        "trackName": listing.title,
        "releaseDate": "2020-03-16T07:00:00Z" if updated >= "2020-03-16" else updated,
        "primaryGenreName": genre,
        "genreIds": [str(genre_id), "6000"] if genre_id != 6000 else ["6000"],
        "isVppDeviceBasedLicensingEnabled": True,
        "sellerName": listing.developer_legal_name or listing.developer,
        "currentVersionReleaseDate": updated,
        "releaseNotes": "修正錯誤並提升效能。",
        "primaryGenreId": genre_id,
        "version": listing.version or "1.0.0",
        "wrapperType": "software",
        "artistId": artist_id,
        "artistName": listing.developer,
        "genres": [genre, "商業"] if genre_id != 6000 else ["商業"],
        "price": 0.00,
        "description": listing.description,
        "userRatingCount": 0,
    }
    if listing.developer_website:  # Apple sends sellerUrl only when the developer set one
        record["sellerUrl"] = listing.developer_website
    if listing.rating is not None:
        count = 10 + seed % 5000
        record["averageUserRating"] = listing.rating
        record["averageUserRatingForCurrentVersion"] = listing.rating
        record["userRatingCount"] = count
        record["userRatingCountForCurrentVersion"] = count
    return record


def render_artist_record(developer_id: str, name: str, *, country: str = "tw") -> dict[str, Any]:
    """The artist record that heads a ``/lookup?id=<artistId>&entity=software`` reply."""
    return {
        "wrapperType": "artist",
        "artistType": "Software Artist",
        "artistName": name,
        "artistLinkUrl": artist_url(developer_id, country),
        "artistId": _numeric(developer_id, "developer_id (artistId)"),
        "primaryGenreName": DEFAULT_GENRE,
        "primaryGenreId": GENRE_IDS[DEFAULT_GENRE],
    }


def render_reply(records: Sequence[Mapping[str, Any]]) -> str:
    """A reply laid out as Apple lays it out (leading blank lines, one result per line, UTF-8 unescaped)."""
    lines = ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records)
    return f'\n\n\n{{\n "resultCount":{len(records)},\n "results": [\n{lines}]\n}}\n\n\n'


def render_results(listings: Sequence[Listing], *, country: str = "tw") -> str:
    """A /search or /lookup reply holding these apps, in order."""
    return render_reply([render_record(item, country=country) for item in listings])


def render_artist(developer_id: str, name: str, listings: Sequence[Listing], *, country: str = "tw") -> str:
    """A ``/lookup?id=<artistId>&entity=software`` reply: the artist, then its apps."""
    records = [render_artist_record(developer_id, name, country=country)]
    records += [render_record(item, country=country) for item in listings]
    return render_reply(records)


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def catalog_handler(
    listings: Sequence[Listing], *, searches: Mapping[str, Sequence[str]] | None = None
) -> Callable[[Request], Reply]:
    """A StoreDouble handler answering /search and /lookup (id, bundleId, artist id) from these apps.

    ``searches`` maps a term to the app ids it returns, in order; without it, a term matches apps whose
    title or developer contains it (after NFKC, case and space folding).
    """
    by_id = {item.app_id: item for item in listings}

    def reply(items: Sequence[Listing], country: str) -> Reply:
        return Reply(200, render_results(items, country=country), CONTENT_TYPE)

    def handle(request: Request) -> Reply:
        q = request.query
        country = q.get("country", "us").lower()
        if request.path == "/search":
            term = q.get("term", "")
            limit = int(q["limit"]) if q.get("limit", "").isdigit() else 50
            if searches is not None:
                found = [by_id[i] for i in searches.get(term, ()) if i in by_id]
            else:
                key = _fold(term)
                found = [i for i in listings if key and (key in _fold(i.title) or key in _fold(i.developer))]
            return reply(found[:limit], country)
        if request.path == "/lookup":
            if "bundleId" in q:
                return reply([i for i in listings if i.bundle_id.lower() == q["bundleId"].lower()], country)
            ids = [s.strip() for s in q.get("id", "").split(",") if s.strip()]
            if not all(s.isdigit() for s in ids):
                body = json.dumps({"errorMessage": "Invalid value(s) for key(s): [id]"})
                return Reply(400, body, CONTENT_TYPE)
            if q.get("entity") == "software":
                records: list[dict[str, Any]] = []
                for artist in ids:
                    apps = [i for i in listings if i.developer_id == artist]
                    if apps:
                        records.append(render_artist_record(artist, apps[0].developer, country=country))
                        records += [render_record(i, country=country) for i in apps]
                return Reply(200, render_reply(records), CONTENT_TYPE)
            return reply([by_id[i] for i in ids if i in by_id], country)
        return Reply(404, "<html><body>Not Found</body></html>", "text/html; charset=utf-8")

    return handle
