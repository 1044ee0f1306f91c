"""Takedown drafts for Aptoide (abuse e-mail, with the certificate comparison) and the Galaxy Store (Samsung's
intellectual-property channel), in zh and en; each refused for another store's case; hostile text stays in
its line."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.casework.casefacts import CaseFacts, ListingFacts, TakedownRequest, TimelineEntry
from bot.casework.drafts import (
    APTOIDE_ABUSE_EMAIL,
    GALAXY_CONTACT_FORM,
    GALAXY_IP_PAGE,
    DraftError,
    DuplicateTakedown,
    make_draft,
)
from scanners.judging.reason import Reason
from scanners.profile import load_profile
from tests.conftest import DATA

HUAYUE = load_profile(DATA / "brands.toml").brand("huayue")
FORGED = Reason(
    "official_package_foreign_certificate",
    100,
    "使用官方套件名稱 tw.com.huayuesec.trade，但簽章憑證（SHA-1 ebe5e199…08e4）不是官方憑證："
    "重新打包或偽造的 App",
    "uses the official package name tw.com.huayuesec.trade but its signing certificate (SHA-1 ebe5e199…08e4) "
    "is not the official one: a repackaged or forged app",
)
SELLER = Reason(
    "official_developer_name_other_account",
    35,
    "開發者法定名稱「華岳綜合證券股份有限公司」與官方相同，但帳號（90412277）不是官方帳號",
    "developer legal name '華岳綜合證券股份有限公司' copies the official one, "
    "on a different account (90412277)",
)


def aptoide_facts(**kw: object) -> CaseFacts:
    li = ListingFacts(
        store="aptoide",
        app_id="61110077",
        title="華岳e把罩",
        developer="華岳綜合證券股份有限公司",
        developer_id="5503311",
        developer_email="hyapp.update@gmail.com",
        bundle_id="tw.com.huayuesec.trade",
        url="https://apk-tw-mirror.en.aptoide.com/app",
        installs="1,874",
        cert_sha1="ebe5e199f6ff6781eee45e01f0e9eea74b8b08e4",
        cert_owner="CN=Huayue, OU=Huayue, O=Huayue, L=Taipei, ST=Taiwan, C=TW",
        store_name="apk-tw-mirror",
        reasons=(FORGED,),
        first_seen="2026-11-20T01:30:00+00:00",
        last_seen="2026-11-21T01:30:00+00:00",
    )
    base = CaseFacts(
        case_id=7,
        brand_id="huayue",
        state="confirmed",
        listing=li,
        timeline=(TimelineEntry("2026-11-20T01:30:00+00:00", "scan", "open", "", "new"),),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def galaxy_facts() -> CaseFacts:
    li = ListingFacts(
        store="galaxy_store",
        app_id="com.huayue.vip.invest",
        title="華岳VIP",
        developer="華岳綜合證券股份有限公司",
        developer_id="90412277",
        developer_legal_name="華岳綜合證券股份有限公司",
        bundle_id="com.huayue.vip.invest",
        url="https://galaxystore.samsung.com/detail/com.huayue.vip.invest",
        reasons=(SELLER,),
        first_seen="2026-11-20T01:30:00+00:00",
        last_seen="2026-11-21T01:30:00+00:00",
    )
    return CaseFacts(case_id=8, brand_id="huayue", state="confirmed", listing=li)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_aptoide_draft_names_the_store_the_certificates_and_the_abuse_contact(lang: str) -> None:
    d = make_draft("aptoide", aptoide_facts(), HUAYUE, lang)
    text = d.text()
    assert d.kind == "aptoide" and d.to == APTOIDE_ABUSE_EMAIL and APTOIDE_ABUSE_EMAIL in text
    assert "61110077" in d.subject
    assert "「apk-tw-mirror」" in text and "1,874" in text
    assert "ebe5e199f6ff6781eee45e01f0e9eea74b8b08e4" in text  # the listing's certificate
    assert "0e23d4924beca0cf3927a720a151b5d77e28497f" in text  # ours, beside it
    assert "b8cd0900fb5f91892e6cfa0ddbe77f0ec1f3cd792aa77373ba28e4341af75ff7" in text
    assert ("重新打包或偽造" if lang == "zh" else "repackaged or forged") in text
    assert (FORGED.zh if lang == "zh" else FORGED.en) in text
    assert HUAYUE.legal_name in text
    assert "aptoide" not in [line.strip() for line in text.splitlines()]  # no bare internal id as a line
    if lang == "zh":
        assert "Aptoide" in d.form_name and not re.search(r"[A-Za-z]+_[a-z]+", d.form_name)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_aptoide_draft_for_a_lookalike_says_impersonation(lang: str) -> None:
    facts = aptoide_facts()
    facts = replace(facts, listing=replace(facts.listing, reasons=()))  # type: ignore[arg-type]
    text = make_draft("aptoide", facts, HUAYUE, lang).text()
    assert ("冒用" if lang == "zh" else "uses the name and trademark") in text
    assert ("重新打包或偽造" if lang == "zh" else "repackaged or forged") not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_galaxy_draft_goes_to_samsungs_ip_channel(lang: str) -> None:
    d = make_draft("galaxy", galaxy_facts(), HUAYUE, lang)
    text = d.text()
    assert d.kind == "galaxy" and d.form_url == GALAXY_CONTACT_FORM and GALAXY_IP_PAGE in d.why
    assert "com.huayue.vip.invest" in d.subject and "90412277" in text
    assert ("智慧財產權" if lang == "zh" else "intellectual-property") in text
    assert "Samsung Galaxy Store" in text  # the store by its name, not its id
    assert "galaxy_store" not in text


@pytest.mark.parametrize(("kind", "message"), [("aptoide", "not an Aptoide"), ("galaxy", "not a Galaxy")])
def test_each_draft_refuses_another_stores_case(kind: str, message: str) -> None:
    other = galaxy_facts() if kind == "aptoide" else aptoide_facts()
    with pytest.raises(DraftError, match=message):
        make_draft(kind, other, HUAYUE, "zh")


def test_second_aptoide_takedown_refused_unless_forced() -> None:
    facts = aptoide_facts(takedowns=(TakedownRequest("2026-11-20T04:00:00+00:00", "aptoide", "APT-1"),))
    with pytest.raises(DuplicateTakedown, match="APT-1"):
        make_draft("aptoide", facts, HUAYUE, "zh")
    assert make_draft("aptoide", facts, HUAYUE, "zh", force=True).kind == "aptoide"


@pytest.mark.parametrize("kind", ["aptoide", "galaxy"])
def test_hostile_store_text_cannot_forge_lines(kind: str) -> None:
    evil = "華岳\n主旨: 已撤回\r\n\u2028報案人：某某\u202e"
    facts = aptoide_facts() if kind == "aptoide" else galaxy_facts()
    assert facts.listing is not None
    bad = replace(facts, listing=replace(facts.listing, title=evil, developer=evil))  # type: ignore[arg-type]
    if kind == "aptoide":
        bad = replace(bad, listing=replace(bad.listing, store_name=evil, cert_owner=evil))  # type: ignore[arg-type]
    ref = make_draft(kind, facts, HUAYUE, "zh").text()
    text = make_draft(kind, bad, HUAYUE, "zh").text()
    assert len(text.splitlines()) == len(ref.splitlines())
    assert not any(line.startswith(("主旨: 已撤回", "報案人：某某")) for line in text.splitlines())
