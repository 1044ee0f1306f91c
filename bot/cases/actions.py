"""Cases: one per impersonating listing or analysed APK, their state machine and timeline, and scan sync.

Every change goes through ``_apply`` (one place): it writes the case row, one ``case_events`` row per field
changed (who, when, from -> to, why) and publishes one ``CaseChange`` to the hooks it is given, all in one
transaction, so nothing is notified that was not saved first. This module knows no subscriber: the bot and
the CLI call the actions through ``bot.desk.cases``, which wires the alerts, front-line notices and casework.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import sqlite_utils

from bot.cases.events import CaseChange, Hooks, publish
from bot.cases.model import (
    APK_OK_VERDICTS,
    CASE_VERDICTS,
    OPEN_STATES,
    SCAN_ACTOR,
    STATES,
    Actor,
    Case,
    CaseError,
    Event,
    State,
    parse_reasons,
    reasons_json,
)
from bot.cases.transitions import check
from bot.core.clock import now_iso, utc_now
from bot.core.csvsafe import SafeWriter
from bot.core.linksafe import redact_userinfo
from bot.store.db import insert_row, transaction, update_row
from scanners.profile import AllowedApp, Profile


@dataclass
class SyncResult:
    """What ``sync_from_scan`` did; ids of the cases touched."""

    scan_id: int
    opened: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    relisted: list[int] = field(default_factory=list)
    vanished: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    reminders: list[int] = field(default_factory=list)
    store_alert: bool = False
    alerts_queued: int = 0
    links: dict[str, Any] = field(default_factory=dict)  # the links' step (165 list, re-checks), if any
    hold: Any = None  # the scan's alerts were held (a ``bot.outbox.holds.Hold``, set by the desk pipeline)


# --- queries ------------------------------------------------------------------------------------------


def get_case(db: sqlite_utils.Database, case_id: int) -> Case:
    """The case with this id; CaseError when there is none."""
    rows = list(db.query("SELECT * FROM cases WHERE id = ?", [case_id]))
    if not rows:
        raise CaseError(f"no case #{case_id}", "no_case", id=case_id)
    return Case.from_row(rows[0])


def case_for_listing(db: sqlite_utils.Database, listing_key: str) -> Case | None:
    """The case of a store listing (by its listing key); None when it has none."""
    rows = list(db.query("SELECT * FROM cases WHERE listing_key = ?", [listing_key]))
    return Case.from_row(rows[0]) if rows else None


def list_cases(
    db: sqlite_utils.Database, *, state: str | None = None, limit: int | None = None, open_only: bool = False
) -> list[Case]:
    """Cases, newest first; ``state`` may be a state, ``open`` or ``all``."""
    where, params = "", []  # type: tuple[str, list[Any]]
    if state in (None, "all") and not open_only:
        pass
    elif state == "open" or (state is None and open_only):
        where = f"WHERE state IN ({', '.join('?' for _ in OPEN_STATES)})"
        params = list(OPEN_STATES)
    else:
        if state not in STATES:
            raise CaseError(
                f"unknown state {state!r} (one of: open, all, {', '.join(STATES)})",
                "unknown_state",
                state=state,
            )
        where, params = "WHERE state = ?", [state]
    sql = f"SELECT * FROM cases {where} ORDER BY id DESC"  # noqa: S608 (internal names)
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [Case.from_row(r) for r in db.query(sql, params)]


def timeline(db: sqlite_utils.Database, case_id: int) -> list[Event]:
    """A case's timeline: every event recorded on it, oldest first."""
    return [
        Event(
            id=r["id"],
            case_id=r["case_id"],
            at=r["at"] or "",
            actor=r["actor"] or "",
            action=r["action"] or "",
            field=r["field"] or "",
            old=r["old"] or "",
            new=r["new"] or "",
            reason=r["reason"] or "",
        )
        for r in db.query("SELECT * FROM case_events WHERE case_id = ? ORDER BY id", [case_id])
    ]


