"""APK check benchmark, on ~150 MB signed APKs built here (not committed): this project's full verified
verdict vs ``apksigner verify --print-certs`` vs androguard ``APK(path)`` with certificate extraction.

    .venv/bin/python bench/apk_bench.py [--runs 15] [--size-mb 150] [--out bench/out]

Two APKs, the same content plus one stored random asset, signed as apksigner signs by default: minSdk 21
(v1+v2+v3: Android before 7.0 checks the JAR signature, so the verdict hashes every entry for v1 too) and
minSdk 24 (v2+v3 only). Two views of each, side by side in one run, every measurement in a fresh child
process (runs interleaved, one warm-up round first; peak memory is the child's ``ru_maxrss``, read by a small
wrapper process):

- per process, start to exit: what a user waits for. ``fakeapp apk FILE --json`` exactly as a user runs it
  (CLI, database write), the library's ``analyse_apk`` as a one-shot Python process, apksigner (always a whole
  JVM process), androguard in a one-shot Python process; and, as the floor under the first two, a process
  that only imports what ``fakeapp apk`` imports and exits;
- per call in a warm process (imports done, one warm-up call on a small APK first), as the Telegram bot runs
  it: ``analyse_apk`` and androguard's ``APK(path)``, with the memory the call adds.

Python children cache their bytecode (``PYTHONPYCACHEPREFIX=OUT/pycache``, as any installed package does; an
environment with ``PYTHONDONTWRITEBYTECODE`` would otherwise recompile the project at every start). Goal
(issue 3): the full verified verdict in <= 0.3 s median and <= 50 MB peak, >= 3x faster than apksigner.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APKS = ROOT / "tests" / "apks"
KEYS = APKS / "keys"
PASS = "fakeapp-test"

# Runs inside the wrapper: start the command, wait, print the child's wall time, CPU and peak RSS as JSON.
WRAPPER = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True)
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
rss, cpu = ru.ru_maxrss, ru.ru_utime + ru.ru_stime
out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")[-2000:]
print(json.dumps({"wall": wall, "cpu": cpu, "rss_kb": rss, "rc": p.returncode, "out": out, "err": err}))
"""

# The library's verdict as a one-shot process: imports, one call, exit (no CLI, no database).
PROJECT_ONCE = r"""
import json, sys
from scanners.profile import load_profile
from scanners.apk.verdict import analyse_apk
r = analyse_apk(sys.argv[1], load_profile(sys.argv[2]).brands)
print(json.dumps({"verdict": r.verdict, "signers": [c["sha256"] for c in r.to_dict()["certificates"]]}))
"""

# The library's verdict in a warm process, as the bot calls it (brands prepared only if needed).
PROJECT_WARM = r"""
import json, resource, sys, time
from scanners.profile import load_profile
from scanners.apk.verdict import analyse_apk
brands = load_profile(sys.argv[2]).brands
analyse_apk(sys.argv[3], brands)  # warm-up on a small APK: lazy imports (androguard's parsers) happen here
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t, c = time.perf_counter(), time.process_time()
r = analyse_apk(sys.argv[1], brands)
call, call_cpu = time.perf_counter() - t, time.process_time() - c
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
signers = [c["sha256"] for c in r.to_dict()["certificates"]]
print(json.dumps({"call": call, "call_cpu": call_cpu, "base_kb": base, "call_kb": peak - base,
                  "verdict": r.verdict, "signers": signers}))
"""

# The start-up floor of `fakeapp apk`: import what the command imports (CLI, the verifier, androguard's
# parsers), open the existing database as the command does (plain sqlite3), load the profile, exit; no APK.
IMPORTS_ONLY = r"""
import sys
from bot.cli import main
import bot.cli.apk, bot.record.apk_store
from bot.store.db import open_connection
from scanners.apk.androguard_lean import axml
from scanners.profile import load_profile
axml()
open_connection(sys.argv[1]).close()
load_profile(sys.argv[2])
print("{}")
"""

# androguard: APK(path) and the certificates; argv[2], if given, is a small APK for a warm-up call.
ANDROGUARD = r"""
import json, resource, sys, time
from loguru import logger
logger.disable("androguard")
from androguard.core.apk import APK
if len(sys.argv) > 2:
    APK(sys.argv[2]).get_certificates()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t, c = time.perf_counter(), time.process_time()
a = APK(sys.argv[1])
certs = [c.sha256_fingerprint.replace(" ", "").lower() for c in a.get_certificates()]
pkg = a.get_package()
call, call_cpu = time.perf_counter() - t, time.process_time() - c
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"call": call, "call_cpu": call_cpu, "base_kb": base, "call_kb": peak - base,
                  "verdict": pkg, "signers": certs}))
"""


