"""What keeping a trace costs, on loopback only: the fraud site of the tests (short link -> share page ->
script redirect -> download page offering every artifact kind) traced, then recorded (hops, pages with raw
HTML, artifacts, files) and turned into cases, with and without the headless-Chromium screenshot; then the
site case's evidence pack built. Side by side: the trace alone. Medians of ``--runs`` runs, each on a fresh
database; the database size after one recorded trace.

    .venv/bin/python bench/link_record_bench.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from bot.cases.actions import Actor
    from bot.casework.evidence import build_pack
    from bot.core.settings import load_settings
    from bot.desk.links import trace_link
    from bot.record.links import make_tracer
    from bot.record.page_screenshot import chromium_binary, take_screenshot
    from bot.store.db import open_db
    from scanners.profile import load_profile
    from tests.linksite import Site, fraud_site

    profile = load_profile(ROOT / "data" / "brands.toml")
    rows: dict[str, list[float]] = {"trace": [], "record": [], "record+shot": [], "pack": []}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp, Site() as site:
        t = Path(tmp)
        fraud_site(site, t)
        os.environ["FAKEAPP_TESTFLIGHT_URL"] = site.url("/tf")
        settings = load_settings(
            {
                "FAKEAPP_APP_STORE_URL": site.url("/itunes"),
                "FAKEAPP_GOOGLE_PLAY_URL": site.url("/gplay"),
                "FAKEAPP_HTTP_RETRIES": "0",
                # our own loopback double: no politeness wait between runs (it would dominate the figures)
                "FAKEAPP_APP_STORE_RATE": "1000",
                "FAKEAPP_GOOGLE_PLAY_RATE": "1000",
            }
        )
        tracer = make_tracer(settings, profile, allow_private=True)
        actor = Actor("bench")
        shot = take_screenshot if chromium_binary() else None
        for i in range(args.runs):
            t0 = time.perf_counter()
            tracer.run(site.url("/s/abc"), t / f"keep{i}")
            rows["trace"].append(time.perf_counter() - t0)
            for label, fn in (("record", None), ("record+shot", shot)):
                if label == "record+shot" and fn is None:
                    continue
                path = t / f"{label}-{i}.db"
                db = open_db(path)
                t0 = time.perf_counter()
                got = trace_link(db, tracer, site.url("/s/abc"), actor=actor, trigger="bench", screenshot=fn)
                rows[label].append(time.perf_counter() - t0)
                if label == "record":
                    kinds = dict(db.execute("SELECT id, kind FROM cases").fetchall())
                    site_case = next(c for c in got.cases.opened if kinds[c] == "site")
                    t0 = time.perf_counter()
                    pack = build_pack(db, site_case, generated_by="bench")
                    rows["pack"].append(time.perf_counter() - t0)
                    sizes["pack"] = len(pack.data)
                    sizes["files"] = len(pack.manifest["files"])
                    sizes["cases"] = len(got.cases.opened)
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                db.close()
                sizes[label] = path.stat().st_size
            shutil.rmtree(t / f"keep{i}", ignore_errors=True)

    def med(k: str) -> str:
        return f"{statistics.median(rows[k]):.2f} s" if rows[k] else "— (no Chromium)"

    print(f"**Recording a trace ({args.runs} runs, medians; loopback fraud site, every artifact kind)**\n")
    print("| step | wall | database after |")
    print("|---|---|---|")
    print(f"| trace alone (tracer.run) | {med('trace')} | |")
    print(
        f"| trace + record + {sizes.get('cases', 0)} cases opened | {med('record')} | "
        f"{sizes['record'] / 1e6:.2f} MB |"
    )
    if "record+shot" in sizes:
        print(
            f"| same, with the Chromium screenshot | {med('record+shot')} | "
            f"{sizes['record+shot'] / 1e6:.2f} MB |"
        )
    pack = f"site case's evidence pack ({sizes['files']} files, {sizes['pack'] / 1e3:.0f} kB)"
    print(f"| {pack} | {med('pack')} | |")
    print(f"\nmachine: {os.cpu_count()} cores (shared); Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
