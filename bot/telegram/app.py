"""The Telegram case desk: builds the python-telegram-bot Application with the access gate, the commands,
the case buttons, the outbox delivery job and the scheduled scans.

Registries: ``COMMANDS`` (a ``Command`` carries its name, role, handler and catalogue key) and ``BUTTONS`` (a
``Button`` carries a case button's role and handler; its label and when it shows are
``bot.alerts.render.CASE_BUTTONS`` and ``bot.cases.transitions``), and ``bot.telegram.ops.HOLD_BUTTONS``
(a held scan's release/discard buttons; labels in ``bot.outbox.holds.HOLD_BUTTONS``, handler
``bot.telegram.ops``). The gate reads the roles from them.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import sqlite_utils
from telegram import BotCommand, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.alerts.render import (
    case_card,
    case_keyboard,
    case_line,
    esc,
    parse_callback,
    timeline_text,
)
from bot.cases.model import Actor, CaseError
from bot.core.clock import Clock, now_iso, utc_now
from bot.core.i18n import CATALOGUE, case_error_text, label, normalize_lang, t
from bot.core.redact import install_redaction
from bot.core.settings import Settings, SettingsError
from bot.desk import cases, outbox
from bot.desk.pipeline import post_scan
from bot.outbox import holds
from bot.outbox.deliver import inline_keyboard
from bot.store import settings_overrides as overrides
from bot.store.db import open_db, transaction
from bot.telegram import access
from bot.telegram import casework as casework_tg
from bot.telegram import ops as ops_tg
from bot.telegram.delivery import deliver_now, kick_delivery
from bot.telegram.desk import (
    Desk,
    actor_of,
    args_of,
    case_number,
    desk_of,
    lang_of,
    reply,
    uid_of,
)
from bot.telegram.ops import HOLD_ROLES

log = logging.getLogger(__name__)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
APK_MAX_BYTES = 20 * 1024 * 1024  # the Bot API's getFile limit
URL_RE = re.compile(r"https?://\S+", re.IGNORECASE)


# --- the gate -----------------------------------------------------------------------------------------


def _needed_role(update: Update, known: frozenset[str] = frozenset()) -> tuple[str, str, str | None]:
    """(kind, detail, role needed or None to ignore silently). A command the bot does not have needs only
    membership: all it gets is a one-line hint."""
    if update.callback_query is not None:
        data = update.callback_query.data or ""
        parsed = parse_callback(data)
        needed = ACTION_ROLES.get(parsed[1], "admin") if parsed else "viewer"
        held = holds.parse_callback(data)  # a held scan's release/discard buttons (issue 14)
        if held is not None or data.startswith(holds.CALLBACK_PREFIX + ":"):
            needed = HOLD_ROLES.get(held[1], "admin") if held else "admin"
        return "callback", data, needed
    msg = update.effective_message
    if msg is None:
        return "other", "", "admin"
    if msg.document is not None:
        return "document", msg.document.file_name or "", access.APK_ROLE
    text = msg.text or ""
    if text.startswith("/"):
        cmd = text.split()[0][1:].split("@")[0].lower()
        if known and cmd not in known:
            return "command", text[:100], "viewer"
        return "command", text[:100], COMMAND_ROLES.get(cmd, "admin")
    if URL_RE.search(text):
        return "message", text[:100], access.APK_ROLE
    return "message", text[:40], None


def decision_of(update: Update, desk: Desk) -> access.Decision:
    """The access decision for ``update``, from configuration alone (no I/O); any error denies."""
    try:
        user = update.effective_user
        chat = update.effective_chat
        kind, detail, needed = _needed_role(update, desk.command_names)
        return access.decide(
            desk.settings.telegram,
            user.id if user else None,
            chat.id if chat else None,
            kind,
            detail,
            needed,
        )
    except Exception as exc:  # access fails closed
        log.warning("access: cannot decide (%s); denied", type(exc).__name__)
        return access.DENY


def permitted(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """The handlers' own re-check of the gate's decision: a failure in the gate can never open them."""
    try:
        return decision_of(update, desk_of(context)).allowed
    except Exception:
        return False


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group -1: every update passes here first. Access is decided before any I/O; every path that does not
    allow raises ``ApplicationHandlerStop`` (also when refusing, logging or notifying fails)."""
    decision = access.DENY
    desk: Desk | None = None
    try:
        desk = desk_of(context)
        decision = decision_of(update, desk)
        if decision.allowed:
            if decision.needed is not None:
                _record_attempt(desk, update, decision, context.application)
            return
        if decision.needed is not None:
            _record_attempt(desk, update, decision, context.application)
        await _refuse(update, context, desk, decision)
    except ApplicationHandlerStop:
        raise
    except Exception as exc:  # best effort after the decision: the update is still denied below
        log.warning("access: refusing an update failed: %s", type(exc).__name__)
    finally:
        if not decision.allowed:
            raise ApplicationHandlerStop  # deny on every path, whatever happened above


