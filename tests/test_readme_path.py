"""The README's bot trial and evidence step as written: ``fakeapp bot --demo`` scans the bundled snapshot
offline, ``fake_api log`` shows each message whole, and ``fakeapp evidence`` lists what its ZIP holds."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.demo.snapshot import load_catalog
from bot.store.db import open_db
from bot.telegram.fake_api import FakeTelegram
from tests.botharness import ADMIN, CHAT, TOKEN, bot_env, running_bot

pytestmark = pytest.mark.slow


def test_bot_demo_scans_the_snapshot_and_the_log_shows_whole_messages(tmp_path: Path) -> None:
    dbpath = tmp_path / "demo.db"
    planted = sum(a.expect in {"impersonation", "suspicious"} for a in load_catalog())
    with FakeTelegram(token=TOKEN) as fake:
        with running_bot(fake, bot_env(fake, dbpath), tmp_path / "bot.log", args=("--demo",)) as bot:
            fake.say(ADMIN, CHAT, "/scan")
            alerts = lambda: sum("· #" in c.params.get("text", "") for c in fake.sent(CHAT))  # noqa: E731
            arrived = fake.wait_for(lambda: alerts() >= planted)
            assert arrived, bot.log()
            assert "Demo: scans read the bundled snapshot" in bot.log()
            port = fake.url.split(":")[-1].split("/")[0]
            log = subprocess.run(
                [sys.executable, "-m", "bot.telegram.fake_api", "log", "--port", port],
                capture_output=True, text=True, timeout=60, check=True,
            ).stdout  # fmt: skip
            alert = next(c for c in fake.sent(CHAT) if "· #1" in c.params.get("text", ""))
        db = open_db(dbpath)
        assert db.execute("SELECT count(*) FROM cases").fetchone()[0] == planted
        db.close()
    lines = alert.params["text"].splitlines()
    assert len(lines) > 3
    assert all(f"    {line}" in log.splitlines() for line in lines if line.strip())  # every line, whole
    assert "buttons: [" in log and "c:1:" in log  # the callback data `press` needs


def test_evidence_lists_what_the_zip_holds_beside_the_database(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["scan", "--demo", "-q"]).exit_code == 0
    res = runner.invoke(main, ["evidence", "3", "--db", "data/demo.db"])
    assert res.exit_code == 0, res.output
    [zip_path] = (tmp_path / "data").glob("evidence-case3-*.zip")  # beside the database, not in the cwd
    assert not list(tmp_path.glob("*.zip"))
    names = zipfile.ZipFile(zip_path).namelist()
    listed = [line.strip() for line in res.output.splitlines() if line.startswith("  ")]
    assert listed == names and f"({len(names)} files," in res.output
    assert {"summary.html", "case.json", "timeline.json", "manifest.json"} <= set(names)
