"""The iTunes reply renderer: real layout, deterministic, read back by the adapter to the same listings."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.demo.render_app_store import (
    CONTENT_TYPE,
    catalog_handler,
    render_artist,
    render_record,
    render_results,
)
from bot.demo.server import StoreDouble
from scanners.listing import Listing
from scanners.stores import StoreError
from scanners.stores.app_store import AppStore, decode_reply, parse_apps, parse_result
from scanners.stores.http import PoliteClient

ICON = "https://is1-ssl.mzstatic.com/image/thumb/Purple126/v4/aa/bb/cc/x/AppIcon.png/512x512bb.jpg"

OFFICIAL = Listing(
    store="app_store",
    app_id="1488123456",
    title="華岳e把罩",
    developer="華岳綜合證券股份有限公司",
    developer_id="1488000001",
    developer_legal_name="華岳綜合證券股份有限公司",
    developer_website="https://www.huayue-sec.com.tw",
    bundle_id="tw.com.huayuesec.trade",
    description="華岳證券官方行動下單APP",
    icon=ICON,
    url="https://apps.apple.com/tw/app/id1488123456?uo=4",
    version="5.12.0",
    updated="2026-10-21T02:13:55Z",
    rating=4.6,
    genre="財經",
    screenshots=("https://is1-ssl.mzstatic.com/a/392x696bb.png",),
)
FAKE = Listing(
    store="app_store",
    app_id="6739001122",
    title="华岳证券－ＶＩＰ投資📈",
    developer="華岳綜合證券股份有限公司",
    developer_id="1777000666",
    developer_legal_name="Huayue Invest Ltd",
    bundle_id="com.hyinvest.vip",
    description="保證獲利，加LINE",
    icon="https://is1-ssl.mzstatic.com/image/thumb/Purple1/v4/f/AppIcon.png/512x512bb.jpg",
    url="https://apps.apple.com/tw/app/id6739001122?uo=4",
    version="1.0.3",
    updated="2026-11-02T10:41:07Z",
    genre="財經",
)


def test_record_has_the_real_fields_and_reads_back_to_the_same_listing() -> None:
    record = render_record(OFFICIAL)
    assert (record["kind"], record["wrapperType"], record["currency"]) == ("software", "software", "TWD")
    assert (record["price"], record["formattedPrice"]) == (0.0, "免費")
    assert record["trackId"] == 1488123456 and record["artistId"] == 1488000001  # numbers, as Apple sends
    assert record["artworkUrl60"] == ICON.replace("512x512bb", "60x60bb")
    assert record["artworkUrl100"] == ICON.replace("512x512bb", "100x100bb")
    assert record["artistViewUrl"].endswith("/developer/id1488000001?uo=4")
    assert record["languageCodesISO2A"] == ["EN", "ZH"]
    assert record["userRatingCount"] > 0
    assert parse_result(record) == OFFICIAL
    assert "sellerUrl" not in render_record(FAKE) and "averageUserRating" not in render_record(FAKE)
    assert parse_result(render_record(FAKE)) == FAKE


def test_reply_has_apples_layout_and_is_deterministic() -> None:
    text = render_results([OFFICIAL, FAKE])
    assert text == render_results([OFFICIAL, FAKE])
    assert text.startswith('\n\n\n{\n "resultCount":2,\n "results": [\n{')
    assert "華岳e把罩" in text and "\\u" not in text  # UTF-8, not ASCII escapes
    assert parse_apps(decode_reply(text.encode(), what="test"), what="test") == [OFFICIAL, FAKE]
    assert json.loads(render_results([])) == {"resultCount": 0, "results": []}


def test_artist_reply_starts_with_the_artist() -> None:
    data = json.loads(render_artist("1488000001", "華岳綜合證券股份有限公司", [OFFICIAL]))
    artist, app = data["results"]
    assert (artist["wrapperType"], artist["artistType"], artist["artistId"]) == (
        "artist",
        "Software Artist",
        1488000001,
    )
    assert app["trackId"] == 1488123456 and data["resultCount"] == 2


def test_non_numeric_ids_cannot_be_rendered() -> None:
    with pytest.raises(ValueError, match="trackId"):
        render_record(Listing(store="app_store", app_id="com.x", developer_id="1"))
    with pytest.raises(ValueError, match="artistId"):
        render_record(Listing(store="app_store", app_id="1", developer_id=""))


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    title=text.filter(bool),
    developer=text,
    description=st.text(max_size=200),
    version=st.from_regex(r"\A[0-9]{1,2}(\.[0-9]{1,3}){0,2}\Z"),
    rating=st.none() | st.floats(min_value=0, max_value=5),
)
def test_any_text_round_trips(
    title: str, developer: str, description: str, version: str, rating: float | None
) -> None:
    listing = Listing(
        store="app_store",
        app_id="6700000001",
        title=title,
        developer=developer,
        developer_id="1700000001",
        developer_legal_name=developer,
        description=description,
        icon=ICON,
        url="https://apps.apple.com/tw/app/id6700000001?uo=4",
        version=version,
        updated="2026-11-01T00:00:00Z",
        rating=rating,
        genre="財經",
    )
    reply = render_results([listing])
    assert parse_apps(decode_reply(reply.encode(), what="t"), what="t") == [listing]


@pytest.fixture(scope="module")
def catalogue() -> Iterator[StoreDouble]:
    handler = catalog_handler([OFFICIAL, FAKE], searches={"華岳證券": ["6739001122", "1488123456", "404"]})
    with StoreDouble(handler) as double:
        yield double


def store_for(double: StoreDouble) -> AppStore:
    return AppStore(PoliteClient("app_store", double.base_url, rate=1000.0), limit=50)


def test_catalogue_answers_search_lookup_and_developer(catalogue: StoreDouble) -> None:
    store = store_for(catalogue)
    # A scripted search returns its apps in the given order, skipping unknown ids.
    assert [x.app_id for x in store.search("華岳證券")] == ["6739001122", "1488123456"]
    assert store.search("無此字詞") == []
    assert store.lookup("6739001122") == FAKE
    assert store.lookup("1234567") is None
    assert store.lookup_bundle("com.hyinvest.vip") == FAKE
    assert store.developer_apps("1488000001") == [OFFICIAL]
    assert store.developer_apps("999") == []


def test_catalogue_matches_terms_by_folded_text_when_unscripted() -> None:
    handler = catalog_handler([OFFICIAL, FAKE])
    with StoreDouble(handler) as double:
        store = store_for(double)
        # Full-width "ＶＩＰ" in a title matches a half-width, lower-case term after NFKC and case folding.
        assert [x.app_id for x in store.search("vip")] == ["6739001122"]
        assert [x.app_id for x in store.search("華岳綜合")] == ["1488123456", "6739001122"]
        assert store.search("") == []
        store.limit = 1
        assert len(store.search("華岳綜合")) == 1
        assert double.requests[0].headers["user-agent"].startswith("fakeapp-scanner")


def test_catalogue_refuses_a_bad_id_as_apple_does(catalogue: StoreDouble) -> None:
    client = PoliteClient("app_store", catalogue.base_url, rate=1000.0)
    reply = client.get("/lookup", params={"id": "abc"})
    assert reply.status_code == 400 and reply.headers["Content-Type"] == CONTENT_TYPE
    with pytest.raises(StoreError, match=r"refused the query: Invalid value\(s\)"):
        AppStore(client)._get("/lookup", {"id": "abc"}, "lookup abc")
