"""APK check benchmark: this project's full verified verdict vs ``apksigner verify --print-certs`` vs
androguard ``APK(path)`` with certificate extraction, on a ~150 MB signed APK built here (not committed).

    .venv/bin/python bench/apk_bench.py [--runs 5] [--size-mb 150] [--out bench/out]

Every measurement runs in a fresh child process; its peak memory is the child's ``ru_maxrss`` (read by a
small wrapper process, so each figure belongs to one run). For the Python methods the call itself is also
timed inside the child (imports excluded, after a warm-up call on a small APK, as in the long-running bot),
with the memory the call adds on top of the interpreter and its imports. Goal: verdict <= 0.3 s median,
<= 50 MB, >= 3x faster than apksigner.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APKS = ROOT / "tests" / "apks"
KEYS = APKS / "keys"
PASS = "fakeapp-test"

# Runs inside the wrapper: start the command, wait, print the child's wall time and peak RSS as JSON.
WRAPPER = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True)
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
rss, cpu = ru.ru_maxrss, ru.ru_utime + ru.ru_stime
out, err = p.stdout.decode(errors="replace")[-2000:], p.stderr.decode(errors="replace")[-2000:]
print(json.dumps({"wall": wall, "cpu": cpu, "rss_kb": rss, "rc": p.returncode, "out": out, "err": err}))
"""

# The project's verdict as the library gives it to `fakeapp apk` and the bot (brands prepared only if needed).
PROJECT = r"""
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

ANDROGUARD = r"""
import json, resource, sys, time
from loguru import logger
logger.disable("androguard")
from androguard.core.apk import APK
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t, c = time.perf_counter(), time.process_time()
a = APK(sys.argv[1])
certs = [c.sha256_fingerprint for c in a.get_certificates()]
pkg = a.get_package()
call, call_cpu = time.perf_counter() - t, time.process_time() - c
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"call": call, "call_cpu": call_cpu, "base_kb": base, "call_kb": peak - base,
                  "verdict": pkg, "signers": certs}))
"""


def build_big_apk(out_dir: Path, size_mb: int) -> Path:
    """official.apk's content plus one stored random asset, aligned, signed v1+v2+v3 with the official key."""
    target = out_dir / f"big-{size_mb}mb.apk"
    if target.exists():
        return target
    for tool in ("zipalign", "apksigner"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed to build the benchmark APK (apt-get install {tool})")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.apk"
        with zipfile.ZipFile(APKS / "official.apk") as src, zipfile.ZipFile(raw, "w") as dst:
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
        subprocess.run(
            [
                "apksigner", "sign", "--ks", str(KEYS / "official.p12"), "--ks-pass", f"pass:{PASS}",
                "--ks-key-alias", "official", "--key-pass", f"pass:{PASS}",
                "--v1-signing-enabled", "true", "--v2-signing-enabled", "true",
                "--v3-signing-enabled", "true",
                "--out", str(target), str(aligned),
            ],
            check=True,
        )  # fmt: skip
    Path(str(target) + ".idsig").unlink(missing_ok=True)
    return target


def measure(cmd: list[str], env: dict[str, str]) -> dict[str, object]:
    p = subprocess.run(
        [sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True, env=env, cwd=ROOT
    )
    res = json.loads(p.stdout)
    if res["rc"] != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{res['err']}")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size-mb", type=int, default=150)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = ap.parse_args()
    apk = build_big_apk(args.out, args.size_mb)
    pythonpath = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(pythonpath))
    py = sys.executable
    profile = str(ROOT / "data" / "brands.toml")
    small = APKS / "official.apk"
    methods = {
        "fakeapp analyse_apk (full verdict)": [py, "-c", PROJECT, str(apk), profile, str(small)],
        "apksigner verify --print-certs": ["apksigner", "verify", "--print-certs", str(apk)],
        "androguard APK(path) + certificates": [py, "-c", ANDROGUARD, str(apk)],
    }
    # one warm-up run each (page cache, JIT-less JVM start), then the measured runs, interleaved
    for cmd in methods.values():
        measure(cmd, env)
    results: dict[str, list[dict[str, object]]] = {name: [] for name in methods}
    for _ in range(args.runs):
        for name, cmd in methods.items():
            results[name].append(measure(cmd, env))
    size = apk.stat().st_size
    print(f"APK: {apk.name}, {size / 1e6:.1f} MB, v1+v2+v3, {args.runs} runs each, median "
          f"({os.cpu_count()} CPUs, Python {sys.version.split()[0]})")  # fmt: skip
    print()
    cols = [
        "method",
        "process wall",
        "process CPU",
        "process peak RSS",
        "call wall",
        "call CPU",
        "RSS after imports",
        "call extra RSS",
    ]
    print("| " + " | ".join([*cols, "result"]) + " |")
    print("|---" * (len(cols) + 1) + "|")
    walls: dict[str, float] = {}
    for name, runs in results.items():
        wall = statistics.median(float(r["wall"]) for r in runs)  # type: ignore[arg-type]
        rss = statistics.median(int(r["rss_kb"]) for r in runs) / 1024  # type: ignore[call-overload]
        cpu = statistics.median(float(r["cpu"]) for r in runs)  # type: ignore[arg-type]
        walls[name] = wall
        walls[name + " cpu"] = cpu
        call = call_cpu = extra = base = "-"
        result = ""
        if "call" in str(runs[0]["out"]):
            inner = [json.loads(str(r["out"]).strip().splitlines()[-1]) for r in runs]
            call_s = statistics.median(i["call"] for i in inner)
            walls[name + " call"] = call_s
            call = f"{call_s:.3f} s"
            call_cpu_s = statistics.median(i["call_cpu"] for i in inner)
            walls[name + " call cpu"] = call_cpu_s
            call_cpu = f"{call_cpu_s:.3f} s"
            extra = f"{statistics.median(i['call_kb'] for i in inner) / 1024:.1f} MB"
            base = f"{statistics.median(i['base_kb'] for i in inner) / 1024:.1f} MB"
            result = f"{inner[0]['verdict']}, {inner[0]['signers'][0][:12]}…" if inner[0]["signers"] else ""
        else:
            out = str(runs[0]["out"])
            verifies = "Verifies" in out or "certificate SHA-256" in out
            result = "verifies" if verifies else "?"
        cells = [name, f"{wall:.3f} s", f"{cpu:.3f} s", f"{rss:.1f} MB", call, call_cpu, base, extra, result]
        print("| " + " | ".join(cells) + " |")
    ours = walls.get("fakeapp analyse_apk (full verdict) call")
    theirs = walls["apksigner verify --print-certs"]
    if ours:
        print()
        whole = walls["fakeapp analyse_apk (full verdict)"]
        theirs_cpu = walls["apksigner verify --print-certs cpu"]
        ours_cpu = walls["fakeapp analyse_apk (full verdict) call cpu"]
        print(f"apksigner process / fakeapp verdict call: wall {theirs / ours:.1f}x, "
              f"CPU {theirs_cpu / ours_cpu:.1f}x")  # fmt: skip
        print(f"apksigner process / fakeapp process (imports included): wall {theirs / whole:.1f}x")
        load = os.getloadavg()[0]
        print(f"load average at the end: {load:.2f} (other processes share the {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
