"""The bot's Application driven in-process against the fake Bot API server: /scan in a worker thread,
the cron schedule, the cross-process scan lock, and the pieces (settings, rendering, redaction)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.render import case_card, parse_callback
from bot.cases.actions import Case
from bot.cases.model import Reason
from bot.core.redact import install_redaction
from bot.core.settings import Settings, SettingsError, load_settings
from bot.desk import cases
from bot.outbox.text import split_message
from bot.store.db import open_db
from bot.store.locks import ScanBusy, scan_lock
from bot.telegram.app import build_application
from bot.telegram.fake_api import FakeTelegram
from scanners.profile import load_profile
from tests.botharness import ADMIN, CHAT, TOKEN, bot_env
from tests.conftest import DATA
from tests.scanrows import listing, write_scan


def _settings(fake: FakeTelegram, db_path: Path, **extra: str) -> Settings:
    return load_settings(bot_env(fake, db_path, **extra))


async def _run_app(app: Any, until: Any, timeout: float = 15.0) -> None:
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        end = time.monotonic() + timeout
        while not until() and time.monotonic() < end:
            await asyncio.sleep(0.05)
        await app.updater.stop()
        await app.stop()


def test_scan_command_runs_in_a_thread_and_stays_responsive(tmp_path):
    db_path = tmp_path / "b.db"
    release = threading.Event()
    seen: list[str] = []

    def fake_scan(settings: Settings, trigger: str) -> dict[str, Any]:
        seen.append(trigger)
        with scan_lock(settings.db_path):
            db = open_db(settings.db_path)
            scan = write_scan(db, [listing("com.fake.scan1")])
            sync = cases.sync_from_scan(db, scan, load_profile(DATA / "brands.toml"))
            db.close()
            release.wait(10)
        return {"scan": scan, "status": "ok", "opened": len(sync.opened), "removed": 0, "relisted": 0}

    with FakeTelegram(token=TOKEN) as fake:
        settings = _settings(fake, db_path)
        app = build_application(settings, scan_runner=fake_scan)
        fake.say(ADMIN, CHAT, "/scan")

        def progress() -> bool:
            texts = [c.params["text"] for c in fake.sent(CHAT)]
            if any("掃描開始" in t for t in texts) and not release.is_set():
                # While the scan runs: the bot still answers, and a second scan is refused by the lock.
                fake.say(ADMIN, CHAT, "/stats")
                with pytest.raises(ScanBusy), scan_lock(db_path):
                    pass
                release.set()
            return any("掃描 #" in t for t in texts) and any("發現疑似假冒" in t for t in texts)

        asyncio.run(_run_app(app, progress))
        texts = [c.params["text"] for c in fake.sent(CHAT)]
    assert seen == ["bot"]
    assert any("案件共" in t for t in texts)  # /stats answered during the scan
    assert any("新案件 1" in t for t in texts)
    assert sum("發現疑似假冒" in t for t in texts) == 1


def test_cron_schedule_and_bad_cron(tmp_path):
    with FakeTelegram(token=TOKEN) as fake:
        settings = _settings(fake, tmp_path / "b.db", FAKEAPP_SCAN_CRON="0 */6 * * *")
        app = build_application(settings)
        jobs = {j.name: j for j in app.job_queue.jobs()}  # type: ignore[union-attr]
        assert {"outbox", "reminders", "scan"} <= set(jobs)
        job = jobs["scan"].job
        assert job.max_instances == 1 and job.coalesce is True
        assert "hour='*/6'" in str(job.trigger)
        with pytest.raises(SettingsError, match="FAKEAPP_SCAN_CRON"):
            _settings(fake, tmp_path / "b.db", FAKEAPP_SCAN_CRON="every day")


def test_settings_file_and_env_override(tmp_path):
    f = tmp_path / "settings.toml"
    f.write_text(
        'telegram_bot_token = "1:abc"\nfakeapp_chat_id = "-100"\n'
        "fakeapp_admins = [1, 2]\nfakeapp_reminder_days = 3\n",
        encoding="utf-8",
    )
    s = load_settings({"FAKEAPP_SETTINGS": str(f), "FAKEAPP_ADMINS": "9"})
    assert s.telegram.token == "1:abc" and s.telegram.chat_id == "-100"
    assert s.telegram.admins == frozenset({9}) and s.telegram.reminder_days == 3
    assert "1:abc" not in repr(s)
    assert s.telegram.file_url == "https://api.telegram.org/file/bot"
    with pytest.raises(SettingsError, match="FAKEAPP_ANALYSTS"):
        load_settings({"FAKEAPP_ANALYSTS": "alice"})
    with pytest.raises(SettingsError, match="FAKEAPP_CHAT_ID"):
        load_settings({"FAKEAPP_CHAT_ID": "security"})


def test_redaction_filter(caplog):
    install_redaction(TOKEN)
    handler_records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            handler_records.append(self.format(record))

    h = Keep()
    logging.getLogger().addHandler(h)
    install_redaction(TOKEN)
    try:
        logging.getLogger("httpx").warning("POST https://api.telegram.org/bot%s/getMe", TOKEN)
        logging.getLogger("telegram.ext").error("boom 987654:ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    finally:
        logging.getLogger().removeHandler(h)
    joined = "\n".join(handler_records)
    assert TOKEN not in joined and "ABCDEFGHIJKLMNOP" not in joined and "<token>" in joined


def _case(**kw: Any) -> Case:
    base = dict(
        id=7,
        kind="listing",
        listing_key="google_play:x",
        apk_sha256=None,
        brand="huayue",
        store="google_play",
        app_id="x",
        title="t",
        developer="d",
        url="https://play.google.com/store/apps/details?id=x",
        verdict="impersonation",
        score=90,
        reasons=(),
        state="new",
        takedown="none",
        takedown_at="",
        takedown_ref="",
        takedown_store="",
        police="none",
        police_no="",
        police_agency="",
        police_at="",
        assignee="",
        listed=True,
        resolution="",
        opened_at="",
        updated_at="",
        closed_at="",
        scan_id=None,
    )
    base.update(kw)
    return Case(**base)


def test_card_escapes_hostile_text_and_links():
    c = _case(
        title='<a href="tg://x">官方</a>',
        developer="A&B <i>",
        url='javascript:alert("x")',
        reasons=(Reason("x", 5, "<script>", "x"),),
    )
    text = case_card(c)
    assert "<a href" not in text.split("\n")[1] and "&lt;a href=&quot;tg://x&quot;&gt;" in text
    assert "A&amp;B &lt;i&gt;" in text and "&lt;script&gt;" in text and "javascript" not in text


def test_split_and_callback_validation():
    long = "\n".join(f"line {i} " + "字" * 50 for i in range(400))
    parts = split_message(long)
    assert len(parts) > 1 and all(len(p) <= 4000 for p in parts) and "\n".join(parts) == long
    assert split_message("x" * 9000) == ["x" * 4000, "x" * 4000, "x" * 1000]
    assert parse_callback("c:12:confirm") == (12, "confirm")
    for bad in ("c:12:confirm ", "c:-1:fp", "c:1:DROP", "c::fp", "c:1234567890:fp", None, "", "c:1:fp:2"):
        assert parse_callback(bad) is None


def test_fake_server_speaks_the_wire_format(tmp_path):
    import json
    import urllib.request

    with FakeTelegram(token=TOKEN) as fake:

        def call(method: str, **params: Any) -> Any:
            body = "&".join(f"{k}={urllib.request.quote(str(v))}" for k, v in params.items()).encode()
            req = urllib.request.Request(f"{fake.url}{TOKEN}/{method}", data=body, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=5) as r:
                    return r.status, json.loads(r.read())
            except urllib.error.HTTPError as e:
                with e:
                    return e.code, json.loads(e.read())

        assert call("getMe")[1]["result"]["is_bot"] is True
        fake.say(1, 1, "/start")
        st, body = call("getUpdates", offset=0, timeout=0)
        u = body["result"][0]
        assert u["message"]["entities"][0] == {"type": "bot_command", "offset": 0, "length": 6}
        assert call("getUpdates", offset=u["update_id"] + 1, timeout=0)[1]["result"] == []
        st, body = call("sendMessage", chat_id=-5, text="hi")
        mid = body["result"]["message_id"]
        assert call("editMessageText", chat_id=-5, message_id=mid, text="hi")[0] == 400
        fake.fail("sendMessage", status=429, retry_after=3)
        st, body = call("sendMessage", chat_id=-5, text="x")
        assert st == 429 and body["parameters"]["retry_after"] == 3
        fake.set_down("502")
        assert call("getMe")[0] == 502
        fake.set_down("")
        req = urllib.request.Request(f"{fake.url}WRONG:token/getMe", data=b"", method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=5)
        assert err.value.code == 401
        err.value.close()
        # A long poll is released promptly when the server stops.
        t0 = time.monotonic()
        th = threading.Thread(target=lambda: call("getUpdates", offset=99, timeout=20))
        th.start()
        time.sleep(0.2)
    th.join(5)
    assert not th.is_alive() and time.monotonic() - t0 < 5


def test_case_is_dataclass_roundtrip(db):
    scan = write_scan(db, [listing("com.fake.rt")])
    cid = cases.sync_from_scan(db, scan, load_profile(DATA / "brands.toml")).opened[0]
    c = cases.get_case(db, cid)
    assert dataclasses.asdict(c)["listing_key"] == "google_play:com.fake.rt" and c.reasons
