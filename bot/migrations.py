"""The database schema as ordered migrations (``sqlite-utils migrate`` finds this file by its name).

Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("fakeapp")


@migrations()
def m001_scanning(db: Database) -> None:
    """Listings, their history and raw evidence, scan runs, findings, and the details cache."""
    db.table("scans").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | ok | degraded | failed
            "trigger": str,  # cli | cron | bot | demo | bench
            "summary": str,  # JSON
        },
        pk="id",
    )
    db.table("scan_stores").create(
        {
            "id": int,
            "scan_id": int,
            "brand": str,
            "store": str,
            "status": str,  # ok | degraded | broken
            "reason": str,
            "canary_ok": int,
            "requests": int,
            "candidates": int,
            "elapsed": float,
        },
        pk="id",
        foreign_keys=[("scan_id", "scans", "id")],
    )
    db.table("listings").create(
        {
            "key": str,  # store:app_id
            "store": str,
            "app_id": str,
            "brand": str,
            "title": str,
            "developer": str,
            "developer_id": str,
            "developer_email": str,
            "developer_website": str,
            "developer_legal_name": str,
            "developer_address": str,
            "developer_phone": str,
            "bundle_id": str,
            "description": str,
            "icon": str,
            "icon_hash": str,
            "url": str,
            "version": str,
            "updated": str,
            "installs": str,
            "genre": str,
            "screenshots": str,  # JSON list
            "verdict": str,
            "score": int,
            "reasons": str,  # JSON list of {code, points, zh, en}
            "first_seen": str,
            "last_seen": str,
            "present": int,  # 1 listed at the last scan that looked, 0 gone
            "removed_at": str,
        },
        pk="key",
    )
    db.table("listings").create_index(["brand", "verdict"])
    db.table("listing_history").create(
        {"id": int, "listing_key": str, "scan_id": int, "at": str, "field": str, "old": str, "new": str},
        pk="id",
        foreign_keys=[("listing_key", "listings", "key")],
    )
    db.table("listing_history").create_index(["listing_key"])
    db.table("listing_snapshots").create(
        {
            "id": int,
            "listing_key": str,
            "scan_id": int,
            "at": str,
            "kind": str,  # details | search
            "sha256": str,  # of the uncompressed response
            "raw_gz": bytes,
        },
        pk="id",
        foreign_keys=[("listing_key", "listings", "key")],
    )
    db.table("listing_snapshots").create_index(["listing_key", "sha256"], unique=True)
    db.table("listing_media").create(
        {
            "id": int,
            "listing_key": str,
            "at": str,
            "kind": str,  # icon | screenshot
            "url": str,
            "sha256": str,
            "content_type": str,
            "data": bytes,
        },
        pk="id",
        foreign_keys=[("listing_key", "listings", "key")],
    )
    db.table("listing_media").create_index(["listing_key", "sha256"], unique=True)
    db.table("findings").create(
        {
            "id": int,
            "scan_id": int,
            "listing_key": str,
            "brand": str,
            "verdict": str,
            "score": int,
            "reasons": str,
            "change": str,  # new | changed | same | vanished | relisted
            "at": str,
        },
        pk="id",
        foreign_keys=[("scan_id", "scans", "id"), ("listing_key", "listings", "key")],
    )
    db.table("findings").create_index(["scan_id"])
    db.table("findings").create_index(["listing_key"])
    db.table("details_cache").create(
        {"key": str, "fingerprint": str, "listing": str, "fetched_at": float},
        pk="key",
    )
