"""The offline demo end to end: the snapshot is current, every planted fake is found, no legitimate app is
flagged, and a store that breaks or loses its canary is reported degraded, never as 'nothing found'."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.core.settings import Settings, StoreSettings
from bot.demo.server import StoreDouble
from bot.demo.snapshot import SNAPSHOT, SnapshotHandler, _term_file, build_snapshot, load_catalog
from bot.record.scan import make_adapters, run_scan
from bot.store.db import open_db
from scanners.profile import load_profile
from tests.conftest import DATA

SUSPECT = {"impersonation", "suspicious"}


def run_demo(db: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["scan", "--demo", "--json", "--db", str(db), *extra], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def test_committed_snapshot_matches_catalog(tmp_path: Path) -> None:
    out = tmp_path / "snapshot"
    build_snapshot(load_profile(DATA / "brands.toml"), load_catalog(), out)
    built = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(SNAPSHOT).as_posix() for p in SNAPSHOT.rglob("*") if p.is_file())
    assert built == committed, "run: python -m bot.demo.snapshot"
    for name in built:
        assert (out / name).read_bytes() == (SNAPSHOT / name).read_bytes(), f"{name} is stale"


def test_demo_scan_finds_every_planted_fake_and_no_legitimate_app(tmp_path: Path) -> None:
    code, result = run_demo(tmp_path / "demo.db")
    assert code == 0 and result["status"] == "ok"
    assert all(s["status"] == "ok" and s["canary_ok"] for s in result["stores"])
    db = open_db(tmp_path / "demo.db")
    rows = {r["key"]: r for r in db.query("select key, verdict, reasons from listings")}
    catalog = load_catalog()
    assert len(catalog) >= 20
    for app in catalog:
        row = rows.get(app.listing.key)
        assert row is not None, f"{app.family}: {app.listing.key} not scanned"
        if app.expect in SUSPECT:
            assert row["verdict"] in SUSPECT, f"missed {app.family}: {app.listing.title} → {row['verdict']}"
        else:
            assert row["verdict"] == app.expect, f"{app.family}: {app.listing.title} → {row['verdict']}"
        assert json.loads(row["reasons"]), f"{app.listing.key}: a verdict without reasons"
    planted = {a.listing.key for a in catalog if a.expect in SUSPECT}
    suspects = {s["key"] for s in result["suspects"]}
    assert suspects == planted
    assert all(s["change"] == "new" for s in result["suspects"])
    # Evidence of every suspect was kept: its raw store response and its icon.
    evidence = {r["listing_key"] for r in db.query("select listing_key from listing_snapshots")}
    assert planted <= evidence
    icons = {r["listing_key"] for r in db.query("select listing_key from listing_media where kind = 'icon'")}
    assert planted <= icons
    shots = {
        (r["listing_key"], r["n"])
        for r in db.query(
            "select listing_key, count(*) as n from listing_media"
            " where kind = 'screenshot' group by listing_key"
        )
    }
    assert shots == {("google_play:com.hyvip.invest", 2), ("app_store:6739001234", 1)}
    findings = db.execute("select count(*) from findings where scan_id = ?", [result["scan_id"]]).fetchone()[
        0
    ]
    assert findings == len(planted)


def test_repeat_scan_uses_the_details_cache(tmp_path: Path) -> None:
    _, first = run_demo(tmp_path / "demo.db")
    _, second = run_demo(tmp_path / "demo.db")
    assert second["requests"]["google_play"] < first["requests"]["google_play"]
    assert second["cache_hits"]["google_play"] > 0
    assert {s["change"] for s in second["suspects"]} == {"same"}


def _copy_snapshot(tmp_path: Path) -> Path:
    root = tmp_path / "snap"
    shutil.copytree(SNAPSHOT, root)
    return root


def _remove_from_search(root: Path, store: str, app_id: str) -> None:
    index = json.loads((root / "index.json").read_text())
    for name in index[store].values():
        if store == "google_play":
            page = root / "google_play/search" / f"{name}.html"
            page.write_text(page.read_text().replace(app_id, "com.example.removed"))
        else:
            page = root / "app_store/search" / f"{name}.json"
            data = json.loads(page.read_text())
            data["results"] = [r for r in data["results"] if str(r["trackId"]) != app_id]
            data["resultCount"] = len(data["results"])
            page.write_text(json.dumps(data, ensure_ascii=False))


def _scan_snapshot(db: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict]:
    monkeypatch.setattr("bot.demo.run.SNAPSHOT", root)
    return run_demo(db)


def test_lost_canary_is_reported_degraded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy_snapshot(tmp_path)
    _remove_from_search(root, "app_store", "1488123456")
    code, result = _scan_snapshot(tmp_path / "d.db", root, monkeypatch)
    assert code == 2 and result["status"] == "degraded"
    bad = [s for s in result["stores"] if s["status"] != "ok"]
    assert [(s["brand"], s["store"]) for s in bad] == [("huayue", "app_store")]
    assert "canary" in bad[0]["reason"] and "1488123456" in bad[0]["reason"]


def test_changed_page_layout_is_reported_broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy_snapshot(tmp_path)
    index = json.loads((root / "index.json").read_text())
    for name in index["google_play"].values():
        (root / "google_play/search" / f"{name}.html").write_text("<html><body>新版面</body></html>")
    code, result = _scan_snapshot(tmp_path / "d.db", root, monkeypatch)
    assert code == 2
    play = [s for s in result["stores"] if s["store"] == "google_play"]
    assert play and all(s["status"] == "broken" and not s["canary_ok"] for s in play)
    apple = [s for s in result["stores"] if s["store"] == "app_store"]
    assert all(s["status"] == "ok" for s in apple)


def test_unreachable_store_is_broken_not_empty(tmp_path: Path) -> None:
    env = {
        "FAKEAPP_APP_STORE_URL": "http://127.0.0.1:9",
        "FAKEAPP_HTTP_TIMEOUT": "1",
        "FAKEAPP_HTTP_RETRIES": "1",
        "FAKEAPP_HTTP_BACKOFF": "0.01",
        "FAKEAPP_APP_STORE_RATE": "50",
    }
    result = CliRunner().invoke(
        main, ["scan", "--json", "--store", "app_store", "--db", str(tmp_path / "x.db")], env=env
    )
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["status"] == "failed"
    assert all(s["status"] == "broken" and "cannot connect" in s["reason"] for s in data["stores"])


def test_vanished_then_relisted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "d.db"
    run_demo(db)
    root = _copy_snapshot(tmp_path)
    fake = "com.hyvip.invest"
    _remove_from_search(root, "google_play", fake)
    (root / "google_play/details" / f"{fake}.html").unlink()
    _, gone = _scan_snapshot(db, root, monkeypatch)
    vanished = [s for s in gone["suspects"] if s["change"] == "vanished"]
    assert [s["app_id"] for s in vanished] == [fake]
    row = open_db(db).table("listings").get(f"google_play:{fake}")
    assert row["present"] == 0 and row["removed_at"]
    monkeypatch.setattr("bot.demo.run.SNAPSHOT", SNAPSHOT)
    _, back = run_demo(db)
    relisted = [s for s in back["suspects"] if s["change"] == "relisted"]
    assert [s["app_id"] for s in relisted] == [fake]


def test_term_files_are_stable() -> None:
    assert _term_file(" 華岳證券 ") == _term_file("華岳證券")


def test_repeat_scan_fetches_no_icon_again(tmp_path: Path) -> None:
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
        settings = Settings(db_path=tmp_path / "i.db", stores=stores)
        db = open_db(settings.db_path)
        profile = load_profile(DATA / "brands.toml")
        first = run_scan(db, profile, settings, make_adapters(settings))
        icons_first = double.count("/icons/")
        second = run_scan(db, profile, settings, make_adapters(settings))
    assert first.status == second.status == "ok"
    assert icons_first > 0
    assert double.count("/icons/") == icons_first  # hashes and evidence bytes are both already kept
    assert {c.verdict for c in second.suspects} == {c.verdict for c in first.suspects}
