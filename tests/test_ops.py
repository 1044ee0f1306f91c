"""Kill switches, health and check from the terminal: `fakeapp pause|resume`, `health`, `check`,
the heartbeat ping after a good scan, and the bot's daily line and warnings (with the clock as an input)."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.alerts import watch
from bot.core.settings import load_settings
from bot.desk import cases, outbox
from bot.desk.hooks import case_hooks
from bot.store import switches as sw
from bot.store.db import open_db
from bot.telegram.fake_api import FakeTelegram
from scanners.profile import load_profile
from tests.botharness import CHAT, TOKEN, bot_env
from tests.conftest import DATA
from tests.opsharness import cli, demo_stores, run, scan_env
from tests.scanrows import listing, write_scan

PROFILE = load_profile(DATA / "brands.toml")
FRONT = -100777
HOOKS = case_hooks(PROFILE, frontline_chat=str(FRONT))  # with the front-line chat the fixture sets


@pytest.fixture(autouse=True)
def _frontline_chat_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests run with a front-line chat configured (without one, notices are off and said once)."""
    monkeypatch.setenv("FAKEAPP_FRONTLINE_CHAT_ID", "-100777")


def _seed(db_path: Path, *apps: str, store: str = "google_play") -> list[int]:
    db = open_db(db_path)
    try:
        scan = write_scan(db, [listing(a, store=store) for a in apps], stores=(("huayue", store, "ok", ""),))
        return cases.sync_from_scan(db, scan, PROFILE).opened
    finally:
        db.close()


def _deliver(fake: FakeTelegram, db_path: Path) -> outbox.DeliveryStats:
    settings = load_settings(bot_env(fake, db_path, FAKEAPP_FRONTLINE_CHAT_ID=str(FRONT)))
    db = open_db(db_path)
    try:
        return asyncio.run(outbox._deliver_with_bot(db, settings, budget=10, redact=lambda s: s))
    finally:
        db.close()


def _alerts(fake: FakeTelegram) -> list[str]:
    return [c.params["text"] for c in fake.sent(CHAT) if "發現疑似假冒" in c.params["text"]]


def test_paused_alerts_are_held_then_sent_once_after_resume(tmp_path):
    db_path = tmp_path / "p.db"
    env = scan_env(None, db_path, USER="alice")
    code, out = cli(env, "pause", "alerts", "--reason", "profile under review")
    assert code == 0 and out.endswith("Paused: alerts.\n")
    assert cli(env, "pause", "alerts")[1] == "alerts was already paused.\n"
    _seed(db_path, "com.p.one", "com.p.two")
    with FakeTelegram(token=TOKEN) as fake:
        _deliver(fake, db_path)
        assert _alerts(fake) == []  # nothing sent ...
        db = open_db(db_path)
        held = list(db.query("SELECT status, held_reason FROM outbox WHERE kind = 'case_alert'"))
        assert held == [{"status": "held", "held_reason": "paused:alerts"}] * 2  # ... and nothing dropped
        db.close()
        code, out = cli(env, "health")
        assert code == 2 and "paused: alerts (by cli:" in out and "2 alert(s) held by a pause" in out
        code, out = cli(env, "outbox", "--json")
        assert {json.loads(x)["status"] for x in out.splitlines()} == {"held"}
        assert cli(env, "resume") == (0, "Resumed: alerts.\n")
        _deliver(fake, db_path)
        _deliver(fake, db_path)
        assert len(_alerts(fake)) == 2  # each exactly once
    db = open_db(db_path)
    trail = [(a["action"], a["target"], a["detail"]) for a in reversed(sw.audit_trail(db))]
    assert trail == [("pause", "alerts", "profile under review"), ("resume", "alerts", "")]
    assert all(a["actor"].startswith("cli:") for a in sw.audit_trail(db))


def test_pause_frontline_holds_notices_only(tmp_path):
    db_path = tmp_path / "f.db"
    (cid,) = _seed(db_path, "com.f.one")
    env = scan_env(None, db_path)
    cli(env, "pause", "frontline")
    db = open_db(db_path)
    cases.confirm(db, cid, cases.Actor("cli:bob"), hooks=HOOKS)
    db.close()
    with FakeTelegram(token=TOKEN) as fake:
        _deliver(fake, db_path)
        assert len(_alerts(fake)) == 1 and fake.sent(FRONT) == []
        cli(env, "resume", "frontline")
        _deliver(fake, db_path)
        assert len(fake.sent(FRONT)) == 1


def test_pause_a_store_holds_its_alerts_only(tmp_path):
    db_path = tmp_path / "s.db"
    _seed(db_path, "com.s.play")
    _seed(db_path, "6739000001", store="app_store")
    env = scan_env(None, db_path)
    cli(env, "pause", "app_store")
    with FakeTelegram(token=TOKEN) as fake:
        _deliver(fake, db_path)
        assert len(_alerts(fake)) == 1 and "com.s.play" in _alerts(fake)[0]
    code, out = cli(env, "pause", "nonsense")
    assert code == 2 and "nonsense" in out


