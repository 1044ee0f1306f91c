"""Apple App Store adapter: the iTunes Search and Lookup APIs (JSON, no key) turned into ``Listing`` objects.

Replies carry full records, so every listing is complete (``partial=False``). Anything that is not the
documented JSON shape raises ``StoreError`` with the reason, so a changed API shows up as a degraded store.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from scanners.listing import Listing
from scanners.stores import StoreError
from scanners.stores.fields import Reader
from scanners.stores.http import PoliteClient

STORE = "app_store"
MAX_LIMIT = 200  # the Search API's documented maximum
LOOKUP_BATCH = 100  # ids per /lookup request; keeps the URL well under common proxy limits
_read = Reader(STORE)


def itunes_lang(language: str) -> str:
    """The API's ``lang`` value for a BCP 47 tag: ``zh-TW`` → ``zh_tw``."""
    return language.strip().replace("-", "_").lower()


def decode_reply(body: bytes, *, what: str) -> list[dict[str, Any]]:
    """The ``results`` of an iTunes reply, checked for shape; raises StoreError naming what is wrong."""
    # Bytes, not response.text: requests guesses ISO-8859-1 for text/javascript without a charset,
    # which would garble every Chinese title. JSON is UTF-8 (RFC 8259); json.loads detects a BOM.
    data = _read.json_object(body, what)
    if "errorMessage" in data:  # Apple's answer to a malformed query (usually with HTTP 400)
        raise StoreError(STORE, f"{what}: the API refused the query: {str(data['errorMessage'])[:200]}")
    if "results" not in data:
        raise StoreError(STORE, f"{what}: reply has no 'results' (API layout changed?)")
    results = data["results"]
    if not isinstance(results, list):
        raise StoreError(STORE, f"{what}: 'results' is a {type(results).__name__}, expected a list")
    count = data.get("resultCount")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
        raise StoreError(STORE, f"{what}: 'resultCount' is a {type(count).__name__}, expected a number")
    if count is not None and count != len(results):
        raise StoreError(STORE, f"{what}: resultCount says {count} but {len(results)} results came")
    for i, item in enumerate(results):
        if not isinstance(item, dict):
            raise StoreError(STORE, f"{what}: result {i} is a {type(item).__name__}, expected an object")
    return results


def _id(record: Mapping[str, Any], key: str, where: str, *, required: bool) -> str:
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise StoreError(STORE, f"{where}: no '{key}' (API layout changed?)")
        return ""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise StoreError(STORE, f"{where}: '{key}' is {value!r}, expected a numeric id")
    return str(value)


def _rating(record: Mapping[str, Any], where: str) -> float | None:
    value = record.get("averageUserRating")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StoreError(STORE, f"{where}: 'averageUserRating' is {value!r}, expected a number")
    return float(value)


