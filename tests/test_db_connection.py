"""``bot.store.db.open_connection``: a plain sqlite3 connection for short commands, sqlite-utils only when the
schema must be created or migrated; ``fakeapp apk`` on an existing database never imports sqlite-utils."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store.db import MIGRATION_NAMES, MIGRATION_SET, DatabaseError, open_connection, open_db

ROOT = Path(__file__).resolve().parent.parent
APKS = ROOT / "tests" / "apks"


def test_migration_names_are_the_migrations_modules() -> None:
    from bot.store.migrations import migrations

    assert migrations.name == MIGRATION_SET
    assert tuple(m.name for m in migrations._migrations) == MIGRATION_NAMES


def test_new_database_is_created_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "new" / "fakeapp.db"
    conn = open_connection(path)
    applied = [r[0] for r in conn.execute("select name from _sqlite_migrations order by id")]
    assert tuple(applied) == MIGRATION_NAMES
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_pending_migration_is_applied_first(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    open_db(path).conn.close()
    with sqlite3.connect(path) as raw:
        raw.execute("delete from _sqlite_migrations where name = ?", [MIGRATION_NAMES[-1]])
        raw.execute("drop table if exists allow_overrides_history")
    conn = open_connection(path)
    names = {r[0] for r in conn.execute("select name from _sqlite_migrations")}
    assert names == set(MIGRATION_NAMES)


def test_up_to_date_database_opens_without_sqlite_utils(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    open_db(path).conn.close()
    code = (
        "import sys\n"
        "from bot.store.db import open_connection\n"
        "c = open_connection(sys.argv[1])\n"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0],"
        " c.execute('PRAGMA busy_timeout').fetchone()[0],"
        " 'sqlite_utils' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["wal", "15000", "False"]


def test_not_a_database_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not sqlite at all, just some text that is long enough" * 20)
    with pytest.raises(DatabaseError, match="not a fakeapp database or corrupt"):
        open_connection(path)


def test_fakeapp_apk_does_not_import_sqlite_utils(tmp_path: Path) -> None:
    """The command as a user runs it, twice (the first creates the database, through sqlite-utils); the
    second process, on the existing database, does not import sqlite-utils and stores the row."""
    db = tmp_path / "fakeapp.db"
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    print('MODULES', 'sqlite_utils' in sys.modules, file=sys.stderr)\n"
    )
    args = [
        "apk",
        str(APKS / "official.apk"),
        "--json",
        "--db",
        str(db),
        "--config",
        str(ROOT / "data" / "brands.toml"),
    ]
    runs = [
        subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True) for _ in range(2)
    ]
    first, second = (json.loads(r.stdout) for r in runs)
    assert first["verdict"] == second["verdict"] == "official"
    assert first["first_time"] is True and second["first_time"] is False and second["times_seen"] == 2
    assert "MODULES False" in runs[1].stderr
    assert "Created database" in runs[0].stderr and "Created database" not in runs[1].stderr
