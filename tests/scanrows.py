"""Test helper: what a committed scan leaves in the database (scans, scan_stores, listings, findings)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import sqlite_utils

NOW = "2026-11-21T00:00:00+00:00"


def listing(
    app_id: str,
    *,
    store: str = "google_play",
    brand: str = "huayue",
    title: str = "華岳證券 Pro",
    verdict: str = "impersonation",
    score: int = 90,
    **extra: Any,
) -> dict[str, Any]:
    reasons = [
        {"code": "name", "points": 50, "zh": "名稱與「華岳證券」相同", "en": "name matches"},
        {"code": "developer", "points": 40, "zh": "開發者不是官方帳號", "en": "not the official developer"},
    ]
    row = {
        "key": f"{store}:{app_id}",
        "store": store,
        "app_id": app_id,
        "brand": brand,
        "title": title,
        "developer": "Huayue Invest Ltd",
        "developer_id": "999",
        "url": f"https://play.google.com/store/apps/details?id={app_id}",
        "verdict": verdict,
        "score": score,
        "reasons": json.dumps(reasons, ensure_ascii=False),
        "first_seen": NOW,
        "last_seen": NOW,
        "present": 1,
        "removed_at": None,
        "description": "",
    }
    row.update(extra)
    return row


def write_scan(
    db: sqlite_utils.Database,
    listings: Iterable[Mapping[str, Any]],
    *,
    changes: Mapping[str, str] | None = None,
    stores: Iterable[tuple[str, str, str, str]] = (("huayue", "google_play", "ok", ""),),
    status: str = "ok",
) -> int:
    """One scan: upsert the listings, write findings (change per key, default 'new'), per-store status."""
    changes = changes or {}
    scan_id = int(
        db["scans"]
        .insert({"started_at": NOW, "finished_at": NOW, "status": status, "trigger": "test", "summary": ""})
        .last_pk
    )
    for brand, store, st, reason in stores:
        db["scan_stores"].insert(
            {
                "scan_id": scan_id,
                "brand": brand,
                "store": store,
                "status": st,
                "reason": reason,
                "canary_ok": int(st == "ok"),
            }
        )
    for row in listings:
        db["listings"].upsert(dict(row), pk="key")
        change = changes.get(row["key"], "new")
        if row["verdict"] in ("impersonation", "suspicious") or change in ("vanished", "relisted"):
            db["findings"].insert(
                {
                    "scan_id": scan_id,
                    "listing_key": row["key"],
                    "brand": row["brand"],
                    "verdict": row["verdict"],
                    "score": row["score"],
                    "reasons": row["reasons"],
                    "change": change,
                    "at": NOW,
                }
            )
    return scan_id
