"""The alert outbox: messages are written in the same transaction as the case change, then delivered.

Delivery claims a row (``pending`` -> ``sending``, with this process's host:pid), calls Telegram, and marks it
``sent`` with the message id. Retries back off; a 429 waits ``retry_after``; edits of a case's alert are
coalesced and rendered from the case's current state. A row left ``sending`` by a process that died is put
back to ``pending`` on the next pass (its process is gone, or its lease ran out).

Residual window (documented, not hidden): if the process dies after Telegram accepted a ``sendMessage`` but
before the ``sent`` mark is committed (one HTTP round-trip), that message is sent again after the restart.
The Bot API has no idempotency key, so at-least-once is the honest guarantee; nothing is ever lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from bot.alerts.render import case_card, html_to_text, reply_markup, split_message
from bot.cases import actions as cases_mod
from bot.cases.actions import Case
from bot.core.clock import now_iso
from bot.store.db import insert_row, transaction

log = logging.getLogger(__name__)

SECURITY = "security"
FRONTLINE = "frontline"
MESSAGE_KINDS_WITH_CARD = ("case_alert", "relisted")  # these messages become the case's alert message
LEASE_SECONDS = 120.0
MAX_BACKOFF = 300.0
# held: kept back by a hold or a kill switch (bot.outbox.holds); discarded: an admin decided not to send it.
STATUSES = ("pending", "sending", "sent", "failed", "superseded", "held", "discarded")


def _claimer() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- enqueue ------------------------------------------------------------------------------------------


def enqueue(
    db: sqlite_utils.Database,
    chat: str,
    text: str,
    *,
    kind: str,
    case_id: int | None = None,
    markup: Mapping[str, Any] | None = None,
    method: str = "sendMessage",
    document: bytes | None = None,
    filename: str = "",
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Queue a message for ``chat`` (a role name such as ``security``/``frontline``, or a chat id).

    Long texts become several rows (each below Telegram's limit); the keyboard goes on the last part.
    With ``dedupe_key`` the same alert is never queued twice. Call inside the transaction of the change.
    """
    at = now_iso(now)
    parts = [text] if method != "sendMessage" else split_message(text)
    ids: list[int] = []
    with transaction(db):
        for i, part in enumerate(parts):
            key = dedupe_key if (dedupe_key is None or i == 0) else f"{dedupe_key}#{i}"
            if key is not None and list(db.query("SELECT 1 FROM outbox WHERE dedupe_key = ?", [key])):
                continue
            last = i == len(parts) - 1
            ids.append(
                insert_row(
                    db,
                    "outbox",
                    {
                        "created_at": at,
                        "chat": str(chat),
                        "kind": kind,
                        "method": method,
                        "case_id": case_id,
                        "text": part,
                        "reply_markup": json.dumps(markup, ensure_ascii=False) if markup and last else "",
                        "document": document,
                        "filename": filename,
                        "dedupe_key": key,
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": 0.0,
                        "claimed_by": "",
                        "claimed_at": 0.0,
                        "last_error": "",
                        "sent_at": "",
                        "message_id": None,
                        "chat_id": "",
                    },
                )
            )
    return ids


def enqueue_case_alert(
    db: sqlite_utils.Database,
    case: Case,
    *,
    kind: str = "case_alert",
    dedupe_key: str | None = None,
    chat: str = SECURITY,
    now: datetime | None = None,
) -> list[int]:
    """A case card to the security chat: new case, re-listing, takedown confirmed, or a reminder."""
    markup = reply_markup(case) if kind in MESSAGE_KINDS_WITH_CARD or kind == "reminder" else None
    return enqueue(
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
    return enqueue(db, SECURITY, "", kind="case_edit", case_id=case.id, method="editMessageText", now=now)


def enqueue_store_status(db: sqlite_utils.Database, scan_id: int, *, now: datetime | None = None) -> bool:
    """One message for a scan with degraded or broken stores (or a failed scan). True if queued."""
    from bot.alerts.render import esc
    from bot.core.i18n import t

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
        enqueue(db, SECURITY, "\n".join(lines), kind="store_status", dedupe_key=f"store:{scan_id}", now=now)
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
        if n <= 0 or not cases_mod.reminder_due(case, n, now):
            continue
        at = datetime.fromisoformat(case.takedown_at)
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        period = int((now - at) / timedelta(days=n))
        key = f"reminder:{case.id}:{case.takedown_at}:{period}"
        text = case_card(case, "zh", kind="reminder", reminder_days=n)
        if enqueue(db, SECURITY, text, kind="reminder", case_id=case.id, dedupe_key=key, now=now):
            out.append(case.id)
    return out


def pending(db: sqlite_utils.Database, *, since_id: int = 0) -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT * FROM outbox WHERE status IN ('pending', 'sending') AND id > ? ORDER BY id", [since_id]
        )
    )


