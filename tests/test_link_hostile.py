"""Hostile input for the tracer, each with a clear verdict in bounded time and memory, keeping what was found
before: huge, deeply nested and endless pages, slow drips, redirect and refresh loops, entity-expanding and
cyclic plists, corrupt IPAs, garbage CMS and ZIP bombs."""

from __future__ import annotations

import struct
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanners.ios.ipa import IpaError, read_ipa
from scanners.ios.plists import PlistError, load_plist
from scanners.judging.names import PreparedBrand, prepare_brand
from scanners.links.fetch import Fetcher
from scanners.links.trace import Limits, TraceResult, trace
from scanners.profile import load_profile
from tests import iosbuild
from tests.linksite import FAKE_TEAM, Route, Site, endless, html, redirect

ROOT = Path(__file__).resolve().parent.parent
APK_LINK = "<a href='/files/a.apk'>下載</a>"


@pytest.fixture(scope="module")
def brands() -> list[PreparedBrand]:
    return [prepare_brand(b) for b in load_profile(ROOT / "data" / "brands.toml").brands]


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with Site() as s:
        s.routes["/files/a.apk"] = Route(
            200,
            ROOT / "tests" / "apks" / "impostor.apk",
            {"Content-Type": "application/vnd.android.package-archive"},
        )
        yield s


def go(site: Site, path: str, brands: list[PreparedBrand], **kw: object) -> TraceResult:
    fetcher = Fetcher(
        allow_private=True,
        deadline=float(kw.pop("deadline", 20.0)),  # type: ignore[arg-type]
        page_max=int(kw.pop("page_max", 2 * 1024 * 1024)),
    )  # type: ignore[call-overload]
    from scanners.apk.verdict import analyse_apk

    return trace(
        site.url(path),
        fetcher,
        brands,
        read_qr_codes=False,
        apk_analyser=lambda p, n: analyse_apk(p, brands, display_name=n),
        **kw,  # type: ignore[arg-type]
    )


def test_endless_page_is_cut_and_its_links_kept(site: Site, brands: list[PreparedBrand]) -> None:
    def gen() -> Iterator[bytes]:
        yield f"<html><title>華岳證券</title><body>{APK_LINK}".encode()
        yield from endless()()

    site.routes["/endless"] = Route(200, gen, {"Content-Type": "text/html"})
    started = time.monotonic()
    r = go(site, "/endless", brands, page_max=1024 * 1024)
    assert time.monotonic() - started < 10
    page = r.pages[0]
    assert page.truncated and page.size == 1024 * 1024
    assert any("longer than the limit" in e for e in r.errors)
    assert [a.kind for a in r.artifacts] == ["apk"]  # found before the cut, still analysed
    assert r.site is not None and r.site.names_brand


def test_deeply_nested_page(site: Site, brands: list[PreparedBrand]) -> None:
    site.routes["/deep"] = html("<div>" * 200_000 + APK_LINK + "</div>" * 200_000, "deep")
    r = go(site, "/deep", brands)
    assert [a.kind for a in r.artifacts] == ["apk"]


def test_slow_drip_hits_the_deadline_and_keeps_the_hops(site: Site, brands: list[PreparedBrand]) -> None:
    site.routes["/slow1"] = redirect("/slow2")
    site.routes["/slow2"] = Route(200, endless(b"<p>", delay=0.2), {"Content-Type": "text/html"})
    started = time.monotonic()
    r = go(site, "/slow1", brands, deadline=2.0)
    assert time.monotonic() - started < 6
    assert r.hops[0].kind == "http_redirect"
    assert "longer than 2 s" in r.stopped


def test_redirect_loop(site: Site, brands: list[PreparedBrand]) -> None:
    site.routes["/loop/a"] = redirect("/loop/b")
    site.routes["/loop/b"] = redirect("/loop/a")
    r = go(site, "/loop/a", brands)
    assert any("redirect loop" in e for e in r.errors)
    assert len(r.hops) == 3 and r.requests == 2


def test_endless_redirect_chain_is_bounded(site: Site, brands: list[PreparedBrand]) -> None:
    for i in range(30):
        site.routes[f"/chain/{i}"] = redirect(f"/chain/{i + 1}")
    r = go(site, "/chain/0", brands, limits=Limits(max_hops=5))
    assert any("more than 5 redirects" in e for e in r.errors) and r.requests == 6


def test_refresh_loop(site: Site, brands: list[PreparedBrand]) -> None:
    site.routes["/r1"] = html("", "", "<meta http-equiv='refresh' content='0;url=/r2'>")
    site.routes["/r2"] = html("<script>location.href = '/r1'</script>")
    r = go(site, "/r1", brands)
    assert any("refresh loop" in e for e in r.errors)
    assert [h.kind for h in r.hops[:2]] == ["meta_refresh", "script_redirect"]


def test_page_limit(site: Site, brands: list[PreparedBrand]) -> None:
    for i in range(20):
        site.routes[f"/many/{i}"] = html(f"<a href='/many/{i + 1}'>download {i}</a>")
    r = go(site, "/many/0", brands, limits=Limits(max_pages=4))
    assert len(r.pages) == 4 and any("page limit" in e for e in r.errors)


def test_entity_expanding_manifest(site: Site, brands: list[PreparedBrand]) -> None:
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "AAAAAAAAAAAAAAAA">'
        + b"".join(f'<!ENTITY a{i} "{("&a;" if i == 0 else f"&a{i - 1};") * 10}">'.encode() for i in range(9))
        + b"]><plist><dict><key>items</key><string>&a8;</string></dict></plist>"
    )
    site.routes["/lol/m.plist"] = Route(200, lol, {"Content-Type": "application/xml"})
    site.routes["/lol"] = html(
        f"<a href='itms-services://?action=download-manifest&amp;url={site.url('/lol/m.plist')}'>i</a>"
    )
    r = go(site, "/lol", brands)
    m = r.artifacts[0]
    assert m.kind == "itms_manifest" and m.verdict == "invalid"
    assert "entities" in m.reasons[0].en


