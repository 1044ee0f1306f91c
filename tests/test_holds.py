"""A scan is validated before it alerts: a storm, an official app judged fake, a store whose results jumped.

Every case is recorded; their alerts and front-line notices are held; one summary goes out with
release/discard buttons; ``fakeapp outbox --release/--discard`` decide from the terminal; all audited.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.core.settings import load_settings
from bot.desk import cases, outbox
from bot.desk.hooks import case_hooks
from bot.outbox import deliver, holds
from bot.store import switches as sw
from bot.store.db import open_db
from bot.telegram.fake_api import FakeTelegram
from scanners.profile import load_profile
from tests.botharness import CHAT, TOKEN, bot_env
from tests.conftest import DATA
from tests.scanrows import listing, write_scan

PROFILE = load_profile(DATA / "brands.toml")
HOOKS = case_hooks(PROFILE, frontline_chat="-100777")  # with the front-line chat the fixture sets


@pytest.fixture(autouse=True)
def _frontline_chat_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests run with a front-line chat configured (without one, notices are off and said once)."""
    monkeypatch.setenv("FAKEAPP_FRONTLINE_CHAT_ID", "-100777")


def _sync(db, scan: int, profile, *, storm: int = 0):
    """The post-scan pipeline (which validates the scan): what it did, and the hold if any."""
    sync = cases.sync_from_scan(db, scan, profile, storm=storm)
    return sync, sync.hold


def _scan(db, n: int, *, prefix: str = "com.storm", store: str = "google_play", **kw) -> int:
    rows = [listing(f"{prefix}{i}", store=store, developer=f"Dev {prefix}{i}", **kw) for i in range(n)]
    return write_scan(db, rows, stores=(("huayue", store, "ok", ""),))


