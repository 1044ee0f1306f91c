"""Cases: opening from scan findings, the state machine and its timeline, takedown/relist tracking, outbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.cases.actions import Actor, CaseError
from bot.cases.model import Reason, reasons_json
from bot.casework.casefacts import load_case_facts
from bot.desk import cases, outbox
from scanners.profile import load_profile
from tests.conftest import DATA, HOOKS
from tests.scanrows import listing, write_scan

ALICE = Actor("tg:1001", "@alice")


@pytest.fixture
def profile():
    return load_profile(DATA / "brands.toml")


def test_scan_opens_one_case_per_new_suspect_and_queues_one_alert(db, profile):
    fake = listing("com.fake.huayue")
    sus = listing("com.maybe.huayue", verdict="suspicious", score=55)
    unrelated = listing("com.other", verdict="unrelated", score=3)
    scan = write_scan(db, [fake, sus, unrelated])
    res = cases.sync_from_scan(db, scan, profile)
    assert len(res.opened) == 2
    got = {c.app_id: c for c in cases.list_cases(db)}
    assert set(got) == {"com.fake.huayue", "com.maybe.huayue"}
    assert got["com.fake.huayue"].state == "new" and got["com.fake.huayue"].listed
    alerts = [r for r in outbox.pending(db) if r["kind"] == "case_alert"]
    assert len(alerts) == 2 and all(r["chat"] == "security" for r in alerts)
    # The same scan synced again (or the next scan seeing them unchanged) opens and queues nothing new.
    again = cases.sync_from_scan(db, scan, profile)
    assert again.opened == []
    scan2 = write_scan(db, [fake, sus], changes={fake["key"]: "same", sus["key"]: "same"})
    assert cases.sync_from_scan(db, scan2, profile).opened == []
    assert len([r for r in outbox.pending(db) if r["kind"] == "case_alert"]) == 2


def test_state_machine_writes_timeline(db, profile):
    scan = write_scan(db, [listing("com.fake.a")])
    cid = cases.sync_from_scan(db, scan, profile).opened[0]
    cases.confirm(db, cid, ALICE, hooks=HOOKS)
    cases.request_takedown(db, cid, ALICE, "GP-123", hooks=HOOKS)
    cases.report_police(db, cid, ALICE, "A1130001", "165", hooks=HOOKS)
    cases.note(db, cid, ALICE, "客戶來電詢問", hooks=HOOKS)
    cases.assign(db, cid, ALICE, "@bob", hooks=HOOKS)
    with pytest.raises(CaseError, match="still listed"):
        cases.resolve(db, cid, ALICE, hooks=HOOKS)
    c = cases.resolve(db, cid, ALICE, "store is slow; tracked elsewhere", hooks=HOOKS)
    assert (
        c.state == "resolved"
        and c.takedown == "requested"
        and c.police_no == "A1130001"
        and c.assignee == "@bob"
    )
    ev = cases.timeline(db, cid)
    actions = [e.action for e in ev]
    assert actions[0] == "open" and "confirm" in actions and "note" in actions and actions[-1] == "resolve"
    state_changes = [(e.old, e.new) for e in ev if e.field == "state"]
    assert state_changes == [("", "new"), ("new", "confirmed"), ("confirmed", "resolved")]
    assert all(e.actor.startswith("tg:1001") for e in ev[1:])
    assert any(e.reason == "客戶來電詢問" for e in ev)
    with pytest.raises(CaseError):
        cases.get_case(db, 9999)


def test_a_case_change_at_the_desk_needs_its_hooks_and_reads_no_profile_from_the_environment(
    db, profile, monkeypatch
):
    """The desk's actions take the caller's hooks (its brand profile): none is loaded from the environment
    behind the caller's back, and a change without them is refused before anything is written."""
    monkeypatch.setenv("FAKEAPP_CONFIG", "/nonexistent/brands.toml")  # would be unreadable if it were read
    cid = cases.sync_from_scan(db, write_scan(db, [listing("com.fake.nohooks")]), profile).opened[0]
    needs = r"confirm\(\) at the desk needs hooks=hooks_for\(settings, profile\)"
    with pytest.raises(TypeError, match=needs):
        cases.confirm(db, cid, ALICE)
    assert cases.get_case(db, cid).state == "new"
    assert [e.action for e in cases.timeline(db, cid)] == ["open"]
    confirmed = cases.confirm(db, cid, ALICE, hooks=cases.case_hooks(profile, frontline_chat=""))
    assert confirmed.state == "confirmed"