def _record_attempt(
    desk: Desk,
    update: Update,
    decision: access.Decision,
    application: Application[Any, Any, Any, Any, Any, Any],
) -> None:
    """Log the attempt and (for strangers) tell the admins: in the background, on the side connection."""
    user = update.effective_user
    chat = update.effective_chat
    uid = user.id if user else None
    cid = chat.id if chat else None
    username = (user.username or user.full_name) if user else ""
    tg = desk.settings.telegram
    clock = desk.clock
    # A stranger has no language setting: Telegram's client language decides (Chinese unless English).
    lang = "en" if user is not None and (user.language_code or "").lower().startswith("en") else "zh"

    def write(db: sqlite_utils.Database) -> None:
        at = clock()
        access.log_access(
            db,
            user_id=uid,
            username=username,
            chat_id=cid,
            kind=decision.kind,
            detail=decision.detail,
            allowed=decision.allowed,
            role=decision.role,
            now=at,
        )
        if not decision.allowed and decision.stranger:
            _notify_admins(db, tg, at, uid, username, cid, decision.kind, decision.detail)
            if uid is not None and cid == uid and decision.kind == "command" and _is_start(decision.detail):
                _queue_stranger_id(db, tg, at, uid, lang)

    notify = not decision.allowed and decision.stranger
    desk.side_write(write, after=(lambda: kick_delivery(application)) if notify else None)


async def _refuse(update: Update, context: ContextTypes.DEFAULT_TYPE, desk: Desk, d: access.Decision) -> None:
    """What a denied user sees: a stranger nothing useful; a member of the wrong rank one line."""
    if d.needed is None:
        return  # chatter from outside: silence
    query = update.callback_query
    if d.stranger:
        if query is not None:
            with contextlib.suppress(TelegramError):
                await query.answer()
        return
    lang = await desk.read(lang_of, update.effective_user.id if update.effective_user else None)
    if query is not None:
        await query.answer(t(lang, "callback.denied"), show_alert=True)
    else:
        await reply(update, t(lang, "not_allowed"))


def _is_start(detail: str) -> bool:
    return detail.split()[0].split("@")[0].lower() == "/start" if detail.strip() else False


def _queue_stranger_id(db: sqlite_utils.Database, tg: Any, at: datetime, uid: int, lang: str) -> None:
    """A stranger's /start in a private chat: one line with their own user id to give an admin, queued (and
    so delivered once) at most once per notice interval per stranger. Access stays denied."""
    slot = access.notice_slot(uid, tg.admin_notice_interval, at.timestamp())
    text = esc(t(lang, "stranger.start", uid=uid))
    outbox.enqueue(db, str(uid), text, kind="stranger_id", dedupe_key=f"start:{slot}", now=at)


def _notify_admins(
    db: sqlite_utils.Database,
    tg: Any,
    at: datetime,
    uid: int | None,
    username: str,
    cid: int | None,
    kind: str,
    detail: str,
) -> None:
    """Tell each admin, in the admin's own language, about a stranger (rate-limited per stranger)."""
    slot = access.notice_slot(uid, tg.admin_notice_interval, at.timestamp())
    for admin in sorted(tg.admins):
        text = t(
            lang_of(db, admin),
            "denied.admin_notice",
            user=esc(username or "?"),
            uid=uid,
            chat=cid,
            what=esc(f"{kind} {detail}"[:120]),
        )
        outbox.enqueue(db, str(admin), text, kind="access_notice", dedupe_key=f"{slot}:{admin}", now=at)


# --- commands -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """One bot command: its name, who may use it, its handler and its description's catalogue key."""

    name: str
    handler: Handler
    desc_key: str  # catalogue key of the description shown by setMyCommands
    role: str = "admin"  # the least role that may use it (deny by default)


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: a greeting that names the user's role."""
    desk = desk_of(context)
    uid = update.effective_user.id if update.effective_user else None
    lang = await desk.read(lang_of, uid)
    role = access.role_of(desk.settings.telegram, uid) or "viewer"
    await reply(update, t(lang, "start", role=t(lang, f"role.{role}")))


def help_text(lang: str, role: str | None, commands: Sequence[Command]) -> str:
    """Every command ``role`` may use, one line each (plain text), and what else it can send."""
    shown = [c for c in commands if access.may(role, c.role)]
    lines = [t(lang, "help.header", role=t(lang, f"role.{role or 'viewer'}"))]
    lines += [t(lang, f"help.{c.name}") if f"help.{c.name}" in CATALOGUE else f"/{c.name}" for c in shown]
    if access.may(role, access.APK_ROLE):
        lines.append(t(lang, "help.apk"))
    return "\n".join(lines)


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the commands the user's role may use, one line each."""
    desk = desk_of(context)
    uid = uid_of(update)
    lang = await desk.read(lang_of, uid)
    role = access.role_of(desk.settings.telegram, uid)
    known = [c for c in COMMANDS if not desk.command_names or c.name in desk.command_names]
    await reply(update, esc(help_text(lang, role, known)))


async def cmd_unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command this bot does not have: one line pointing at /help."""
    if not permitted(update, context):
        return
    desk = desk_of(context)
    msg = update.effective_message
    lang = await desk.read(lang_of, uid_of(update))
    word = ((msg.text or "").split() or ["/"])[0].split("@")[0][:40] if msg else "/"
    await reply(update, esc(t(lang, "unknown_command", cmd=word)))


async def cmd_cases(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cases [open|all|STATE]: the cases in that state (open by default), one line each."""
    desk = desk_of(context)
    lang = await desk.read(lang_of, uid_of(update))
    args = args_of(context)
    state = args[0].lower() if args else "open"
    found = await desk.read(cases.list_cases, state=state, limit=200)
    if not found:
        await reply(update, t(lang, "no_cases"))
        return
    shown = t(lang, f"cases.{state}") if state in ("open", "all") else label(lang, "state", state)
    lines = [f"<b>{t(lang, 'cases.header', state=esc(shown), n=len(found))}</b>"]
    lines += [case_line(c, lang) for c in found]
    await reply(update, "\n".join(lines))


