"""Kill switches: pause everything, one kind of work (alerts, front-line notices, scans) or one store.

The state lives in the database (``switches``), so the bot, cron scans and the terminal all see the same
switches; every pause and resume is written to ``ops_audit``. A paused alert is held, never dropped: the
outbox keeps it with status ``held`` and sends it after the resume.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from bot.core.clock import now_iso
from bot.store.db import insert_row, transaction

KINDS = ("alerts", "frontline", "scans")
STORE_TARGETS = ("google_play", "app_store", "aptoide", "galaxy_store", "apk")
ALL = "all"
TARGETS = (ALL, *KINDS, *STORE_TARGETS)


class SwitchError(ValueError):
    """An unknown switch name; one line naming the known ones."""


@dataclass(frozen=True)
class Switch:
    """One paused switch: what, by whom, since when, why."""

    name: str
    paused_by: str
    paused_at: str
    reason: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "paused_by": self.paused_by,
            "paused_at": self.paused_at,
            "reason": self.reason,
        }


def check_target(target: str | None) -> str:
    """The switch name for ``target`` (None or "" means everything); SwitchError for anything else."""
    name = (target or ALL).strip().lower()
    if name not in TARGETS:
        raise SwitchError(f"unknown switch {target!r}: expected one of {', '.join(TARGETS)}")
    return name


def audit(
    db: sqlite_utils.Database,
    actor: str,
    action: str,
    target: str,
    detail: str = "",
    *,
    now: datetime | None = None,
) -> None:
    """One line in the operations audit trail (call inside the change's transaction)."""
    insert_row(
        db,
        "ops_audit",
        {"at": now_iso(now), "actor": actor, "action": action, "target": target, "detail": detail[:500]},
    )


def paused(db: sqlite_utils.Database) -> dict[str, Switch]:
    """Every paused switch by name (empty when nothing is paused)."""
    return {
        r["name"]: Switch(r["name"], r["paused_by"] or "", r["paused_at"] or "", r["reason"] or "")
        for r in db.query("SELECT * FROM switches ORDER BY name")
    }


def pause(
    db: sqlite_utils.Database,
    target: str | None,
    actor: str,
    reason: str = "",
    *,
    now: datetime | None = None,
) -> tuple[str, bool]:
    """Pause ``target`` (default: everything). (name, True if it was not paused already); audited."""
    name = check_target(target)
    with transaction(db):
        if list(db.query("SELECT 1 FROM switches WHERE name = ?", [name])):
            return name, False
        insert_row(
            db, "switches", {"name": name, "paused_by": actor, "paused_at": now_iso(now), "reason": reason}
        )
        audit(db, actor, "pause", name, reason, now=now)
    return name, True


def resume(
    db: sqlite_utils.Database, target: str | None, actor: str, *, now: datetime | None = None
) -> list[str]:
    """Resume ``target``; with no target (or ``all``) every switch. The names resumed; audited."""
    name = check_target(target)
    with transaction(db):
        if name == ALL:
            names = [r["name"] for r in db.query("SELECT name FROM switches ORDER BY name")]
        else:
            names = [r["name"] for r in db.query("SELECT name FROM switches WHERE name = ?", [name])]
        for n in names:
            db.execute("DELETE FROM switches WHERE name = ?", [n])
            audit(db, actor, "resume", n, now=now)
    return names


def covering(switches: Mapping[str, Switch], kind: str, store: str | None = None) -> Switch | None:
    """The paused switch that stops ``kind`` of work (for ``store``, if given), or None."""
    for name in (ALL, kind, store or ""):
        if name and name in switches:
            return switches[name]
    return None


def audit_trail(db: sqlite_utils.Database, limit: int = 50) -> list[dict[str, Any]]:
    """The newest operations audit lines, newest first."""
    return list(db.query("SELECT * FROM ops_audit ORDER BY id DESC LIMIT ?", [limit]))


def beat(
    db: sqlite_utils.Database, name: str = "bot", detail: str = "", *, now: datetime | None = None
) -> None:
    """Record that ``name`` (the bot) is alive now."""
    with transaction(db):
        db.execute(
            "INSERT INTO heartbeats (name, at, detail) VALUES (?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET at = excluded.at, detail = excluded.detail",
            [name, now_iso(now), detail[:200]],
        )


def last_beat(db: sqlite_utils.Database, name: str = "bot") -> str:
    """When ``name`` last wrote its heartbeat (ISO UTC), or ""."""
    rows = list(db.query("SELECT at FROM heartbeats WHERE name = ?", [name]))
    return str(rows[0]["at"]) if rows else ""


def switch_label(lang: str, name: str) -> str:
    """A switch name as people read it (a store's switch reads as the store's name)."""
    from bot.core.i18n import t

    label = t(lang, f"switch.{name}")
    if not label.startswith("switch."):
        return label
    label = t(lang, f"store.{name}")
    return name if label.startswith("store.") else label