def build_big_apk(out_dir: Path, size_mb: int, source: str, min_sdk: int) -> Path:
    """``source``'s content plus one stored random asset, aligned, signed with the official key as apksigner
    signs by default for its minSdk: v1+v2+v3 below 24, v2+v3 from 24."""
    target = out_dir / (f"big-{size_mb}mb.apk" if min_sdk < 24 else f"big-{size_mb}mb-sdk{min_sdk}.apk")
    if target.exists():
        return target
    for tool in ("zipalign", "apksigner"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed to build the benchmark APK (apt-get install {tool})")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.apk"
        with zipfile.ZipFile(APKS / source) as src, zipfile.ZipFile(raw, "w") as dst:
            for info in src.infolist():
                if not info.filename.startswith("META-INF/"):
                    dst.writestr(info, src.read(info))
            big = zipfile.ZipInfo("assets/market_data.bin", date_time=(1981, 1, 1, 1, 1, 2))
            big.compress_type = zipfile.ZIP_STORED
            with dst.open(big, "w", force_zip64=False) as w:
                remaining = size_mb * 1024 * 1024
                while remaining:
                    n = min(remaining, 1 << 20)
                    w.write(os.urandom(n))
                    remaining -= n
        aligned = Path(tmp) / "aligned.apk"
        subprocess.run(["zipalign", "-f", "4", str(raw), str(aligned)], check=True)
        v1 = "true" if min_sdk < 24 else "false"
        subprocess.run(
            [
                "apksigner", "sign", "--ks", str(KEYS / "official.p12"), "--ks-pass", f"pass:{PASS}",
                "--ks-key-alias", "official", "--key-pass", f"pass:{PASS}",
                "--v1-signing-enabled", v1, "--v2-signing-enabled", "true",
                "--v3-signing-enabled", "true",
                "--out", str(target), str(aligned),
            ],
            check=True,
        )  # fmt: skip
    Path(str(target) + ".idsig").unlink(missing_ok=True)
    return target


def measure(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    p = subprocess.run(
        [sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True, env=env, cwd=ROOT
    )
    res: dict[str, Any] = json.loads(p.stdout)
    if res["rc"] != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{res['err']}")
    return res


def last_json(out: str) -> dict[str, Any]:
    """The child's JSON result: the last line, or (``fakeapp apk --json``) the whole output."""
    lines = out.strip().splitlines()
    try:
        return dict(json.loads(lines[-1]))
    except ValueError:
        return dict(json.loads(out))


def result_text(name: str, run: dict[str, Any]) -> str:
    out = str(run["out"])
    if name == "imports":
        return "(imports only, no APK read)"
    if name == "apksigner":
        m = re.search(r"Signer #1 certificate SHA-256 digest: ([0-9a-f]+)", out)
        # exit code 0 (checked by measure) is apksigner's "verifies"
        return f"verifies, {m.group(1)[:12]}…" if m else "verifies"
    d = last_json(out)
    signers = d.get("signers") or [c["sha256"] for c in d.get("certificates", [])]
    return f"{d['verdict']}, {signers[0][:12]}…" if signers else str(d["verdict"])


def med(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(float(r[key]) for r in runs))


def sha256_pass(path: Path, runs: int) -> float:
    """Median time of one SHA-256 pass over the file, in this process (the floor of every hashing pass)."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        with open(path, "rb") as f:
            hashlib.file_digest(f, "sha256")
        times.append(time.perf_counter() - t)
    return statistics.median(times)


VARIANTS = (("official.apk", 21), ("official_v2v3.apk", 24))
PROCESS_ROWS = {
    "cmd": "`fakeapp apk FILE --json` (the command: CLI, database write)",
    "lib_once": "`analyse_apk(FILE)` in a fresh Python (library only)",
    "imports": "floor: a fresh Python that imports what `fakeapp apk` imports, opens the database, exits",
    "apksigner": "`apksigner verify --print-certs FILE`",
    "ag_once": "androguard `APK(FILE)` + certificates in a fresh Python",
}
WARM_ROWS = {"lib_warm": "`analyse_apk(FILE)`", "ag_warm": "androguard `APK(FILE)` + certificates"}


def commands(apk: Path, tmp: str) -> dict[str, list[str]]:
    py = sys.executable
    profile = str(ROOT / "data" / "brands.toml")
    small = str(APKS / "official.apk")
    script = Path(py).parent / "fakeapp"
    fakeapp = [str(script)] if script.exists() else [py, "-c", "from bot.cli import main; main()"]
    db = str(Path(tmp) / f"{apk.stem}.db")  # created by the warm-up run; each measured run updates its row
    return {
        "cmd": [*fakeapp, "apk", str(apk), "--json", "--db", db, "--config", profile],
        "lib_once": [py, "-c", PROJECT_ONCE, str(apk), profile],
        "imports": [py, "-c", IMPORTS_ONLY, db, profile],
        "apksigner": ["apksigner", "verify", "--print-certs", str(apk)],
        "ag_once": [py, "-c", ANDROGUARD, str(apk)],
        "lib_warm": [py, "-c", PROJECT_WARM, str(apk), profile, small],
        "ag_warm": [py, "-c", ANDROGUARD, str(apk), small],
    }


def run_all(apks: list[Path], runs: int, env: dict[str, str]) -> dict[Path, dict[str, list[dict[str, Any]]]]:
    """Every method on every APK, ``runs`` times, interleaved, after one warm-up round."""
    with tempfile.TemporaryDirectory(prefix="apk-bench-") as tmp:
        methods = {apk: commands(apk, tmp) for apk in apks}
        for per_apk in methods.values():  # warm-up: page cache, bytecode cache, the databases
            for cmd in per_apk.values():
                measure(cmd, env)
        results: dict[Path, dict[str, list[dict[str, Any]]]] = {
            apk: {name: [] for name in methods[apk]} for apk in apks
        }
        for _ in range(runs):
            for apk, per_apk in methods.items():
                for name, cmd in per_apk.items():
                    results[apk][name].append(measure(cmd, env))
    return results


def ok(met: bool) -> str:
    return "met" if met else "NOT met"


def report(apk: Path, results: dict[str, list[dict[str, Any]]]) -> None:
    size = apk.stat().st_size
    min_sdk = last_json(str(results["cmd"][0]["out"]))["min_sdk"]
    schemes = "v1+v2+v3" if min_sdk < 24 else "v2+v3"
    passes = 3 if min_sdk < 24 else 2
    why = (
        "the file's hash, the v2/v3 chunk digests, the v1 entry digests"
        if passes == 3
        else ("the file's hash, the v2/v3 chunk digests; from minSdk 24 Android and apksigner skip v1")
    )
    one_pass = sha256_pass(apk, 5)
    print(f"### {apk.name}: {size / 1e6:.1f} MB, signed {schemes}, minSdk {min_sdk}")
    print()
    print("Per process, start to exit (what a user waits for):")
    print()
    print("| method | wall | CPU | peak RSS | result |")
    print("|---|---|---|---|---|")
    for key, label in PROCESS_ROWS.items():
        runs = results[key]
        cells = [
            label,
            f"{med(runs, 'wall'):.3f} s",
            f"{med(runs, 'cpu'):.3f} s",
            f"{med(runs, 'rss_kb') / 1024:.1f} MB",
            result_text(key, runs[0]),
        ]
        print("| " + " | ".join(cells) + " |")
    print()
    print(
        "Per call in a warm process (imports done, a warm-up call on a small APK first), as the bot runs it:"
    )
    print()
    print("| method | call wall | call CPU | RSS before the call | added by the call | result |")
    print("|---|---|---|---|---|---|")
    inner: dict[str, list[dict[str, Any]]] = {}
    for key, label in WARM_ROWS.items():
        inner[key] = [last_json(str(r["out"])) for r in results[key]]
        cells = [
            label,
            f"{med(inner[key], 'call'):.3f} s",
            f"{med(inner[key], 'call_cpu'):.3f} s",
            f"{med(inner[key], 'base_kb') / 1024:.1f} MB",
            f"{med(inner[key], 'call_kb') / 1024:.1f} MB",
            result_text(key, results[key][0]),
        ]
        print("| " + " | ".join(cells) + " |")

    apksigner = med(results["apksigner"], "wall")
    cmd_wall, cmd_rss = med(results["cmd"], "wall"), med(results["cmd"], "rss_kb") / 1024
    floor_wall, floor_rss = med(results["imports"], "wall"), med(results["imports"], "rss_kb") / 1024
    call = med(inner["lib_warm"], "call")
    added = med(inner["lib_warm"], "call_kb") / 1024
    ratio_process, ratio_call = apksigner / cmd_wall, apksigner / call
    print()
    print(f"Goal: <= 0.3 s, <= 50 MB, >= 3x faster than apksigner ({apksigner:.3f} s)")
    print(
        f"- per call (the bot): {call:.3f} s {ok(call <= 0.3)}, {added:.1f} MB added {ok(added <= 50)}, "
        f"{ratio_call:.1f}x {ok(ratio_call >= 3)}"
    )
    print(
        f"- per process (`fakeapp apk`): {cmd_wall:.3f} s {ok(cmd_wall <= 0.3)}, {cmd_rss:.1f} MB "
        f"{ok(cmd_rss <= 50)}, {ratio_process:.2f}x {ok(ratio_process >= 3)} "
        f"(issue 11's goal, >= 1.5x: {ok(ratio_process >= 1.5)})"
    )
    print(
        f"- where the command's time goes: {floor_wall:.3f} s and {floor_rss:.1f} MB before any APK is read "
        f"(interpreter and imports); then {passes} SHA-256 passes over the file ({why}), "
        f"{one_pass:.3f} s each on one core here, spread over the cores"
    )
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--size-mb", type=int, default=150)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = ap.parse_args()
    apks = [build_big_apk(args.out, args.size_mb, source, sdk) for source, sdk in VARIANTS]
    pythonpath = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(pythonpath))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(args.out.resolve() / "pycache")
    load_before = os.getloadavg()
    results = run_all(apks, args.runs, env)
    load_after = os.getloadavg()
    print(f"{args.runs} runs each, medians; {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print()
    for apk in apks:
        report(apk, results[apk])


if __name__ == "__main__":
    main()