def stats(db: sqlite_utils.Database) -> dict[str, Any]:
    """Counts by state, takedown and police track, by brand and store."""

    def counts(col: str) -> dict[str, int]:
        return {
            str(r["k"]): int(r["n"])
            for r in db.query(f"SELECT [{col}] AS k, COUNT(*) AS n FROM cases GROUP BY [{col}] ORDER BY k")  # noqa: S608 (internal names)
        }

    total = next(db.query("SELECT COUNT(*) AS n FROM cases"))["n"]
    listed_open = next(
        db.query(
            "SELECT COUNT(*) AS n FROM cases WHERE listed = 1 AND state IN (?, ?, ?)",
            list(OPEN_STATES),
        )
    )["n"]
    pending = next(db.query("SELECT COUNT(*) AS n FROM outbox WHERE status IN ('pending', 'sending')"))["n"]
    return {
        "total": int(total),
        "state": counts("state"),
        "takedown": counts("takedown"),
        "police": counts("police"),
        "brand": counts("brand"),
        "store": counts("store"),
        "open_and_listed": int(listed_open),
        "outbox_pending": int(pending),
    }


def export_csv(db: sqlite_utils.Database, tz: tzinfo | None = None) -> str:
    """All cases and, one row per event, their timelines, as one CSV (UTF-8, with a BOM for Excel).

    A CSV meant for people: times in the team's zone, named (``2026-12-03 00:10:00 (UTC+8)``)."""
    from bot.core.clock import local_time

    def when(iso: str) -> str:
        return local_time(iso, tz, seconds=True) if iso else ""

    out = io.StringIO()
    out.write("\ufeff")
    w = SafeWriter(out)  # every text cell defused against formula injection
    cols = [
        "case_id",
        "brand",
        "store",
        "app_id",
        "title",
        "developer",
        "url",
        "verdict",
        "score",
        "state",
        "takedown",
        "takedown_at",
        "takedown_ref",
        "police",
        "police_no",
        "police_agency",
        "assignee",
        "listed",
        "opened_at",
        "closed_at",
        "event_at",
        "event_actor",
        "event_action",
        "event_field",
        "event_old",
        "event_new",
        "event_reason",
    ]
    w.writerow(cols)
    for c in list_cases(db):
        base = [
            c.id,
            c.brand,
            c.store,
            c.app_id,
            c.title,
            c.developer,
            redact_userinfo(c.url),
            c.verdict,
            c.score,
            c.state,
            c.takedown,
            when(c.takedown_at),
            c.takedown_ref,
            c.police,
            c.police_no,
            c.police_agency,
            c.assignee,
            int(c.listed),
            when(c.opened_at),
            when(c.closed_at),
        ]
        for e in timeline(db, c.id):
            w.writerow(
                [
                    *base,
                    when(e.at),
                    e.actor,
                    e.action,
                    e.field,
                    e.old,
                    e.new,
                    e.reason,
                ]
            )
    return out.getvalue()


# --- the one place a case changes ---------------------------------------------------------------------


def _apply(
    db: sqlite_utils.Database,
    hooks: Hooks,
    case: Case,
    actor: Actor,
    action: str,
    changes: Mapping[str, Any],
    *,
    reason: str = "",
    scan_id: int | None = None,
    now: datetime | None = None,
    event_fields: Sequence[str] | None = None,
    trace_id: int | None = None,
) -> Case:
    """Write ``changes`` to the case with one timeline event per changed field, then publish the change.

    The hooks run inside the same transaction, after the case and its timeline are written.
    """
    at = now_iso(now)
    real = {k: v for k, v in changes.items() if getattr(case, k) != (bool(v) if k == "listed" else v)}
    shown = event_fields if event_fields is not None else list(real)
    with transaction(db):
        row = {k: _column(k, v) for k, v in real.items()}
        row["updated_at"] = at
        update_row(db, "cases", "id", case.id, row)
        logged = False
        for k in shown:
            if k not in real:
                continue
            old = getattr(case, k)
            insert_row(
                db,
                "case_events",
                {
                    "case_id": case.id,
                    "at": at,
                    "actor": actor.label,
                    "action": action,
                    "field": k,
                    "old": redact_userinfo(_s(old)),
                    "new": redact_userinfo(_s(real[k])),
                    "reason": redact_userinfo(reason),
                    "scan_id": scan_id,
                },
            )
            logged = True
        if not logged:
            # An action that changes nothing visible (a note, a repeated press) is still on the record.
            insert_row(
                db,
                "case_events",
                {
                    "case_id": case.id,
                    "at": at,
                    "actor": actor.label,
                    "action": action,
                    "field": "",
                    "old": "",
                    "new": "",
                    "reason": redact_userinfo(reason),
                    "scan_id": scan_id,
                },
            )
        after = get_case(db, case.id)
        publish(db, hooks, CaseChange(case, after, action, actor, now, scan_id, trace_id))
    return after


