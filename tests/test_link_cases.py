"""Links end to end, through the real CLI and a real SQLite file, against the loopback fraud site (short link
-> share page -> script redirect -> download page offering every artifact kind): the trace kept whole, a case
per flagged artifact and one for the site, cards, drafts, evidence packs (with the Chromium screenshot when
Chromium is installed), the 165 import (only the brand's rows traced, a re-import adds only new rows) and the
scheduled re-checks (gone, still up, changed)."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.alerts.render import case_card
from bot.cases.actions import Actor
from bot.casework import evidence
from bot.casework.drafts import KINDS, DraftError
from bot.casework.workflow import draft_for_case
from bot.cli import main
from bot.cli.casework import DRAFT_KINDS
from bot.desk import cases
from bot.store.db import open_db
from scanners.profile import load_profile
from tests.conftest import HOOKS
from tests.linksite import APKS, FAKE_TEAM, Route, Site, fraud_site

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "data" / "brands.toml"
ALL_KINDS = {"apk", "ipa", "itms_manifest", "testflight", "mobileconfig", "google_play", "app_store"}
INTERNAL_CODES = ("itms_manifest", "mobileconfig", "enterprise", "ad_hoc", "impersonation", "website")


def env_for(site: Site, **extra: str) -> dict[str, str]:
    return {
        "FAKEAPP_APP_STORE_URL": site.url("/itunes"),
        "FAKEAPP_GOOGLE_PLAY_URL": site.url("/gplay"),
        "FAKEAPP_TESTFLIGHT_URL": site.url("/tf"),
        "FAKEAPP_HTTP_RETRIES": "0",
        "FAKEAPP_CHROMIUM": "off",
        **extra,
    }


def run(args: list[str], db: Path, site: Site, **env: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, [*args, "--db", str(db), "--config", str(CONFIG)], env=env_for(site, **env))
    return r.exit_code, (r.stdout if r.exit_code == 0 else r.output)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    with Site() as s:
        fraud_site(s, tmp_path_factory.mktemp("site"))
        yield s


@pytest.fixture(scope="module")
def traced(site: Site, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    db = tmp_path_factory.mktemp("db") / "t.db"
    code, out = run(["link", site.url("/s/abc"), "--json", "--allow-private-urls"], db, site)
    assert code == 0, out
    return db, json.loads(out)


def link_cases(db_path: Path) -> list[cases.Case]:
    db = open_db(db_path)
    return [c for c in cases.list_cases(db) if c.kind in ("link", "site")]


def enterprise_ipa(got: list[cases.Case]) -> cases.Case:
    return next(
        c for c in got if c.store == "ipa" and json.loads(c.details).get("distribution") == "enterprise"
    )


def test_trace_is_kept_whole(traced: tuple[Path, dict], site: Site) -> None:
    db_path, d = traced
    db = open_db(db_path)
    tr = next(db.query("SELECT * FROM traces WHERE id = ?", [d["trace_id"]]))
    assert tr["start_url"] == site.url("/s/abc") and tr["final_url"] == site.url("/download")
    assert (tr["domain"], tr["address"]) == ("127.0.0.1", "127.0.0.1")
    hops = list(db.query("SELECT * FROM trace_hops WHERE trace_id = ? ORDER BY n", [d["trace_id"]]))
    assert [h["kind"] for h in hops[:4]] == ["http_redirect", "meta_refresh", "script_redirect", "page"]
    assert len(hops) == len(d["hops"]) and all(h["status"] for h in hops[:4])
    pages = list(db.query("SELECT * FROM trace_pages WHERE trace_id = ? ORDER BY n", [d["trace_id"]]))
    download = next(p for p in pages if p["url"] == site.url("/download"))
    served = site.routes["/download"].body
    assert isinstance(served, bytes) and bytes(download["html"]) == served  # raw, as served
    arts = list(db.query("SELECT * FROM trace_artifacts WHERE trace_id = ?", [d["trace_id"]]))
    assert {a["kind"] for a in arts} == ALL_KINDS
    files = [a for a in arts if a["kind"] in ("apk", "ipa", "mobileconfig")]
    assert files and all(len(a["sha256"]) == 64 and a["size"] > 0 for a in files)
    kept = {r["sha256"] for r in db.query("SELECT sha256 FROM artifact_files")}
    assert {a["sha256"] for a in files} <= kept
    # APKs found on the page are analysed and kept like any APK (recognised when sent again)
    apk_rows = {r["sha256"] for r in db.query("SELECT sha256 FROM apk_analyses")}
    assert {a["sha256"] for a in arts if a["kind"] == "apk"} <= apk_rows
    # --json keeps the hop chain and the artifacts list
    assert {a["kind"] for a in d["artifacts"]} == ALL_KINDS
    assert all({"kind", "url", "verdict", "brand", "reasons", "facts"} <= set(a) for a in d["artifacts"])


def test_a_case_per_flagged_artifact_and_one_for_the_site(traced: tuple[Path, dict]) -> None:
    db_path, d = traced
    flagged = {a["key"] for a in d["artifacts"] if a["flagged"]}
    got = link_cases(db_path)
    assert {c.link_key for c in got if c.kind == "link"} == flagged
    assert sorted(d["cases"]["opened"]) == sorted(c.id for c in got)
    site_case = next(c for c in got if c.kind == "site")
    assert site_case.link_key == "site:127.0.0.1" and site_case.store == "website"
    details = json.loads(site_case.details)
    assert details["domain"] == "127.0.0.1" and details["address"] == "127.0.0.1"
    ipa = enterprise_ipa(got)
    assert FAKE_TEAM in ipa.developer and json.loads(ipa.details)["team_id"] == FAKE_TEAM
    # official Play link: no case
    assert not any(c.store == "google_play" for c in got)
    # every case has its alert queued with it
    db = open_db(db_path)
    queued = {r["case_id"] for r in db.query("SELECT case_id FROM outbox WHERE kind = 'case_alert'")}
    assert {c.id for c in got} <= queued


def test_tracing_again_opens_nothing_new(traced: tuple[Path, dict], site: Site, tmp_path: Path) -> None:
    db_path, _ = traced
    before = len(link_cases(db_path))
    copy = tmp_path / "again.db"
    src = open_db(db_path)
    dst = sqlite3.connect(copy)
    src.conn.backup(dst)  # with the WAL's contents
    dst.close()
    code, out = run(["link", site.url("/s/abc"), "--json", "--allow-private-urls"], copy, site)
    assert code == 0, out
    again = json.loads(out)
    # the IPAs and profile are signed afresh per site build, not per request: same files, same keys
    assert again["cases"]["opened"] == [] and len(again["cases"]["existing"]) == before
    assert len(link_cases(copy)) == before


def test_cards_show_the_artifacts_by_label(traced: tuple[Path, dict]) -> None:
    db_path, _ = traced
    got = link_cases(db_path)
    ipa = enterprise_ipa(got)
    zh = case_card(ipa, "zh")
    assert "iOS 安裝檔（IPA）" in zh and f"<code>{FAKE_TEAM}</code>" in zh
    assert "Shenzhen Hengda Trading Co., Ltd." in zh and "企業內部發佈（in-house）" in zh
    assert "tw.com.huayuesec.trade" in zh
    en = case_card(ipa, "en")
    assert "Apple team" in en and "enterprise (in-house)" in en and "Distribution" in en
    site_card = case_card(next(c for c in got if c.kind == "site"), "zh")
    assert "發現假冒下載網站" in site_card and "IP 位址：<code>127.0.0.1</code>" in site_card
    for label in ("TestFlight 測試邀請", "iOS 描述檔", "Ad Hoc（指定裝置）"):
        assert label in site_card
    for card in (zh, site_card):
        text = card.split("理由")[0]  # the reasons are the judge's sentences; the labels come before
        for code in INTERNAL_CODES:
            assert code not in text, (code, text)


def test_drafts_route_each_case(traced: tuple[Path, dict]) -> None:
    db_path, d = traced
    db = open_db(db_path)
    profile = load_profile(CONFIG)
    got = link_cases(db_path)
    site_case = next(c for c in got if c.kind == "site")
    hosting = draft_for_case(db, profile, site_case.id, "hosting", "zh", actor=Actor("cli:test"))
    assert "127.0.0.1" in hosting.text() and "https://rdap.org/ip/127.0.0.1" in hosting.text()
    assert d["start_url"] in hosting.body and "轉址經過" in hosting.body
    registrar = draft_for_case(db, profile, site_case.id, "registrar", "en", actor=Actor("cli:test"))
    assert "rdap.org/domain/127.0.0.1" in registrar.text() and "Domain abuse" in registrar.subject
    police = draft_for_case(db, profile, site_case.id, "police", "zh", actor=Actor("cli:test"))
    for url in (d["start_url"], d["final_url"]):
        assert url in police.body
    assert "網站上有名為" in police.body  # the site named by a label, not a code
    ipa = enterprise_ipa(got)
    apple = draft_for_case(db, profile, ipa.id, "apple_dev", "en", actor=Actor("cli:test"))
    assert FAKE_TEAM in apple.subject and "revoke" in apple.body and "enterprise (in-house)" in apple.body
    tf = next(c for c in got if c.store == "testflight")
    apple_tf = draft_for_case(db, profile, tf.id, "apple_dev", "zh", actor=Actor("cli:test"))
    assert "AbCd1234" in apple_tf.body and "測試版" in apple_tf.body
    apk = next(c for c in got if c.store == "apk")
    with pytest.raises(DraftError):
        draft_for_case(db, profile, apk.id, "apple_dev", "zh", actor=Actor("cli:test"))
    assert apk.apk_sha256 and apk.apk_sha256 in draft_for_case(db, profile, apk.id, "police", "zh").body
    assert DRAFT_KINDS == KINDS


def _pack(db_path: Path, case_id: int) -> tuple[evidence.Pack, zipfile.ZipFile]:
    db = open_db(db_path)
    pack = evidence.make_pack(db, case_id, Actor("cli:test"), brand_name="華岳證券")
    assert evidence.verify_pack(pack.data) == []
    return pack, zipfile.ZipFile(io.BytesIO(pack.data))


def test_evidence_pack_of_the_site(traced: tuple[Path, dict], site: Site) -> None:
    db_path, d = traced
    site_case = next(c for c in link_cases(db_path) if c.kind == "site")
    pack, z = _pack(db_path, site_case.id)
    names = pack.names()
    base = f"link/trace{d['trace_id']:04d}"
    assert f"{base}/hops.json" in names and f"{base}/artifacts.json" in names
    hops = json.loads(z.read(f"{base}/hops.json"))
    chain = [site.url(p) for p in ("/s/abc", "/share?id=77", "/go", "/download")]
    assert [h["url"] for h in hops[:4]] == chain
    pages = [n for n in names if n.startswith(f"{base}/page-")]
    assert len(pages) == len(d["pages"])
    assert any(z.read(n) == site.routes["/download"].body for n in pages)
    arts = json.loads(z.read(f"{base}/artifacts.json"))
    for a in arts:
        if a["kind"] in ("apk", "ipa", "mobileconfig"):
            kept = f"link/files/{a['sha256'][:16]}.{a['kind']}"
            assert kept in names
            import hashlib

            assert hashlib.sha256(z.read(kept)).hexdigest() == a["sha256"]
    # screenshots were off for this run: the pack says so
    assert f"{base}/screenshot-missing.txt" in names
    summary = z.read("summary.html").decode()
    assert "未附截圖" in summary and "127.0.0.1" in summary and "轉址經過" in summary


def test_evidence_pack_of_an_ipa_holds_its_file_and_team(traced: tuple[Path, dict]) -> None:
    db_path, _ = traced
    ipa = next(c for c in link_cases(db_path) if c.store == "ipa")
    pack, z = _pack(db_path, ipa.id)
    sha = json.loads(ipa.details)["sha256"]
    assert [n for n in pack.names() if n.startswith("link/files/")] == [f"link/files/{sha[:16]}.ipa"]
    assert FAKE_TEAM in z.read("summary.html").decode()
    assert json.loads(z.read("manifest.json"))["link_key"] == ipa.link_key


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium is not installed")
def test_screenshot_with_headless_chromium(site: Site, tmp_path: Path) -> None:
    db_path = tmp_path / "shot.db"
    code, out = run(
        ["link", site.url("/s/abc"), "--json", "--allow-private-urls"], db_path, site, FAKEAPP_CHROMIUM=""
    )
    assert code == 0, out
    d = json.loads(out)
    db = open_db(db_path)
    shots = list(db.query("SELECT * FROM trace_screenshots WHERE trace_id = ?", [d["trace_id"]]))
    assert len(shots) == 1 and shots[0]["url"] == site.url("/download")  # only the recorded page
    png = bytes(shots[0]["data"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 2000
    site_case = next(c for c in link_cases(db_path) if c.kind == "site")
    _, z = _pack(db_path, site_case.id)
    name = f"link/trace{d['trace_id']:04d}/screenshot-01.png"
    assert z.read(name) == png and name in z.read("summary.html").decode()


def test_missing_chromium_is_said(site: Site, tmp_path: Path) -> None:
    db_path = tmp_path / "noshot.db"
    code, out = run(
        ["link", site.url("/s/abc"), "--json", "--allow-private-urls"],
        db_path,
        site,
        FAKEAPP_CHROMIUM=str(tmp_path / "no-such-chromium"),
    )
    assert code == 0, out
    d = json.loads(out)
    db = open_db(db_path)
    row = next(db.query("SELECT screenshot_note FROM traces WHERE id = ?", [d["trace_id"]]))
    note = row["screenshot_note"]
    assert "not installed" in note
    site_case = next(c for c in link_cases(db_path) if c.kind == "site")
    _, z = _pack(db_path, site_case.id)
    assert "未安裝 headless Chromium" in z.read("summary.html").decode()


def test_take_screenshot_refuses_other_schemes() -> None:
    from bot.record.page_screenshot import take_screenshot

    assert take_screenshot("file:///etc/passwd").note == "not an http(s) page"
    assert take_screenshot("javascript:alert(1)").data == b""


CSV_HEAD = (
    "\ufeffWEBSITE_NM,WEBURL,CNT,STA_SDATE,STA_EDATE\r\n網站名稱,網址,件數,統計起始日期,統計結束日期\r\n"
)


def test_feed_165_keeps_rows_traces_the_brand_rows_and_reimports_only_new(site: Site, tmp_path: Path) -> None:
    db_path = tmp_path / "feed.db"
    rows = (
        f"華岳證劵投資,{site.url('/s/abc')},12,2026/11/24,2026/11/30\r\n"
        "鴻運娛樂城,https://hy-casino.example/,3,2026/11/24,2026/11/30\r\n"
        "台股飆股群,tw-stock888.example,5,2026/11/24,2026/11/30\r\n"
    )
    site.routes["/feed1.csv"] = Route(200, (CSV_HEAD + rows).encode(), {"Content-Type": "text/csv"})
    before = len(site.hits)
    code, out = run(["feed", "165", site.url("/feed1.csv"), "--json", "--allow-private-urls"], db_path, site)
    assert code == 0, out
    d = json.loads(out)
    assert (d["rows"], d["new_rows"], len(d["traces"])) == (3, 3, 1)
    assert d["traces"][0]["trace"]["start_url"] == site.url("/s/abc")
    assert d["traces"][0]["cases"]["opened"]  # cases for what the site distributes
    assert "/s/abc" in site.hits[before:]
    db = open_db(db_path)
    kept = {r["name"]: r for r in db.query("SELECT * FROM feed_rows")}
    assert set(kept) == {"華岳證劵投資", "鴻運娛樂城", "台股飆股群"}
    assert (kept["華岳證劵投資"]["start"], kept["華岳證劵投資"]["end"]) == ("2026-11-24", "2026-11-30")
    assert kept["華岳證劵投資"]["brand"] == "huayue" and kept["華岳證劵投資"]["trace_id"]
    assert kept["鴻運娛樂城"]["brand"] == "" and kept["鴻運娛樂城"]["trace_id"] is None
    n_cases = len(link_cases(db_path))
    # the same list again: nothing new, nothing traced
    hits = len(site.hits)
    code, out = run(["feed", "165", site.url("/feed1.csv"), "--json", "--allow-private-urls"], db_path, site)
    d2 = json.loads(out)
    assert (d2["new_rows"], d2["traces"]) == (0, []) and site.hits[hits:] == ["/feed1.csv"]
    # next week's list: the same site in a new period is a new row and is traced; nothing else is
    week2 = rows + f"華岳證劵投資,{site.url('/s/abc')},4,2026/12/01,2026/12/07\r\n"
    site.routes["/feed2.csv"] = Route(200, (CSV_HEAD + week2).encode(), {"Content-Type": "text/csv"})
    code, out = run(["feed", "165", site.url("/feed2.csv"), "--json", "--allow-private-urls"], db_path, site)
    d3 = json.loads(out)
    assert (d3["rows"], d3["new_rows"], len(d3["traces"])) == (4, 1, 1)
    assert d3["traces"][0]["cases"]["opened"] == []  # the same fakes: their cases already exist
    assert len(link_cases(db_path)) == n_cases
    assert next(open_db(db_path).query("SELECT COUNT(*) AS n FROM feed_rows"))["n"] == 4


def test_feed_setting() -> None:
    from bot.core.settings import SETTING_NAMES, SettingsError, load_settings

    assert "FAKEAPP_FEED_165_URL" in SETTING_NAMES
    assert load_settings({"FAKEAPP_FEED_165_URL": "https://data.example/165.csv"}).feed_165_url.endswith(
        "165.csv"
    )
    assert load_settings({}).feed_165_url == ""
    with pytest.raises(SettingsError, match="FAKEAPP_FEED_165_URL"):
        load_settings({"FAKEAPP_FEED_165_URL": "ftp://x"})


def test_scheduled_links_import_the_feed_and_recheck(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cron scan's link step: the 165 list from its setting, then the re-checks: a new APK under the
    same link is a new version (analysed, its own case), a site that is gone after a takedown request is
    a verified takedown, the rest is still up."""
    from bot.core.settings import load_settings
    from bot.desk.links import scheduled_links

    with Site() as s:
        (tmp_path / "site").mkdir()
        fraud_site(s, tmp_path / "site")
        s.routes["/165.csv"] = Route(
            200,
            (CSV_HEAD + f"華岳證劵投資,{s.url('/s/abc')},12,2026/11/24,2026/11/30\r\n").encode(),
            {"Content-Type": "text/csv"},
        )
        env = {
            **env_for(s),
            "FAKEAPP_FEED_165_URL": s.url("/165.csv"),
            "FAKEAPP_DB": str(tmp_path / "c.db"),
        }
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        settings = load_settings(env)
        profile = load_profile(CONFIG)
        db = open_db(settings.db_path)
        lines: list[str] = []
        first = scheduled_links(db, settings, profile, allow_private=True, echo=lines.append)
        assert first["feed_165"]["traced"] == 1 and first["feed_165"]["opened"] > 0
        got = [c for c in cases.list_cases(db) if c.kind in ("link", "site")]
        site_case = next(c for c in got if c.kind == "site")
        apk_case = next(c for c in got if c.store == "apk" and c.url == s.url("/files/huayue.apk"))
        cases.request_takedown(db, site_case.id, Actor("cli:test"), "HOST-1", hooks=HOOKS)
        # a new version under the same APK link
        s.routes["/files/huayue.apk"] = Route(
            200, APKS / "tampered.apk", {"Content-Type": "application/vnd.android.package-archive"}
        )
        second = scheduled_links(db, settings, profile, allow_private=True, echo=lines.append)
        assert second["feed_165"]["new_rows"] == 0  # same list: no new rows, nothing traced for it
        assert second["links"]["changed"] == 1 and second["links"]["errors"] == []
        assert second["links"]["still_up"] >= 1
        events = cases.timeline(db, apk_case.id)
        assert events[-1].action == "changed" and "SHA-256" in events[-1].reason
        new_apk = [
            c
            for c in cases.list_cases(db)
            if c.kind == "link" and c.url == s.url("/files/huayue.apk") and c.id != apk_case.id
        ]
        assert len(new_apk) == 1 and new_apk[0].verdict == "tampered"  # the new version, analysed
        # the file goes away, the site stays: that case is gone, the site still up; the App Store app the
        # page links to is removed from the store: gone too (the store says so, not the page)
        store_case = next(c for c in got if c.store == "app_store")
        s.routes["/files/huayue.apk"] = Route(404, b"gone")
        s.routes["/itunes/lookup?id=6739001122&country=tw&lang=zh_tw"] = Route(
            200, b'{"resultCount": 0, "results": []}', {"Content-Type": "application/json"}
        )
        third = scheduled_links(db, settings, profile, allow_private=True, echo=lines.append)
        assert cases.get_case(db, new_apk[0].id).listed is False
        assert cases.get_case(db, site_case.id).listed is True
        assert cases.get_case(db, store_case.id).listed is False
        assert third["links"]["gone"] >= 2 and third["links"]["removed"] == 0
    # the whole site goes away (its server answers no more): the takedown is verified; the 165 list
    # cannot be fetched either, which is said, never read as "nothing new"
    fourth = scheduled_links(db, settings, profile, allow_private=True, echo=lines.append)
    assert "error" in fourth["feed_165"]
    after = cases.get_case(db, site_case.id)
    assert (after.takedown, after.listed) == ("removed", False)
    assert fourth["links"]["removed"] == 1 and fourth["links"]["errors"] == []
    assert cases.timeline(db, site_case.id)[-1].action == "removed"
    removed = list(db.query("SELECT * FROM outbox WHERE kind = 'removed' AND case_id = ?", [site_case.id]))
    assert len(removed) == 1
    assert any("takedown(s) verified" in line for line in lines)
    assert any("165 list: NOT imported" in line for line in lines)


