"""The evidence pack's printable summary, pinned: the HTML page and the PDF's sections for two fixed cases (a
store listing with its APK, every optional field and section filled; a traced link) are exactly the golden
files in tests/fixtures/evidence/. A change to the summary's wording or markup shows here as a diff of the
golden file; regenerate them with ``FAKEAPP_REGEN_GOLDEN=1`` only when the change is meant."""

from __future__ import annotations

import json
import os
from datetime import timedelta, timezone
from pathlib import Path

import pytest

from bot.casework.casefacts import (
    ApkFacts,
    CaseFacts,
    Certificate,
    LinkFacts,
    ListingFacts,
    PoliceReport,
    TakedownRequest,
    TimelineEntry,
)
from bot.casework.evidence import PackFile, summary_html
from bot.casework.evidence_pdf import summary_sections
from scanners.judging.reason import Reason

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "evidence"
TZ = timezone(timedelta(hours=8))
# Markup-looking store text (no controls: those are dropped, which tests/test_textsafe.py and the hostile
# tests check): every one of these must come out escaped.
TITLE = "華岳證券 <b>VIP</b> & \"Pro\" '極速'"
REASONS = (
    Reason("name", 50, "名稱與「華岳證券」相同", "name matches"),
    Reason("icon_phash", 30, "圖示與官方 App 相似 <img>", "icon is similar"),
    Reason("developer", -5, "開發者 & 官方 無關", "not the official developer"),
)
TIMELINE = (
    TimelineEntry("2026-11-20T01:00:00+00:00", "scan", "open"),
    TimelineEntry("2026-11-20T02:00:00+00:00", "@alice", "confirm", "new", "confirmed"),
    TimelineEntry("2026-11-20T03:00:00+00:00", "@alice", "takedown", "none", "requested", "GP-7781 <x>"),
    TimelineEntry("2026-11-20T04:00:00+00:00", "@bob", "police", "", "", "165-2026-0001"),
    TimelineEntry("2026-11-20T05:00:00+00:00", "@bob", "note", "", "", "客戶來電 & 詢問"),
    TimelineEntry("2026-11-21T00:00:00+00:00", "scan", "rescored", "suspicious", "impersonation"),
)
TAKEDOWNS = (
    TakedownRequest("2026-11-20T03:00:00+00:00", "google_play", "GP-7781 <x>"),
    TakedownRequest("2026-11-22T03:00:00+00:00", "aptoide", ""),
)
POLICE = (PoliceReport("2026-11-20T04:00:00+00:00", "165-2026-0001", "刑事警察局 <165>"),)


def _listing_case() -> CaseFacts:
    listing = ListingFacts(
        store="aptoide",
        app_id="com.fake.huayue",
        title=TITLE,
        developer="Huayue <Official> & Co",
        developer_id="dev-999",
        developer_email="scam@example.net",
        developer_website="https://evil.example/?a=1&b=<2>",
        developer_legal_name="Huayue Invest Ltd",
        developer_address="台北市 <某處> 1 號",
        developer_phone="+886-2-0000-0000",
        bundle_id="tw.fake.huayue",
        description="保證獲利 <script>alert(1)</script>\n加 LINE & 飆股\n" + "長" * 40,
        url="https://store.example/app?id=com.fake.huayue&x=<y>",
        version="1.0.2",
        installs="10,000+",
        cert_sha1="ab" * 20,
        cert_owner="CN=<Huayue>, O=Fake & Co",
        store_name="huayue-vip <store>",
        apk_url="https://pool.example/huayue.apk?sig=a&b",
        apk_md5="cd" * 16,
        verdict="impersonation",
        score=75,
        reasons=REASONS,
        first_seen="2026-11-20T01:00:00+00:00",
        last_seen="2026-11-22T00:00:00+00:00",
        present=False,
        removed_at="2026-11-22T00:00:00+00:00",
    )
    apk = ApkFacts(
        sha256="ef" * 32,
        verdict="impostor",
        package="tw.com.huayuesec.trade",
        app_name="華岳 <證券>",
        source="https://evil.example/huayue.apk",
        analysed_at="2026-11-20T06:00:00+00:00",
        certificates=(
            Certificate("12" * 32, "CN=<Huayue>", "CN=Issuer & Co"),
            Certificate("34" * 32, "CN=Other", ""),
        ),
    )
    return CaseFacts(
        case_id=7,
        brand_id="huayue",
        state="confirmed",
        takedown="requested",
        opened_at="2026-11-20T01:00:00+00:00",
        listing=listing,
        apk=apk,
        timeline=TIMELINE,
        takedowns=TAKEDOWNS,
        police=POLICE,
    )