async def cmd_case(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/case ID: the case card and its timeline, with the case buttons for analysts."""
    desk = desk_of(context)
    uid = update.effective_user.id if update.effective_user else None
    lang = await desk.read(lang_of, uid)
    args = args_of(context)
    if not args:
        await reply(update, t(lang, "usage", usage="/case ID"))
        return
    case = await desk.read(cases.get_case, case_number(args[0]))
    events = await desk.read(cases.timeline, case.id)
    tz = desk.settings.tz
    text = (
        case_card(case, lang, kind="case", tz=tz, brand_name=desk.brand_names().get(case.brand, ""))
        + "\n\n"
        + timeline_text(events, lang, tz=tz)
    )
    markup = None
    if access.may(access.role_of(desk.settings.telegram, uid), "analyst"):
        markup = inline_keyboard({"inline_keyboard": case_keyboard(case, lang)})
    await reply(update, text, reply_markup=markup)


def done_text(lang: str, action: str, case: cases.Case, text: str = "") -> str:
    """What a change recorded, in the user's language (HTML-escaped): not merely the case's state."""
    text = text.strip()
    why = t(lang, "done.why", why=text) if text else ""
    if action == "takedown":
        ref = t(lang, "done.takedown.ref", ref=text) if text else ""
        out = t(lang, "done.takedown", id=case.id, ref=ref, state=label(lang, "state", case.state))
    elif action == "police":
        out = t(lang, "done.police", id=case.id, agency=case.police_agency, no=case.police_no)
    elif action in ("rejected", "fp"):
        out = t(lang, f"done.{action}", id=case.id, why=why)
    elif f"done.{action}" in CATALOGUE:
        out = t(lang, f"done.{action}", id=case.id)
    else:
        out = t(lang, "done", id=case.id, state=label(lang, "state", case.state))
    return esc(out)


async def _done(
    update: Update, context: ContextTypes.DEFAULT_TYPE, case: cases.Case, action: str = "", text: str = ""
) -> None:
    desk = desk_of(context)
    lang = await desk.read(lang_of, uid_of(update))
    await reply(update, done_text(lang, action, case, text))
    kick_delivery(context.application)


def _change_command(name: str, change: Callable[..., cases.Case], usage: str) -> Handler:
    """The handler of ``/name ID [text]``: one case change with the rest of the line as its text."""

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = args_of(context)
        if not args:
            raise _Usage(usage)
        desk = desk_of(context)
        text = " ".join(args[1:])
        case = await desk.act(change, case_number(args[0]), actor_of(update), text)
        await _done(update, context, case, name, text)

    handler.__name__ = f"cmd_{name}"
    return handler


cmd_takedown = _change_command("takedown", cases.request_takedown, "/takedown ID [reference]")
cmd_rejected = _change_command("rejected", cases.reject_takedown, "/rejected ID [reason]")
cmd_resolve = _change_command("resolve", cases.resolve, "/resolve ID [note]")
cmd_fp = _change_command("fp", cases.false_positive, "/fp ID [reason]")


async def cmd_police(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/police ID REPORT_NO [agency]: record a police report on the case (agency 165 by default)."""
    args = args_of(context)
    if len(args) < 2:
        raise _Usage("/police ID REPORT_NO [agency]")
    agency = " ".join(args[2:]) or "165"
    desk = desk_of(context)
    case = await desk.act(cases.report_police, case_number(args[0]), actor_of(update), args[1], agency)
    await _done(update, context, case, "police")


async def cmd_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/note ID text: add a note to the case's timeline."""
    desk = desk_of(context)
    args = args_of(context)
    if len(args) < 2:
        raise _Usage("/note ID text")
    text = " ".join(args[1:])
    case = await desk.act(cases.note, case_number(args[0]), actor_of(update), text)
    lang = await desk.read(lang_of, uid_of(update))
    await reply(update, t(lang, "noted", id=case.id))


async def cmd_assign(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/assign ID @user: assign the case to a person."""
    desk = desk_of(context)
    args = args_of(context)
    if len(args) != 2 or not re.fullmatch(r"@?[A-Za-z0-9_]{3,32}", args[1]):
        raise _Usage("/assign ID @user")
    who = args[1] if args[1].startswith("@") or args[1].isdigit() else "@" + args[1]
    case = await desk.act(cases.assign, case_number(args[0]), actor_of(update), who)
    lang = await desk.read(lang_of, uid_of(update))
    await reply(update, t(lang, "assigned", id=case.id, who=esc(case.assignee)))
    kick_delivery(context.application)


async def cmd_allow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/allow ID [note]: allow-list the case's app for its brand and close the case as a false positive."""
    desk = desk_of(context)
    args = args_of(context)
    if not args:
        raise _Usage("/allow ID [note]")
    text = " ".join(args[1:])
    case = await desk.act(cases.allow, case_number(args[0]), actor_of(update), text)
    lang = await desk.read(lang_of, uid_of(update))
    brand = desk.brand_names().get(case.brand, case.brand)
    await reply(update, t(lang, "allowed", app=esc(case.title), brand=esc(brand), id=case.id))
    kick_delivery(context.application)


async def cmd_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats: the cases counted by state, takedown and police track, those still listed, messages pending."""
    desk = desk_of(context)
    lang = await desk.read(lang_of, uid_of(update))
    s = await desk.read(cases.stats)

    def fmt(d: Mapping[str, int], prefix: str) -> str:
        sep = ", " if lang == "en" else "、"
        return sep.join(f"{label(lang, prefix, k)} {v}" for k, v in d.items()) or "0"

    await reply(
        update,
        t(
            lang,
            "stats",
            total=s["total"],
            state=fmt(s["state"], "state"),
            takedown=fmt(s["takedown"], "takedown"),
            police=fmt(s["police"], "police"),
            listed=s["open_and_listed"],
            pending=s["outbox_pending"],
        ),
    )


async def cmd_export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export: every case as a CSV file sent to this chat."""
    desk = desk_of(context)
    lang = await desk.read(lang_of, uid_of(update))
    data = (await desk.read(cases.export_csv, desk.settings.tz)).encode("utf-8")
    n = (await desk.read(cases.stats))["total"]
    name = f"fakeapp-cases-{desk.clock():%Y%m%d-%H%M}.csv"
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(InputFile(data, filename=name), caption=t(lang, "export.caption", n=n))


async def cmd_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/lang [en|zh]: set the user's language (no argument: switch to the other one)."""
    desk = desk_of(context)
    uid = update.effective_user.id if update.effective_user else None
    args = args_of(context)
    current = await desk.read(lang_of, uid)
    lang = normalize_lang(args[0] if args else ("en" if current == "zh" else "zh"))
    await desk.run(_set_lang, desk.db, uid, lang, desk.clock())
    await reply(update, t(lang, "lang.set"))


def _set_lang(db: sqlite_utils.Database, uid: int | None, lang: str, now: datetime) -> None:
    with transaction(db):
        db.execute(
            "INSERT INTO user_prefs (user_id, lang, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT(user_id) DO UPDATE SET"
            " lang = excluded.lang, updated_at = excluded.updated_at",
            [uid, lang, now_iso(now)],
        )


async def cmd_scan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/scan: start a store scan in the background; its summary is posted to the chat when it ends."""
    desk = desk_of(context)
    lang = await desk.read(lang_of, uid_of(update))
    chat = update.effective_chat

    async def run() -> None:
        try:
            summary = await run_scan_in_thread(context.application, "bot")
        except Exception as exc:  # reported to the user; the bot keeps running
            text = (
                t(lang, "scan.busy")
                if "another scan" in str(exc)
                else ops_tg.paused_text(exc, lang) or t(lang, "scan.failed", msg=esc(str(exc)[:300]))
            )
        else:
            extra = await desk.read(ops_tg.scan_extra, lang, summary)
            text = (
                t(lang, "scan.done", **{**summary, "status": label(lang, "scan_status", summary["status"])})
                + "\n"
                + extra
            )
        if chat is not None:
            with contextlib.suppress(TelegramError):
                await chat.send_message(text, parse_mode=ParseMode.HTML)

    await reply(update, t(lang, "scan.started"))
    task = context.application.create_task(run())
    desk.tasks.add(task)
    task.add_done_callback(desk.tasks.discard)


def _settings_view(desk: Desk, lang: str, kept: Mapping[str, Any]) -> str:
    """The effective non-secret settings (never the token), overridden ones marked."""
    s = desk.settings.telegram

    def val(key: str) -> str:
        mark = t(lang, "settings.overridden") if key in kept else ""
        return f"<code>{esc(overrides.current_value(desk.settings, key))}</code>{mark}"

    stores = "\n".join(
        f"  {t(lang, f'store.{st}')}（reminder_days_{st}）：{val(f'reminder_days_{st}')}"
        if lang == "zh"
        else f"  {t(lang, f'store.{st}')} (reminder_days_{st}): {val(f'reminder_days_{st}')}"
        for st in overrides.STORES
    )
    return t(
        lang,
        "settings.view",
        cron=val("scan_cron"),
        days=val("reminder_days"),
        stores=stores,
        outbox=f"{s.outbox_interval:g}",
        admins=len(s.admins),
        analysts=len(s.analysts),
        viewers=len(s.viewers),
        chat=esc(s.chat_id or "—"),
        frontline=esc(s.frontline_chat_id or "—"),
        extra=len(s.allowed_chats),
    )


async def cmd_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Admins: show the settings, or change one (validated, kept in the database, applied at once)."""
    desk = desk_of(context)
    lang = await desk.read(lang_of, uid_of(update))
    args = args_of(context)
    if not args:
        kept = await desk.read(overrides.load_overrides)
        switches = await desk.read(ops_tg.settings_lines, lang)
        await reply(update, _settings_view(desk, lang, kept) + "\n" + switches)
        return
    try:
        key, value = overrides.parse_change(args)
    except SettingsError as exc:
        await reply(update, t(lang, "error", msg=esc(" ".join(str(exc).split()))))
        return
    base = desk.base_settings or desk.settings
    new_settings, ch = await desk.run(overrides.change, desk.db, base, key, value, actor_of(update).label)
    desk.settings = new_settings
    if key == "scan_cron" and context.application.job_queue is not None:
        schedule_scan(context.application.job_queue, new_settings.telegram.scan_cron)
    log.info("setting %s changed from %r to %r by %s", ch.key, ch.old, ch.new, actor_of(update).id)
    done = "settings.reset" if ch.reset else "settings.changed"
    await reply(update, t(lang, done, name=esc(ch.key), old=esc(ch.old), new=esc(ch.new)))


# Extension point: issue 5 adds Command("draft", ...), Command("report", ...) here.
COMMANDS: tuple[Command, ...] = (
    Command("start", cmd_start, "cmd.start", role="viewer"),
    Command("help", cmd_help, "cmd.help", role="viewer"),
    Command("cases", cmd_cases, "cmd.cases", role="viewer"),
    Command("case", cmd_case, "cmd.case", role="viewer"),
    Command("scan", cmd_scan, "cmd.scan", role="admin"),
    Command("takedown", cmd_takedown, "cmd.takedown", role="analyst"),
    Command("rejected", cmd_rejected, "cmd.rejected", role="analyst"),
    Command("police", cmd_police, "cmd.police", role="analyst"),
    Command("resolve", cmd_resolve, "cmd.resolve", role="analyst"),
    Command("fp", cmd_fp, "cmd.fp", role="analyst"),
    Command("note", cmd_note, "cmd.note", role="analyst"),
    Command("assign", cmd_assign, "cmd.assign", role="analyst"),
    Command("allow", cmd_allow, "cmd.allow", role="admin"),
    Command("stats", cmd_stats, "cmd.stats", role="viewer"),
    Command("export", cmd_export, "cmd.export", role="viewer"),
    Command("lang", cmd_lang, "cmd.lang", role="viewer"),
    Command("draft", casework_tg.cmd_draft, "cmd.draft", role="analyst"),  # issue 5
    Command("report", casework_tg.cmd_report, "cmd.report", role="viewer"),
    Command("evidence", casework_tg.cmd_evidence, "cmd.evidence", role="analyst"),
    Command("settings", cmd_settings, "cmd.settings", role="admin"),
    Command("pause", ops_tg.cmd_pause, "cmd.pause", role="admin"),  # issue 14: kill switches
    Command("resume", ops_tg.cmd_resume, "cmd.resume", role="admin"),
)
COMMAND_ROLES: Mapping[str, str] = MappingProxyType({c.name: c.role for c in COMMANDS})


class _Usage(Exception):
    """Wrong arguments for a command: reply with its usage line."""


def guarded(fn: Handler) -> Handler:
    """Turn user mistakes (bad arguments, refused transitions) into one reply line, never a traceback."""

    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not permitted(update, context):
            return  # the gate denied (or failed): never run, whatever the gate's fate
        desk = desk_of(context)
        lang = await desk.read(lang_of, update.effective_user.id if update.effective_user else None)
        try:
            await fn(update, context)
        except _Usage as exc:
            await reply(update, t(lang, "usage", usage=esc(str(exc))))
        except CaseError as exc:
            await reply(update, t(lang, "error", msg=esc(case_error_text(lang, exc))))

    wrapper.__name__ = getattr(fn, "__name__", "handler")
    return wrapper


# --- buttons ------------------------------------------------------------------------------------------

CallbackAction = Callable[[Desk, int, Actor, datetime], cases.Case]


def _acts(change: Callable[..., cases.Case]) -> CallbackAction:
    """A button's handler: the case action, in the database thread, with the bot's hooks (its profile)."""
    return lambda desk, cid, who, now: change(desk.db, cid, who, now=now, hooks=desk.hooks())


@dataclass(frozen=True)
class Button:
    """One case button's action: who may press it, and its handler, or the command to use when it needs text.

    Its label (catalogue key) and when it shows are the alerts' ``CASE_BUTTONS`` and the transition table.
    """

    action: str
    role: str
    handler: CallbackAction | None = None
    usage: str = ""  # pressed, it answers with this usage hint instead (the action needs text)


BUTTONS: tuple[Button, ...] = (
    Button("confirm", "analyst", _acts(cases.confirm)),
    Button("fp", "analyst", _acts(cases.false_positive)),
    Button("takedown", "analyst", _acts(cases.request_takedown)),
    Button("police", "analyst", usage="/police {id} REPORT_NO [agency]"),
    Button("resolve", "analyst", _acts(cases.resolve)),
    Button("evidence", "analyst", casework_tg.evidence_button),  # issue 5: 證據包
    Button("case", "viewer"),  # reserved for the case list; no handler yet (answered as invalid)
)
CALLBACK_ACTIONS: Mapping[str, CallbackAction] = MappingProxyType(
    {b.action: b.handler for b in BUTTONS if b.handler is not None}
)
CALLBACK_NEEDS_TEXT: Mapping[str, str] = MappingProxyType({b.action: b.usage for b in BUTTONS if b.usage})
ACTION_ROLES: Mapping[str, str] = MappingProxyType({b.action: b.role for b in BUTTONS})


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every button press: validated (ids only, by regex), applied, answered, and the card edited."""
    query = update.callback_query
    if query is None or not permitted(update, context):
        return
    desk = desk_of(context)
    lang = await desk.read(lang_of, query.from_user.id)
    parsed = parse_callback(query.data)
    if parsed is None or (parsed[1] not in CALLBACK_ACTIONS and parsed[1] not in CALLBACK_NEEDS_TEXT):
        await query.answer(t(lang, "callback.invalid"), show_alert=True)
        return
    case_id, action = parsed
    if action in CALLBACK_NEEDS_TEXT:
        await query.answer(
            t(lang, "callback.need_text", usage=CALLBACK_NEEDS_TEXT[action].format(id=case_id)),
            show_alert=True,
        )
        return
    try:
        case = await desk.run(CALLBACK_ACTIONS[action], desk, case_id, actor_of(update), desk.clock())
    except CaseError as exc:
        await query.answer(t(lang, "error", msg=case_error_text(lang, exc))[:190], show_alert=True)
        return
    except Exception:
        # Always answer (the presser's client spins otherwise); the error handler logs the rest.
        with contextlib.suppress(TelegramError):
            await query.answer(t(lang, "error", msg=t(lang, "error.internal")), show_alert=True)
        raise
    await query.answer(html.unescape(done_text(lang, action, case))[:190])
    # The pressed message is edited at once when it is not the case's alert (the outbox edits that one).
    msg = query.message
    if msg is not None and not await desk.read(_is_alert_message, case.id, msg.chat.id, msg.message_id):
        with contextlib.suppress(BadRequest):
            await context.bot.edit_message_text(
                chat_id=msg.chat.id,
                message_id=msg.message_id,
                text=case_card(
                    case,
                    lang,
                    kind="case",
                    tz=desk.settings.tz,
                    brand_name=desk.brand_names().get(case.brand, ""),
                ),
                parse_mode=ParseMode.HTML,
                disable_web_page_preview=True,
                reply_markup=inline_keyboard({"inline_keyboard": case_keyboard(case, lang)}),
            )
    kick_delivery(context.application)


def _is_alert_message(db: sqlite_utils.Database, case_id: int, chat_id: int, message_id: int) -> bool:
    return bool(
        list(
            db.query(
                "SELECT 1 FROM case_messages WHERE case_id = ? AND chat_id = ? AND message_id = ?",
                [case_id, str(chat_id), message_id],
            )
        )
    )


# --- APK files and links ------------------------------------------------------------------------------


def apk_available() -> bool:
    """Whether this installation has the APK analysis (``bot/record/apk_store.py``)."""
    return (Path(__file__).resolve().parent.parent / "record" / "apk_store.py").exists()


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file sent to the bot: analysed as an APK, unless it is too big."""
    desk = desk_of(context)
    msg = update.effective_message
    if msg is None or msg.document is None:
        return
    lang = await desk.read(lang_of, uid_of(update))
    if not apk_available():
        await reply(update, t(lang, "apk.unavailable"))
        return
    if (msg.document.file_size or 0) > APK_MAX_BYTES:
        await reply(update, t(lang, "apk.too_big", mb=APK_MAX_BYTES // (1024 * 1024)))
        return
    document = msg.document

    async def job() -> None:
        tg_file = await document.get_file()
        data = bytes(await tg_file.download_as_bytearray())
        await _analyse(update, context, data, document.file_name or "upload.apk", lang)

    await _start_analysis(update, context, lang, job)


async def on_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A message with a link: an APK link is analysed, any other link traced to what it distributes."""
    desk = desk_of(context)
    msg = update.effective_message
    m = URL_RE.search(msg.text or "") if msg else None
    if m is None:
        return
    lang = await desk.read(lang_of, uid_of(update))
    if not is_apk_link(m.group(0)):  # any other link: traced to what it distributes
        from bot.telegram.links import trace_job

        url = m.group(0)
        await _start_analysis(
            update, context, lang, lambda: trace_job(update, context, url, lang), ack_key="link.tracing"
        )
        return
    if not apk_available():
        await reply(update, t(lang, "apk.unavailable"))
        return
    link = m.group(0)
    await _start_analysis(update, context, lang, lambda: _analyse(update, context, None, link, lang))


async def _start_analysis(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    lang: str,
    job: Callable[[], Coroutine[Any, Any, None]],
    *,
    ack_key: str = "apk.analysing",
) -> None:
    """Run one APK/link analysis in the background, on the analysis pool; refuse politely when it is full.

    The bot keeps answering meanwhile, and analyses never take the worker threads scans and reports use.
    """
    desk = desk_of(context)
    if desk.apk_inflight >= desk.apk_limit:
        await reply(update, t(lang, "apk.busy"))
        return
    desk.apk_inflight += 1

    async def run() -> None:
        try:
            await job()
        except Exception as exc:  # e.g. the file download failed: one line back, the bot keeps running
            log.warning("APK analysis failed: %s", type(exc).__name__)
            with contextlib.suppress(TelegramError):
                await reply(update, t(lang, "apk.failed", msg=esc(type(exc).__name__)))
        finally:
            desk.apk_inflight -= 1

    try:
        await reply(update, t(lang, ack_key))
    finally:
        task = context.application.create_task(run())
        desk.tasks.add(task)
        task.add_done_callback(desk.tasks.discard)


def is_apk_link(url: str) -> bool:
    """A link straight to an Android package (analysed as before); any other link is traced."""
    from urllib.parse import urlsplit

    return urlsplit(url).path.lower().endswith((".apk", ".xapk", ".apks"))


async def _analyse(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: bytes | None, source: str, lang: str
) -> None:
    desk = desk_of(context)
    actor = actor_of(update)
    settings = desk.settings

    def work() -> tuple[str, str, int | None, bool]:
        import tempfile

        from bot.record import apk_store
        from scanners.profile import load_profile

        db = open_db(settings.db_path)
        try:
            profile = load_profile(settings.config_path)
            with tempfile.TemporaryDirectory() as tmp:
                src: Any = source
                if data is not None:
                    path = Path(tmp) / (re.sub(r"[^A-Za-z0-9._-]", "_", source)[-80:] or "upload.apk")
                    path.write_bytes(data)
                    src = path
                name = source if data is not None else None
                report, _first = apk_store.analyse_and_store(db, src, profile, display_name=name)
            d = report.to_dict()
            verdict = str(report.verdict)
            sha = str(d.get("sha256") or "")
            if verdict in cases.APK_OK_VERDICTS:
                return verdict, sha, None, False
            case, opened = cases.open_apk_case(
                db,
                d,
                actor=actor,
                source=source if data is None else "",
                hooks=cases.hooks_for(settings, profile),
            )
            return verdict, sha, case.id, opened
        finally:
            db.close()

    try:
        loop = asyncio.get_running_loop()
        verdict, sha, case_id, opened = await loop.run_in_executor(desk.apk_pool, work)
    except Exception as exc:  # analysis errors are the file's fault or the network's; report, keep running
        log.warning("APK analysis failed: %s", type(exc).__name__)
        await reply(update, t(lang, "apk.failed", msg=esc(str(exc)[:300])))
        return
    shown = label(lang, "verdict", verdict)
    text = t(lang, "apk.result", verdict=esc(shown), sha=esc(sha[:16]) + "…")
    if case_id is not None:
        text += "\n" + t(lang, "apk.case" if opened else "apk.existing", id=case_id)
    await reply(update, text)
    kick_delivery(context.application)


# --- delivery and scheduled jobs ----------------------------------------------------------------------


async def outbox_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The repeating job that delivers the outbox."""
    await deliver_now(context.application)


async def reminder_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The hourly job that queues the reminders now due, then each takedown reminder's re-send draft."""
    desk = desk_of(context)
    days = desk.settings.telegram.reminder_periods()
    queued = await desk.run(
        outbox.enqueue_reminders,
        desk.db,
        days=days,
        now=desk.clock(),
        tz=desk.settings.tz,
        brand_names=desk.brand_names(),
    )
    if queued:
        await desk.run(casework_tg.reminder_drafts, desk)  # issue 5: each reminder's draft, ready to re-send
        kick_delivery(context.application)


async def scan_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The scheduled scan; a failure is logged and never stops the bot."""
    try:
        await run_scan_in_thread(context.application, "cron")
    except Exception as exc:  # logged; a failed scheduled scan must not stop the bot
        log.error("scheduled scan failed: %s", exc)


async def run_scan_in_thread(
    application: Application[Any, Any, Any, Any, Any, Any], trigger: str
) -> dict[str, Any]:
    """Run one scan in a worker thread, then start delivering what it queued; returns its summary."""
    desk: Desk = application.bot_data["desk"]
    if desk.scan_runner is not None:
        summary = await asyncio.to_thread(desk.scan_runner, desk.settings, trigger)
    else:
        summary = await asyncio.to_thread(
            default_scan_runner, desk.settings, trigger, allow_private=desk.allow_private_urls
        )
    kick_delivery(application)
    return summary


def default_scan_runner(settings: Settings, trigger: str, *, allow_private: bool = False) -> dict[str, Any]:
    """Run one scan with its own database connection (in a worker thread), under the cross-process lock;
    then the links: the 165 list when FAKEAPP_FEED_165_URL is set, and the re-checks of open link cases."""
    from bot.record.scan import make_adapters, run_scan
    from bot.record.watch import ScanPaused, mark_interrupted, ping, scan_gate
    from bot.store.locks import scan_lock
    from scanners.profile import load_profile

    with scan_lock(settings.db_path):
        db = open_db(settings.db_path)
        try:
            gate = scan_gate(db, make_adapters(settings))  # the kill switches
            if not gate.adapters:
                raise ScanPaused(gate)
            interrupted = mark_interrupted(db)
            profile = cases.effective_profile(db, load_profile(settings.config_path))
            result = run_scan(db, profile, settings, gate.adapters, trigger=trigger)
            sync = post_scan(db, result.scan_id, profile, settings, allow_private=allow_private)  # validated
            if result.status == "ok" and settings.heartbeat_url:
                ping(db, settings.heartbeat_url)
        finally:
            db.close()
    return {
        "scan": result.scan_id,
        "status": result.status,
        "opened": len(sync.opened),
        "removed": len(sync.removed),
        "relisted": len(sync.relisted),
        "links": sync.links,
        "hold": sync.hold.id if sync.hold is not None else None,
        "skipped": gate.skipped,
        "interrupted": interrupted,
    }


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log an error raised while handling an update, with the bot token redacted."""
    desk = context.application.bot_data.get("desk")
    token = desk.settings.telegram.token if desk else ""
    redact = install_redaction(token)
    err = context.error
    log.error("error while handling an update: %s: %s", type(err).__name__, redact(str(err)))


async def set_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Publish the command list and descriptions to Telegram, in Chinese (default) and English."""
    for lang, code in (("zh", None), ("en", "en")):
        cmds = [BotCommand(c.name, t(lang, c.desc_key)[:256]) for c in COMMANDS]
        await application.bot.set_my_commands(cmds, language_code=code)


class PerChatUpdates(BaseUpdateProcessor):
    """Updates from one chat are handled in order; different chats at once, so one command waiting for the
    database (another process's write lock) never keeps the rest of the team waiting."""

    def __init__(self, max_concurrent_updates: int = 32) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[object, list[Any]] = {}  # key -> [lock, users]

    async def do_process_update(self, update: object, coroutine: Any) -> None:
        key: object = None
        if isinstance(update, Update):
            chat, user = update.effective_chat, update.effective_user
            key = chat.id if chat else (user.id if user else None)
        entry = self._locks.setdefault(key, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                await coroutine
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


# --- building -----------------------------------------------------------------------------------------


def build_application(
    settings: Settings,
    *,
    db: sqlite_utils.Database | None = None,
    scan_runner: Callable[[Settings, str], dict[str, Any]] | None = None,
    commands: Sequence[Command] = COMMANDS,
    clock: Clock = utc_now,
    allow_private_urls: bool = False,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, ready for ``run_polling``: gate, commands, buttons, outbox and scan jobs.

    ``clock`` is "now" for everything the bot records (tests pass a fixed one).
    """
    install_redaction(settings.telegram.token)
    database = db or open_db(settings.db_path)
    outbox.recover_stale(database)
    # The admins' /settings overrides, kept in the database, win over the environment and the settings file.
    base_settings, settings = settings, overrides.effective_settings(database, settings)
    tg = settings.telegram

    async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await set_commands(application)

    async def post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        desk: Desk = application.bot_data["desk"]
        for pool in (desk.io, desk.side, desk.reads, desk.apk_pool):
            pool.shutdown(wait=False)  # queued writes still finish before the process exits

    app = (
        Application.builder()
        .token(tg.token)
        .base_url(tg.api_url)
        .base_file_url(tg.file_url)
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=tg.overall_rate,
                group_max_rate=tg.group_rate,
                group_time_period=60,
                max_retries=0,
            )
        )
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .concurrent_updates(PerChatUpdates())
        .build()
    )
    app.bot_data["desk"] = Desk(
        settings=settings,
        db=database,
        routes=outbox.Routes(tg.chats()),
        scan_runner=scan_runner,
        base_settings=base_settings,
        command_names=frozenset(c.name for c in commands),
        clock=clock,
        outbox_db=open_db(settings.db_path, migrate=False),
        allow_private_urls=allow_private_urls,
    )
    app.add_handler(TypeHandler(Update, gate), group=-1)
    for c in commands:
        app.add_handler(CommandHandler(c.name, guarded(c.handler)))
    app.add_handler(CallbackQueryHandler(ops_tg.on_hold_button, pattern=ops_tg.HOLD_CALLBACK))
    app.add_handler(MessageHandler(filters.COMMAND, guarded(cmd_unknown)))  # after every real command
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.Document.ALL, guarded(on_document)))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.Regex(URL_RE), guarded(on_link)))
    app.add_error_handler(on_error)
    jq = app.job_queue
    assert jq is not None, "python-telegram-bot[job-queue] is required"
    jq.run_repeating(
        outbox_job,
        interval=tg.outbox_interval,
        first=0.5,
        name="outbox",
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
    jq.run_repeating(
        reminder_job,
        interval=3600,
        first=60,
        name="reminders",
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
    jq.run_repeating(
        ops_tg.heartbeat_job,
        interval=ops_tg.HEARTBEAT_SECONDS,
        first=0.2,
        name="heartbeat",
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
    jq.run_repeating(
        ops_tg.watch_job,
        interval=ops_tg.WATCH_SECONDS,
        first=ops_tg.WATCH_SECONDS,
        name="watch",
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
    schedule_scan(jq, tg.scan_cron)
    return app


def schedule_scan(jq: Any, cron: str) -> None:
    """(Re)schedule the ``scan`` job on ``cron``; an empty cron removes it (never two scans at once)."""
    for job in jq.get_jobs_by_name("scan"):
        job.schedule_removal()
    if not cron:
        return
    from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

    jq.run_custom(
        scan_job,
        name="scan",
        job_kwargs={
            "trigger": CronTrigger.from_crontab(cron),
            "max_instances": 1,
            "coalesce": True,
        },
    )


# Every public name (so ruff holds each to its docstring): the registries, the handlers and the bot's jobs.
__all__ = [
    "ACTION_ROLES",
    "BUTTONS",
    "CALLBACK_ACTIONS",
    "CALLBACK_NEEDS_TEXT",
    "COMMANDS",
    "COMMAND_ROLES",
    "Button",
    "Command",
    "PerChatUpdates",
    "apk_available",
    "build_application",
    "cmd_allow",
    "cmd_assign",
    "cmd_case",
    "cmd_cases",
    "cmd_export",
    "cmd_help",
    "cmd_lang",
    "cmd_note",
    "cmd_police",
    "cmd_scan",
    "cmd_settings",
    "cmd_start",
    "cmd_stats",
    "cmd_unknown",
    "decision_of",
    "default_scan_runner",
    "done_text",
    "gate",
    "guarded",
    "help_text",
    "html",
    "is_apk_link",
    "on_button",
    "on_document",
    "on_error",
    "on_link",
    "outbox_job",
    "permitted",
    "reminder_job",
    "run_scan_in_thread",
    "scan_job",
    "schedule_scan",
    "set_commands",
]
