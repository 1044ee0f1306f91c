"""Opening the SQLite database safely for two processes at once (cron scan and bot).

WAL mode, a busy time-out, and the schema migrations applied on open.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_MS = 15_000


class DatabaseError(Exception):
    """The database cannot be used: locked, corrupt, or not writable. One line, for the user."""


def open_db(
    path: str | Path | None = None,
    *,
    memory: bool = False,
    migrate: bool = True,
    busy_timeout_ms: int | None = None,
) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date."""
    # Imported here so that modules needing only DatabaseError stay light (the CLI starts faster).
    import sqlite_utils

    from bot.store.migrations import migrations

    if busy_timeout_ms is None:
        busy_timeout_ms = int(os.environ.get("FAKEAPP_DB_BUSY_TIMEOUT_MS") or BUSY_TIMEOUT_MS)
    try:
        if memory:
            db = sqlite_utils.Database(memory=True)
        else:
            if path is None:
                raise DatabaseError("no database path given")
            p = Path(path)
            p.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(p), timeout=busy_timeout_ms / 1000, check_same_thread=False)
            db = sqlite_utils.Database(conn)
            db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise DatabaseError(f"{p}: cannot switch to WAL mode (got {mode})")
            db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        if migrate:
            migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        where = "in-memory database" if memory else str(path)
        msg = str(exc)
        if "locked" in msg or "busy" in msg:
            raise DatabaseError(f"{where}: database is locked by another process; try again") from None
        if "not a database" in msg or "malformed" in msg:
            raise DatabaseError(f"{where}: not a fakeapp database or corrupt ({msg})") from None
        raise DatabaseError(f"{where}: {msg}") from None
    except OSError as exc:
        raise DatabaseError(f"{path}: cannot open database: {exc.strerror or exc}") from None
    return db
