"""Messages as text: the case card (HTML, every store/APK string escaped) and inline keyboards as plain data.

Splitting below Telegram's limit and the terminal rendering live with the messages (``bot.outbox.text``).

No Telegram import here: the outbox stores keyboards as JSON, and the CLI prints the same texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from bot.cases.model import Case, Event
from bot.cases.transitions import offered
from bot.core.clock import local_date, local_time
from bot.core.i18n import event_sentence, t
from bot.core.linksafe import redact_userinfo
from bot.outbox.text import esc

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
    """The callback data of a case button, ``c:<case id>:<action>`` (Telegram's 64 bytes at most)."""
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
    """A case card's inline keyboard as the Bot API's ``reply_markup``."""
    return {"inline_keyboard": case_keyboard(case, lang)}


# --- case card ----------------------------------------------------------------------------------------


def _label(lang: str, prefix: str, value: str) -> str:
    out = t(lang, f"{prefix}.{value}")
    return out if out != f"{prefix}.{value}" else esc(value)


def points(n: object) -> str:
    """A reason's points, signed: ``+60``, ``-60`` (never ``+-60``)."""
    try:
        return f"{int(n):+d}"  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""


def _colon(lang: str) -> str:
    return ": " if lang == "en" else "："


def _paren(lang: str, inner: str) -> str:
    """``inner`` in the language's own parentheses (already escaped)."""
    return f" ({inner})" if lang == "en" else f"（{inner}）"


def case_card(
    case: Case,
    lang: str = "zh",
    *,
    kind: str = "case_alert",
    reminder_days: int = 0,
    tz: tzinfo | None = None,
    brand_name: str = "",
) -> str:
    """The alert / case message (HTML). Every store- or APK-supplied string is escaped.

    ``brand_name``: the brand's display name (the card shows its id only when none is given)."""
    c = _colon(lang)
    title_key = f"card.title.{kind}" if f"card.title.{kind}" in _TITLES else "card.title.case"
    if case.kind == "site" and kind == "case_alert":
        title_key = "card.title.site_alert"
    head = t(lang, title_key, days=reminder_days) if kind == "reminder" else t(lang, title_key)
    lines = [f"<b>{head}</b> · #{case.id}"]
    what = "card.site" if case.kind == "site" else "card.app"
    lines.append(f"{t(lang, what)}{c}<b>{esc(_clip(case.title, 200))}</b>")
    if case.kind in ("link", "site"):
        from bot.alerts.link_card import link_lines

        lines += link_lines(case, lang)
    elif case.kind == "apk":
        lines.append(f"{t(lang, 'card.store')}{c}{t(lang, 'store.apk')}")
        lines.append(f"{t(lang, 'card.sha256')}{c}<code>{esc(case.apk_sha256 or '')}</code>")
        if case.app_id:
            lines.append(f"{t(lang, 'card.package')}{c}<code>{esc(_clip(case.app_id, 200))}</code>")
    else:
        lines.append(f"{t(lang, 'card.developer')}{c}{esc(_clip(case.developer, 200))}")
        lines.append(
            f"{t(lang, 'card.store')}{c}{_label(lang, 'store', case.store)} · <code>{esc(case.app_id)}</code>"
        )
    url = safe_url(redact_userinfo(case.url))
    if url:
        lines.append(f'{t(lang, "card.link")}{c}<a href="{esc(url)}">{esc(_clip(url, 120))}</a>')
    lines.append(
        f"{t(lang, 'card.brand')}{c}{esc(brand_name or case.brand)} · {t(lang, 'card.verdict')}{c}"
        f"<b>{_label(lang, 'verdict', case.verdict)}</b> · {t(lang, 'card.score')}{c}{case.score}"
    )
    if case.reasons:
        lines.append(f"{t(lang, 'card.reasons')}{c.strip()}")
        for r in case.reasons[:8]:
            text = (r.en if lang == "en" else r.zh) or r.zh or r.en or r.code
            lines.append(f"• {esc(_clip(text, 160))}" + (_paren(lang, points(r.points)) if r.points else ""))
        if len(case.reasons) > 8:
            lines.append(f"• … +{len(case.reasons) - 8}")
    td = _label(lang, "takedown", case.takedown)
    if case.takedown != "none" and (case.takedown_ref or case.takedown_at):
        when = local_date(case.takedown_at, tz) if case.takedown_at else ""
        inner = " ".join(x for x in (when, _clip(case.takedown_ref, 80)) if x)
        td += _paren(lang, esc(inner))
    pol = _label(lang, "police", case.police)
    if case.police == "reported":
        inner = " ".join(x for x in (_clip(case.police_agency, 40), _clip(case.police_no, 60)) if x)
        pol += _paren(lang, esc(inner))
    lines.append(
        f"{t(lang, 'card.state')}{c}<b>{_label(lang, 'state', case.state)}</b> · "
        f"{t(lang, 'card.takedown')}{c}{td} · {t(lang, 'card.police')}{c}{pol}"
    )
    if case.kind == "listing":
        lines.append(f"{t(lang, 'card.listed')}{c}{t(lang, 'card.yes' if case.listed else 'card.no')}")
    elif case.kind in ("link", "site"):
        lines.append(f"{t(lang, 'card.up')}{c}{t(lang, 'card.yes' if case.listed else 'card.no')}")
    if case.assignee:
        lines.append(f"{t(lang, 'card.assignee')}{c}{esc(_clip(case.assignee, 60))}")
    if case.resolution:
        lines.append(f"📝 {esc(_clip(case.resolution, 300))}")
    return "\n".join(lines)


_TITLES = {"card.title.case_alert", "card.title.relisted", "card.title.removed", "card.title.reminder"}
# The field whose change names an event group, in order of preference (as bot.casework.casefacts reads it).
_MAIN_FIELDS = ("state", "takedown", "police", "listed", "assignee", "verdict")


def timeline_text(
    events: Sequence[Event], lang: str = "zh", *, limit: int = 50, tz: tzinfo | None = None
) -> str:
    """The case's timeline as sentences, one per action, each with its time in the team's zone."""
    groups: list[list[Event]] = []
    for e in events:
        if groups and (groups[-1][0].at, groups[-1][0].action, groups[-1][0].actor) == (
            e.at,
            e.action,
            e.actor,
        ):
            groups[-1].append(e)
        else:
            groups.append([e])
    lines = [f"<b>{t(lang, 'card.timeline')}</b>"]
    shown = groups[-limit:]
    if len(groups) > limit:
        lines.append(f"… ({len(groups) - limit})" if lang == "en" else f"…（{len(groups) - limit}）")
    for g in shown:
        first = g[0]
        main = next((e for f in _MAIN_FIELDS for e in g if e.field == f), first)
        sentence = event_sentence(
            lang, first.action, _clip(first.actor, 60), new=_clip(main.new, 60), note=_clip(first.reason, 200)
        )
        lines.append(f"{esc(local_time(first.at, tz))} · {esc(sentence)}")
    return "\n".join(lines)


def case_line(case: Case, lang: str = "zh") -> str:
    """One line per case for /cases (HTML)."""
    listed = "📍" if case.listed else "·"
    return (
        f"#{case.id} {listed} <b>{esc(_clip(case.title, 40))}</b> · {_label(lang, 'store', case.store)} · "
        f"{_label(lang, 'state', case.state)} · {_label(lang, 'takedown', case.takedown)}"
    )
