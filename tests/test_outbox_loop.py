"""Issue 9: the delivery pass does every database step through the runner it is given (the bot: its
database thread), never on the event loop, on every path (sent, refused, edited, 429, Telegram down); and
a message Telegram accepted is marked sent even when the pass is cancelled while the mark is being written."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ExtBot

from bot.desk import cases, outbox
from bot.store.db import open_db
from bot.telegram.fake_api import FakeTelegram
from scanners.profile import load_profile
from tests.botharness import CHAT, TOKEN
from tests.conftest import DATA, HOOKS, PROFILE
from tests.scanrows import listing, write_scan

ALICE = cases.Actor("tg:222", "@alice")
ROUTES = outbox.Routes({"security": str(CHAT)})


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    p = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-db")
    yield p
    p.shutdown(wait=True)


def _runner(pool: ThreadPoolExecutor, before: Callable[[], None] = lambda: None) -> Any:
    """A runner like the bot's ``Desk.run``: each step in the one database thread, awaited (``before`` is
    called as each step is handed over)."""

    async def run(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        before()
        return await asyncio.get_running_loop().run_in_executor(pool, functools.partial(fn, *args, **kwargs))

    return run


def _seeded(db_path: Path, *app_ids: str) -> list[int]:
    db = open_db(db_path)
    try:
        return cases.sync_from_scan(
            db, write_scan(db, [listing(a) for a in app_ids]), load_profile(DATA / "brands.toml")
        ).opened
    finally:
        db.close()


# PTB 22 warns when it builds its 429 error (``retry_after`` becomes a timedelta); the outbox reads either.
@pytest.mark.filterwarnings("ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning")
def test_every_database_step_of_a_pass_runs_in_the_runners_thread(tmp_path: Path, pool: ThreadPoolExecutor):
    db_path = tmp_path / "o.db"
    ids = _seeded(db_path, "com.fake.loop.one", "com.fake.loop.two", "com.fake.loop.three")
    db = open_db(db_path, migrate=False)
    where: list[str] = []  # the thread of each statement run during a pass

    def trace(sql: str) -> None:
        where.append(threading.current_thread().name)

    run = _runner(pool)
    with FakeTelegram(token=TOKEN) as fake:

        async def deliver(clock: Callable[[], float] = time.time) -> outbox.DeliveryStats:
            async with ExtBot(TOKEN, base_url=fake.url) as bot:
                db.conn.set_trace_callback(trace)
                try:
                    return await outbox.deliver_pending(
                        db, bot, ROUTES, clock=clock, run=run, profile=PROFILE
                    )
                finally:
                    db.conn.set_trace_callback(None)

        fake.fail("sendMessage", status=403, description="Forbidden: bot was kicked from the supergroup chat")
        first = asyncio.run(deliver())
        assert (first.sent, first.failed) == (2, 1)  # refused for good, the others through
        cases.confirm(db, ids[1], ALICE, hooks=HOOKS)  # queues the edit of its card, and more
        second = asyncio.run(deliver())
        assert second.sent >= 1 and fake.ok_calls("editMessageText")
        _seeded(db_path, "com.fake.loop.four", "com.fake.loop.five")
        fake.fail("sendMessage", status=429, retry_after=1)
        held = asyncio.run(deliver())
        assert held.retry_after == 1 and held.sent == 0  # the queue waits, in order
        fake.fail("sendMessage", status=502)  # Telegram unreachable for this call
        later = time.time() + 60  # past the 429's wait
        down = asyncio.run(deliver(lambda: later))
        assert down.down and down.sent == 0
        healed = asyncio.run(deliver(lambda: later + 600))  # past the backoff
        assert healed.sent == 2
        assert asyncio.run(deliver(lambda: later + 1200)).sent == 0  # each once
    assert len(fake.sent(CHAT)) == 2 + 2 + (second.sent - len(fake.ok_calls("editMessageText")))
    db.close()
    assert where and set(where) == {"test-db_0"}, sorted(set(where))  # not one statement on the loop


def test_a_message_telegram_accepted_is_marked_sent_even_if_the_pass_is_cancelled(
    tmp_path: Path, pool: ThreadPoolExecutor
):
    db_path = tmp_path / "c.db"
    _seeded(db_path, "com.fake.cancel.one")
    db = open_db(db_path, migrate=False)
    with FakeTelegram(token=TOKEN) as fake:
        recording, go_on = threading.Event(), threading.Event()

        def hold_the_mark() -> None:
            # The first step after Telegram accepted the message is the mark: it waits its turn behind
            # another write in the database thread (a handler's, say).
            if fake.sent(CHAT) and not recording.is_set():
                recording.set()
                pool.submit(go_on.wait, 10)

        async def cancelled_pass() -> None:
            async with ExtBot(TOKEN, base_url=fake.url) as bot:
                task = asyncio.ensure_future(
                    outbox.deliver_pending(db, bot, ROUTES, run=_runner(pool, hold_the_mark), profile=PROFILE)
                )
                while not recording.is_set():
                    await asyncio.sleep(0.01)
                await asyncio.sleep(0.05)
                task.cancel()  # the bot stops while the mark waits its turn
                go_on.set()
                with pytest.raises(asyncio.CancelledError):
                    await task
                look = open_db(db_path, migrate=False)  # its own connection: the pass's is in use
                try:
                    for _ in range(500):  # the shielded mark finishes on its own
                        if not outbox.pending(look):
                            break
                        await asyncio.sleep(0.01)
                finally:
                    look.close()

        asyncio.run(cancelled_pass())
        [row] = db.query("SELECT status, message_id FROM outbox WHERE kind = 'case_alert'")
        assert row["status"] == "sent" and row["message_id"]
        stats = asyncio.run(outbox.deliver_pending(db, object(), ROUTES, run=_runner(pool), profile=PROFILE))
        assert stats.sent == 0 and len(fake.sent(CHAT)) == 1  # never sent twice
    db.close()
