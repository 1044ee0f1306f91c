"""Delivery of the outbox: claim a row, send it to Telegram, mark it sent; retry, back off, recover.

Delivery claims a row (``pending`` -> ``sending``, with this process's host:pid), calls Telegram, and marks it
``sent`` with the message id. Retries back off; a 429 waits ``retry_after``; edits of a message are coalesced
and rendered when delivered, by the ``MessageKind`` the queueing layer passed in. A row left ``sending`` by a
process that died is put back to ``pending`` on the next pass (its process is gone, or its lease ran out).

Before sending, each due row passes the gate: a message of a case in an open hold (``bot.outbox.holds``), or
one a kill switch covers (``bot.store.switches``), is marked ``held``, never dropped; held-by-switch messages
go back to the queue once the switch is resumed. A due time further ahead than any retry waits (the clock
jumped back) is brought to now.

Each database step of a pass (read the due rows, claim one, render it, record how its send went) is one call
through the ``run`` the caller gives (``DbRunner``): the bot gives its database thread's, so a step waiting
for another process's write lock never stops the bot answering; only the Telegram calls run on the loop.

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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, TypeVar

import sqlite_utils

from bot.core.clock import now_iso
from bot.outbox import holds
from bot.outbox.queue import FRONTLINE
from bot.store import switches as sw
from bot.store.db import transaction

log = logging.getLogger(__name__)

LEASE_SECONDS = 120.0
MAX_BACKOFF = 300.0
# Roles whose messages fail at once, saying why, when no chat is set for them (instead of waiting forever):
# a front-line notice queued before the front-line chat was unset can never go (requeue after setting it).
OFF_WHEN_UNSET = {FRONTLINE: "front-line notices are off: FAKEAPP_FRONTLINE_CHAT_ID is not set"}
_T = TypeVar("_T")


def _claimer() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Rendered:
    """A message as it goes out: HTML text and its inline keyboard (Bot API JSON, or the stored JSON text)."""

    text: str
    markup: str | Mapping[str, Any] | None = None


@dataclass(frozen=True)
class MessageKind:
    """How one kind of queued message is delivered; given by the layer that queues it.

    ``render`` builds the message when it goes out (so a pending message never shows a stale state); without
    it the text and keyboard are sent as queued. ``anchor`` remembers the sent message under that name (in
    ``case_messages``) so later edits find it; ``edits`` names the anchor an ``editMessageText`` row edits.
    ``supersede`` drops an edit when a later edit of the same subject is queued or nothing is there to edit.
    """

    name: str
    render: Callable[[sqlite_utils.Database, Mapping[str, Any]], Rendered] | None = None
    anchor: str = ""
    edits: str = ""
    supersede: bool = False


Kinds = Mapping[str, MessageKind]


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
    """What one delivery pass did, and whether Telegram was down or asked us to wait."""

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
    *,
    anchor: str = "",
) -> None:
    with transaction(db):
        db.execute(
            "UPDATE outbox SET status = ?, sent_at = ?, message_id = ?, chat_id = ?, last_error = ?,"
            " attempts = attempts + 1 WHERE id = ?",
            [status, now_iso(), message_id, chat_id, error, row["id"]],
        )
        if status == "sent" and message_id and anchor and row["case_id"]:
            remember(db, int(row["case_id"]), chat_id, message_id, anchor)


def remember(db: sqlite_utils.Database, subject: int, chat_id: str, message_id: int, anchor: str) -> None:
    """Remember a sent message as ``anchor`` of ``subject`` in ``chat_id`` (later edits edit it)."""
    db.execute(
        "INSERT INTO case_messages (case_id, chat_id, message_id, kind, at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(case_id, chat_id, kind)"
        " DO UPDATE SET message_id = excluded.message_id, at = excluded.at",
        [subject, chat_id, message_id, anchor, now_iso()],
    )


def anchored(db: sqlite_utils.Database, subject: int, chat_id: str, anchor: str) -> int | None:
    """The message id remembered as ``anchor`` of ``subject`` in ``chat_id``, if any."""
    found = list(
        db.query(
            "SELECT message_id FROM case_messages WHERE case_id = ? AND chat_id = ? AND kind = ?",
            [subject, chat_id, anchor],
        )
    )
    return int(found[0]["message_id"]) if found else None


def inline_keyboard(raw: str | Mapping[str, Any] | None) -> Any:
    """The one keyboard builder: keyboard rows (Bot API JSON, or its stored text) as Telegram's object."""
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
    """Seconds to wait before retrying a message that failed ``attempts`` times (doubling, capped)."""
    return float(min(MAX_BACKOFF, 2 ** min(attempts, 9)))


