"""Every time a person reads is in the team's zone and names it: one helper, one date on every surface."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.alerts.render import case_card, timeline_text
from bot.casework.reports import compute_report, render_csv, render_text
from bot.casework.workflow import draft_for_case
from bot.cli import main
from bot.core.clock import iso_local, local_date, local_time, zone, zone_label
from bot.core.settings import SETTING_NAMES, SettingsError, load_settings
from bot.desk import cases
from bot.outbox.text import html_to_text
from scanners.profile import load_profile
from tests.conftest import DATA, HOOKS, ROOT
from tests.scanrows import listing, write_scan

PROFILE = load_profile(DATA / "brands.toml")
# 16:10 UTC on 2 December is 00:10 on 3 December in Taipei: the date differs by zone.
TAKEDOWN_AT = "2026-12-02T16:10:00+00:00"


def test_local_time_names_the_zone_and_keeps_the_instant() -> None:
    assert local_time(TAKEDOWN_AT) == "2026-12-03 00:10 (UTC+8)"
    assert local_time("2026-12-02T16:10:00Z", zone("UTC")) == "2026-12-02 16:10 (UTC)"
    assert local_time("2026-12-02T16:10:00", zone("Asia/Kolkata")) == "2026-12-02 21:40 (UTC+5:30)"
    assert local_date(TAKEDOWN_AT) == "2026-12-03 (UTC+8)"
    # Daylight saving: the label is the offset at that moment, not the zone's standard one.
    ny = zone("America/New_York")
    assert zone_label(ny, datetime(2026, 7, 1, tzinfo=UTC)) == "UTC-4"
    assert zone_label(ny, datetime(2026, 12, 1, tzinfo=UTC)) == "UTC-5"
    assert iso_local(TAKEDOWN_AT) == "2026-12-03T00:10:00+08:00"
    assert local_time("") == "—" and local_time("not a time") == "not a time"


def test_timezone_is_a_setting_validated_and_documented() -> None:
    assert "FAKEAPP_TIMEZONE" in SETTING_NAMES
    assert load_settings({}).timezone == "Asia/Taipei"
    assert load_settings({"FAKEAPP_TIMEZONE": "UTC"}).tz.utcoffset(datetime(2026, 1, 1)) == timedelta(0)
    with pytest.raises(SettingsError, match=r"FAKEAPP_TIMEZONE.*Mars/Olympus"):
        load_settings({"FAKEAPP_TIMEZONE": "Mars/Olympus"})
    assert "`FAKEAPP_TIMEZONE`" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def takedown_case(db) -> int:
    fake = listing("com.fake.huayue", title="華岳證券 VIP")
    cid = cases.sync_from_scan(db, write_scan(db, [fake]), PROFILE).opened[0]
    cases.request_takedown(db, cid, cases.Actor("tg:1", "@ana"), "GP-77", when=TAKEDOWN_AT, hooks=HOOKS)
    return cid


def _db_path(db) -> str:
    return str(Path(db.conn.execute("PRAGMA database_list").fetchone()[2]))


@pytest.mark.parametrize(
    ("zone_name", "day", "label"),
    [("Asia/Taipei", "2026-12-03", "UTC+8"), ("UTC", "2026-12-02", "UTC")],
)
def test_the_same_takedown_reads_the_same_date_on_card_draft_and_cli(
    db, takedown_case: int, monkeypatch: pytest.MonkeyPatch, zone_name: str, day: str, label: str
) -> None:
    tz = zone(zone_name)
    case = cases.get_case(db, takedown_case)
    card = html_to_text(case_card(case, "zh", kind="case", tz=tz))
    timeline = html_to_text(timeline_text(cases.timeline(db, case.id), "zh", tz=tz))
    police = draft_for_case(db, PROFILE, case.id, "police", "zh", tz=tz).text()
    monkeypatch.setenv("FAKEAPP_TIMEZONE", zone_name)
    res = CliRunner().invoke(main, ["case", str(case.id), "--db", _db_path(db)])
    assert res.exit_code == 0, res.output
    for text in (card, timeline, police, res.output):
        assert f"{day} " in text and f"({label})" in text, text
    other = "2026-12-02" if day == "2026-12-03" else "2026-12-03"
    # The takedown is never shown on the other day anywhere a person reads it.
    assert other not in card and other not in police.split("四、")[-1] and other not in res.output
    # No bare time without its zone in the CLI timeline or the draft.
    for text in (res.output, police, timeline):
        for m in re.finditer(r"\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?", text):
            assert text[m.end() : m.end() + 3 + len(label)].startswith(f" ({label}"), text[m.start() :]


def test_json_keeps_iso_with_offset_and_people_csv_names_the_zone(db, takedown_case: int) -> None:
    res = CliRunner().invoke(main, ["case", str(takedown_case), "--json", "--db", _db_path(db)])
    data = json.loads(res.output)
    assert datetime.fromisoformat(data["takedown_at"]).utcoffset() is not None
    assert all(datetime.fromisoformat(e["at"]).utcoffset() is not None for e in data["timeline"])
    csv_text = cases.export_csv(db, zone("Asia/Taipei"))
    assert "2026-12-03 00:10:00 (UTC+8)" in csv_text and TAKEDOWN_AT not in csv_text


def test_report_days_and_text_follow_the_zone() -> None:
    since = datetime(2026, 12, 1, tzinfo=UTC)
    until = datetime(2026, 12, 5, tzinfo=UTC)
    case = {"id": 1, "brand": "huayue", "store": "google_play", "listing_key": "", "opened_at": TAKEDOWN_AT}
    ev = [{"case_id": 1, "at": TAKEDOWN_AT, "actor": "scan", "action": "open", "field": "", "new": ""}]
    taipei = compute_report([case], ev, since, until, tz=zone("Asia/Taipei"))
    utc = compute_report([case], ev, since, until, tz=zone("UTC"))
    assert [d.isoformat() for d, n, *_ in taipei.daily if n] == ["2026-12-03"]
    assert [d.isoformat() for d, n, *_ in utc.daily if n] == ["2026-12-02"]
    assert "(UTC+8)" in render_text(taipei, "zh") and "(UTC)" in render_text(utc, "en")
    assert "2026-12-05 08:00 (UTC+8)" in render_csv(taipei)
