"""``fakeapp apk`` and ``bot.record.apk_store``: human and JSON output, SQLite row, file seen again, links."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from bot.cli import main
from bot.record.apk_store import ApkInputError, analyse_and_store, get_analysis
from scanners.profile import load_profile

ROOT = Path(__file__).resolve().parent.parent
APKS = ROOT / "tests" / "apks"
CONFIG = ROOT / "data" / "brands.toml"


def run(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["apk", *args, "--db", str(tmp_path / "t.db"), "--config", str(CONFIG)])
    # The verdict is on stdout; stderr has errors, and "Created database …" the first time.
    return result.exit_code, result.stdout if result.exit_code == 0 else result.stderr


@pytest.fixture(scope="module")
def apk_server() -> Iterator[str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.startswith("/go/"):
                self.send_response(302)
                self.send_header("Location", "/" + self.path.removeprefix("/go/"))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            super().do_GET()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(APKS)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_human_output_official(tmp_path: Path) -> None:
    code, out = run(tmp_path, str(APKS / "official.apk"))
    assert code == 0, out
    assert out.startswith("OFFICIAL")
    assert "華岳e把罩 (tw.com.huayuesec.trade) 4.1.2 (412)" in out
    assert "Signature: verified  [v1 verified, v2 verified, v3 verified, v3.1 -]" in out
    assert "b8cd0900fb5f91892e6cfa0ddbe77f0ec1f3cd792aa77373ba28e4341af75ff7" in out
    assert "First time this file is seen." in out


def test_json_output_db_row_and_seen_again(tmp_path: Path) -> None:
    code, out = run(tmp_path, str(APKS / "repackaged.apk"), "--json")
    assert code == 0, out
    d = json.loads(out)
    assert d["verdict"] == "repackaged"
    assert d["first_time"] is True and d["times_seen"] == 1
    assert d["certificates"][0]["subject"] == "CN=Android Debug, O=Android, C=US"
    db = sqlite_utils.Database(tmp_path / "t.db")
    row = db["apk_analyses"].get(d["sha256"])
    assert row["verdict"] == "repackaged"
    assert row["package"] == "tw.com.huayuesec.trade"
    assert row["label"] == "華岳e把罩"
    assert row["version_code"] == 412
    assert row["source"] == "repackaged.apk"
    assert row["brand"] == "huayue"
    assert json.loads(row["certificates"])[0]["sha256"] == d["certificates"][0]["sha256"]
    assert json.loads(row["report"])["verdict"] == "repackaged"
    db.close()

    code, out = run(tmp_path, str(APKS / "repackaged.apk"))
    assert code == 0
    from bot.core.clock import local_time

    assert f"Seen before on {local_time(row['first_seen'])} (2 times in all)." in out  # in the zone
    d2 = json.loads(run(tmp_path, str(APKS / "repackaged.apk"), "--json")[1])
    assert (d2["first_time"], d2["times_seen"], d2["first_seen"]) == (False, 3, row["first_seen"])


def test_permissions_added_after_the_official_build_was_seen(tmp_path: Path) -> None:
    run(tmp_path, str(APKS / "official.apk"))
    d = json.loads(run(tmp_path, str(APKS / "repackaged.apk"), "--json")[1])
    added = next(i for i in d["risk"]["indicators"] if i["code"] == "permissions_added")
    assert "android.permission.READ_SMS" in added["detail"]


def test_invalid_file_is_a_verdict_not_an_error(tmp_path: Path) -> None:
    code, out = run(tmp_path, str(APKS / "random.apk"), "--json")
    assert code == 0
    d = json.loads(out)
    assert d["verdict"] == "invalid"
    assert d["reasons"][0]["code"] == "not_an_apk"


def test_brand_option(tmp_path: Path) -> None:
    d = json.loads(run(tmp_path, str(APKS / "official.apk"), "--json", "--brand", "ruifeng")[1])
    assert d["verdict"] == "unrelated"  # judged against 瑞豐 only
    code, out = run(tmp_path, str(APKS / "official.apk"), "--brand", "nosuch")
    assert code == 1 and "no brand with id 'nosuch'" in out and "Traceback" not in out


def test_missing_file_one_line_error(tmp_path: Path) -> None:
    code, out = run(tmp_path, str(tmp_path / "nothere.apk"))
    assert code == 1
    assert out.strip().count("\n") == 0 and "no such file" in out


def test_size_cap_for_files(tmp_path: Path) -> None:
    big = tmp_path / "big.apk"
    big.write_bytes(b"\0" * (1024 * 1024 + 1))
    code, out = run(tmp_path, str(big), "--max-size", "1")
    assert code == 1 and "larger than the limit" in out


def test_link_fetched_and_judged(tmp_path: Path, apk_server: str) -> None:
    url = f"{apk_server}/go/impostor.apk"
    code, out = run(tmp_path, url, "--json", "--allow-private-urls")
    assert code == 0, out
    d = json.loads(out)
    assert d["verdict"] == "impostor"
    assert d["file"] == "impostor.apk"
    # the hash fetch computed while streaming is the file's (analyse_apk does not hash it again)
    assert d["sha256"] == hashlib.sha256((APKS / "impostor.apk").read_bytes()).hexdigest()
    db = sqlite_utils.Database(tmp_path / "t.db")
    assert db["apk_analyses"].get(d["sha256"])["source"] == url
    db.close()


def test_link_to_loopback_refused_by_default(tmp_path: Path, apk_server: str) -> None:
    code, out = run(tmp_path, f"{apk_server}/official.apk")
    assert code == 1
    assert "loopback" in out and "Traceback" not in out


def test_library_analyse_and_store(db: sqlite_utils.Database, apk_server: str) -> None:
    profile = load_profile(CONFIG)
    report, first = analyse_and_store(db, APKS / "official_rotated.apk", profile)
    assert (report.verdict, first) == ("official", True)
    report2, first2 = analyse_and_store(
        db, f"http://user:secret@127.0.0.1:{apk_server.rsplit(':', 1)[1]}/official_rotated.apk", profile,
        allow_private=True,
    )  # fmt: skip
    assert (report2.sha256, first2) == (report.sha256, False)
    row = get_analysis(db, report.sha256)
    assert row is not None and row.times_seen == 2
    assert all("secret" not in s for s in row.sources)  # credentials in a link never reach the database
    with pytest.raises(ApkInputError, match="no such file"):
        analyse_and_store(db, APKS / "nothere.apk", profile)


# Runs `fakeapp apk` in a fresh interpreter as the console script does, then reports what got imported.
LEAN_PROBE = """
import json, sys
from bot.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    sys.stdout.flush()
    mods = ("requests", "numpy", "pandas", "scanners.judging.names", "sqlite_utils", "androguard.core.axml")
    print(json.dumps({m: m in sys.modules for m in mods}))