def max_id(db: sqlite_utils.Database) -> int:
    return int(next(db.query("SELECT COALESCE(MAX(id), 0) AS n FROM outbox"))["n"])


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """How many messages are in each status (every status listed, zero when none)."""
    query = "SELECT status, COUNT(*) AS n FROM outbox GROUP BY 1"
    found = {r["status"]: int(r["n"]) for r in db.query(query)}
    return {status: found.get(status, 0) for status in STATUSES}


def rows(db: sqlite_utils.Database, status: str = "all", *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest ``limit`` messages in ``status`` ("all", or "open": pending and sending), newest first."""
    wanted = {"all": STATUSES, "open": ("pending", "sending", "held")}.get(status, (status,))
    if not set(wanted) <= set(STATUSES):
        raise ValueError(f"unknown status {status!r} (all, open, {', '.join(STATUSES)})")
    marks = ", ".join("?" for _ in wanted)  # placeholders only: the values are bound
    columns = (
        "id, created_at, chat, kind, method, case_id, status, attempts, next_attempt_at, last_error, sent_at,"
        " message_id, chat_id, hold_id, held_reason, text"
    )
    query = f"SELECT {columns} FROM outbox WHERE status IN ({marks}) ORDER BY id DESC LIMIT ?"  # noqa: S608
    return list(db.query(query, [*wanted, limit]))


def requeue_failed(db: sqlite_utils.Database, ids: list[int] | None = None) -> list[int]:
    """Put failed messages (all of them, or ``ids``) back in the queue, for the next delivery pass.

    For after the cause is fixed (the bot re-added to the group, a chat id corrected). Raises ValueError,
    naming the message, for an id that does not exist or did not fail; then nothing is requeued.
    """
    with transaction(db):
        if ids is None:
            failed = db.query("SELECT id FROM outbox WHERE status = 'failed' ORDER BY id")
            ids = [int(r["id"]) for r in failed]
        else:
            for row_id in ids:
                found = list(db.query("SELECT status FROM outbox WHERE id = ?", [row_id]))
                if not found:
                    raise ValueError(f"no message #{row_id} in the outbox")
                if found[0]["status"] != "failed":
                    status = found[0]["status"]
                    raise ValueError(f"message #{row_id} is {status}; only failed messages are retried")
        for row_id in ids:
            db.execute(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = 0, claimed_by = '',"
                " last_error = 'requeued after: ' || last_error WHERE id = ?",
                [row_id],
            )
    return ids


# --- delivery -----------------------------------------------------------------------------------------


@dataclass
class Routes:
    """Where role names go: ``security`` -> the security chat id, ``frontline`` -> the front-line chat..."""

    chats: dict[str, str] = field(default_factory=dict)

    def resolve(self, chat: str) -> str | None:
        if chat.lstrip("-").isdigit():
            return chat
        return self.chats.get(chat) or None


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    superseded: int = 0
    retry_after: float = 0.0  # seconds Telegram asked us to wait (429), if any
    down: bool = False  # Telegram unreachable this pass


def recover_stale(
    db: sqlite_utils.Database, *, lease: float = LEASE_SECONDS, now: float | None = None
) -> int:
    """Put back rows left ``sending`` by a process that died (same host, pid gone) or whose lease ran out."""
    now = time.time() if now is None else now
    host = socket.gethostname()
    back: list[int] = []
    for r in db.query("SELECT id, claimed_by, claimed_at FROM outbox WHERE status = 'sending'"):
        by = r["claimed_by"] or ""
        h, _, pid = by.rpartition(":")
        dead = h == host and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid))
        if dead or (r["claimed_at"] or 0) < now - lease:
            back.append(r["id"])
    if back:
        with transaction(db):
            for i in back:
                db.execute(
                    "UPDATE outbox SET status = 'pending', claimed_by = '', next_attempt_at = 0"
                    " WHERE id = ? AND status = 'sending'",
                    [i],
                )
        log.warning("outbox: %d message(s) left in flight by a stopped process will be sent again", len(back))
    return len(back)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (killed child not yet reaped) is not alive for our purposes.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _claim(db: sqlite_utils.Database, row_id: int, now: float) -> bool:
    with transaction(db):
        cur = db.execute(
            "UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_at = ?"
            " WHERE id = ? AND status = 'pending'",
            [_claimer(), now, row_id],
        )
        return cur.rowcount == 1


def _release(db: sqlite_utils.Database, row_id: int, **values: Any) -> None:
    sets = ", ".join(f"[{k}] = ?" for k in values)
    with transaction(db):
        db.execute(
            f"UPDATE outbox SET status = 'pending', claimed_by = '', {sets} WHERE id = ?",  # noqa: S608
            [*values.values(), row_id],
        )


def _finish(
    db: sqlite_utils.Database,
    row: Mapping[str, Any],
    status: str,
    chat_id: str,
    message_id: int | None,
    error: str = "",
) -> None:
    with transaction(db):
        db.execute(
            "UPDATE outbox SET status = ?, sent_at = ?, message_id = ?, chat_id = ?, last_error = ?,"
            " attempts = attempts + 1 WHERE id = ?",
            [status, now_iso(), message_id, chat_id, error, row["id"]],
        )
        if status == "sent" and message_id and row["kind"] in MESSAGE_KINDS_WITH_CARD and row["case_id"]:
            db.execute(
                "INSERT INTO case_messages (case_id, chat_id, message_id, kind, at)"
                " VALUES (?, ?, ?, 'alert', ?) ON CONFLICT(case_id, chat_id, kind)"
                " DO UPDATE SET message_id = excluded.message_id, at = excluded.at",
                [row["case_id"], chat_id, message_id, now_iso()],
            )


def _markup(raw: str | Mapping[str, Any] | None) -> Any:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    if not raw:
        return None
    data = json.loads(raw) if isinstance(raw, str) else raw
    if not data:
        return None
    rows = [
        [InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in r]
        for r in data["inline_keyboard"]
    ]
    return InlineKeyboardMarkup(rows)


def _retry_after_seconds(exc: Any) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return float(value.total_seconds()) if isinstance(value, timedelta) else float(value)


def backoff(attempts: int) -> float:
    return float(min(MAX_BACKOFF, 2 ** min(attempts, 9)))


async def deliver_pending(
    db: sqlite_utils.Database,
    bot: Any,
    routes: Routes,
    *,
    limit: int = 50,
    redact: Callable[[str], str] = lambda s: s,
    clock: Callable[[], float] = time.time,
) -> DeliveryStats:
    """Send due rows in order. Stops at the first 429 or network failure (the rest wait their turn)."""
    from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

    from bot.outbox.holds import clamp_future, gate_rows  # local: holds queues its summary through here

    stats = DeliveryStats()
    recover_stale(db)
    now = clock()
    clamp_future(db, now)  # the clock jumped back: a message must not wait for the old future
    rows = list(
        db.query(
            "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            [now, limit],
        )
    )
    rows = [dict(r) for r in gate_rows(db, rows)]  # held cases and kill switches: kept back, never dropped
    for row in rows:
        chat_id = routes.resolve(row["chat"])
        if chat_id is None:
            _release(
                db,
                row["id"],
                next_attempt_at=now + MAX_BACKOFF,
                last_error=f"no chat configured for {row['chat']!r}",
            )
            continue
        if row["kind"] == "case_edit" and _skip_edit(db, row, chat_id):
            stats.superseded += 1
            continue
        if not _claim(db, row["id"], now):
            continue  # another process took it
        try:
            message_id = await _send(db, bot, row, chat_id)
        except RetryAfter as exc:
            wait = _retry_after_seconds(exc)
            _release(
                db,
                row["id"],
                next_attempt_at=clock() + wait,
                last_error=f"429 retry after {wait:g}s",
                attempts=int(row["attempts"] or 0) + 1,
            )
            # Flood control holds the whole queue (in order), in every process, until retry_after.
            with transaction(db):
                db.execute(
                    "UPDATE outbox SET next_attempt_at = MAX(next_attempt_at, ?) WHERE status = 'pending'",
                    [clock() + wait],
                )
            stats.retry_after = wait
            stats.retried += 1
            return stats
        except BadRequest as exc:
            msg = str(exc)
            if "not modified" in msg.lower():
                _finish(db, row, "sent", chat_id, row["message_id"], "not modified")
                stats.sent += 1
                continue
            _finish(db, row, "failed", chat_id, None, redact(msg)[:500])
            stats.failed += 1
            log.error("outbox: message %s refused by Telegram: %s", row["id"], redact(msg))
            continue
        except Forbidden as exc:
            _finish(db, row, "failed", chat_id, None, redact(str(exc))[:500])
            stats.failed += 1
            log.error("outbox: message %s forbidden: %s", row["id"], redact(str(exc)))
            continue
        except InvalidToken:
            _release(db, row["id"], last_error="invalid token")
            raise
        except (TimedOut, NetworkError, OSError) as exc:
            attempts = int(row["attempts"] or 0) + 1
            _release(
                db,
                row["id"],
                attempts=attempts,
                next_attempt_at=clock() + backoff(attempts),
                last_error=redact(f"{type(exc).__name__}: {exc}")[:500],
            )
            stats.retried += 1
            stats.down = True
            return stats
        except Exception as exc:  # a bug for this row: keep it, back off, let the others through
            attempts = int(row["attempts"] or 0) + 1
            _release(
                db,
                row["id"],
                attempts=attempts,
                next_attempt_at=clock() + backoff(attempts),
                last_error=redact(f"{type(exc).__name__}: {exc}")[:500],
            )
            log.exception("outbox: message %s could not be sent", row["id"])
            stats.retried += 1
            continue
        except BaseException:
            _release(db, row["id"], last_error="interrupted")
            raise
        _finish(db, row, "sent", chat_id, message_id)
        stats.sent += 1
    return stats


def _skip_edit(db: sqlite_utils.Database, row: Mapping[str, Any], chat_id: str) -> bool:
    """An edit is superseded when a later edit of the same case is queued or there is no message to edit yet
    (the alert, when it goes out, shows the current state)."""
    later = list(
        db.query(
            "SELECT 1 FROM outbox WHERE case_id = ? AND kind = 'case_edit' AND status = 'pending'"
            " AND id > ? LIMIT 1",
            [row["case_id"], row["id"]],
        )
    )
    msg = list(
        db.query(
            "SELECT 1 FROM case_messages WHERE case_id = ? AND chat_id = ? AND kind = 'alert'",
            [row["case_id"], chat_id],
        )
    )
    if later or not msg:
        with transaction(db):
            db.execute(
                "UPDATE outbox SET status = 'superseded' WHERE id = ? AND status = 'pending'", [row["id"]]
            )
        return True
    return False


async def _send(db: sqlite_utils.Database, bot: Any, row: Mapping[str, Any], chat_id: str) -> int | None:
    from telegram import InputFile
    from telegram.constants import ParseMode

    if row["kind"] in ("frontline", "frontline_edit"):  # front-line notices render themselves (issue 5)
        from bot.alerts import frontline

        return await frontline.send(db, bot, row, chat_id)
    method = row["method"]
    text = row["text"] or ""
    markup_raw: Any = row["reply_markup"]
    if row["case_id"] and (row["kind"] in MESSAGE_KINDS_WITH_CARD or method == "editMessageText"):
        # Rendered from the case as it is now, so a pending alert never shows a stale state.
        case = cases_mod.get_case(db, int(row["case_id"]))
        text = case_card(
            case, "zh", kind=row["kind"] if row["kind"] in MESSAGE_KINDS_WITH_CARD else "case_alert"
        )
        markup_raw = reply_markup(case)
    if method == "sendMessage":
        msg = await bot.send_message(
            chat_id=int(chat_id),
            text=text,
            parse_mode=ParseMode.HTML,
            reply_markup=_markup(markup_raw),
            disable_web_page_preview=True,
        )
        return int(msg.message_id)
    if method == "editMessageText":
        cm = next(
            db.query(
                "SELECT message_id FROM case_messages WHERE case_id = ? AND chat_id = ? AND kind = 'alert'",
                [row["case_id"], chat_id],
            )
        )
        await bot.edit_message_text(
            chat_id=int(chat_id),
            message_id=int(cm["message_id"]),
            text=text,
            parse_mode=ParseMode.HTML,
            reply_markup=_markup(markup_raw),
            disable_web_page_preview=True,
        )
        return int(cm["message_id"])
    if method == "sendDocument":
        msg = await bot.send_document(
            chat_id=int(chat_id),
            document=InputFile(row["document"] or b"", filename=row["filename"] or "file"),
            caption=text[:1000] or None,
            parse_mode=ParseMode.HTML,
        )
        return int(msg.message_id)
    raise ValueError(f"unknown outbox method {method!r}")


async def deliver_all(
    db: sqlite_utils.Database,
    bot: Any,
    routes: Routes,
    *,
    budget: float = 60.0,
    redact: Callable[[str], str] = lambda s: s,
) -> DeliveryStats:
    """Deliver until nothing is due or ``budget`` seconds pass (for ``fakeapp scan --notify``)."""
    total = DeliveryStats()
    end = time.monotonic() + budget
    while time.monotonic() < end:
        s = await deliver_pending(db, bot, routes, redact=redact)
        total.sent += s.sent
        total.failed += s.failed
        total.retried += s.retried
        total.superseded += s.superseded
        if s.down:
            total.down = True
            break
        if s.retry_after:
            if time.monotonic() + s.retry_after > end:
                break
            await asyncio.sleep(s.retry_after)
            continue
        if s.sent == 0 and s.failed == 0 and s.superseded == 0:
            break
    return total


def render_for_terminal(row: Mapping[str, Any], db: sqlite_utils.Database) -> str:
    """A queued message as plain text, for ``fakeapp scan`` without a token."""
    text = row["text"] or ""
    if row["case_id"] and row["kind"] in MESSAGE_KINDS_WITH_CARD:
        text = case_card(cases_mod.get_case(db, int(row["case_id"])), "zh", kind=row["kind"])
    return html_to_text(text)


# --- after a scan (``fakeapp scan``) ------------------------------------------------------------------


def after_scan(
    db: sqlite_utils.Database,
    scan_id: int,
    profile: Any,
    settings: Any,
    *,
    notify: bool,
    echo: Callable[[str], None],
    budget: float = 60.0,
) -> cases_mod.SyncResult:
    """Open cases and queue alerts for a committed scan; deliver them (``--notify``) or print them (no token).

    Without a token the alerts are printed and stay in the outbox, for the bot to deliver later.
    """
    from bot.store.settings_overrides import effective_settings

    tg = effective_settings(db, settings).telegram  # the admins' /settings reminder days win here too
    from bot.outbox import holds

    before = max_id(db)
    sync, hold = holds.sync_and_check(
        db, scan_id, profile, storm=settings.alert_storm, reminder_days=tg.reminder_periods()
    )
    new_rows = [r for r in pending(db, since_id=before) if r["kind"] != "case_edit"]
    echo(
        f"Cases: {len(sync.opened)} opened, {len(sync.removed)} takedown(s) confirmed, "
        f"{len(sync.relisted)} relisted; {len(new_rows)} alert(s) queued."
    )
    if hold is not None:
        echo(
            f"HELD: hold #{hold.id}, {hold.messages} alert(s) not sent ({hold.reason_line()}). Every case is "
            f"recorded; `fakeapp outbox --release {hold.id}` sends them, `--discard {hold.id}` drops them."
        )
    if not tg.token:
        if new_rows:
            echo("No TELEGRAM_BOT_TOKEN: these alerts stay in the outbox until the bot delivers them:")
        for r in new_rows:
            echo("─" * 60)
            echo(render_for_terminal(r, db))
        return sync
    if not notify:
        if new_rows:
            echo("The bot (fakeapp bot) will deliver them.")
        return sync
    from bot.telegram.redact import install_redaction

    redact = install_redaction(tg.token)
    try:
        stats = asyncio.run(_deliver_with_bot(db, settings, budget=budget, redact=redact))
    except Exception as exc:  # Telegram down, bad token: the alerts stay queued; say so in one line
        echo(
            f"Telegram: not delivered now ({redact(type(exc).__name__ + ': ' + str(exc))[:200]}); "
            "the alerts stay in the outbox for the bot."
        )
        return sync
    left = len(pending(db))
    echo(f"Telegram: {stats.sent} sent, {left} waiting" + (" (Telegram unreachable)" if stats.down else ""))
    return sync


async def _deliver_with_bot(
    db: sqlite_utils.Database, settings: Any, *, budget: float, redact: Callable[[str], str]
) -> DeliveryStats:
    from telegram.ext import AIORateLimiter, ExtBot

    tg = settings.telegram
    bot: ExtBot[Any] = ExtBot(
        tg.token,
        base_url=tg.api_url,
        base_file_url=tg.file_url,
        rate_limiter=AIORateLimiter(
            overall_max_rate=tg.overall_rate,
            group_max_rate=tg.group_rate,
            group_time_period=60,
            max_retries=0,
        ),
    )
    async with bot:
        return await deliver_all(db, bot, Routes(tg.chats()), budget=budget, redact=redact)