def _bplist(objs: list[bytes]) -> bytes:
    body = b"bplist00"
    offsets = []
    for o in objs:
        offsets.append(len(body))
        body += o
    table = len(body)
    body += bytes(offsets)
    return body + struct.pack(">6xBBQQQ", 1, 1, len(objs), 0, table)


def test_binary_plist_with_a_cycle() -> None:
    cyclic = _bplist([b"\xd1\x01\x00", b"\x51a"])  # {"a": <itself>}
    with pytest.raises(PlistError, match="cycle"):
        load_plist(cyclic)


def test_binary_plist_billion_laughs_is_bounded() -> None:
    # 40 arrays each holding the next one twice: 2**40 values once expanded, a few hundred bytes on disk
    objs = [bytes([0xD1, 41, 1])] + [bytes([0xA2, i + 1, i + 1]) for i in range(1, 40)] + [b"\x51a", b"\x51k"]
    objs[1:40] = [bytes([0xA2, i + 1, i + 1]) for i in range(1, 40)]
    started = time.monotonic()
    with pytest.raises(PlistError, match="more than"):
        load_plist(_bplist(objs))
    assert time.monotonic() - started < 5


def test_corrupt_ipas(tmp_path: Path) -> None:
    good = iosbuild.signed_ipa(
        tmp_path / "g.ipa",
        iosbuild.Signer("x"),
        team_id=FAKE_TEAM,
        team_name="t",
        bundle_id="a.b",
        display_name="A",
        distribution="enterprise",
    )
    data = good.read_bytes()
    for name, blob in (
        ("trunc.ipa", data[: len(data) // 2]),
        ("rand.ipa", b"PK\x03\x04" + b"\x00" * 5000),
        ("empty.ipa", b""),
    ):
        p = tmp_path / name
        p.write_bytes(blob)
        with pytest.raises(IpaError):
            read_ipa(p)


def test_garbage_provisioning_profile_keeps_info_plist(tmp_path: Path) -> None:
    p = iosbuild.build_ipa(
        tmp_path / "g.ipa",
        bundle_id="tw.com.huayuesec.trade",
        display_name="華岳e把罩",
        provision=b"\x30\x82\x01\x00" + b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02" + b"\xff" * 200,
    )
    info = read_ipa(p)
    assert info.bundle_id == "tw.com.huayuesec.trade" and info.provision is None
    assert any("not a CMS signed data" in e for e in info.errors)


def test_zip_bomb_ipa_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "bomb.ipa"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("Payload/B.app/Info.plist", "w") as out:
            block = b"\0" * (1 << 20)
            for _ in range(300):  # 300 MB of zeros, ~300 KB compressed
                out.write(block)
        z.writestr(
            "Payload/B.app/embedded.mobileprovision",
            iosbuild.Signer("x").sign(
                iosbuild.provision_plist(
                    team_id=FAKE_TEAM,
                    team_name="t",
                    bundle_id="b.c",
                    distribution="ad_hoc",
                    developer_cert=b"not a certificate",
                )
            ),
        )
    assert path.stat().st_size < 2_000_000
    tracemalloc.start()
    started = time.monotonic()
    info = read_ipa(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.monotonic() - started < 5 and peak < 20 * 1024 * 1024
    assert any("Info.plist" in e for e in info.errors)
    assert info.provision is not None and info.provision.distribution == "ad_hoc"
    assert any("developer certificate cannot be read" in e for e in info.provision.errors)


def test_corrupt_ipa_in_a_trace_is_invalid_and_the_rest_is_kept(
    site: Site, brands: list[PreparedBrand]
) -> None:
    site.routes["/bad.ipa"] = Route(
        200, b"PK\x03\x04garbage" * 100, {"Content-Type": "application/octet-stream"}
    )
    site.routes["/garbage.mobileconfig"] = Route(
        200,
        b"\x30\x82\x00\x10\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02xx",
        {"Content-Type": "application/x-apple-aspen-config"},
    )
    site.routes["/mixed"] = html(APK_LINK + "<a href='/bad.ipa'>ios</a><a href='/garbage.mobileconfig'>p</a>")
    r = go(site, "/mixed", brands)
    got = {a.kind: a.verdict for a in r.artifacts}
    assert got == {"apk": "impostor", "ipa": "invalid", "mobileconfig": "invalid"}


def test_private_addresses_are_refused_without_the_flag(site: Site, brands: list[PreparedBrand]) -> None:
    r = trace(site.url("/mixed"), Fetcher(), brands)
    assert r.artifacts == () and "loopback" in r.errors[0] and r.requests == 0


def test_profile_served_as_text_behind_an_unlabelled_link(site: Site, brands: list[PreparedBrand]) -> None:
    body = iosbuild.mobileconfig(label="華岳證券", url="https://evil.example/", extra=("com.apple.mdm",))
    site.routes["/p"] = Route(200, body, {"Content-Type": "text/xml"})
    site.routes["/text-profile"] = html("<a href='/p?id=1'>iOS 下載</a>")
    r = go(site, "/text-profile", brands)
    (a,) = r.artifacts
    assert (a.kind, a.detected_by, a.verdict) == ("mobileconfig", "magic", "impersonation")
    assert a.key == f"mobileconfig:{a.sha256}" and not r.stopped
