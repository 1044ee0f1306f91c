"""The bot's outbox delivery: one pass now, in the background, coalescing with a pass already running.

Below ``bot.telegram.app`` so that every handler module can ask for a delivery without importing the app.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application

from bot.core.redact import install_redaction
from bot.desk import outbox
from bot.telegram.desk import Desk

log = logging.getLogger(__name__)


def kick_delivery(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Deliver the outbox now (in the background); coalesces with a pass already running."""
    desk: Desk = application.bot_data["desk"]
    if desk.deliver_lock.locked():
        desk.deliver_again = True
        return
    task = application.create_task(deliver_now(application))
    desk.tasks.add(task)
    task.add_done_callback(desk.tasks.discard)


async def deliver_now(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Deliver the outbox until nothing is due, Telegram is down or asks us to wait (one pass at a time)."""
    desk: Desk = application.bot_data["desk"]
    redact = install_redaction(desk.settings.telegram.token)
    # Delivery's database steps run in the database thread (``desk.run``), on the delivery's own connection;
    # only the Telegram calls are awaited here, so a step waiting for another process's write lock never stops
    # the bot answering. Passes run one at a time (``deliver_lock``).
    db = desk.outbox_db or desk.db
    async with desk.deliver_lock:
        while True:
            desk.deliver_again = False
            try:
                stats = await outbox.deliver_pending(
                    db,
                    application.bot,
                    desk.routes,
                    profile=desk.profile(),
                    tz=desk.settings.tz,
                    redact=redact,
                    run=desk.run,
                )
            except TelegramError as exc:
                log.warning("outbox delivery: %s", redact(str(exc)))
                return
            if stats.down or stats.retry_after:
                return
            if not desk.deliver_again and stats.sent == 0 and stats.superseded == 0:
                return
            if not desk.deliver_again and not await desk.run(outbox.pending, db):
                return
