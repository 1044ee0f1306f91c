"""The outbox with every message kind wired: queueing (``bot.outbox.queue``, the security alerts), delivery
that renders each kind (``bot.outbox.deliver`` with ``bot.desk.hooks.message_kinds``), and ``fakeapp scan``'s
after-scan step: the post-scan pipeline, then deliver (``--notify``) or print."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import Any

import sqlite_utils

from bot.alerts.security import (
    MESSAGE_KINDS_WITH_CARD,
    enqueue_case_alert,
    enqueue_case_edits,
    enqueue_reminders,
    enqueue_store_status,
    terminal_text,
)
from bot.alerts.security import brand_names as brand_names_of
from bot.cases.actions import SyncResult
from bot.core.settings import Settings
from bot.desk.hooks import message_kinds, profile_of
from bot.desk.pipeline import post_scan
from bot.outbox import deliver
from bot.outbox.deliver import (
    LEASE_SECONDS,
    MAX_BACKOFF,
    DbRunner,
    DeliveryStats,
    Routes,
    backoff,
    here,
    recover_stale,
)
from bot.outbox.queue import (
    FRONTLINE,
    SECURITY,
    STATUSES,
    counts,
    enqueue,
    max_id,
    pending,
    requeue_failed,
    rows,
)
from scanners.profile import Profile

__all__ = [
    "FRONTLINE",
    "LEASE_SECONDS",
    "MAX_BACKOFF",
    "MESSAGE_KINDS_WITH_CARD",
    "SECURITY",
    "STATUSES",
    "DbRunner",
    "DeliveryStats",
    "Routes",
    "after_scan",
    "backoff",
    "counts",
    "deliver_all",
    "deliver_pending",
    "enqueue",
    "enqueue_case_alert",
    "enqueue_case_edits",
    "enqueue_reminders",
    "enqueue_store_status",
    "max_id",
    "pending",
    "profile_of",
    "recover_stale",
    "render_for_terminal",
    "requeue_failed",
    "rows",
]

log = logging.getLogger(__name__)


async def deliver_pending(
    db: sqlite_utils.Database,
    bot: Any,
    routes: Routes,
    *,
    profile: Profile | None,
    tz: tzinfo | None = None,
    limit: int = 50,
    redact: Callable[[str], str] = lambda s: s,
    clock: Callable[[], float] = time.time,
    run: DbRunner = here,
) -> DeliveryStats:
    """Send due rows in order, each kind rendered as it is now (``profile`` gives the official links and
    the brands' display names; ``tz``, the team's zone, the cards' times). Every database step goes through
    ``run`` (the bot: its database thread, off the event loop)."""
    return await deliver.deliver_pending(
        db, bot, routes, kinds=message_kinds(profile, tz), limit=limit, redact=redact, clock=clock, run=run
    )


async def deliver_all(
    db: sqlite_utils.Database,
    bot: Any,
    routes: Routes,
    *,
    profile: Profile | None,
    tz: tzinfo | None = None,
    budget: float = 60.0,
    redact: Callable[[str], str] = lambda s: s,
) -> DeliveryStats:
    """Deliver until nothing is due or ``budget`` seconds pass (for ``fakeapp scan --notify``)."""
    return await deliver.deliver_all(
        db, bot, routes, kinds=message_kinds(profile, tz), budget=budget, redact=redact
    )


def render_for_terminal(
    row: Any,
    db: sqlite_utils.Database,
    tz: tzinfo | None = None,
    brand_names: Mapping[str, str] | None = None,
) -> str:
    """A queued message as plain text, for ``fakeapp scan`` without a token (times in ``tz``)."""
    return terminal_text(db, row, tz, brand_names)


def after_scan(
    db: sqlite_utils.Database,
    scan_id: int,
    profile: Profile,
    settings: Settings,
    *,
    notify: bool,
    echo: Callable[[str], None],
    budget: float = 60.0,
    allow_private: bool = False,
) -> SyncResult:
    """Open cases and queue alerts for a committed scan; deliver them (``--notify``) or print them (no token).

    Without a token the alerts are printed and stay in the outbox, for the bot to deliver later.
    """
    from bot.store.settings_overrides import effective_settings

    tg = effective_settings(db, settings).telegram
    before = max_id(db)
    # the admins' /settings reminder days win here too; the links' alerts are queued with the scan's
    sync = post_scan(db, scan_id, profile, settings, allow_private=allow_private, echo=echo)
    new_rows = [r for r in pending(db, since_id=before) if r["kind"] != "case_edit"]
    echo(
        f"Cases: {len(sync.opened)} opened, {len(sync.removed)} takedown(s) confirmed, "
        f"{len(sync.relisted)} relisted; {len(new_rows)} alert(s) queued."
    )
    hold = sync.hold
    if hold is not None:
        echo(
            f"HELD: hold #{hold.id}, {hold.messages} alert(s) not sent ({hold.reason_line()}). Every case is "
            f"recorded; `fakeapp outbox --release {hold.id}` sends them, `--discard {hold.id}` drops them."
        )
    if not tg.token:
        if new_rows:
            echo("No TELEGRAM_BOT_TOKEN: these alerts stay in the outbox until the bot delivers them:")
        for r in new_rows:
            echo("─" * 60)
            echo(render_for_terminal(r, db, settings.tz, brand_names_of(profile)))
        return sync
    if not notify:
        if new_rows:
            echo("The bot (fakeapp bot) will deliver them.")
        return sync
    from bot.core.redact import install_redaction

    redact = install_redaction(tg.token)
    try:
        stats = asyncio.run(_deliver_with_bot(db, settings, budget=budget, redact=redact, profile=profile))
    except Exception as exc:  # Telegram down, bad token: the alerts stay queued; say so in one line
        echo(
            f"Telegram: not delivered now ({redact(type(exc).__name__ + ': ' + str(exc))[:200]}); "
            "the alerts stay in the outbox for the bot."
        )
        return sync
    left = len(pending(db))
    echo(f"Telegram: {stats.sent} sent, {left} waiting" + (" (Telegram unreachable)" if stats.down else ""))
    return sync


async def _deliver_with_bot(
    db: sqlite_utils.Database,
    settings: Settings,
    *,
    budget: float,
    redact: Callable[[str], str],
    profile: Profile | None = None,
) -> DeliveryStats:
    """Deliver with a short-lived bot built from ``settings`` (the profile: given, or the one they name)."""
    from telegram.ext import AIORateLimiter, ExtBot

    tg = settings.telegram
    bot: ExtBot[Any] = ExtBot(
        tg.token,
        base_url=tg.api_url,
        base_file_url=tg.file_url,
        rate_limiter=AIORateLimiter(
            overall_max_rate=tg.overall_rate,
            group_max_rate=tg.group_rate,
            group_time_period=60,
            max_retries=0,
        ),
    )
    async with bot:
        return await deliver_all(
            db,
            bot,
            Routes(tg.chats()),
            profile=profile or profile_of(settings),
            tz=settings.tz,
            budget=budget,
            redact=redact,
        )
