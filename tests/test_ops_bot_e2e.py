"""Operations through the bot, end to end: `fakeapp bot` in a subprocess against the fake Bot API server.

A held scan's summary and its release/discard buttons (admins only, once), /pause and /resume (alerts held,
never dropped, sent once), /settings and /scan showing the switches, the bot's heartbeat read by
`fakeapp health`; Traditional Chinese by default, English on request.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.desk import cases
from bot.outbox import holds
from bot.store import switches as sw
from bot.store.db import open_db
from bot.telegram.fake_api import FakeTelegram
from scanners.profile import load_profile
from tests.botharness import ADMIN, ANALYST, CHAT, TOKEN, VIEWER, bot_env, running_bot, wait_quiet
from tests.conftest import DATA
from tests.opsharness import cli
from tests.scanrows import listing, write_scan

pytestmark = pytest.mark.slow
PROFILE = load_profile(DATA / "brands.toml")


def _sync(db, scan: int, profile, *, storm: int = 0):
    """The post-scan pipeline (which validates the scan): what it did, and the hold if any."""
    sync = cases.sync_from_scan(db, scan, profile, storm=storm)
    return sync, sync.hold


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server


def _texts(fake: FakeTelegram, after: int = 0) -> list[str]:
    return [c.params["text"] for c in fake.sent(CHAT)[after:]]


def _alerts(fake: FakeTelegram) -> list[str]:
    return [t for t in _texts(fake) if "發現疑似假冒" in t]


def _storm(db_path: Path, n: int, prefix: str, storm: int) -> holds.Hold | None:
    db = open_db(db_path)
    try:
        scan = write_scan(db, [listing(f"{prefix}{i}") for i in range(n)])
        return _sync(db, scan, PROFILE, storm=storm)[1]
    finally:
        db.close()


def test_held_scan_release_and_discard_buttons(fake, tmp_path):
    db_path = tmp_path / "bot.db"
    first = _storm(db_path, 3, "com.storm.a", storm=2)
    second = _storm(db_path, 4, "com.storm.b", storm=2)
    assert first and second
    with running_bot(fake, bot_env(fake, db_path), tmp_path / "bot.log") as bot:
        assert fake.wait_for(lambda: sum("暫緩 #" in t for t in _texts(fake)) == 2)
        wait_quiet(0.8)
        assert _alerts(fake) == []  # the summaries only
        summary = next(c for c in fake.sent(CHAT) if f"暫緩 #{first.id}" in c.params["text"])
        assert "新案件 3 件，超過門檻 2 件" in summary.params["text"]
        mid = summary.result["message_id"]
        # Not an admin: refused, nothing released.
        cq = fake.press(ANALYST, CHAT, mid, f"h:{first.id}:release")
        assert fake.wait_for(lambda: cq in fake.answered)
        assert fake.answered[cq]["text"] == "無權限"  # the gate: buttons of a held scan need an admin
        wait_quiet(0.5)
        assert _alerts(fake) == []
        # The admin releases: the three alerts go out once, the summary says who released it.
        cq = fake.press(ADMIN, CHAT, mid, f"h:{first.id}:release", username="boss")
        assert fake.wait_for(lambda: cq in fake.answered)
        assert "已放行" in fake.answered[cq]["text"]
        assert fake.wait_for(lambda: len(_alerts(fake)) == 3)
        assert fake.wait_for(
            lambda: any(
                c.params.get("message_id") == mid and "暫緩 #1 已放行（@boss）" in c.params["text"]
                for c in fake.ok_calls("editMessageText")
            )
        )
        cq = fake.press(ADMIN, CHAT, mid, f"h:{first.id}:discard")  # a second decision: refused
        assert fake.wait_for(lambda: cq in fake.answered)
        assert "已處理過了" in fake.answered[cq]["text"]
        # The second hold is discarded: its four alerts are never sent; the cases stay.
        mid2 = next(c for c in fake.sent(CHAT) if f"暫緩 #{second.id}" in c.params["text"]).result[
            "message_id"
        ]
        cq = fake.press(ADMIN, CHAT, mid2, f"h:{second.id}:discard")
        assert fake.wait_for(lambda: cq in fake.answered)
        assert "已捨棄" in fake.answered[cq]["text"]
        wait_quiet(1.0)
        assert len(_alerts(fake)) == 3
        assert bot.proc.poll() is None
    db = open_db(db_path)
    assert cases.stats(db)["total"] == 7
    trail = [(a["action"], a["target"], a["actor"]) for a in sw.audit_trail(db) if a["action"] != "hold"]
    assert trail == [
        ("discard", "hold #2", f"tg:{ADMIN} @u{ADMIN}"),
        ("release", "hold #1", f"tg:{ADMIN} @boss"),
    ]


def test_pause_resume_settings_and_heartbeat(fake, tmp_path):
    db_path = tmp_path / "bot.db"
    db = open_db(db_path)
    db.close()
    env = bot_env(fake, db_path)
    with running_bot(fake, env, tmp_path / "bot.log") as bot:

        def ask(user: int, text: str, expect: str) -> str:
            n = len(fake.sent(CHAT))
            fake.say(user, CHAT, text)
            ok = fake.wait_for(lambda: any(expect in t for t in _texts(fake, n)), timeout=30)
            assert ok, (text, expect, _texts(fake, n), bot.log()[-2000:])
            return next(t for t in _texts(fake, n) if expect in t)

        ask(ANALYST, "/pause", "你的角色不能執行")
        said = ask(ADMIN, "/pause alerts 設定檔檢查中", "已暫停案件通知")
        assert said == "⏸️ 已暫停案件通知。通知會保留，不會遺失；恢復請用 /resume alerts。"
        ask(ADMIN, "/pause bogus", "/pause [alerts|frontline|scans")
        # A scan (cron, outside the bot) opens two cases while alerts are paused.
        db = open_db(db_path)
        scan = write_scan(db, [listing("com.paused.one"), listing("com.paused.two")])
        _sync(db, scan, PROFILE)
        db.close()
        wait_quiet(1.5)
        assert _alerts(fake) == []
        shown = ask(ADMIN, "/settings", "暫停中")
        assert "⏸️ 暫停中：案件通知（tg:111" in shown and "待處理的暫緩通知：2 則" in shown
        ask(ADMIN, "/pause scans", "已暫停掃描")
        ask(ADMIN, "/scan", "掃描已暫停")
        ask(VIEWER, "/resume", "你的角色不能執行")
        said = ask(ADMIN, "/resume", "已恢復")
        assert said == "▶️ 已恢復：案件通知、掃描。保留的通知將陸續送出。"
        assert fake.wait_for(lambda: len(_alerts(fake)) == 2)
        ask(ADMIN, "/lang en", "English")
        assert ask(ADMIN, "/pause frontline", "paused") == (
            "⏸️ front-line notices paused. Alerts are kept, never dropped; /resume frontline to resume."
        )
        assert ask(ADMIN, "/resume", "Resumed") == "▶️ Resumed: front-line notices. Kept alerts go out now."
        # The heartbeat the bot writes is what `fakeapp health` reads.
        db = open_db(db_path)
        assert fake.wait_for(lambda: sw.last_beat(db) != "", timeout=10)
        db.close()
        _code, out = cli({"FAKEAPP_DB": str(db_path), "TELEGRAM_BOT_TOKEN": TOKEN}, "health", "--json")
        assert "bot: " not in out and '"bot_heartbeat": "20' in out
        wait_quiet(0.5)
        assert len(_alerts(fake)) == 2  # each exactly once
    # The bot is gone: a stale heartbeat is reported (the clock moved on by ten minutes).
    from datetime import UTC, datetime, timedelta

    from bot.alerts import watch

    db = open_db(db_path)
    h = watch.check(db, now=datetime.now(UTC) + timedelta(minutes=10), bot_expected=True)
    assert any(p.startswith("bot: last heartbeat") for p in h.problems)
    trail = [(a["action"], a["target"]) for a in reversed(sw.audit_trail(db))]
    assert trail[:4] == [("pause", "alerts"), ("pause", "scans"), ("resume", "alerts"), ("resume", "scans")]