# --- one delivery pass ----------------------------------------------------------------------------------
#
# A pass reads the due rows, then for each row: claims it, renders it, sends it, records the outcome. Every
# database step is one call through ``run`` (the bot: its database thread); only the Telegram calls are
# awaited on the event loop. The row is claimed (``sending``) before the send and the outcome recorded
# after it, shielded from cancellation, so a message accepted by Telegram is never sent again by this process.


class DbRunner(Protocol):
    """Where the delivery's database steps run: ``await run(fn, *args, **kwargs)`` returns ``fn(...)``.

    The bot passes ``Desk.run`` (its database thread): a step waiting for another process's write lock then
    never stops the event loop. :func:`here` runs the steps in place."""

    def __call__(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Awaitable[_T]: ...


async def here(fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
    """Run a database step in place, on the caller's thread (``fakeapp scan --notify``: nothing else is on
    its event loop; tests with an in-memory database)."""
    return fn(*args, **kwargs)


@dataclass(frozen=True)
class _Taken:
    """A due row this pass has claimed (``sending``): where it goes and how it is delivered."""

    row: Mapping[str, Any]
    chat_id: str
    kind: MessageKind


@dataclass(frozen=True)
class _Outgoing:
    """What one Telegram call sends, read from the database just before it: the message rendered now and,
    for an edit, the message it edits."""

    rendered: Rendered
    edit_of: int | None = None


# How a claimed row is settled: sent (or nothing left to edit), refused for good, the queue held (429), back
# off and retry, or put back as it was (bad token, interrupted).
SENT, REFUSED, HOLD, RETRY, RELEASE = "sent", "refused", "hold", "retry", "release"
# How a due row is settled without a send (``_take``).
OFF, WAITING, SUPERSEDED, TAKEN = "off", "waiting", "superseded", "taken"


@dataclass(frozen=True)
class _Outcome:
    """What one send came to: ``_judge`` decides it, ``_record`` writes it down, ``_tally`` counts it."""

    how: str
    message_id: int | None = None  # SENT
    anchor: str = ""  # SENT: remember the message under this name
    error: str = ""  # what ``last_error`` says (redacted)
    wait: float = 0.0  # HOLD: Telegram's retry_after
    down: bool = False  # RETRY: Telegram unreachable
    stop: bool = False  # the pass ends after this row
    reraise: bool = False  # RELEASE: the error goes on up once the row is back


async def deliver_pending(
    db: sqlite_utils.Database,
    bot: Any,
    routes: Routes,
    *,
    kinds: Kinds,
    limit: int = 50,
    redact: Callable[[str], str] = lambda s: s,
    clock: Callable[[], float] = time.time,
    run: DbRunner = here,
) -> DeliveryStats:
    """Send due rows in order. Stops at the first 429 or network failure (the rest wait their turn).

    Every database step goes through ``run`` (the bot passes its database thread's), never blocking the
    event loop; the calls to Telegram are awaited on the loop."""
    stats = DeliveryStats()
    now, rows = await run(_due_rows, db, limit, clock)
    for row in rows:
        taken = await run(_take, db, row, routes, kinds, now)
        if not isinstance(taken, _Taken):  # settled without a send
            stats.failed += taken == OFF
            stats.superseded += taken == SUPERSEDED
            continue
        outcome = await _deliver_one(db, bot, taken, run=run, redact=redact, clock=clock)
        _tally(stats, outcome)
        if outcome.stop:
            break
    return stats


def _due_rows(
    db: sqlite_utils.Database, limit: int, clock: Callable[[], float]
) -> tuple[float, list[dict[str, Any]]]:
    """The pass's "now" and the rows due then, in queue order, past the gate (one database step).

    First puts back rows a stopped process left ``sending`` and brings due times from a clock that jumped back
    to now; the gate marks held the messages of held cases and paused work (kept back, never dropped)."""
    recover_stale(db)
    now = clock()
    clamp_future(db, now)  # the clock jumped back: a message must not wait for the old future
    rows = list(
        db.query(
            "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            [now, limit],
        )
    )
    return now, [dict(r) for r in gate_rows(db, rows)]


def _take(
    db: sqlite_utils.Database, row: Mapping[str, Any], routes: Routes, kinds: Kinds, now: float
) -> _Taken | str:
    """Claim one due row for this pass (one database step), or settle it without a send: ``OFF`` (failed:
    its role's chat is unset for good), ``WAITING`` (no chat configured yet: back off), ``SUPERSEDED`` (an
    edit with a later one queued, or nothing to edit yet), ``TAKEN`` (another process claimed it first)."""
    chat_id = routes.resolve(row["chat"])
    if chat_id is None and row["chat"] in OFF_WHEN_UNSET:
        _finish(db, row, "failed", "", None, OFF_WHEN_UNSET[row["chat"]])
        return OFF
    if chat_id is None:
        _release(
            db,
            row["id"],
            next_attempt_at=now + MAX_BACKOFF,
            last_error=f"no chat configured for {row['chat']!r}",
        )
        return WAITING
    kind = kinds.get(row["kind"]) or MessageKind(row["kind"])
    if kind.supersede and _superseded(db, row, chat_id, kind):
        return SUPERSEDED
    if not _claim(db, row["id"], now):
        return TAKEN
    return _Taken(row, chat_id, kind)


async def _deliver_one(
    db: sqlite_utils.Database,
    bot: Any,
    taken: _Taken,
    *,
    run: DbRunner,
    redact: Callable[[str], str],
    clock: Callable[[], float],
) -> _Outcome:
    """Send one claimed row and record how it went: sent, failed, or back to pending.

    The record is shielded: once Telegram accepted a message, a cancelled pass still marks it sent. A bad
    token or an interruption puts the row back, then goes on up."""
    error: BaseException | None = None
    try:
        message_id = await _send(db, bot, taken, run)
        outcome = _Outcome(SENT, message_id=message_id, anchor=taken.kind.anchor)
    except BaseException as exc:
        error, outcome = exc, _judge(exc, taken.row, redact)
    await asyncio.shield(run(_record, db, taken.row, taken.chat_id, outcome, clock))
    if outcome.reraise and error is not None:
        raise error
    return outcome


def _judge(exc: BaseException, row: Mapping[str, Any], redact: Callable[[str], str]) -> _Outcome:
    """What a failed send comes to, by its error (errors are redacted; refusals and bugs are logged).

    A 429 holds the whole queue for ``retry_after`` and ends the pass; "message is not modified" counts as
    sent; any other Bad Request, or Forbidden, fails the row for good; a bad token, or an interruption,
    puts the row back as it was and goes on up; Telegram unreachable backs off and ends the pass; any other
    error (a bug for this row) backs off and lets the others through."""
    from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

    if isinstance(exc, RetryAfter):
        return _Outcome(HOLD, wait=_retry_after_seconds(exc), stop=True)
    if isinstance(exc, BadRequest):  # before NetworkError, of which it is a kind
        msg = str(exc)
        if "not modified" in msg.lower():
            return _Outcome(SENT, message_id=row["message_id"], error="not modified")
        return _refusal(row, redact(msg), "refused by Telegram")
    if isinstance(exc, Forbidden):
        return _refusal(row, redact(str(exc)), "forbidden")
    if isinstance(exc, InvalidToken):
        return _Outcome(RELEASE, error="invalid token", reraise=True)
    if isinstance(exc, TimedOut | NetworkError | OSError):
        return _Outcome(RETRY, error=redact(f"{type(exc).__name__}: {exc}"), down=True, stop=True)
    if isinstance(exc, Exception):
        log.error("outbox: message %s could not be sent", row["id"], exc_info=exc)
        return _Outcome(RETRY, error=redact(f"{type(exc).__name__}: {exc}"))
    return _Outcome(RELEASE, error="interrupted", reraise=True)


def _refusal(row: Mapping[str, Any], msg: str, why: str) -> _Outcome:
    """Telegram refused the row for good: it fails with the (redacted) error, and the log says so."""
    log.error("outbox: message %s %s: %s", row["id"], why, msg)
    return _Outcome(REFUSED, error=msg[:500])


def _record(
    db: sqlite_utils.Database,
    row: Mapping[str, Any],
    chat_id: str,
    outcome: _Outcome,
    clock: Callable[[], float],
) -> None:
    """Write down how one claimed row was settled (one database step, after the send)."""
    if outcome.how == SENT:
        _finish(db, row, "sent", chat_id, outcome.message_id, outcome.error, anchor=outcome.anchor)
    elif outcome.how == REFUSED:
        _finish(db, row, "failed", chat_id, None, outcome.error)
    elif outcome.how == HOLD:
        _hold_queue(db, row, outcome.wait, clock)
    elif outcome.how == RETRY:
        _back_off(db, row, outcome.error, clock)
    else:
        _release(db, row["id"], last_error=outcome.error)


def _tally(stats: DeliveryStats, outcome: _Outcome) -> None:
    """Count one settled row in the pass's figures."""
    if outcome.how == SENT:
        stats.sent += 1
    elif outcome.how == REFUSED:
        stats.failed += 1
    elif outcome.how in (HOLD, RETRY):
        stats.retried += 1
        if outcome.how == HOLD:
            stats.retry_after = outcome.wait
        stats.down = stats.down or outcome.down


def _hold_queue(
    db: sqlite_utils.Database, row: Mapping[str, Any], wait: float, clock: Callable[[], float]
) -> None:
    """A 429: this row and, in order, the whole queue (in every process) wait ``retry_after``."""
    _release(
        db,
        row["id"],
        next_attempt_at=clock() + wait,
        last_error=f"429 retry after {wait:g}s",
        attempts=int(row["attempts"] or 0) + 1,
    )
    with transaction(db):
        db.execute(
            "UPDATE outbox SET next_attempt_at = MAX(next_attempt_at, ?) WHERE status = 'pending'",
            [clock() + wait],
        )


def _back_off(
    db: sqlite_utils.Database, row: Mapping[str, Any], error: str, clock: Callable[[], float]
) -> None:
    """Put the row back, to be tried again after an exponential backoff."""
    attempts = int(row["attempts"] or 0) + 1
    _release(
        db, row["id"], attempts=attempts, next_attempt_at=clock() + backoff(attempts), last_error=error[:500]
    )


def _superseded(db: sqlite_utils.Database, row: Mapping[str, Any], chat_id: str, kind: MessageKind) -> bool:
    """An edit is superseded when a later edit of the same subject is queued or there is no message to edit
    yet (the message, when it goes out, shows the current state)."""
    later = list(
        db.query(
            "SELECT 1 FROM outbox WHERE case_id = ? AND kind = ? AND status = 'pending' AND id > ? LIMIT 1",
            [row["case_id"], row["kind"], row["id"]],
        )
    )
    if later or anchored(db, int(row["case_id"]), chat_id, kind.edits) is None:
        with transaction(db):
            db.execute(
                "UPDATE outbox SET status = 'superseded' WHERE id = ? AND status = 'pending'", [row["id"]]
            )
        return True
    return False


def render_row(db: sqlite_utils.Database, row: Mapping[str, Any], kind: MessageKind | None) -> Rendered:
    """The row as it goes out now: rendered by its kind, or as queued."""
    if kind is not None and kind.render is not None:
        return kind.render(db, row)
    return Rendered(row["text"] or "", row["reply_markup"])


async def _send(db: sqlite_utils.Database, bot: Any, taken: _Taken, run: DbRunner) -> int | None:
    """Send one claimed row: the message id, or None when there is (not yet) a message to edit.

    The message is rendered, and an edit's message looked up, in one database step before the call."""
    out = await run(_outgoing, db, taken)
    if out is None:
        return None  # the message itself is not out yet; when it goes, it shows the current state
    return await _call_telegram(bot, taken.row, taken.chat_id, out)


def _outgoing(db: sqlite_utils.Database, taken: _Taken) -> _Outgoing | None:
    """The row as it goes out now and, for an edit, the message it edits (None: that one is not out yet)."""
    row, kind = taken.row, taken.kind
    out = render_row(db, row, kind)
    if row["method"] != "editMessageText":
        return _Outgoing(out)
    message_id = anchored(db, int(row["case_id"]), taken.chat_id, kind.edits)
    return None if message_id is None else _Outgoing(out, message_id)


async def _call_telegram(bot: Any, row: Mapping[str, Any], chat_id: str, out: _Outgoing) -> int:
    """The one Bot API call for a row (no database here): the id of the message sent or edited."""
    from telegram import InputFile
    from telegram.constants import ParseMode

    method = row["method"]
    if method == "sendMessage":
        msg = await bot.send_message(
            chat_id=int(chat_id),
            text=out.rendered.text,
            parse_mode=ParseMode.HTML,
            reply_markup=inline_keyboard(out.rendered.markup),
            disable_web_page_preview=True,
        )
        return int(msg.message_id)
    if method == "editMessageText" and out.edit_of is not None:
        await bot.edit_message_text(
            chat_id=int(chat_id),
            message_id=out.edit_of,
            text=out.rendered.text,
            parse_mode=ParseMode.HTML,
            reply_markup=inline_keyboard(out.rendered.markup),
            disable_web_page_preview=True,
        )
        return out.edit_of
    if method == "sendDocument":
        msg = await bot.send_document(
            chat_id=int(chat_id),
            document=InputFile(row["document"] or b"", filename=row["filename"] or "file"),
            caption=out.rendered.text[:1000] or None,
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
    kinds: Kinds,
    redact: Callable[[str], str] = lambda s: s,
) -> DeliveryStats:
    """Deliver until nothing is due or ``budget`` seconds pass (for ``fakeapp scan --notify``)."""
    total = DeliveryStats()
    end = time.monotonic() + budget
    while time.monotonic() < end:
        s = await deliver_pending(db, bot, routes, kinds=kinds, redact=redact)
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


# --- the gate: holds and kill switches (issue 14) ------------------------------------------------------


def _work_of(row: Mapping[str, Any]) -> str | None:
    """Which switchable work a message is: front-line notice, case alert, or neither (always sent)."""
    if row["kind"] in holds.FRONTLINE_KINDS:
        return "frontline"
    if row.get("case_id") and row["kind"] != holds.SUMMARY_KIND:
        return "alerts"
    return None


def gate_rows(db: sqlite_utils.Database, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The rows the delivery loop may send now; the others are marked held (never dropped).

    Messages held by a switch that has since been resumed go back to the queue here.
    """
    paused = sw.paused(db)
    back = _unpause(db, paused)
    if back:  # resumed since the caller looked: they go out in this pass, in queue order
        marks = ", ".join("?" for _ in back)
        again = list(db.query(f"SELECT * FROM outbox WHERE id IN ({marks})", back))  # noqa: S608
        rows = sorted([*rows, *again], key=lambda r: int(r["id"]))
    open_cases = {
        int(r["case_id"]): int(r["hold_id"])
        for r in db.query(
            "SELECT hc.case_id, hc.hold_id FROM hold_cases hc JOIN holds h ON h.id = hc.hold_id "
            "WHERE h.status = 'open'"
        )
    }
    out: list[Mapping[str, Any]] = []
    for row in rows:
        work = _work_of(row)
        if work is None:
            out.append(row)
            continue
        cid = int(row["case_id"] or 0)
        if cid in open_cases:
            _mark(db, row["id"], open_cases[cid], "hold")
            continue
        store = _store_of(db, cid)
        switch = sw.covering(paused, work, store)
        if switch is not None:
            _mark(db, row["id"], None, f"paused:{switch.name}")
            continue
        out.append(row)
    return out


def _store_of(db: sqlite_utils.Database, case_id: int) -> str | None:
    rows = list(db.query("SELECT store FROM cases WHERE id = ?", [case_id]))
    return str(rows[0]["store"]) if rows else None


def _mark(db: sqlite_utils.Database, row_id: int, hold_id: int | None, reason: str) -> None:
    with transaction(db):
        db.execute(
            "UPDATE outbox SET status = 'held', hold_id = ?, held_reason = ? WHERE id = ? AND "
            "status = 'pending'",
            [hold_id, reason, row_id],
        )


def _unpause(db: sqlite_utils.Database, paused: Mapping[str, sw.Switch]) -> list[int]:
    back = []
    for r in db.query("SELECT id, kind, case_id FROM outbox WHERE status = 'held' AND hold_id IS NULL"):
        work = _work_of(r) or "alerts"
        if sw.covering(paused, work, _store_of(db, int(r["case_id"] or 0))) is None:
            back.append(int(r["id"]))
    if back:
        with transaction(db):
            for i in back:
                db.execute(
                    "UPDATE outbox SET status = 'pending', next_attempt_at = 0, held_reason = 'resumed'"
                    " WHERE id = ? AND status = 'held'",
                    [i],
                )
    return back


MAX_WAIT = 3600.0  # no retry waits longer; a later due time comes from a clock that jumped back


def clamp_future(db: sqlite_utils.Database, now: float) -> int:
    """Messages due further ahead than any retry would wait (the clock jumped back): due now.

    Reads first and writes only when there is something to clamp: a pass with nothing to do must not wait for
    the write lock another process holds."""
    late = db.execute(
        "SELECT 1 FROM outbox WHERE status = 'pending' AND next_attempt_at > ? LIMIT 1", [now + MAX_WAIT]
    ).fetchone()
    if late is None:
        return 0
    with transaction(db):
        cur = db.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND next_attempt_at > ?",
            [now, now + MAX_WAIT],
        )
    return int(cur.rowcount or 0)
