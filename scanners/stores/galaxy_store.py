"""Samsung Galaxy Store adapter: the detail API, looked up by package (the store has no public search).

``GET /api/detail/<package>`` (optionally ``?cntyCd=``) answers JSON: ``DetailMain`` (the listing),
``SellerInfo`` (the seller's legal name and registration details) and ``appId``; a package the store does not
list comes back as a reply with ``errCode``. The fields read (pinned in tests/test_galaxy_store.py, watched
by the canary, the official app):

- ``DetailMain``: ``contentName`` (title, required), ``contentId``, ``appId``, ``version``, ``sellerName``
  (the name shown), ``contentDescription``, ``iconImgUrl``, ``lastUpdateDate``, ``ratingValue``;
- ``SellerInfo``: ``sellerName`` (the legal name), ``sellerTradeName``, ``sellerRegistrationNumber``,
  ``sellerAddress``, ``sellerEmail``, ``sellerPhone``, ``sellerSite``.

The registration number is the listing's ``developer_id``: it decides "official" as the developer account id
does on Google Play. Since there is no search, the scan asks for the official packages (the canary) and for
every package the other sources flagged or that imitates the official one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests

from scanners.listing import Listing
from scanners.stores import StoreError
from scanners.stores.fields import PACKAGE, Reader
from scanners.stores.http import PoliteClient

STORE = "galaxy_store"
DETAIL_PATH = "/api/detail/"
STORE_PAGE = "https://galaxystore.samsung.com/detail/"
_read = Reader(STORE, strip=True)


def _rating(record: Mapping[str, Any], where: str) -> float | None:
    value = record.get("ratingValue")
    if value in (None, ""):
        return None
    try:
        rating = float(value)
    except (TypeError, ValueError):
        raise StoreError(STORE, f"{where}: 'ratingValue' is {value!r}, expected a number") from None
    return rating


def is_package(value: str) -> bool:
    """Whether text is an Android package name (the only key the Galaxy Store looks apps up by)."""
    return bool(PACKAGE.match(value))


def parse_detail(body: bytes, package: str) -> Listing | None:
    """A detail reply as a complete Listing, None when the store says it does not list the package."""
    what = f"detail {package}"
    data = _read.json_object(body, what)
    if data.get("errCode") not in (None, "", 0, "0") and "DetailMain" not in data:
        return None  # 2026-12: the answer for a package the store does not list (or no longer lists)
    main = _read.obj(data, "DetailMain", what, required=True)
    seller = _read.obj(data, "SellerInfo", what)
    title = _read.text(main, "contentName", what)
    if not title:
        raise StoreError(STORE, f"{what}: no 'DetailMain.contentName' (API layout changed?)")
    app_id = _read.text(data, "appId", what) or _read.text(main, "appId", what)
    if app_id.lower() != package.lower():
        raise StoreError(STORE, f"{what}: the reply is about another package ({app_id[:80]!r})")
    return Listing(
        store=STORE,
        app_id=app_id,
        title=title,
        developer=_read.text(seller, "sellerTradeName", what) or _read.text(main, "sellerName", what),
        developer_id=_read.text(seller, "sellerRegistrationNumber", what),
        developer_legal_name=_read.text(seller, "sellerName", what),
        developer_address=_read.text(seller, "sellerAddress", what),
        developer_email=_read.text(seller, "sellerEmail", what),
        developer_phone=_read.text(seller, "sellerPhone", what),
        developer_website=_read.text(seller, "sellerSite", what),
        bundle_id=app_id,
        description=_read.text(main, "contentDescription", what),
        icon=_read.text(main, "iconImgUrl", what),
        url=STORE_PAGE + quote(app_id, safe=""),
        version=_read.text(main, "version", what),
        updated=_read.text(main, "lastUpdateDate", what),
        rating=_rating(main, what),
        partial=False,
        raw=json.dumps(data, ensure_ascii=False),
    )


class GalaxyStore:
    """The Samsung Galaxy Store's detail API: lookup by package only."""

    store = STORE
    searchable = False  # the scan gives it packages to look up instead of search terms

    def __init__(self, client: PoliteClient) -> None:
        self.client = client

    def search(self, term: str, *, country: str = "tw", language: str = "zh-TW") -> list[Listing]:
        """The Galaxy Store has no public search: always a StoreError that says so."""
        raise StoreError(
            STORE, "the Galaxy Store has no public search; look packages up (fakeapp lookup galaxy_store PKG)"
        )

    def lookup(self, app_id: str, *, country: str = "tw", language: str = "zh-TW") -> Listing | None:
        """The listing of a package in ``country``, or None when the store does not list it there."""
        package = str(app_id).strip()
        if not is_package(package):
            raise StoreError(STORE, f"Galaxy Store apps are looked up by package name, got {package[:80]!r}")
        what = f"detail {package}"
        response: requests.Response = self.client.get(
            DETAIL_PATH + quote(package, safe=""), params={"cntyCd": country.upper()}
        )
        if response.status_code == 404:
            raise StoreError(STORE, f"{what}: HTTP 404 (wrong base URL, or the API moved)")
        if response.status_code != 200:
            raise StoreError(STORE, f"{what}: HTTP {response.status_code}")
        return parse_detail(response.content, package)
