"""Google Play adapter: search and details pages of the web store, fetched politely, read into ``Listing``.

All HTTP goes through the ``PoliteClient`` the caller passes in (base URL, rate, retries, time-outs), so
tests and the offline demo point it at a loopback double. Page reading lives in ``_gplay_pages``.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from scanners.listing import Listing
from scanners.stores import StoreError
from scanners.stores._gplay_pages import (
    STORE,
    PageError,
    details_url,
    parse_details_page,
    parse_search_page,
)
from scanners.stores.http import PoliteClient

SEARCH_PATH = "/store/search"
DETAILS_PATH = "/store/apps/details"
BATCH_PATH = "/_/PlayStoreUi/data/batchexecute"

__all__ = ["GooglePlay", "details_url"]


def page_text(response: requests.Response) -> str:
    """The body as text. Play pages are UTF-8; requests would guess ISO-8859-1 without a charset."""
    return response.content.decode("utf-8", "replace")


class GooglePlay:
    """The Google Play web store (no API key). Search results are partial; ``lookup`` gives full details."""

    store = STORE

    def __init__(self, client: PoliteClient) -> None:
        self.client = client

    def _fail(self, what: str, reason: str) -> StoreError:
        return StoreError(self.store, f"{what}: {reason}")

    def _ok(self, response: requests.Response, what: str) -> str:
        if response.status_code != 200:
            raise self._fail(what, f"HTTP {response.status_code}")
        return page_text(response)

    def search(self, term: str, *, country: str = "tw", language: str = "zh-TW") -> list[Listing]:
        """Listings on the first results page for ``term`` (partial: no developer id, e-mail, legal block)."""
        what = f"search {term!r}"
        params = {"q": term, "c": "apps", "hl": language, "gl": country}
        response = self.client.get(SEARCH_PATH, params=params)
        if response.status_code == 404:
            # As google-play-scraper does: some hl/gl pairs answer 404; the same search without gl works.
            params.pop("gl")
            response = self.client.get(SEARCH_PATH, params=params)
        text = self._ok(response, what)
        try:
            return parse_search_page(text)
        except PageError as exc:
            raise self._fail(what, exc.reason) from None

    def lookup(self, app_id: str, *, country: str = "tw", language: str = "zh-TW") -> Listing | None:
        """The app's full listing, or None when the store answers 404 (removed or never existed)."""
        what = f"details {app_id!r}"
        params = {"id": app_id, "hl": language, "gl": country}
        response = self.client.get(DETAILS_PATH, params=params)
        if response.status_code == 404:
            return None
        text = self._ok(response, what)
        try:
            return parse_details_page(text, app_id)
        except PageError as exc:
            raise self._fail(what, exc.reason) from None

    def permissions(self, app_id: str, *, country: str = "tw", language: str = "zh-TW") -> list[str]:
        """The permission descriptions Play shows for an app (batchexecute RPC ``xdSrCf``), sorted."""
        what = f"permissions {app_id!r}"
        compact = (",", ":")  # byte for byte what the web client sends
        inner = json.dumps([[None, [app_id, 7], []]], separators=compact)
        request = json.dumps([[["xdSrCf", inner, None, "1"]]], separators=compact)
        response = self.client.post(
            BATCH_PATH,
            params={"hl": language, "gl": country},
            data={"f.req": request},
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
        )
        text = self._ok(response, what)
        try:
            return parse_permissions(text)
        except PageError as exc:
            raise self._fail(what, exc.reason) from None


def parse_permissions(text: str) -> list[str]:
    """Permission descriptions from a batchexecute reply (``)]}'`` + JSON frames); PageError if unreadable."""
    if not text.startswith(")]}'"):
        raise PageError("batchexecute reply does not start with )]}'")
    body = text[4:].lstrip()
    try:
        frames = json.loads(body)
    except json.JSONDecodeError as exc:
        raise PageError(f"batchexecute reply is not valid JSON ({exc.msg} at char {exc.pos})") from None
    payload: Any = None
    for frame in frames if isinstance(frames, list) else []:
        if isinstance(frame, list) and len(frame) > 2 and frame[:2] == ["wrb.fr", "xdSrCf"]:
            payload = frame[2]
            break
    if payload is None:
        if "PlayGatewayError" in body:
            raise PageError("batchexecute answered PlayGatewayError (throttled)")
        raise PageError("batchexecute reply has no xdSrCf frame")
    try:
        groups = json.loads(payload)
    except (TypeError, json.JSONDecodeError):
        raise PageError("xdSrCf payload is not JSON") from None
    found: set[str] = set()
    _collect_permissions(groups, found)
    return sorted(found)


def _collect_permissions(node: Any, found: set[str]) -> None:
    # 2026-11: a permission is [null, "description"]; groups are [name, icon, [permissions…], [id]].
    if isinstance(node, list):
        if len(node) == 2 and node[0] is None and isinstance(node[1], str):
            found.add(node[1])
            return
        for child in node:
            _collect_permissions(child, found)
