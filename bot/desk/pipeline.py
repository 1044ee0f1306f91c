"""The post-scan pipeline, one for the CLI and the bot.

After a committed scan: the links (the 165 list when its URL is set, then the re-checks of the open link
cases, ``bot.desk.links``); then bring the cases in line (each change notifies through the hooks), queue the
store-status alert, the takedown reminders and their drafts, then validate the scan before anything goes out
(``bot.outbox.holds.check_scan``: an alert storm, an official app judged fake or a store whose results jumped
holds the new cases' alerts), all in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo

import sqlite_utils

from bot.alerts import security
from bot.cases import actions
from bot.cases.actions import SyncResult
from bot.casework.workflow import enqueue_reminder_drafts
from bot.core.settings import Settings
from bot.desk.hooks import case_hooks
from bot.desk.links import scheduled_links
from bot.outbox import holds
from bot.store.db import transaction
from bot.store.settings_overrides import effective_settings
from scanners.profile import Profile


def sync_scan(
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
    """Open, close and update cases from scan ``scan_id`` and queue what follows a scan; what was done.

    Times on what is queued read in ``tz`` (the team's zone), brands by their display names;
    ``frontline_chat`` is the front-line chat id the hooks are given (a scan never confirms a case, so it
    never posts a first notice; it may edit a posted one, which needs no chat id). The scan is
    validated before anything goes out: more new cases than ``storm`` (0: derived from history) holds their
    alerts; the hold, if any, is on the result."""
    names = security.brand_names(profile)
    with transaction(db):
        result = actions.sync_from_scan(
            db, scan_id, profile, now=now, hooks=case_hooks(profile, tz, frontline_chat=frontline_chat)
        )
        result.store_alert = security.enqueue_store_status(db, scan_id, now=now, brand_names=names)
        result.reminders = security.enqueue_reminders(
            db, days=reminder_days, now=now, tz=tz, brand_names=names
        )
        # The draft to re-send, behind each reminder.
        enqueue_reminder_drafts(db, profile, result.reminders, now=now, tz=tz)
        result.hold = holds.check_scan(db, scan_id, result.opened, storm=storm, now=now)  # before any send
        holds.remember_officials(db, now=now)
        result.alerts_queued = int(
            next(db.query("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'"))["n"]
        )
    return result


def post_scan(
    db: sqlite_utils.Database,
    scan_id: int,
    profile: Profile,
    settings: Settings,
    *,
    allow_private: bool = False,
    echo: Callable[[str], None] = lambda _line: None,
) -> SyncResult:
    """The links' step (``scheduled_links``: its summary in ``links``; ``allow_private`` lets the list and
    the re-checks reach loopback/private addresses, for tests), then ``sync_scan`` with the reminder periods
    in force (admins' ``/settings`` beat the environment) and the alert-storm threshold
    (``FAKEAPP_ALERT_STORM``)."""
    links = scheduled_links(db, settings, profile, allow_private=allow_private, echo=echo)
    tg = effective_settings(db, settings).telegram
    result = sync_scan(
        db,
        scan_id,
        profile,
        reminder_days=tg.reminder_periods(),
        storm=settings.alert_storm,
        tz=settings.tz,
        frontline_chat=tg.frontline_chat_id,
    )
    result.links = links
    return result
