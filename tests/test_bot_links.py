"""The bot traces a link sent in chat: ``fakeapp bot`` in a subprocess against the fake Bot API server, with
the loopback fraud site; the reply says what was found (Traditional Chinese, English on request, no internal
codes), the cases are opened and their cards, showing the artifacts, reach the security chat."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.desk import cases
from bot.store.db import open_db
from bot.telegram.fake_api import FakeTelegram
from tests.botharness import ANALYST, CHAT, TOKEN, VIEWER, bot_env, running_bot
from tests.linksite import FAKE_TEAM, Site, fraud_site

pytestmark = pytest.mark.slow


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server


def texts(fake: FakeTelegram, chat: int) -> list[str]:
    return [c.params.get("text") or "" for c in fake.sent(chat)]


def test_bot_traces_a_link_sent_in_chat(fake: FakeTelegram, tmp_path: Path) -> None:
    dbpath = tmp_path / "bot.db"
    with Site() as site:
        fraud_site(site, tmp_path)
        env = bot_env(
            fake,
            dbpath,
            FAKEAPP_APP_STORE_URL=site.url("/itunes"),
            FAKEAPP_GOOGLE_PLAY_URL=site.url("/gplay"),
            FAKEAPP_TESTFLIGHT_URL=site.url("/tf"),
            FAKEAPP_HTTP_RETRIES="0",
            FAKEAPP_CHROMIUM="off",
        )
        with running_bot(fake, env, tmp_path / "bot.log", args=("--allow-private-urls",)) as bot:
            fake.say(ANALYST, ANALYST, f"客戶傳來的連結 {site.url('/s/abc')} 請查")
            said = lambda s: any(s in t for t in texts(fake, ANALYST))  # noqa: E731
            assert fake.wait_for(lambda: said("追蹤連結中"), 30), bot.log()
            assert fake.wait_for(lambda: said("連結追蹤完成"), 90), bot.log()
            reply = next(t for t in texts(fake, ANALYST) if "連結追蹤完成" in t)
            assert "網站 127.0.0.1（127.0.0.1）：假冒" in reply
            labels = ("iOS 安裝檔（IPA）", "TestFlight 測試邀請", "iOS 描述檔", "企業內部發佈（in-house）")
            for label in labels:
                assert label in reply
            assert FAKE_TEAM in reply and "已開立案件：#" in reply
            for code in ("itms_manifest", "mobileconfig", "impersonation", "enterprise)"):
                assert code not in reply
            # the cards reach the security chat and show the artifacts
            assert fake.wait_for(lambda: any("發現假冒下載網站" in t for t in texts(fake, CHAT)), 30)
            site_card = next(t for t in texts(fake, CHAT) if "發現假冒下載網站" in t)
            assert "IP 位址：<code>127.0.0.1</code>" in site_card and "此網站提供" in site_card
            team = f"<code>{FAKE_TEAM}</code>"
            assert fake.wait_for(lambda: any(team in t and "發佈方式" in t for t in texts(fake, CHAT)), 30)
            # in English on request; the same link again finds the open cases
            n = len(fake.sent(ANALYST))
            fake.say(ANALYST, ANALYST, "/lang en")
            assert fake.wait_for(lambda: len(fake.sent(ANALYST)) > n, 20)
            fake.say(ANALYST, ANALYST, site.url("/s/abc"))
            assert fake.wait_for(lambda: any("Link traced" in t for t in texts(fake, ANALYST)), 90), bot.log()
            en = next(t for t in texts(fake, ANALYST) if "Link traced" in t)
            assert "Already open: #" in en and "Cases opened" not in en and "enterprise (in-house)" in en
            # a link the bot may not open (a private address, without the test flag here: another port is
            # refused as unreachable) is said to be unchecked, never "nothing found"
            n = len(fake.sent(ANALYST))
            fake.say(ANALYST, ANALYST, "http://127.0.0.1:9/landing")
            refused = lambda: any("could not be opened" in t for t in texts(fake, ANALYST)[n:])  # noqa: E731
            assert fake.wait_for(refused, 60)
            # a viewer may not submit links
            n = len(fake.sent(VIEWER))
            fake.say(VIEWER, VIEWER, site.url("/s/abc"))
            assert fake.wait_for(lambda: len(fake.sent(VIEWER)) > n, 20)
            assert "你的角色不能執行" in fake.sent(VIEWER)[-1].params["text"]
            assert bot.proc.poll() is None
    db = open_db(dbpath)
    got = [c for c in cases.list_cases(db) if c.kind in ("link", "site")]
    assert any(c.kind == "site" for c in got) and any(c.store == "ipa" for c in got)
    assert all(re.match(r"tg:\d+", e.actor) for c in got for e in cases.timeline(db, c.id)[:1])
    assert next(db.query("SELECT COUNT(*) AS n FROM traces WHERE trigger = 'bot'"))["n"] == 3  # all kept
