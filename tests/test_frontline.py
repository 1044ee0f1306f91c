"""Front-line notices: plain language, nothing technical, posted once and edited; end to end through the
fake Bot API server with ``fakeapp bot`` started as a user starts it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.alerts import frontline
from bot.core.settings import load_settings
from bot.desk import cases, outbox
from bot.desk.hooks import case_hooks
from bot.store.db import open_db
from bot.telegram.fake_api import FakeTelegram
from scanners.profile import load_profile
from tests.botharness import ANALYST, CHAT, TOKEN, bot_env, running_bot, wait_quiet
from tests.conftest import DATA, HOOKS
from tests.scanrows import listing, write_scan

PROFILE = load_profile(DATA / "brands.toml")
FRONT = -1009876543
FRONT_HOOKS = case_hooks(PROFILE, frontline_chat=str(FRONT))  # the hooks of settings that name a front chat
ALICE = cases.Actor("tg:222", "@alice")
TITLE = "<b>華岳證券</b> & VIP"
OFFICIAL_PLAY = "https://play.google.com/store/apps/details?id=tw.com.huayuesec.trade"
OFFICIAL_IOS = "https://apps.apple.com/tw/app/id1488123456"
# What a notice must never show: scores, reasons, verdicts, certificates, package ids, the fake's own link.
TECHNICAL = ("分數", "Score", "score", "理由", "impersonation", "suspicious", "SHA", "憑證", "certificate",
             "com.fake", "details?id=com.fake", "名稱與「華岳證券」相同", "開發者不是官方帳號",
             "(+")  # fmt: skip


def _open(db, app_id: str = "com.fake.front", title: str = TITLE) -> int:
    return cases.sync_from_scan(db, write_scan(db, [listing(app_id, title=title)]), PROFILE).opened[0]


def _assert_plain(text: str) -> None:
    for word in TECHNICAL:
        assert word not in text, word
    assert "&lt;b&gt;華岳證券&lt;/b&gt; &amp; VIP" in text and "<b>華岳證券</b>" not in text
    assert f'href="{OFFICIAL_PLAY}"' in text and f'href="{OFFICIAL_IOS}"' in text
    assert "https://www.huayue-sec.com.tw/app" in text


def test_notice_text_per_phase_is_plain(db):
    cid = _open(db)
    brand = PROFILE.brand("huayue")
    case = cases.confirm(db, cid, ALICE, hooks=HOOKS)
    zh = frontline.notice_text(case, brand)
    _assert_plain(zh)
    assert "假冒 App 警示" in zh and "請這樣告訴客戶" in zh and "165" in zh and "仍可下載" in zh
    assert "Huayue Invest Ltd" in zh  # the developer name shown, to recognise it
    en = frontline.notice_text(case, brand, "en")
    _assert_plain(en)
    assert "What to tell a customer" in en
    case = cases.request_takedown(db, cid, ALICE, "GP-1", hooks=HOOKS)
    assert "已向商店申請下架" in frontline.notice_text(case, brand)
    assert "GP-1" not in frontline.notice_text(case, brand)  # the store's reference is internal
    case = cases.false_positive(db, cid, ALICE, "partner app", hooks=HOOKS)
    assert frontline.phase(case) == "retracted" and "並非假冒" in frontline.notice_text(case, brand)


def test_queued_once_on_confirmation_and_edits_coalesce(db):
    cid = _open(db)

    def rows(kind: str) -> list:
        return [r for r in db.query("SELECT * FROM outbox WHERE kind = ? AND case_id = ?", [kind, cid])]

    assert rows("frontline") == []  # a new case is not announced to the front line
    cases.confirm(db, cid, ALICE, hooks=FRONT_HOOKS)
    posted = rows("frontline")
    assert len(posted) == 1 and posted[0]["chat"] == "frontline"
    _assert_plain(posted[0]["text"])
    cases.false_positive(db, cid, ALICE, hooks=FRONT_HOOKS)
    cases.confirm(db, cid, ALICE, hooks=FRONT_HOOKS)  # confirmed again: still one notice, now edited
    assert len(rows("frontline")) == 1
    cases.note(db, cid, ALICE, "客戶來電", hooks=FRONT_HOOKS)  # nothing the front line sees changes: no edit
    cases.request_takedown(db, cid, ALICE, "GP-1", hooks=FRONT_HOOKS)
    assert len(rows("frontline_edit")) == 1  # one pending edit, rendered from the case when delivered
    # Before delivery, an edit for a notice not yet out is superseded by the notice itself.


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server


def _front_edits(fake: FakeTelegram) -> list:
    return [c for c in fake.ok_calls("editMessageText") if int(c.params["chat_id"]) == FRONT]


@pytest.mark.slow
def test_confirmed_posted_once_removed_and_resolved_update_it(fake, tmp_path: Path):
    dbpath = tmp_path / "bot.store.db"
    db = open_db(dbpath)
    cid = _open(db)
    env = bot_env(fake, dbpath, FAKEAPP_FRONTLINE_CHAT_ID=str(FRONT))
    with running_bot(fake, env, tmp_path / "bot.log") as bot:
        assert fake.wait_for(lambda: any(f"· #{cid}" in c.params["text"] for c in fake.sent(CHAT)))
        alert = next(c for c in fake.sent(CHAT) if f"· #{cid}" in c.params["text"])
        assert fake.sent(FRONT) == []  # not before a person confirms
        fake.press(ANALYST, CHAT, alert.result["message_id"], f"c:{cid}:confirm")
        assert fake.wait_for(lambda: len(fake.sent(FRONT)) == 1), bot.log()
        notice = fake.sent(FRONT)[0]
        mid = notice.result["message_id"]
        _assert_plain(notice.params["text"])
        assert "假冒 App 警示" in notice.params["text"] and notice.params["parse_mode"] == "HTML"

        # Taken down: the scan sees it gone (this process, the same database file) and the notice is edited.
        fake.say(ANALYST, CHAT, f"/takedown {cid} GP-42")
        assert fake.wait_for(lambda: any("已向商店申請下架" in c.params["text"] for c in _front_edits(fake)))
        gone = listing("com.fake.front", title=TITLE, present=0)
        res = cases.sync_from_scan(db, write_scan(db, [gone], changes={gone["key"]: "vanished"}), PROFILE)
        assert res.removed == [cid]
        assert fake.wait_for(lambda: any("假冒 App 已下架" in c.params["text"] for c in _front_edits(fake)))

        # Resolved from the chat: edited once more.
        fake.say(ANALYST, CHAT, f"/resolve {cid}")
        assert fake.wait_for(lambda: any("已結案" in c.params["text"] for c in _front_edits(fake)))
        wait_quiet(1.5)
        assert len(fake.sent(FRONT)) == 1  # posted once, ever
        edits = _front_edits(fake)
        assert edits and all(int(c.params["message_id"]) == mid for c in edits)
        for c in edits:
            _assert_plain(c.params["text"])
            assert "GP-42" not in c.params["text"]
        assert "已結案" in fake.messages[(FRONT, mid)]["text"]
    db.close()
    # Nothing left undelivered or failed for the front line.
    db = open_db(dbpath)
    left = list(db.query("SELECT status FROM outbox WHERE chat = 'frontline' AND status NOT IN ('sent')"))
    assert left == [] or all(r["status"] == "superseded" for r in left)
    assert outbox.pending(db) == [] or all(r["chat"] != "frontline" for r in outbox.pending(db))
    db.close()


def test_no_frontline_chat_set_says_so_once_and_queues_nothing(db, monkeypatch):
    """Without FAKEAPP_FRONTLINE_CHAT_ID in the caller's settings nothing is queued that can never be sent;
    the security chat is told once, ever, that front-line notices are off and why. The chat is the
    caller's (the hooks carry it), never read from the environment behind its back."""
    monkeypatch.setenv("FAKEAPP_FRONTLINE_CHAT_ID", str(FRONT))  # not the caller's settings: not read
    no_chat = cases.hooks_for(load_settings({}), PROFILE)
    first, second = _open(db), _open(db, "com.fake.front2")
    cases.confirm(db, first, ALICE, hooks=no_chat)
    cases.confirm(db, second, ALICE, hooks=no_chat)
    rows = list(db.query("SELECT * FROM outbox WHERE chat = 'frontline'"))
    assert rows == []
    off = list(db.query("SELECT * FROM outbox WHERE kind = 'frontline_off'"))
    assert len(off) == 1 and off[0]["chat"] == "security"
    assert "第一線通知未開啟" in off[0]["text"] and "FAKEAPP_FRONTLINE_CHAT_ID" in off[0]["text"]
    assert f"#{first}" in off[0]["text"]
    monkeypatch.delenv("FAKEAPP_FRONTLINE_CHAT_ID")
    with_chat = cases.hooks_for(load_settings({"FAKEAPP_FRONTLINE_CHAT_ID": str(FRONT)}), PROFILE)
    third = _open(db, "com.fake.front3")
    cases.confirm(db, third, ALICE, hooks=with_chat)  # the settings name one: posted, the env unset
    assert [r["case_id"] for r in db.query("SELECT * FROM outbox WHERE chat = 'frontline'")] == [third]


def test_a_notice_queued_before_the_chat_was_unset_fails_with_the_reason(db):
    """A front-line row left from when the chat was set does not wait forever: it fails, saying why."""
    import asyncio

    cid = _open(db)
    cases.confirm(db, cid, ALICE, hooks=FRONT_HOOKS)
    assert [r["kind"] for r in outbox.pending(db) if r["chat"] == "frontline"] == ["frontline"]
    routes = outbox.Routes({})  # neither chat set now: the rest waits, the front-line row fails
    stats = asyncio.run(outbox.deliver_pending(db, object(), routes, profile=PROFILE))
    assert stats.failed == 1
    row = next(db.query("SELECT * FROM outbox WHERE chat = 'frontline'"))
    assert row["status"] == "failed" and "FAKEAPP_FRONTLINE_CHAT_ID" in row["last_error"]
