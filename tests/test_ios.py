"""iOS artifacts built and signed in code: provisioning profiles (CMS over a plist), IPAs, manifests,
configuration profiles and TestFlight pages, and how each is judged against the brand."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from scanners.ios.cms import CmsError, parse_signed
from scanners.ios.ipa import read_ipa
from scanners.ios.manifest import manifest_url, parse_manifest
from scanners.ios.mobileconfig import parse_mobileconfig
from scanners.ios.provision import parse_provision
from scanners.ios.testflight import parse_join_page
from scanners.ios.testflight import testflight_code as tf_code
from scanners.judging.names import PreparedBrand, prepare_brand
from scanners.links import judge as J
from scanners.profile import ProfileError, load_profile, parse_profile
from tests import iosbuild
from tests.linksite import FAKE_TEAM, OFFICIAL_TEAM

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def brands() -> list[PreparedBrand]:
    return [prepare_brand(b) for b in load_profile(ROOT / "data" / "brands.toml").brands]


@pytest.fixture(scope="module")
def signer() -> iosbuild.Signer:
    return iosbuild.Signer("iPhone Distribution: Test Team")


def _prov(signer: iosbuild.Signer, distribution: str, team: str = FAKE_TEAM) -> bytes:
    return signer.sign(
        iosbuild.provision_plist(
            team_id=team,
            team_name="Test Team",
            bundle_id="tw.com.huayuesec.trade",
            distribution=distribution,
            developer_cert=signer.der,
        )
    )


@pytest.mark.parametrize("distribution", ["enterprise", "ad_hoc", "development", "app_store"])
def test_distribution_from_the_profile(signer: iosbuild.Signer, distribution: str) -> None:
    p = parse_provision(_prov(signer, distribution))
    assert p.distribution == distribution
    assert p.team_id == FAKE_TEAM and p.team_name == "Test Team"
    assert p.bundle_id == "tw.com.huayuesec.trade"
    assert p.application_identifier == f"{FAKE_TEAM}.tw.com.huayuesec.trade"
    assert p.expires == "2027-01-01T00:00:00Z"
    assert p.signature is not None and p.signature.verified
    assert p.developer_certificates[0].subject == "CN=iPhone Distribution: Test Team"
    assert p.device_count == (2 if distribution in ("ad_hoc", "development") else 0)


def test_cms_content_changed_after_signing_does_not_verify(signer: iosbuild.Signer) -> None:
    good = _prov(signer, "enterprise")
    bad = good.replace(FAKE_TEAM.encode(), OFFICIAL_TEAM.encode())  # same length, in the signed content
    s = parse_signed(bad)
    assert not s.verified and any("changed after signing" in e for e in s.errors)
    assert OFFICIAL_TEAM.encode() in s.content


def test_cms_with_a_broken_signature_does_not_verify(signer: iosbuild.Signer) -> None:
    good = _prov(signer, "enterprise")
    bad = good[:-1] + bytes([good[-1] ^ 0x55])  # the signature value is the last thing in the DER
    s = parse_signed(bad)
    assert not s.verified and s.errors
    assert parse_signed(good).verified


@pytest.mark.parametrize(
    "data", [b"", b"\x30\x03\x02\x01\x00", b"garbage" * 100, b"\x30\x82\xff\xff" + b"\0" * 50]
)
def test_garbage_cms_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(CmsError):
        parse_signed(data)


def test_official_team_is_official(tmp_path: Path, brands: list[PreparedBrand]) -> None:
    s = iosbuild.Signer("iPhone Distribution: Huayue")
    path = iosbuild.signed_ipa(
        tmp_path / "o.ipa",
        s,
        team_id=OFFICIAL_TEAM,
        team_name="華岳綜合證券股份有限公司",
        bundle_id="tw.com.huayuesec.trade",
        display_name="華岳e把罩",
        distribution="app_store",
    )
    info = read_ipa(path)
    p = info.provision
    assert p is not None and info.bundle_id == "tw.com.huayuesec.trade" and info.version == "3.2.1"
    j = J.judge_ios_build(
        bundle_id=info.bundle_id,
        names=[info.display_name],
        team_id=p.team_id,
        team_name=p.team_name,
        distribution=p.distribution,
        brands=brands,
    )
    assert (j.verdict, j.brand) == ("official", "huayue")


def test_unrelated_enterprise_build_is_unrelated(tmp_path: Path, brands: list[PreparedBrand]) -> None:
    j = J.judge_ios_build(
        bundle_id="com.example.game",
        names=["Candy Blast"],
        team_id=FAKE_TEAM,
        team_name="Game Co",
        distribution="enterprise",
        brands=brands,
    )
    assert j.verdict == "unrelated"


def test_ipa_without_profile_and_with_xml_info_plist(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "x.ipa"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Payload/A.app/Info.plist", iosbuild.info_plist("com.x", "X", binary=False))
    info = read_ipa(path)
    assert info.bundle_id == "com.x" and info.provision is None
    assert any("embedded.mobileprovision" in e for e in info.errors)


def test_manifest_and_itms_link() -> None:
    m = parse_manifest(iosbuild.manifest("https://cdn.example/a.ipa", "tw.x", "華岳"))
    assert (m.bundle_id, m.title, m.version, m.ipa_url) == (
        "tw.x",
        "華岳",
        "3.2.1",
        "https://cdn.example/a.ipa",
    )
    assert manifest_url(
        "itms-services://?action=download-manifest&url=https%3A%2F%2Fa.example%2Fm.plist"
    ) == ("https://a.example/m.plist")


def test_unsigned_mobileconfig_with_mdm_and_vpn(brands: list[PreparedBrand]) -> None:
    cp = parse_mobileconfig(
        iosbuild.mobileconfig(
            label="華岳證券 e把罩",
            url="https://www.huayue-sec.com.tw/",
            removable=True,
            full_screen=False,
            extra=("com.apple.mdm", "com.apple.vpn.managed"),
        )
    )
    assert cp.signature is None
    assert cp.dangerous == ("com.apple.mdm", "com.apple.vpn.managed")
    j = J.judge_mobileconfig(
        names=[cp.display_name],
        clip_urls=[w.url for w in cp.web_clips],
        full_screen=False,
        not_removable=False,
        dangerous=[("MDM", "MDM"), ("VPN", "VPN")],
        brands=brands,
    )
    assert j.verdict == "impersonation" and "webclip_foreign" not in {r.code for r in j.reasons}


def test_testflight_states() -> None:
    assert tf_code("https://testflight.apple.com/join/AbCd1234") == "AbCd1234"
    assert tf_code("https://testflight.apple.com.evil.example/join/AbCd1234") == ""
    full = parse_join_page("X", iosbuild.testflight_page("華岳", full=True).decode())
    assert (full.app_name, full.state) == ("華岳", "full")
    closed = parse_join_page(
        "X", "<title>Join the A beta</title>This beta isn’t accepting any new testers right now."
    )
    assert closed.state == "closed"


def test_profile_key_apple_team_ids_is_validated() -> None:
    base = {
        "brand": [
            {
                "id": "b",
                "name": "B",
                "search_terms": ["B"],
                "official_developers": ["B"],
                "app": [{"store": "app_store", "app_id": "1"}],
            }
        ]
    }
    ok = parse_profile({"brand": [{**base["brand"][0], "apple_team_ids": ["HY7Q2K9D3L"]}]}, Path("x.toml"))
    assert ok.brands[0].apple_team_ids == ("HY7Q2K9D3L",)
    with pytest.raises(ProfileError, match=r"apple_team_ids.*not an Apple team id"):
        parse_profile({"brand": [{**base["brand"][0], "apple_team_ids": ["hy7q"]}]}, Path("x.toml"))
    assert load_profile(ROOT / "data" / "brands.toml").brand("huayue").apple_team_ids == (OFFICIAL_TEAM,)


def test_entity_declarations_are_refused_even_before_plistlib() -> None:
    from scanners.ios.plists import PlistError, load_plist

    lol = (
        b'<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b"<plist><dict><key>k</key><string>&b;</string></dict></plist>"
    )
    with pytest.raises(PlistError, match="entities"):
        load_plist(lol)
    # and plistlib itself (CPython 3.11+) refuses them too: the guard does not rely on it
    with pytest.raises(plistlib.InvalidFileException):
        plistlib.loads(lol)
