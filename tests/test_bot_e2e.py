"""The bot end to end: ``fakeapp bot`` in a subprocess against the fake Bot API server on loopback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.desk import cases, outbox
from bot.store.db import open_db
from bot.telegram.fake_api import FakeTelegram
from scanners.profile import load_profile
from tests.botharness import ADMIN, ANALYST, CHAT, STRANGER, TOKEN, VIEWER, bot_env, running_bot, wait_quiet
from tests.conftest import DATA
from tests.scanrows import listing, write_scan

pytestmark = pytest.mark.slow


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture
def dbpath(tmp_path: Path) -> Path:
    return tmp_path / "bot.store.db"


def seed(dbpath: Path, *app_ids: str, title: str = "華岳證券 Pro") -> list[int]:
    """What `fakeapp scan` leaves: listings, findings, and (via sync_from_scan) cases and queued alerts."""
    db = open_db(dbpath)
    try:
        scan = write_scan(db, [listing(a, title=title) for a in app_ids])
        return cases.sync_from_scan(db, scan, load_profile(DATA / "brands.toml")).opened
    finally:
        db.close()


def alerts_for(fake: FakeTelegram, case_id: int) -> list:
    return [c for c in fake.sent(CHAT) if re.search(rf"· #{case_id}\b", c.params["text"])]


def test_alerts_arrive_once_and_buttons_edit_them(fake, dbpath, tmp_path):
    ids = seed(dbpath, "com.fake.one", "com.fake.two", title="<b>華岳證券</b> & Pro")
    env = bot_env(fake, dbpath)
    with running_bot(fake, env, tmp_path / "bot.log") as bot:
        assert fake.wait_for(lambda: all(len(alerts_for(fake, i)) == 1 for i in ids))
        wait_quiet(1.0)
        assert [len(alerts_for(fake, i)) for i in ids] == [1, 1]
        msg = alerts_for(fake, ids[0])[0]
        # Hostile title escaped; buttons carry ids only.
        assert "&lt;b&gt;華岳證券&lt;/b&gt; &amp; Pro" in msg.params["text"]
        kb = msg.params["reply_markup"]["inline_keyboard"]
        datas = [b["callback_data"] for row in kb for b in row]
        assert f"c:{ids[0]}:confirm" in datas and all(re.fullmatch(r"c:\d+:[a-z_]+", d) for d in datas)
        labels = [b["text"] for row in kb for b in row]
        assert labels[:5] == ["確認假冒", "誤報", "已申請下架", "已報案", "結案"]
        mid = msg.result["message_id"]
        cq = fake.press(ANALYST, CHAT, mid, f"c:{ids[0]}:confirm")
        assert fake.wait_for(lambda: cq in fake.answered)
        assert fake.wait_for(
            lambda: any(
                c.params.get("message_id") == mid and "已確認假冒" in c.params["text"]
                for c in fake.ok_calls("editMessageText")
            )
        )
        # takedown button, then police button (needs a report number: answered with the usage)
        cq2 = fake.press(ANALYST, CHAT, mid, f"c:{ids[0]}:takedown")
        cq3 = fake.press(ANALYST, CHAT, mid, f"c:{ids[0]}:police")
        assert fake.wait_for(lambda: cq2 in fake.answered and cq3 in fake.answered)
        assert "/police" in fake.answered[cq3]["text"]
        # fp and resolve buttons on the second case
        mid2 = alerts_for(fake, ids[1])[0].result["message_id"]
        cq4 = fake.press(ANALYST, CHAT, mid2, f"c:{ids[1]}:resolve")  # refused: still listed, no reason
        assert fake.wait_for(lambda: cq4 in fake.answered)
        assert "still listed" in fake.answered[cq4]["text"]
        cq5 = fake.press(ANALYST, CHAT, mid2, f"c:{ids[1]}:fp")
        assert fake.wait_for(lambda: cq5 in fake.answered)
        assert fake.wait_for(
            lambda: any(
                c.params.get("message_id") == mid2 and "誤報" in c.params["text"]
                for c in fake.ok_calls("editMessageText")
            )
        )
        wait_quiet(0.8)
        assert bot.proc.poll() is None
    db = open_db(dbpath)
    c1, c2 = cases.get_case(db, ids[0]), cases.get_case(db, ids[1])
    assert (c1.state, c1.takedown) == ("confirmed", "requested") and c2.state == "false_positive"
    assert any(
        e.actor.startswith(f"tg:{ANALYST}") and e.action == "confirm" for e in cases.timeline(db, ids[0])
    )
    mine = db.query("SELECT status FROM outbox WHERE kind IN ('case_alert', 'case_edit')")
    assert {r["status"] for r in mine} <= {"sent", "superseded"}
    # Restarting delivers nothing again.
    n = len(fake.sent(CHAT))
    with running_bot(fake, env, tmp_path / "bot2.log"):
        wait_quiet(1.5)
    assert len(fake.sent(CHAT)) == n
    assert TOKEN not in (tmp_path / "bot.log").read_text() + (tmp_path / "bot2.log").read_text()


def _replies(fake: FakeTelegram, chat: int, after: int) -> list[str]:
    return [c.params["text"] for c in fake.sent(chat)[after:]]


def test_every_command(fake, dbpath, tmp_path):
    ids = seed(dbpath, "com.fake.cmd1", "com.fake.cmd2", "com.fake.cmd3")
    env = bot_env(fake, dbpath)
    with running_bot(fake, env, tmp_path / "bot.log") as bot:
        assert fake.wait_for(lambda: len(fake.sent(CHAT)) >= 3)

        def ask(user: int, text: str, expect: str, chat: int = CHAT) -> str:
            n = len(fake.sent(chat))
            fake.say(user, chat, text)
            ok = fake.wait_for(lambda: any(expect in t for t in _replies(fake, chat, n)), timeout=30)
            assert ok, (
                f"{text!r}: no reply with {expect!r}; got {_replies(fake, chat, n)}\n{bot.log()[-2000:]}"
            )
            return "\n".join(_replies(fake, chat, n))

        ask(VIEWER, "/start", "檢視者")
        ask(VIEWER, "/help", "/takedown")
        assert "com.fake.cmd1" not in ask(VIEWER, "/cases", "案件（open）共 3 件")
        ask(VIEWER, "/cases confirmed", "沒有符合的案件")
        ask(VIEWER, "/cases bogus", "unknown state")
        ask(VIEWER, f"/case {ids[0]}", "時間軸")
        ask(ANALYST, f"/takedown {ids[0]} GP-2026-1187", "已確認假冒")
        ask(ANALYST, f"/rejected {ids[0]} Google 認為未違反政策", "已確認假冒")
        ask(ANALYST, f"/rejected {ids[0]}", "no takedown requested")  # refused twice: the track says why
        ask(ANALYST, f"/takedown {ids[0]} GP-2026-1204", "已確認假冒")  # asked again, with more evidence
        ask(ANALYST, f"/police {ids[0]} A11300123 刑事局", "已確認假冒")
        ask(ANALYST, f"/note {ids[0]} 客服已接獲 3 通來電", "已加註")
        ask(ANALYST, f"/assign {ids[0]} @bob", "@bob")
        ask(ANALYST, f"/fp {ids[1]} 其他券商的官方 App", "誤報")
        ask(ANALYST, f"/resolve {ids[0]}", "still listed")
        ask(ANALYST, f"/resolve {ids[0]} Google 審查中，改由 165 追蹤", "已結案")
        ask(ANALYST, "/takedown", "用法")
        ask(ANALYST, "/takedown abc", "not a case number")
        ask(ANALYST, "/case 99999", "no case #99999")
        ask(ADMIN, f"/allow {ids[2]} 合作夥伴", "允許清單")
        stats = ask(VIEWER, "/stats", "案件共 3 件")
        assert "已結案 1" in stats
        n_docs = len(fake.ok_calls("sendDocument"))
        fake.say(VIEWER, CHAT, "/export")
        assert fake.wait_for(lambda: len(fake.ok_calls("sendDocument")) == n_docs + 1)
        doc = fake.ok_calls("sendDocument")[-1]
        csv_text = next(iter(doc.files.values())).decode("utf-8-sig")
        assert csv_text.startswith("case_id,") and "GP-2026-1187" in csv_text and "A11300123" in csv_text
        ask(VIEWER, "/lang en", "Language set to English")
        ask(VIEWER, "/help", "/takedown ID [reference]")
        ask(VIEWER, f"/case {ids[0]}", "Timeline")
        ask(VIEWER, "/lang zh", "語言已設為中文")
        # role checks between members: a viewer cannot change a case, an analyst cannot allow-list
        ask(VIEWER, f"/fp {ids[0]}", "你的角色不能執行")
        ask(ANALYST, f"/allow {ids[0]}", "你的角色不能執行")
        ask(ANALYST, "/scan", "你的角色不能執行")
        # private chat with the bot works for members
        ask(ANALYST, "/cases all", "共 3 件", chat=ANALYST)
    db = open_db(dbpath)
    assert cases.get_case(db, ids[0]).state == "resolved"
    ev = cases.timeline(db, ids[0])
    assert [e.action for e in ev].count("note") == 1 and ev[-1].reason.startswith("Google")
    rejected = [e for e in ev if e.action == "takedown_rejected"]
    assert len(rejected) == 1 and rejected[0].reason == "Google 認為未違反政策"
    track = [(e.action, e.field, e.new) for e in ev if e.field == "takedown" or e.field == "takedown_ref"]
    assert track == [
        ("takedown", "takedown", "requested"),
        ("takedown", "takedown_ref", "GP-2026-1187"),
        ("takedown_rejected", "takedown", "rejected"),
        ("takedown", "takedown", "requested"),
        ("takedown", "takedown_ref", "GP-2026-1204"),
    ]
    assert db["allow_overrides"].count == 1
    registered = fake.ok_calls("setMyCommands")[-2:]
    names = {c["command"] for c in registered[0].params["commands"]}
    assert {
        "start",
        "help",
        "cases",
        "case",
        "scan",
        "takedown",
        "rejected",
        "police",
        "resolve",
        "fp",
        "note",
        "assign",
        "allow",
        "stats",
        "export",
        "lang",
    } <= names
    assert registered[1].params.get("language_code") == "en"


def test_strangers_and_forged_buttons(fake, dbpath, tmp_path):
    ids = seed(dbpath, "com.fake.s1")
    env = bot_env(fake, dbpath, FAKEAPP_ADMIN_NOTICE_INTERVAL="3600")
    with running_bot(fake, env, tmp_path / "bot.log"):
        assert fake.wait_for(lambda: len(alerts_for(fake, ids[0])) == 1)
        mid = alerts_for(fake, ids[0])[0].result["message_id"]
        n_group = len(fake.sent(CHAT))
        for text in ("/start", "/cases", f"/case {ids[0]}", f"/fp {ids[0]}"):
            fake.say(STRANGER, CHAT, text)
        fake.say(STRANGER, STRANGER, "/cases")  # a private chat
        fake.say(ANALYST, -555, "/cases")  # a member, but in a chat that is not allowed
        strange_cq = fake.press(STRANGER, CHAT, mid, f"c:{ids[0]}:confirm")
        viewer_cq = fake.press(VIEWER, CHAT, mid, f"c:{ids[0]}:confirm")
        forged = [
            fake.press(ANALYST, CHAT, mid, d)
            for d in (f"c:{ids[0]}:drop", "c:1:confirm;DROP TABLE cases", "x" * 64, f"c:{ids[0]}:police:1")
        ]
        assert fake.wait_for(lambda: all(q in fake.answered for q in [strange_cq, viewer_cq, *forged]))
        assert fake.wait_for(lambda: len(fake.sent(ADMIN)) >= 1)
        wait_quiet(1.0)
        # Nothing useful to the stranger: no message in the group, its private chat or the other chat.
        assert len(fake.sent(CHAT)) == n_group
        assert fake.sent(STRANGER) == [] and fake.sent(-555) == []
        answers = fake.answered
        assert not answers[strange_cq].get("text")
        assert answers[viewer_cq]["text"] == "無權限"
        # Unknown actions need admin (deny by default); malformed data is invalid. Either way: nothing done.
        assert answers[forged[0]]["text"] == "無權限"
        assert all(answers[q]["text"] == "無效的按鈕" for q in forged[1:])
        # Admins told once (rate-limited), with the stranger's id.
        notices = fake.sent(ADMIN)
        assert len(notices) == 2  # the stranger, and the member in a foreign chat
        assert any(str(STRANGER) in n.params["text"] for n in notices)
    db = open_db(dbpath)
    assert cases.get_case(db, ids[0]).state == "new"
    denied = list(db.query("SELECT * FROM access_log WHERE allowed = 0"))
    assert {r["user_id"] for r in denied} == {STRANGER, VIEWER, ANALYST}
    assert len([r for r in denied if r["user_id"] == STRANGER]) == 6


def test_telegram_down_during_scan_then_back(fake, dbpath, tmp_path):
    env = bot_env(fake, dbpath)
    with running_bot(fake, env, tmp_path / "bot.log") as bot:
        fake.set_down("502")
        ids = seed(dbpath, "com.fake.d1", "com.fake.d2", "com.fake.d3")  # the cron scan writes meanwhile
        wait_quiet(2.0)
        assert fake.sent(CHAT) == []
        fake.set_down("drop")
        wait_quiet(1.0)
        fake.set_down("")
        assert fake.wait_for(lambda: all(len(alerts_for(fake, i)) >= 1 for i in ids), timeout=40), bot.log()[
            -3000:
        ]
        wait_quiet(1.0)
        assert [len(alerts_for(fake, i)) for i in ids] == [1, 1, 1]
        assert bot.proc.poll() is None
    assert TOKEN not in (tmp_path / "bot.log").read_text()


def test_flood_control_retry_after(fake, dbpath, tmp_path):
    ids = seed(dbpath, "com.fake.f1", "com.fake.f2", "com.fake.f3")
    fake.fail("sendMessage", status=429, retry_after=2, times=1)
    env = bot_env(fake, dbpath)
    with running_bot(fake, env, tmp_path / "bot.log"):
        assert fake.wait_for(lambda: all(len(alerts_for(fake, i)) == 1 for i in ids), timeout=20)
        wait_quiet(0.5)
        assert [len(alerts_for(fake, i)) for i in ids] == [1, 1, 1]
    flood = [c for c in fake.calls if c.method == "sendMessage" and c.status == 429]
    assert len(flood) == 1
    first_ok = fake.sent(CHAT)[0]
    assert first_ok.t - flood[0].t >= 1.9  # waited retry_after before sending again


def test_killed_mid_delivery_no_loss_no_duplicate(fake, dbpath, tmp_path):
    ids = seed(dbpath, *[f"com.fake.k{i}" for i in range(8)])
    fake.hold("sendMessage", 0.4)
    env = bot_env(fake, dbpath)
    with running_bot(fake, env, tmp_path / "bot1.log", ready=False) as bot:
        assert fake.wait_for(lambda: len(fake.sent(CHAT)) >= 2, timeout=30)
        fake.wait_for(lambda: False, timeout=0.2)  # mid-way through the next held request
        bot.kill()
    got_before = len(fake.sent(CHAT))
    assert got_before < len(ids)
    db = open_db(dbpath)
    assert list(db.query("SELECT 1 FROM outbox WHERE status = 'sending'"))  # the one in flight
    db.close()
    fake.hold("sendMessage", 0)
    with running_bot(fake, env, tmp_path / "bot2.log"):
        assert fake.wait_for(lambda: all(len(alerts_for(fake, i)) >= 1 for i in ids), timeout=30)
        wait_quiet(1.0)
    assert [len(alerts_for(fake, i)) for i in ids] == [1] * len(ids)
    assert any(c.status == 499 for c in fake.calls)  # the abandoned request was never accepted


def test_two_processes_write_at_once(fake, dbpath, tmp_path):
    import subprocess

    from tests.botharness import FAKEAPP

    ids = seed(dbpath, "com.fake.w1")
    env = bot_env(fake, dbpath)
    with running_bot(fake, env, tmp_path / "bot.log"):
        assert fake.wait_for(lambda: len(alerts_for(fake, ids[0])) == 1)
        script = "; ".join([f"{FAKEAPP} case {ids[0]} --note cli-{k} > /dev/null" for k in range(12)])
        cli = subprocess.Popen(["sh", "-c", script], env=env, stderr=subprocess.PIPE)
        for k in range(12):
            fake.say(ANALYST, CHAT, f"/note {ids[0]} bot-{k}")
        extra = seed(dbpath, "com.fake.w2", "com.fake.w3")  # and a scan writing too
        _, err = cli.communicate(timeout=120)
        assert cli.returncode == 0, err.decode()
        assert fake.wait_for(
            lambda: len([t for t in _replies(fake, CHAT, 0) if "已加註" in t]) == 12, timeout=30
        )
        assert fake.wait_for(lambda: all(len(alerts_for(fake, i)) == 1 for i in extra))
    db = open_db(dbpath)
    notes = [e.reason for e in cases.timeline(db, ids[0]) if e.action == "note"]
    assert sorted(notes) == sorted([f"cli-{k}" for k in range(12)] + [f"bot-{k}" for k in range(12)])
    assert all(e.actor.startswith("cli:") for e in cases.timeline(db, ids[0]) if e.reason.startswith("cli-"))


def test_bad_token_one_line_no_leak(fake, dbpath, tmp_path):
    import subprocess

    from tests.botharness import FAKEAPP

    env = bot_env(fake, dbpath, TELEGRAM_BOT_TOKEN="987654321:WrongTokenWrongTokenWrongToken_xx")
    res = subprocess.run([FAKEAPP, "bot", "-v"], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert "Telegram rejected the bot token" in res.stderr
    assert "Traceback" not in res.stderr and "WrongToken" not in res.stderr + res.stdout
    res = subprocess.run(
        [FAKEAPP, "bot"], env={**env, "TELEGRAM_BOT_TOKEN": ""}, capture_output=True, text=True
    )
    assert res.returncode == 1 and "TELEGRAM_BOT_TOKEN is not set" in res.stderr


def test_outbox_no_token_prints_and_keeps(dbpath):
    db = open_db(dbpath)
    scan = write_scan(db, [listing("com.fake.nt", title="華岳證券<script>")])
    lines: list[str] = []
    from bot.core.settings import load_settings

    settings = load_settings({"FAKEAPP_DB": str(dbpath)})
    sync = outbox.after_scan(
        db, scan, load_profile(DATA / "brands.toml"), settings, notify=True, echo=lines.append
    )
    assert len(sync.opened) == 1
    text = "\n".join(lines)
    assert "No TELEGRAM_BOT_TOKEN" in text and "華岳證券<script>" in text and "確認" not in text
    assert len(outbox.pending(db)) == 1


APKS = Path(__file__).parent / "apks"


def test_apk_document_and_link(fake, dbpath, tmp_path):
    if not (APKS / "impostor.apk").exists():
        pytest.skip("APK corpus not present")
    env = bot_env(fake, dbpath)
    with running_bot(fake, env, tmp_path / "bot.log") as bot:
        fake.send_file(ANALYST, ANALYST, (APKS / "impostor.apk").read_bytes(), "華岳e把罩.apk")
        assert fake.wait_for(lambda: any("已開立案件" in c.params["text"] for c in fake.sent(ANALYST)), 60), (
            bot.log()
        )
        assert fake.wait_for(lambda: any("APK" in c.params["text"] for c in fake.sent(CHAT)))
        alert = next(c for c in fake.sent(CHAT) if "APK" in c.params["text"])
        assert "冒牌" in alert.params["text"] and "SHA-256" in alert.params["text"]
        # The same file again: the existing case, not a new one.
        fake.send_file(ANALYST, ANALYST, (APKS / "impostor.apk").read_bytes(), "again.apk")
        assert fake.wait_for(
            lambda: any("此檔案已有案件" in c.params["text"] for c in fake.sent(ANALYST)), 60
        )
        fake.send_file(ANALYST, ANALYST, (APKS / "official.apk").read_bytes(), "official.apk")
        assert fake.wait_for(lambda: any("官方" in c.params["text"] for c in fake.sent(ANALYST)), 60)
        # A link to a private address is refused in one line (the fetcher's guard), nothing opened.
        fake.say(ANALYST, ANALYST, "http://127.0.0.1:9/app.apk")
        assert fake.wait_for(lambda: any("APK 分析失敗" in c.params["text"] for c in fake.sent(ANALYST)), 30)
        # A viewer cannot submit files.
        n = len(fake.sent(VIEWER))
        fake.send_file(VIEWER, VIEWER, b"PK\x03\x04", "x.apk")
        assert fake.wait_for(lambda: len(fake.sent(VIEWER)) > n)
        assert "你的角色不能執行" in fake.sent(VIEWER)[-1].params["text"]
    db = open_db(dbpath)
    apk_cases = [c for c in cases.list_cases(db, state="all") if c.kind == "apk"]
    assert len(apk_cases) == 1 and apk_cases[0].apk_sha256 and apk_cases[0].verdict == "impostor"
    # the case names the app by its label and package, and the signer as its developer
    apk_case = apk_cases[0]
    assert apk_case.app_id and apk_case.title and apk_case.title != apk_case.apk_sha256[:12]
    assert "CN=" in apk_case.developer and apk_case.score > 0


def test_demo_scan_notify_then_bot_delivers_nothing_twice(fake, dbpath, tmp_path):
    """Through the real scanner: `fakeapp scan --demo --notify` (as from system cron), then the bot."""
    import json
    import subprocess

    from tests.botharness import FAKEAPP

    env = bot_env(fake, dbpath)
    fake.set_down("502")  # Telegram down during the scan: alerts stay queued, the scan still succeeds
    scan = [FAKEAPP, "scan", "--demo", "-q", "--notify"]
    res = subprocess.run(scan, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert res.returncode in (0, 2), res.stderr
    assert "Traceback" not in res.stderr and TOKEN not in res.stdout + res.stderr
    assert "waiting" in res.stdout or "not delivered" in res.stdout
    assert fake.sent(CHAT) == []
    listed = subprocess.run([FAKEAPP, "cases", "--json"], env=env, capture_output=True, text=True, check=True)
    opened = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(opened) >= 5
    fake.set_down("")
    # Telegram is back: the bot delivers every alert exactly once.
    with running_bot(fake, env, tmp_path / "bot.log"):
        assert fake.wait_for(lambda: all(len(alerts_for(fake, c["id"])) >= 1 for c in opened), timeout=60)
        wait_quiet(1.0)
        # A second scan (the bot running) finds the same apps: no new case, no new alert.
        res2 = subprocess.run(scan, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
        assert res2.returncode in (0, 2), res2.stderr
        assert "0 opened" in res2.stdout
        wait_quiet(1.5)
    assert [len(alerts_for(fake, c["id"])) for c in opened] == [1] * len(opened)
    # Every planted impersonation of the demo is a case; no official app is.
    keys = {c["listing_key"] for c in opened}
    assert "google_play:tw.com.huayuesec.trade" not in keys and "app_store:1488123456" not in keys
