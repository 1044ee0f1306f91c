"""Link tracer benchmark, on loopback only: (1) tracing a lure (short link -> meta refresh -> script
redirect -> download page) that offers five artifacts: an APK, an itms-services manifest and its enterprise
IPA, a TestFlight invitation, a signed configuration profile; (2) a 200 MB IPA, downloaded and read through
the tracer and read from disk alone. Every measurement runs in a fresh child process (peak memory is the
child's ``ru_maxrss``), side by side with what an analyst would otherwise do by hand with standard tools:
``curl -L`` on the link (HTTP redirects only: it stops at the share page) then ``curl`` on each artifact link,
and ``unzip -p … embedded.mobileprovision | openssl smime -verify`` for the IPA's team.

    .venv/bin/python bench/link_bench.py [--runs 5] [--ipa-mb 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD_TRACE = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from scanners.apk.verdict import analyse_apk, official_icon_hashes
from scanners.judging.names import prepare_brand
from scanners.links.fetch import Fetcher
from scanners.links.trace import trace
from scanners.profile import load_profile
brands = [prepare_brand(b, official_icon_hashes(b)) for b in load_profile({config!r}).brands]
t1 = time.perf_counter()
r = trace({url!r}, Fetcher(allow_private=True, deadline=600), brands, read_qr_codes=False,
          apk_analyser=lambda p, n: analyse_apk(p, brands, display_name=n), testflight_base={tf!r})
t2 = time.perf_counter()
print(json.dumps({{"total": t2 - t0, "trace": t2 - t1, "requests": r.requests, "bytes": r.bytes_read,
    "artifacts": sorted(a.kind + ":" + a.verdict for a in r.artifacts), "errors": list(r.errors),
    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""

BASELINE = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from scanners.apk.verdict import analyse_apk, official_icon_hashes
from scanners.judging.names import prepare_brand
from scanners.links.fetch import Fetcher
from scanners.links.trace import trace
from scanners.profile import load_profile
brands = [prepare_brand(b, official_icon_hashes(b)) for b in load_profile({config!r}).brands]
print(json.dumps({{"total": time.perf_counter() - t0,
    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""

CHILD_IPA = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from scanners.ios.ipa import read_ipa
info = read_ipa({path!r})
t1 = time.perf_counter()
p = info.provision
print(json.dumps({{"total": t1 - t0, "team_id": p.team_id if p else "", "verified": bool(p and p.signature and
    p.signature.verified), "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def child(code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=900
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed_shell(cmd: str) -> tuple[float, int]:
    """Wall time and peak RSS (KB, the largest process of the pipeline, from GNU time) of a shell command."""
    t0 = time.perf_counter()
    p = subprocess.run(
        ["/usr/bin/time", "-f", "%M", "sh", "-c", cmd], capture_output=True, text=True, timeout=900
    )
    wall = time.perf_counter() - t0
    rss = int(p.stderr.strip().splitlines()[-1]) if p.stderr.strip() else 0
    return wall, rss


def med(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--ipa-mb", type=int, default=200)
    args = ap.parse_args()
    from tests.linksite import Route, Site, fraud_site, html

    config = str(ROOT / "data" / "brands.toml")
    with tempfile.TemporaryDirectory() as tmp, Site() as site:
        info = fraud_site(site, Path(tmp))
        # the five-artifact download page
        site.routes["/five"] = html(
            "<h1>華岳證券 官方APP下載</h1>"
            "<a href='/files/huayue.apk'>Android 下載</a>"
            f"<a href='itms-services://?action=download-manifest&amp;url={site.url('/ios/manifest.plist')}'>iOS</a>"
            "<a href='https://testflight.apple.com/join/AbCd1234'>TestFlight</a>"
            "<a href='/profile/huayue.mobileconfig'>描述檔</a>",
            "華岳證券",
        )
        site.routes["/go"] = html('<script>window.location.replace("/five");</script>')
        url = site.url("/s/abc")
        tf = site.url("/tf")
        trace_code = CHILD_TRACE.format(root=str(ROOT), config=config, url=url, tf=tf)
        child(trace_code)  # warm-up (bytecode cache, page cache)
        runs = [child(trace_code) for _ in range(args.runs)]
        arts = [
            site.url(p)
            for p in (
                "/files/huayue.apk",
                "/ios/manifest.plist",
                "/ios/huayue.ipa",
                "/tf/join/AbCd1234",
                "/profile/huayue.mobileconfig",
            )
        ]
        curl = f"curl -sL -o /dev/null {url} && " + " && ".join(f"curl -s -o /dev/null {a}" for a in arts)
        curls = [timed_shell(curl) for _ in range(args.runs)]
        print(f"## Tracing a lure that offers five artifacts (loopback, {args.runs} runs, medians)\n")
        r0 = runs[0]
        print("| method | wall | requests | peak memory | what it finds |")
        print("|---|---|---|---|---|")
        print(
            f"| `trace()` in a fresh process (imports included) | {med([r['total'] for r in runs]):.2f} s | "
            f"{r0['requests']} | {med([r['maxrss_kb'] for r in runs]) / 1024:.0f} MB | "
            f"{len(r0['artifacts'])} artifacts judged: {', '.join(r0['artifacts'])} |"
        )
        t_alone = med([r["trace"] for r in runs])
        print(f"| `trace()` alone (after imports and brand preparation) | {t_alone:.2f} s | | | |")
        base = [child(BASELINE.format(root=str(ROOT), config=config)) for _ in range(args.runs)]
        print(
            "| floor: a process that only imports and prepares the brands | "
            f"{med([b['total'] for b in base]):.2f} s | 0 | "
            f"{med([b['maxrss_kb'] for b in base]) / 1024:.0f} MB | |"
        )
        print(
            f"| `curl -L` + `curl` on each artifact link (by hand) | {med([c[0] for c in curls]):.2f} s | "
            f"{1 + 1 + len(arts)} | {med([c[1] for c in curls]) / 1024:.0f} MB | stops at the share page; "
            "the links must be found, fetched and judged by hand |"
        )
        if r0["errors"]:
            print(f"\nerrors: {r0['errors']}")

        # the 200 MB IPA
        from tests import iosbuild
        from tests.linksite import FAKE_TEAM

        big = iosbuild.signed_ipa(
            Path(tmp) / "big.ipa",
            info["signer"],
            team_id=FAKE_TEAM,
            team_name="Hengda",
            bundle_id="tw.com.huayuesec.trade",
            display_name="華岳e把罩",
            distribution="enterprise",
            pad=args.ipa_mb * 1024 * 1024,
        )
        size = big.stat().st_size
        site.routes["/big.ipa"] = Route(200, big, {"Content-Type": "application/octet-stream"})
        ipa_trace = CHILD_TRACE.format(root=str(ROOT), config=config, url=site.url("/big.ipa"), tf=tf)
        child(ipa_trace)
        tr = [child(ipa_trace) for _ in range(args.runs)]
        ipa_code = CHILD_IPA.format(root=str(ROOT), path=str(big))
        rd = [child(ipa_code) for _ in range(args.runs)]
        shell = (
            f"unzip -p {big} 'Payload/*.app/embedded.mobileprovision' | "
            "openssl smime -verify -noverify -inform der -out /dev/null 2>/dev/null"
        )
        sh = [timed_shell(shell) for _ in range(args.runs)]
        print(f"\n## A {size / 1e6:.0f} MB IPA (enterprise, signed profile; {args.runs} runs, medians)\n")
        print("| method | wall | peak memory |")
        print("|---|---|---|")
        print(
            f"| `trace()` of its link: download (streamed to disk, hashed) + read + judge | "
            f"{med([r['total'] for r in tr]):.2f} s | {med([r['maxrss_kb'] for r in tr]) / 1024:.0f} MB |"
        )
        print(
            f"| `read_ipa()` on the file (team {rd[0]['team_id']}, CMS verified: {rd[0]['verified']}) | "
            f"{med([r['total'] for r in rd]):.2f} s | {med([r['maxrss_kb'] for r in rd]) / 1024:.0f} MB |"
        )
        print(
            f"| `unzip -p … embedded.mobileprovision \\| openssl smime -verify` | "
            f"{med([s[0] for s in sh]):.2f} s | {med([s[1] for s in sh]) / 1024:.0f} MB |"
        )
        print(f"\nmachine: {os.cpu_count()} cores (shared); Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