def _column(name: str, value: Any) -> Any:
    """A Case field's value as its ``cases`` column stores it (``listed`` 0/1, ``reasons`` JSON)."""
    if name == "listed":
        return int(value)
    if name == "reasons":
        return reasons_json(value)
    return value


def _s(v: Any) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    return "" if v is None else str(v)


# --- actions (used by the bot and the CLI) ------------------------------------------------------------


def _require(case: Case, ok: bool, msg: str, key: str = "") -> None:
    if not ok:
        raise CaseError(f"case #{case.id}: {msg}", key, id=case.id, state=case.state)


def confirm(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    reason: str = "",
    *,
    now: datetime | None = None,
    hooks: Hooks = (),
) -> Case:
    """Confirm a case as a fake (what the hooks say of it: the front-line notice goes out)."""
    case = get_case(db, case_id)
    check("confirm", case)
    return _apply(db, hooks, case, actor, "confirm", {"state": State.CONFIRMED}, reason=reason, now=now)


def false_positive(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    reason: str = "",
    *,
    now: datetime | None = None,
    hooks: Hooks = (),
) -> Case:
    """Close a case as a false alarm (a posted front-line notice is retracted)."""
    case = get_case(db, case_id)
    check("fp", case)
    now = now or utc_now()
    return _apply(
        db,
        hooks,
        case,
        actor,
        "false_positive",
        {"state": State.FALSE_POSITIVE, "closed_at": now_iso(now)},
        reason=reason,
        now=now,
        event_fields=["state"],
    )


def _given_time(when: str) -> datetime:
    """Parse a time an analyst gave (ISO 8601); a time without an offset is read as UTC."""
    try:
        at = datetime.fromisoformat(when)
    except ValueError as e:
        raise ValueError(f"not a time: {when!r} (use ISO 8601, e.g. 2026-11-21T10:00+08:00)") from e
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(UTC)


def request_takedown(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    ref: str = "",
    *,
    store: str = "",
    when: str = "",
    now: datetime | None = None,
    hooks: Hooks = (),
) -> Case:
    """Record that a takedown was requested from the store (``when``: the time the analyst gives)."""
    case = get_case(db, case_id)
    check("takedown", case)
    # The time the analyst gives is the time of the record: the case, its timeline and every draft.
    now = _given_time(when) if when else (now or utc_now())
    changes: dict[str, Any] = {
        "takedown": "requested",
        "takedown_at": now_iso(now),
        "takedown_ref": ref,
        "takedown_store": store or case.store,
    }
    if case.state in (State.NEW, State.RELISTED):
        changes["state"] = State.CONFIRMED  # asking for a takedown is confirming it is fake
    return _apply(
        db,
        hooks,
        case,
        actor,
        "takedown",
        changes,
        reason=ref,
        now=now,
        event_fields=["state", "takedown", "takedown_ref"],
    )


def reject_takedown(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    reason: str = "",
    *,
    now: datetime | None = None,
    hooks: Hooks = (),
) -> Case:
    """Record that the store refused the takedown."""
    case = get_case(db, case_id)
    check("takedown_rejected", case)
    return _apply(
        db, hooks, case, actor, "takedown_rejected", {"takedown": "rejected"}, reason=reason, now=now
    )


