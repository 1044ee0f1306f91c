"""The Telegram case desk: builds the python-telegram-bot Application with the access gate, the commands,
the case buttons, the outbox delivery job and the scheduled scans.

Extension points: ``COMMANDS`` (add a ``Command`` for /draft, /report ...), ``CALLBACK_ACTIONS`` (add the
handler of a new case button; the button itself goes in ``bot.render.CASE_BUTTONS``).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import sqlite_utils
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
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
    split_message,
    timeline_text,
)
from bot.cases import actions as cases
from bot.cases.actions import Actor, CaseError
from bot.core.i18n import normalize_lang, t
from bot.core.settings import Settings, SettingsError
from bot.outbox import queue as outbox
from bot.store import settings_overrides as overrides
from bot.store.db import open_db
from bot.telegram import access
from bot.telegram import casework as casework_tg
from bot.telegram import ops as ops_tg
from bot.telegram.redact import install_redaction

log = logging.getLogger(__name__)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
APK_MAX_BYTES = 20 * 1024 * 1024  # the Bot API's getFile limit
URL_RE = re.compile(r"https?://\S+", re.IGNORECASE)


@dataclass
class Desk:
    """What every handler needs; kept in ``application.bot_data['desk']`` (no module globals)."""

    settings: Settings
    db: sqlite_utils.Database
    routes: outbox.Routes
    deliver_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    deliver_again: bool = False
    scan_runner: Callable[[Settings, str], dict[str, Any]] | None = None
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    # The environment/file settings before the /settings overrides (``settings`` is the effective one).
    base_settings: Settings | None = None


def desk_of(context: ContextTypes.DEFAULT_TYPE) -> Desk:
    desk: Desk = context.application.bot_data["desk"]
    return desk


def lang_of(db: sqlite_utils.Database, user_id: int | None) -> str:
    if user_id is None:
        return "zh"
    rows = list(db.query("SELECT lang FROM user_prefs WHERE user_id = ?", [user_id]))
    return normalize_lang(rows[0]["lang"]) if rows else "zh"


def actor_of(update: Update) -> Actor:
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


def _args(context: ContextTypes.DEFAULT_TYPE) -> list[str]:
    return list(context.args or [])


def _case_id(arg: str) -> int:
    m = re.fullmatch(r"#?(\d{1,9})", arg.strip())
    if not m:
        raise CaseError(f"not a case number: {arg[:20]!r}")
    return int(m.group(1))


# --- the gate -----------------------------------------------------------------------------------------


def _needed_role(update: Update) -> tuple[str, str, str | None]:
    """(kind, detail, role needed or None to ignore silently)."""
    if update.callback_query is not None:
        data = update.callback_query.data or ""
        parsed = parse_callback(data)
        needed = access.ACTION_ROLES.get(parsed[1], "admin") if parsed else "viewer"
        if data.startswith("h:"):
            needed = "admin"  # a held scan's release/discard buttons (issue 14)
        return "callback", data, needed
    msg = update.effective_message
    if msg is None:
        return "other", "", "admin"
    if msg.document is not None:
        return "document", msg.document.file_name or "", access.APK_ROLE
    text = msg.text or ""
    if text.startswith("/"):
        cmd = text.split()[0][1:].split("@")[0].lower()
        return "command", text[:100], access.COMMAND_ROLES.get(cmd, "admin")
    if URL_RE.search(text):
        return "message", text[:100], access.APK_ROLE
    return "message", text[:40], None


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group -1: every update passes here first. Unauthorized ones stop here, logged; admins are told."""
    desk = desk_of(context)
    tg = desk.settings.telegram
    user = update.effective_user
    chat = update.effective_chat
    uid = user.id if user else None
    cid = chat.id if chat else None
    kind, detail, needed = _needed_role(update)
    role = access.role_of(tg, uid)
    in_chat = access.chat_allowed(tg, cid, uid)
    if needed is None:
        if not (role and in_chat):
            raise ApplicationHandlerStop
        return  # chatter from a member: nothing to do, nothing to log
    allowed = in_chat and access.may(role, needed)
    username = (user.username or user.full_name) if user else ""
    access.log_access(
        desk.db,
        user_id=uid,
        username=username,
        chat_id=cid,
        kind=kind,
        detail=detail,
        allowed=allowed,
        role=role,
    )
    if allowed:
        return
    query = update.callback_query
    if role is None or not in_chat:
        # A stranger (or a stranger's chat): nothing useful back. Admins hear about it, rate-limited.
        if query is not None:
            with contextlib.suppress(TelegramError):
                await query.answer()
        _notify_admins(desk, uid, username, cid, kind, detail)
        kick_delivery(context.application)
    else:
        lang = lang_of(desk.db, uid)
        if query is not None:
            with contextlib.suppress(TelegramError):
                await query.answer(t(lang, "callback.denied"), show_alert=True)
        else:
            await reply(update, t(lang, "not_allowed"))
    raise ApplicationHandlerStop


