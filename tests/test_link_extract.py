"""Page extraction and link classification, offline: the redirect forms, artifact links in markup and in
plain text, and what is not a link."""

from __future__ import annotations

import pytest

from scanners.links.extract import classify, extract


@pytest.mark.parametrize(
    "script",
    [
        'location.href = "/next"',
        "window.location.href='/next';",
        'window.location = "/next"',
        'top.location.replace("/next")',
        "document.location.assign('/next')",
    ],
)
def test_script_redirects(script: str) -> None:
    facts = extract(f"<script>var a=1;{script}</script>", "https://s.example/a/b")
    assert facts.script_redirect == "https://s.example/next"


@pytest.mark.parametrize("content", ["0; url=/next", "0;URL='/next'", "3,url=/next", "  1 ; Url = /next "])
def test_meta_refresh_forms(content: str) -> None:
    facts = extract(f"<meta http-equiv='Refresh' content=\"{content}\">", "https://s.example/a")
    assert facts.refresh == "https://s.example/next"


def test_links_in_markup_and_text() -> None:
    page = (
        "<base href='https://cdn.example/x/'><a href='app.apk'>下載</a><a href='javascript:void(0)'>x</a>"
        "<div data-href='p.mobileconfig'></div><img src='qr.png'>"
        "<p>複製到 Safari：itms-services://?action=download-manifest&amp;url=https://m.example/m.plist</p>"
        "<script>var tf = 'https://testflight.apple.com/join/Zz9Yy8Xx';</script>"
    )
    facts = extract(page, "https://s.example/")
    kinds = sorted(k[0] for link in facts.links if (k := classify(link.url)))
    assert kinds == ["apk", "itms_manifest", "mobileconfig", "testflight"]
    assert facts.images == ["https://cdn.example/x/qr.png"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://play.google.com/store/apps/details?id=tw.x.y&hl=zh_TW", ("google_play", "tw.x.y")),
        ("market://details?id=tw.x.y", ("google_play", "tw.x.y")),
        ("https://apps.apple.com/tw/app/%E8%8F%AF/id6739001122?l=zh", ("app_store", "6739001122")),
        ("https://a.example/dl/HY.XAPK?t=1", ("apk", "https://a.example/dl/HY.XAPK?t=1")),
        ("https://a.example/a.ipa", ("ipa", "https://a.example/a.ipa")),
        ("https://testflight.apple.com/join/AbCd1234", ("testflight", "AbCd1234")),
        ("https://testflight.apple.com.evil.example/join/AbCd1234", None),
        ("itms-services://?action=download-manifest", None),
        ("https://a.example/page.html", None),
    ],
)
def test_classify(url: str, expected: tuple[str, str] | None) -> None:
    assert classify(url) == expected
