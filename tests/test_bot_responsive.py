"""The bot keeps answering: database work runs off the event loop (a write lock held by another process does
not stop /start or /help), and APK/link analyses have their own bounded pool (they never take the threads
scans use, and beyond the bound the sender is told politely to try later)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bot.core.settings import Settings, load_settings
from bot.record import apk_store
from bot.store.db import open_db
from bot.telegram import desk as tgapp
from bot.telegram.app import build_application
from bot.telegram.fake_api import FakeTelegram
from tests.botharness import ADMIN, ANALYST, CHAT, TOKEN, VIEWER, bot_env
from tests.test_bot_fail_closed import write_locked

pytestmark = pytest.mark.slow


async def _drive(app: Any, step: Any, timeout: float = 30.0) -> None:
    """Run the application against the fake server; ``step()`` is called until it returns True."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        end = time.monotonic() + timeout
        try:
            while not await asyncio.to_thread(step) and time.monotonic() < end:
                await asyncio.sleep(0.05)
        finally:
            await app.updater.stop()
            await app.stop()


def _texts(fake: FakeTelegram, chat: int) -> list[str]:
    return [c.params["text"] for c in fake.sent(chat)]


def test_start_and_help_answered_while_another_process_holds_the_write_lock(tmp_path: Path):
    db_path = tmp_path / "b.db"
    open_db(db_path).close()
    with FakeTelegram(token=TOKEN) as fake:
        # The default busy time-out (15 s): before the fix the gate's access-log write waited on the loop.
        app = build_application(load_settings(bot_env(fake, db_path, FAKEAPP_DB_BUSY_TIMEOUT_MS="15000")))
        took: dict[str, float] = {}

        with write_locked(db_path):
            state = {"sent": 0.0}

            def step() -> bool:
                if not state["sent"]:
                    state["sent"] = time.monotonic()
                    fake.say(ADMIN, ADMIN, "/start")
                    fake.say(VIEWER, CHAT, "/help")
                    fake.say(ADMIN, ADMIN, "/cases")
                now = time.monotonic()
                if "start" not in took and len(fake.sent(ADMIN)) >= 1:
                    took["start"] = now - state["sent"]
                if "help" not in took and fake.sent(CHAT):
                    took["help"] = now - state["sent"]
                if "cases" not in took and len(fake.sent(ADMIN)) >= 2:
                    took["cases"] = now - state["sent"]
                return len(took) == 3

            asyncio.run(_drive(app, step))
        assert set(took) == {"start", "help", "cases"}, took
        assert max(took.values()) < 3.0, took  # not the 15 s busy-wait
        assert "指令" in _texts(fake, CHAT)[0] or "/cases" in _texts(fake, CHAT)[0]


class _Report:
    verdict = "official"

    def to_dict(self) -> dict[str, Any]:
        return {"sha256": "ef" * 32, "verdict": self.verdict}


def test_apk_work_has_its_own_bounded_pool_and_refuses_politely_when_full(tmp_path, monkeypatch):
    db_path = tmp_path / "b.db"
    release = threading.Event()
    running: list[str] = []
    lock = threading.Lock()
    peak = [0]
    active = [0]

    def slow_analysis(db: Any, source: Any, profile: Any, **kw: Any) -> tuple[_Report, bool]:
        with lock:
            running.append(threading.current_thread().name)
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        release.wait(20)
        with lock:
            active[0] -= 1
        return _Report(), True

    monkeypatch.setattr(apk_store, "analyse_and_store", slow_analysis)
    scans: list[str] = []

    def fake_scan(settings: Settings, trigger: str) -> dict[str, Any]:
        scans.append(threading.current_thread().name)
        return {"scan": 1, "status": "ok", "opened": 0, "removed": 0, "relisted": 0}

    links = [f"http://dl{i}.example.test/app.apk" for i in range(tgapp.APK_MAX_INFLIGHT + 2)]
    with FakeTelegram(token=TOKEN) as fake:
        app = build_application(load_settings(bot_env(fake, db_path)), scan_runner=fake_scan)
        phase = {"n": 0}

        def step() -> bool:
            texts = _texts(fake, ANALYST)
            if phase["n"] == 0:
                for link in links:
                    fake.say(ANALYST, ANALYST, link)
                phase["n"] = 1
            elif phase["n"] == 1 and len(texts) >= len(links) and len(running) >= tgapp.APK_WORKERS:
                # Every analysis thread is busy: the bot still answers, and a scan still runs at once.
                fake.say(ADMIN, CHAT, "/scan")
                phase["n"] = 2
            elif phase["n"] == 2 and any("掃描 #" in t for t in _texts(fake, CHAT)):
                assert not release.is_set()
                release.set()
                phase["n"] = 3
            elif phase["n"] == 3 and sum("APK 判定" in t for t in texts) == tgapp.APK_MAX_INFLIGHT:
                fake.say(ANALYST, ANALYST, "http://again.example.test/app.apk")  # room again
                phase["n"] = 4
            return phase["n"] == 4 and sum("APK 判定" in t for t in texts) == tgapp.APK_MAX_INFLIGHT + 1

        asyncio.run(_drive(app, step, timeout=40))
        texts = _texts(fake, ANALYST)
    busy = [t for t in texts if "請過幾分鐘再傳一次" in t]
    assert len(busy) == 2, texts  # the two beyond the bound, told so in plain words
    assert sum("分析 APK 中" in t for t in texts) == tgapp.APK_MAX_INFLIGHT + 1
    assert peak[0] == tgapp.APK_WORKERS  # never more at once than the pool's own threads
    assert all(name.startswith("fakeapp-apk") for name in running)
    assert scans and not scans[0].startswith("fakeapp-apk")