def _urls(record: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = record.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise StoreError(STORE, f"{where}: '{key}' is not a list of URLs")
    return tuple(value)


def is_app(record: Mapping[str, Any]) -> bool:
    """Whether a result is an app (artists and other media in a lookup reply are not)."""
    wrapper = record.get("wrapperType")
    # 2026-11: app records carry wrapperType "software"; a record without one is judged by its trackId.
    return wrapper == "software" if wrapper is not None else "trackId" in record


def parse_result(record: Mapping[str, Any], *, where: str = "result") -> Listing:
    """One iTunes software record as a complete Listing; raises StoreError on a changed layout."""
    app_id = _id(record, "trackId", where, required=True)
    where = f"{where} (trackId {app_id})"
    title = _read.text(record, "trackName", where)
    if not title:
        raise StoreError(STORE, f"{where}: no 'trackName' (API layout changed?)")
    icon = next(
        (
            u
            for k in ("artworkUrl512", "artworkUrl100", "artworkUrl60")
            if (u := _read.text(record, k, where))
        ),
        "",
    )
    screenshots = _urls(record, "screenshotUrls", where) or _urls(record, "ipadScreenshotUrls", where)
    return Listing(
        store=STORE,
        app_id=app_id,
        title=title,
        developer=_read.text(record, "artistName", where),
        developer_id=_id(record, "artistId", where, required=False),
        developer_legal_name=_read.text(record, "sellerName", where),
        developer_website=_read.text(record, "sellerUrl", where),
        bundle_id=_read.text(record, "bundleId", where),
        description=_read.text(record, "description", where),
        icon=icon,
        url=_read.text(record, "trackViewUrl", where),
        version=_read.text(record, "version", where),
        updated=_read.text(record, "currentVersionReleaseDate", where)
        or _read.text(record, "releaseDate", where),
        rating=_rating(record, where),
        genre=_read.text(record, "primaryGenreName", where),
        screenshots=screenshots,
        partial=False,
        raw=json.dumps(record, ensure_ascii=False),
    )


def parse_apps(results: Sequence[Mapping[str, Any]], *, what: str) -> list[Listing]:
    """The app records of a reply as Listings, in the store's order; other records are skipped."""
    return [parse_result(r, where=f"{what}: result {i}") for i, r in enumerate(results) if is_app(r)]


class AppStore:
    """The Apple App Store through the iTunes Search and Lookup APIs."""

    store = STORE

    def __init__(self, client: PoliteClient, *, limit: int = 50) -> None:
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        self.client = client
        self.limit = limit

    def _get(self, path: str, params: Mapping[str, Any], what: str) -> list[dict[str, Any]]:
        response: requests.Response = self.client.get(path, params=params)
        if response.status_code == 404:
            # The API answers unknown apps with resultCount 0, never 404: a 404 is a wrong base URL or a move.
            raise StoreError(STORE, f"{what}: HTTP 404 for {path} (wrong base URL, or the API moved)")
        if response.status_code == 400:
            decode_reply(response.content, what=f"{what}: HTTP 400")  # raises, with Apple's errorMessage
        if response.status_code != 200:
            raise StoreError(STORE, f"{what}: HTTP {response.status_code} for {path}")
        return decode_reply(response.content, what=what)

    def search(self, term: str, *, country: str = "tw", language: str = "zh-TW") -> list[Listing]:
        """Apps the store returns for a term, complete listings in the store's order."""
        params = {
            "term": term,
            "country": country,
            "entity": "software",
            "limit": self.limit,
            "lang": itunes_lang(language),
        }
        what = f"search {term!r}"
        return parse_apps(self._get("/search", params, what), what=what)

    def lookup(self, app_id: str, *, country: str = "tw", language: str = "zh-TW") -> Listing | None:
        """The app with this trackId, or None when the store no longer lists it in ``country``."""
        app_id = str(app_id).strip()
        if not app_id.isdigit():
            raise StoreError(STORE, f"App Store app ids are numeric trackIds, got {app_id!r}")
        what = f"lookup {app_id}"
        params = {"id": app_id, "country": country, "lang": itunes_lang(language)}
        apps = parse_apps(self._get("/lookup", params, what), what=what)
        if not apps:
            return None
        match = next((a for a in apps if a.app_id == app_id), None)
        if match is None:
            raise StoreError(STORE, f"{what}: the reply holds other apps ({apps[0].app_id}), not this one")
        return match

    def lookup_many(
        self, app_ids: Sequence[str], *, country: str = "tw", language: str = "zh-TW"
    ) -> dict[str, Listing | None]:
        """Several apps in one request per ``LOOKUP_BATCH`` ids (the API takes ``id=1,2,3``); None = removed.

        At Apple's ~20 calls a minute, checking 100 known suspects takes one call, not five minutes.
        """
        ids = list(dict.fromkeys(str(a).strip() for a in app_ids))
        bad = [a for a in ids if not a.isdigit()]
        if bad:
            raise StoreError(STORE, f"App Store app ids are numeric trackIds, got {bad[0]!r}")
        found: dict[str, Listing | None] = dict.fromkeys(ids)
        for start in range(0, len(ids), LOOKUP_BATCH):
            chunk = ids[start : start + LOOKUP_BATCH]
            what = f"lookup {chunk[0]}…({len(chunk)} ids)" if len(chunk) > 1 else f"lookup {chunk[0]}"
            params = {"id": ",".join(chunk), "country": country, "lang": itunes_lang(language)}
            for listing in parse_apps(self._get("/lookup", params, what), what=what):
                if listing.app_id in found:
                    found[listing.app_id] = listing
        return found

    def lookup_bundle(
        self, bundle_id: str, *, country: str = "tw", language: str = "zh-TW"
    ) -> Listing | None:
        """The app with this bundle id, or None when the store does not list it in ``country``."""
        what = f"lookup bundle {bundle_id!r}"
        params = {"bundleId": bundle_id, "country": country, "lang": itunes_lang(language)}
        apps = parse_apps(self._get("/lookup", params, what), what=what)
        # Bundle ids are matched case-insensitively by the API itself.
        return next((a for a in apps if a.bundle_id.lower() == bundle_id.lower()), None)

    def developer_apps(
        self, artist_id: str, *, country: str = "tw", language: str = "zh-TW"
    ) -> list[Listing]:
        """All apps of a developer account (artistId) in ``country``; [] when it has none there."""
        artist_id = str(artist_id).strip()
        if not artist_id.isdigit():
            raise StoreError(STORE, f"App Store developer ids are numeric artistIds, got {artist_id!r}")
        what = f"developer {artist_id}"
        params = {
            "id": artist_id,
            "entity": "software",
            "country": country,
            "limit": MAX_LIMIT,
            "lang": itunes_lang(language),
        }
        # The first result is the artist record itself; is_app() skips it.
        return parse_apps(self._get("/lookup", params, what), what=what)
