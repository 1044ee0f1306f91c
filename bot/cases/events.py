"""Case events: every case change produces one ``CaseChange``; subscribers (hooks) turn it into side effects.

The hooks run inside the transaction of the change, after the case and its timeline are written, so a
notification is queued exactly when the change is saved (save first, then notify). This module knows no
subscriber: the alerts, the front-line notices and the casework subscribe in one place (``bot.desk.hooks``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

    from bot.cases.model import Actor, Case


@dataclass(frozen=True)
class CaseChange:
    """One change of one case: the case before (None when it was just opened) and after, and why."""

    before: Case | None
    after: Case
    action: str
    actor: Actor
    at: datetime | None = None  # the time the change was given (None: now)
    scan_id: int | None = None

    @property
    def opened(self) -> bool:
        return self.before is None


Hook = Callable[["sqlite_utils.Database", CaseChange], None]
Hooks = Sequence[Hook]


def publish(db: sqlite_utils.Database, hooks: Hooks, change: CaseChange) -> None:
    """Call every hook with ``change``, in order (inside the caller's transaction)."""
    for hook in hooks:
        hook(db, change)
