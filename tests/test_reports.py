"""Reports from a seeded database whose answers are worked out by hand below; CSV, chart, CLI."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from bot.casework.reports import (
    FIGURES,
    day_start,
    load_report,
    nearest_rank,
    render_chart,
    render_csv,
    render_text,
)
from bot.cli import main
from bot.desk import cases
from scanners.profile import load_profile
from tests.conftest import DATA, HOOKS
from tests.scanrows import listing, write_scan

SINCE = day_start(date(2026, 11, 1))  # 2026-10-31T16:00Z
UNTIL = day_start(date(2026, 11, 8))  # 2026-11-07T16:00Z


def _case(db, cid: int, brand: str, store: str, first_seen: str) -> None:
    key = f"{store}:app{cid}"
    if store != "apk":
        db["listings"].insert(
            {"key": key, "store": store, "app_id": f"app{cid}", "brand": brand, "first_seen": first_seen,
             "present": 1}
        )  # fmt: skip
    db["cases"].insert(
        {"id": cid, "kind": "apk" if store == "apk" else "listing",
         "listing_key": None if store == "apk" else key,
         "apk_sha256": f"{cid:064d}" if store == "apk" else None,
         "brand": brand, "store": store, "app_id": f"app{cid}", "state": "new", "opened_at": first_seen}
    )  # fmt: skip


def _event(db, cid: int, at: str, action: str, *fields: tuple[str, str]) -> None:
    """One action: one row per changed field, as the case state machine writes them."""
    for f, new in fields or (("", ""),):
        db["case_events"].insert(
            {"case_id": cid, "at": at, "actor": "tg:1 @a", "action": action, "field": f, "old": "",
             "new": new, "reason": ""}
        )  # fmt: skip


TAKEDOWN = (("takedown", "requested"), ("takedown_at", "x"), ("takedown_ref", "R"), ("takedown_store", "s"))
REMOVED = (("listed", "0"), ("takedown", "removed"))


@pytest.fixture
def seeded(db):
    # 1: huayue / Play. Seen 11-01 00:00Z, confirmed, takedown requested, removed 48 h after first sighting.
    _case(db, 1, "huayue", "google_play", "2026-11-01T00:00:00+00:00")
    _event(db, 1, "2026-11-01T00:00:00+00:00", "open", ("state", "new"))
    _event(db, 1, "2026-11-01T02:00:00+00:00", "confirm", ("state", "confirmed"))
    _event(db, 1, "2026-11-01T03:00:00+00:00", "takedown", *TAKEDOWN)
    _event(db, 1, "2026-11-03T00:00:00+00:00", "removed", *REMOVED)
    # 2: huayue / App Store. Seen 10-31 20:00Z (11-01 04:00 in Taiwan: inside), police report,
    # removed after 144 h.
    _case(db, 2, "huayue", "app_store", "2026-10-31T20:00:00+00:00")
    _event(db, 2, "2026-10-31T20:00:00+00:00", "open", ("state", "new"))
    _event(db, 2, "2026-11-02T00:00:00+00:00", "confirm", ("state", "confirmed"))
    _event(db, 2, "2026-11-02T01:00:00+00:00", "takedown", *TAKEDOWN)
    _event(db, 2, "2026-11-02T02:00:00+00:00", "police", ("police", "reported"), ("police_no", "A1"))
    _event(db, 2, "2026-11-06T20:00:00+00:00", "removed", *REMOVED)
    # 3: ruifeng / Play. Found, taken down before the period; back 11-04, taken down again 24 h after
    # coming back.
    _case(db, 3, "ruifeng", "google_play", "2026-10-20T00:00:00+00:00")
    _event(db, 3, "2026-10-20T00:00:00+00:00", "open", ("state", "new"))
    _event(db, 3, "2026-10-21T00:00:00+00:00", "confirm", ("state", "confirmed"))
    _event(db, 3, "2026-10-22T00:00:00+00:00", "takedown", *TAKEDOWN)
    _event(db, 3, "2026-10-25T00:00:00+00:00", "removed", *REMOVED)
    _event(
        db,
        3,
        "2026-11-04T00:00:00+00:00",
        "relisted",
        ("listed", "1"),
        ("state", "relisted"),
        ("takedown", "none"),
    )
    _event(db, 3, "2026-11-04T06:00:00+00:00", "takedown", *TAKEDOWN)
    _event(db, 3, "2026-11-05T00:00:00+00:00", "removed", *REMOVED)
    # 4: huayue / Play, a false positive.
    _case(db, 4, "huayue", "google_play", "2026-11-03T00:00:00+00:00")
    _event(db, 4, "2026-11-03T00:00:00+00:00", "open", ("state", "new"))
    _event(db, 4, "2026-11-03T01:00:00+00:00", "false_positive", ("state", "false_positive"))
    # 5: ruifeng / APK, opened a minute before the period ends, confirmed exactly at its end (outside).
    _case(db, 5, "ruifeng", "apk", "2026-11-07T15:59:00+00:00")
    _event(db, 5, "2026-11-07T15:59:00+00:00", "open", ("state", "new"))
    _event(db, 5, "2026-11-07T16:00:00+00:00", "confirm", ("state", "confirmed"))
    # 6: opened exactly at the end of the period (outside).
    _case(db, 6, "huayue", "google_play", "2026-11-07T16:00:00+00:00")
    _event(db, 6, "2026-11-07T16:00:00+00:00", "open", ("state", "new"))
    # 7: opened a second before the period, confirmed twice inside it (counted once).
    _case(db, 7, "huayue", "google_play", "2026-10-31T15:59:59+00:00")
    _event(db, 7, "2026-10-31T15:59:59+00:00", "open", ("state", "new"))
    _event(db, 7, "2026-11-01T01:00:00+00:00", "confirm", ("state", "confirmed"))
    _event(db, 7, "2026-11-01T05:00:00+00:00", "false_positive", ("state", "false_positive"))
    _event(db, 7, "2026-11-02T05:00:00+00:00", "confirm", ("state", "confirmed"))
    return db


def test_nearest_rank_by_hand():
    assert nearest_rank([], 0.9) is None
    assert nearest_rank([5.0], 0.9) == 5.0
    assert nearest_rank([3.0, 1.0, 2.0], 0.9) == 3.0  # ceil(2.7) = 3rd
    assert nearest_rank([float(i) for i in range(1, 11)], 0.9) == 9.0  # ceil(9.0) = 9th
    assert nearest_rank([float(i) for i in range(1, 12)], 0.9) == 10.0  # ceil(9.9) = 10th


def test_totals(seeded):
    r = load_report(seeded, SINCE, UNTIL)
    t = r.total
    assert t.new_suspects == 4  # cases 1, 2, 4, 5 (3 and 7 before, 6 at the end)
    assert t.confirmed == 3  # cases 1, 2, 7 (7 once; 5's at the end is outside)
    assert t.false_positives == 2  # cases 4 and 7 (7 was later confirmed again; both count)
    assert t.takedowns_requested == 3  # 1, 2, and 3's second request
    assert t.takedowns_verified == 3
    assert sorted(t.removal_hours) == [
        24.0,
        48.0,
        144.0,
    ]  # 3 from its re-listing, 1 and 2 from first sighting
    assert t.median_hours == 48.0 and t.p90_hours == 144.0
    assert t.police_reports == 1 and t.relistings == 1


def test_per_store_and_brand(seeded):
    r = load_report(seeded, SINCE, UNTIL)
    gp, ios, apk = r.by_store["google_play"], r.by_store["app_store"], r.by_store["apk"]
    assert (gp.new_suspects, gp.confirmed, gp.false_positives) == (2, 2, 2)
    assert (gp.takedowns_requested, gp.takedowns_verified) == (2, 2)
    assert gp.median_hours == 36.0 and gp.p90_hours == 48.0 and gp.relistings == 1 and gp.police_reports == 0
    assert (ios.new_suspects, ios.confirmed, ios.takedowns_verified, ios.police_reports) == (1, 1, 1, 1)
    assert ios.median_hours == 144.0 and ios.p90_hours == 144.0
    assert (apk.new_suspects, apk.confirmed, apk.takedowns_verified) == (1, 0, 0) and apk.median_hours is None
    hy, rf = r.by_brand["huayue"], r.by_brand["ruifeng"]
    assert (hy.new_suspects, hy.confirmed, hy.false_positives, hy.takedowns_requested, hy.police_reports) == (
        3, 3, 2, 2, 1,
    )  # fmt: skip
    assert hy.median_hours == 96.0 and hy.p90_hours == 144.0 and hy.relistings == 0
    assert (rf.new_suspects, rf.confirmed, rf.takedowns_requested, rf.takedowns_verified, rf.relistings) == (
        1, 0, 1, 1, 1,
    )  # fmt: skip
    assert rf.removal_hours == [24.0]


def test_daily_series_in_taiwan_dates(seeded):
    r = load_report(seeded, SINCE, UNTIL)
    assert [(d.isoformat(), n, c, v) for d, n, c, v in r.daily] == [
        ("2026-11-01", 2, 2, 0),  # cases 1 and 2 opened; 1 and 7 confirmed
        ("2026-11-02", 0, 1, 0),  # case 2 confirmed (7's second confirmation is not a new one)
        ("2026-11-03", 1, 0, 1),  # case 4 opened; case 1 removed
        ("2026-11-04", 0, 0, 0),
        ("2026-11-05", 0, 0, 1),  # case 3 removed again
        ("2026-11-06", 0, 0, 0),
        ("2026-11-07", 1, 0, 1),  # case 5 opened 23:59; case 2 removed 04:00 (Taiwan time)
    ]


def test_every_figure_of_the_seeded_period(seeded):
    """The whole report for the seeded week, pinned (each figure worked out by hand in the tests above):
    every bucket's figures, its removal times in timeline order, and the chart's removals."""
    r = load_report(seeded, SINCE, UNTIL)
    buckets = {
        ("all", "all"): r.total,
        **{("store", k): v for k, v in r.by_store.items()},
        **{("brand", k): v for k, v in r.by_brand.items()},
    }
    # new, confirmed, false positives, takedowns requested and verified, police, re-listings; hours to removal
    assert {k: ([getattr(f, n) for n in FIGURES], f.removal_hours) for k, f in buckets.items()} == {
        ("all", "all"): ([4, 3, 2, 3, 3, 1, 1], [48.0, 24.0, 144.0]),
        ("store", "apk"): ([1, 0, 0, 0, 0, 0, 0], []),
        ("store", "app_store"): ([1, 1, 0, 1, 1, 1, 0], [144.0]),
        ("store", "google_play"): ([2, 2, 2, 2, 2, 0, 1], [48.0, 24.0]),
        ("brand", "huayue"): ([3, 3, 2, 2, 2, 1, 0], [48.0, 144.0]),
        ("brand", "ruifeng"): ([1, 0, 0, 1, 1, 0, 1], [24.0]),
    }
    assert list(r.by_store) == ["apk", "app_store", "google_play"]
    assert list(r.by_brand) == ["huayue", "ruifeng"]
    assert r.removals == [("google_play", "huayue", 48.0), ("google_play", "ruifeng", 24.0),
                          ("app_store", "huayue", 144.0)]  # fmt: skip
    assert (r.since, r.until) == (SINCE, UNTIL)


def test_csv_and_text(seeded):
    r = load_report(seeded, SINCE, UNTIL)
    rows = list(csv.DictReader(io.StringIO(render_csv(r))))
    assert [(x["scope"], x["key"]) for x in rows] == [
        ("all", "all"),
        ("store", "apk"),
        ("store", "app_store"),
        ("store", "google_play"),
        ("brand", "huayue"),
        ("brand", "ruifeng"),
    ]
    assert rows[0]["new_suspects"] == "4" and rows[0]["median_hours_to_removal"] == "48.0"
    assert rows[0]["p90_hours_to_removal"] == "144.0" and rows[0]["removals_timed"] == "3"
    assert rows[1]["median_hours_to_removal"] == ""  # nothing to time for APKs
    text = render_text(r, "zh")
    assert "新可疑案件：4" in text and "中位數 2.0 天" in text and "P90 6.0 天" in text
    assert "Takedowns verified: 3" in render_text(r, "en")


def test_chart_is_a_png(seeded):
    png = render_chart(load_report(seeded, SINCE, UNTIL))
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size == (1000, 700)
    empty = render_chart(load_report(seeded, day_start(date(2025, 1, 1)), day_start(date(2025, 1, 2))))
    assert Image.open(io.BytesIO(empty)).format == "PNG"


def test_cli_report(seeded, tmp_path: Path):
    db_path = str(Path(seeded.conn.execute("PRAGMA database_list").fetchone()[2]))
    chart = tmp_path / "r.png"
    runner = CliRunner()
    res = runner.invoke(
        main, ["report", "--since", "2026-11-01", "--until", "2026-11-08", "--csv", "--chart", str(chart),
               "--db", db_path],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert rows[0]["takedowns_verified"] == "3" and rows[0]["relistings"] == "1"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = runner.invoke(main, ["report", "--since", "2026-11-08", "--until", "2026-11-01", "--db", db_path])
    assert bad.exit_code == 1 and "--until must be after --since" in bad.output
    assert runner.invoke(main, ["report", "--since", "yesterday", "--db", db_path]).exit_code == 2


def test_counts_what_the_case_actions_write(db):
    """Guards the event names: a case driven through the real state machine and scan sync is counted."""
    profile = load_profile(DATA / "brands.toml")
    fake = listing("com.fake.hy")
    cid = cases.sync_from_scan(db, write_scan(db, [fake]), profile).opened[0]
    actor = cases.Actor("tg:1")
    cases.confirm(db, cid, actor, hooks=HOOKS)
    cases.request_takedown(db, cid, actor, "GP-1", hooks=HOOKS)
    cases.report_police(db, cid, actor, "A9", hooks=HOOKS)
    gone = {**fake, "present": 0}
    cases.sync_from_scan(db, write_scan(db, [gone], changes={fake["key"]: "vanished"}), profile)
    cases.sync_from_scan(db, write_scan(db, [fake], changes={fake["key"]: "relisted"}), profile)
    now = datetime.now(UTC)
    t = load_report(db, now - timedelta(days=1), now + timedelta(days=1)).total
    assert (t.confirmed, t.takedowns_requested, t.police_reports, t.takedowns_verified, t.relistings) == (
        1, 1, 1, 1, 1,
    )  # fmt: skip
    assert len(t.removal_hours) == 1