def report_police(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    report_no: str,
    agency: str = "165",
    *,
    now: datetime | None = None,
    hooks: Hooks = (),
) -> Case:
    """Record the police report (confirms a case still new)."""
    case = get_case(db, case_id)
    report_no = report_no.strip()
    _require(case, bool(report_no), "a report number is needed", "report_no")
    check("police", case)
    now = now or utc_now()
    changes: dict[str, Any] = {
        "police": "reported",
        "police_no": report_no,
        "police_agency": agency or "165",
        "police_at": now_iso(now),
    }
    if case.state in (State.NEW, State.RELISTED):
        changes["state"] = State.CONFIRMED
    return _apply(
        db,
        hooks,
        case,
        actor,
        "police",
        changes,
        reason=report_no,
        now=now,
        event_fields=["state", "police", "police_no", "police_agency"],
    )


def resolve(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    note: str = "",
    *,
    now: datetime | None = None,
    hooks: Hooks = (),
) -> Case:
    """Close a case. Refused while the app is still listed, unless a reason is given."""
    case = get_case(db, case_id)
    check("resolve", case)
    if case.listed and case.kind == "listing" and not note.strip():
        raise CaseError(
            f"case #{case.id}: the app is still listed; give a reason to resolve it anyway",
            "still_listed",
            id=case.id,
        )
    now = now or utc_now()
    return _apply(
        db,
        hooks,
        case,
        actor,
        "resolve",
        {"state": State.RESOLVED, "resolution": note, "closed_at": now_iso(now)},
        reason=note,
        now=now,
        event_fields=["state"],
    )


def note(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    text: str,
    *,
    now: datetime | None = None,
    hooks: Hooks = (),
) -> Case:
    """Add a note to the case's timeline."""
    case = get_case(db, case_id)
    _require(case, bool(text.strip()), "empty note", "empty_note")
    return _apply(db, hooks, case, actor, "note", {}, reason=text.strip(), now=now)


def assign(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    assignee: str,
    *,
    now: datetime | None = None,
    hooks: Hooks = (),
) -> Case:
    """Give the case to someone."""
    case = get_case(db, case_id)
    return _apply(db, hooks, case, actor, "assign", {"assignee": assignee.strip()}, now=now)


def allow(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    note_text: str = "",
    *,
    now: datetime | None = None,
    hooks: Hooks = (),
) -> Case:
    """Add the case's app to its brand's allow list (``allow_overrides``); close the case as a false positive.

    The overrides are merged into the profile by ``effective_profile`` before judging, so the app is never
    alerted again; ``data/brands.toml`` is left untouched (it is the operator's file).
    """
    case = get_case(db, case_id)
    _require(case, case.kind == "listing", "only store listings can be allow-listed", "allow_listing")
    at = now_iso(now)
    with transaction(db):
        db.execute(
            "INSERT OR REPLACE INTO allow_overrides (key, brand, store, app_id, note, actor, at, case_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [case.listing_key, case.brand, case.store, case.app_id, note_text, actor.label, at, case.id],
        )
        after = _apply(
            db,
            hooks,
            case,
            actor,
            "allow",
            {"state": State.FALSE_POSITIVE, "closed_at": at},
            reason=note_text or "allow-listed",
            now=now,
            event_fields=["state"],
        )
    return after


def effective_profile(db: sqlite_utils.Database, profile: Profile) -> Profile:
    """The profile with the allow-list additions made from the bot (``/allow``) merged into each brand."""
    extra: dict[str, list[AllowedApp]] = {}
    for r in db.query("SELECT brand, store, app_id, note FROM allow_overrides"):
        extra.setdefault(r["brand"], []).append(AllowedApp(r["store"], r["app_id"], r["note"] or ""))
    if not extra:
        return profile
    brands = []
    for b in profile.brands:
        have = {a.key for a in b.allow}
        add = tuple(a for a in extra.get(b.id, []) if a.key not in have)
        brands.append(dataclasses.replace(b, allow=b.allow + add) if add else b)
    return dataclasses.replace(profile, brands=tuple(brands))


def _allowed_keys(db: sqlite_utils.Database, profile: Profile) -> set[str]:
    keys = {a.key for b in profile.brands for a in b.allow} | {a.key for b in profile.brands for a in b.apps}
    keys |= {r["key"] for r in db.query("SELECT key FROM allow_overrides")}
    return keys


