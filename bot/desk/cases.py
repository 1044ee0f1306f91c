"""Case actions with their side effects: each change queues the alerts, front-line notices and casework that
``bot.desk.hooks`` wires for the brand ``profile`` (the official links: the bot and the CLI pass theirs; by
default the profile the default settings name); reads are passed through.

The Telegram handlers and the CLI act on cases through this module only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

import sqlite_utils

from bot.cases import actions
from bot.cases.actions import (
    SyncResult,
    allow_overrides,
    case_for_listing,
    effective_profile,
    export_csv,
    get_case,
    list_cases,
    reminder_due,
    stats,
    timeline,
)
from bot.cases.model import (
    APK_OK_VERDICTS,
    BOT_ACTOR,
    CASE_VERDICTS,
    OPEN_STATES,
    POLICE_STATES,
    SCAN_ACTOR,
    STATES,
    TAKEDOWN_STATES,
    Actor,
    Case,
    CaseError,
    Event,
    State,
)
from bot.desk.hooks import FROM_SETTINGS, ProfileArg, case_hooks
from bot.desk.pipeline import sync_scan
from scanners.profile import Profile

__all__ = [
    "APK_OK_VERDICTS",
    "BOT_ACTOR",
    "CASE_VERDICTS",
    "OPEN_STATES",
    "POLICE_STATES",
    "SCAN_ACTOR",
    "STATES",
    "TAKEDOWN_STATES",
    "Actor",
    "Case",
    "CaseError",
    "Event",
    "State",
    "SyncResult",
    "allow",
    "allow_overrides",
    "assign",
    "case_for_listing",
    "confirm",
    "effective_profile",
    "export_csv",
    "false_positive",
    "get_case",
    "list_cases",
    "note",
    "open_apk_case",
    "open_listing_case",
    "reject_takedown",
    "reminder_due",
    "report_police",
    "request_takedown",
    "resolve",
    "stats",
    "sync_from_scan",
    "timeline",
]


def confirm(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    reason: str = "",
    *,
    now: datetime | None = None,
    profile: ProfileArg = FROM_SETTINGS,
) -> Case:
    """Confirm a case as a fake (the front-line notice goes out)."""
    return actions.confirm(db, case_id, actor, reason, now=now, hooks=case_hooks(profile))


def false_positive(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    reason: str = "",
    *,
    now: datetime | None = None,
    profile: ProfileArg = FROM_SETTINGS,
) -> Case:
    """Close a case as a false alarm (a posted front-line notice is retracted)."""
    return actions.false_positive(db, case_id, actor, reason, now=now, hooks=case_hooks(profile))


def request_takedown(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    ref: str = "",
    *,
    store: str = "",
    when: str = "",
    now: datetime | None = None,
    profile: ProfileArg = FROM_SETTINGS,
) -> Case:
    """Record that a takedown was requested from the store."""
    return actions.request_takedown(
        db, case_id, actor, ref, store=store, when=when, now=now, hooks=case_hooks(profile)
    )


def reject_takedown(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    reason: str = "",
    *,
    now: datetime | None = None,
    profile: ProfileArg = FROM_SETTINGS,
) -> Case:
    """Record that the store refused the takedown."""
    return actions.reject_takedown(db, case_id, actor, reason, now=now, hooks=case_hooks(profile))


def report_police(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    report_no: str,
    agency: str = "165",
    *,
    now: datetime | None = None,
    profile: ProfileArg = FROM_SETTINGS,
) -> Case:
    """Record the police report (confirms a case still new)."""
    return actions.report_police(db, case_id, actor, report_no, agency, now=now, hooks=case_hooks(profile))


def resolve(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    note: str = "",
    *,
    now: datetime | None = None,
    profile: ProfileArg = FROM_SETTINGS,
) -> Case:
    """Close a case."""
    return actions.resolve(db, case_id, actor, note, now=now, hooks=case_hooks(profile))


def note(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    text: str,
    *,
    now: datetime | None = None,
    profile: ProfileArg = FROM_SETTINGS,
) -> Case:
    """Add a note to the case's timeline."""
    return actions.note(db, case_id, actor, text, now=now, hooks=case_hooks(profile))


def assign(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    assignee: str,
    *,
    now: datetime | None = None,
    profile: ProfileArg = FROM_SETTINGS,
) -> Case:
    """Give the case to someone."""
    return actions.assign(db, case_id, actor, assignee, now=now, hooks=case_hooks(profile))


def allow(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Actor,
    note_text: str = "",
    *,
    now: datetime | None = None,
    profile: ProfileArg = FROM_SETTINGS,
) -> Case:
    """Allow-list the case's app and close the case as a false positive."""
    return actions.allow(db, case_id, actor, note_text, now=now, hooks=case_hooks(profile))


def open_listing_case(
    db: sqlite_utils.Database,
    listing: Mapping[str, Any],
    *,
    actor: Actor = SCAN_ACTOR,
    scan_id: int | None = None,
    now: datetime | None = None,
    profile: ProfileArg = FROM_SETTINGS,
) -> tuple[Case, bool]:
    """The case for a listing row, opened (and its alert queued) when there is none."""
    return actions.open_listing_case(
        db, listing, actor=actor, scan_id=scan_id, now=now, hooks=case_hooks(profile)
    )


def open_apk_case(
    db: sqlite_utils.Database,
    report: Mapping[str, Any],
    *,
    actor: Actor,
    brand: str = "",
    source: str = "",
    now: datetime | None = None,
    profile: ProfileArg = FROM_SETTINGS,
) -> tuple[Case, bool]:
    """The case for an analysed APK, opened (and its alert queued) when its verdict is not official."""
    return actions.open_apk_case(
        db, report, actor=actor, brand=brand, source=source, now=now, hooks=case_hooks(profile)
    )


def sync_from_scan(
    db: sqlite_utils.Database,
    scan_id: int,
    profile: Profile,
    *,
    reminder_days: int | Mapping[str, int] = 7,
    storm: int = 0,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> SyncResult:
    """The post-scan pipeline for a committed scan (``bot.desk.pipeline.sync_scan``); ``tz``: the team's
    zone, for the times on what it queues."""
    return sync_scan(db, scan_id, profile, reminder_days=reminder_days, storm=storm, now=now, tz=tz)
