"""Render listings as Samsung Galaxy Store detail API replies, for the demo snapshot and the tests.

``/api/detail/<package>`` answers ``DetailMain`` (the listing), ``SellerInfo`` (the seller's legal name and
registration details) and ``appId``; a package the store does not list gets ``errCode``. The fields are those
``scanners/stores/galaxy_store.py`` documents. Deterministic: rebuilt from the same listings, byte-identical.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from scanners.listing import Listing

CONTENT_TYPE = "application/json;charset=UTF-8"


def render_detail(listing: Listing) -> str:
    """The detail reply for one listing."""
    seed = int.from_bytes(hashlib.sha256(listing.key.encode()).digest()[:4], "big")
    main: dict[str, Any] = {
        "contentId": f"{seed % 10**12:012d}",
        "appId": listing.app_id,
        "contentName": listing.title,
        "sellerName": listing.developer,
        "version": listing.version or "1.0.0",
        "versionCode": str(seed % 100000),
        "contentDescription": listing.description,
        "iconImgUrl": listing.icon,
        "lastUpdateDate": listing.updated or "2026-10-01",
        "ratingValue": str(listing.rating) if listing.rating is not None else "0.0",
        "contentBinarySize": str(9_000_000 + seed % 50_000_000),
        "categoryName": listing.genre or "Finance",
    }
    seller: dict[str, Any] = {
        "sellerName": listing.developer_legal_name,
        "sellerTradeName": listing.developer,
        "sellerRegistrationNumber": listing.developer_id,
        "sellerAddress": listing.developer_address,
        "sellerEmail": listing.developer_email,
        "sellerPhone": listing.developer_phone,
        "sellerSite": listing.developer_website,
        "representation": "",
    }
    reply = {"DetailMain": main, "SellerInfo": seller, "appId": listing.app_id}
    return json.dumps(reply, ensure_ascii=False, separators=(",", ":")) + "\n"


def render_not_listed(package: str) -> str:
    """The reply for a package the store does not list."""
    return json.dumps({"errCode": "1001", "errMsg": f"No content for {package}"}) + "\n"
