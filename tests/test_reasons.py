"""Reasons say only what is true and read well: 'contains' only what the text contains, both sides of a
sound-alike or look-alike, no circular 'X is X', no 'account (unknown)', brand words as people write them;
an icon that cannot be fetched is said to be unchecked, never silently 'unrelated'."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.record.scan import prepare_profile
from scanners.judging import signals
from scanners.judging.names import name_match
from scanners.judging.normalize import basic
from scanners.judging.reason import Reason, parse_reasons, reasons_json
from scanners.judging.verdict import PreparedBrand, judge, judge_all
from scanners.listing import Listing
from scanners.profile import load_profile
from tests.conftest import DATA


@cache
def huayue() -> PreparedBrand:
    return next(b for b in prepare_profile(load_profile(DATA / "brands.toml")) if b.brand.id == "huayue")


TITLES = [
    "華悅證券 股票通",  # sounds the same (悅/岳)
    "華岳證券",  # is the name
    "华岳证券专业版",  # Simplified
    "華岳証劵 VIP",  # variant characters
    "華岳VIP交易平台",  # the core
    "华岳VIP",
    "華岳證券 股票通",
    "華粵證券",
]


@pytest.mark.parametrize("title", TITLES)
def test_title_reasons_quote_only_what_the_title_holds(title: str) -> None:
    reason = signals.title_signal(Listing(store="google_play", app_id="x.y", title=title), huayue())
    if reason is None:
        return
    assert "即為" not in reason.zh and not re.search(r"\bis '", reason.en)
    # Every 「quoted」 part after the title itself is in the title, or is the brand's name said to differ.
    quoted = re.findall(r"「([^」]+)」", reason.zh)
    assert quoted[0] == title
    m = name_match(title, huayue())
    assert m is not None
    if "含有" in reason.zh:
        assert basic(quoted[-1]) in basic(title), reason.zh
    if "中的" in reason.zh:
        assert quoted[1] in title and quoted[2] == m.name and quoted[1] != quoted[2], reason.zh


def test_the_sound_alike_names_both_and_does_not_say_contains() -> None:
    reason = signals.title_signal(
        Listing(store="google_play", app_id="x.y", title="華悅證券 股票通"), huayue()
    )
    assert reason is not None
    assert reason.zh == "名稱「華悅證券 股票通」中的「華悅證券」與品牌名稱「華岳證券」讀音相同"
    assert "contains" not in reason.en and "'華悅證券'" in reason.en and "'華岳證券'" in reason.en


def test_official_developer_name_without_an_account_id_reads_plainly() -> None:
    name = huayue().brand.official_developers[0]
    r = signals.developer_signal(Listing(store="google_play", app_id="x.y", developer=name), huayue())
    assert r is not None and "未知" not in r.zh and "unknown" not in r.en
    assert "官方帳號" in r.zh
    r2 = signals.developer_signal(
        Listing(store="google_play", app_id="x.y", developer=name, developer_id="Fake+Dev"), huayue()
    )
    assert r2 is not None and "Fake+Dev" in r2.zh and "（" not in r2.zh.split("官方相同")[1]


def test_brand_words_keep_their_case() -> None:
    r = signals.fraud_phrase_signal(
        Listing(store="google_play", app_id="x.y", title="飆股", description="馬上加Line領取飆股")
    )
    assert r is not None and "加LINE" in r.zh and "加line" not in r.zh and "加LINE" in r.en


def test_unfetched_icon_is_said_to_be_unchecked() -> None:
    b = huayue()
    plain = Listing(
        store="google_play", app_id="com.some.app", title="記帳本", icon="http://127.0.0.1:9/x.png"
    )
    v = judge(plain, b, icon_unchecked=True)
    codes = [r.code for r in v.reasons]
    assert "icon_not_checked" in codes
    assert all("圖示皆與品牌無關" not in r.zh for r in v.reasons)
    assert "icon_not_checked" not in [r.code for r in judge(plain, b).reasons]


def test_fakeapp_judge_warns_when_it_cannot_fetch_an_icon(tmp_path: Path) -> None:
    rows = [
        {
            "store": "google_play",
            "app_id": "com.some.app",
            "title": "記帳本",
            "icon": "http://127.0.0.1:9/icon.png",
        },
        {"store": "google_play", "app_id": "com.other.app", "title": "記帳本2", "icon": "missing.png"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    res = CliRunner().invoke(
        main, ["judge", str(path), "--config", str(DATA / "brands.toml"), "--timeout", "1"]
    )
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert len(out) == 2
    for o in out:
        assert any(r["code"] == "icon_not_checked" for r in o["reasons"]), o
    assert res.stderr.count("warning: icon not checked") == 2
    assert "(no such file)" in res.stderr


def test_judge_all_passes_the_flag_through() -> None:
    listing = Listing(store="google_play", app_id="com.some.app", title="記帳本", icon="x.png")
    v = judge_all(listing, (huayue(),), icon_unchecked=True)
    assert v.reasons[-1].code == "icon_not_checked"


def test_stored_reasons_read_back_as_written_and_junk_as_none() -> None:
    """The one stored form: a JSON list of {code, points, zh, en}, read back to the same objects; a missing
    key is empty, points that are not a number are 0, and anything that is not that list is no reasons."""
    rs = (Reason("name", 60, "名稱與「華岳證券」相同", "the name matches"), Reason("x", -5, "", "why"))
    text = reasons_json(rs)
    assert json.loads(text) == [r.to_dict() for r in rs] and "華岳" in text  # Chinese kept, not \u-escaped
    assert parse_reasons(text) == rs and parse_reasons(json.loads(text)) == rs
    assert parse_reasons('[{"code": "c", "points": "many"}, 3, null]') == (Reason("c", 0, "", ""),)
    assert parse_reasons("") == parse_reasons("{not json") == parse_reasons('{"code": "c"}') == ()
    assert parse_reasons(None) == parse_reasons(7) == ()
