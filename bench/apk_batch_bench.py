"""Batch APK check benchmark: a folder of 60 small signed APKs checked by one ``fakeapp apk DIR --json``
process, against ``apksigner verify --print-certs`` run once per file (what a team scripts today).

    .venv/bin/python bench/apk_batch_bench.py [--runs 3] [--count 60] [--out bench/out]

The folder (built once under OUT/batch-N, not committed) holds N distinct APKs made here from the test
corpus: each app's entries plus a one-line asset naming the sample, zipaligned and signed by apksigner with
one of four keys (official, debug, impostor, unrelated), as apksigner signs by default for the app's minSdk
(v1+v2+v3 for minSdk 21, v2+v3 for 24). Side by side in one run, interleaved, medians: the whole ``fakeapp``
process, start to exit, with a fresh database each run (a team's first look at the folder); and apksigner
once per file, sequentially. Both must agree on every file (verifies, same signer). Goal (issue 11):
``fakeapp`` at least 10x faster.
"""

from __future__ import annotations

import argparse
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

ROOT = Path(__file__).resolve().parent.parent
APKS = ROOT / "tests" / "apks"
KEYS = APKS / "keys"
PASS = "fakeapp-test"
SOURCES = ("official.apk", "official_v2v3.apk", "repackaged.apk", "impostor.apk", "unrelated.apk")
SIGNERS = ("official", "debug", "impostor", "unrelated")


def build_folder(out: Path, count: int) -> Path:
    """``count`` distinct signed APKs in OUT/batch-COUNT (kept between runs)."""
    folder = out / f"batch-{count}"
    if folder.is_dir() and len(list(folder.glob("*.apk"))) == count:
        return folder
    for tool in ("zipalign", "apksigner"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed to build the benchmark APKs (apt-get install {tool})")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            source = SOURCES[i % len(SOURCES)]
            key = SIGNERS[(i // len(SOURCES)) % len(SIGNERS)]
            raw, aligned = Path(tmp) / "raw.apk", Path(tmp) / "aligned.apk"
            with zipfile.ZipFile(APKS / source) as src, zipfile.ZipFile(raw, "w") as dst:
                for info in src.infolist():
                    if not info.filename.startswith("META-INF/"):
                        dst.writestr(info, src.read(info))
                dst.writestr("assets/sample.txt", f"sample {i} from {source}\n")
            subprocess.run(["zipalign", "-f", "4", str(raw), str(aligned)], check=True)
            target = folder / f"sample-{i:03d}-{Path(source).stem}-{key}.apk"
            subprocess.run(
                ["apksigner", "sign", "--ks", str(KEYS / f"{key}.p12"), "--ks-pass", f"pass:{PASS}",
                 "--ks-key-alias", key, "--key-pass", f"pass:{PASS}", "--v4-signing-enabled", "false",
                 "--out", str(target), str(aligned)],
                check=True,
            )  # fmt: skip
    return folder


def run_fakeapp(folder: Path, env: dict[str, str]) -> tuple[float, list[dict[str, object]]]:
    script = Path(sys.executable).parent / "fakeapp"
    fakeapp = [str(script)] if script.exists() else [sys.executable, "-c", "from bot.cli import main; main()"]
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp:
        cmd = [*fakeapp, "apk", str(folder), "--json", "--db", str(Path(tmp) / "t.db"),
               "--config", str(ROOT / "data" / "brands.toml")]  # fmt: skip
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
        wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"fakeapp failed ({p.returncode}): {p.stderr[-2000:]}")
    return wall, [json.loads(line) for line in p.stdout.splitlines()]


def run_apksigner(files: list[Path]) -> tuple[float, dict[str, str | None]]:
    """apksigner once per file; file name -> signer SHA-256 (None: does not verify)."""
    results: dict[str, str | None] = {}
    t = time.perf_counter()
    for f in files:
        p = subprocess.run(["apksigner", "verify", "--print-certs", str(f)], capture_output=True, text=True)
        m = re.search(r"^Signer #1 certificate SHA-256 digest: ([0-9a-f]{64})$", p.stdout, re.M)
        results[f.name] = m.group(1) if p.returncode == 0 and m else None
    return time.perf_counter() - t, results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--count", type=int, default=60)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = ap.parse_args()
    if shutil.which("apksigner") is None:
        sys.exit("apksigner is needed (apt-get install apksigner)")
    folder = build_folder(args.out, args.count)
    files = sorted(folder.rglob("*.apk"))
    size = sum(f.stat().st_size for f in files)
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(args.out.resolve() / "pycache")
    run_fakeapp(folder, env)  # warm-up: page cache, bytecode cache
    run_apksigner(files[:3])
    load_before = os.getloadavg()
    ours: list[float] = []
    theirs: list[float] = []
    rows: list[dict[str, object]] = []
    oracle: dict[str, str | None] = {}
    for _ in range(args.runs):
        wall, rows = run_fakeapp(folder, env)
        ours.append(wall)
        wall, oracle = run_apksigner(files)
        theirs.append(wall)
    load_after = os.getloadavg()

    agree = 0
    for row in rows:
        name = Path(str(row["input"])).name
        certs = row.get("certificates") or []
        signer = certs[0]["sha256"] if row.get("signature_verified") and certs else None  # type: ignore[index]
        agree += signer == oracle.get(name)
    verdicts: dict[str, int] = {}
    for row in rows:
        verdicts[str(row["verdict"])] = verdicts.get(str(row["verdict"]), 0) + 1
    ours_med, theirs_med = statistics.median(ours), statistics.median(theirs)
    ratio = theirs_med / ours_med
    print(
        f"{args.runs} runs each, interleaved, medians; {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(f"folder: {len(files)} APKs, {size / 1e6:.2f} MB in all ({folder.name})")
    print()
    print("| method | wall | per APK |")
    print("|---|---|---|")
    print(f"| `fakeapp apk DIR --json` (one process, fresh database) | {ours_med:.2f} s | "
          f"{ours_med / len(files) * 1000:.0f} ms |")  # fmt: skip
    print(f"| `apksigner verify --print-certs FILE`, once per file | {theirs_med:.2f} s | "
          f"{theirs_med / len(files) * 1000:.0f} ms |")  # fmt: skip
    print()
    print(f"verdicts: {', '.join(f'{k} {v}' for k, v in sorted(verdicts.items()))}")
    print(f"agreement with apksigner (verifies, same signer): {agree}/{len(rows)}")
    print(f"Goal: >= 10x faster than apksigner per file: {ratio:.1f}x {'met' if ratio >= 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
