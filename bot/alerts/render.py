"""Messages as text: the case card (HTML, every store/APK string escaped), inline keyboards as plain data,
splitting below Telegram's 4096-character limit, and plain-text renderings for the terminal.

No Telegram import here: the outbox stores keyboards as JSON, and the CLI prints the same texts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.cases.actions import Case, Event
from bot.core.i18n import t
from bot.core.linksafe import redact_userinfo
from bot.core.textsafe import strip_controls

MAX_MESSAGE = 4000  # below Telegram's 4096 (counted in UTF-16 units; we leave room)
MAX_CAPTION = 1000
CALLBACK_RE = re.compile(r"^c:(\d{1,9}):([a-z_]{1,16})$")


def esc(text: object) -> str:
    """Escape any text from a store, an APK or a user for Telegram HTML (bidi overrides and controls removed:
    U+202E can make ``exe.apk`` read as ``kpa.exe``)."""
    return html.escape(strip_controls(text), quote=True)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def safe_url(url: str) -> str:
    """Only http(s) links become clickable; anything else is shown as text."""
    return url if re.match(r"^https?://[^\s\"'<>]+$", url or "") else ""


# --- inline keyboard ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseButton:
    """One button under a case card: callback ``c:<id>:<action>``; ``show`` decides if it applies."""

    action: str
    label_key: str
    show: Callable[[Case], bool]


def _open(c: Case) -> bool:
    return c.state in ("new", "confirmed", "relisted")


# Extension point: another area adds a button by adding a CaseButton here (e.g. 證據包 with action
# "evidence") and a handler for its action in bot/telegram/app.py's CALLBACK_ACTIONS.
CASE_BUTTONS: tuple[CaseButton, ...] = (
    CaseButton("confirm", "btn.confirm", lambda c: c.state in ("new", "relisted", "false_positive")),
    CaseButton("fp", "btn.fp", lambda c: c.state in ("new", "relisted", "confirmed")),
    CaseButton("takedown", "btn.takedown", lambda c: _open(c) and c.takedown in ("none", "rejected")),
    CaseButton("police", "btn.police", lambda c: _open(c) and c.police == "none"),
    CaseButton("resolve", "btn.resolve", lambda c: _open(c)),
    CaseButton("evidence", "btn.evidence", lambda c: c.state in ("confirmed", "relisted", "resolved")),
)


def callback_data(case_id: int, action: str) -> str:
    data = f"c:{case_id}:{action}"
    assert CALLBACK_RE.match(data) and len(data.encode()) <= 64
    return data


def parse_callback(data: str | None) -> tuple[int, str] | None:
    """(case id, action) from callback data, or None for anything malformed or forged."""
    m = CALLBACK_RE.match(data or "")
    if not m:
        return None
    return int(m.group(1)), m.group(2)


def case_keyboard(
    case: Case, lang: str = "zh", buttons: Sequence[CaseButton] = CASE_BUTTONS
) -> list[list[dict[str, str]]]:
    """Inline keyboard rows (Bot API JSON shape) for a case card; three buttons a row."""
    shown = [b for b in buttons if b.show(case)]
    flat = [{"text": t(lang, b.label_key), "callback_data": callback_data(case.id, b.action)} for b in shown]
    return [flat[i : i + 3] for i in range(0, len(flat), 3)]


def reply_markup(case: Case, lang: str = "zh") -> dict[str, Any]:
    return {"inline_keyboard": case_keyboard(case, lang)}


# --- case card ----------------------------------------------------------------------------------------


def _label(lang: str, prefix: str, value: str) -> str:
    out = t(lang, f"{prefix}.{value}")
    return out if out != f"{prefix}.{value}" else esc(value)


def case_card(case: Case, lang: str = "zh", *, kind: str = "case_alert", reminder_days: int = 0) -> str:
    """The alert / case message (HTML). Every store- or APK-supplied string is escaped."""
    title_key = f"card.title.{kind}" if f"card.title.{kind}" in _TITLES else "card.title.case"
    head = t(lang, title_key, days=reminder_days) if kind == "reminder" else t(lang, title_key)
    lines = [f"<b>{head}</b> · #{case.id}"]
    lines.append(f"{t(lang, 'card.app')}：<b>{esc(_clip(case.title, 200))}</b>")
    if case.kind == "apk":
        lines.append(f"{t(lang, 'card.store')}：{t(lang, 'store.apk')}")
        lines.append(f"{t(lang, 'card.sha256')}：<code>{esc(case.apk_sha256 or '')}</code>")
        if case.app_id:
            lines.append(f"package：<code>{esc(_clip(case.app_id, 200))}</code>")
    else:
        lines.append(f"{t(lang, 'card.developer')}：{esc(_clip(case.developer, 200))}")
        lines.append(
            f"{t(lang, 'card.store')}：{_label(lang, 'store', case.store)} · <code>{esc(case.app_id)}</code>"
        )
    url = safe_url(redact_userinfo(case.url))
    if url:
        lines.append(f'{t(lang, "card.link")}：<a href="{esc(url)}">{esc(_clip(url, 120))}</a>')
    lines.append(
        f"{t(lang, 'card.brand')}：{esc(case.brand)} · {t(lang, 'card.verdict')}："
        f"<b>{_label(lang, 'verdict', case.verdict)}</b> · {t(lang, 'card.score')}：{case.score}"
    )
    if case.reasons:
        lines.append(f"{t(lang, 'card.reasons')}：")
        for r in case.reasons[:8]:
            text = r.get(lang) or r.get("zh") or r.get("en") or r.get("code") or ""
            pts = r.get("points")
            lines.append(f"• {esc(_clip(str(text), 160))}" + (f"（+{int(pts)}）" if pts else ""))
        if len(case.reasons) > 8:
            lines.append(f"• … +{len(case.reasons) - 8}")
    td = _label(lang, "takedown", case.takedown)
    if case.takedown != "none" and (case.takedown_ref or case.takedown_at):
        td += f"（{esc(case.takedown_at[:10])} {esc(_clip(case.takedown_ref, 80))}）"
    pol = _label(lang, "police", case.police)
    if case.police == "reported":
        pol += f"（{esc(_clip(case.police_agency, 40))} {esc(_clip(case.police_no, 60))}）"
    lines.append(
        f"{t(lang, 'card.state')}：<b>{_label(lang, 'state', case.state)}</b> · "
        f"{t(lang, 'card.takedown')}：{td} · {t(lang, 'card.police')}：{pol}"
    )
    if case.kind == "listing":
        lines.append(f"{t(lang, 'card.listed')}：{t(lang, 'card.yes' if case.listed else 'card.no')}")
    if case.assignee:
        lines.append(f"{t(lang, 'card.assignee')}：{esc(_clip(case.assignee, 60))}")
    if case.resolution:
        lines.append(f"📝 {esc(_clip(case.resolution, 300))}")
    return "\n".join(lines)


_TITLES = {"card.title.case_alert", "card.title.relisted", "card.title.removed", "card.title.reminder"}


def timeline_text(events: Sequence[Event], lang: str = "zh", *, limit: int = 50) -> str:
    lines = [f"<b>{t(lang, 'card.timeline')}</b>"]
    shown = list(events)[-limit:]
    if len(events) > limit:
        lines.append(f"… ({len(events) - limit})")
    for e in shown:
        change = (
            f"{esc(e.field)}: {esc(_clip(e.old, 40)) or '∅'} → {esc(_clip(e.new, 60))}" if e.field else ""
        )
        why = f" — {esc(_clip(e.reason, 200))}" if e.reason else ""
        lines.append(f"{esc(e.at[:16].replace('T', ' '))} · {esc(e.actor)} · {esc(e.action)} {change}{why}")
    return "\n".join(lines)


def case_line(case: Case, lang: str = "zh") -> str:
    """One line per case for /cases (HTML)."""
    listed = "📍" if case.listed else "·"
    return (
        f"#{case.id} {listed} <b>{esc(_clip(case.title, 40))}</b> · {_label(lang, 'store', case.store)} · "
        f"{_label(lang, 'state', case.state)} · {_label(lang, 'takedown', case.takedown)}"
    )


# One unit of Telegram HTML: a tag, an entity, a newline or one character; a split falls only between units.
_UNIT_RE = re.compile(r"<[^<>]*>|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);|.|\n", re.DOTALL)
_TAG_NAME_RE = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")


def _u16(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: a character outside the BMP counts two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _closers(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _after(stack: list[tuple[str, str]], unit: str) -> list[tuple[str, str]]:
    """The open-tag stack after ``unit``."""
    m = _TAG_NAME_RE.match(unit) if unit.startswith("<") and unit.endswith(">") else None
    if m is None or unit.endswith("/>"):
        return stack
    closing, name = m.group(1) == "/", m.group(2).lower()
    if not closing:
        return [*stack, (name, unit)]
    for i in range(len(stack) - 1, -1, -1):
        if stack[i][0] == name:
            return stack[:i] + stack[i + 1 :]
    return stack


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split Telegram HTML into parts of at most ``limit`` UTF-16 units, on line boundaries where a line fits.

    A part never ends inside a tag or an entity, and each part is balanced on its own: the tags open at a
    split are closed at the end of the part and opened again at the start of the next (Telegram refuses a
    message with an unclosed ``<b>``, which a title with a newline in it used to cause).
    """
    units = _UNIT_RE.findall(text)
    parts: list[str] = []
    stack: list[tuple[str, str]] = []
    i = 0
    while i < len(units) or not parts:
        opener = "".join(tag for _, tag in stack)
        body = [opener]
        size = _u16(opener)
        local = stack
        start = i
        at_newline: tuple[int, int, list[tuple[str, str]]] | None = None  # (next unit, body length, stack)
        while i < len(units):
            unit = units[i]
            after = _after(local, unit)
            if i > start and size + _u16(unit) + _u16(_closers(after)) > limit:
                break
            if unit == "\n" and i > start:
                at_newline = (i + 1, len(body), local)
            body.append(unit)
            size += _u16(unit)
            local = after
            i += 1
        if i < len(units) and units[i] == "\n":
            i += 1  # the part ends exactly at a line end: the newline is the split
        elif i < len(units) and at_newline is not None:
            i, keep, local = at_newline  # end the part at its last newline, which is dropped
            body = body[:keep]
        parts.append("".join(body) + _closers(local))
        stack = local
    # Telegram refuses a message with no visible text (a part of tags and spaces only)
    return [p for p in parts if html_to_text(p).strip()] or parts[:1]


_TAG_RE = re.compile(r"<[^>]+>")


def html_to_text(text: str) -> str:
    """The HTML message as plain terminal text (for printing alerts without a token)."""
    return html.unescape(_TAG_RE.sub("", text))
