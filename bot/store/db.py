"""Opening the SQLite database safely for two processes at once (cron scan and bot).

WAL mode, a busy time-out, and the schema migrations applied on open.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


# --- a plain connection, for short commands ------------------------------------------------------------

# Every migration in bot/store/migrations.py, in order (tests/test_db_connection.py keeps the two equal):
# a database that has all of them applied needs neither sqlite-utils nor the migrations module to be used.
MIGRATION_SET = "fakeapp"
MIGRATION_NAMES = (
    "m001_scanning",
    "m002_cases",
    "m004_casework",
    "m003_apk",
    "m005_settings_overrides",
    "m010_aptoide_galaxy",
    "m011_links",
    "m012_operations",
)


def open_connection(path: str | Path, *, busy_timeout_ms: int | None = None) -> sqlite3.Connection:
    """A plain ``sqlite3`` connection to the database at ``path``, set up as ``open_db`` sets it up (WAL, busy
    time-out, foreign keys). Importing and starting sqlite-utils (its plugin scan reads every installed
    package's metadata) costs a short command such as ``fakeapp apk`` 40-70 ms, so a database whose schema is
    up to date is opened with ``sqlite3`` alone; a new or older one goes through ``open_db`` (migrations).
    """
    p = Path(path)
    if busy_timeout_ms is None:
        busy_timeout_ms = int(os.environ.get("FAKEAPP_DB_BUSY_TIMEOUT_MS") or BUSY_TIMEOUT_MS)
    if not p.is_file():
        return open_db(p, busy_timeout_ms=busy_timeout_ms).conn
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(str(p), timeout=busy_timeout_ms / 1000, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        applied = {
            name
            for (name,) in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
            )
        }
        if not applied.issuperset(MIGRATION_NAMES):
            raise sqlite3.OperationalError("schema not up to date")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise DatabaseError(f"{p}: cannot switch to WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError:
        # no migrations table, migrations pending, or a real problem: open_db migrates or says what is wrong
        if conn is not None:
            conn.close()
        return open_db(p, busy_timeout_ms=busy_timeout_ms).conn
    except BaseException:
        if conn is not None:
            conn.close()
        raise
    return conn


# --- transactions (the one style: BEGIN IMMEDIATE, savepoints when nested) -----------------------------


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database | sqlite3.Connection) -> Iterator[None]:
    """One write transaction: ``BEGIN IMMEDIATE`` takes the write lock up front, so another process's write
    is waited out (the busy time-out) instead of failing later on a lock upgrade, as the deferred ``BEGIN`` of
    sqlite-utils' ``atomic()`` can in WAL mode. Nested use becomes a savepoint, as in ``atomic()``, which
    sqlite-utils' own table methods use (since 4.0): called inside, they join this transaction.

    ``db``: a sqlite-utils Database, or the plain connection of a short command (``open_connection``).
    """
    conn: sqlite3.Connection = db if isinstance(db, sqlite3.Connection) else db.conn
    if conn.in_transaction:
        name = f"fakeapp_{secrets.token_hex(8)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if conn.in_transaction:  # an error may already have ended the whole transaction
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    try:
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def insert_row(db: sqlite_utils.Database, table: str, row: Mapping[str, Any]) -> int:
    """INSERT without committing (for use inside ``transaction``); returns the new rowid."""
    cols = list(row)
    sql = (
        f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in cols)}) VALUES ({', '.join('?' for _ in cols)})"  # noqa: S608 (internal names)
    )
    cur = db.execute(sql, [row[c] for c in cols])
    return int(cur.lastrowid or 0)


def update_row(db: sqlite_utils.Database, table: str, pk: str, pk_value: Any, row: Mapping[str, Any]) -> None:
    """UPDATE one row by primary key without committing (for use inside ``transaction``)."""
    if not row:
        return
    sets = ", ".join(f"[{c}] = ?" for c in row)
    db.execute(f"UPDATE [{table}] SET {sets} WHERE [{pk}] = ?", [*row.values(), pk_value])  # noqa: S608 (internal names)
