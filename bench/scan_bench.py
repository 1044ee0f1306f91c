"""Scan benchmark: the demo snapshot served on loopback with added latency, 2 brands x 10 terms x 4 stores.

Prints wall time, requests per store, the request rate against the configured limit, what a repeat scan
saves through the details cache, and, side by side, the same searches done the way a user would without
this tool: google-play-scraper's own search() and app() per result (Google Play only; no judging, no cache),
and Aptoide's API called directly, search then getMeta per result (no judging, no cache, no rate limit).

    .venv/bin/python bench/scan_bench.py [--latency 0.2]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from bot.core.settings import Settings, StoreSettings
from bot.demo.server import StoreDouble
from bot.demo.snapshot import SnapshotHandler, build_snapshot, load_catalog
from bot.record.scan import make_adapters, run_scan
from bot.store.db import open_db
from scanners.profile import Profile, load_profile

ROOT = Path(__file__).resolve().parent.parent
EXTRA = ["app", "下單", "股票", "證券 app", "官方", "交易", "開戶", "e把罩", "好神", "理財", "看盤", "期貨"]


def ten_term_profile() -> Profile:
    """The demo profile with every brand's search terms padded to ten, as a real deployment might use."""
    profile = load_profile(ROOT / "data" / "brands.toml")
    brands = []
    for brand in profile.brands:
        terms = list(brand.search_terms)
        for extra in EXTRA:
            if len(terms) == 10:
                break
            terms.append(f"{brand.name} {extra}")
        brands.append(dataclasses.replace(brand, search_terms=tuple(terms)))
    return dataclasses.replace(profile, brands=tuple(brands))


def scan_once(
    db_path: Path, profile: Profile, settings: Settings
) -> tuple[float, dict[str, int], dict, dict]:
    db = open_db(db_path)
    t0 = time.perf_counter()
    result = run_scan(db, profile, settings, make_adapters(settings), trigger="bench")
    wall = time.perf_counter() - t0
    db.close()
    assert result.status == "ok", [r.reason for r in result.runs if r.status != "ok"]
    return wall, result.requests, result.elapsed, result.cache_hits


def library_only(base_url: str, profile: Profile, double: StoreDouble) -> tuple[float, int, int, int]:
    """google-play-scraper as a user would call it: search each term, then app() for each result."""
    import ssl

    saved = ssl._create_default_https_context
    import google_play_scraper as gps
    from google_play_scraper.constants.request import Formats

    ssl._create_default_https_context = saved
    # Point the library at the double (its URLs are hard-coded format strings).
    for fmt in (Formats.Searchresults, Formats.Detail):
        for attr in ("URL_FORMAT", "FALLBACK_URL_FORMAT"):
            if hasattr(fmt, attr):
                setattr(fmt, attr, getattr(fmt, attr).replace("https://play.google.com", base_url))
    before = double.count("/store/")
    t0 = time.perf_counter()
    missing_ids = errors = 0
    for brand in profile.brands:
        for term in brand.search_terms:
            try:
                results = gps.search(term, lang="zh-TW", country="tw")
            except Exception:
                errors += 1
                continue
            for item in results:
                if not item.get("appId"):
                    missing_ids += 1
                    continue
                try:
                    gps.app(item["appId"], lang="zh-TW", country="tw")
                except Exception:
                    errors += 1
    return time.perf_counter() - t0, double.count("/store/") - before, missing_ids, errors


STORES = ("google_play", "app_store", "aptoide", "galaxy_store")


def aptoide_direct(base_url: str, profile: Profile, double: StoreDouble) -> tuple[float, int]:
    """Aptoide's API as a user would call it: search each term, then getMeta for each result."""
    import requests

    session = requests.Session()
    before = double.count("/api/7/")
    t0 = time.perf_counter()
    for brand in profile.brands:
        for term in brand.search_terms:
            reply = session.get(f"{base_url}/api/7/apps/search", params={"query": term, "limit": 25}).json()
            for item in reply.get("datalist", {}).get("list", []):
                session.get(f"{base_url}/api/7/app/getMeta", params={"app_id": item["id"]}).json()
    return time.perf_counter() - t0, double.count("/api/7/") - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2, help="seconds added to every response")
    args = parser.parse_args()
    profile = ten_term_profile()
    limits = StoreSettings()
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = Path(tmp) / "snapshot"
        build_snapshot(profile, load_catalog(), snapshot)
        handler = SnapshotHandler(snapshot)
        with StoreDouble(handler, latency=args.latency) as double:
            handler.base_url = double.base_url
            stores = dataclasses.replace(
                limits,
                google_play_url=double.base_url,
                app_store_url=double.base_url,
                aptoide_url=double.base_url,
                galaxy_store_url=double.base_url,
            )
            settings = Settings(db_path=Path(tmp) / "bench.db", stores=stores)
            cold = scan_once(settings.db_path, profile, settings)
            warm = scan_once(settings.db_path, profile, settings)
            lib = library_only(double.base_url, profile, double)
            apt = aptoide_direct(double.base_url, profile, double)
    terms = sum(len(b.search_terms) for b in profile.brands)
    rate = {
        "google_play": limits.google_play_rate,
        "app_store": limits.app_store_rate,
        "aptoide": limits.aptoide_rate,
        "galaxy_store": limits.galaxy_store_rate,
    }
    print(
        f"{len(profile.brands)} brands x {terms // len(profile.brands)} terms x {len(STORES)} stores "
        "(galaxy_store: lookups of the official and flagged packages, after the others), "
        f"{args.latency * 1000:.0f} ms added latency per request, configured limits {rate} req/s\n"
    )
    print(
        f"{'run':<34} {'store':<12} {'wall s':>7} {'requests':>9} {'req/s':>6} {'limit':>6} "
        f"{'cache hits':>10}"
    )
    for label, (wall, reqs, elapsed, hits) in (
        ("fakeapp scan, first", cold),
        ("fakeapp scan, repeat (no change)", warm),
    ):
        for store in STORES:
            rps = reqs[store] / elapsed[store] if elapsed[store] else 0.0
            print(
                f"{label:<34} {store:<12} {elapsed[store]:>7.1f} {reqs[store]:>9} {rps:>6.2f} "
                f"{rate[store]:>6.2f} {hits[store]:>10}"
            )
        print(f"{label:<34} {'(all, wall)':<12} {wall:>7.1f} {sum(reqs.values()):>9}")
    saved = sum(cold[1].values()) - sum(warm[1].values())
    print(f"\nrepeat scan saved {saved} of {sum(cold[1].values())} requests through the details cache")
    wall, reqs, missing, errors = lib
    print(
        f"\ngoogle-play-scraper alone (search + app() per result, Google Play only, no rate limit, no cache, "
        f"no judging):\n  {wall:.1f} s wall, {reqs} requests, {missing} results without a package id "
        f"(its featured-card bug), {errors} calls raised"
    )
    wall, reqs = apt
    print(
        f"\nAptoide API called directly (search + getMeta per result, no rate limit, no cache, no judging):"
        f"\n  {wall:.1f} s wall, {reqs} requests; fakeapp asked Aptoide {cold[1]['aptoide']} times "
        "(metadata only for results tied to a brand)"
    )


if __name__ == "__main__":
    main()
