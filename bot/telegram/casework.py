"""Bot handlers for casework: ``/draft ID KIND``, ``/report week|month``, ``/evidence ID``, the 證據包 button.

Wired into ``bot.telegram.app`` through its ``COMMANDS`` and ``CALLBACK_ACTIONS`` extension points. Drafts are
plain text shown in ``<pre>`` (escaped); long ones, the website HTML and the chart go as files.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import sqlite_utils
from telegram import InputFile, Update
from telegram.ext import ContextTypes

from bot.cases.model import Actor, Case, CaseError
from bot.casework.drafts import KINDS, DraftError, DuplicateTakedown, fmt_time
from bot.casework.evidence import EvidenceError, make_pack
from bot.casework.reports import load_report, period_for, render_chart, render_text
from bot.casework.workflow import draft_for_case, enqueue_reminder_drafts
from bot.core.i18n import t
from bot.core.textsafe import esc
from bot.desk import cases, outbox
from bot.telegram.desk import Desk, actor_of, case_number, desk_of, lang_of, reply
from scanners.profile import Profile, ProfileError, load_profile

MAX_INLINE_DRAFT = 3500  # characters shown in the chat; longer drafts go as a .txt file


async def _lang_and_desk(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[str, sqlite_utils.Database, Desk]:
    desk = desk_of(context)
    uid = update.effective_user.id if update.effective_user else None
    return await desk.read(lang_of, uid), desk.db, desk


async def _send(update: Update, text: str) -> None:
    await reply(update, text)


async def _document(update: Update, data: bytes, filename: str, caption: str) -> None:
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(InputFile(data, filename=filename), caption=caption[:1000])


async def cmd_draft(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/draft ID KIND [en|zh] [force]: the ready-to-file draft, in the chat (or as a file when long)."""
    lang, db, desk = await _lang_and_desk(update, context)
    args = [a.lower() for a in (context.args or [])]
    if len(args) < 2 or args[1] not in KINDS:
        await _send(update, t(lang, "draft.usage"))
        return
    draft_lang = next((a for a in args[2:] if a in ("zh", "en")), lang)
    force = any(a in ("force", "--force") for a in args[2:])
    case_id = case_number(args[0])
    try:
        profile = load_profile(desk.settings.config_path)
        draft = await desk.run(
            draft_for_case,
            db,
            profile,
            case_id,
            args[1],
            draft_lang,
            force=force,
            actor=actor_of(update),
            tz=desk.settings.tz,
        )
    except DuplicateTakedown as exc:
        first = exc.first
        at = fmt_time(first.at, desk.settings.tz)
        ref = esc(first.reference or "—")
        await _send(update, t(lang, "draft.dup", at=esc(at), ref=ref, id=case_id, kind=esc(args[1])))
        return
    except (DraftError, ProfileError) as exc:
        await _send(update, t(lang, "error", msg=esc(str(exc))))
        return
    text = draft.text()
    caption = t(lang, "draft.caption", id=case_id, kind=args[1])  # a document's caption: plain text
    if len(text) <= MAX_INLINE_DRAFT:
        await _send(update, f"<b>{esc(caption)}</b>\n<pre>{esc(text)}</pre>")
    else:
        await _document(
            update, text.encode("utf-8"), f"draft-case{case_id}-{args[1]}-{draft_lang}.txt", caption
        )
    if draft.html:
        await _document(update, draft.html.encode("utf-8"), f"website-warning-{draft_lang}.html", caption)


async def cmd_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/report week|month: the figures in the chat and the chart as a PNG file."""
    lang, _db, desk = await _lang_and_desk(update, context)
    args = [a.lower() for a in (context.args or [])]
    name = args[0] if args else "week"
    try:
        since, until = period_for(name, desk.clock())
    except ValueError:
        await _send(update, t(lang, "report.usage"))
        return
    report = await desk.read(load_report, since, until, desk.settings.tz)
    await _send(update, f"<pre>{esc(render_text(report, lang, _brand_names_of(desk)))}</pre>")
    # Drawing takes a moment: off the event loop (pure, no database).
    png = await asyncio.to_thread(render_chart, report, lang)  # English labels if no CJK font
    await _document(update, png, f"fakeapp-report-{name}-{until:%Y%m%d}.png", t(lang, "report.caption"))


def reminder_drafts(desk: Desk) -> None:
    """Queue the re-send draft of every takedown reminder that has none yet (the bot's reminder job)."""
    try:
        profile = cases.effective_profile(desk.db, load_profile(desk.settings.config_path))
    except ProfileError:
        return  # reminders still go out; their drafts wait for a readable profile
    enqueue_reminder_drafts(desk.db, profile, tz=desk.settings.tz)


def _pack_caption(lang: str, pack_id: int, files: int, sha: str, who: str) -> str:
    """The pack's caption as plain text (a document's caption has no parse mode; escape it for HTML)."""
    return t(lang, "evidence.caption", id=pack_id, files=files, sha=sha, who=who)


async def cmd_evidence(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/evidence ID: the evidence pack, sent to this chat (and recorded on the timeline first)."""
    lang, db, desk = await _lang_and_desk(update, context)
    args = context.args or []
    if not args:
        await _send(update, t(lang, "evidence.usage"))
        return
    case = await desk.run(cases.get_case, db, case_number(args[0]))
    actor = actor_of(update)
    brand = _brand_name(case.brand, desk.profile())
    pack = await desk.run(
        make_pack, db, case.id, actor, brand_name=brand, now=desk.clock(), tz=desk.settings.tz
    )
    caption = _pack_caption(lang, case.id, len(pack.names()), pack.sha256, actor.label)
    await _document(update, pack.data, pack.filename, caption)


def _brand_names_of(desk: Desk) -> dict[str, str]:
    """Brand id -> display name (empty when the profile cannot be read: the report then shows ids)."""
    profile = desk.profile()
    return {b.id: b.name for b in profile.brands} if profile is not None else {}


def _brand_name(brand_id: str, profile: Profile | None) -> str:
    if profile is None:
        return brand_id
    return next((b.name for b in profile.brands if b.id == brand_id), brand_id)


def evidence_button(desk: Desk, case_id: int, actor: Actor, now: datetime | None = None) -> Case:
    """The 證據包 button: build and record the pack, queue it to the security chat; returns the case.

    The button handler knows no chat, so the pack goes where the team works (the security chat), through the
    outbox like every alert: saved first, delivered once.
    """
    db = desk.db
    case = cases.get_case(db, case_id)
    try:
        brand = _brand_name(case.brand, desk.profile())
        pack = make_pack(db, case_id, actor, brand_name=brand, now=now, tz=desk.settings.tz)
    except EvidenceError as exc:
        raise CaseError(str(exc)) from None
    outbox.enqueue(
        db,
        outbox.SECURITY,
        esc(_pack_caption("zh", case_id, len(pack.names()), pack.sha256, actor.label)),
        kind="evidence",
        case_id=case_id,
        method="sendDocument",
        document=pack.data,
        filename=pack.filename,
        dedupe_key=f"evidence:{case_id}:{pack.manifest_sha256}",
        now=now,
    )
    return case
