"""One hostile listing never breaks a store: its text is cleaned where the listing is built, and a listing
whose judging still raises is recorded as not judged (with the reason, in the stored summary and the CLI's
output) while every other listing of the store is judged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.demo.snapshot import SNAPSHOT
from bot.store.db import open_db
from scanners.listing import Listing

IMPOSTOR = "app_store:6739001234"  # planted in the demo catalogue: 華岳智能投資 交易平台
HOSTILE_ID = 6790000001


def _hostile_snapshot(tmp_path: Path) -> Path:
    """The demo snapshot with a listing carrying unpaired surrogates beside every App Store result."""
    root = tmp_path / "snap"
    shutil.copytree(SNAPSHOT, root)
    index = json.loads((root / "index.json").read_text())
    for name in index["app_store"].values():
        page = root / "app_store/search" / f"{name}.json"
        data = json.loads(page.read_text())
        hostile = dict(data["results"][0])
        hostile.update(
            trackId=HOSTILE_ID,
            trackName="\ud800天氣\udfff預報",
            trackCensoredName="\ud800",
            bundleId="com.hostile.weather",
            artistName="Weather\ud800 Ltd",
            sellerName="\udfff",
            artistId=6790000000,
            description="\ud800" * 50_000,
            trackViewUrl=f"https://apps.apple.com/tw/app/id{HOSTILE_ID}",
        )
        data["results"].insert(0, hostile)
        data["resultCount"] = len(data["results"])
        page.write_text(json.dumps(data))  # ensure_ascii: the surrogates travel as \ud800 escapes
    return root


def _scan(tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setattr("bot.demo.run.SNAPSHOT", root)
    result = CliRunner().invoke(main, ["scan", "--demo", "-q", "--db", str(tmp_path / "d.db"), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


def test_surrogates_in_a_listing_do_not_break_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = _scan(tmp_path, _hostile_snapshot(tmp_path), monkeypatch, "--json")
    result = json.loads(out)
    assert code == 0 and result["status"] == "ok", result["stores"]
    assert all(s["status"] == "ok" for s in result["stores"])
    assert IMPOSTOR in {s["key"] for s in result["suspects"]}  # the real impostor beside it is found
    row = open_db(tmp_path / "d.db").table("listings").get(f"app_store:{HOSTILE_ID}")
    # judged like any other (it copies the official listing's icon and seller, so it is a suspect too)
    assert (
        row["title"] == "\ufffd天氣\ufffd預報"
        and row["verdict"] == "suspicious"
        and json.loads(row["reasons"])
    )
    assert result["not_judged_count"] == 0


def test_listing_text_is_cleaned_and_bounded_where_it_is_built() -> None:
    listing = Listing.from_dict(
        {
            "store": "app_store",
            "app_id": "1",
            "title": "a\ud800b\ufffe",
            "description": "x" * 90_000,
            "screenshots": ["\udfff"] * 500,
            "developer": "\U0010ffff",
        }
    )
    assert listing.title == "a\ufffdb\ufffd" and listing.developer == "\ufffd"
    assert len(listing.description) == 20_000 and len(listing.screenshots) == 50
    assert listing.screenshots[0] == "\ufffd"
    listing.title.encode("utf-8")  # storable and printable


def test_a_listing_whose_judging_raises_is_not_judged_and_the_rest_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.record.scan

    real = bot.record.scan.judge_all

    def judge_all(listing: Listing, *args: object, **kwargs: object) -> object:
        if listing.app_id == str(HOSTILE_ID):
            raise RuntimeError("a signal broke on this listing")
        return real(listing, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.record.scan, "judge_all", judge_all)
    root = _hostile_snapshot(tmp_path)
    code, out = _scan(tmp_path, root, monkeypatch, "--json")
    result = json.loads(out)
    assert code == 2 and result["status"] == "degraded"  # loud: something was not judged
    apple = [s for s in result["stores"] if s["store"] == "app_store"]
    assert apple and all(s["status"] != "broken" for s in apple)
    # the brand whose search found it first judges it, and says so
    assert [s["brand"] for s in apple if f"{HOSTILE_ID} not judged (RuntimeError)" in s["reason"]] == [
        "huayue"
    ]
    assert IMPOSTOR in {s["key"] for s in result["suspects"]}
    assert result["not_judged_count"] == 1
    (nj,) = result["not_judged"]
    assert nj["key"] == f"app_store:{HOSTILE_ID}" and "a signal broke on this listing" in nj["reason"]
    assert nj["title"] == "\ufffd天氣\ufffd預報"
    db = open_db(tmp_path / "d.db")
    stored = json.loads(db.execute("select summary from scans order by id desc limit 1").fetchone()[0])
    assert stored["not_judged_count"] == 1 and stored["not_judged"][0]["app_id"] == str(HOSTILE_ID)
    assert db["listings"].get(IMPOSTOR)["verdict"] in ("impersonation", "suspicious")
    # people see it in the scan's text output
    code, text = _scan(tmp_path, root, monkeypatch)
    assert "Not judged: 1 listing(s)" in text and str(HOSTILE_ID) in text and "RuntimeError" in text