def _statuses(db) -> dict[str, int]:
    return {r["status"]: r["n"] for r in db.query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY 1")}


def test_threshold_is_derived_from_history_or_set(db):
    assert holds.storm_threshold(db) == holds.STORM_FLOOR  # no history: the floor
    for k in range(5):
        scan = _scan(db, 8, prefix=f"com.hist{k}.")
        _sync(db, scan, PROFILE)
    # Median of recent scans' new cases is 8: five times that beats the floor of 20.
    assert holds.storm_threshold(db) == 40
    assert holds.storm_threshold(db, 7) == 7  # FAKEAPP_ALERT_STORM wins
    assert holds.holds(db) == []  # 8 new cases a scan never tripped the floor of 20


def test_storm_records_every_case_holds_alerts_and_sends_one_summary(db):
    scan = _scan(db, 25)
    sync, hold = _sync(db, scan, PROFILE)
    assert hold is not None and len(sync.opened) == 25
    assert [r["code"] for r in hold.reasons] == ["storm"]
    assert cases.stats(db)["total"] == 25  # every case recorded
    st = _statuses(db)
    assert st == {"held": 25, "pending": 1}  # the summary alone is due
    summary = next(db.query("SELECT * FROM outbox WHERE kind = 'hold_summary'"))
    assert "新案件 25 件，超過門檻 20 件" in summary["text"]
    assert (
        "Google Play 25" in summary["text"]
        and "huayue 25" in summary["text"]
        and "假冒 25" in summary["text"]
    )
    markup = json.loads(summary["reply_markup"])
    assert [b["callback_data"] for b in markup["inline_keyboard"][0]] == [
        f"h:{hold.id}:release",
        f"h:{hold.id}:discard",
    ]
    assert [b["text"] for b in markup["inline_keyboard"][0]] == ["放行", "捨棄"]
    # A case of the held scan confirmed meanwhile: its front-line notice is held too, at delivery.
    cases.confirm(db, sync.opened[0], cases.Actor("tg:1"), hooks=HOOKS)
    due = list(db.query("SELECT * FROM outbox WHERE status = 'pending' ORDER BY id"))
    sendable = deliver.gate_rows(db, due)
    assert [r["kind"] for r in sendable] == ["hold_summary"]
    # + the front-line notice (no card edit: the held alert, when it goes, shows the current state)
    assert _statuses(db)["held"] == 26
    # Release: every held message goes back to the queue, audited.
    decided = holds.decide(db, hold.id, "release", "cli:alice")
    assert decided.status == "released" and decided.messages == 26
    assert _statuses(db) == {"pending": 27}
    audit = sw.audit_trail(db)
    assert [(a["action"], a["actor"]) for a in audit[:2]] == [("release", "cli:alice"), ("hold", "scan")]


def test_below_threshold_alerts_flow(db):
    scan = _scan(db, 20)  # not above 20
    _, hold = _sync(db, scan, PROFILE)
    assert hold is None and _statuses(db) == {"pending": 20}


def test_official_app_judged_fake_is_held_and_named(db):
    official = listing("tw.com.huayuesec.trade", verdict="official", score=0, title="華岳e把罩")
    scan = write_scan(db, [official])
    _sync(db, scan, PROFILE)
    # A profile change makes the same app look fake (it is no longer in the profile's official apps).
    profile = load_profile(DATA / "brands.toml")
    changed = profile.brands[0].__class__(
        **{
            **profile.brands[0].__dict__,
            "apps": tuple(a for a in profile.brands[0].apps if a.app_id != official["app_id"]),
        }
    )
    profile = profile.__class__(**{**profile.__dict__, "brands": (changed, *profile.brands[1:])})
    fake = dict(official, verdict="impersonation", score=90)
    scan2 = write_scan(db, [fake, listing("com.other.fake")])
    sync, hold = _sync(db, scan2, profile)
    assert hold is not None and len(sync.opened) == 2
    official_reason = next(r for r in hold.reasons if r["code"] == "official")
    assert "google_play:tw.com.huayuesec.trade" in official_reason["apps"]
    text = next(db.query("SELECT text FROM outbox WHERE kind = 'hold_summary'"))["text"]
    assert "官方 App 被判為假冒" in text and "tw.com.huayuesec.trade" in text
    assert _statuses(db)["held"] == 2


def test_store_whose_results_jump_is_held(db):
    old = "2026-11-01T00:00:00+00:00"
    before = [
        listing(f"com.old{i}", first_seen=old, last_seen=old, verdict="unrelated", score=0) for i in range(3)
    ]
    write_scan(db, before)
    # Next scan: the store answers with twelve listings, none seen before (another index, a hijacked feed).
    rows = [listing(f"com.jump{i}", developer=f"New Dev {i}", developer_id=f"d{i}") for i in range(12)]
    scan = write_scan(db, rows)
    _, hold = _sync(db, scan, PROFILE)
    assert hold is not None
    jump = next(r for r in hold.reasons if r["code"] == "store_jump")
    assert jump["store"] == "google_play" and jump["kind"] == "all_new"
    text = next(db.query("SELECT text FROM outbox WHERE kind = 'hold_summary'"))["text"]
    assert "Google Play 的結果突然大變：12 筆全部是新的" in text


def test_first_scan_of_a_store_is_not_a_jump(db):
    scan = write_scan(db, [listing(f"com.first{i}", developer_id=f"d{i}") for i in range(12)])
    _, hold = _sync(db, scan, PROFILE)
    assert hold is None


def _cli(db_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--db", str(db_path)], catch_exceptions=False)
    return result.exit_code, result.output


def test_cli_json_release_and_discard(tmp_path):
    db_path = tmp_path / "h.db"
    db = open_db(db_path)
    _, first = _sync(db, _scan(db, 21, prefix="com.a"), PROFILE)
    _, second = _sync(db, _scan(db, 22, prefix="com.b"), PROFILE, storm=5)
    assert first and second
    db.close()
    code, out = _cli(db_path, "outbox", "--json", "--status", "held", "--limit", "100")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 43 and {r["status"] for r in rows} == {"held"}
    assert {r["hold_id"] for r in rows} == {first.id, second.id}
    code, out = _cli(db_path, "outbox")
    assert f"Hold #{first.id} (scan 1): 21 held" in out and "43 held" in out
    code, out = _cli(db_path, "outbox", "--discard", str(second.id))
    assert code == 0 and f"Discarded hold #{second.id}: 22 message(s)." in out
    code, out = _cli(db_path, "outbox", "--discard", str(second.id))
    assert code == 1 and "already discarded" in out
    code, out = _cli(db_path, "outbox", "--release")  # every open hold
    assert code == 0 and f"Released hold #{first.id}: 21 message(s)." in out
    db = open_db(db_path)
    st = _statuses(db)
    assert st["discarded"] == 22 and st["pending"] == 21 + 2  # + the two summaries
    assert cases.stats(db)["total"] == 43  # discarding drops messages, never cases
    actions = [(a["action"], a["target"]) for a in sw.audit_trail(db)]
    assert ("discard", f"hold #{second.id}") in actions and ("release", f"hold #{first.id}") in actions
    assert all(a["actor"].startswith("cli:") for a in sw.audit_trail(db) if a["action"] != "hold")
    db.close()
    code, out = _cli(db_path, "outbox", "--release", "abc")
    assert code == 2 and "not a hold number" in out


def test_released_alerts_are_delivered_once(tmp_path):
    db_path = tmp_path / "d.db"
    db = open_db(db_path)
    _, hold = _sync(db, _scan(db, 3), PROFILE, storm=2)
    assert hold is not None
    db.close()
    with FakeTelegram(token=TOKEN) as fake:
        settings = load_settings(bot_env(fake, db_path))

        def deliver() -> outbox.DeliveryStats:
            d = open_db(db_path)
            try:
                return asyncio.run(outbox._deliver_with_bot(d, settings, budget=10, redact=lambda s: s))
            finally:
                d.close()

        deliver()
        texts = [c.params["text"] for c in fake.sent(CHAT)]
        assert len(texts) == 1 and "暫緩 #1" in texts[0]  # the summary only
        db = open_db(db_path)
        holds.decide(db, hold.id, "release", "tg:111 @boss")
        db.close()
        deliver()
        deliver()
        texts = [c.params["text"] for c in fake.sent(CHAT)]
        assert len(texts) == 4 and sum("發現疑似假冒" in t for t in texts) == 3


def test_flood_of_new_developers_is_held(db):
    old = "2026-11-01T00:00:00+00:00"
    known = [
        listing(f"com.known{i}", first_seen=old, verdict="unrelated", score=0, developer_id="k")
        for i in range(3)
    ]
    write_scan(db, known)
    flood = [listing(f"com.flood{i}", developer=f"Flood {i}", developer_id=f"f{i}") for i in range(12)]
    scan = write_scan(db, [*known, *flood])  # the known listings are still there: not "all new"
    _, hold = _sync(db, scan, PROFILE)
    assert hold is not None
    jump = next(r for r in hold.reasons if r["code"] == "store_jump")
    assert (jump["kind"], jump["n"]) == ("developers", "12")
    text = holds.summary_text(hold, "en")
    assert "Google Play's results jumped: 12 new developers." in text and "Release sends" in text
