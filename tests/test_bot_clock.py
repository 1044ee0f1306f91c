"""The clock is an explicit input of the bot: everything it records (timeline, access log, file names) uses
the clock it is given, so no test depends on the day it runs."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from bot.core.settings import load_settings
from bot.desk import cases
from bot.store.db import open_db
from bot.telegram.app import build_application
from bot.telegram.fake_api import FakeTelegram
from tests.botharness import ANALYST, CHAT, TOKEN, VIEWER, bot_env
from tests.test_bot_e2e import seed

FIXED = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)


async def _drive(app: Any, until: Any, timeout: float = 20.0) -> None:
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        end = time.monotonic() + timeout
        while not until() and time.monotonic() < end:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # the access log is written in the background
        await app.updater.stop()
        await app.stop()


def test_bot_records_with_the_clock_it_is_given(tmp_path):
    db_path = tmp_path / "b.db"
    (cid,) = seed(db_path, "com.fake.clock")
    with FakeTelegram(token=TOKEN) as fake:
        app = build_application(load_settings(bot_env(fake, db_path)), clock=lambda: FIXED)
        fake.say(ANALYST, CHAT, f"/note {cid} checked")
        fake.say(ANALYST, CHAT, f"/takedown {cid} GP-1")
        mid = fake.add_message(CHAT, "card")
        cq = fake.press(ANALYST, CHAT, mid, f"c:{cid}:confirm")
        fake.say(VIEWER, CHAT, "/export")
        asyncio.run(_drive(app, lambda: bool(fake.ok_calls("sendDocument")) and cq in fake.answered))
        docs = fake.ok_calls("sendDocument")
    assert docs[0].result["document"]["file_name"] == "fakeapp-cases-20310506-0708.csv"
    db = open_db(db_path)
    at = FIXED.isoformat()
    mine = [e for e in cases.timeline(db, cid) if e.actor.startswith(f"tg:{ANALYST}")]
    assert {e.action for e in mine} >= {"note", "takedown", "confirm"}
    assert {e.at for e in mine} == {at}
    assert cases.get_case(db, cid).takedown_at == at
    logged = list(db.query("SELECT at FROM access_log WHERE user_id IN (?, ?)", [ANALYST, VIEWER]))
    assert logged and {r["at"] for r in logged} == {at}