def test_takedown_removed_then_relisted(db, profile):
    fake = listing("com.fake.b")
    cid = cases.sync_from_scan(db, write_scan(db, [fake]), profile).opened[0]
    cases.request_takedown(db, cid, ALICE, "GP-9", hooks=HOOKS)
    gone = dict(fake, present=0, removed_at="2026-11-22T00:00:00+00:00")
    res = cases.sync_from_scan(db, write_scan(db, [gone], changes={fake["key"]: "vanished"}), profile)
    assert res.removed == [cid]
    c = cases.get_case(db, cid)
    assert c.takedown == "removed" and not c.listed
    assert any(r["kind"] == "removed" for r in outbox.pending(db))
    # Resolving a removed app needs no reason.
    cases.resolve(db, cid, ALICE, hooks=HOOKS)
    back = dict(fake, present=1, removed_at=None)
    res = cases.sync_from_scan(db, write_scan(db, [back], changes={fake["key"]: "relisted"}), profile)
    assert res.relisted == [cid]
    c = cases.get_case(db, cid)
    assert c.state == "relisted" and c.listed and c.takedown == "none" and c.takedown_ref == "GP-9"
    assert any(r["kind"] == "relisted" for r in outbox.pending(db))


def test_degraded_store_absence_is_not_a_takedown(db, profile):
    fake = listing("com.fake.c")
    cid = cases.sync_from_scan(db, write_scan(db, [fake]), profile).opened[0]
    cases.request_takedown(db, cid, ALICE, "x", hooks=HOOKS)
    db["listings"].update(fake["key"], {"present": 0})
    scan = write_scan(
        db, [], stores=[("huayue", "google_play", "degraded", "canary not found")], status="degraded"
    )
    res = cases.sync_from_scan(db, scan, profile)
    assert res.removed == [] and res.store_alert
    assert cases.get_case(db, cid).takedown == "requested"
    store_msgs = [r for r in outbox.pending(db) if r["kind"] == "store_status"]
    assert len(store_msgs) == 1 and "canary not found" in store_msgs[0]["text"]


def test_reminder_once_per_period(db, profile):
    cid = cases.sync_from_scan(db, write_scan(db, [listing("com.fake.d")]), profile).opened[0]
    old = (datetime.now(UTC) - timedelta(days=10)).isoformat()
    cases.request_takedown(db, cid, ALICE, "ref", when=old, hooks=HOOKS)
    assert outbox.enqueue_reminders(db, days=7) == [cid]
    assert outbox.enqueue_reminders(db, days=7) == []
    assert outbox.enqueue_reminders(db, days={"google_play": 30}) == []


def test_allow_adds_override_and_closes(db, profile):
    fake = listing("com.partner.app")
    cid = cases.sync_from_scan(db, write_scan(db, [fake]), profile).opened[0]
    c = cases.allow(db, cid, Actor("tg:1", "@admin"), "partner", hooks=HOOKS)
    assert c.state == "false_positive"
    prof = cases.effective_profile(db, profile)
    assert prof.brand("huayue").allowed_app("google_play", "com.partner.app") is not None
    # Even if a future judge still flagged it, no case is reopened or alerted for an allowed app.
    db.execute("DELETE FROM case_events")  # simulate a fresh database with the override only
    db.execute("DELETE FROM outbox")
    db["cases"].delete(cid)
    res = cases.sync_from_scan(db, write_scan(db, [fake], changes={fake["key"]: "changed"}), profile)
    assert res.opened == []