def test_a_write_waiting_for_the_lock_does_not_hold_other_chats(tmp_path: Path):
    import contextlib

    from tests.test_bot_e2e import seed

    db_path = tmp_path / "b.db"
    (cid,) = seed(db_path, "com.fake.waits")
    with FakeTelegram(token=TOKEN) as fake, contextlib.ExitStack() as lock:
        app = build_application(load_settings(bot_env(fake, db_path, FAKEAPP_DB_BUSY_TIMEOUT_MS="15000")))
        state: dict[str, float] = {}

        def step() -> bool:
            now = time.monotonic()
            if "sent" not in state:
                if not fake.sent(CHAT):
                    return False  # the seeded alert goes out first (the outbox is not under test here)
                time.sleep(0.5)
                lock.enter_context(write_locked(db_path))  # another process starts writing
                fake.say(ANALYST, ANALYST, f"/note {cid} waits for the lock")  # a write: must wait
                time.sleep(0.3)
                fake.say(ADMIN, ADMIN, "/help")
                fake.say(VIEWER, VIEWER, f"/case {cid}")
                state["sent"] = time.monotonic()
                return False
            if "admin" not in state and fake.sent(ADMIN):
                state["admin"] = now - state["sent"]
            if "viewer" not in state and fake.sent(VIEWER):
                state["viewer"] = now - state["sent"]
            return "admin" in state and "viewer" in state

        asyncio.run(_drive(app, step, timeout=12))
        assert fake.sent(ANALYST) == []  # the note is still waiting for the lock
        lock.close()
    assert state.get("admin", 99) < 3.0 and state.get("viewer", 99) < 3.0, state


def test_due_alerts_waiting_for_the_lock_do_not_stop_the_bot_answering_and_go_out_once(tmp_path: Path):
    """Issue 9: the outbox has due alerts while another process holds the write lock. The delivery pass waits
    for the lock in the database thread, not on the event loop: /start and /help are answered at once; after
    the lock is released every alert goes out, each exactly once."""
    import contextlib

    from tests.test_bot_e2e import alerts_for, seed

    db_path = tmp_path / "b.db"
    ids = seed(db_path, "com.fake.due.one", "com.fake.due.two")
    with FakeTelegram(token=TOKEN) as fake, contextlib.ExitStack() as lock:
        app = build_application(load_settings(bot_env(fake, db_path, FAKEAPP_DB_BUSY_TIMEOUT_MS="15000")))
        lock.enter_context(write_locked(db_path))  # before the first pass: the alerts are due, unclaimed
        state: dict[str, float] = {}

        def step() -> bool:
            now = time.monotonic()
            if "sent" not in state:
                time.sleep(1.5)  # the first pass (0.5 s after the start) is waiting for the lock by now
                fake.say(ADMIN, ADMIN, "/start")
                fake.say(VIEWER, VIEWER, "/help")
                state["sent"] = time.monotonic()
                return False
            if "start" not in state and fake.sent(ADMIN):
                state["start"] = now - state["sent"]
            if "help" not in state and fake.sent(VIEWER):
                state["help"] = now - state["sent"]
            if "released" not in state and (
                ("start" in state and "help" in state) or now - state["sent"] > 6
            ):
                state["during"] = float(len(fake.sent(CHAT)))  # nothing could be claimed under the lock
                lock.close()  # the other process commits or rolls back
                state["released"] = now
            if "delivered" not in state and "released" in state and all(alerts_for(fake, i) for i in ids):
                state["delivered"] = now
            return "delivered" in state and now - state["delivered"] > 1.0  # time to (wrongly) send again

        asyncio.run(_drive(app, step, timeout=40))
        assert state.get("start", 99) < 3.0 and state.get("help", 99) < 3.0, state  # not the 15 s busy-wait
        assert state["during"] == 0, state
        assert all(len(alerts_for(fake, i)) == 1 for i in ids), [len(alerts_for(fake, i)) for i in ids]
    assert "/cases" in _texts(fake, VIEWER)[0] or "指令" in _texts(fake, VIEWER)[0]