def _link_case() -> CaseFacts:
    link = LinkFacts(
        kind="link",
        store="ipa",
        title="華岳 <VIP> 安裝",
        url="https://dl.evil.example/app.ipa?a=1&b=2",
        domain="dl.evil.example",
        address="203.0.113.7",
        start_url="https://lin.ee/abc?x=<y>",
        final_url="https://dl.evil.example/app.ipa",
        hop_urls=(
            "https://lin.ee/abc?x=<y>",
            "https://dl.evil.example/?r=1&s=2",
            "https://dl.evil.example/app.ipa",
        ),
        details={
            "team_id": "ABCDE12345",
            "team_name": "Fake <Team> & Co",
            "distribution": "enterprise",
            "bundle_id": "tw.fake.ipa",
            "sha256": "56" * 32,
            "code": "",
        },
        reasons=REASONS[:2],
        present=True,
    )
    return CaseFacts(
        case_id=12,
        brand_id="huayue",
        state="new",
        takedown="none",
        opened_at="2026-11-23T01:00:00+00:00",
        link=link,
        timeline=TIMELINE[:1],
    )


def _files(link: bool) -> list[PackFile]:
    files = [
        PackFile("case.json", b'{"id": 7}', "case"),
        PackFile("timeline.json", b"[]", "timeline"),
        PackFile("media/icon-01.png", b"\x89PNG icon", "media"),
        PackFile("media/screenshot-01.png", b"\x89PNG shot", "media"),
        PackFile("apk/efefefefefefefef.json", b"{}", "apk"),
    ]
    if link:
        files += [
            PackFile("link/trace0001/page-01.html", b"<html>1</html>", "page"),
            PackFile("link/trace0001/page-02.html", b"<html>2</html>", "page"),
            PackFile("link/trace0001/screenshot-01.png", b"\x89PNG page", "screenshot"),
            PackFile(
                "link/trace0002/screenshot-missing.txt",
                b"headless Chromium is not installed\n",
                "screenshot_note",
            ),
            PackFile("link/trace0003/screenshot-missing.txt", b"something else broke\n", "screenshot_note"),
        ]
    return files


HISTORY = (
    {"at": "2026-11-21T00:00:00+00:00", "field": "title", "old": "華岳證券", "new": TITLE},
    {"at": "2026-11-21T00:00:00+00:00", "field": "developer_email", "old": None, "new": "a&b@example.net"},
)


def _html(facts: CaseFacts, link: bool) -> str:
    return summary_html(
        facts,
        _files(link),
        brand_name="華岳證券 <Huayue>",
        generated_by="@alice & co",
        generated_at="2026-11-23T02:00:00+00:00",
        history=() if link else HISTORY,
        tz=TZ,
    )


def _sections(facts: CaseFacts, link: bool) -> str:
    sections = summary_sections(
        facts,
        _files(link),
        brand_name="華岳證券 <Huayue>",
        generated_by="@alice & co",
        generated_at="2026-11-23T02:00:00+00:00",
        state_label="已確認假冒",
        takedown_label="已申請下架",
        tz=TZ,
    )
    return json.dumps(sections, ensure_ascii=False, indent=1) + "\n"


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("FAKEAPP_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("link", [False, True], ids=["listing", "link"])
def test_summary_page_is_the_golden_file(link: bool) -> None:
    facts = _link_case() if link else _listing_case()
    _check(f"summary-{'link' if link else 'listing'}.html", _html(facts, link))


@pytest.mark.parametrize("link", [False, True], ids=["listing", "link"])
def test_pdf_sections_are_the_golden_file(link: bool) -> None:
    facts = _link_case() if link else _listing_case()
    _check(f"sections-{'link' if link else 'listing'}.json", _sections(facts, link))


def test_the_golden_page_escapes_every_store_string() -> None:
    """The pin is worth keeping: the golden page holds the hostile values escaped, never as markup."""
    page = (GOLDEN / "summary-listing.html").read_text(encoding="utf-8")
    assert "<b>VIP</b>" not in page and "&lt;b&gt;VIP&lt;/b&gt;" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "CN=&lt;Huayue&gt;" in page and "Huayue &lt;Official&gt; &amp; Co" in page
    link = (GOLDEN / "summary-link.html").read_text(encoding="utf-8")
    assert "Fake &lt;Team&gt; &amp; Co" in link and "<VIP>" not in link
