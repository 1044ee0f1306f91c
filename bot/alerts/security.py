"""The security chat's alerts: case cards queued on each case change, store status and takedown reminders,
and how those messages are rendered when they go out (always from the case as it is then).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from bot.alerts.render import case_card, esc, reply_markup
from bot.cases.actions import get_case, reminder_due
from bot.cases.events import CaseChange
from bot.cases.model import Case
from bot.core.i18n import t
from bot.outbox import queue
from bot.outbox.deliver import MessageKind, Rendered
from bot.outbox.text import html_to_text

MESSAGE_KINDS_WITH_CARD = ("case_alert", "relisted")  # these messages become the case's alert message
ALERT_ANCHOR = "alert"  # the case's alert message in the security chat, edited as the case changes
# The card queued by a case change, by the change's action: (message kind, dedupe key prefix).
_CARDS = {
    "open": ("case_alert", "alert"),
    "removed": ("removed", "removed"),
    "relisted": ("relisted", "relisted"),
}


# --- case changes ---------------------------------------------------------------------------------------


def queue_edit(db: sqlite_utils.Database, change: CaseChange) -> None:
    """Hook: a changed case's alert message is edited to show its new state."""
    if change.before is not None:
        enqueue_case_edits(db, change.after, now=change.at)


def queue_card(db: sqlite_utils.Database, change: CaseChange) -> None:
    """Hook: a new case, a takedown confirmed by a scan, or a re-listed app gets its own card."""
    card = _CARDS.get(change.action)
    if card is None:
        return
    kind, prefix = card
    key = f"{prefix}:{change.after.id}" if change.opened else f"{prefix}:{change.after.id}:{change.scan_id}"
    enqueue_case_alert(db, change.after, kind=kind, dedupe_key=key, now=change.at)


# --- queueing -------------------------------------------------------------------------------------------


def enqueue_case_alert(
    db: sqlite_utils.Database,
    case: Case,
    *,
    kind: str = "case_alert",
    dedupe_key: str | None = None,
    chat: str = queue.SECURITY,
    now: datetime | None = None,
) -> list[int]:
    """A case card to the security chat: new case, re-listing, takedown confirmed, or a reminder."""
    markup = reply_markup(case) if kind in MESSAGE_KINDS_WITH_CARD or kind == "reminder" else None
    return queue.enqueue(
        db,
        chat,
        case_card(case, "zh", kind=kind),
        kind=kind,
        case_id=case.id,
        markup=markup,
        dedupe_key=dedupe_key,
        now=now,
    )


def enqueue_case_edits(db: sqlite_utils.Database, case: Case, *, now: datetime | None = None) -> list[int]:
    """Queue an edit of the case's alert message(s) to show its new state (rendered when delivered)."""
    has_msg = list(
        db.query("SELECT 1 FROM case_messages WHERE case_id = ? AND kind = 'alert' LIMIT 1", [case.id])
    )
    pending_alert = list(
        db.query(
            "SELECT 1 FROM outbox WHERE case_id = ? AND kind IN ('case_alert', 'relisted')"
            " AND status IN ('pending', 'sending') LIMIT 1",
            [case.id],
        )
    )
    if not has_msg and not pending_alert:
        return []
    # One pending edit per case is enough: it is rendered from the case when delivered.
    if list(
        db.query(
            "SELECT 1 FROM outbox WHERE case_id = ? AND kind = 'case_edit' AND status = 'pending' LIMIT 1",
            [case.id],
        )
    ):
        return []
    return queue.enqueue(
        db, queue.SECURITY, "", kind="case_edit", case_id=case.id, method="editMessageText", now=now
    )


def enqueue_store_status(db: sqlite_utils.Database, scan_id: int, *, now: datetime | None = None) -> bool:
    """One message for a scan with degraded or broken stores (or a failed scan). True if queued."""
    scan = next(db.query("SELECT * FROM scans WHERE id = ?", [scan_id]))
    bad = list(
        db.query(
            "SELECT brand, store, status, reason FROM scan_stores"
            " WHERE scan_id = ? AND status != 'ok' ORDER BY id",
            [scan_id],
        )
    )
    if not bad and scan["status"] != "failed":
        return False
    lines = [f"<b>{t('zh', 'store_status.title', scan=scan_id)}</b>"]
    if scan["status"] == "failed" and not bad:
        summary = scan["summary"] or ""
        lines.append(esc(t("zh", "store_status.failed", reason=summary[:300])))
    for r in bad:
        status = (
            t("zh", f"store_status.{r['status']}") if r["status"] in ("degraded", "broken") else r["status"]
        )
        lines.append(
            esc(
                t(
                    "zh",
                    "store_status.line",
                    brand=r["brand"],
                    store=t("zh", f"store.{r['store']}"),  # a name people read, not the internal code
                    status=status,
                    reason=(r["reason"] or "")[:300],
                )
            )
        )
    lines.append(t("zh", "store_status.note"))
    return bool(
        queue.enqueue(
            db, queue.SECURITY, "\n".join(lines), kind="store_status", dedupe_key=f"store:{scan_id}", now=now
        )
    )


def enqueue_reminders(
    db: sqlite_utils.Database, *, days: int | Mapping[str, int] = 7, now: datetime | None = None
) -> list[int]:
    """Reminders for takedowns requested over N days ago (per store if a mapping) whose app is still listed.

    At most one reminder per case per N-day period (``dedupe_key``), however often this runs.
    """
    now = now or datetime.now(UTC)
    out: list[int] = []
    for row in db.query("SELECT * FROM cases WHERE takedown = 'requested' AND listed = 1"):
        case = Case.from_row(row)
        n = days.get(case.store, days.get("default", 7)) if isinstance(days, Mapping) else days
        if n <= 0 or not reminder_due(case, n, now):
            continue
        at = datetime.fromisoformat(case.takedown_at)
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        period = int((now - at) / timedelta(days=n))
        key = f"reminder:{case.id}:{case.takedown_at}:{period}"
        text = case_card(case, "zh", kind="reminder", reminder_days=n)
        if queue.enqueue(db, queue.SECURITY, text, kind="reminder", case_id=case.id, dedupe_key=key, now=now):
            out.append(case.id)
    return out


# --- delivery -------------------------------------------------------------------------------------------


def _card(db: sqlite_utils.Database, row: Mapping[str, Any]) -> Rendered:
    """A case card rendered from the case as it is now, so a pending alert never shows a stale state."""
    case = get_case(db, int(row["case_id"]))
    kind = row["kind"] if row["kind"] in MESSAGE_KINDS_WITH_CARD else "case_alert"
    return Rendered(case_card(case, "zh", kind=kind), reply_markup(case))


MESSAGE_KINDS: tuple[MessageKind, ...] = (
    MessageKind("case_alert", render=_card, anchor=ALERT_ANCHOR),
    MessageKind("relisted", render=_card, anchor=ALERT_ANCHOR),
    MessageKind("case_edit", render=_card, edits=ALERT_ANCHOR, supersede=True),
)


def terminal_text(db: sqlite_utils.Database, row: Mapping[str, Any]) -> str:
    """A queued message as plain text, for ``fakeapp scan`` without a token."""
    text = row["text"] or ""
    if row["case_id"] and row["kind"] in MESSAGE_KINDS_WITH_CARD:
        text = case_card(get_case(db, int(row["case_id"])), "zh", kind=row["kind"])
    return html_to_text(text)