def _notify_admins(
    desk: Desk, uid: int | None, username: str, cid: int | None, kind: str, detail: str
) -> None:
    tg = desk.settings.telegram
    slot = access.notice_slot(uid, tg.admin_notice_interval)
    text = t(
        "zh",
        "denied.admin_notice",
        user=esc(username or "?"),
        uid=uid,
        chat=cid,
        what=esc(f"{kind} {detail}"[:120]),
    )
    for admin in sorted(tg.admins):
        outbox.enqueue(desk.db, str(admin), text, kind="access_notice", dedupe_key=f"{slot}:{admin}")


# --- commands -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    desc_key: str  # i18n key of the description shown by setMyCommands


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = desk_of(context)
    uid = update.effective_user.id if update.effective_user else None
    lang = lang_of(desk.db, uid)
    role = access.role_of(desk.settings.telegram, uid) or "viewer"
    await reply(update, t(lang, "start", role=t(lang, f"role.{role}")))


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = desk_of(context)
    lang = lang_of(desk.db, update.effective_user.id if update.effective_user else None)
    await reply(update, esc(t(lang, "help")))


async def cmd_cases(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = desk_of(context)
    lang = lang_of(desk.db, update.effective_user.id if update.effective_user else None)
    args = _args(context)
    state = args[0].lower() if args else "open"
    found = cases.list_cases(desk.db, state=state, limit=200)
    if not found:
        await reply(update, t(lang, "no_cases"))
        return
    lines = [f"<b>{t(lang, 'cases.header', state=esc(state), n=len(found))}</b>"]
    lines += [case_line(c, lang) for c in found]
    await reply(update, "\n".join(lines))


async def cmd_case(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = desk_of(context)
    uid = update.effective_user.id if update.effective_user else None
    lang = lang_of(desk.db, uid)
    args = _args(context)
    if not args:
        await reply(update, t(lang, "usage", usage="/case ID"))
        return
    case = cases.get_case(desk.db, _case_id(args[0]))
    text = case_card(case, lang, kind="case") + "\n\n" + timeline_text(cases.timeline(desk.db, case.id), lang)
    markup = None
    if access.may(access.role_of(desk.settings.telegram, uid), "analyst"):
        rows = case_keyboard(case, lang)
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in r] for r in rows]
        )
    await reply(update, text, reply_markup=markup)


async def _done(update: Update, context: ContextTypes.DEFAULT_TYPE, case: cases.Case) -> None:
    desk = desk_of(context)
    lang = lang_of(desk.db, update.effective_user.id if update.effective_user else None)
    await reply(update, t(lang, "done", id=case.id, state=t(lang, f"state.{case.state}")))
    kick_delivery(context.application)


def _change_command(name: str, change: Callable[..., cases.Case], usage: str) -> Handler:
    """The handler of ``/name ID [text]``: one case change with the rest of the line as its text."""

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = _args(context)
        if not args:
            raise _Usage(usage)
        case = change(desk_of(context).db, _case_id(args[0]), actor_of(update), " ".join(args[1:]))
        await _done(update, context, case)

    handler.__name__ = f"cmd_{name}"
    return handler


