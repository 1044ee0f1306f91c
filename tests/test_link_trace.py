"""The tracer end to end against a loopback fraud site: short link -> share page (meta refresh) -> script
redirect -> download page offering an APK (by link, by Content-Disposition, by QR code), an enterprise IPA
through an itms-services manifest, an ad-hoc IPA, a TestFlight invitation, a signed configuration profile,
and Play / App Store links judged through the real store adapters against loopback doubles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scanners.apk.verdict import analyse_apk, official_icon_hashes
from scanners.judging.names import PreparedBrand, prepare_brand
from scanners.links.fetch import Fetcher
from scanners.links.stores import store_judge
from scanners.links.trace import TraceResult, trace
from scanners.profile import load_profile
from scanners.stores.app_store import AppStore
from scanners.stores.http import PoliteClient
from tests.linksite import FAKE_TEAM, Site, fraud_site

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def brands() -> list[PreparedBrand]:
    profile = load_profile(ROOT / "data" / "brands.toml")
    return [prepare_brand(b, official_icon_hashes(b)) for b in profile.brands]


@pytest.fixture(scope="module")
def traced(
    brands: list[PreparedBrand], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TraceResult, Site]]:
    tmp = tmp_path_factory.mktemp("site")
    with Site() as site:
        fraud_site(site, tmp)
        adapters = {
            "app_store": AppStore(PoliteClient("app_store", site.url("/itunes"), rate=1000, retries=0))
        }
        result = trace(
            site.url("/s/abc"),
            Fetcher(allow_private=True, deadline=60),
            brands,
            store_judge=store_judge(adapters, brands),
            apk_analyser=lambda p, name: analyse_apk(p, brands, display_name=name),
            testflight_base=site.url("/tf"),
            keep_dir=tmp / "kept",
        )
        yield result, site


def by_kind(result: TraceResult, kind: str) -> list:
    return [a for a in result.artifacts if a.kind == kind]


def test_hop_chain_follows_http_redirect_meta_refresh_and_script(traced: tuple[TraceResult, Site]) -> None:
    result, site = traced
    chain = [(h.kind, h.url, h.status) for h in result.hops[:4]]
    assert chain == [
        ("http_redirect", site.url("/s/abc"), 302),
        ("meta_refresh", site.url("/share?id=77"), 200),
        ("script_redirect", site.url("/go"), 200),
        ("page", site.url("/download"), 200),
    ]
    assert result.hops[0].next_url == site.url("/share?id=77")
    assert result.final_url == site.url("/download")
    assert not result.stopped
    assert all(h.address == "127.0.0.1" for h in result.hops if h.status)


def test_every_artifact_kind_is_found(traced: tuple[TraceResult, Site]) -> None:
    result, _ = traced
    kinds = {a.kind for a in result.artifacts}
    assert kinds == {"apk", "ipa", "itms_manifest", "testflight", "mobileconfig", "google_play", "app_store"}
    apks = by_kind(result, "apk")
    assert {(a.via, a.detected_by) for a in apks} == {
        ("link", "url"),  # .apk link (the bytes confirm it)
        ("link", "content_disposition"),  # /get?os=android2: octet-stream, attachment; filename=…apk
        ("qr", "magic"),  # the QR code's link: octet-stream, no name, a ZIP with AndroidManifest.xml
    }


def test_apks_get_the_existing_verdict(traced: tuple[TraceResult, Site]) -> None:
    result, site = traced
    apks = {a.url: a for a in by_kind(result, "apk")}
    assert apks[site.url("/files/huayue.apk")].verdict == "repackaged"
    assert apks[site.url("/get?os=android2")].verdict == "impostor"
    assert apks[site.url("/dl/qr")].verdict == "impostor"
    for a in apks.values():
        assert a.brand == "huayue" and a.flagged and a.sha256 and a.path and a.path.is_file()


def test_enterprise_ipa_from_manifest_is_a_fake_by_itself(traced: tuple[TraceResult, Site]) -> None:
    result, site = traced
    m = by_kind(result, "itms_manifest")[0]
    assert m.facts["bundle_id"] == "tw.com.huayuesec.trade"
    assert m.facts["title"] == "華岳e把罩"
    assert m.facts["ipa_url"] == site.url("/ios/huayue.ipa")
    assert m.verdict == "impersonation"
    ipa = next(a for a in by_kind(result, "ipa") if a.parent == m.url)
    assert ipa.url == site.url("/ios/huayue.ipa") and ipa.via == "manifest"
    assert ipa.facts["team_id"] == FAKE_TEAM
    assert ipa.facts["team_name"] == "Shenzhen Hengda Trading Co., Ltd."
    assert ipa.facts["distribution"] == "enterprise"
    assert ipa.facts["bundle_id"] == "tw.com.huayuesec.trade"
    assert ipa.facts["expires"] == "2027-01-01T00:00:00Z"
    assert ipa.facts["provision_signature_verified"] is True
    assert len(ipa.facts["certificates"]) == 1 and len(ipa.facts["certificates"][0]) == 64
    assert ipa.verdict == "impersonation" and ipa.brand == "huayue"
    codes = {r.code for r in ipa.reasons}
    assert {"non_store_distribution", "foreign_team", "official_bundle_id"} <= codes
    d = ipa.to_dict()
    assert d["team_id"] == FAKE_TEAM and d["distribution"] == "enterprise"
    assert d["key"] == f"ipa:{ipa.sha256}"
    assert len({a.key for a in result.artifacts}) == len(result.artifacts)


def test_ad_hoc_ipa(traced: tuple[TraceResult, Site]) -> None:
    result, site = traced
    ipa = next(a for a in by_kind(result, "ipa") if a.url == site.url("/files/vip.ipa"))
    assert ipa.facts["distribution"] == "ad_hoc"
    assert ipa.verdict == "impersonation"


def test_testflight_join_page(traced: tuple[TraceResult, Site]) -> None:
    result, _ = traced
    tf = by_kind(result, "testflight")[0]
    assert tf.facts["code"] == "AbCd1234"
    assert tf.facts["app_name"] == "華岳證券 VIP"
    assert tf.facts["state"] == "open"
    assert tf.facts["icon_url"] == "https://is1-ssl.mzstatic.com/i.png"
    assert tf.verdict == "impersonation" and tf.brand == "huayue"


def test_configuration_profile(traced: tuple[TraceResult, Site]) -> None:
    result, _ = traced
    mc = by_kind(result, "mobileconfig")[0]
    clip = mc.facts["web_clips"][0]
    assert clip == {
        "url": "https://huayue-vip.example/login",
        "label": "華岳證券",
        "full_screen": True,
        "removable": False,
        "has_icon": True,
    }
    assert mc.facts["dangerous_payloads"] == ["com.apple.security.root"]
    assert mc.facts["signature"]["verified"] is True
    assert "Shenzhen Hengda" in mc.facts["signer"]
    assert mc.verdict == "impersonation"
    assert {"webclip_foreign", "webclip_app_like", "dangerous_payloads"} <= {r.code for r in mc.reasons}


def test_store_links_judged_with_the_adapters(traced: tuple[TraceResult, Site]) -> None:
    result, _ = traced
    play = by_kind(result, "google_play")[0]
    assert play.verdict == "official"  # the official app's link is fine
    store = by_kind(result, "app_store")[0]
    assert store.facts["app_id"] == "6739001122" and store.facts["listed"] is True
    assert store.verdict == "impersonation" and store.brand == "huayue"


def test_site_verdict(traced: tuple[TraceResult, Site]) -> None:
    result, _ = traced
    s = result.site
    assert s is not None
    assert s.domain == "127.0.0.1" and s.address == "127.0.0.1"
    assert s.verdict == "impersonation" and s.brand == "huayue" and s.names_brand and not s.official_domain
    assert {"page_names_brand", "offers_non_official_apps", "fraud_phrases"} <= {r.code for r in s.reasons}
    assert all(r.zh and r.en for a in result.artifacts for r in a.reasons)


def test_pages_keep_raw_html(traced: tuple[TraceResult, Site]) -> None:
    result, _ = traced
    page = next(p for p in result.pages if p.url.endswith("/download"))
    assert b"itms-services" in page.html and page.brands == ("huayue",)
