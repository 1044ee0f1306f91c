"""The database: WAL, busy time-out, migrations applied once, one-line errors for locked or corrupt files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.store.db import DatabaseError, open_db
from bot.store.migrations import migrations


def test_open_sets_wal_and_applies_migrations(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "f.db"
    db = open_db(path)
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.execute("pragma busy_timeout").fetchone()[0] > 0
    applied = [m.name for m in migrations.applied(db)]
    assert applied[0] == "m001_scanning" and not migrations.pending(db)
    db.close()
    again = open_db(path)  # re-opening applies nothing twice
    assert [m.name for m in migrations.applied(again)] == applied


def test_corrupt_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not sqlite at all" * 200)
    with pytest.raises(DatabaseError, match="not a fakeapp database or corrupt"):
        open_db(path)
    result = CliRunner().invoke(main, ["scan", "--db", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: ")
    assert path.read_bytes().startswith(b"this is not sqlite")  # nothing overwritten


def test_locked_database_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    open_db(path).close()
    holder = sqlite3.connect(path)
    holder.execute("begin exclusive")
    try:
        result = CliRunner().invoke(
            main, ["scan", "--demo", "--db", str(path)], env={"FAKEAPP_DB_BUSY_TIMEOUT_MS": "200"}
        )
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1, result.output
    assert "locked" in result.output and "Traceback" not in result.output


def test_bad_profile_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "brands.toml"
    bad.write_text('[[brand]]\nid = "x"\nnmae = "typo"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", "--config", str(bad), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 1
    assert "unknown key 'nmae' (did you mean 'name'?)" in result.output
    assert str(bad) in result.output