def test_scans_paused_and_store_paused(tmp_path):
    db_path = tmp_path / "sc.db"
    with demo_stores() as (double, _):
        env = scan_env(double, db_path)
        cli(env, "pause", "scans")
        code, out = cli(env, "scan", "-q")
        assert code == 2 and "Not scanned: scans are paused (scans, by cli:" in out
        assert double.count("/") == 0  # not one request
        db = open_db(db_path)
        assert list(db.query("SELECT * FROM scans")) == []
        db.close()
        cli(env, "resume", "scans")
        cli(env, "pause", "app_store")
        code, out = cli(env, "scan", "-q", "--json")
        data = json.loads(out[out.index("{") :])
        assert code == 2 and data["not_scanned"] == ["app_store"]
        assert "app_store" not in {s["store"] for s in data["stores"]}
        assert [p["name"] for p in data["paused"]] == ["app_store"]
        assert double.count("/search") == 0 and double.count("/store/search") > 0


def test_health_good_scan_ping_and_clock(tmp_path):
    db_path = tmp_path / "h.db"
    with demo_stores() as (double, stores):
        env = scan_env(double, db_path, FAKEAPP_HEARTBEAT_URL=f"{double.base_url}/ping/secret-uuid")
        code, out = cli(env, "health")
        assert code == 1 and "database not found" in out  # a mistyped --db is not "healthy"
        code, out = cli(env, "scan", "-q")
        assert code == 0, out
        assert stores.pings == ["/ping/secret-uuid"] and "Heartbeat ping: ok" in out
        code, out = cli(env, "health")
        assert (code, out.split(":")[0]) == (0, "healthy")
        code, out = cli(env, "health", "--json")
        facts = json.loads(out)
        assert facts["healthy"] and set(facts["stores"]) == {
            "google_play",
            "app_store",
            "aptoide",
            "galaxy_store",
        }
        assert facts["heartbeat_ping"]["result"] == "ok"
        # The clock moves on: the last good scan gets too old for --max-age (a real process under faketime).
        later = run(env, "health", "--max-age", "2h", prefix=("faketime", "-f", _shifted(3 * 3600)))
        assert later.returncode == 2
        assert "google_play: last good scan 3h ago" in later.stdout and "app_store" in later.stdout
        earlier = run(env, "health", prefix=("faketime", "-f", _shifted(-2 * 3600)))  # the clock jumped back
        assert earlier.returncode == 2 and "the clock moved back?" in earlier.stdout
        # A failing dead man's switch is visible too.
        stores.ping_status = 500
        cli(env, "scan", "-q")
        code, out = cli(env, "health")
        assert code == 2 and "heartbeat ping failed: HTTP 500" in out and "secret-uuid" not in out
        code, out = cli(env, "health", "--max-age", "soon")
        assert code == 2 and "not a duration: 'soon'" in out


def test_health_outbox_backlog_bot_heartbeat(db):
    now = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    write_scan(db, [listing("com.h.one")])
    db.execute("UPDATE scans SET finished_at = ?", [now.isoformat()])
    db.conn.commit()
    outbox.enqueue(db, "security", "hello", kind="notice", now=now - timedelta(minutes=40))
    db.execute("UPDATE outbox SET last_error = 'TimedOut: timed out'")
    db.conn.commit()
    h = watch.check(db, now=now, bot_expected=True)
    assert not h.healthy
    assert "outbox: 1 message(s) waiting, oldest 40m ago (TimedOut: timed out)" in h.problems
    assert "bot: no heartbeat yet (is `fakeapp bot` running?)" in h.problems
    sw.beat(db, now=now - timedelta(minutes=9))
    assert "bot: last heartbeat 9m ago" in watch.check(db, now=now, bot_expected=True).problems
    sw.beat(db, now=now)
    db.execute("UPDATE outbox SET status = 'sent'")
    db.conn.commit()
    assert watch.check(db, now=now, bot_expected=True).healthy
    assert watch.parse_duration("90s") == timedelta(seconds=90)
    assert watch.parse_duration("30m") == timedelta(minutes=30) and watch.parse_duration("2h") == timedelta(
        hours=2
    )
    with pytest.raises(ValueError):
        watch.parse_duration("0s")


