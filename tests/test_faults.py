"""Faults, injected: kill -9 in the middle of a scan's writes, a full disk, the database locked (briefly, and
once for a real minute), a store answering a captcha, an empty 200, half a page or very slowly, Telegram
answering 5xx, time-outs and 429 in bursts, and the clock jumping.

After each: no case lost, no alert lost or sent twice, and the fault visible in `fakeapp health` and in the
next summary.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.alerts import watch
from bot.demo.server import Reply
from bot.desk import cases, outbox
from bot.outbox import holds
from bot.store.db import open_db
from bot.telegram.fake_api import FakeTelegram
from scanners.profile import load_profile
from tests.botharness import CHAT, TOKEN, bot_env, running_bot, wait_quiet
from tests.conftest import DATA, PROFILE
from tests.opsharness import ROOT, cli, demo_stores, scan_env, start_faulty
from tests.scanrows import listing, write_scan

DEMO_CASES = 20  # the demo snapshot's fakes: what a complete scan opens


def _wait_file(path: Path, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, "the faulty scan never reached its write phase"
        time.sleep(0.02)


def _counts(db_path: Path) -> tuple[int, int, Counter[int]]:
    """(listings, cases, alerts queued per case): every case has exactly one alert."""
    db = open_db(db_path)
    try:
        listings = db["listings"].count
        n = cases.stats(db)["total"]
        alerts = Counter(
            int(r["case_id"]) for r in db.query("SELECT case_id FROM outbox WHERE kind = 'case_alert'")
        )
    finally:
        db.close()
    return listings, n, alerts


def _after_recovery(env: dict[str, str], db_path: Path, interrupted: int) -> None:
    """Health names the interrupted scan; the next scan says so, records every case, one alert each."""
    code, out = cli(env, "health")
    assert code == 2 and f"scan #{interrupted} (started" in out and "was interrupted" in out
    code, out = cli(env, "scan", "-q")
    assert code == 0, out
    assert f"Note: scan #{interrupted} was interrupted before it finished; this scan covers it." in out
    _listings, n, alerts = _counts(db_path)
    assert n == DEMO_CASES and set(alerts.values()) == {1} and len(alerts) == DEMO_CASES
    code, out = cli(env, "health")
    assert code == 0, out


def test_kill_9_in_the_middle_of_a_scans_writes(tmp_path):
    db_path, marker = tmp_path / "k.db", tmp_path / "writing"
    with demo_stores() as (double, _):
        env = scan_env(double, db_path)
        proc = start_faulty(
            {**env, "FAKEAPP_FAULT": "stall_writes", "FAULT_MARKER": str(marker)}, "scan", "-q"
        )
        _wait_file(marker, proc)
        os.kill(proc.pid, signal.SIGKILL)  # kill -9 while the scan is writing its results
        proc.communicate(timeout=10)
        # Killed mid-write: the scan's writes are one transaction, so none of them is kept (no listing, no
        # case, no alert); the scan stays "running" until the next scan marks it interrupted.
        db = open_db(db_path)
        assert db["listings"].count == 0 and db["cases"].count == 0 and db["outbox"].count == 0
        assert [r["status"] for r in db.query("SELECT status FROM scans")] == ["running"]
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.close()
        _after_recovery(env, db_path, interrupted=1)  # the scan lock died with the process, too


def test_full_disk_loses_nothing(tmp_path):
    db_path = tmp_path / "full.db"
    with demo_stores() as (double, _):
        env = scan_env(double, db_path)
        proc = start_faulty({**env, "FAKEAPP_FAULT": "disk_full"}, "scan", "-q")
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 1
        assert err.strip().splitlines()[-1] == "Error: database error: database or disk is full"
        assert "Traceback" not in err
        assert _counts(db_path)[1] == 0  # no case yet (the post-scan step never ran) ...
        _after_recovery(env, db_path, interrupted=1)


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def _lock(db_path: Path, seconds: float) -> subprocess.Popen[str]:
    p = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(db_path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert p.stdout is not None and p.stdout.readline().strip() == "locked"
    return p


def _locked_scan(tmp_path: Path, lock_seconds: float, busy_ms: int | None) -> None:
    db_path = tmp_path / "lock.db"
    marker, go = tmp_path / "ready", tmp_path / "go"
    with demo_stores() as (double, _):
        env = scan_env(double, db_path)
        if busy_ms is not None:
            env["FAKEAPP_DB_BUSY_TIMEOUT_MS"] = str(busy_ms)
        faulty = {
            **env,
            "FAKEAPP_FAULT": "wait_before_writes",
            "FAULT_MARKER": str(marker),
            "FAULT_GO": str(go),
        }
        proc = start_faulty(faulty, "scan", "-q")
        _wait_file(marker, proc)
        locker = _lock(db_path, lock_seconds)
        started = time.monotonic()
        go.write_text("go")
        # While the lock is held, health still answers (a reader never waits in WAL mode).
        code, out = cli(env, "health")
        assert code == 2 and out.startswith("unhealthy: ")
        _, err = proc.communicate(timeout=lock_seconds + 60)
        waited = time.monotonic() - started
        budget = (busy_ms or 15_000) / 1000
        assert proc.returncode == 1, err
        assert err.strip().splitlines()[-1] == "Error: database is locked by another process; try again"
        assert budget * 0.8 <= waited < lock_seconds + 5  # it waited out its busy time-out, then said so
        locker.wait(lock_seconds + 10)
        assert locker.stdout is not None
        locker.stdout.close()
        assert _counts(db_path)[:2] == (0, 0)  # the very first write waited: nothing written
        _after_recovery(env, db_path, interrupted=1)


def test_database_locked_longer_than_the_busy_timeout(tmp_path):
    """The same behaviour as a minute's lock, with a 3 s lock and a 1 s busy time-out."""
    _locked_scan(tmp_path, lock_seconds=3, busy_ms=1000)


