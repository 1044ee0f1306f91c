"""Reading a listing as an analyst does: category, trading topic, warned-against versus pitched fraud phrases,
the developer's other apps; and the labelled set of bench/labelled judged family by family."""

from __future__ import annotations

import importlib
import json
import sys
from functools import cache
from typing import Any

import pytest

from scanners.judging import context, signals
from scanners.judging.verdict import PreparedBrand, judge, judge_all, prepare_brand
from scanners.listing import Listing
from scanners.profile import load_profile
from tests.conftest import ROOT

LABELLED = ROOT / "bench" / "labelled"
ALERT = {"impersonation", "suspicious"}


@cache
def bench_brands() -> tuple[PreparedBrand, ...]:
    return tuple(prepare_brand(b) for b in load_profile(LABELLED / "brands.toml").brands)


def brand(brand_id: str) -> PreparedBrand:
    return next(b for b in bench_brands() if b.brand.id == brand_id)


@cache
def records() -> tuple[dict[str, Any], ...]:
    lines = (LABELLED / "listings.jsonl").read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


def _judge(rec: dict[str, Any]) -> str:
    listing = Listing.from_dict(rec["listing"])
    apps = [
        Listing.from_dict({"store": listing.store, "app_id": f"other-{i}", **a})
        for i, a in enumerate(rec.get("developer_apps", ()))
    ]
    return judge_all(listing, bench_brands(), developer_apps=apps or None).verdict


def _ok(label: str, verdict: str) -> bool:
    if label == "fake":
        return verdict in ALERT
    if label == "legit":
        return verdict not in ALERT
    return verdict == label


FAMILIES = sorted({(r["label"], r["family"]) for r in records()})


@pytest.mark.parametrize(("label", "family"), FAMILIES, ids=[f"{lab}:{fam}" for lab, fam in FAMILIES])
def test_every_labelled_family_is_judged_right(label: str, family: str) -> None:
    wrong = [(r["id"], v) for r in records() if r["family"] == family and not _ok(label, v := _judge(r))]
    assert not wrong, wrong


def test_labelled_set_is_large_varied_and_two_sided() -> None:
    recs = records()
    assert len(recs) >= 250
    assert {r["listing"]["store"] for r in recs} == {"google_play", "app_store"}
    assert len({r["brand"] for r in recs}) >= 3
    fakes = {r["family"] for r in recs if r["label"] == "fake"}
    legit = {r["family"] for r in recs if r["label"] == "legit"}
    assert len(fakes) >= 20 and len(legit) >= 20
    assert {"noodle_shop", "guesthouse", "hotel", "anti_fraud_app", "hotel_group_sound_alike"} <= legit
    assert len({r["listing"]["title"] + r["listing"].get("description", "") for r in recs}) > 0.8 * len(recs)


def test_stored_set_is_what_the_generator_writes() -> None:
    sys.path.insert(0, str(LABELLED))
    try:
        make = importlib.import_module("make_listings")
    finally:
        sys.path.remove(str(LABELLED))
    assert [json.loads(json.dumps(r, ensure_ascii=False)) for r in make.generate(make.SEED)] == list(
        records()
    )


