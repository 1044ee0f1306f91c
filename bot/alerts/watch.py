"""Never silent: is the watch still on? One health verdict for ``fakeapp health``, the bot's daily line and
its warnings when scans stopped or a store has been degraded for a day.

Everything here takes ``now`` (the clock is an input): a clock that jumped is a finding, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from bot.core.clock import TW
from bot.core.i18n import t
from bot.outbox import holds
from bot.store import switches as sw

DEFAULT_MAX_AGE = timedelta(hours=25)  # a daily scan, with an hour's slack
OUTBOX_MAX_AGE = timedelta(minutes=15)  # a message waiting longer: Telegram (or the bot) is not delivering
HEARTBEAT_MAX_AGE = timedelta(minutes=5)  # the bot beats every minute
CLOCK_SLACK = timedelta(minutes=5)
DAILY_HOUR_TW = 9  # the daily line goes out from 09:00 Taiwan time
DEGRADED_FOR = timedelta(days=1)
OPEN_STATES = ("new", "confirmed", "relisted")
_DURATION = re.compile(r"^\s*(\d{1,7})\s*([smhd])\s*$")


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``2h``, ``1d``; ValueError (one line) otherwise."""
    m = _DURATION.match(text or "")
    if not m or int(m.group(1)) == 0:
        raise ValueError(f"not a duration: {text!r} (e.g. 90s, 30m, 2h, 1d)")
    n, unit = int(m.group(1)), m.group(2)
    return timedelta(seconds=n * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit])


def _at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _ago(delta: timedelta) -> str:
    s = int(delta.total_seconds())
    if s < 0:
        return f"{-s // 60}m in the future"
    if s < 120:
        return f"{s}s ago"
    if s < 7200:
        return f"{s // 60}m ago"
    if s < 172800:
        return f"{s // 3600}h ago"
    return f"{s // 86400}d ago"


@dataclass
class Health:
    """The verdict: healthy or not, the reasons (one line each), and the facts behind them."""

    healthy: bool = True
    problems: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def bad(self, why: str) -> None:
        self.healthy = False
        self.problems.append(why)

    def line(self) -> str:
        """One line saying why (for cron mail, systemd and monitoring systems)."""
        if self.healthy:
            f = self.facts
            n = len(f.get("stores", {}))
            return f"healthy: {n} store(s) scanned cleanly, outbox {f['outbox']['backlog']} waiting"
        return "unhealthy: " + "; ".join(self.problems)


