"""Evidence packs read back: manifest hashes, the summary's facts (escaped), removed listings, APKs, CLI."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from bot.cases.actions import Actor
from bot.casework import evidence
from bot.cli import main
from bot.core.media import MediaGuard
from bot.desk import cases
from bot.record import screenshots
from scanners.profile import load_profile
from tests.conftest import DATA, HOOKS
from tests.scanrows import listing, write_scan

ANALYST = Actor("tg:1001", "@alice")
HOSTILE_TITLE = '華岳證券<script>alert("x")</script>\u202eVIP'
HOSTILE_DEV = "Huayue <b>Official</b> & Co"
ICON = (DATA / "icons" / "huayue.png").read_bytes()


def _png(color: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 80), color).save(buf, format="PNG")
    return buf.getvalue()


SHOT = _png("red")


@pytest.fixture
def profile():
    return load_profile(DATA / "brands.toml")


def _snapshot(db, key: str, at: str, raw: str, kind: str = "details") -> None:
    data = raw.encode("utf-8")
    db["listing_snapshots"].insert(
        {
            "listing_key": key,
            "scan_id": 1,
            "at": at,
            "kind": kind,
            "sha256": hashlib.sha256(data).hexdigest(),
            "raw_gz": gzip.compress(data),
        }
    )


RAW_V1 = '{"trackId": 1, "trackName": "華岳證券 VIP", "artistName": "Huayue Invest"}'
RAW_V2 = "<html><body><h1>華岳證券<script>alert(1)</script></h1></body></html>"


def _seed(db, profile) -> tuple[int, str]:
    """A fake found, its raw responses and icon kept, confirmed, takedown requested, then gone."""
    fake = listing(
        "com.fake.huayue",
        title=HOSTILE_TITLE,
        developer=HOSTILE_DEV,
        developer_email="scam@example.net",
        developer_legal_name="Huayue Invest Ltd",
        developer_address="Somewhere 1",
        version="1.0.2",
    )
    cid = cases.sync_from_scan(db, write_scan(db, [fake]), profile).opened[0]
    key = fake["key"]
    _snapshot(db, key, "2026-11-20T01:00:00+00:00", RAW_V1, "search")
    _snapshot(db, key, "2026-11-20T02:00:00+00:00", RAW_V2)
    db["listing_media"].insert(
        {
            "listing_key": key,
            "at": "2026-11-20T01:00:00+00:00",
            "kind": "icon",
            "url": "https://example.invalid/icon.png",
            "sha256": hashlib.sha256(ICON).hexdigest(),
            "content_type": "image/png",
            "data": ICON,
        }
    )
    db["listing_history"].insert(
        {"listing_key": key, "scan_id": 1, "at": "2026-11-20T02:00:00+00:00", "field": "title",
         "old": "華岳證券", "new": HOSTILE_TITLE}
    )  # fmt: skip
    cases.confirm(db, cid, ANALYST, hooks=HOOKS)
    cases.request_takedown(db, cid, ANALYST, "GP-7781", hooks=HOOKS)
    gone = {**fake, "present": 0, "removed_at": "2026-11-22T00:00:00+00:00"}
    res = cases.sync_from_scan(db, write_scan(db, [gone], changes={key: "vanished"}), profile)
    assert res.removed == [cid]
    return cid, key


def _read(data: bytes) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        files = {n: z.read(n) for n in z.namelist()}
    return json.loads(files["manifest.json"]), files


def test_pack_verifies_and_keeps_evidence_of_a_removed_listing(db, profile):
    cid, key = _seed(db, profile)
    row = next(db.query("SELECT present FROM listings WHERE key = ?", [key]))
    assert row["present"] == 0  # the store no longer lists it
    pack = evidence.make_pack(db, cid, ANALYST, brand_name="華岳證券")
    manifest, files = _read(pack.data)

    # Every manifest entry exists with that hash, and nothing is in the ZIP that the manifest does not name.
    names = {e["name"] for e in manifest["files"]}
    assert names | {"manifest.json"} == set(files)
    for entry in manifest["files"]:
        assert hashlib.sha256(files[entry["name"]]).hexdigest() == entry["sha256"]
        assert len(files[entry["name"]]) == entry["size"]
    assert manifest["generated_by"] == "tg:1001 @alice" and manifest["case_id"] == cid
    assert manifest["generated_at"].startswith("20")

    # Raw responses of every version, decompressed, byte for byte; the icon as stored.
    raws = sorted(n for n in files if n.startswith("raw/"))
    assert [files[n].decode() for n in raws] == [RAW_V1, RAW_V2]
    assert raws[0].endswith(".json") and raws[1].endswith(".html")
    icons = [n for n in files if n.startswith("media/icon")]
    assert len(icons) == 1 and files[icons[0]] == ICON and icons[0].endswith(".png")

    # The summary names the case's facts and escapes every store string.
    summary = files["summary.html"].decode()
    assert f"案件 #{cid}" in summary and "華岳證券" in summary
    assert "com.fake.huayue" in summary and "scam@example.net" in summary and "Huayue Invest Ltd" in summary
    assert "GP-7781" in summary and "已下架" in summary
    assert "<script>" not in summary and "&lt;script&gt;" in summary
    assert "<b>Official</b>" not in summary and "Huayue &lt;b&gt;Official&lt;/b&gt; &amp; Co" in summary
    assert "名稱與「華岳證券」相同" in summary  # the reasons
    for entry in manifest["files"]:
        if entry["name"] != "summary.html":
            assert entry["sha256"] in summary  # the printed page lists every other file's hash

    timeline = json.loads(files["timeline.json"])
    assert [e["action"] for e in timeline if e["field"] in ("state", "takedown")][:3] == [
        "open",
        "confirm",
        "takedown",
    ]
    assert any(e["action"] == "removed" for e in timeline)
    assert json.loads(files["listing.json"])["title"] == HOSTILE_TITLE
    assert evidence.verify_pack(pack.data) == []


def test_generation_is_on_the_timeline_with_the_pack_hash(db, profile):
    cid, _ = _seed(db, profile)
    pack = evidence.make_pack(db, cid, ANALYST)
    events = [e for e in cases.timeline(db, cid) if e.action == "evidence"]
    assert len(events) == 1
    assert events[0].actor == "tg:1001 @alice"
    assert pack.sha256 in events[0].reason and pack.manifest_sha256 in events[0].reason
    assert db["evidence_packs"].count == 1
    # A second pack includes the first generation in its own timeline.
    _, files = _read(evidence.make_pack(db, cid, ANALYST).data)
    assert any(e["action"] == "evidence" for e in json.loads(files["timeline.json"]))


def test_tampered_pack_does_not_verify(db, profile):
    cid, _ = _seed(db, profile)
    pack = evidence.build_pack(db, cid, generated_by="cli:test")
    _, files = _read(pack.data)
    raw_name = next(n for n in files if n.startswith("raw/"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data + b"x" if name == raw_name else data)
        z.writestr("extra.txt", b"planted")
    problems = evidence.verify_pack(buf.getvalue())
    assert f"{raw_name}: SHA-256 differs from the manifest" in problems
    assert "extra.txt: not in the manifest" in problems
    assert evidence.verify_pack(b"not a zip") == ["not a ZIP file"]


def _apk_table(db) -> None:
    """The APK analyses table (migration m003 of the APK work); created here only if it has not landed."""
    if "apk_analyses" not in db.table_names():
        db["apk_analyses"].create(
            {"sha256": str, "verdict": str, "certificates": str, "report": str, "source": str}, pk="sha256"
        )


def test_apk_case_pack_has_hashes_and_certificates(db, profile):
    _apk_table(db)
    sha = "ab" * 32
    cert = "cd" * 32
    certs = [{"sha256": cert, "subject": "CN=<Huayue>", "issuer": "CN=<Huayue>"}]
    cols = set(db["apk_analyses"].columns_dict)
    row = {
        "sha256": sha,
        "verdict": "impostor",
        "certificates": json.dumps(certs),
        "report": json.dumps({"sha256": sha, "package": "tw.com.huayuesec.trade", "certificates": certs}),
        "source": "https://evil.example/huayue.apk",
    }
    db["apk_analyses"].insert({k: v for k, v in row.items() if k in cols})
    case, opened = cases.open_apk_case(
        db, {"sha256": sha, "verdict": "impostor", "package": "tw.com.huayuesec.trade"}, actor=ANALYST,
        brand="huayue", source="https://evil.example/huayue.apk",
        hooks=HOOKS,
    )  # fmt: skip
    assert opened
    manifest, files = _read(evidence.make_pack(db, case.id, ANALYST).data)
    apk_files = [n for n in files if n.startswith("apk/")]
    assert len(apk_files) == 1
    stored = json.loads(files[apk_files[0]])
    assert stored["sha256"] == sha
    summary = files["summary.html"].decode()
    assert sha in summary and cert in summary and "CN=&lt;Huayue&gt;" in summary
    assert all(hashlib.sha256(files[e["name"]]).hexdigest() == e["sha256"] for e in manifest["files"])


class _Images(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/shot1.png":
            body, status = SHOT, 200
        elif self.path == "/big.png":
            body, status = b"\x89PNG" + b"0" * (screenshots.SCREENSHOT_MAX_BYTES + 10), 200
        else:
            body, status = b"no", 404
        self.send_response(status)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def image_server() -> Iterator[str]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_screenshots_fetched_kept_once_and_packed(db, profile, image_server):
    cid, key = _seed(db, profile)
    urls = [
        f"{image_server}/shot1.png",
        f"{image_server}/missing.png",
        f"{image_server}/big.png",
        "file:///etc",
    ]
    with requests.Session() as s:
        shots = screenshots.fetch_screenshots(s, urls, timeout=5, guard=MediaGuard(allow_private=True))
    assert [u for u, _, _ in shots] == [urls[0]]
    assert screenshots.keep_screenshots(db, key, shots, "2026-11-20T03:00:00+00:00") == 1
    # The same image again is kept once.
    assert screenshots.keep_screenshots(db, key, shots, "2026-11-20T04:00:00+00:00") == 0
    _, files = _read(evidence.build_pack(db, cid, generated_by="cli:test").data)
    assert [n for n in files if n.startswith("media/screenshot")] == ["media/screenshot-01.png"]
    assert files["media/screenshot-01.png"] == SHOT


def test_cli_writes_a_pack_that_verifies(db, profile, tmp_path: Path):
    cid, _ = _seed(db, profile)
    db_path = Path(db.conn.execute("PRAGMA database_list").fetchone()[2])
    runner = CliRunner()
    out_dir = tmp_path / "packs"
    out_dir.mkdir()
    res = runner.invoke(main, ["evidence", str(cid), "--out", str(out_dir), "--db", str(db_path)])
    assert res.exit_code == 0, res.output
    written = list(out_dir.glob("evidence-case*.zip"))
    assert len(written) == 1
    assert evidence.verify_pack(written[0].read_bytes()) == []
    assert hashlib.sha256(written[0].read_bytes()).hexdigest() in res.output
    bad = runner.invoke(main, ["evidence", "999", "--db", str(db_path)])
    assert bad.exit_code == 1 and "no case #999" in bad.output and "Traceback" not in bad.output
