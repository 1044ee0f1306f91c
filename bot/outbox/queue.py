"""The outbox: chat messages written in the same transaction as the change that caused them, then delivered.

This module queues and lists messages; ``bot.outbox.deliver`` sends them. It knows messages, not cases:
a row's ``case_id`` is only the subject a message belongs to, and what a kind of message looks like when it
goes out is passed in by the layer that queues it (``MessageKind``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlite_utils

from bot.core.clock import now_iso
from bot.outbox.text import split_message
from bot.store.db import insert_row, transaction

SECURITY = "security"
FRONTLINE = "frontline"
# held: kept back by a hold or a kill switch (bot.outbox.holds); discarded: an admin decided not to send it.
STATUSES = ("pending", "sending", "sent", "failed", "superseded", "held", "discarded")


# --- enqueue ------------------------------------------------------------------------------------------


def enqueue(
    db: sqlite_utils.Database,
    chat: str,
    text: str,
    *,
    kind: str,
    case_id: int | None = None,
    markup: Mapping[str, Any] | None = None,
    method: str = "sendMessage",
    document: bytes | None = None,
    filename: str = "",
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Queue a message for ``chat`` (a role name such as ``security``/``frontline``, or a chat id).

    Long texts become several rows (each below Telegram's limit); the keyboard goes on the last part.
    With ``dedupe_key`` the same alert is never queued twice. Call inside the transaction of the change.
    """
    at = now_iso(now)
    parts = [text] if method != "sendMessage" else split_message(text)
    ids: list[int] = []
    with transaction(db):
        for i, part in enumerate(parts):
            key = dedupe_key if (dedupe_key is None or i == 0) else f"{dedupe_key}#{i}"
            if key is not None and list(db.query("SELECT 1 FROM outbox WHERE dedupe_key = ?", [key])):
                continue
            last = i == len(parts) - 1
            ids.append(
                insert_row(
                    db,
                    "outbox",
                    {
                        "created_at": at,
                        "chat": str(chat),
                        "kind": kind,
                        "method": method,
                        "case_id": case_id,
                        "text": part,
                        "reply_markup": json.dumps(markup, ensure_ascii=False) if markup and last else "",
                        "document": document,
                        "filename": filename,
                        "dedupe_key": key,
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": 0.0,
                        "claimed_by": "",
                        "claimed_at": 0.0,
                        "last_error": "",
                        "sent_at": "",
                        "message_id": None,
                        "chat_id": "",
                    },
                )
            )
    return ids


def pending(db: sqlite_utils.Database, *, since_id: int = 0) -> list[dict[str, Any]]:
    """The messages not yet sent (``pending`` or ``sending``) after ``since_id``, oldest first."""
    return list(
        db.query(
            "SELECT * FROM outbox WHERE status IN ('pending', 'sending') AND id > ? ORDER BY id", [since_id]
        )
    )


def max_id(db: sqlite_utils.Database) -> int:
    """The id of the newest message in the outbox, 0 when it is empty."""
    return int(next(db.query("SELECT COALESCE(MAX(id), 0) AS n FROM outbox"))["n"])


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """How many messages are in each status (every status listed, zero when none)."""
    query = "SELECT status, COUNT(*) AS n FROM outbox GROUP BY 1"
    found = {r["status"]: int(r["n"]) for r in db.query(query)}
    return {status: found.get(status, 0) for status in STATUSES}


def rows(db: sqlite_utils.Database, status: str = "all", *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest ``limit`` messages in ``status`` ("all"; "open": pending, sending, held), newest first."""
    wanted = {"all": STATUSES, "open": ("pending", "sending", "held")}.get(status, (status,))
    if not set(wanted) <= set(STATUSES):
        raise ValueError(f"unknown status {status!r} (all, open, {', '.join(STATUSES)})")
    marks = ", ".join("?" for _ in wanted)  # placeholders only: the values are bound
    columns = (
        "id, created_at, chat, kind, method, case_id, status, attempts, next_attempt_at, last_error, sent_at,"
        " message_id, chat_id, hold_id, held_reason, text"
    )
    query = f"SELECT {columns} FROM outbox WHERE status IN ({marks}) ORDER BY id DESC LIMIT ?"  # noqa: S608
    return list(db.query(query, [*wanted, limit]))


def requeue_failed(db: sqlite_utils.Database, ids: list[int] | None = None) -> list[int]:
    """Put failed messages (all of them, or ``ids``) back in the queue, for the next delivery pass.

    For after the cause is fixed (the bot re-added to the group, a chat id corrected). Raises ValueError,
    naming the message, for an id that does not exist or did not fail; then nothing is requeued.
    """
    with transaction(db):
        if ids is None:
            failed = db.query("SELECT id FROM outbox WHERE status = 'failed' ORDER BY id")
            ids = [int(r["id"]) for r in failed]
        else:
            for row_id in ids:
                found = list(db.query("SELECT status FROM outbox WHERE id = ?", [row_id]))
                if not found:
                    raise ValueError(f"no message #{row_id} in the outbox")
                if found[0]["status"] != "failed":
                    status = found[0]["status"]
                    raise ValueError(f"message #{row_id} is {status}; only failed messages are retried")
        for row_id in ids:
            db.execute(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = 0, claimed_by = '',"
                " last_error = 'requeued after: ' || last_error WHERE id = ?",
                [row_id],
            )
    return ids