"""


def _probe(tmp_path: Path, *args: str) -> tuple[dict[str, object], dict[str, bool]]:
    p = subprocess.run(
        [sys.executable, "-c", LEAN_PROBE, "apk", *args, "--json", "--db", str(tmp_path / "t.db"),
         "--config", str(CONFIG)],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    out, _, last = p.stdout.rstrip().rpartition("\n")
    return json.loads(out), json.loads(last)


def test_local_official_apk_loads_only_what_the_verdict_needs(tmp_path: Path) -> None:
    """A local file needs no HTTP stack; a certificate-decided verdict no name/icon machinery; sqlite-utils
    is loaded without numpy (bot/cli/startup.py). Each costs tens of ms and MB at every run."""
    report, mods = _probe(tmp_path, str(APKS / "official.apk"))
    assert report["verdict"] == "official"
    assert mods["sqlite_utils"] and mods["androguard.core.axml"]
    assert not mods["requests"] and not mods["numpy"] and not mods["pandas"]
    assert not mods["scanners.judging.names"]


def test_icon_hashing_works_after_the_lean_start_without_numpy(tmp_path: Path) -> None:
    """An impostor needs the name and icon signals: they run, and the icon is hashed, without numpy
    (scanners/judging/icons.py computes pHash itself)."""
    report, mods = _probe(tmp_path, str(APKS / "impostor.apk"))
    assert report["verdict"] == "impostor"
    assert mods["scanners.judging.names"]  # the name/icon signals ran
    assert not mods["numpy"]
    assert report["icon"]["hash"]


def test_download_cap_default_matches_fetch() -> None:
    from bot.record import apk_store
    from scanners.apk import fetch

    assert apk_store.DEFAULT_MAX_SIZE == fetch.DEFAULT_MAX_SIZE
