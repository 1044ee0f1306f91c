"""The post-scan pipeline, one for the CLI and the bot.

After a committed scan: bring the cases in line (each change notifies through the hooks), then queue the
store-status alert, the takedown reminders and their drafts, then validate the scan before anything goes out
(``bot.outbox.holds.check_scan``: an alert storm, an official app judged fake or a store whose results jumped
holds the new cases' alerts), all in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlite_utils

from bot.alerts import security
from bot.cases import actions
from bot.cases.actions import SyncResult
from bot.casework.workflow import enqueue_reminder_drafts
from bot.core.settings import Settings
from bot.desk.hooks import case_hooks
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
) -> SyncResult:
    """Open, close and update cases from scan ``scan_id``, queue what follows a scan and validate it (more new
    cases than ``storm``, 0: derived from history, holds their alerts); what was done, the hold if any."""
    with transaction(db):
        result = actions.sync_from_scan(db, scan_id, profile, now=now, hooks=case_hooks(profile))
        result.store_alert = security.enqueue_store_status(db, scan_id, now=now)
        result.reminders = security.enqueue_reminders(db, days=reminder_days, now=now)
        enqueue_reminder_drafts(db, profile, result.reminders, now=now)  # the draft to re-send
        result.hold = holds.check_scan(db, scan_id, result.opened, storm=storm, now=now)  # before any send
        holds.remember_officials(db, now=now)
        result.alerts_queued = int(
            next(db.query("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'"))["n"]
        )
    return result


def post_scan(db: sqlite_utils.Database, scan_id: int, profile: Profile, settings: Settings) -> SyncResult:
    """``sync_scan`` with the reminder periods in force (admins' ``/settings`` beat the environment) and the
    alert-storm threshold (``FAKEAPP_ALERT_STORM``)."""
    tg = effective_settings(db, settings).telegram
    return sync_scan(db, scan_id, profile, reminder_days=tg.reminder_periods(), storm=settings.alert_storm)
