"""Case actions with their side effects: each change queues the alerts, front-line notices and casework that
``bot.desk.hooks`` wires. Every change takes ``hooks=hooks_for(settings, profile)`` (or ``case_hooks``), with
the caller's brand profile, zone and front-line chat: the bot and the CLI pass theirs; none is read from the
environment here. Reads are passed through.

The Telegram handlers and the CLI act on cases through this module only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import ParamSpec, TypeVar

import sqlite_utils

from bot.cases import actions
from bot.cases.actions import (
    SyncResult,
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
from bot.desk.hooks import case_hooks, hooks_for
from bot.desk.pipeline import sync_scan
from scanners.profile import Profile

P = ParamSpec("P")
R = TypeVar("R")

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
    "assign",
    "case_for_listing",
    "case_hooks",
    "confirm",
    "effective_profile",
    "export_csv",
    "false_positive",
    "get_case",
    "hooks_for",
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
    "wired",
]


def wired(action: Callable[P, R]) -> Callable[P, R]:
    """``action`` (a ``bot.cases.actions`` change, which takes ``hooks``), which here must be given: a case
    change at the desk always notifies, with the caller's profile and settings (``hooks_for``), never with
    ones read from the environment. Its signature is the action's own."""

    @functools.wraps(action)
    def change(*args: P.args, **kwargs: P.kwargs) -> R:
        if "hooks" not in kwargs:
            raise TypeError(f"{action.__name__}() at the desk needs hooks=hooks_for(settings, profile)")
        return action(*args, **kwargs)

    return change


confirm = wired(actions.confirm)
false_positive = wired(actions.false_positive)
request_takedown = wired(actions.request_takedown)
reject_takedown = wired(actions.reject_takedown)
report_police = wired(actions.report_police)
resolve = wired(actions.resolve)
note = wired(actions.note)
assign = wired(actions.assign)
allow = wired(actions.allow)
open_listing_case = wired(actions.open_listing_case)
open_apk_case = wired(actions.open_apk_case)


def sync_from_scan(
    db: sqlite_utils.Database,
    scan_id: int,
    profile: Profile,
    *,
    reminder_days: int | Mapping[str, int] = 7,
    storm: int = 0,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    frontline_chat: str = "",
) -> SyncResult:
    """The post-scan pipeline for a committed scan (``bot.desk.pipeline.sync_scan``); ``tz``: the team's
    zone, for the times on what it queues; ``frontline_chat``: the front-line chat id, for the hooks."""
    return sync_scan(
        db,
        scan_id,
        profile,
        reminder_days=reminder_days,
        storm=storm,
        now=now,
        tz=tz,
        frontline_chat=frontline_chat,
    )
