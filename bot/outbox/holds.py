"""Validate a scan before it alerts, and hold what should not go out yet.

After a scan's cases are recorded, and in the same transaction, ``check_scan`` looks for a scan that would
flood people: more new cases than the storm threshold (``FAKEAPP_ALERT_STORM``, or derived from history),
an official app that now looks fake (a profile change), or a store whose results jumped (every listing new,
a flood of new developers). Then the alerts of those cases are *held* (outbox status ``held``), every case
is still recorded, and one summary with release/discard buttons goes to the security chat.

``check_scan`` runs inside the post-scan pipeline (``bot.desk.pipeline``). The delivery loop
(``bot.outbox.deliver``) gates each row before it sends: messages of held cases, and messages stopped by a
kill switch (``bot.store.switches``), are held there too; held-by-switch messages go back to the queue when
the switch is resumed. Every release and discard is audited in ``ops_audit``.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from bot.core.clock import now_iso
from bot.core.i18n import t
from bot.outbox.text import esc
from bot.store import switches as sw
from bot.store.db import insert_row, transaction
from bot.store.switches import switch_label

STORM_FLOOR = 20  # the default threshold is the larger of this and STORM_FACTOR x the recent median
STORM_FACTOR = 5
STORM_HISTORY = 30  # recent scans looked at for the median
JUMP_MIN_LISTINGS = 10  # a store's jump needs at least this many listings in the scan
JUMP_MIN_DEVELOPERS = 10
EXAMPLES = 5
FRONTLINE_KINDS = ("frontline", "frontline_edit")
SUMMARY_KIND = "hold_summary"
CALLBACK_PREFIX = "h"
# The buttons under a held scan's summary: (action for ``decide``, catalogue key of the label). Who may press
# them and what pressing does: ``bot.telegram.app.HOLD_BUTTONS``.
HOLD_BUTTONS: tuple[tuple[str, str], ...] = (("release", "btn.release"), ("discard", "btn.discard"))
CALLBACK_RE = re.compile(r"^h:(\d{1,9}):(release|discard)$")


@dataclass
class Hold:
    """One held scan: why, which cases, and the summary people see."""

    id: int
    scan_id: int | None
    reasons: list[dict[str, str]]
    case_ids: list[int]
    messages: int = 0
    status: str = "open"
    summary: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    decided_by: str = ""
    decided_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scan_id": self.scan_id,
            "status": self.status,
            "reasons": self.reasons,
            "cases": self.case_ids,
            "messages": self.messages,
            "summary": self.summary,
            "created_at": self.created_at,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at,
        }

    def reason_line(self) -> str:
        """The reasons in one English line, for the terminal."""
        return "; ".join(f"{r['code']}: {r['detail']}" for r in self.reasons)


class HoldError(ValueError):
    """A hold that does not exist or was already decided; one line."""


# --- the threshold ------------------------------------------------------------------------------------


def storm_threshold(db: sqlite_utils.Database, setting: int = 0, *, before_scan: int | None = None) -> int:
    """``setting`` when set, else the larger of 20 and five times the median of recent scans' new cases."""
    if setting > 0:
        return setting
    where = "WHERE status != 'running'" + (" AND id < ?" if before_scan is not None else "")
    args: list[Any] = [before_scan] if before_scan is not None else []
    scans = [
        int(r["id"])
        for r in db.query(f"SELECT id FROM scans {where} ORDER BY id DESC LIMIT ?", [*args, STORM_HISTORY])  # noqa: S608
    ]
    if not scans:
        return STORM_FLOOR
    marks = ", ".join("?" for _ in scans)
    opened = {
        int(r["scan_id"]): int(r["n"])
        for r in db.query(
            f"SELECT scan_id, COUNT(*) AS n FROM cases WHERE scan_id IN ({marks}) GROUP BY scan_id",  # noqa: S608
            scans,
        )
    }
    median = statistics.median([opened.get(s, 0) for s in scans])
    return max(STORM_FLOOR, int(STORM_FACTOR * median))


# --- checking a scan ----------------------------------------------------------------------------------


