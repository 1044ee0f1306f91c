"""Access fails closed, end to end: ``fakeapp bot`` in a subprocess against the fake Bot API, while Telegram
refuses the bot's replies (403 "bot was blocked", 429 flood control), while another process holds the
database's write lock, and on a read-only or full disk. A viewer and a stranger try every command and button
that would change a case, an allow list or a setting, or export data: nothing changes, nothing is sent to
them, and the bot stays up and still serves an admin."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.desk import cases
from bot.store import settings_overrides as overrides
from bot.store.db import open_db
from bot.telegram.fake_api import FakeTelegram
from tests.botharness import ADMIN, CHAT, STRANGER, TOKEN, VIEWER, bot_env, running_bot, wait_quiet
from tests.test_bot_e2e import alerts_for, seed

pytestmark = pytest.mark.slow

SCENARIOS = ("telegram-403", "telegram-429", "db-locked", "disk-read-only", "disk-full")


@contextlib.contextmanager
def small_disk(where: Path, size: str = "8m") -> Iterator[Path]:
    """A real, separate file system (a small tmpfs) to fill; skipped where mounting is not allowed."""
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small file system")
    got = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)], capture_output=True
    )
    if got.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {got.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


@contextlib.contextmanager
def write_locked(db_path: Path) -> Iterator[None]:
    """Another process holds the database's write lock (BEGIN IMMEDIATE) until the block ends."""
    code = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        'c.execute("INSERT INTO access_log (at, user_id, username, chat_id, kind, detail, allowed, role)'
        " VALUES ('x', 0, 'holder', 0, 'other', '', 0, '')\")\n"
        "print('locked', flush=True)\n"
        "sys.stdin.read()\n"
        "c.execute('ROLLBACK')\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(db_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()


@contextlib.contextmanager
def read_only(db_path: Path) -> Iterator[None]:
    """The database and its WAL file made immutable (``chattr +i``): every write fails, reads still work."""
    files = [str(db_path), f"{db_path}-wal"]
    got = subprocess.run(["chattr", "+i", *files], capture_output=True)
    try:
        if got.returncode != 0:
            pytest.skip(f"cannot make files immutable here: {got.stderr.decode(errors='replace').strip()}")
        yield
    finally:
        subprocess.run(["chattr", "-i", *files], capture_output=True)


def fill_disk(mount: Path, db_path: Path) -> None:
    """Empty the WAL (so the next write must allocate), then fill the file system to the last byte."""
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    with open(mount / "filler", "wb", buffering=0) as f:
        with contextlib.suppress(OSError):
            while True:
                f.write(b"\0" * 65536)
        with contextlib.suppress(OSError):
            while True:
                f.write(b"\0" * 512)


def snapshot(db_path: Path, case_id: int) -> dict[str, object]:
    db = open_db(db_path, migrate=False)
    try:
        c = cases.get_case(db, case_id)
        return {
            "case": (c.state, c.takedown, c.takedown_ref, c.police, c.closed_at),
            "timeline": [(e.action, e.actor) for e in cases.timeline(db, case_id)],
            "allow": list(db.query("SELECT * FROM allow_overrides")),
            "settings": dict(overrides.load_overrides(db)),
        }
    finally:
        db.close()