def test_daily_line_and_warnings_follow_the_clock(db):
    day = datetime(2026, 12, 1, tzinfo=UTC)  # 08:00 in Taiwan
    scan = write_scan(
        db,
        [listing("com.w.one")],
        stores=(("huayue", "google_play", "ok", ""), ("huayue", "app_store", "ok", "")),
    )
    db.execute("UPDATE scans SET finished_at = ?", [day.isoformat()])
    db.conn.commit()
    (cid,) = cases.sync_from_scan(db, scan, PROFILE).opened
    cases.request_takedown(db, cid, cases.Actor("tg:1"), "REF-1", when="2026-11-21", hooks=HOOKS)
    assert watch.watch_messages(db, now=day) == []  # before 09:00 Taiwan time: nothing
    at9 = day + timedelta(hours=1, minutes=5)
    ids = watch.watch_messages(db, now=at9)
    assert len(ids) == 1 and watch.watch_messages(db, now=at9 + timedelta(hours=3)) == []  # once a day
    text = next(db.query("SELECT text FROM outbox WHERE id = ?", [ids[0]]))["text"]
    assert (
        text
        == "👀 仍在監看：商店 App Store、Google Play；上架中 1 筆；未結案件 1 件；最久未下架：#1（10 天）。"
    )
    assert watch.daily_text(db, "en", now=at9).startswith(
        "👀 Still watching: stores App Store, Google Play; 1 listings;"
    )
    # Two days on with no scan: the daily line and a warning that scans stopped (once that day).
    later = at9 + timedelta(days=2)
    kinds = [
        next(db.query("SELECT kind, text FROM outbox WHERE id = ?", [i]))
        for i in watch.watch_messages(db, now=later)
    ]
    assert [k["kind"] for k in kinds] == ["daily", "watch_warning"]
    assert "掃描已停止" in kinds[1]["text"] and "49 小時前" in kinds[1]["text"]
    # Scans resume, but App Store has been broken for over a day.
    scan2 = write_scan(
        db, [], stores=(("huayue", "google_play", "ok", ""), ("huayue", "app_store", "broken", "HTTP 503"))
    )
    db.execute(
        "UPDATE scans SET finished_at = ? WHERE id = ?", [(later + timedelta(days=1)).isoformat(), scan2]
    )
    db.conn.commit()
    out = watch.watch_messages(db, now=later + timedelta(days=1, minutes=1))
    texts = [next(db.query("SELECT text FROM outbox WHERE id = ?", [i]))["text"] for i in out]
    assert any("App Store 已超過一天沒有正常掃描" in t and "HTTP 503" in t for t in texts)
    assert not any("掃描已停止" in t for t in texts)


def _profile_copy(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = (DATA / "brands.toml").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    p = tmp_path / "brands.new.toml"
    p.write_text(text, encoding="utf-8")
    for d in ("icons", "certs"):
        if (DATA / d).is_dir():
            shutil.copytree(DATA / d, tmp_path / d, dirs_exist_ok=True)
    return p


def test_check_before_apply(tmp_path):
    db_path = tmp_path / "c.db"
    with demo_stores() as (double, _):
        env = scan_env(double, db_path)
        assert cli(env, "scan", "-q")[0] == 0
    env = scan_env(None, db_path)
    code, out = cli(env, "check")
    assert code == 0, out
    assert (
        "valid, 2 brand(s)" in out
        and "0 verdict(s) would change" in out
        and "Every official app stays official." in out
    )
    # Typos in the official app's package name and developer account: it would be flagged. Exit non-zero.
    bad = _profile_copy(
        tmp_path,
        ('app_id = "tw.com.huayuesec.trade"', 'app_id = "tw.com.huayuesec.trader"'),
        ('developer_id = "7203158839912340017"', 'developer_id = "720315883991234001"'),
    )
    code, out = cli(env, "check", "--config", str(bad))
    assert code == 2
    assert "OFFICIAL APP WOULD BE FLAGGED: google_play:tw.com.huayuesec.trade" in out
    assert "google_play:tw.com.huayuesec.trade" in out.split("would change.")[1]
    code, out = cli(env, "check", "--config", str(bad), "--json")
    data = json.loads(out[: out.rindex("}") + 1])
    assert [f["key"] for f in data["official_flagged"]] == ["google_play:tw.com.huayuesec.trade"]
    # Invalid profile and settings: one line, exit 1.
    broken = tmp_path / "broken.toml"
    broken.write_text("[[brand]]\nid = 3\n", encoding="utf-8")
    code, out = cli(env, "check", "--config", str(broken))
    assert code == 1 and out.startswith("Error: ") and out.count("\n") == 1
    settings = tmp_path / "settings.toml"
    settings.write_text("fakeapp_alert_strom = 30\n", encoding="utf-8")
    code, out = cli(env, "check", "--settings", str(settings))
    assert code == 1 and "unknown key 'fakeapp_alert_strom'" in out and "fakeapp_alert_storm" in out
    settings.write_text(
        'fakeapp_alert_storm = 30\nfakeapp_heartbeat_url = "https://hc.example/ping/x"\n', encoding="utf-8"
    )
    code, out = cli(env, "check", "--settings", str(settings))
    assert code == 0 and "valid." in out
    assert load_settings({}, settings).alert_storm == 30


_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "y": 365 * 86400}


def _shifted(seconds: int) -> str:
    """A faketime offset ``seconds`` from the clock this test runs on: when the suite itself runs under
    faketime (CI's run 400 days ahead), the inner faketime replaces the outer offset, so add it."""
    import os
    import re

    outer = 0
    m = re.fullmatch(r"([+-]\d+(?:\.\d+)?)([smhdy]?)", os.environ.get("FAKETIME", "").strip())
    if m:
        outer = int(float(m.group(1)) * _UNITS[m.group(2)])
    total = outer + seconds
    return f"{total:+d}"
