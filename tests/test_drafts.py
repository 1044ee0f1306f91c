"""Drafts for every kind against cases of every family, hostile listing text, duplicate takedowns, the CLI."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.casework.casefacts import (
    ApkFacts,
    CaseFacts,
    Certificate,
    EvidenceItem,
    ListingFacts,
    PoliceReport,
    Reason,
    TakedownRequest,
    TimelineEntry,
)
from bot.casework.drafts import (
    APPLE_DISPUTE_FORM,
    PLAY_IMPERSONATION_FORM,
    PLAY_IP_FORM,
    DraftError,
    DuplicateTakedown,
    make_draft,
)
from bot.casework.workflow import draft_for_case
from bot.cli import main
from bot.desk import cases
from scanners.profile import load_profile
from tests.conftest import DATA, HOOKS
from tests.scanrows import listing, write_scan

PROFILE = load_profile(DATA / "brands.toml")
HUAYUE = PROFILE.brand("huayue")
OFFICIAL_PLAY = "https://play.google.com/store/apps/details?id=tw.com.huayuesec.trade"
OFFICIAL_IOS = "https://apps.apple.com/tw/app/id1488123456"


def _r(code: str, zh: str, en: str, points: int = 30) -> Reason:
    return Reason(code, points, zh, en)


# One case per family of impostor the scanners find (scanning issue); the icon family is about the logo.
FAMILIES: dict[str, tuple[str, str, tuple[Reason, ...], bool]] = {
    "exact_name_other_developer": (
        "華岳證券",
        "Huayue Invest Ltd",
        (
            _r("name_exact", "名稱與「華岳證券」相同", "same name as 華岳證券"),
            _r("developer_not_official", "開發者不是官方帳號", "not the official developer"),
        ),
        False,
    ),
    "simplified_chinese": (
        "华岳证券专业版",
        "HY Tech",
        (_r("name_simplified", "簡體字名稱「华岳证券」", "Simplified-Chinese name"),),
        False,
    ),
    "lookalike_characters": (
        "華岳証劵 VIP",
        "HY Tech",
        (_r("name_lookalike", "以形近字冒用（証／劵）", "look-alike characters"),),
        False,
    ),
    "copied_developer_name": (
        "華岳e把罩",
        "華岳綜合證券股份有限公司",
        (
            _r(
                "developer_name_copied",
                "冒用官方開發者名稱於其他帳號",
                "official developer name on another account",
            ),
        ),
        False,
    ),
    "lookalike_icon": (
        "華岳智能投資",
        "Smart Invest",
        (
            _r("icon_similar", "圖示與官方圖示相似（感知雜湊距離 4）", "icon looks like the official one"),
            _r("name_partial", "名稱含「華岳」", "name contains 華岳"),
        ),
        True,
    ),
    "investment_platform": (
        "華岳投資交易平台",
        "Global Wealth",
        (
            _r(
                "description_red_flags",
                "說明含「保證獲利」「加LINE」",
                "description promises guaranteed profit",
            ),
        ),
        False,
    ),
}


def _facts(family: str, store: str = "google_play", **kw: object) -> CaseFacts:
    title, developer, reasons, _ = FAMILIES[family]
    app_id = "com.fake.huayue" if store == "google_play" else "6400000001"
    li = ListingFacts(
        store=store,
        app_id=app_id,
        title=title,
        developer=developer,
        developer_id="999",
        developer_email="scam@example.net",
        url=f"https://example.invalid/{app_id}",
        reasons=reasons,
        first_seen="2026-11-20T01:30:00+00:00",
        last_seen="2026-11-21T01:30:00+00:00",
    )
    base = CaseFacts(
        case_id=42,
        brand_id="huayue",
        state="confirmed",
        listing=li,
        timeline=(
            TimelineEntry("2026-11-20T01:30:00+00:00", "scan", "open", "", "new"),
            TimelineEntry("2026-11-20T02:00:00+00:00", "tg:1001 @alice", "confirm", "new", "confirmed"),
        ),
        evidence=(EvidenceItem("raw/001-details-20261120013000.json", "a" * 64, 100),),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_play_draft_per_family_names_the_right_form_and_the_facts(family: str, lang: str):
    title, developer, reasons, is_ip = FAMILIES[family]
    d = make_draft("play", _facts(family), HUAYUE, lang)
    text = d.text()
    if is_ip:
        assert d.form_url == PLAY_IP_FORM
        assert ("商標" in d.why) if lang == "zh" else ("trademark" in d.why)
    else:
        assert d.form_url == PLAY_IMPERSONATION_FORM
        assert "Impersonation" in d.form_name and "Impersonation" in d.why
    o, c = ("「", "」") if lang == "zh" else ("“", "”")  # each language's own quotes
    assert f"{o}{title}{c}" in text and f"{o}{developer}{c}" in text and "com.fake.huayue" in text
    for r in reasons:
        assert (r.zh if lang == "zh" else r.en) in text
    assert OFFICIAL_PLAY in text and OFFICIAL_IOS in text and HUAYUE.download_page in text
    assert HUAYUE.legal_name in text
    for dev in HUAYUE.official_developers:
        assert dev in text
    assert d.form_url in text  # the draft says where to file it


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_apple_draft_and_store_mismatch(lang: str):
    facts = _facts("exact_name_other_developer", store="app_store")
    d = make_draft("apple", facts, HUAYUE, lang)
    assert d.form_url == APPLE_DISPUTE_FORM and "6400000001" in d.subject and "6400000001" in d.text()
    assert ("「華岳證券」" if lang == "zh" else "“華岳證券”") in d.text() and OFFICIAL_IOS in d.text()
    assert "1488000001" in d.text().split("\n\n")[2]  # the official developer id: the fact that decides
    with pytest.raises(DraftError, match="not a Google Play listing"):
        make_draft("play", facts, HUAYUE, lang)
    with pytest.raises(DraftError, match="not an App Store listing"):
        make_draft("apple", _facts("exact_name_other_developer"), HUAYUE, lang)


def test_store_draft_for_an_apk_case_cites_hashes_and_certificates():
    apk = ApkFacts(
        sha256="b" * 64,
        verdict="impostor",
        package="tw.com.huayuesec.trade",
        app_name="華岳e把罩",
        certificates=(Certificate("c" * 64, "CN=x", "CN=x"),),
    )
    facts = CaseFacts(case_id=7, brand_id="huayue", state="confirmed", apk=apk)
    for lang in ("zh", "en"):
        text = make_draft("store", facts, HUAYUE, lang).text()
        assert "b" * 64 in text and "c" * 64 in text and "tw.com.huayuesec.trade" in text
        assert "abuse@" in text and OFFICIAL_PLAY in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_police_draft_has_what_when_evidence_and_timeline(lang: str):
    facts = _facts(
        "investment_platform",
        police=(PoliceReport("2026-11-20T05:00:00+00:00", "A1130099", "165"),),
        takedowns=(TakedownRequest("2026-11-20T04:00:00+00:00", "google_play", "GP-1"),),
    )
    d = make_draft("police", facts, HUAYUE, lang)
    text = d.text()
    assert "165" in d.form_name
    assert "2026-11-20 09:30 (UTC+8)" in text  # first sighting in Taiwan time
    assert "raw/001-details-20261120013000.json" in text and "a" * 64 in text  # evidence with its hash
    # The timeline reads as sentences, not state codes ("open →new", "new→confirmed").
    timeline = text.split("四、" if lang == "zh" else "4. Timeline")[1].split("\n\n")[0]
    if lang == "zh":
        assert "2026-11-20 10:00 (UTC+8) tg:1001 @alice 確認為假冒。" in timeline
        assert "系統掃描發現此 App，開立案件。" in timeline
    else:
        assert "2026-11-20 10:00 (UTC+8) tg:1001 @alice confirmed it is fake." in timeline
        assert "The scan found the app and opened the case." in timeline
    assert "→" not in timeline and "confirmed" not in timeline.replace("confirmed it", "")
    assert "A1130099" in text and "GP-1" in text  # earlier report and takedown carried
    assert ("「華岳投資交易平台」" if lang == "zh" else "“華岳投資交易平台”") in text and (
        "保證獲利" in text if lang == "zh" else "guaranteed" in text
    )
    assert OFFICIAL_PLAY in text


def test_website_warning_lists_current_fakes_and_escapes_html():
    hostile = _facts("exact_name_other_developer")
    hostile = replace(hostile, listing=replace(hostile.listing, title='假<script>alert(1)</script>"華岳'))  # type: ignore[arg-type]
    other = replace(_facts("simplified_chinese", store="app_store"), case_id=43)
    d = make_draft("website", hostile, HUAYUE, "zh", current=[hostile, other])
    assert (
        "华岳证券专业版" in d.body and '假<script>alert(1)</script>"華岳' in d.body
    )  # plain text keeps it as text
    assert "<script>" not in d.html
    assert html.escape('假<script>alert(1)</script>"華岳') in d.html
    assert f'href="{OFFICIAL_PLAY}"' in d.html and f'href="{OFFICIAL_IOS}"' in d.html
    # two fakes; the Play, App Store and Galaxy Store apps and the download page
    assert d.html.count("<li>") == 2 + 4
    en = make_draft("website", hostile, HUAYUE, "en", current=[])
    assert "none at present" in en.body and OFFICIAL_PLAY in en.body


HOSTILE = "華岳證券\n主旨: 已撤回\r\n\u2028報案人：某某\u202eKCATTA\x1b[31m\x00\t end"


@pytest.mark.parametrize("kind", ["play", "police", "store", "website"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_listing_text_cannot_forge_lines(kind: str, lang: str):
    benign = _facts("exact_name_other_developer")
    evil = replace(
        benign,
        listing=replace(benign.listing, title=HOSTILE, developer=HOSTILE, developer_email=HOSTILE),  # type: ignore[arg-type]
        timeline=(
            *benign.timeline,
            TimelineEntry("2026-11-20T03:00:00+00:00", "tg:1 @x", "note", "", "", HOSTILE),
        ),
    )
    ref = make_draft(kind, replace(benign, timeline=evil.timeline), HUAYUE, lang).text()
    text = make_draft(kind, evil, HUAYUE, lang).text()
    # The same number of lines as with a benign title: nothing was injected as a line of its own.
    assert len(text.splitlines()) == len(ref.splitlines())
    assert not any(line.startswith(("主旨: 已撤回", "報案人：某某")) for line in text.splitlines())
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\u202a-\u202e]", text)
    assert "華岳證券 主旨: 已撤回 報案人：某某 KCATTA [31m end" in text


def test_duplicate_takedown_refused_with_first_date_and_ref_unless_forced():
    first = TakedownRequest("2026-11-20T04:00:00+00:00", "google_play", "GP-555")
    facts = _facts("exact_name_other_developer", takedowns=(first,), takedown="requested")
    with pytest.raises(DuplicateTakedown) as err:
        make_draft("play", facts, HUAYUE, "zh")
    assert "2026-11-20 12:00 (UTC+8)" in str(err.value) and "GP-555" in str(err.value)
    forced = make_draft("play", facts, HUAYUE, "zh", force=True).text()
    assert "2026-11-20" in forced and "GP-555" in forced and "再次申請" in forced
    # Police and website drafts are not takedown requests: never refused.
    make_draft("police", facts, HUAYUE, "zh")
    # After the app was removed and came back, a new request is due; the old one is carried forward.
    relisted = replace(
        facts,
        state="relisted",
        removals=("2026-11-22T00:00:00+00:00",),
        relistings=("2026-11-25T00:00:00+00:00",),
        police=(PoliceReport("2026-11-20T05:00:00+00:00", "A1130001", "165"),),
    )
    text = make_draft("play", relisted, HUAYUE, "en").text()
    assert "GP-555" in text and "A1130001" in text and "listed again" in text
    assert "Re-listed 2026-11-25" in text


# --- through the database and the command line ----------------------------------------------------------


def _db_case(db) -> int:
    fake = listing("com.fake.huayue", title="華岳證券 VIP")
    return cases.sync_from_scan(db, write_scan(db, [fake]), PROFILE).opened[0]


def test_draft_for_case_records_it_and_refuses_a_second_takedown(db):
    cid = _db_case(db)
    d = draft_for_case(db, PROFILE, cid, "play", "zh")
    assert "「華岳證券 VIP」" in d.text() and d.form_url == PLAY_IMPERSONATION_FORM
    cases.request_takedown(
        db, cid, cases.Actor("tg:1"), "GP-9", when="2026-11-21T02:00:00+00:00", hooks=HOOKS
    )
    with pytest.raises(DuplicateTakedown, match="GP-9"):
        draft_for_case(db, PROFILE, cid, "play", "zh")
    draft_for_case(db, PROFILE, cid, "play", "en", force=True)
    police = draft_for_case(db, PROFILE, cid, "police", "zh")
    assert "GP-9" in police.text()
    rows = list(
        db.query("SELECT kind, lang, form, forced FROM case_drafts WHERE case_id = ? ORDER BY id", [cid])
    )
    assert [(r["kind"], r["lang"], r["form"], r["forced"]) for r in rows] == [
        ("play", "zh", "impersonation", 0),
        ("play", "en", "impersonation", 1),
        ("police", "zh", "police", 0),
    ]


def test_cli_draft(db, tmp_path: Path):
    cid = _db_case(db)
    db_path = str(Path(db.conn.execute("PRAGMA database_list").fetchone()[2]))
    runner = CliRunner()
    res = runner.invoke(main, ["draft", str(cid), "police", "--db", db_path])
    assert res.exit_code == 0, res.output
    assert "165" in res.output and "「華岳證券 VIP」" in res.output
    cases.request_takedown(
        db, cid, cases.Actor("tg:1"), "GP-77", when="2026-11-21T02:00:00+00:00", hooks=HOOKS
    )
    again = runner.invoke(main, ["draft", str(cid), "play", "--db", db_path])
    assert again.exit_code == 1 and "GP-77" in again.output and "2026-11-21" in again.output
    assert "Traceback" not in again.output
    forced = runner.invoke(main, ["draft", str(cid), "play", "--force", "--lang", "en", "--db", db_path])
    assert forced.exit_code == 0 and "GP-77" in forced.output
    web = runner.invoke(main, ["draft", str(cid), "website", "--html", "--db", db_path])
    assert web.exit_code == 0 and web.output.startswith('<section class="fakeapp-warning">')
    assert runner.invoke(main, ["draft", "999", "play", "--db", db_path]).exit_code == 1
    wrong = runner.invoke(main, ["draft", str(cid), "apple", "--db", db_path])
    assert wrong.exit_code == 1 and "not an App Store listing" in wrong.output