def attack(fake: FakeTelegram, case_id: int, mid: int) -> list[str]:
    """Every door a viewer or a stranger might try; returns the callback query ids pressed."""
    changes = [
        f"/resolve {case_id} gone",
        f"/takedown {case_id} REF-1",
        f"/fp {case_id} nope",
        f"/rejected {case_id} x",
        f"/police {case_id} A123",
        f"/allow {case_id} mine",
        "/settings scan_cron off",
        "/settings reminder_days 1",
    ]
    for user in (VIEWER, STRANGER):
        for chat in (CHAT, user):
            for text in changes:
                fake.say(user, chat, text)
    for chat in (CHAT, STRANGER):
        fake.say(STRANGER, chat, "/export")  # viewers may export; strangers never
        fake.say(STRANGER, chat, f"/evidence {case_id}")
    cqs = []
    for user in (VIEWER, STRANGER):
        for action in ("confirm", "takedown", "resolve", "fp", "evidence"):
            cqs.append(fake.press(user, CHAT, mid, f"c:{case_id}:{action}"))
    return cqs


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_viewer_and_stranger_change_nothing_and_receive_nothing(fake, tmp_path, scenario):
    with contextlib.ExitStack() as stack:
        if scenario == "disk-full":
            disk = stack.enter_context(small_disk(tmp_path / "disk"))
            dbpath = disk / "bot.db"
        else:
            dbpath = tmp_path / "bot.db"
        (case_id,) = seed(dbpath, "com.fake.door")
        env = bot_env(fake, dbpath, FAKEAPP_DB_BUSY_TIMEOUT_MS="1500", FAKEAPP_ADMIN_NOTICE_INTERVAL="3600")
        bot = stack.enter_context(running_bot(fake, env, tmp_path / "bot.log"))
        assert fake.wait_for(lambda: len(alerts_for(fake, case_id)) == 1)
        mid = alerts_for(fake, case_id)[0].result["message_id"]
        wait_quiet(0.5)
        before = snapshot(dbpath, case_id)
        n_calls = len(fake.calls)

        condition = contextlib.ExitStack()
        if scenario == "telegram-403":
            for chat in (CHAT, VIEWER, STRANGER):
                fake.refuse(chat, status=403)
        elif scenario == "telegram-429":
            for chat in (CHAT, VIEWER, STRANGER):
                fake.refuse(chat, status=429, retry_after=30)
        elif scenario == "db-locked":
            condition.enter_context(write_locked(dbpath))
        elif scenario == "disk-read-only":
            condition.enter_context(read_only(dbpath))
        else:
            fill_disk(disk, dbpath)
            condition.callback(os.unlink, disk / "filler")

        with condition:
            cqs = attack(fake, case_id, mid)
            assert fake.wait_for(lambda: fake.pending_updates() == 0, timeout=60), bot.log()[-3000:]
            # Every press is answered (or the answer refused by Telegram): the presser's client never spins.
            assert fake.wait_for(
                lambda: all(
                    any(str(c.params.get("callback_query_id")) == q for c in list(fake.calls)) for q in cqs
                ),
                timeout=60,
            ), bot.log()[-3000:]
            # The bot stays up and serves an admin at once, whatever the database or Telegram is doing.
            n_admin = len(fake.sent(ADMIN))
            t0 = time.monotonic()
            fake.say(ADMIN, ADMIN, "/help")
            assert fake.wait_for(lambda: len(fake.sent(ADMIN)) > n_admin, timeout=10), bot.log()[-3000:]
            assert time.monotonic() - t0 < 5.0
            wait_quiet(2.5)  # whatever the bot would still (wrongly) do once its access-log writes time out
            assert bot.proc.poll() is None
            if scenario.startswith("disk"):
                assert "access log: not written" in bot.log(), bot.log()[-3000:]
        fake.refuse(CHAT, status=0)
        wait_quiet(1.0)  # the lock released, the disk writable again: still nothing happens

        calls = fake.calls[n_calls:]
        # Nothing sent to them: no document (no export, no evidence pack) anywhere, not even attempted.
        assert [c.params.get("chat_id") for c in calls if c.method == "sendDocument"] == []
        # A stranger gets no message at all; a viewer at most the one "not allowed" line.
        to_stranger = [c for c in calls if c.method == "sendMessage" and int(c.params["chat_id"]) == STRANGER]
        assert to_stranger == []
        for c in calls:
            if c.method == "sendMessage" and int(c.params["chat_id"]) in (CHAT, VIEWER):
                assert c.params["text"] == "你的角色不能執行這個動作。", c.params["text"]
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert all(c.params.get("text", "") in ("", "無權限") for c in answers)
        assert not [c for c in calls if c.method == "editMessageText"]
        # Nothing changed in the database.
        assert snapshot(dbpath, case_id) == before
        assert bot.proc.poll() is None


def test_handlers_recheck_access_even_without_the_gate(tmp_path):
    """Defence in depth: with the gate removed (as if it had failed open), the command, button and file
    handlers still refuse a viewer's and a stranger's changes on their own."""
    import asyncio

    from bot.core.settings import load_settings
    from bot.telegram.app import build_application

    dbpath = tmp_path / "bot.db"
    (case_id,) = seed(dbpath, "com.fake.nogate")
    before = snapshot(dbpath, case_id)
    with FakeTelegram(token=TOKEN) as server:
        app = build_application(load_settings(bot_env(server, dbpath)))
        app.handlers.pop(-1)  # no gate at all
        mid = server.add_message(CHAT, "card")
        cqs = attack(server, case_id, mid)
        server.say(ADMIN, ADMIN, "/help")

        async def run() -> None:
            async with app:
                await app.start()
                assert app.updater is not None
                await app.updater.start_polling(poll_interval=0, timeout=1)
                end = time.monotonic() + 20
                while time.monotonic() < end and not server.sent(ADMIN):
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.5)
                await app.updater.stop()
                await app.stop()

        asyncio.run(run())
        assert server.sent(ADMIN), "the admin is still served"
        assert server.attempted("sendDocument") == []
        replies = [
            c.params["text"]
            for c in server.calls
            if c.method in ("sendMessage", "editMessageText")
            and int(c.params["chat_id"]) != ADMIN
            and not c.params["text"].startswith("<b>🚨")  # the seeded case's own alert
        ]
        assert replies == []
        # No press was carried out (a done answer names the case).
        assert [
            server.answered[q]["text"]
            for q in cqs
            if f"#{case_id}" in server.answered.get(q, {}).get("text", "")
        ] == []
    assert snapshot(dbpath, case_id) == before
