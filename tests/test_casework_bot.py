"""Follow-up reminders with their re-send drafts; /draft, /report, /evidence and the 證據包 button end to
end through the fake Bot API server."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.casework.evidence import verify_pack
from bot.casework.workflow import draft_for_case, earlier_drafts
from bot.core.settings import load_settings
from bot.desk import cases, outbox
from bot.store.db import open_db
from bot.telegram.fake_api import FakeTelegram
from scanners.profile import load_profile
from tests.botharness import ANALYST, CHAT, STRANGER, TOKEN, VIEWER, bot_env, running_bot, wait_quiet
from tests.conftest import DATA, HOOKS
from tests.scanrows import listing, write_scan

PROFILE = load_profile(DATA / "brands.toml")
ALICE = cases.Actor("tg:222", "@alice")


def test_reminder_periods_per_store_from_the_environment():
    tg = load_settings({"FAKEAPP_REMINDER_DAYS": "5", "FAKEAPP_REMINDER_DAYS_APP_STORE": "14"}).telegram
    assert tg.reminder_periods() == {"default": 5, "app_store": 14}
    assert load_settings({}).telegram.reminder_periods() == {"default": 7}


def test_reminder_comes_with_the_draft_ready_to_resend(db):
    play = listing("com.fake.rem")
    ios = listing("6400000009", store="app_store")
    scan = write_scan(
        db, [play, ios], stores=(("huayue", "google_play", "ok", ""), ("huayue", "app_store", "ok", ""))
    )
    cid_play, cid_ios = cases.sync_from_scan(db, scan, PROFILE).opened
    ten_days_ago = (datetime.now(UTC) - timedelta(days=10)).replace(microsecond=0).isoformat()
    cases.request_takedown(db, cid_play, ALICE, "GP-100", when=ten_days_ago, hooks=HOOKS)
    cases.request_takedown(db, cid_ios, ALICE, "AP-200", when=ten_days_ago, hooks=HOOKS)
    periods = {"default": 7, "app_store": 30}  # Apple gets longer before we chase
    both = (("huayue", "google_play", "ok", ""), ("huayue", "app_store", "ok", ""))
    same = write_scan(db, [play, ios], changes={play["key"]: "same", ios["key"]: "same"}, stores=both)
    res = cases.sync_from_scan(db, same, PROFILE, reminder_days=periods)
    assert res.reminders == [cid_play]
    drafts = [r for r in outbox.pending(db) if r["kind"] == "reminder_draft"]
    assert len(drafts) == 1 and drafts[0]["case_id"] == cid_play and drafts[0]["method"] == "sendDocument"
    text = drafts[0]["document"].decode("utf-8")
    assert "GP-100" in text and "再次申請" in text and "Impersonation" in text
    # Run again (the bot's hourly job, or the next scan): nothing queued twice.
    assert outbox.enqueue_reminders(db, days=periods) == []
    cases.sync_from_scan(db, same, PROFILE, reminder_days=periods)
    assert len([r for r in outbox.pending(db) if r["kind"] == "reminder_draft"]) == 1


def test_relisted_case_carries_drafts_and_report_numbers_forward(db):
    fake = listing("com.fake.back")
    cid = cases.sync_from_scan(db, write_scan(db, [fake]), PROFILE).opened[0]
    draft_for_case(db, PROFILE, cid, "play", "zh", actor=ALICE)
    cases.request_takedown(db, cid, ALICE, "GP-1", hooks=HOOKS)
    cases.report_police(db, cid, ALICE, "A1130777", "165", hooks=HOOKS)
    gone = {**fake, "present": 0}
    cases.sync_from_scan(db, write_scan(db, [gone], changes={fake["key"]: "vanished"}), PROFILE)
    res = cases.sync_from_scan(db, write_scan(db, [fake], changes={fake["key"]: "relisted"}), PROFILE)
    assert res.relisted == [cid]
    # The same case (so its drafts are still there), and a new takedown request is due: no refusal.
    assert [d["kind"] for d in earlier_drafts(db, cid)] == ["play"]
    text = draft_for_case(db, PROFILE, cid, "play", "zh", actor=ALICE).text()
    assert "GP-1" in text and "A1130777" in text and "重新上架" in text and "現又重新上架" in text
    police = draft_for_case(db, PROFILE, cid, "police", "en", actor=ALICE).text()
    assert "A1130777" in police and "GP-1" in police and "Re-listed" in police


# --- end to end -------------------------------------------------------------------------------------------


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server


def _docs(fake: FakeTelegram, chat: int) -> list:
    return [c for c in fake.ok_calls("sendDocument") if int(c.params["chat_id"]) == chat]


def _replies(fake: FakeTelegram, chat: int, start: int) -> list[str]:
    return [c.params["text"] for c in fake.sent(chat)[start:]]


@pytest.mark.slow
def test_draft_report_evidence_commands_and_button(fake, tmp_path: Path):
    dbpath = tmp_path / "bot.store.db"
    db = open_db(dbpath)
    cid = cases.sync_from_scan(
        db, write_scan(db, [listing("com.fake.cmd", title="<i>華岳</i>證券")]), PROFILE
    ).opened[0]
    cases.confirm(db, cid, ALICE, hooks=HOOKS)
    db.close()
    env = bot_env(fake, dbpath)
    with running_bot(fake, env, tmp_path / "bot.log") as bot:
        assert fake.wait_for(lambda: any(f"· #{cid}" in c.params["text"] for c in fake.sent(CHAT)))
        alert = next(c for c in fake.sent(CHAT) if f"· #{cid}" in c.params["text"])
        registered = {c["command"] for c in fake.ok_calls("setMyCommands")[-1].params["commands"]}
        assert {"draft", "report", "evidence"} <= registered

        n = len(fake.sent(CHAT))
        fake.say(ANALYST, CHAT, f"/draft {cid} play")
        assert fake.wait_for(lambda: any("<pre>" in t for t in _replies(fake, CHAT, n))), bot.log()
        text = next(t for t in _replies(fake, CHAT, n) if "<pre>" in t)
        assert "「&lt;i&gt;華岳&lt;/i&gt;證券」" in text and "policy_violation_report" in text

        fake.say(ANALYST, CHAT, f"/takedown {cid} GP-5")
        n = len(fake.sent(CHAT))
        fake.say(ANALYST, CHAT, f"/draft {cid} play")
        assert fake.wait_for(lambda: any("GP-5" in t and "force" in t for t in _replies(fake, CHAT, n)))
        refusal = next(t for t in _replies(fake, CHAT, n) if "GP-5" in t and "force" in t)
        assert "force" in refusal and "<pre>" not in refusal

        d0 = len(_docs(fake, CHAT))
        fake.say(ANALYST, CHAT, f"/draft {cid} website en")
        assert fake.wait_for(lambda: len(_docs(fake, CHAT)) == d0 + 1)
        html_doc = _docs(fake, CHAT)[-1].files["document"].decode()
        assert "<i>" not in html_doc and "&lt;i&gt;華岳&lt;/i&gt;證券" in html_doc

        fake.say(VIEWER, CHAT, "/report week")
        assert fake.wait_for(lambda: len(_docs(fake, CHAT)) == d0 + 2, timeout=30)
        assert _docs(fake, CHAT)[-1].files["document"][:8] == b"\x89PNG\r\n\x1a\n"
        assert any("新可疑案件：1" in t for t in _replies(fake, CHAT, n))

        fake.say(ANALYST, ANALYST, f"/evidence {cid}")  # in the analyst's private chat
        assert fake.wait_for(lambda: len(_docs(fake, ANALYST)) == 1, timeout=20)
        pack = _docs(fake, ANALYST)[0].files["document"]
        assert verify_pack(pack) == []

        # The 證據包 button on the confirmed case's alert: the pack goes to the security chat (outbox).
        markup = fake.messages[(CHAT, alert.result["message_id"])]["reply_markup"]
        datas = [b["callback_data"] for row in markup["inline_keyboard"] for b in row]
        assert f"c:{cid}:evidence" in datas
        viewer_cq = fake.press(VIEWER, CHAT, alert.result["message_id"], f"c:{cid}:evidence")
        assert fake.wait_for(lambda: viewer_cq in fake.answered)
        cq = fake.press(ANALYST, CHAT, alert.result["message_id"], f"c:{cid}:evidence")
        assert fake.wait_for(lambda: cq in fake.answered)
        assert fake.wait_for(lambda: len(_docs(fake, CHAT)) == d0 + 3, timeout=20)
        button_pack = _docs(fake, CHAT)[-1].files["document"]
        assert verify_pack(button_pack) == []
        with zipfile.ZipFile(io.BytesIO(button_pack)) as z:
            assert "summary.html" in z.namelist()

        fake.say(STRANGER, CHAT, f"/draft {cid} police")
        fake.say(STRANGER, CHAT, "/report month")
        wait_quiet(1.0)
        assert len(_docs(fake, CHAT)) == d0 + 3  # nothing for the stranger, nor for the viewer's press
        assert not any("報案人" in t for t in _replies(fake, CHAT, n))  # no police draft for the stranger
    db = open_db(dbpath)
    packs = list(db.query("SELECT actor FROM evidence_packs WHERE case_id = ? ORDER BY id", [cid]))
    assert len(packs) == 2 and all(p["actor"].startswith("tg:222") for p in packs)
    assert sum(1 for e in cases.timeline(db, cid) if e.action == "evidence") == 2
    db.close()
