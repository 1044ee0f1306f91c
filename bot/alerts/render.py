"""Messages as text: the case card (HTML, every store/APK string escaped) and inline keyboards as plain data.

Splitting below Telegram's limit and the terminal rendering live with the messages (``bot.outbox.text``).

No Telegram import here: the outbox stores keyboards as JSON, and the CLI prints the same texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.cases.model import Case, Event
from bot.cases.transitions import offered
from bot.core.i18n import t
from bot.core.linksafe import redact_userinfo
from bot.outbox.text import esc

MAX_CAPTION = 1000
CALLBACK_RE = re.compile(r"^c:(\d{1,9}):([a-z_]{1,16})$")


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


# Extension point: another area adds a button by adding a CaseButton here and a handler for its action in
# bot/telegram/app.py's CALLBACK_ACTIONS; when it shows is its rule in bot/cases/transitions.py.
def _shows(action: str) -> Callable[[Case], bool]:
    return lambda c: offered(action, c)


CASE_BUTTONS: tuple[CaseButton, ...] = tuple(
    CaseButton(action, f"btn.{action}", _shows(action))
    for action in ("confirm", "fp", "takedown", "police", "resolve", "evidence")
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


