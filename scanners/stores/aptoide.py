"""Aptoide adapter: the open JSON API (v7, no key) turned into ``Listing`` objects, certificate included.

- search ``GET /api/7/apps/search?query=…&limit=…`` → ``datalist.list[]``: partial listings (no developer, no
  certificate);
- metadata ``GET /api/7/app/getMeta?app_id=…`` (or ``package_name=``) → ``data``: the complete listing with
  the signing certificate's SHA-1 (``data.file.signature.sha1``, colon-separated hex) and owner DN
  (``data.file.signature.owner``), the APK's URL and MD5, the developer and the user store that hosts it.

Aptoide hosts user stores, so one package can be listed many times, by different stores, under different
certificates: a listing's id is Aptoide's numeric app id, its package is ``bundle_id``. Anything that is not
the documented shape raises ``StoreError`` naming what is wrong, so a changed API shows as a degraded store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import requests

from scanners.listing import Listing
from scanners.stores import StoreError
from scanners.stores.fields import PACKAGE, Reader
from scanners.stores.http import PoliteClient

STORE = "aptoide"
SEARCH_PATH = "/api/7/apps/search"
META_PATH = "/api/7/app/getMeta"
MAX_LIMIT = 100
# 2026-12: the API's error code for an app or package it does not (or no longer) list.
NOT_FOUND_CODES = frozenset({"APK-5", "APP-1", "APK-1"})
_SHA1 = re.compile(r"^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){19}$")
_read = Reader(STORE)


def normalize_sha1(value: str) -> str:
    """Aptoide's ``AB:CD:…`` (20 colon-separated bytes) as 40 lower-case hex digits; ValueError otherwise."""
    text = value.strip()
    if not _SHA1.match(text):
        raise ValueError(f"not a colon-separated SHA-1 fingerprint: {text[:80]!r}")
    return text.replace(":", "").lower()


def colon_sha1(hex40: str) -> str:
    """40 hex digits in Aptoide's (and keytool's) form: upper case, colon-separated."""
    h = hex40.upper()
    return ":".join(h[i : i + 2] for i in range(0, len(h), 2))


def decode_reply(body: bytes, *, what: str) -> dict[str, Any]:
    """An Aptoide reply as a dict, checked for ``info.status``; raises StoreError naming what is wrong.

    A reply whose status is ``FAIL`` with a not-found code is returned as is (the caller decides "removed").
    """
    data = _read.json_object(body, what)
    info = data.get("info")
    if not isinstance(info, dict) or not isinstance(info.get("status"), str):
        raise StoreError(STORE, f"{what}: reply has no 'info.status' (API layout changed?)")
    if info["status"] != "OK" and not is_not_found(data):
        raise StoreError(STORE, f"{what}: the API answered {info['status']}: {_errors(data)}")
    return data


def _errors(data: Mapping[str, Any]) -> str:
    errors = data.get("errors")
    if not isinstance(errors, list):
        return "no error given"
    parts = [
        f"{e.get('code', '?')} {str(e.get('description', ''))[:120]}".strip()
        for e in errors[:3]
        if isinstance(e, dict)
    ]
    return "; ".join(parts) or "no error given"


def is_not_found(data: Mapping[str, Any]) -> bool:
    """Whether a FAIL reply says the app is not listed (as opposed to a refused or broken query)."""
    errors = data.get("errors")
    return isinstance(errors, list) and any(
        isinstance(e, dict) and e.get("code") in NOT_FOUND_CODES for e in errors
    )


