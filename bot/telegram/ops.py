"""The bot's operations (issue 14): /pause and /resume, the release/discard buttons of a held scan, the
heartbeat it writes every minute, and the daily line and warnings in the security chat.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.alerts import watch
from bot.alerts.render import esc
from bot.core.i18n import t
from bot.outbox import holds
from bot.store import switches as sw
from bot.store.switches import switch_label
from bot.telegram import access
from bot.telegram.delivery import kick_delivery
from bot.telegram.desk import actor_of, desk_of, lang_of, reply

if TYPE_CHECKING:
    import sqlite_utils

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 60.0
WATCH_SECONDS = 600.0


@dataclass(frozen=True)
class HoldButton:
    """One button under a held scan's summary (``h:HOLD:action``, issue 14): who may press it. Pressed,
    ``bot.telegram.ops.on_hold_button`` applies ``bot.outbox.holds.decide`` with its action; its label
    (catalogue key) is the holds' ``HOLD_BUTTONS``."""

    action: str
    role: str


HOLD_BUTTONS: tuple[HoldButton, ...] = (HoldButton("release", "admin"), HoldButton("discard", "admin"))
HOLD_ROLES: Mapping[str, str] = MappingProxyType({b.action: b.role for b in HOLD_BUTTONS})


HOLD_CALLBACK = holds.CALLBACK_RE.pattern  # the hold buttons' callback data (registry: HOLD_BUTTONS below)


async def _ctx(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[Any, str, Any]:
    desk = desk_of(context)
    uid = update.effective_user.id if update.effective_user else None
    return desk, await desk.read(lang_of, uid), actor_of(update)


async def cmd_pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pause [alerts|frontline|scans|STORE]: admins stop everything, one kind of work, or one store."""
    desk, lang, actor = await _ctx(update, context)
    args = list(context.args or [])
    try:
        name, new = await desk.run(
            sw.pause, desk.db, args[0] if args else None, actor.label, " ".join(args[1:]), now=desk.clock()
        )
    except sw.SwitchError:
        await reply(update, t(lang, "pause.usage"))
        return
    log.info("paused %s by %s", name, actor.id)
    what = switch_label(lang, name)
    await reply(
        update,
        t(lang, "pause.done" if new else "pause.already", what=what, name="" if name == sw.ALL else name),
    )


async def cmd_resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/resume [alerts|frontline|scans|STORE]: resume one switch, or (no argument) all of them."""

    desk, lang, actor = await _ctx(update, context)
    args = list(context.args or [])
    try:
        names = await desk.run(sw.resume, desk.db, args[0] if args else None, actor.label, now=desk.clock())
    except sw.SwitchError:
        await reply(update, t(lang, "pause.usage"))
        return
    if not names:
        await reply(update, t(lang, "resume.none"))
        return
    sep = "、" if lang == "zh" else ", "
    await reply(update, t(lang, "resume.done", what=sep.join(switch_label(lang, n) for n in names)))
    kick_delivery(context.application)


async def on_hold_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A held scan's button (``app.HOLD_BUTTONS``): release or discard its alerts (the button's role, admins;
    access fails closed)."""

    query = update.callback_query
    if query is None:
        return
    desk = desk_of(context)
    lang = await desk.read(lang_of, query.from_user.id)
    parsed = holds.parse_callback(query.data)
    needed = HOLD_ROLES.get(parsed[1], "admin") if parsed else "admin"
    if parsed is None or not access.may(access.role_of(desk.settings.telegram, query.from_user.id), needed):
        with contextlib.suppress(TelegramError):
            await query.answer(t(lang, "hold.admins_only"), show_alert=True)
        return
    hold_id, action = parsed
    try:
        who_label = actor_of(update).label
        hold = await desk.run(holds.decide, desk.db, hold_id, action, who_label, now=desk.clock())
    except holds.HoldError:
        with contextlib.suppress(TelegramError):
            await query.answer(t(lang, "hold.closed", id=hold_id), show_alert=True)
        return
    who = esc(actor_of(update).name or actor_of(update).id)
    key = "hold.released" if action == "release" else "hold.discarded"
    text = t(lang, key, id=hold.id, who=who, n=hold.messages)
    with contextlib.suppress(TelegramError):
        await query.answer(text[:190])
    msg = query.message
    if msg is not None:
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_text(
                chat_id=msg.chat.id,
                message_id=msg.message_id,
                text=holds.summary_text(hold, "zh")
                + "\n\n"
                + t("zh", key, id=hold.id, who=who, n=hold.messages),
                parse_mode="HTML",
            )
    kick_delivery(context.application)


def settings_lines(db: sqlite_utils.Database, lang: str) -> str:
    """The switches and held alerts, for /settings."""
    return "\n".join(holds.ops_lines(db, lang, html=True))


def scan_extra(db: sqlite_utils.Database, lang: str, summary: dict[str, Any]) -> str:
    """What the bot's scan summary adds: a hold, stores not scanned, the switches."""
    lines = []
    if summary.get("hold"):
        lines.append(t(lang, "scan.extra.held", id=summary["hold"]))
    if summary.get("skipped"):
        lines.append(
            t(
                lang,
                "scan.extra.skipped",
                stores=", ".join(switch_label(lang, s) for s in summary["skipped"]),
            )
        )
    for i in summary.get("interrupted") or []:
        lines.append(t(lang, "scan.extra.interrupted", id=i))
    lines += holds.ops_lines(db, lang, html=True)
    return "\n".join(lines)


def paused_text(exc: Exception, lang: str) -> str:
    """The reply when a scan did not run because it is paused ("" for any other failure)."""
    from bot.record.watch import ScanPaused

    if not isinstance(exc, ScanPaused) or exc.gate.stopped is None:
        return ""
    s = exc.gate.stopped
    return t(lang, "scan.paused", who=esc(s.paused_by), since=esc(s.paused_at[:16]))


async def heartbeat_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every minute: the heartbeat that `fakeapp health` reads."""
    desk = desk_of(context)
    try:
        await desk.run(sw.beat, desk.db, "bot", now=desk.clock())
    except Exception as exc:  # a locked database must not stop the bot; the next beat tries again
        log.warning("heartbeat: %s: %s", type(exc).__name__, exc)


async def watch_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every ten minutes: the daily line (once a day from 09:00 Taiwan time) and the warnings when due."""

    desk = desk_of(context)
    try:
        if await desk.run(watch.watch_messages, desk.db, now=desk.clock()):
            kick_delivery(context.application)
    except Exception as exc:  # reported in the log; the next pass tries again
        log.warning("watch: %s: %s", type(exc).__name__, exc)
