"""Who may do what in the bot: roles by Telegram user id, allowed chats, and the access log.

Deny by default: a user with no role, or any user in a chat that is not allowed, gets nothing.

Access fails closed: ``decide`` is pure (configuration in, decision out, no I/O), so nothing that can fail
(Telegram refusing a reply, a locked or full database) runs before the decision; logging and telling the
admins come after it and never change it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from bot.core.clock import now_iso
from bot.core.settings import TelegramSettings
from bot.store.db import insert_row, transaction

ROLES = ("viewer", "analyst", "admin")
_RANK = {r: i for i, r in enumerate(ROLES, start=1)}

# What each command and button needs is on its registry entry (``bot.telegram.app``'s COMMANDS and BUTTONS);
# anything not registered needs "admin" (deny by default).
APK_ROLE = "analyst"


def role_of(tg: TelegramSettings, user_id: int | None) -> str | None:
    """A Telegram user's role (admin, analyst or viewer); None for a stranger."""
    if user_id is None:
        return None
    if user_id in tg.admins:
        return "admin"
    if user_id in tg.analysts:
        return "analyst"
    if user_id in tg.viewers:
        return "viewer"
    return None


def chat_allowed(tg: TelegramSettings, chat_id: int | None, user_id: int | None) -> bool:
    """The security/front-line chats, the configured extra chats, and a user's private chat with the bot."""
    if chat_id is None:
        return False
    if user_id is not None and chat_id == user_id:
        return True
    known = set(tg.allowed_chats)
    for c in (tg.chat_id, tg.frontline_chat_id):
        if c:
            known.add(int(c))
    return chat_id in known


def may(role: str | None, needed: str) -> bool:
    """Whether ``role`` is at least ``needed`` (an unknown need asks for an admin)."""
    return role is not None and _RANK.get(role, 0) >= _RANK.get(needed, _RANK["admin"])


@dataclass(frozen=True)
class Decision:
    """What the gate decided about one update, from configuration alone."""

    allowed: bool
    role: str | None = None
    in_chat: bool = False
    kind: str = "other"
    detail: str = ""
    needed: str | None = "admin"  # None: chatter from a member (nothing to do, nothing to log)

    @property
    def stranger(self) -> bool:
        """No role, or not in an allowed chat: gets nothing back at all."""
        return self.role is None or not self.in_chat


DENY = Decision(False)


def decide(
    tg: TelegramSettings,
    user_id: int | None,
    chat_id: int | None,
    kind: str,
    detail: str,
    needed: str | None,
) -> Decision:
    """Whether ``user_id`` in ``chat_id`` may do what needs ``needed``; pure, never raises on odd input."""
    role = role_of(tg, user_id)
    in_chat = chat_allowed(tg, chat_id, user_id)
    if needed is None:
        return Decision(bool(role and in_chat), role, in_chat, kind, detail, None)
    return Decision(in_chat and may(role, needed), role, in_chat, kind, detail, needed)


def log_access(
    db: sqlite_utils.Database,
    *,
    user_id: int | None,
    username: str,
    chat_id: int | None,
    kind: str,
    detail: str,
    allowed: bool,
    role: str | None,
    now: datetime | None = None,
) -> None:
    """Record one attempt (best effort for the caller: the decision was made before this runs)."""
    with transaction(db):
        insert_row(
            db,
            "access_log",
            {
                "at": now_iso(now),
                "user_id": user_id,
                "username": username[:64],
                "chat_id": chat_id,
                "kind": kind,
                "detail": detail[:200],
                "allowed": int(allowed),
                "role": role or "",
            },
        )


def notice_slot(user_id: int | None, interval: float, now: float | None = None) -> str:
    """The dedupe key that rate-limits admin notices about one stranger to one per ``interval``."""
    now = time.time() if now is None else now
    return f"denied:{user_id}:{int(now // max(interval, 1.0))}"