def test_export_csv_defuses_formulas(db, profile):
    cid = cases.sync_from_scan(
        db, write_scan(db, [listing("com.evil", title='=HYPERLINK("x")')]), profile
    ).opened[0]
    cases.note(db, cid, ALICE, "+cmd", hooks=HOOKS)
    text = cases.export_csv(db)
    assert "'=HYPERLINK" in text and "'+cmd" in text and text.count("\n") == 3


def test_cli_cases_and_case_write_the_same_timeline(tmp_path, profile):
    import getpass
    import json

    from click.testing import CliRunner

    from bot.cli import main
    from bot.store.db import open_db

    path = tmp_path / "cli.db"
    db = open_db(path)
    cid = cases.sync_from_scan(
        db, write_scan(db, [listing("com.fake.cli", title="華岳證券\x1b[31m")]), profile
    ).opened[0]
    db.close()
    run = CliRunner().invoke
    out = run(main, ["cases", "--db", str(path)])
    assert out.exit_code == 0 and "com.fake.cli" in out.output and "\x1b" not in out.output
    out = run(
        main, ["case", str(cid), "--db", str(path), "--takedown", "GP-77", "--police", "A113", "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["takedown"] == "requested" and data["police_no"] == "A113" and data["state"] == "confirmed"
    assert {e["actor"] for e in data["timeline"][1:]} == {f"cli:{getpass.getuser()}"}
    out = run(main, ["case", str(cid), "--db", str(path), "--resolve", ""])
    assert out.exit_code == 1 and "still listed" in out.output and "Traceback" not in out.output
    out = run(main, ["case", str(cid), "--db", str(path), "--resolve", "165 受理，商店審核中"])
    assert out.exit_code == 0 and "resolved" in out.output
    out = run(main, ["case", "999", "--db", str(path)])
    assert out.exit_code == 1 and "no case #999" in out.output
    out = run(main, ["cases", "--db", str(path), "--state", "resolved", "--json"])
    assert [json.loads(x)["id"] for x in out.output.splitlines()] == [cid]
    out = run(main, ["cases", "--db", str(path), "--state", "nope"])
    assert out.exit_code == 1 and "unknown state" in out.output


def test_reasons_are_objects_stored_in_one_json_form(db, profile):
    """A case's reasons are Reason objects, the same ones its facts hold; the column keeps the JSON the scan
    stored, byte for byte, and new reasons from a rescan are written in that same form."""
    fake = listing("com.fake.rs")
    cid = cases.sync_from_scan(db, write_scan(db, [fake]), profile).opened[0]
    case = cases.get_case(db, cid)
    assert case.reasons == (
        Reason("name", 50, "名稱與「華岳證券」相同", "name matches"),
        Reason("developer", 40, "開發者不是官方帳號", "not the official developer"),
    )
    facts = load_case_facts(db, cid)
    assert facts.listing is not None and facts.listing.reasons == case.reasons

    def column() -> str:
        return db.execute("SELECT reasons FROM cases WHERE id = ?", [cid]).fetchone()[0]

    assert column() == fake["reasons"] == reasons_json(case.reasons)
    # The same reasons again: nothing to rescore.
    assert (
        cases.sync_from_scan(db, write_scan(db, [fake], changes={fake["key"]: "same"}), profile).updated == []
    )
    new = (Reason("icon_copy", 35, "圖示與官方圖示幾乎相同", "icon copy"),)
    changed = {**fake, "reasons": reasons_json(new)}
    res = cases.sync_from_scan(db, write_scan(db, [changed], changes={fake["key"]: "changed"}), profile)
    assert res.updated == [cid] and cases.get_case(db, cid).reasons == new
    assert json.loads(column()) == [
        {"code": "icon_copy", "points": 35, "zh": "圖示與官方圖示幾乎相同", "en": "icon copy"}
    ]
    assert column() == changed["reasons"]
