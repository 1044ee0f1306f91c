"""What people read, checked as a property over every catalogue string and every rendered card, timeline,
draft, notice, reply and report, in both languages: no internal codes in Chinese text, each language's own
punctuation, and the targeted items of issue 10 (signed points, display names, labels)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot.alerts import frontline
from bot.alerts.render import case_card, points, timeline_text
from bot.casework import reports
from bot.casework.workflow import draft_for_case
from bot.core import i18n
from bot.desk import cases
from bot.desk.hooks import case_hooks
from bot.outbox.text import html_to_text
from bot.telegram.app import COMMANDS, done_text, help_text
from scanners.profile import load_profile
from tests.conftest import DATA
from tests.scanrows import listing, write_scan

PROFILE = load_profile(DATA / "brands.toml")
HOOKS = case_hooks(PROFILE, frontline_chat="-100777")  # with the front-line chat the fixture sets
BRAND_IDS = tuple(b.id for b in PROFILE.brands)
# The codes a Chinese reader must never see: states, takedown and police tracks, verdicts, stores, brands.
CODES = (
    "new", "confirmed", "false_positive", "resolved", "relisted", "open",
    "none", "requested", "removed", "rejected", "reported",
    "impersonation", "suspicious", "malicious", "unrelated", "official_signer_other_package", "repackaged",
    "impostor", "tampered", "google_play", "app_store", "degraded", "broken", "failed",
    *BRAND_IDS,
)  # fmt: skip
CODE_RE = re.compile(r"(?<![A-Za-z0-9_./@:-])(" + "|".join(CODES) + r")(?![A-Za-z0-9_])")
FULL_WIDTH = re.compile(r"[，。：；！？（）「」『』、【】]")
ENGLISH_QUOTES = re.compile(r"[\"“”‘’]")
TAG = re.compile(r"<[^>]+>")
# Command arguments are what a user types: their help shows them as they are typed.
TYPED = {"help.cases", "help.draft", "cmd.draft", "cmd.report", "help.report", "help.lang", "cmd.lang",
         "help.settings", "settings.view", "draft.usage", "report.usage",
         "case_error.unknown_state", "pause.usage"}  # fmt: skip


def check_zh(text: str, where: str) -> None:
    plain = TAG.sub("", text)
    m = CODE_RE.search(plain)
    assert m is None, f"{where}: internal code {m.group(0)!r} in Chinese text: {plain[:300]!r}"
    assert not ENGLISH_QUOTES.search(plain), f"{where}: English quotes in Chinese text: {plain[:300]!r}"
    assert "+-" not in plain and "(+" not in plain, where


def check_en(text: str, where: str) -> None:
    plain = TAG.sub("", text)
    m = FULL_WIDTH.search(plain)
    assert m is None, f"{where}: full-width {m.group(0)!r} in English text: {plain[:300]!r}"
    assert "+-" not in plain, where


def catalogues() -> Iterator[tuple[str, str, str]]:
    """(where, language, text) for every string the bot and the casework say: all of them in the catalogue
    (the front-line notices, /draft, /report, /evidence and the report's chart included)."""
    for key, entry in i18n.CATALOGUE.items():
        for lang, text in entry.items():
            yield f"i18n:{key}", lang, text


@pytest.mark.parametrize(("where", "lang", "text"), list(catalogues()), ids=lambda v: str(v)[:40])
def test_every_catalogue_string(where: str, lang: str, text: str) -> None:
    text = re.sub(r"\{[a-z_]+\}", "", text)  # placeholders are filled by the callers (checked rendered)
    if lang == "zh":
        if where.split(":", 1)[-1] not in TYPED:
            check_zh(text, where)
        else:
            assert not ENGLISH_QUOTES.search(TAG.sub("", text)), where
    else:
        check_en(text, where)


def test_both_languages_everywhere() -> None:
    for key, entry in i18n.CATALOGUE.items():
        assert set(entry) == {"zh", "en"}, key
    for prefix in ("frontline.", "draft.", "report.", "evidence.", "chart."):  # once in tables of their own
        assert any(key.startswith(prefix) for key in i18n.CATALOGUE), prefix


def test_points_are_signed() -> None:
    assert [points(60), points(-60), points(0), points("x")] == ["+60", "-60", "+0", ""]


# --- rendered text ---------------------------------------------------------------------------------------


@pytest.fixture
def worked(db, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """A Play case and an App Store case taken through the whole track, plus a false positive."""
    monkeypatch.setenv("FAKEAPP_FRONTLINE_CHAT_ID", "-100777")
    ana = cases.Actor("tg:222", "@ana")
    rows = [
        listing("com.fake.words", title="華岳證券 VIP", developer="Huayue Invest Ltd"),
        listing("9990001", store="app_store", title="華悅證券 股票通", developer="HY Tech"),
        listing("com.fake.fp", title="華岳證券 投資", developer="Other"),
    ]
    opened = cases.sync_from_scan(db, write_scan(db, rows), PROFILE).opened
    play, ios, fp = opened
    for cid in (play, ios):
        cases.confirm(db, cid, ana, hooks=HOOKS)
        cases.request_takedown(db, cid, ana, "REF-1", hooks=HOOKS)
        cases.reject_takedown(db, cid, ana, "需補充證據", hooks=HOOKS)
        cases.request_takedown(db, cid, ana, "REF-2", hooks=HOOKS)
        cases.report_police(db, cid, ana, "A11300999", "165", hooks=HOOKS)
        cases.note(db, cid, ana, "客服接獲來電", hooks=HOOKS)
        cases.assign(db, cid, ana, "@bob", hooks=HOOKS)
    cases.false_positive(db, fp, ana, "合作夥伴", hooks=HOOKS)
    return {"play": play, "ios": ios, "fp": fp}


def rendered(db, ids: dict[str, int], lang: str) -> Iterator[tuple[str, str]]:
    names = {b.id: b.name for b in PROFILE.brands}
    for label, cid in ids.items():
        case = cases.get_case(db, cid)
        for kind in ("case_alert", "case", "removed", "reminder"):
            card = case_card(case, lang, kind=kind, reminder_days=7, brand_name=names[case.brand])
            yield f"card:{label}:{kind}", html_to_text(card)
        yield f"timeline:{label}", html_to_text(timeline_text(cases.timeline(db, cid), lang))
        yield f"frontline:{label}", html_to_text(frontline.notice_text(case, PROFILE.brand(case.brand), lang))
        for action in ("confirm", "takedown", "rejected", "police", "resolve", "fp"):
            yield (
                f"done:{label}:{action}",
                html_to_text(done_text(lang, action, case, "說明" if lang == "zh" else "note")),
            )
    kinds = {"play": ("play", "police", "store", "website"), "ios": ("apple", "police", "store", "website")}
    for label, wanted in kinds.items():
        for kind in wanted:
            d = draft_for_case(db, PROFILE, ids[label], kind, lang, force=True)
            yield f"draft:{label}:{kind}", d.text().replace(d.form_url, "")
    for role in ("viewer", "analyst", "admin"):
        # Command arguments are typed as they are (see TYPED); every other line is checked.
        shown = help_text(lang, role, COMMANDS).splitlines()
        yield (
            f"help:{role}",
            "\n".join(x for x in shown if not x.startswith(("/cases", "/draft", "/settings"))),
        )
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    rep = reports.load_report(db, now - timedelta(days=1), now + timedelta(days=1))
    yield "report", reports.render_text(rep, lang, names)


# Text that comes from the store or the user and is shown as it is (escaped), not ours to translate.
DATA_WORDS = ("Huayue Invest Ltd", "HY Tech", "Other", "REF-1", "REF-2", "@bob", "@ana", "tg:222")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_rendered_text_follows_its_language(db, worked: dict[str, int], lang: str) -> None:
    seen = 0
    for where, text in rendered(db, worked, lang):
        for word in DATA_WORDS:
            text = text.replace(word, "")
        text = re.sub(r"https?://\S+", "", text)  # links are addresses, not words
        (check_zh if lang == "zh" else check_en)(text, where)
        seen += 1
    assert seen >= 45


def test_cards_show_names_labels_and_signed_points(db, worked: dict[str, int]) -> None:
    case = cases.get_case(db, worked["play"])
    zh = html_to_text(case_card(case, "zh", brand_name="華岳證券"))
    en = html_to_text(case_card(case, "en", brand_name="華岳證券"))
    assert "品牌：華岳證券" in zh and "huayue" not in zh and "已確認假冒" in zh and "判定：假冒" in zh
    assert "Brand: 華岳證券" in en and "App: " in en and "：" not in en and "（" not in en
    assert re.search(r"（\+\d+）", zh) and re.search(r" \(\+\d+\)", en)
    row = dict(next(db.query("SELECT * FROM cases WHERE id = ?", [case.id])))
    row["reasons"] = '[{"code": "x", "points": -60, "zh": "說明", "en": "why"}]'
    negative = cases.Case.from_row(row)
    assert "（-60）" in case_card(negative, "zh") and "+-" not in case_card(negative, "zh")


def test_drafts_claim_only_what_the_evidence_shows(db, worked: dict[str, int]) -> None:
    from dataclasses import replace

    from bot.casework.casefacts import Reason
    from bot.casework.drafts import make_draft
    from bot.casework.workflow import case_facts

    facts = case_facts(db, worked["play"])
    assert facts.listing is not None
    icon_only = replace(
        facts,
        listing=replace(
            facts.listing, reasons=(Reason("icon_copy", 35, "圖示與官方圖示幾乎相同", "icon copy"),)
        ),
    )
    brand = PROFILE.brand("huayue")
    zh = make_draft("play", icon_only, brand, "zh", force=True).text()
    en = make_draft("play", icon_only, brand, "en", force=True).text()
    assert "未經授權使用本公司之標誌（App 圖示）" in zh and "名稱、商標" not in zh and "名稱與商標" not in zh
    assert "uses our logo (the app icon) without" in en and "name, trademark" not in en
    both = replace(
        facts,
        listing=replace(
            facts.listing,
            reasons=(Reason("name", 60, "名稱…", "title …"), Reason("icon_copy", 35, "圖示…", "icon …")),
        ),
    )
    assert "名稱與商標及標誌（App 圖示）" in make_draft("play", both, brand, "zh", force=True).text()


def test_the_apple_draft_names_the_official_developer_ids(db, worked: dict[str, int]) -> None:
    brand = PROFILE.brand("huayue")
    official = sorted({a.developer_id for a in brand.apps if a.store == "app_store" and a.developer_id})
    assert official
    for lang in ("zh", "en"):
        text = draft_for_case(db, PROFILE, worked["ios"], "apple", lang, force=True).text()
        intro = text.split("\n\n")[2]
        assert all(d in intro for d in official), intro


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_refused_changes_read_in_the_users_language(db, worked: dict[str, int], lang: str) -> None:
    ana = cases.Actor("tg:222", "@ana")
    attempts = [
        lambda: cases.get_case(db, 99999),
        lambda: cases.reject_takedown(db, worked["fp"], ana, "x", hooks=HOOKS),
        lambda: cases.resolve(db, worked["play"], ana, "", hooks=HOOKS),
        lambda: cases.note(db, worked["play"], ana, " ", hooks=HOOKS),
        lambda: cases.report_police(db, worked["fp"], ana, "A1", "165", hooks=HOOKS),
        lambda: cases.list_cases(db, state="bogus"),
    ]
    for attempt in attempts:
        with pytest.raises(cases.CaseError) as info:
            attempt()
        text = i18n.case_error_text(lang, info.value)
        assert info.value.key, str(info.value)
        if lang == "zh":
            if info.value.key != "unknown_state":  # it lists the states as they are typed
                check_zh(text, info.value.key)
                assert not re.search(r"[a-z]{4,}", text), text
        else:
            check_en(text, info.value.key)