def _count(record: Mapping[str, Any], key: str, where: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StoreError(STORE, f"{where}: '{key}' is {value!r}, expected a count")
    return f"{value:,}"


def _app_id(record: Mapping[str, Any], where: str) -> str:
    value = record.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise StoreError(STORE, f"{where}: 'id' is {value!r}, expected Aptoide's numeric app id")
    return str(value)


def _package(record: Mapping[str, Any], where: str) -> str:
    value = _read.text(record, "package", where)
    if not PACKAGE.match(value):
        raise StoreError(STORE, f"{where}: 'package' is {value[:80]!r}, expected an Android package name")
    return value


def _rating(stats: Mapping[str, Any], where: str) -> float | None:
    rating = _read.obj(stats, "rating", where)
    value = rating.get("avg")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StoreError(STORE, f"{where}: 'stats.rating.avg' is {value!r}, expected a number")
    return float(value)


def parse_app(record: Mapping[str, Any], *, where: str, full: bool) -> Listing:
    """One Aptoide app record (a search entry, or getMeta's ``data`` when ``full``) as a Listing."""
    app_id = _app_id(record, where)
    where = f"{where} (id {app_id})"
    package = _package(record, where)
    title = _read.text(record, "name", where)
    if not title:
        raise StoreError(STORE, f"{where}: no 'name' (API layout changed?)")
    store = _read.obj(record, "store", where)
    file = _read.obj(record, "file", where)
    stats = _read.obj(record, "stats", where)
    developer = _read.obj(record, "developer", where)
    media = _read.obj(record, "media", where)
    urls = _read.obj(record, "urls", where)
    cert_sha1 = cert_owner = ""
    if full:
        signature = _read.obj(file, "signature", f"{where}: file")
        raw_sha1 = _read.text(signature, "sha1", where)
        if not raw_sha1:
            raise StoreError(STORE, f"{where}: no 'file.signature.sha1' (API layout changed?)")
        try:
            cert_sha1 = normalize_sha1(raw_sha1)
        except ValueError as exc:
            raise StoreError(STORE, f"{where}: file.signature.sha1: {exc}") from None
        cert_owner = _read.text(signature, "owner", where)
    shots = media.get("screenshots") or []
    if not isinstance(shots, list):
        raise StoreError(STORE, f"{where}: 'media.screenshots' is not a list")
    screenshots = tuple(
        s["url"] for s in shots if isinstance(s, dict) and isinstance(s.get("url"), str) and s["url"]
    )
    return Listing(
        store=STORE,
        app_id=app_id,
        title=title,
        developer=_read.text(developer, "name", where),
        developer_id=_read.text(developer, "id", where),
        developer_email=_read.text(developer, "email", where),
        developer_website=_read.text(developer, "website", where),
        bundle_id=package,
        description=_read.text(media, "description", where),
        icon=_read.text(record, "icon", where),
        url=_read.text(urls, "w", where),
        version=_read.text(file, "vername", where),
        updated=_read.text(record, "updated", where) or _read.text(record, "modified", where),
        installs=_count(stats, "downloads", where),
        rating=_rating(stats, where),
        screenshots=screenshots,
        cert_sha1=cert_sha1,
        cert_owner=cert_owner,
        store_name=_read.text(store, "name", where),
        apk_url=_read.text(file, "path", where) or _read.text(file, "path_alt", where),
        apk_md5=_read.text(file, "md5sum", where).lower(),
        partial=not full,
        raw=json.dumps(record, ensure_ascii=False),
    )


def parse_search(data: Mapping[str, Any], *, what: str) -> list[Listing]:
    """The listings of a search reply (``datalist.list``), in the store's order."""
    datalist = data.get("datalist")
    if not isinstance(datalist, dict):
        if is_not_found(data):
            return []
        raise StoreError(STORE, f"{what}: reply has no 'datalist' (API layout changed?)")
    items = datalist.get("list")
    if not isinstance(items, list):
        raise StoreError(STORE, f"{what}: 'datalist.list' is missing or not a list")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise StoreError(STORE, f"{what}: entry {i} is a {type(item).__name__}, expected an object")
        out.append(parse_app(item, where=f"{what}: entry {i}", full=False))
    return out


def parse_meta(data: Mapping[str, Any], *, what: str) -> Listing | None:
    """The complete listing of a getMeta reply, or None when the API says the app is not listed."""
    if is_not_found(data):
        return None
    record = data.get("data")
    if not isinstance(record, dict):
        raise StoreError(STORE, f"{what}: reply has no 'data' object (API layout changed?)")
    return parse_app(record, where=what, full=True)


class Aptoide:
    """Aptoide through its v7 JSON API: search by term, metadata (with the certificate) per app."""

    store = STORE

    def __init__(self, client: PoliteClient, *, limit: int = 25) -> None:
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        self.client = client
        self.limit = limit

    def _get(self, path: str, params: Mapping[str, Any], what: str) -> dict[str, Any]:
        response: requests.Response = self.client.get(path, params=params)
        if response.status_code == 404:
            # The API answers an unknown app with a FAIL body (often with 404); a bare 404 is a wrong URL.
            try:
                data = json.loads(response.content)
            except (ValueError, UnicodeDecodeError):
                data = None
            if isinstance(data, dict) and is_not_found(data):
                return data
            raise StoreError(STORE, f"{what}: HTTP 404 for {path} (wrong base URL, or the API moved)")
        if response.status_code != 200:
            raise StoreError(STORE, f"{what}: HTTP {response.status_code} for {path}")
        return decode_reply(response.content, what=what)

    def search(self, term: str, *, country: str = "tw", language: str = "zh-TW") -> list[Listing]:
        """Listings the store returns for a term: partial (no developer or certificate until ``lookup``)."""
        what = f"search {term!r}"
        params = {"query": term, "limit": self.limit, "language": language.split("-")[0]}
        return parse_search(self._get(SEARCH_PATH, params, what), what=what)

    def search_full(self, term: str, *, country: str = "tw", language: str = "zh-TW") -> list[Listing]:
        """Search, then the metadata of each result: complete listings with their certificates."""
        out = []
        for listing in self.search(term, country=country, language=language):
            full = self.lookup(listing.app_id, country=country, language=language)
            if full is not None:
                out.append(listing.merged(full))
        return out

    def lookup(self, app_id: str, *, country: str = "tw", language: str = "zh-TW") -> Listing | None:
        """The complete listing of an Aptoide app id, or None when the store no longer lists it.

        A package name is accepted too (``package_name=``: the API answers its preferred listing of it).
        """
        app_id = str(app_id).strip()
        if app_id.isdigit():
            params = {"app_id": app_id}
        elif PACKAGE.match(app_id):
            params = {"package_name": app_id}
        else:
            raise StoreError(STORE, f"Aptoide ids are numeric app ids or package names, got {app_id[:80]!r}")
        what = f"metadata {app_id}"
        listing = parse_meta(self._get(META_PATH, params, what), what=what)
        if listing is not None and app_id.isdigit() and listing.app_id != app_id:
            raise StoreError(STORE, f"{what}: the reply is about another app ({listing.app_id})")
        return listing