def test_eval_script_meets_the_goals(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        judge_eval = importlib.import_module("judge_eval")
    finally:
        sys.path.remove(str(ROOT / "bench"))
    assert judge_eval.main(["--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert "recall" in out and "false-alert rate" in out and "confusion" in out and "seed 102" in out


def test_genre_kinds() -> None:
    assert context.genre_kind("財經") == "finance"
    assert context.genre_kind("Finance") == "finance"
    assert context.genre_kind("美食佳飲") == "unrelated"
    assert context.genre_kind("Food & Drink") == "unrelated"
    assert context.genre_kind("GAME_PUZZLE") == "unrelated"
    # Impostors publish in these: they prove nothing either way.
    for genre in ("商業", "工具", "Business", "Utilities", ""):
        assert context.genre_kind(genre) == "other", genre


def test_trading_terms_ignore_legal_forms() -> None:
    assert context.trading_terms("永安大飯店股份有限公司") == []
    assert context.trading_terms("永安集團投資興建的五星級飯店") == []
    assert context.trading_terms("華岳証劵行動下單") == ["證券", "下單"]  # folded variants
    assert context.trading_terms("線上交易安全，付款快速") == []  # bare 交易 is a shop's word too
    assert "stock" in context.trading_terms("Trade US stocks")


def test_phrases_in_a_warning_are_not_a_pitch() -> None:
    use = context.phrase_use(
        "常見投資詐騙話術：\n「保證獲利」\n「飆股」\n請撥打165反詐騙專線",
        signals.FRAUD_PHRASES,
        signals._LINE_ID,
    )
    assert use.pitched == () and set(use.warned) == {"保證獲利", "飆股"}
    use = context.phrase_use(
        "謹防詐騙，認明正版。\n老師帶單保證獲利", signals.FRAUD_PHRASES, signals._LINE_ID
    )
    assert "保證獲利" in use.pitched  # the warning is one sentence, the pitch the next


def test_a_line_id_is_always_a_pitch() -> None:
    use = context.phrase_use("小心詐騙！加LINE：@vip888", signals.FRAUD_PHRASES, signals._LINE_ID)
    assert "LINE ID" in use.pitched
    # "LINE accounts" in a warning is not an id.
    assert not signals._LINE_ID.search("Never add LINE accounts you do not know")


def test_not_about_trading_cancels_only_word_ties_and_says_why() -> None:
    b = brand("yongan")
    shop = Listing(
        store="google_play",
        app_id="com.yongannoodle.order",
        title="永安牛肉麵",
        developer="永安餐飲有限公司",
        genre="美食佳飲",
        description="永安牛肉麵創立於1978年，湯頭以牛骨熬煮十二小時。線上點餐、外帶自取免排隊，會員集點。",
    )
    v = judge(shop, b)
    assert v.verdict == "unrelated" and v.score == 0
    codes = {r.code: r for r in v.reasons}
    assert {"name", "brand_in_developer_name", "package_lookalike", "not_about_trading"} <= set(codes)
    ties = sum(r.points for r in v.reasons if r.code != "not_about_trading")
    assert codes["not_about_trading"].points == -ties
    assert "美食佳飲" in codes["not_about_trading"].zh and "'美食佳飲'" in codes["not_about_trading"].en
    # The same words selling trading are an impostor.
    fake = Listing(
        **{**shop.to_dict(), "description": "永安專業投資平台，即時看盤與快速下單，加LINE：@vip888"}
    )
    assert judge(fake, b).verdict in ALERT


def test_a_short_business_listing_needs_other_evidence() -> None:
    b = brand("fuxing")
    agency = Listing(
        store="app_store",
        app_id="6000000001",
        title="福星旅行社",
        developer="福星旅行社",
        genre="商業",
        description="福星旅行社精選行程",
    )
    assert judge(agency, b).verdict in ALERT  # too little said, in a category impostors use
    others = [
        Listing(store="app_store", app_id="6000000002", title="福星機票比價", genre="旅遊"),
        Listing(store="app_store", app_id="6000000003", title="福星簽證通", genre="旅遊"),
    ]
    v = judge(agency, b, developer_apps=others)
    assert v.verdict == "unrelated"
    reason = next(r for r in v.reasons if r.code == "not_about_trading")
    assert "福星機票比價" in reason.zh and "福星機票比價" in reason.en


def test_fraud_warning_never_clears_a_title_that_is_the_brand() -> None:
    v = judge(
        Listing(
            store="google_play",
            app_id="com.x.y",
            title="福星證券",
            description="小心詐騙！謹防假冒，請撥打165反詐騙專線。",
        ),
        brand("fuxing"),
    )
    assert v.verdict == "impersonation"
    assert "fraud_warning" not in {r.code for r in v.reasons}


def test_judge_all_explains_with_the_brand_it_was_tied_to() -> None:
    shop = Listing(
        store="google_play",
        app_id="com.a.b",
        title="瑞豐夜市美食地圖",
        genre="美食佳飲",
        description="瑞豐夜市攤位地圖：鹽酥雞、臭豆腐、木瓜牛奶一次找。每週二、四、五、六、日營業。",
    )
    v = judge_all(shop, bench_brands())
    assert v.verdict == "unrelated" and v.brand == "ruifeng"
    assert "not_about_trading" in {r.code for r in v.reasons}


def test_new_reasons_are_true_of_the_listing() -> None:
    """Every quoted marker, phrase and category in a reason is in the listing it explains."""
    seen: set[str] = set()
    for rec in records():
        listing = Listing.from_dict(rec["listing"])
        text = f"{listing.title}\n{listing.description}".casefold().replace(" ", "")
        for r in judge_all(listing, bench_brands()).reasons:
            seen.add(r.code)
            if r.code in ("fraud_warning", "fraud_phrases"):
                quoted = [q for q in r.zh.split("「")[1:]]
                for q in (q.split("」")[0] for q in quoted):
                    for word in q.split("、"):
                        assert word.casefold() in text or word == "LINE ID", (rec["id"], word)
            if r.code == "not_about_trading":
                assert not context.trading_terms(f"{listing.title} {listing.description}")
                assert (f"「{listing.genre}」" in r.zh) == bool(listing.genre), rec["id"]
    assert {"fraud_warning", "fraud_phrases", "not_about_trading"} <= seen