def _cases(db: sqlite_utils.Database, ids: Sequence[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    return list(db.query(f"SELECT * FROM cases WHERE id IN ({marks}) ORDER BY id", list(ids)))  # noqa: S608


def _store_jumps(db: sqlite_utils.Database, scan_id: int) -> list[tuple[str, str]]:
    """Stores whose results jumped in this scan: (store, detail key and count as text)."""
    scan = next(iter(db.query("SELECT finished_at FROM scans WHERE id = ?", [scan_id])), None)
    if scan is None or not scan["finished_at"]:
        return []
    at = scan["finished_at"]
    out: list[tuple[str, str]] = []
    for r in db.query("SELECT DISTINCT store FROM listings WHERE last_seen = ?", [at]):
        store = r["store"]
        seen = list(
            db.query(
                "SELECT first_seen, developer_id, developer FROM listings WHERE store = ? AND last_seen = ?",
                [store, at],
            )
        )
        earlier = next(
            db.query("SELECT COUNT(*) AS n FROM listings WHERE store = ? AND first_seen < ?", [store, at])
        )["n"]
        scanned_before = next(
            db.query(
                "SELECT COUNT(*) AS n FROM scan_stores ss JOIN scans s ON s.id = ss.scan_id"
                " WHERE ss.store = ? AND ss.status = 'ok' AND s.id < ? AND s.status IN ('ok', 'degraded')",
                [store, scan_id],
            )
        )["n"]
        if not earlier or not scanned_before or len(seen) < JUMP_MIN_LISTINGS:
            continue  # a store's first complete scan is all new by nature (an interrupted one does not count)
        new = [x for x in seen if x["first_seen"] == at]
        if len(new) == len(seen):
            out.append((store, f"all_new:{len(seen)}"))
            continue
        known = {
            (x["developer_id"] or x["developer"] or "")
            for x in db.query(
                "SELECT developer_id, developer FROM listings WHERE store = ? AND first_seen < ?", [store, at]
            )
        }
        devs = {(x["developer_id"] or x["developer"] or "") for x in new} - known - {""}
        if len(devs) >= JUMP_MIN_DEVELOPERS and len(devs) * 2 >= len(seen):
            out.append((store, f"developers:{len(devs)}"))
    return out


def check_scan(
    db: sqlite_utils.Database,
    scan_id: int,
    opened: Sequence[int],
    *,
    storm: int = 0,
    now: datetime | None = None,
) -> Hold | None:
    """Hold this scan's new alerts when it would flood people; the hold, or None when it may alert.

    Call in the transaction that recorded the cases (``bot.desk.pipeline.sync_scan``), so no alert slips out.
    """
    threshold = storm_threshold(db, storm, before_scan=scan_id)
    rows = _cases(db, opened)
    reasons: list[dict[str, str]] = []
    held: set[int] = set()
    if len(rows) > threshold:
        reasons.append(
            {
                "code": "storm",
                "detail": f"{len(rows)} new cases > {threshold}",
                "n": str(len(rows)),
                "limit": str(threshold),
            }
        )
        held |= {int(r["id"]) for r in rows}
    officials = {r["key"] for r in db.query("SELECT key FROM official_seen")}
    hit = [r for r in rows if r["listing_key"] in officials]
    if hit:
        apps = ", ".join(f"{r['store']}:{r['app_id']}" for r in hit)
        reasons.append({"code": "official", "detail": f"official app(s) judged fake: {apps}", "apps": apps})
        held |= {int(r["id"]) for r in rows}  # a profile that misjudges one official app misjudges others
    for store, detail in _store_jumps(db, scan_id):
        kind, _, n = detail.partition(":")
        reasons.append(
            {
                "code": "store_jump",
                "detail": f"{store}: {kind.replace('_', ' ')} ({n})",
                "store": store,
                "kind": kind,
                "n": n,
            }
        )
        held |= {int(r["id"]) for r in rows if r["store"] == store}
    if not reasons or not held:
        return None
    return _hold(db, scan_id, reasons, sorted(held), now=now)


def _hold(
    db: sqlite_utils.Database,
    scan_id: int | None,
    reasons: list[dict[str, str]],
    case_ids: list[int],
    *,
    now: datetime | None,
) -> Hold:
    from bot.outbox import queue as outbox

    rows = _cases(db, case_ids)
    summary = {
        "stores": dict(Counter(r["store"] for r in rows)),
        "brands": dict(Counter(r["brand"] for r in rows)),
        "verdicts": dict(Counter(r["verdict"] for r in rows)),
        "examples": [
            {
                "id": r["id"],
                "title": (r["title"] or "")[:80],
                "developer": (r["developer"] or "")[:60],
                "store": r["store"],
            }
            for r in rows[:EXAMPLES]
        ],
    }
    with transaction(db):
        hold_id = insert_row(
            db,
            "holds",
            {
                "created_at": now_iso(now),
                "scan_id": scan_id,
                "reasons": json.dumps(reasons, ensure_ascii=False),
                "status": "open",
                "summary": json.dumps(summary, ensure_ascii=False),
                "decided_by": "",
                "decided_at": "",
            },
        )
        for cid in case_ids:
            db.execute("INSERT OR IGNORE INTO hold_cases (hold_id, case_id) VALUES (?, ?)", [hold_id, cid])
        marks = ", ".join("?" for _ in case_ids)
        cur = db.execute(
            f"UPDATE outbox SET status = 'held', hold_id = ?, held_reason = 'hold' WHERE status = 'pending'"  # noqa: S608
            f" AND case_id IN ({marks})",
            [hold_id, *case_ids],
        )
        hold = Hold(
            hold_id, scan_id, reasons, case_ids, cur.rowcount, summary=summary, created_at=now_iso(now)
        )
        sw.audit(db, "scan", "hold", f"hold #{hold_id}", hold.reason_line(), now=now)
        outbox.enqueue(
            db,
            outbox.SECURITY,
            summary_text(hold, "zh"),
            kind=SUMMARY_KIND,
            markup=buttons(hold_id, "zh"),
            dedupe_key=f"hold:{hold_id}",
            now=now,
        )
    return hold


def remember_officials(db: sqlite_utils.Database, *, now: datetime | None = None) -> None:
    """Keep the listings judged official, so a later scan that calls one of them fake is held."""
    with transaction(db):
        db.execute(
            "INSERT INTO official_seen (key, brand, at) SELECT key, brand, ? FROM listings WHERE "
            "verdict = 'official'"
            " ON CONFLICT(key) DO UPDATE SET at = excluded.at",
            [now_iso(now)],
        )


# --- the summary --------------------------------------------------------------------------------------


def buttons(hold_id: int, lang: str = "zh") -> dict[str, Any]:
    """The release/discard keyboard (Bot API JSON shape); callback data carries the hold id only."""
    row = [{"text": t(lang, key), "callback_data": callback_data(hold_id, a)} for a, key in HOLD_BUTTONS]
    return {"inline_keyboard": [row]}


def callback_data(hold_id: int, action: str) -> str:
    """A hold button's callback data, ``h:HOLD:action``."""
    data = f"{CALLBACK_PREFIX}:{hold_id}:{action}"
    assert CALLBACK_RE.match(data) and len(data.encode()) <= 64
    return data


def parse_callback(data: str | None) -> tuple[int, str] | None:
    """(hold id, action) from a hold button's callback data, or None for anything malformed or forged."""
    m = CALLBACK_RE.match(data or "")
    return (int(m.group(1)), m.group(2)) if m else None


def _counts(lang: str, counts: Mapping[str, int], label: Any = None) -> str:
    sep = "、" if lang == "zh" else ", "
    return (
        sep.join(
            f"{esc(label(k) if label else k)} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])
        )
        or "—"
    )


def summary_text(hold: Hold, lang: str = "zh") -> str:
    """The one message admins get for a held scan (HTML; every store string escaped and bounded)."""
    lines = [f"<b>{t(lang, 'hold.title', scan=hold.scan_id or '—', id=hold.id)}</b>"]
    for r in hold.reasons:
        if r["code"] == "storm":
            lines.append(t(lang, "hold.reason.storm", n=r["n"], limit=r["limit"]))
        elif r["code"] == "official":
            lines.append(t(lang, "hold.reason.official", apps=esc(r["apps"][:300])))
        elif r["code"] == "store_jump":
            what = t(
                lang, "hold.jump.all_new" if r["kind"] == "all_new" else "hold.jump.developers", n=r["n"]
            )
            lines.append(
                t(lang, "hold.reason.store_jump", store=esc(t(lang, f"store.{r['store']}")), detail=what)
            )
    s = hold.summary

    def verdict(v: str) -> str:
        label = t(lang, f"verdict.{v}")
        return v if label.startswith("verdict.") else label

    lines.append(
        t(
            lang,
            "hold.counts",
            stores=_counts(lang, s.get("stores", {}), lambda k: t(lang, f"store.{k}")),
            brands=_counts(lang, s.get("brands", {})),
            verdicts=_counts(lang, s.get("verdicts", {}), verdict),
        )
    )
    if s.get("examples"):
        lines.append(t(lang, "hold.examples"))
        for e in s["examples"]:
            lines.append(
                t(
                    lang,
                    "hold.example",
                    id=e["id"],
                    title=esc(e["title"]),
                    developer=esc(e["developer"] or "?"),
                    store=esc(t(lang, f"store.{e['store']}")),
                )
            )
    lines.append(t(lang, "hold.note", n=hold.messages))
    return "\n".join(lines)


# --- listing and deciding -----------------------------------------------------------------------------


def _from_row(db: sqlite_utils.Database, r: Mapping[str, Any]) -> Hold:
    ids = [
        int(x["case_id"])
        for x in db.query("SELECT case_id FROM hold_cases WHERE hold_id = ? ORDER BY case_id", [r["id"]])
    ]
    n = next(db.query("SELECT COUNT(*) AS n FROM outbox WHERE hold_id = ? AND status = 'held'", [r["id"]]))[
        "n"
    ]
    return Hold(
        int(r["id"]),
        r["scan_id"],
        json.loads(r["reasons"] or "[]"),
        ids,
        int(n),
        r["status"],
        json.loads(r["summary"] or "{}"),
        r["created_at"] or "",
        r["decided_by"] or "",
        r["decided_at"] or "",
    )


def holds(db: sqlite_utils.Database, status: str | None = "open") -> list[Hold]:
    """Holds (the open ones by default), oldest first."""
    where, args = ("WHERE status = ?", [status]) if status else ("", [])
    return [_from_row(db, r) for r in db.query(f"SELECT * FROM holds {where} ORDER BY id", args)]  # noqa: S608


def held_count(db: sqlite_utils.Database) -> int:
    """Messages held now (by a hold or a kill switch)."""
    return int(next(db.query("SELECT COUNT(*) AS n FROM outbox WHERE status = 'held'"))["n"])


def decide(
    db: sqlite_utils.Database, hold_id: int, action: str, actor: str, *, now: datetime | None = None
) -> Hold:
    """Release (send) or discard (never send) the messages of an open hold; audited. The decided hold."""
    if action not in ("release", "discard"):
        raise HoldError(f"unknown action {action!r}")
    with transaction(db):
        found = list(db.query("SELECT * FROM holds WHERE id = ?", [hold_id]))
        if not found:
            raise HoldError(f"no hold #{hold_id}")
        if found[0]["status"] != "open":
            raise HoldError(f"hold #{hold_id} was already {found[0]['status']} by {found[0]['decided_by']}")
        new = "pending" if action == "release" else "discarded"
        cur = db.execute(
            "UPDATE outbox SET status = ?, next_attempt_at = 0, held_reason = ? WHERE hold_id = ? "
            "AND status = 'held'",
            [new, f"{action}d by {actor}"[:200], hold_id],
        )
        status = "released" if action == "release" else "discarded"
        db.execute(
            "UPDATE holds SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
            [status, actor, now_iso(now), hold_id],
        )
        sw.audit(db, actor, action, f"hold #{hold_id}", f"{cur.rowcount} message(s)", now=now)
        hold = _from_row(db, next(db.query("SELECT * FROM holds WHERE id = ?", [hold_id])))
        hold.messages = cur.rowcount
    return hold


def decide_all(db: sqlite_utils.Database, action: str, actor: str) -> list[Hold]:
    """Release or discard every open hold."""
    return [decide(db, h.id, action, actor) for h in holds(db)]


# --- one line for summaries ---------------------------------------------------------------------------


def ops_lines(db: sqlite_utils.Database, lang: str = "en", *, html: bool = False) -> list[str]:
    """What every scan summary, /settings and health say about switches and held alerts."""

    def e(s: str) -> str:
        return esc(s) if html else s

    paused = sw.paused(db)
    out = []
    if paused:
        items = ("、" if lang == "zh" else ", ").join(
            t(
                lang,
                "switches.item",
                what=switch_label(lang, s.name),
                who=e(s.paused_by),
                since=s.paused_at[:16],
            )
            for s in paused.values()
        )
        out.append(t(lang, "switches.line", items=items))
    else:
        out.append(t(lang, "switches.none"))
    n = held_count(db)
    if n:
        out.append(t(lang, "held.line", n=n))
    waiting = list(
        db.query(
            "SELECT created_at, last_error FROM outbox WHERE status IN ('pending', 'sending')"
            " AND last_error != ''"
            " ORDER BY id"
        )
    )
    if waiting:  # Telegram refusing or unreachable: say so in every summary
        since, error = waiting[0]["created_at"][:16], waiting[-1]["last_error"][:120]
        out.append(t(lang, "outbox.waiting", n=len(waiting), since=e(since), error=e(error)))
    return out
