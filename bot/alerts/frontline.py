"""Front-line notices: a plain-language message to branches and customer service about a confirmed fake app.

Posted once when a case is confirmed (to the ``frontline`` chat, ``FAKEAPP_FRONTLINE_CHAT_ID``), edited when
the app is taken down, re-listed, resolved or retracted. It says which fake app, how to recognise it, what to
tell a customer and where the official app is; never scores, reasons, certificates or package ids. Queued
through the outbox in the same transaction as the case change; rendered from the case as it is when delivered.
The brand profile (the official links) and the front-line chat id are passed in by whoever wires the hooks,
never read from the environment.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import sqlite_utils

from bot.alerts.render import esc
from bot.cases.actions import get_case
from bot.cases.events import CaseChange, Hook
from bot.cases.model import Case, State
from bot.core.i18n import label, t
from bot.outbox import queue
from bot.outbox.deliver import MessageKind, Rendered
from scanners.profile import Brand, Profile

log = logging.getLogger(__name__)

FRONTLINE = "frontline"
KIND_POST = "frontline"
KIND_EDIT = "frontline_edit"
KINDS = (KIND_POST, KIND_EDIT)
ANCHOR = "frontline"  # the posted notice, edited as the case changes


def phase(case: Case) -> str:
    """Which version of the notice a case calls for: active | relisted | removed | resolved | retracted."""
    if case.state == State.FALSE_POSITIVE:
        return "retracted"
    if case.state == State.RESOLVED:
        return "resolved"
    if case.kind == "listing" and not case.listed:
        return "removed"
    if case.state == State.RELISTED:
        return "relisted"
    return "active"


def notice_text(case: Case, brand: Brand | None, lang: str = "zh") -> str:
    """The notice as Telegram HTML: the app's title and developer escaped, nothing technical shown."""
    lang = "en" if lang == "en" else "zh"
    e = esc
    p = phase(case)
    title = " ".join(case.title.split())[:120]
    developer = " ".join(case.developer.split())[:120]
    c = ": " if lang == "en" else "："

    def where(store: str) -> str:
        return e(label(lang, "frontline.store", store))

    lines = [f"<b>{t(lang, f'frontline.title.{p}')}</b>", ""]
    lines.append(f"{t(lang, 'frontline.app')}{c}<b>{e(title)}</b>")
    lines.append(f"{t(lang, 'frontline.where')}{c}{where(case.store)}")
    if developer and case.kind == "listing":
        lines.append(f"{t(lang, 'frontline.developer')}{c}{e(developer)}")
    if p == "retracted":
        lines += ["", t(lang, "frontline.retracted.text")]
    else:
        if p in ("active", "relisted"):
            status = "requested" if case.takedown == "requested" else "listed"
        elif p == "removed":
            status = "removed"
        else:
            status = "resolved"
        lines.append(f"{t(lang, 'frontline.status')}{c}{t(lang, f'frontline.status.{status}')}")
        lines += ["", f"<b>{t(lang, 'frontline.recognise')}</b>", t(lang, "frontline.recognise.text")]
        lines += ["", f"<b>{t(lang, 'frontline.tell')}</b>", t(lang, "frontline.tell.text")]
    lines += ["", f"<b>{t(lang, 'frontline.official')}</b>"]
    if brand is not None:
        for app in brand.apps:
            if app.url:
                name = app.name or brand.name
                lines.append(f'• {where(app.store)}{c}<a href="{e(app.url)}">{e(name)}</a>')
        if brand.download_page:
            lines.append(f'• {t(lang, "frontline.official.page")}{c}<a href="{e(brand.download_page)}">'
                         f"{e(brand.download_page)}</a>")  # fmt: skip
    lines += ["", f"<i>{t(lang, 'frontline.case')} #{case.id}</i>"]
    return "\n".join(lines)


def brand_for(case: Case, profile: Profile | None) -> Brand | None:
    """The case's brand in the profile; None without a profile or when the profile lacks it."""
    if profile is None:
        return None
    return next((b for b in profile.brands if b.id == case.brand), None)


def _posted(db: sqlite_utils.Database, case_id: int) -> bool:
    """A notice for this case is queued or sent (it is posted once, ever)."""
    return bool(list(db.query("SELECT 1 FROM outbox WHERE dedupe_key = ?", [f"frontline:{case_id}"])))


def on_transition(
    db: sqlite_utils.Database,
    before: Case,
    after: Case,
    *,
    profile: Profile | None,
    now: Any = None,
    chat: str,
) -> list[int]:
    """Queue the notice when a case is first confirmed, and an edit when its notice-worthy status changes.

    Called inside the case change's transaction (the hook ``hook(profile, chat)``); ``profile`` gives the
    official links. With no front-line chat set (``chat`` empty: the caller's settings name none) nothing is
    queued that could never be sent: the security chat is told once, ever, that front-line notices are off
    and why.
    """
    if after.state == State.CONFIRMED and not _posted(db, after.id):
        if not chat:
            return queue.enqueue(
                db,
                queue.SECURITY,
                t("zh", "frontline.off", id=after.id),
                kind="frontline_off",
                dedupe_key="frontline_off",
                now=now,
            )
        text = notice_text(after, brand_for(after, profile))
        return queue.enqueue(
            db, FRONTLINE, text, kind=KIND_POST, case_id=after.id, dedupe_key=f"frontline:{after.id}", now=now
        )
    if not _posted(db, after.id):
        return []
    if phase(before) == phase(after) and before.takedown == after.takedown:
        return []
    # One pending edit per case is enough: it is rendered from the case when delivered.
    if list(
        db.query(
            "SELECT 1 FROM outbox WHERE case_id = ? AND kind = ? AND status = 'pending' LIMIT 1",
            [after.id, KIND_EDIT],
        )
    ):
        return []
    return queue.enqueue(
        db, FRONTLINE, "", kind=KIND_EDIT, case_id=after.id, method="editMessageText", now=now
    )


def hook(profile: Profile | None, chat: str) -> Hook:
    """The case-change hook for front-line notices, with the brand profile that gives the official links
    and ``chat``, the front-line chat id of the caller's settings ("" when none is set)."""

    def on_change(db: sqlite_utils.Database, change: CaseChange) -> None:
        if change.before is not None:
            on_transition(db, change.before, change.after, profile=profile, now=change.at, chat=chat)

    return on_change


def message_kinds(profile: Profile | None) -> tuple[MessageKind, ...]:
    """How front-line rows go out: rendered from the case as it is then, edits of the posted notice."""

    def render(db: sqlite_utils.Database, row: Mapping[str, Any]) -> Rendered:
        case = get_case(db, int(row["case_id"]))
        return Rendered(notice_text(case, brand_for(case, profile)))

    return (
        MessageKind(KIND_POST, render=render, anchor=ANCHOR),
        MessageKind(KIND_EDIT, render=render, edits=ANCHOR),
    )