cmd_takedown = _change_command("takedown", cases.request_takedown, "/takedown ID [reference]")
cmd_rejected = _change_command("rejected", cases.reject_takedown, "/rejected ID [reason]")
cmd_resolve = _change_command("resolve", cases.resolve, "/resolve ID [note]")
cmd_fp = _change_command("fp", cases.false_positive, "/fp ID [reason]")


async def cmd_police(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    args = _args(context)
    if len(args) < 2:
        raise _Usage("/police ID REPORT_NO [agency]")
    agency = " ".join(args[2:]) or "165"
    case = cases.report_police(desk_of(context).db, _case_id(args[0]), actor_of(update), args[1], agency)
    await _done(update, context, case)


async def cmd_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = desk_of(context)
    args = _args(context)
    if len(args) < 2:
        raise _Usage("/note ID text")
    case = cases.note(desk.db, _case_id(args[0]), actor_of(update), " ".join(args[1:]))
    lang = lang_of(desk.db, update.effective_user.id if update.effective_user else None)
    await reply(update, t(lang, "noted", id=case.id))


async def cmd_assign(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = desk_of(context)
    args = _args(context)
    if len(args) != 2 or not re.fullmatch(r"@?[A-Za-z0-9_]{3,32}", args[1]):
        raise _Usage("/assign ID @user")
    who = args[1] if args[1].startswith("@") or args[1].isdigit() else "@" + args[1]
    case = cases.assign(desk.db, _case_id(args[0]), actor_of(update), who)
    lang = lang_of(desk.db, update.effective_user.id if update.effective_user else None)
    await reply(update, t(lang, "assigned", id=case.id, who=esc(case.assignee)))
    kick_delivery(context.application)


async def cmd_allow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = desk_of(context)
    args = _args(context)
    if not args:
        raise _Usage("/allow ID [note]")
    case = cases.allow(desk.db, _case_id(args[0]), actor_of(update), " ".join(args[1:]))
    lang = lang_of(desk.db, update.effective_user.id if update.effective_user else None)
    await reply(update, t(lang, "allowed", app=esc(case.title), brand=esc(case.brand), id=case.id))
    kick_delivery(context.application)


async def cmd_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = desk_of(context)
    lang = lang_of(desk.db, update.effective_user.id if update.effective_user else None)
    s = cases.stats(desk.db)

    def fmt(d: Mapping[str, int], prefix: str) -> str:
        return "、".join(f"{t(lang, f'{prefix}.{k}')} {v}" for k, v in d.items()) or "0"

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
    desk = desk_of(context)
    lang = lang_of(desk.db, update.effective_user.id if update.effective_user else None)
    data = cases.export_csv(desk.db).encode("utf-8")
    n = cases.stats(desk.db)["total"]
    name = f"fakeapp-cases-{datetime.now(UTC):%Y%m%d-%H%M}.csv"
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(InputFile(data, filename=name), caption=t(lang, "export.caption", n=n))


async def cmd_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = desk_of(context)
    uid = update.effective_user.id if update.effective_user else None
    args = _args(context)
    lang = normalize_lang(args[0] if args else ("en" if lang_of(desk.db, uid) == "zh" else "zh"))
    with cases.transaction(desk.db):
        desk.db.execute(
            "INSERT INTO user_prefs (user_id, lang, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT(user_id) DO UPDATE SET"
            " lang = excluded.lang, updated_at = excluded.updated_at",
            [uid, lang, cases.now_iso()],
        )
    await reply(update, t(lang, "lang.set"))


async def cmd_scan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = desk_of(context)
    lang = lang_of(desk.db, update.effective_user.id if update.effective_user else None)
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
            text = t(lang, "scan.done", **summary) + "\n" + ops_tg.scan_extra(desk.db, lang, summary)
        if chat is not None:
            with contextlib.suppress(TelegramError):
                await chat.send_message(text, parse_mode=ParseMode.HTML)

    await reply(update, t(lang, "scan.started"))
    task = context.application.create_task(run())
    desk.tasks.add(task)
    task.add_done_callback(desk.tasks.discard)


def _settings_view(desk: Desk, lang: str) -> str:
    """The effective non-secret settings (never the token), overridden ones marked."""
    s = desk.settings.telegram
    kept = overrides.load_overrides(desk.db)

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
    lang = lang_of(desk.db, update.effective_user.id if update.effective_user else None)
    args = _args(context)
    if not args:
        await reply(update, _settings_view(desk, lang) + "\n" + ops_tg.settings_lines(desk.db, lang))
        return
    try:
        key, value = overrides.parse_change(args)
    except SettingsError as exc:
        await reply(update, t(lang, "error", msg=esc(" ".join(str(exc).split()))))
        return
    base = desk.base_settings or desk.settings
    new_settings, ch = overrides.change(desk.db, base, key, value, actor_of(update).label)
    desk.settings = new_settings
    if key == "scan_cron" and context.application.job_queue is not None:
        schedule_scan(context.application.job_queue, new_settings.telegram.scan_cron)
    log.info("setting %s changed from %r to %r by %s", ch.key, ch.old, ch.new, actor_of(update).id)
    done = "settings.reset" if ch.reset else "settings.changed"
    await reply(update, t(lang, done, name=esc(ch.key), old=esc(ch.old), new=esc(ch.new)))


# Extension point: issue 5 adds Command("draft", ...), Command("report", ...) here.
COMMANDS: tuple[Command, ...] = (
    Command("start", cmd_start, "cmd.start"),
    Command("help", cmd_help, "cmd.help"),
    Command("cases", cmd_cases, "cmd.cases"),
    Command("case", cmd_case, "cmd.case"),
    Command("scan", cmd_scan, "cmd.scan"),
    Command("takedown", cmd_takedown, "cmd.takedown"),
    Command("rejected", cmd_rejected, "cmd.rejected"),
    Command("police", cmd_police, "cmd.police"),
    Command("resolve", cmd_resolve, "cmd.resolve"),
    Command("fp", cmd_fp, "cmd.fp"),
    Command("note", cmd_note, "cmd.note"),
    Command("assign", cmd_assign, "cmd.assign"),
    Command("allow", cmd_allow, "cmd.allow"),
    Command("stats", cmd_stats, "cmd.stats"),
    Command("export", cmd_export, "cmd.export"),
    Command("lang", cmd_lang, "cmd.lang"),
    Command("draft", casework_tg.cmd_draft, "cmd.draft"),  # issue 5
    Command("report", casework_tg.cmd_report, "cmd.report"),
    Command("evidence", casework_tg.cmd_evidence, "cmd.evidence"),
    Command("settings", cmd_settings, "cmd.settings"),
    Command("pause", ops_tg.cmd_pause, "cmd.pause"),  # issue 14: kill switches
    Command("resume", ops_tg.cmd_resume, "cmd.resume"),
)


class _Usage(Exception):
    """Wrong arguments for a command: reply with its usage line."""


def guarded(fn: Handler) -> Handler:
    """Turn user mistakes (bad arguments, refused transitions) into one reply line, never a traceback."""

    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        desk = desk_of(context)
        lang = lang_of(desk.db, update.effective_user.id if update.effective_user else None)
        try:
            await fn(update, context)
        except _Usage as exc:
            await reply(update, t(lang, "usage", usage=esc(str(exc))))
        except CaseError as exc:
            await reply(update, t(lang, "error", msg=esc(str(exc))))

    wrapper.__name__ = getattr(fn, "__name__", "handler")
    return wrapper


# --- buttons ------------------------------------------------------------------------------------------

CallbackAction = Callable[[sqlite_utils.Database, int, Actor], cases.Case]

# Extension point: issue 5 adds e.g. "evidence": its handler. Buttons needing text answer with a usage hint.
CALLBACK_ACTIONS: Mapping[str, CallbackAction] = MappingProxyType(
    {
        "confirm": lambda db, cid, who: cases.confirm(db, cid, who),
        "fp": lambda db, cid, who: cases.false_positive(db, cid, who),
        "takedown": lambda db, cid, who: cases.request_takedown(db, cid, who),
        "resolve": lambda db, cid, who: cases.resolve(db, cid, who),
        "evidence": casework_tg.evidence_button,  # issue 5: 證據包
    }
)
CALLBACK_NEEDS_TEXT: Mapping[str, str] = MappingProxyType({"police": "/police {id} REPORT_NO [agency]"})


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every button press: validated (ids only, by regex), applied, answered, and the card edited."""
    query = update.callback_query
    if query is None:
        return
    desk = desk_of(context)
    lang = lang_of(desk.db, query.from_user.id)
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
        case = CALLBACK_ACTIONS[action](desk.db, case_id, actor_of(update))
    except CaseError as exc:
        await query.answer(t(lang, "error", msg=str(exc))[:190], show_alert=True)
        return
    except Exception:
        # Always answer (the presser's client spins otherwise); the error handler logs the rest.
        with contextlib.suppress(TelegramError):
            await query.answer(t(lang, "error", msg="internal error"), show_alert=True)
        raise
    await query.answer(t(lang, "done", id=case.id, state=t(lang, f"state.{case.state}"))[:190])
    # The pressed message is edited at once when it is not the case's alert (the outbox edits that one).
    msg = query.message
    if msg is not None and not _is_alert_message(desk.db, case.id, msg.chat.id, msg.message_id):
        with contextlib.suppress(BadRequest):
            rows = case_keyboard(case, lang)
            await context.bot.edit_message_text(
                chat_id=msg.chat.id,
                message_id=msg.message_id,
                text=case_card(case, lang, kind="case"),
                parse_mode=ParseMode.HTML,
                disable_web_page_preview=True,
                reply_markup=InlineKeyboardMarkup(
                    [
                        [InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in r]
                        for r in rows
                    ]
                ),
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
    return (Path(__file__).resolve().parent.parent / "record" / "apk_store.py").exists()


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = desk_of(context)
    msg = update.effective_message
    if msg is None or msg.document is None:
        return
    lang = lang_of(desk.db, update.effective_user.id if update.effective_user else None)
    if not apk_available():
        await reply(update, t(lang, "apk.unavailable"))
        return
    if (msg.document.file_size or 0) > APK_MAX_BYTES:
        await reply(update, t(lang, "apk.too_big", mb=APK_MAX_BYTES // (1024 * 1024)))
        return
    await reply(update, t(lang, "apk.analysing"))
    tg_file = await msg.document.get_file()
    data = bytes(await tg_file.download_as_bytearray())
    await _analyse(update, context, data, msg.document.file_name or "upload.apk", lang)


async def on_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = desk_of(context)
    msg = update.effective_message
    m = URL_RE.search(msg.text or "") if msg else None
    if m is None:
        return
    lang = lang_of(desk.db, update.effective_user.id if update.effective_user else None)
    if not apk_available():
        await reply(update, t(lang, "apk.unavailable"))
        return
    await reply(update, t(lang, "apk.analysing"))
    await _analyse(update, context, None, m.group(0), lang)


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
            case, opened = cases.open_apk_case(db, d, actor=actor, source=source if data is None else "")
            return verdict, sha, case.id, opened
        finally:
            db.close()

    try:
        verdict, sha, case_id, opened = await asyncio.to_thread(work)
    except Exception as exc:  # analysis errors are the file's fault or the network's; report, keep running
        log.warning("APK analysis failed: %s", type(exc).__name__)
        await reply(update, t(lang, "apk.failed", msg=esc(str(exc)[:300])))
        return
    label = t(lang, f"verdict.{verdict}")
    label = esc(verdict) if label.startswith("verdict.") else label
    text = t(lang, "apk.result", verdict=label, sha=esc(sha[:16]) + "…")
    if case_id is not None:
        text += "\n" + t(lang, "apk.case" if opened else "apk.existing", id=case_id)
    await reply(update, text)
    kick_delivery(context.application)


# --- delivery and scheduled jobs ----------------------------------------------------------------------


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
    desk: Desk = application.bot_data["desk"]
    redact = install_redaction(desk.settings.telegram.token)
    async with desk.deliver_lock:
        while True:
            desk.deliver_again = False
            try:
                stats = await outbox.deliver_pending(desk.db, application.bot, desk.routes, redact=redact)
            except TelegramError as exc:
                log.warning("outbox delivery: %s", redact(str(exc)))
                return
            if stats.down or stats.retry_after:
                return
            if not desk.deliver_again and stats.sent == 0 and stats.superseded == 0:
                return
            if not desk.deliver_again and not outbox.pending(desk.db):
                return


async def outbox_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await deliver_now(context.application)


async def reminder_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = desk_of(context)
    if outbox.enqueue_reminders(desk.db, days=desk.settings.telegram.reminder_periods()):
        casework_tg.reminder_drafts(desk)  # issue 5: each reminder's draft, ready to re-send
        kick_delivery(context.application)


async def scan_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        await run_scan_in_thread(context.application, "cron")
    except Exception as exc:  # logged; a failed scheduled scan must not stop the bot
        log.error("scheduled scan failed: %s", exc)


async def run_scan_in_thread(
    application: Application[Any, Any, Any, Any, Any, Any], trigger: str
) -> dict[str, Any]:
    desk: Desk = application.bot_data["desk"]
    runner = desk.scan_runner or default_scan_runner
    summary = await asyncio.to_thread(runner, desk.settings, trigger)
    kick_delivery(application)
    return summary


def default_scan_runner(settings: Settings, trigger: str) -> dict[str, Any]:
    """Run one scan with its own database connection (in a worker thread), under the cross-process lock."""
    from bot.outbox.holds import sync_and_check
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
            sync, hold = sync_and_check(
                db,
                result.scan_id,
                profile,
                storm=settings.alert_storm,
                reminder_days=settings.telegram.reminder_periods(),
            )
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
        "hold": hold.id if hold is not None else None,
        "skipped": gate.skipped,
        "interrupted": interrupted,
    }


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = context.application.bot_data.get("desk")
    token = desk.settings.telegram.token if desk else ""
    redact = install_redaction(token)
    err = context.error
    log.error("error while handling an update: %s: %s", type(err).__name__, redact(str(err)))


async def set_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for lang, code in (("zh", None), ("en", "en")):
        cmds = [BotCommand(c.name, t(lang, c.desc_key)[:256]) for c in COMMANDS]
        await application.bot.set_my_commands(cmds, language_code=code)


# --- building -----------------------------------------------------------------------------------------


def build_application(
    settings: Settings,
    *,
    db: sqlite_utils.Database | None = None,
    scan_runner: Callable[[Settings, str], dict[str, Any]] | None = None,
    commands: Sequence[Command] = COMMANDS,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, ready for ``run_polling``: gate, commands, buttons, outbox and scan jobs."""
    install_redaction(settings.telegram.token)
    database = db or open_db(settings.db_path)
    outbox.recover_stale(database)
    # The admins' /settings overrides, kept in the database, win over the environment and the settings file.
    base_settings, settings = settings, overrides.effective_settings(database, settings)
    tg = settings.telegram

    async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await set_commands(application)

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
        .build()
    )
    app.bot_data["desk"] = Desk(
        settings=settings,
        db=database,
        routes=outbox.Routes(tg.chats()),
        scan_runner=scan_runner,
        base_settings=base_settings,
    )
    app.add_handler(TypeHandler(Update, gate), group=-1)
    for c in commands:
        app.add_handler(CommandHandler(c.name, guarded(c.handler)))
    app.add_handler(CallbackQueryHandler(ops_tg.on_hold_button, pattern=ops_tg.HOLD_CALLBACK))
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


def started_at() -> float:
    return time.time()


__all__ = ["COMMANDS", "Command", "build_application", "html"]