def test_fakeapp_scan_imports_the_feed_when_its_url_is_set(site: Site, tmp_path: Path) -> None:
    """``fakeapp scan`` (as from cron): the store scan, then the 165 list from FAKEAPP_FEED_165_URL."""
    site.routes["/cron165.csv"] = Route(
        200,
        (CSV_HEAD + f"華岳證劵投資,{site.url('/s/abc')},2,2026/11/24,2026/11/30\r\n").encode(),
        {"Content-Type": "text/csv"},
    )
    db_path = tmp_path / "cron.db"
    r = CliRunner().invoke(
        main,
        ["scan", "--demo", "-q", "--allow-private-urls", "--db", str(db_path)],
        env=env_for(site, FAKEAPP_FEED_165_URL=site.url("/cron165.csv")),
    )
    assert r.exit_code in (0, 2), r.output
    assert "165 list: 1 rows, 1 new, 1 traced" in r.output
    db = open_db(db_path)
    assert next(db.query("SELECT COUNT(*) AS n FROM feed_rows"))["n"] == 1
    got = link_cases(db_path)
    assert any(c.kind == "site" for c in got)
    # their alerts are queued with the scan's (and printed without a token, like the scan's)
    assert "發現假冒下載網站" in r.output


def test_the_bots_scheduled_scan_imports_the_feed(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot's schedule runs ``default_scan_runner``: the scan, then the 165 list and the re-checks."""
    from bot.core.settings import load_settings
    from bot.demo.run import demo_settings
    from bot.telegram.app import default_scan_runner

    site.routes["/bot165.csv"] = Route(
        200,
        (CSV_HEAD + f"华岳证券VIP,{site.url('/s/abc')},7,2026/11/24,2026/11/30\r\n").encode(),
        {"Content-Type": "text/csv"},
    )
    env = env_for(site, FAKEAPP_FEED_165_URL=site.url("/bot165.csv"), FAKEAPP_DB=str(tmp_path / "b.db"))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with demo_settings(load_settings(env)) as settings:
        summary = default_scan_runner(settings, "cron", allow_private=True)
        again = default_scan_runner(settings, "cron", allow_private=True)
    assert summary["links"]["feed_165"]["traced"] == 1 and summary["links"]["feed_165"]["opened"] > 0
    assert again["links"]["feed_165"]["new_rows"] == 0 and again["links"]["links"]["still_up"] > 0


def test_hostile_values_on_cards_and_in_the_bot_reply_are_escaped() -> None:
    from bot.telegram.links import reply_text

    hostile = "<b>x</b>\u202e&"
    row = {
        "id": 7,
        "kind": "link",
        "store": "ipa",
        "title": hostile,
        "state": "new",
        "takedown": "none",
        "police": "none",
        "reasons": "[]",
        "details": json.dumps(
            {"team_id": hostile, "team_name": hostile, "distribution": hostile, "domain": hostile}
        ),
    }
    card = case_card(cases.Case.from_row(row), "zh")
    assert "<b>x</b>" not in card and "\u202e" not in card and "&lt;b&gt;x&lt;/b&gt;" in card
    site_row = {
        **row,
        "kind": "site",
        "store": "website",
        "details": json.dumps({"domain": hostile, "address": hostile, "artifacts": [{"kind": hostile}]}),
    }
    assert "<b>x</b>" not in case_card(cases.Case.from_row(site_row), "en")
    reply = reply_text(
        {
            "hops": 1,
            "site": {"domain": hostile, "address": hostile, "verdict": hostile},
            "artifacts": [
                {
                    "kind": hostile,
                    "verdict": hostile,
                    "flagged": True,
                    "team_id": hostile,
                    "distribution": hostile,
                }
            ],
            "opened": [],
            "existing": [],
            "stopped": False,
            "errors": 0,
        },
        "zh",
    )
    assert "<b>x</b>" not in reply and "未發現可疑項目" in reply


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium is not installed")
def test_screenshot_reaches_only_the_recorded_page() -> None:
    """A hostile page cannot make Chromium fetch other addresses (here another loopback server, standing in
    for an internal one): only the recorded host and port are reachable."""
    from bot.record.page_screenshot import take_screenshot
    from tests.linksite import html

    with Site() as page, Site() as internal:
        internal.routes["/secret.png"] = html("x")
        port = internal.url("/").rsplit(":", 1)[1].rstrip("/")
        page.routes["/p"] = html(
            f"<h1>華岳證券</h1><img src='{internal.url('/secret.png')}'>"
            f"<img src='http://localhost:{port}/secret.png'><script>fetch('{internal.url('/x')}')</script>"
        )
        shot = take_screenshot(page.url("/p"), address="127.0.0.1", timeout=45)
        assert shot.data.startswith(b"\x89PNG"), shot.note
        assert "/p" in page.hits and internal.hits == []


def test_pdf_summary_of_a_link_case(traced: tuple[Path, dict]) -> None:
    from bot.core.fonts import cjk_font

    if cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
    db_path, _ = traced
    ipa = enterprise_ipa(link_cases(db_path))
    _, z = _pack(db_path, ipa.id)
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(z.read("summary.pdf")))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    assert FAKE_TEAM in text and "連結追蹤" in text