def store_status(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    """Per store ever scanned: the last good scan (status ok, canary found) and the latest result."""
    out: dict[str, dict[str, Any]] = {}
    for r in db.query("SELECT DISTINCT store FROM scan_stores ORDER BY store"):
        store = r["store"]
        good = next(
            db.query(
                "SELECT MAX(s.finished_at) AS at FROM scan_stores ss JOIN scans s ON s.id = ss.scan_id"
                " WHERE ss.store = ? AND ss.status = 'ok' AND ss.canary_ok = 1 AND s.finished_at != ''",
                [store],
            )
        )["at"]
        last = next(
            db.query(
                "SELECT ss.status, ss.reason, s.finished_at, s.id FROM scan_stores ss JOIN scans s "
                "ON s.id = ss.scan_id"
                " WHERE ss.store = ? ORDER BY s.id DESC, ss.status = 'ok' LIMIT 1",
                [store],
            )
        )
        out[store] = {
            "last_good": good or "",
            "last_scan": last["id"],
            "last_at": last["finished_at"] or "",
            "last_status": last["status"],
            "last_reason": last["reason"] or "",
        }
    return out


def check(
    db: sqlite_utils.Database,
    *,
    now: datetime | None = None,
    max_age: timedelta = DEFAULT_MAX_AGE,
    bot_expected: bool = False,
    running: bool = False,
) -> Health:
    """The health verdict at ``now``: stores, outbox, bot heartbeat, switches, held alerts, the clock.

    ``running``: a scan holds the scan lock now (its ``running`` row is not an interrupted scan).
    """
    now = now or datetime.now(UTC)
    h = Health()
    stores = store_status(db)
    h.facts["stores"] = stores
    if not stores:
        h.bad("no scan has finished yet")
    for store, s in stores.items():
        good = _at(s["last_good"])
        why = f" (last: {s['last_status']}: {s['last_reason'][:160]})" if s["last_status"] != "ok" else ""
        if good is None:
            h.bad(f"{store}: never scanned cleanly{why}")
        elif now - good > max_age:
            h.bad(f"{store}: last good scan {_ago(now - good)}{why}")
        elif good - now > CLOCK_SLACK:
            h.bad(f"clock: {store}'s last good scan is {_ago(now - good)} (the clock moved back?)")
        elif s["last_status"] != "ok":
            h.bad(f"{store}: {s['last_status']} in scan #{s['last_scan']}: {s['last_reason'][:160]}")
    last = list(db.query("SELECT id, status, started_at FROM scans ORDER BY id DESC LIMIT 1"))
    if last and last[0]["status"] in ("running", "interrupted") and not running:
        h.bad(
            f"scan #{last[0]['id']} (started {last[0]['started_at'][:16]}) was interrupted"
            " before it finished (the next scan completes its findings)"
        )
    rows = list(
        db.query(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE status IN "
            "('pending', 'sending')"
        )
    )
    oldest = rows[0]["oldest"] or ""
    err = ""
    if oldest:
        err = (
            next(
                db.query(
                    "SELECT last_error FROM outbox WHERE status IN ('pending', 'sending') ORDER BY "
                    "created_at, id LIMIT 1"
                )
            )["last_error"]
            or ""
        )
    failed = int(next(db.query("SELECT COUNT(*) AS n FROM outbox WHERE status = 'failed'"))["n"])
    h.facts["outbox"] = {
        "backlog": int(rows[0]["n"]),
        "oldest": oldest,
        "oldest_error": err,
        "failed": failed,
    }
    o = _at(oldest)
    if o is not None and now - o > OUTBOX_MAX_AGE:
        h.bad(
            f"outbox: {rows[0]['n']} message(s) waiting, oldest {_ago(now - o)}"
            + (f" ({err[:120]})" if err else "")
        )
    if failed:
        h.bad(f"outbox: {failed} message(s) failed (fakeapp outbox --status failed)")
    beat = sw.last_beat(db)
    h.facts["bot_heartbeat"] = beat
    b = _at(beat)
    if b is None:
        if bot_expected:
            h.bad("bot: no heartbeat yet (is `fakeapp bot` running?)")
    elif now - b > HEARTBEAT_MAX_AGE:
        h.bad(f"bot: last heartbeat {_ago(now - b)}")
    elif b - now > CLOCK_SLACK:
        h.bad(f"clock: the bot's heartbeat is {_ago(now - b)} (the clock moved back?)")
    ping = list(db.query("SELECT at, detail FROM heartbeats WHERE name = 'ping'"))
    if ping:
        h.facts["heartbeat_ping"] = {"at": ping[0]["at"], "result": ping[0]["detail"]}
        if ping[0]["detail"] != "ok":
            h.bad(f"heartbeat ping failed: {ping[0]['detail'][:120]}")
    paused = sw.paused(db)
    h.facts["paused"] = [s.to_dict() for s in paused.values()]
    for switch in paused.values():
        h.bad(f"paused: {switch.name} (by {switch.paused_by} since {switch.paused_at})")
    open_holds = holds.holds(db)
    held = holds.held_count(db)
    h.facts["held"] = {"messages": held, "holds": [x.to_dict() for x in open_holds]}
    for x in open_holds:
        h.bad(
            f"hold #{x.id}: {x.messages} alert(s) held ({x.reason_line()[:120]}); fakeapp outbox "
            f"--release {x.id}"
        )
    by_switch = held - sum(x.messages for x in open_holds)
    if by_switch > 0:
        h.bad(f"{by_switch} alert(s) held by a pause")
    return h


# --- the bot's daily line and warnings ----------------------------------------------------------------


def daily_text(db: sqlite_utils.Database, lang: str = "zh", *, now: datetime | None = None) -> str:
    """Still watching: stores, listings, open cases, oldest open takedown."""

    now = now or datetime.now(UTC)
    stores = [r["store"] for r in db.query("SELECT DISTINCT store FROM scan_stores ORDER BY store")]
    listings = next(db.query("SELECT COUNT(*) AS n FROM listings WHERE present = 1"))["n"]
    marks = ", ".join("?" for _ in OPEN_STATES)
    query = f"SELECT COUNT(*) AS n FROM cases WHERE state IN ({marks})"  # noqa: S608 (placeholders only)
    open_n = next(db.query(query, list(OPEN_STATES)))["n"]
    oldest_rows = list(
        db.query(
            f"SELECT id, takedown_at FROM cases WHERE takedown = 'requested' AND state IN ({marks})"  # noqa: S608
            " AND takedown_at != '' ORDER BY takedown_at LIMIT 1",
            list(OPEN_STATES),
        )
    )
    oldest = t(lang, "daily.none")
    if oldest_rows:
        at = _at(oldest_rows[0]["takedown_at"])
        days = max(0, (now - at).days) if at else 0
        oldest = t(lang, "daily.oldest", id=oldest_rows[0]["id"], days=days)
    sep = "、" if lang == "zh" else ", "
    names = sep.join(t(lang, f"store.{s}") for s in stores) or t(lang, "daily.none")
    return t(lang, "daily.line", stores=names, listings=listings, open=open_n, oldest=oldest)


def watch_messages(
    db: sqlite_utils.Database, *, now: datetime | None = None, max_age: timedelta = DEFAULT_MAX_AGE
) -> list[int]:
    """Queue the daily line (once a Taiwan day, from 09:00) and the warnings (once a day each)."""
    from bot.alerts.render import esc
    from bot.outbox import queue as outbox

    now = now or datetime.now(UTC)
    day = now.astimezone(TW).date().isoformat()
    out: list[int] = []
    if now.astimezone(TW).hour >= DAILY_HOUR_TW:
        out += outbox.enqueue(
            db,
            outbox.SECURITY,
            daily_text(db, "zh", now=now),
            kind="daily",
            dedupe_key=f"daily:{day}",
            now=now,
        )
    last = next(
        db.query("SELECT MAX(finished_at) AS at FROM scans WHERE status != 'running' AND finished_at != ''")
    )["at"]
    last_at = _at(last)
    if last_at is None:
        if next(db.query("SELECT COUNT(*) AS n FROM scans"))["n"] or sw.last_beat(db):
            out += outbox.enqueue(
                db,
                outbox.SECURITY,
                t("zh", "warn.never"),
                kind="watch_warning",
                dedupe_key=f"warn:never:{day}",
                now=now,
            )
    elif now - last_at > max_age:
        hours = int((now - last_at).total_seconds() // 3600)
        text = t(
            "zh", "warn.stopped", when=esc(last_at.astimezone(TW).strftime("%Y-%m-%d %H:%M")), hours=hours
        )
        out += outbox.enqueue(
            db, outbox.SECURITY, text, kind="watch_warning", dedupe_key=f"warn:stopped:{day}", now=now
        )
    for store, s in store_status(db).items():
        good = _at(s["last_good"])
        recent = _at(s["last_at"])
        if recent is None or now - recent > max_age:
            continue  # not scanned lately: the "stopped" warning covers it
        first = _at(
            next(
                db.query(
                    "SELECT MIN(s.finished_at) AS at FROM scan_stores ss JOIN scans s ON s.id = "
                    "ss.scan_id WHERE ss.store = ?",
                    [store],
                )
            )["at"]
        )
        since = good or first
        if since is None or now - since <= DEGRADED_FOR or s["last_status"] == "ok":
            continue
        when = good.astimezone(TW).strftime("%Y-%m-%d %H:%M") if good else t("zh", "warn.never_good")
        text = t(
            "zh",
            "warn.degraded",
            store=esc(t("zh", f"store.{store}")),
            when=esc(when),
            reason=esc(s["last_reason"][:200]),
        )
        out += outbox.enqueue(
            db,
            outbox.SECURITY,
            text,
            kind="watch_warning",
            dedupe_key=f"warn:degraded:{store}:{day}",
            now=now,
        )
    return out