def test_database_locked_shorter_than_the_busy_timeout_waits(tmp_path):
    db_path = tmp_path / "wait.db"
    marker, go = tmp_path / "ready", tmp_path / "go"
    with demo_stores() as (double, _):
        env = {**scan_env(double, db_path), "FAKEAPP_DB_BUSY_TIMEOUT_MS": "10000"}
        faulty = {
            **env,
            "FAKEAPP_FAULT": "wait_before_writes",
            "FAULT_MARKER": str(marker),
            "FAULT_GO": str(go),
        }
        proc = start_faulty(faulty, "scan", "-q")
        _wait_file(marker, proc)
        locker = _lock(db_path, 1.5)
        go.write_text("go")
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        locker.wait(10)
        assert locker.stdout is not None
        locker.stdout.close()
    _listings, n, alerts = _counts(db_path)
    assert n == DEMO_CASES and set(alerts.values()) == {1}


@pytest.mark.slow
def test_database_locked_for_a_real_minute(tmp_path):
    """The realistic one: another process holds the write lock for 60 s; the default busy time-out (15 s)."""
    _locked_scan(tmp_path, lock_seconds=60, busy_ms=None)


CAPTCHA = (
    "<html><head><title>Sorry...</title></head><body><h1>Our systems have detected unusual traffic</h1>"
    "<form action='/sorry/index'><div class='g-recaptcha' data-sitekey='x'></div></form></body></html>"
)
STORE_FAULTS = {
    "captcha": lambda real: Reply(200, CAPTCHA, "text/html; charset=utf-8"),
    "empty_200": lambda real: Reply(200, b"", real.content_type),
    "half_a_page": lambda real: Reply(200, real.payload()[: len(real.payload()) // 2], real.content_type),
    "very_slow": lambda real: Reply(real.status, real.body, real.content_type, delay=3.0),
}


@pytest.mark.parametrize("fault", sorted(STORE_FAULTS))
def test_store_faults_are_reported_never_read_as_no_fakes(tmp_path, fault):
    db_path = tmp_path / "st.db"
    with demo_stores() as (double, stores):
        env = {**scan_env(double, db_path), "FAKEAPP_HTTP_TIMEOUT": "1", "FAKEAPP_HTTP_RETRIES": "0"}
        assert cli(env, "scan", "-q")[0] == 0
        before = _counts(db_path)
        stores.faults["/store/search"] = STORE_FAULTS[fault]  # Google Play's search
        code, out = cli(env, "scan", "-q")
        assert code == 2, out
        assert "WARNING: the scan is incomplete" in out and "google_play (huayue): " in out
        db = open_db(db_path)
        bad = list(
            db.query("SELECT status, reason FROM scan_stores WHERE scan_id = 2 AND store = 'google_play'")
        )
        assert bad and all(r["status"] in ("broken", "degraded") and r["reason"] for r in bad)
        ok = list(db.query("SELECT status FROM scan_stores WHERE scan_id = 2 AND store = 'app_store'"))
        assert {r["status"] for r in ok} == {"ok"}
        # Nothing the broken store did not see is called gone; no case lost, no alert twice.
        assert [r for r in db.query("SELECT id FROM cases WHERE listed = 0")] == []
        status_msg = next(
            db.query("SELECT text FROM outbox WHERE kind = 'store_status' AND dedupe_key = 'store:2'")
        )
        assert "Google Play：故障" in status_msg["text"] and "不能當作「沒有假冒 App」" in status_msg["text"]
        db.close()
        assert _counts(db_path) == before
        code, out = cli(env, "health")
        assert code == 2 and "google_play: " in out and "in scan #2: " in out
        del stores.faults["/store/search"]
        assert cli(env, "scan", "-q")[0] == 0
        assert _counts(db_path) == before
        assert cli(env, "health")[0] == 0


def _bot_alerts(fake: FakeTelegram) -> Counter[str]:
    import re

    return Counter(
        m.group(0)
        for c in fake.sent(CHAT)
        if "發現疑似假冒" in c.params["text"] and (m := re.search(r"· #\d+", c.params["text"]))
    )


@pytest.mark.slow
def test_telegram_5xx_timeouts_and_429_bursts(tmp_path):
    db_path = tmp_path / "tg.db"
    profile = load_profile(DATA / "brands.toml")
    db = open_db(db_path)
    opened = cases.sync_from_scan(
        db, write_scan(db, [listing(f"com.tg.f{i}") for i in range(6)]), profile
    ).opened
    db.close()
    with FakeTelegram(token=TOKEN) as fake:
        fake.fail("sendMessage", status=502, times=2, description="Bad Gateway")
        fake.fail("sendMessage", status=429, retry_after=1, times=3)
        with running_bot(fake, bot_env(fake, db_path), tmp_path / "bot.log") as bot:
            assert fake.wait_for(lambda: len(_bot_alerts(fake)) == 6, timeout=60), bot.log()[-3000:]
            assert [c.status for c in fake.calls if c.method == "sendMessage"][:5] == [
                502,
                502,
                429,
                429,
                429,
            ]
            db = open_db(db_path)
            fake.hold("sendMessage", 7.0)  # longer than the client's read time-out: a time-out, not a reply
            cases.sync_from_scan(db, write_scan(db, [listing("com.tg.slow")]), profile)
            assert fake.wait_for(lambda: any(c.status == 499 for c in fake.calls), timeout=30)
            fake.hold("sendMessage", 0)
            assert fake.wait_for(lambda: len(_bot_alerts(fake)) == 7, timeout=60), bot.log()[-3000:]
            # Telegram down for good now: the next alert waits, and says why in health and the summaries.
            fake.set_down("502")
            cases.sync_from_scan(db, write_scan(db, [listing("com.tg.late")]), profile)
            assert fake.wait_for(
                lambda: bool(
                    list(db.query("SELECT 1 FROM outbox WHERE status = 'pending' AND last_error != ''"))
                ),
                timeout=30,
            )
            h = watch.check(db, now=datetime.now(UTC) + timedelta(minutes=20))
            assert any(p.startswith("outbox: 1 message(s) waiting, oldest 20m ago") for p in h.problems)
            assert any(line.startswith("📮 1 message(s) waiting since") for line in holds.ops_lines(db, "en"))
            db.close()
            fake.set_down("")
            assert fake.wait_for(lambda: len(_bot_alerts(fake)) == 8, timeout=60), bot.log()[-3000:]
            wait_quiet(1.0)
            assert set(_bot_alerts(fake).values()) == {1}  # every alert exactly once
            assert bot.proc.poll() is None
    assert len(opened) == 6


def test_clock_jumping_back_does_not_strand_or_repeat_alerts(tmp_path):
    """A 429 asked for a short wait, then the clock jumped back a day: the alert goes out now, once."""
    import asyncio

    db_path = tmp_path / "clock.db"
    profile = load_profile(DATA / "brands.toml")
    db = open_db(db_path)
    (cid,) = cases.sync_from_scan(db, write_scan(db, [listing("com.clock.one")]), profile).opened
    now = time.time()
    db.execute(
        "UPDATE outbox SET next_attempt_at = ?", [now + 30]
    )  # a 429's retry_after, under the old clock
    db.conn.commit()
    db.close()
    with FakeTelegram(token=TOKEN) as fake:
        from telegram.ext import ExtBot

        from bot.core.settings import load_settings

        settings = load_settings(bot_env(fake, db_path))

        async def deliver(clock: float) -> outbox.DeliveryStats:
            bot = ExtBot(TOKEN, base_url=settings.telegram.api_url)
            async with bot:
                d = open_db(db_path)
                try:
                    return await outbox.deliver_pending(
                        d, bot, outbox.Routes(settings.telegram.chats()), clock=lambda: clock, profile=PROFILE
                    )
                finally:
                    d.close()

        assert asyncio.run(deliver(now)).sent == 0  # the wait is honoured under a steady clock
        back = now - 86400  # the clock jumps back a day
        assert asyncio.run(deliver(back)).sent == 1
        assert asyncio.run(deliver(back)).sent == 0 and asyncio.run(deliver(now + 86400)).sent == 0
        assert len(_bot_alerts(fake)) == 1
    # Health under a jumped clock names it rather than calling stale data fresh (see also test_ops).
    db = open_db(db_path)
    h = watch.check(db, now=datetime.now(UTC) - timedelta(hours=3))
    assert not h.healthy
    assert cid == 1
    assert ROOT.exists()
