"""The clock is an input of a scan: what it records (scan times, first and last seen, the details cache's
age) follows the clock it is given, not the machine's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.settings import Settings, StoreSettings
from bot.demo.server import StoreDouble
from bot.demo.snapshot import SNAPSHOT, SnapshotHandler
from bot.record.scan import make_adapters, run_scan
from bot.store.db import open_db
from scanners.profile import load_profile
from tests.conftest import DATA


def test_scan_records_the_time_of_its_clock(tmp_path: Path) -> None:
    now = [datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)]
    handler = SnapshotHandler(SNAPSHOT)
    with StoreDouble(handler) as double:
        handler.base_url = double.base_url
        stores = StoreSettings(
            google_play_url=double.base_url,
            app_store_url=double.base_url,
            aptoide_url=double.base_url,
            galaxy_store_url=double.base_url,
            google_play_rate=50,
            app_store_rate=50,
            aptoide_rate=50,
            galaxy_store_rate=50,
        )
        settings = Settings(db_path=tmp_path / "c.db", stores=stores)
        db = open_db(settings.db_path)
        profile = load_profile(DATA / "brands.toml")
        first = run_scan(db, profile, settings, make_adapters(settings), clock=lambda: now[0])
        assert first.started_at == first.finished_at == "2020-01-02T03:04:05+00:00"
        row = db.execute("select started_at, finished_at from scans where id = ?", [first.scan_id]).fetchone()
        assert row == ("2020-01-02T03:04:05+00:00", "2020-01-02T03:04:05+00:00")
        seen = {r[0] for r in db.execute("select distinct first_seen from listings")}
        assert seen == {"2020-01-02T03:04:05+00:00"}
        # an hour later on the same clock, the details cache is fresh: no details page is asked for again
        now[0] += timedelta(hours=1)
        second = run_scan(db, profile, settings, make_adapters(settings), clock=lambda: now[0])
        assert second.cache_hits["google_play"] > 0
        # a year later, every cached entry is stale and details are fetched again
        now[0] += timedelta(days=365)
        third = run_scan(db, profile, settings, make_adapters(settings), clock=lambda: now[0])
        assert third.cache_hits["google_play"] == 0
        assert third.requests["google_play"] > second.requests["google_play"]