# --- opening cases ------------------------------------------------------------------------------------


def _open_case(
    db: sqlite_utils.Database,
    hooks: Hooks,
    values: Mapping[str, Any],
    actor: Actor,
    *,
    reason: str,
    scan_id: int | None,
    now: datetime | None,
) -> Case:
    """Insert a case, its opening timeline event and its alert (call inside a transaction)."""
    at = now_iso(now)
    row = {
        "kind": "listing",
        "listing_key": None,
        "apk_sha256": None,
        "brand": "",
        "store": "",
        "app_id": "",
        "title": "",
        "developer": "",
        "url": "",
        "verdict": "",
        "score": 0,
        "reasons": "[]",
        "state": State.NEW.value,
        "takedown": "none",
        "takedown_at": "",
        "takedown_ref": "",
        "takedown_store": "",
        "police": "none",
        "police_no": "",
        "police_agency": "",
        "police_at": "",
        "assignee": "",
        "listed": 1,
        "resolution": "",
        "opened_at": at,
        "updated_at": at,
        "closed_at": "",
        "scan_id": scan_id,
    }
    row.update(values)
    row["url"] = redact_userinfo(str(row.get("url") or ""))  # a link's user:password is never kept
    case_id = insert_row(db, "cases", row)
    insert_row(
        db,
        "case_events",
        {
            "case_id": case_id,
            "at": at,
            "actor": actor.label,
            "action": "open",
            "field": "state",
            "old": "",
            "new": "new",
            "reason": redact_userinfo(reason),
            "scan_id": scan_id,
        },
    )
    case = get_case(db, case_id)
    # Published in the caller's transaction: the alert exists exactly when the case does.
    publish(db, hooks, CaseChange(None, case, "open", actor, now, scan_id))
    return case


def open_listing_case(
    db: sqlite_utils.Database,
    listing: Mapping[str, Any],
    *,
    actor: Actor = SCAN_ACTOR,
    scan_id: int | None = None,
    now: datetime | None = None,
    hooks: Hooks = (),
) -> tuple[Case, bool]:
    """The case for a listing row, opening it (and queueing its alert) when there is none. (case, opened)."""
    existing = case_for_listing(db, listing["key"])
    if existing is not None:
        return existing, False
    with transaction(db):
        case = _open_case(
            db,
            hooks,
            {
                "kind": "listing",
                "listing_key": listing["key"],
                "brand": listing.get("brand") or "",
                "store": listing.get("store") or "",
                "app_id": listing.get("app_id") or "",
                "title": listing.get("title") or "",
                "developer": listing.get("developer") or "",
                "url": listing.get("url") or "",
                "verdict": listing.get("verdict") or "",
                "score": int(listing.get("score") or 0),
                "reasons": listing.get("reasons") or "[]",
                "listed": 1 if listing.get("present", 1) else 0,
            },
            actor,
            reason=f"{listing.get('verdict')} {listing.get('score')}",
            scan_id=scan_id,
            now=now,
        )
    return case, True


def open_apk_case(
    db: sqlite_utils.Database,
    report: Mapping[str, Any],
    *,
    actor: Actor,
    brand: str = "",
    source: str = "",
    now: datetime | None = None,
    hooks: Hooks = (),
) -> tuple[Case, bool]:
    """The case for an analysed APK (by file hash), opened when its verdict is not official.

    ``report`` is ``ApkReport.to_dict()``; returns (the existing or new case, whether it was opened now).
    """
    sha = str(report.get("sha256") or "")
    if not sha:
        raise CaseError("APK report has no sha256")
    rows = list(db.query("SELECT * FROM cases WHERE apk_sha256 = ?", [sha]))
    if rows:
        return Case.from_row(rows[0]), False
    verdict = str(report.get("verdict") or "")
    if verdict in APK_OK_VERDICTS:
        raise CaseError(f"APK {sha[:12]}… is {verdict}; no case opened")
    package = str(report.get("package") or "")
    signers = report.get("certificates") or []
    with transaction(db):
        case = _open_case(
            db,
            hooks,
            {
                "kind": "apk",
                "apk_sha256": sha,
                "brand": brand or str(report.get("brand") or ""),
                "store": "apk",
                "app_id": package,
                "title": str(report.get("label") or package or sha[:12]),
                "developer": str(signers[0].get("subject") or "") if signers else "",  # who signed it
                "url": source,
                "verdict": verdict,
                "score": int((report.get("risk") or {}).get("score") or 0),
                "reasons": reasons_json(parse_reasons(list(report.get("reasons") or []))),
                "listed": 0,
            },
            actor,
            reason=f"APK {verdict}",
            scan_id=None,
            now=now,
        )
    return case, True


