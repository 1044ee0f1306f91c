"""Rendered Google Play pages: read back exactly by our parser, and by the library where it is right."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.demo.render_google_play import render_details_page, render_no_results_page, render_search_page
from scanners.listing import Listing
from scanners.stores._gplay_pages import (
    ElementSpecs,
    data_blocks,
    details_url,
    parse_details_page,
    parse_search_page,
)

SEARCH_FIELDS = ("app_id", "title", "developer", "description", "icon", "url", "installs", "rating", "genre")


def listing(app_id: str = "tw.com.huayuesec.trade", **fields: Any) -> Listing:
    base: dict[str, Any] = {
        "title": "華岳e把罩",
        "developer": "華岳綜合證券股份有限公司",
        "developer_id": "7203158839912340017",
        "developer_email": "service@huayue-sec.com.tw",
        "developer_website": "https://www.huayue-sec.com.tw",
        "developer_legal_name": "華岳綜合證券股份有限公司",
        "developer_address": "臺北市中正區博愛路17號8樓",
        "developer_phone": "+886 2 2388 1234",
        "description": "官方下單 App",
        "icon": "https://play-lh.googleusercontent.com/huayue",
        "version": "6.12.0",
        "updated": "2026-10-28",
        "installs": "100,000+",
        "rating": 4.1,
        "genre": "財經",
        "screenshots": ("https://play-lh.googleusercontent.com/s1",),
    }
    base.update(fields)
    return Listing(store="google_play", app_id=app_id, url=details_url(app_id), **base)


TRICKY = [
    listing(),
    listing(
        "com.hy.invest.vip",
        title="華岳證劵「官方」ＶＩＰ　飆股 📈 </script><script>alert(1)</script>",
        developer='華岳綜合證券股份有限公司 "正版"',
        developer_id="5550001112223334445",
        description=(
            "保證獲利！穩賺不賠 💰\n<b>加LINE</b> @hy888 &amp; 領飆股\n"
            "', sideChannel: {}});</script>\n&lt;已轉義&gt; \\u003c 反斜線 \\ 結尾"
        ),
        developer_address="香港九龍\n彌敦道 1 號",
        developer_phone="",
    ),
    listing(
        "tw.personal.app",
        developer="個人開發者",
        developer_id="",  # no numeric id: the page links /store/apps/developer?id=<name>
        developer_email="",
        developer_website="",
        developer_legal_name="",
        developer_address="",
        developer_phone="",
        description="",
        icon="",
        version="",  # varies with device
        updated="",
        installs="",
        rating=None,
        genre="",
        screenshots=(),
    ),
    listing("com.example.text_date", updated="上週更新", rating=0.0, genre="工具"),
]


@pytest.mark.parametrize("original", TRICKY, ids=lambda x: x.app_id)
@pytest.mark.parametrize("sparse_from", [None, 100, 50])
def test_details_round_trip(original: Listing, sparse_from: int | None) -> None:
    page = render_details_page(original, sparse_from=sparse_from)
    back = parse_details_page(page, original.app_id)
    assert back == original
    assert back.raw == page


def test_search_round_trip_with_featured_card() -> None:
    featured, *results = TRICKY
    page = render_search_page(results, featured=featured, query="華岳")
    back = parse_search_page(page)
    assert [r.app_id for r in back] == [t.app_id for t in TRICKY]
    for got, want in zip(back, TRICKY, strict=True):
        assert got.partial
        assert {f: getattr(got, f) for f in SEARCH_FIELDS} == {f: getattr(want, f) for f in SEARCH_FIELDS}
        assert got.screenshots == want.screenshots
    assert back[0].developer_id == featured.developer_id  # the featured card carries the developer id
    assert all(r.developer_id == "" for r in back[1:])  # list items do not, as on the real pages


def test_search_without_featured_and_empty() -> None:
    page = render_search_page(TRICKY[1:3])
    assert [r.app_id for r in parse_search_page(page)] == ["com.hy.invest.vip", "tw.personal.app"]
    assert parse_search_page(render_search_page([])) == []
    assert parse_search_page(render_no_results_page(query="查無")) == []


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=1).map(str.strip).filter(bool),
    developer=st.text().map(str.strip),
    description=st.text().map(lambda s: s.replace("\r", "").strip()),
)
def test_any_text_round_trips(title: str, developer: str, description: str) -> None:
    original = listing(title=title, developer=developer, description=description, developer_id="1")
    assert parse_details_page(render_details_page(original), original.app_id) == original
    found = parse_search_page(render_search_page([original]))
    # as the listing holds it: text is cleaned where a listing is built (NUL, surrogates, non-characters)
    want = (original.title, original.developer, original.description)
    assert (found[0].title, found[0].developer, found[0].description) == want


def test_deterministic_and_small() -> None:
    featured, *results = TRICKY
    assert render_details_page(featured) == render_details_page(featured)
    assert render_search_page(results, featured=featured) == render_search_page(results, featured=featured)
    assert len(render_details_page(featured).encode()) < 8_000
    assert len(render_search_page(TRICKY * 5, featured=featured).encode()) < 30_000


def test_no_script_end_inside_data() -> None:
    page = render_details_page(TRICKY[1])
    # One </script> per block and nothing else: the hostile title cannot close a block early.
    assert page.count("</script>") == page.count("<script ")
    assert "<script>alert" not in page


# --- faithful to the real format: the library's own ElementSpecs read the rendered pages ------------------


def blocks(page: str) -> dict[str, Any]:
    return {key: json.loads(value) for key, value in data_blocks(page).items()}


def test_library_reads_rendered_details() -> None:
    original = TRICKY[0]
    source = blocks(render_details_page(original))
    read = {k: spec.extract_content(source) for k, spec in ElementSpecs.Detail.items()}
    assert read["title"] == original.title
    assert read["developer"] == original.developer
    assert read["developerId"] == original.developer_id  # right for a /dev?id=<number> link
    assert read["developerEmail"] == original.developer_email
    assert read["developerWebsite"] == original.developer_website
    assert read["description"] == original.description
    assert read["icon"] == original.icon
    assert read["screenshots"] == list(original.screenshots)
    assert read["score"] == original.rating
    assert read["genre"] == original.genre and read["genreId"] == "FINANCE"
    assert read["installs"] == original.installs and read["minInstalls"] == 100000
    assert read["version"] == original.version
    assert read["lastUpdatedOn"] == "2026年10月28日" and isinstance(read["updated"], int)
    assert (read["free"], read["price"], read["currency"]) == (True, 0, "TWD")


def test_library_reads_rendered_search_items() -> None:
    featured, *results = TRICKY
    ds4 = blocks(render_search_page(results, featured=featured))["ds:4"]
    items = ds4[0][1][1][22][0]
    for item, want in zip(items, results, strict=True):
        read = {k: spec.extract_content(item) for k, spec in ElementSpecs.SearchResult.items()}
        assert (read["appId"], read["title"], read["developer"]) == (want.app_id, want.title, want.developer)
        assert (read["icon"] or "", read["score"], read["free"]) == (want.icon, want.rating, True)
        assert (read["genre"] or "", read["installs"] or "") == (want.genre, want.installs)
    top = ds4[0][1][0][23][16]
    read = {k: spec.extract_content(top) for k, spec in ElementSpecs.SearchResultOnTop.items()}
    assert (read["title"], read["developer"], read["icon"]) == (
        featured.title,
        featured.developer,
        featured.icon,
    )
    assert read["score"] == featured.rating and read["appId"] is None  # as on the real page (W2)


def test_library_search_on_rendered_page_without_card(monkeypatch: pytest.MonkeyPatch) -> None:
    import google_play_scraper.features.search as feature

    page = render_search_page(TRICKY)
    monkeypatch.setattr(feature, "get", lambda url: page)
    assert [r["appId"] for r in feature.search("x")] == [t.app_id for t in TRICKY]


@pytest.mark.shared
def test_same_skeleton_as_recorded_pages(shared_dir: Path) -> None:
    gp = shared_dir / "fixtures" / "google-play"
    real_search = blocks((gp / "search/panda.html").read_text(encoding="utf-8"))["ds:4"]
    real_details = blocks((gp / "app/minecraft.html").read_text(encoding="utf-8"))["ds:5"]
    ours_search = blocks(render_search_page(TRICKY[1:], featured=TRICKY[0]))["ds:4"]
    ours_details = blocks(render_details_page(TRICKY[0]))["ds:5"]

    def shape(node: Any, depth: int) -> Any:
        if depth == 0 or not isinstance(node, list):
            return type(node).__name__
        return [len(node), [shape(child, depth - 1) for child in node if isinstance(child, list | dict)]]

    real_sections, our_sections = real_search[0][1], ours_search[0][1]
    assert [len(s) for s in our_sections] == [len(s) for s in real_sections]  # 24 (card), 23 (list)
    assert len(our_sections[0][23]) == len(real_sections[0][23])
    assert len(our_sections[0][23][16][2]) == len(real_sections[0][23][16][2])  # 98 slots
    assert set(our_sections[0][23][16][3]) == set(real_sections[0][23][16][3])  # {"12", "40"}
    assert len(our_sections[1][22][0][0][0]) == len(real_sections[1][22][0][0][0])  # 31 slots
    assert len(ours_details[1][2]) == len(real_details[1][2])  # 155 slots
    assert set(ours_details[1][3]) == set(real_details[1][3])
    for index in (0, 13, 51, 68, 69, 72, 79, 95, 140, 145):
        assert shape(ours_details[1][2][index], 2) == shape(real_details[1][2][index], 2), index
    assert shape(ours_details[1][2][78][0][0], 3) == shape(real_details[1][2][78][0][0], 3)  # a screenshot
    real_item, our_item = real_sections[1][22][0][0][0], our_sections[1][22][0][0][0]
    for index in (0, 1, 4, 8, 10, 13):
        assert shape(our_item[index], 2) == shape(real_item[index], 2), index


def test_fixture_files_are_what_the_renderer_writes() -> None:
    # Golden files: the frozen zh-TW fixture is exactly what the renderer writes for the listing it holds.
    text = (Path(__file__).parent / "fixtures" / "google_play" / "details_official.html").read_text("utf-8")
    official = parse_details_page(text, "tw.com.huayuesec.trade")
    assert render_details_page(official) == text
