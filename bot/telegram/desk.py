"""What every handler shares: the ``Desk`` (settings, database, routes, kept in ``bot_data``), and small
helpers to read an update (who, which language, which case) and to reply."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.cases.model import Actor, CaseError
from bot.core.i18n import normalize_lang
from bot.core.settings import Settings
from bot.desk.outbox import Routes, profile_of
from bot.outbox.text import split_message
from scanners.profile import Profile


@dataclass
class Desk:
    """What every handler needs; kept in ``application.bot_data['desk']`` (no module globals)."""

    settings: Settings
    db: sqlite_utils.Database
    routes: Routes
    deliver_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    deliver_again: bool = False
    scan_runner: Callable[[Settings, str], dict[str, Any]] | None = None
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    # The environment/file settings before the /settings overrides (``settings`` is the effective one).
    base_settings: Settings | None = None

    def profile(self) -> Profile | None:
        """The brand profile of this bot's settings (``--config``), read when needed; None if unreadable."""
        return profile_of(self.settings)


def desk_of(context: ContextTypes.DEFAULT_TYPE) -> Desk:
    """The desk of the running application."""
    desk: Desk = context.application.bot_data["desk"]
    return desk


def lang_of(db: sqlite_utils.Database, user_id: int | None) -> str:
    """The language a user chose with /lang (default Traditional Chinese)."""
    if user_id is None:
        return "zh"
    rows = list(db.query("SELECT lang FROM user_prefs WHERE user_id = ?", [user_id]))
    return normalize_lang(rows[0]["lang"]) if rows else "zh"


def actor_of(update: Update) -> Actor:
    """Who sent the update, as the timeline records them."""
    u = update.effective_user
    if u is None:
        return Actor("tg:?")
    return Actor(f"tg:{u.id}", f"@{u.username}" if u.username else u.full_name)


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    """Reply in the same chat, split below Telegram's limit; the keyboard goes on the last part."""
    chat = update.effective_chat
    if chat is None:
        return
    parts = split_message(text)
    markup = kwargs.pop("reply_markup", None)
    for i, part in enumerate(parts):
        await chat.send_message(
            part,
            parse_mode=ParseMode.HTML,
            disable_web_page_preview=True,
            reply_markup=markup if i == len(parts) - 1 else None,
            **kwargs,
        )


def args_of(context: ContextTypes.DEFAULT_TYPE) -> list[str]:
    """The command's arguments (none: an empty list)."""
    return list(context.args or [])


def case_number(arg: str) -> int:
    """The case number in a command argument (``12`` or ``#12``); CaseError for anything else."""
    m = re.fullmatch(r"#?(\d{1,9})", arg.strip())
    if not m:
        raise CaseError(f"not a case number: {arg[:20]!r}")
    return int(m.group(1))