# --- after a scan -------------------------------------------------------------------------------------


def sync_from_scan(
    db: sqlite_utils.Database,
    scan_id: int,
    profile: Profile,
    *,
    now: datetime | None = None,
    hooks: Hooks = (),
) -> SyncResult:
    """Bring cases in line with a committed scan, in one transaction; each change is published to ``hooks``.

    Opens a case per new impersonating/suspicious listing; marks requested takedowns ``removed`` when the app
    is gone; reopens a removed (or resolved) app that is back as ``relisted``. What else follows a scan
    (store status, reminders) is the post-scan pipeline's (``bot.desk.pipeline``).
    """
    result = SyncResult(scan_id=scan_id)
    scan_rows = list(db.query("SELECT * FROM scans WHERE id = ?", [scan_id]))
    if not scan_rows:
        raise CaseError(f"no scan #{scan_id}")
    allowed = _allowed_keys(db, profile)
    store_ok = _stores_ok(db, scan_id)
    with transaction(db):
        for f in _findings(db, scan_id):
            if f["listing_key"] not in allowed:
                _sync_finding(db, hooks, f, scan_id, result, now)
        _sync_unreported(db, hooks, store_ok, scan_id, result, now)
    return result


def _stores_ok(db: sqlite_utils.Database, scan_id: int) -> dict[tuple[str, str], bool]:
    """(brand, store) -> whether the scan saw that store working (only an ok store's absence counts)."""
    return {
        (r["brand"], r["store"]): r["status"] == "ok"
        for r in db.query("SELECT brand, store, status FROM scan_stores WHERE scan_id = ?", [scan_id])
    }


def _findings(db: sqlite_utils.Database, scan_id: int) -> list[dict[str, Any]]:
    """The scan's findings (listings it flagged, or saw vanish or return), in the order it wrote them."""
    return list(
        db.query(
            "SELECT f.*, l.present AS l_present FROM findings f"
            " JOIN listings l ON l.key = f.listing_key WHERE f.scan_id = ? ORDER BY f.id",
            [scan_id],
        )
    )


def _sync_finding(
    db: sqlite_utils.Database,
    hooks: Hooks,
    finding: Mapping[str, Any],
    scan_id: int,
    result: SyncResult,
    now: datetime | None,
) -> None:
    """One finding: a case opened for a listed suspect that has none, else its case brought up to date."""
    key = finding["listing_key"]
    listing = next(db.query("SELECT * FROM listings WHERE key = ?", [key]))
    case = case_for_listing(db, key)
    present = bool(listing["present"]) and finding["change"] != "vanished"
    if case is None:
        if present and finding["verdict"] in CASE_VERDICTS:
            case, opened = open_listing_case(db, listing, scan_id=scan_id, now=now, hooks=hooks)
            if opened:
                result.opened.append(case.id)
        return
    _sync_existing(db, hooks, case, listing, present, finding["change"], scan_id, result, now)