def test_frontline_notices_of_link_cases_use_labels(traced: tuple[Path, dict]) -> None:
    from bot.alerts.frontline import notice_text

    db_path, _ = traced
    brand = load_profile(CONFIG).brand("huayue")
    for c in link_cases(db_path):
        for lang in ("zh", "en"):
            text = notice_text(c, brand, lang)
            where = text.split("\n")[3]
            assert c.store not in where or c.store in ("google_play", "app_store"), (c.store, where)


def test_feed_rows_kept_without_tracing_are_traced_by_the_next_import(site: Site, tmp_path: Path) -> None:
    db_path = tmp_path / "nt.db"
    body = (CSV_HEAD + f"華岳證劵投資,{site.url('/s/abc')},1,2026/11/24,2026/11/30\r\n").encode()
    site.routes["/nt.csv"] = Route(200, body, {"Content-Type": "text/csv"})
    args = ["feed", "165", site.url("/nt.csv"), "--json", "--allow-private-urls"]
    code, out = run([*args, "--no-trace"], db_path, site)
    assert code == 0 and json.loads(out)["traces"] == [] and json.loads(out)["new_rows"] == 1
    code, out = run(args, db_path, site)
    d = json.loads(out)
    assert d["new_rows"] == 0 and len(d["traces"]) == 1  # kept earlier, never traced: traced now
    code, out = run(args, db_path, site)
    assert json.loads(out)["traces"] == []  # and only once
