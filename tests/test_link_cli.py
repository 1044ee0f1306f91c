"""``fakeapp link`` and ``fakeapp feed 165`` against the loopback fraud site, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.linksite import FAKE_TEAM, Route, Site, fraud_site

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "data" / "brands.toml"


def run(args: list[str], tmp: Path, site: Site) -> tuple[int, str]:
    env = {
        "FAKEAPP_APP_STORE_URL": site.url("/itunes"),
        "FAKEAPP_GOOGLE_PLAY_URL": site.url("/gplay"),
        "FAKEAPP_TESTFLIGHT_URL": site.url("/tf"),
        "FAKEAPP_HTTP_RETRIES": "0",
    }
    r = CliRunner().invoke(main, [*args, "--db", str(tmp / "t.db"), "--config", str(CONFIG)], env=env)
    return r.exit_code, r.stdout if r.exit_code == 0 else r.output


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    with Site() as s:
        fraud_site(s, tmp_path_factory.mktemp("site"))
        yield s


def test_link_json_has_hops_and_every_artifact(site: Site, tmp_path: Path) -> None:
    code, out = run(["link", site.url("/s/abc"), "--json", "--allow-private-urls"], tmp_path, site)
    assert code == 0, out
    d = json.loads(out)
    assert [h["kind"] for h in d["hops"][:4]] == ["http_redirect", "meta_refresh", "script_redirect", "page"]
    kinds = {a["kind"] for a in d["artifacts"]}
    assert kinds == {"apk", "ipa", "itms_manifest", "testflight", "mobileconfig", "google_play", "app_store"}
    ipa = next(a for a in d["artifacts"] if a["kind"] == "ipa" and a["parent"])
    assert ipa["team_id"] == FAKE_TEAM and ipa["distribution"] == "enterprise"
    assert ipa["bundle_id"] == "tw.com.huayuesec.trade" and ipa["verdict"] == "impersonation"
    assert all(r["zh"] and r["en"] for a in d["artifacts"] for r in a["reasons"])
    assert d["site"]["verdict"] == "impersonation" and d["site"]["address"] == "127.0.0.1"


def test_link_text_output(site: Site, tmp_path: Path) -> None:
    code, out = run(["link", site.url("/s/abc"), "--allow-private-urls", "--brand", "huayue"], tmp_path, site)
    assert code == 0, out
    assert "http_redirect" in out and "meta_refresh" in out and "script_redirect" in out
    assert f"team_id={FAKE_TEAM}" in out and "distribution=enterprise" in out
    assert "Site: IMPERSONATION" in out


def test_link_refuses_loopback_without_the_flag(site: Site, tmp_path: Path) -> None:
    code, out = run(["link", site.url("/s/abc"), "--json"], tmp_path, site)
    assert code == 0
    d = json.loads(out)
    assert d["artifacts"] == [] and "loopback" in d["errors"][0]


CSV = (
    "\ufeffWEBSITE_NM,WEBURL,CNT,STA_SDATE,STA_EDATE\r\n"
    "網站名稱,網址,件數,統計起始日期,統計結束日期\r\n"
    "華岳證劵投資,{fraud},12,2026/11/24,2026/11/30\r\n"
    "鴻運娛樂城,https://hy-casino.example/,3,2026/11/24,2026/11/30\r\n"
    "华岳证券VIP,{bare},1,2026/11/24,2026/11/30\r\n"
    "台股飆股群,tw-stock888.example,5,2026/11/24,2026/11/30\r\n"
)


def test_feed_165_traces_only_the_brand_rows(site: Site, tmp_path: Path) -> None:
    # matched rows point at loopback (one without a scheme); the others are names that are never looked up:
    # only the brand's rows are traced (romanised domains are matched in test_feed165.py, offline)
    bare = site.url("/share?id=9").removeprefix("http://")
    body = CSV.format(fraud=site.url("/s/abc"), bare=bare).encode("utf-8")
    site.routes["/feed.csv"] = Route(200, body, {"Content-Type": "text/csv"})
    before = len(site.hits)
    code, out = run(["feed", "165", site.url("/feed.csv"), "--json", "--allow-private-urls"], tmp_path, site)
    assert code == 0, out
    d = json.loads(out)
    assert d["rows"] == 4 and d["format"] == "csv"
    matched = {m["row"]["raw_url"]: m for m in d["matches"]}
    assert set(matched) == {site.url("/s/abc"), bare}
    assert matched[bare]["row"]["url"] == "http://" + bare
    assert matched[bare]["brand"] == "huayue"
    assert matched[site.url("/s/abc")]["row"]["start"] == "2026-11-24"
    assert matched[site.url("/s/abc")]["row"]["end"] == "2026-11-30"
    # only the matches are traced: the loopback row is, the two unrelated rows are never fetched
    traced = {t["trace"]["start_url"] for t in d["traces"]}
    assert traced == {site.url("/s/abc"), "http://" + bare}
    fraud = next(t for t in d["traces"] if t["trace"]["start_url"] == site.url("/s/abc"))
    assert any(a["kind"] == "ipa" for a in fraud["trace"]["artifacts"])
    assert "/s/abc" in site.hits[before:]