def _sync_unreported(
    db: sqlite_utils.Database,
    hooks: Hooks,
    store_ok: Mapping[tuple[str, str], bool],
    scan_id: int,
    result: SyncResult,
    now: datetime | None,
) -> None:
    """Cases whose listing changed presence without a finding row (e.g. vanished from an ok store)."""
    for r in db.query(
        "SELECT c.id, l.present, l.brand, l.store FROM cases c JOIN listings l ON l.key = c.listing_key"
        " WHERE c.kind = 'listing' AND c.listed != l.present"
    ):
        if not store_ok.get((r["brand"], r["store"]), False):
            continue  # a degraded store's absence proves nothing
        case = get_case(db, r["id"])
        listing = next(db.query("SELECT * FROM listings WHERE key = ?", [case.listing_key]))
        _sync_existing(db, hooks, case, listing, bool(r["present"]), "", scan_id, result, now)


def _sync_existing(
    db: sqlite_utils.Database,
    hooks: Hooks,
    case: Case,
    listing: Mapping[str, Any],
    present: bool,
    change: str,
    scan_id: int,
    result: SyncResult,
    now: datetime | None,
) -> None:
    """One existing case against its listing in this scan: gone, back, or changed."""
    if not present and case.listed:
        _gone(db, hooks, case, scan_id, result, now)
    elif present and not case.listed:
        _back(db, hooks, case, scan_id, result, now)
    elif present and change in ("changed", "new", "same", "relisted"):
        _rescored(db, hooks, case, listing, scan_id, result, now)


def _gone(
    db: sqlite_utils.Database,
    hooks: Hooks,
    case: Case,
    scan_id: int,
    result: SyncResult,
    now: datetime | None,
) -> None:
    """The app is no longer listed: a requested takedown is done (``removed``), else it ``vanished``."""
    changes: dict[str, Any] = {"listed": False}
    removed = case.takedown == "requested"
    if removed:
        changes["takedown"] = "removed"
    action = "removed" if removed else "vanished"
    _apply(db, hooks, case, SCAN_ACTOR, action, changes, reason="not listed", scan_id=scan_id, now=now)
    (result.removed if removed else result.vanished).append(case.id)


def _back(
    db: sqlite_utils.Database,
    hooks: Hooks,
    case: Case,
    scan_id: int,
    result: SyncResult,
    now: datetime | None,
) -> None:
    """The app is listed again: ``relisted`` after a removal or resolution, else it ``reappeared``."""
    changes: dict[str, Any] = {"listed": True}
    relisted = case.takedown == "removed" or case.state == State.RESOLVED
    if relisted:
        changes["state"] = State.RELISTED
        changes["closed_at"] = ""
        if case.takedown == "removed":
            changes["takedown"] = "none"  # a new request is needed; the old ref stays on the timeline
    _apply(
        db,
        hooks,
        case,
        SCAN_ACTOR,
        "relisted" if relisted else "reappeared",
        changes,
        reason="listed again",
        scan_id=scan_id,
        now=now,
        event_fields=["listed", "state", "takedown"] if relisted else None,
    )
    (result.relisted if relisted else result.updated).append(case.id)


def _rescored(
    db: sqlite_utils.Database,
    hooks: Hooks,
    case: Case,
    listing: Mapping[str, Any],
    scan_id: int,
    result: SyncResult,
    now: datetime | None,
) -> None:
    """The listing changed: the case takes its new verdict, score, reasons, title and developer."""
    upd = {
        "verdict": listing.get("verdict") or case.verdict,
        "score": int(listing.get("score") or 0),
        "reasons": parse_reasons(listing.get("reasons")),
        "title": listing.get("title") or case.title,
        "developer": listing.get("developer") or case.developer,
    }
    upd = {k: v for k, v in upd.items() if v != getattr(case, k)}
    if upd:
        _apply(
            db,
            hooks,
            case,
            SCAN_ACTOR,
            "rescored",
            upd,
            scan_id=scan_id,
            now=now,
            event_fields=[k for k in ("verdict", "score", "title", "developer") if k in upd],
        )
        result.updated.append(case.id)


def reminder_due(case: Case, days: int, now: datetime) -> bool:
    """A takedown requested more than ``days`` days ago whose app is still listed."""
    if case.takedown != "requested" or not case.listed or not case.is_open or not case.takedown_at:
        return False
    try:
        at = datetime.fromisoformat(case.takedown_at)
    except ValueError:
        return False
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return now - at >= timedelta(days=days)
