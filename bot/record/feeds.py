"""Outside lists of fraud sites in SQLite (today the police's 165 list): every row with its period, once.

A re-import adds only the rows not seen before (``Row.key``: the same address in the same period); each
import is logged in ``feed_imports``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from bot.core.clock import now_iso
from bot.store.db import insert_row, transaction, update_row
from scanners.judging.reason import reasons_json


@dataclass
class Imported:
    """What one import of a feed kept: its id, how many rows it read, the new rows and the rows to trace."""

    import_id: int
    rows: int
    new_keys: list[str] = field(default_factory=list)
    new_matches: list[Any] = field(default_factory=list)  # FeedMatch of the new rows only
    # FeedMatch of the rows (new or kept earlier) that concern a brand and were never traced: the new ones,
    # and any left by an import with --no-trace or one that stopped half-way
    to_trace: list[Any] = field(default_factory=list)


def store_feed(
    db: sqlite_utils.Database,
    feed: Any,
    matches: Sequence[Any],
    *,
    name: str = "165",
    source: str = "",
    now: str | None = None,
) -> Imported:
    """Keep every row of ``feed`` not seen before; returns the new rows and which of them match a brand."""
    at = now or now_iso()
    by_key = {m.row.key: m for m in matches}
    with transaction(db):
        import_id = insert_row(
            db,
            "feed_imports",
            {
                "at": at,
                "feed": name,
                "source": source,
                "format": feed.format,
                "rows": len(feed.rows),
                "new_rows": 0,
                "matches": 0,
                "errors": json.dumps(list(feed.errors)[:50], ensure_ascii=False),
            },
        )
        out = Imported(import_id, len(feed.rows))
        for row in feed.rows:
            key = row.key
            if key in out.new_keys or list(db.query("SELECT 1 FROM feed_rows WHERE key = ?", [key])):
                continue
            m = by_key.get(key)
            insert_row(
                db,
                "feed_rows",
                {
                    "key": key,
                    "feed": name,
                    "name": row.name,
                    "url": row.url,
                    "raw_url": row.raw_url,
                    "host": row.host,
                    "count": row.count,
                    "start": row.start,
                    "end": row.end,
                    "first_seen": at,
                    "import_id": import_id,
                    "brand": m.brand if m else "",
                    "match": reasons_json(m.reasons) if m else "[]",
                    "trace_id": None,
                },
            )
            out.new_keys.append(key)
            if m is not None:
                out.new_matches.append(m)
        for m in matches:
            rows = list(db.query("SELECT trace_id FROM feed_rows WHERE key = ?", [m.row.key]))
            if rows and rows[0]["trace_id"] is None and m not in out.to_trace:
                out.to_trace.append(m)
        update_row(
            db,
            "feed_imports",
            "id",
            import_id,
            {"new_rows": len(out.new_keys), "matches": len(out.new_matches)},
        )
    return out


def set_trace(db: sqlite_utils.Database, key: str, trace_id: int) -> None:
    """Record which trace followed a feed row's address."""
    with transaction(db):
        update_row(db, "feed_rows", "key", key, {"trace_id": trace_id})
