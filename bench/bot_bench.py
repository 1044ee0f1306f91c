"""Benchmark: button presses through the fake Bot API server against a large case database.

1,000 presses from 20 users (each pressing, waiting for the answer, pressing again) on a database of
100,000 listings and 10,000 cases, with ``fakeapp bot`` running as a user runs it. Reports presses per
second and the handling time of a press (from the update reaching the server to the bot's answer).

    .venv/bin/python bench/bot_bench.py [--presses 1000] [--users 20] [--listings 100000] [--cases 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bot.store.db import open_db
from bot.telegram.fake_api import FakeTelegram

TOKEN = "123456789:AAFakeTokenForBenchOnly_abcdefghijkl"
CHAT = -1009990001
USERS = list(range(5001, 5021))
ACTIONS = ("confirm", "fp", "takedown", "confirm", "resolve")


def seed(db_path: Path, n_listings: int, n_cases: int, fake: FakeTelegram) -> None:
    db = open_db(db_path)
    now = "2026-11-01T00:00:00+00:00"
    reasons = json.dumps(
        [{"code": "name", "points": 60, "zh": "名稱相同", "en": "same name"}], ensure_ascii=False
    )
    rng = random.Random(7)
    with db.conn:
        db.conn.executemany(
            "INSERT INTO listings (key, store, app_id, brand, title, developer, verdict, score, reasons,"
            " first_seen, last_seen, present) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            (
                (
                    f"google_play:com.bench.app{i}",
                    "google_play",
                    f"com.bench.app{i}",
                    "huayue",
                    f"華岳證券 {i}",
                    f"Dev {i}",
                    "impersonation" if i < n_cases else "unrelated",
                    rng.randint(0, 100),
                    reasons if i < n_cases else "[]",
                    now,
                    now,
                )
                for i in range(n_listings)
            ),
        )
        db.conn.executemany(
            "INSERT INTO cases (id, kind, listing_key, brand, store, app_id, title, developer, url, verdict,"
            " score, reasons, state, takedown, police, listed, opened_at, updated_at, takedown_at,"
            " takedown_ref,"
            " takedown_store, police_no, police_agency, police_at, assignee, resolution, closed_at)"
            " VALUES (?, 'listing', ?, 'huayue', 'google_play', ?, ?, ?, '', 'impersonation', 80, ?, 'new',"
            " 'none', 'none', 1, ?, ?, '', '', '', '', '', '', '', '', '')",
            (
                (
                    i + 1,
                    f"google_play:com.bench.app{i}",
                    f"com.bench.app{i}",
                    f"華岳證券 {i}",
                    f"Dev {i}",
                    reasons,
                    now,
                    now,
                )
                for i in range(n_cases)
            ),
        )
        db.conn.executemany(
            "INSERT INTO case_events (case_id, at, actor, action, field, old, new, reason)"
            " VALUES (?, ?, 'scan', 'open', 'state', '', 'new', '')",
            ((i + 1, now) for i in range(n_cases)),
        )
    # Each case's alert message exists in the chat (sent before the benchmark).
    rows = []
    for i in range(n_cases):
        mid = fake.add_message(CHAT, f"case {i + 1}")
        rows.append((i + 1, str(CHAT), mid, "alert", now))
    with db.conn:
        db.conn.executemany(
            "INSERT INTO case_messages (case_id, chat_id, message_id, kind, at) VALUES (?, ?, ?, ?, ?)", rows
        )
    db.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--presses", type=int, default=1000)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--listings", type=int, default=100_000)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument(
        "--rate",
        type=float,
        action="append",
        default=None,
        help="FAKEAPP_TG_RATE (requests/s); repeatable (default: 30, as against Telegram, and 100000)",
    )
    args = ap.parse_args()
    rows = [run(args, rate) for rate in (args.rate or [30.0, 100_000.0])]
    print(
        f"database: {args.listings:,} listings, {args.cases:,} cases; {args.presses:,} presses from "
        f"{args.users} users, each waiting for its answer before the next press"
    )
    head = ["rate limit (req/s)", "presses/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "edits", "wall s"]
    print(" | ".join(head))
    print(" | ".join("-" * len(h) for h in head))
    for r in rows:
        print(" | ".join(str(x) for x in r))


def run(args: argparse.Namespace, rate: float) -> list[object]:
    users = USERS[: args.users]
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram(token=TOKEN) as fake:
        db_path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        seed(db_path, args.listings, args.cases, fake)
        seed_s = time.perf_counter() - t0
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKEAPP_", "TELEGRAM_"))}
        env.update(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": fake.url,
                "FAKEAPP_DB": str(db_path),
                "FAKEAPP_CHAT_ID": str(CHAT),
                "FAKEAPP_ANALYSTS": ",".join(map(str, users)),
                "FAKEAPP_OUTBOX_INTERVAL": "1",
                "FAKEAPP_TG_GROUP_RATE": "100000",
                "FAKEAPP_TG_RATE": str(rate),
            }
        )
        log = open(Path(tmp) / "bot.log", "wb")  # noqa: SIM115
        fakeapp = str(Path(sys.executable).parent / "fakeapp")
        proc = subprocess.Popen([fakeapp, "bot"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            if not fake.wait_for(lambda: len(fake.ok_calls("setMyCommands")) >= 2, timeout=60):
                raise SystemExit("bot did not start: " + (Path(tmp) / "bot.log").read_text()[-2000:])
            per_user = args.presses // len(users)
            latencies: list[float] = []
            lock = threading.Lock()

            def user(uid: int) -> None:
                rng = random.Random(uid)
                for _ in range(per_user):
                    case_id = rng.randint(1, args.cases)
                    cq = fake.press(uid, CHAT, case_id, f"c:{case_id}:{rng.choice(ACTIONS)}")
                    fake.wait_for(lambda q=cq: q in fake.answered, timeout=60, interval=0.001)
                    with lock:
                        latencies.append(fake.answered[cq]["t"] - fake.pushed[cq])

            t1 = time.perf_counter()
            threads = [threading.Thread(target=user, args=(u,)) for u in users]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            wall = time.perf_counter() - t1
            # The edited alert messages drain through the outbox afterwards.
            t2 = time.perf_counter()
            fake.wait_for(lambda: not _pending(db_path), timeout=120, interval=0.2)
            drain = time.perf_counter() - t2
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            log.close()
        q = statistics.quantiles(latencies, n=100)
        edits = len(fake.ok_calls("editMessageText"))
        print(
            f"  rate {rate:g}: seeded in {seed_s:.1f} s; outbox drained {drain:.1f} s after the last press",
            file=sys.stderr,
        )
        return [
            f"{rate:g}",
            f"{len(latencies) / wall:.1f}",
            f"{q[49] * 1000:.1f}",
            f"{q[94] * 1000:.1f}",
            f"{q[98] * 1000:.1f}",
            f"{max(latencies) * 1000:.1f}",
            f"{edits:,}",
            f"{wall:.1f}",
        ]


def _pending(db_path: Path) -> bool:
    db = open_db(db_path, migrate=False)
    try:
        return bool(
            list(
                db.query(
                    "SELECT 1 FROM outbox WHERE status IN ('pending', 'sending')"
                    " AND kind = 'case_edit' LIMIT 1"
                )
            )
        )
    finally:
        db.close()


if __name__ == "__main__":
    main()
