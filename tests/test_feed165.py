"""The 165 list parser and brand matching, offline: CSV with a BOM and the Chinese header row, bare
addresses, the JSON form, bad rows; matching by name, Simplified Chinese, variants and romanised domains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanners.feeds.f165 import FeedError, match_feed, parse_165
from scanners.judging.names import PreparedBrand, prepare_brand
from scanners.profile import load_profile

ROOT = Path(__file__).resolve().parent.parent

CSV = (
    "\ufeffWEBSITE_NM,WEBURL,CNT,STA_SDATE,STA_EDATE\r\n"
    "網站名稱,網址,件數,統計起始日期,統計結束日期\r\n"
    "華岳證劵投資,https://hy-invest.example/login,12,2026/11/24,2026/11/30\r\n"
    "鴻運娛樂城,hy-casino.example,3,2026/11/24,2026/11/30\r\n"
    "VIP 專業投資,huayue-vip.example/app,1,2026/11/24,2026/11/30\r\n"
    '瑞丰证券智能投资,www.rf-stock.example,"1,204",2026/11/17,2026/11/23\r\n'
    "台股飆股群,tw-stock888.example,5,2026/11/24,2026/11/30\r\n"
    ",,,,\r\n"
    "沒有網址,,2,2026/11/24,2026/11/30\r\n"
)


@pytest.fixture(scope="module")
def brands() -> list[PreparedBrand]:
    return [prepare_brand(b) for b in load_profile(ROOT / "data" / "brands.toml").brands]


def test_csv_with_bom_and_chinese_header_row() -> None:
    feed = parse_165(CSV.encode("utf-8"))
    assert feed.format == "csv"
    assert [r.host for r in feed.rows] == [
        "hy-invest.example",
        "hy-casino.example",
        "huayue-vip.example",
        "rf-stock.example",
        "tw-stock888.example",
    ]
    first = feed.rows[0]
    assert (first.name, first.count, first.start, first.end) == (
        "華岳證劵投資",
        12,
        "2026-11-24",
        "2026-11-30",
    )
    assert feed.rows[1].url == "http://hy-casino.example"  # no scheme in the list
    assert feed.rows[3].count == 1204
    assert feed.errors == ("row 9: no address",)
    assert len({r.key for r in feed.rows}) == 5


def test_same_address_in_two_periods_is_two_rows() -> None:
    text = CSV + "華岳證劵投資,https://hy-invest.example/login,3,2026/12/01,2026/12/07\r\n"
    rows = parse_165(text.encode()).rows
    same = [r for r in rows if r.host == "hy-invest.example"]
    assert len(same) == 2 and same[0].key != same[1].key


def test_json_form() -> None:
    records = [
        {
            "WEBSITE_NM": "網站名稱",
            "WEBURL": "網址",
            "CNT": "件數",
            "STA_SDATE": "統計起始日期",
            "STA_EDATE": "統計結束日期",
        },
        {
            "WEBSITE_NM": "華岳證券VIP",
            "WEBURL": "huayue-vip.example",
            "CNT": "4",
            "STA_SDATE": "2026/11/24",
            "STA_EDATE": "2026/11/30",
        },
        {
            "網站名稱": "瑞豐投資",
            "網址": "https://rf.example/",
            "件數": 2,
            "統計起始日期": "115/11/24",
            "統計結束日期": "115/11/30",
        },
        "junk",
    ]
    feed = parse_165(
        json.dumps({"success": True, "result": {"records": records}}, ensure_ascii=False).encode()
    )
    assert feed.format == "json"
    assert [r.url for r in feed.rows] == ["http://huayue-vip.example", "https://rf.example/"]
    assert feed.rows[1].start == "2026-11-24"  # 民國 115
    assert feed.errors == ("record 4: not an object",)


def test_big5_file() -> None:
    feed = parse_165(
        "WEBSITE_NM,WEBURL,CNT,STA_SDATE,STA_EDATE\r\n華岳投資,hy.example,1,2026/11/24,2026/11/30\r\n".encode(
            "big5"
        )
    )
    assert feed.rows[0].name == "華岳投資"


@pytest.mark.parametrize(
    "data", [b"", b"a,b,c\r\n1,2,3\r\n", b'{"result": {}}', b"{not json", b"\xff\xfe\x00"]
)
def test_not_the_list_is_one_clear_error(data: bytes) -> None:
    with pytest.raises(FeedError):
        parse_165(data)


def test_matching_by_name_variant_simplified_and_romanised_domain(brands: list[PreparedBrand]) -> None:
    matches = {m.row.host: m for m in match_feed(parse_165(CSV.encode()).rows, brands)}
    assert set(matches) == {"hy-invest.example", "huayue-vip.example", "rf-stock.example"}
    assert matches["hy-invest.example"].brand == "huayue"  # 證劵: a variant character
    assert [r.code for r in matches["hy-invest.example"].reasons] == ["feed_name"]
    assert matches["huayue-vip.example"].brand == "huayue"  # the name says nothing; the domain does
    assert [r.code for r in matches["huayue-vip.example"].reasons] == ["feed_domain"]
    assert matches["rf-stock.example"].brand == "ruifeng"  # Simplified Chinese
    assert all(r.zh and r.en for m in matches.values() for r in m.reasons)


def test_the_brands_own_domain_is_not_a_match(brands: list[PreparedBrand]) -> None:
    feed = parse_165(
        "WEBSITE_NM,WEBURL,CNT,STA_SDATE,STA_EDATE\r\n華岳證券,www.huayue-sec.com.tw,1,,\r\n".encode()
    )
    assert match_feed(feed.rows, brands) == []
