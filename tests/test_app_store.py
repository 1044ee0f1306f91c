"""The App Store adapter over real HTTP: iTunes replies mapped to listings, broken replies refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.demo.render_app_store import CONTENT_TYPE, catalog_handler
from bot.demo.server import Reply, Request, StoreDouble
from scanners.stores import StoreError
from scanners.stores.app_store import AppStore, itunes_lang, parse_apps
from scanners.stores.http import PoliteClient
from tests.conftest import FakeTime

FIXTURES = Path(__file__).parent / "fixtures" / "app_store"
SEARCH = (FIXTURES / "search_huayue.json").read_text(encoding="utf-8")
RECORDS = json.loads(SEARCH)["results"]


def fixture_reply(name: str, content_type: str = CONTENT_TYPE) -> Reply:
    return Reply(200, (FIXTURES / name).read_bytes(), content_type)


def make_store(double: StoreDouble, fake: FakeTime | None = None, **kwargs: float) -> AppStore:
    fake = fake or FakeTime()
    client = PoliteClient(
        "app_store", double.base_url, rate=1000.0, sleep=fake.sleep, clock=fake.clock, **kwargs
    )
    return AppStore(client, limit=20)


def test_search_sends_the_documented_query_and_maps_every_record(double: StoreDouble) -> None:
    # Without a charset requests would guess ISO-8859-1 for text/javascript and garble the Chinese.
    double.inject("/search", fixture_reply("search_huayue.json", "text/javascript"))
    listings = make_store(double).search("華岳證券")

    (request,) = double.requests
    assert request.path == "/search"
    assert request.query == {
        "term": "華岳證券",
        "country": "tw",
        "entity": "software",
        "limit": "20",
        "lang": "zh_tw",
    }
    assert [x.app_id for x in listings] == [str(r["trackId"]) for r in RECORDS]
    for listing, record in zip(listings, RECORDS, strict=True):
        assert listing.store == "app_store" and not listing.partial
        assert listing.title == record["trackName"]
        assert listing.developer == record["artistName"]
        assert listing.developer_id == str(record["artistId"])
        assert listing.developer_legal_name == record["sellerName"]
        assert listing.developer_website == record.get("sellerUrl", "")
        assert listing.bundle_id == record["bundleId"]
        assert listing.url == record["trackViewUrl"]
        assert listing.version == record["version"]
        assert listing.updated == record["currentVersionReleaseDate"]
        assert listing.description == record["description"]
        assert listing.genre == record["primaryGenreName"]
        assert listing.rating == record.get("averageUserRating")
        assert json.loads(listing.raw) == record
        assert listing.raw.startswith("{") and "\\u" not in listing.raw  # UTF-8 text, not escapes


def test_search_keeps_zh_tw_text_exact_and_falls_back_for_icons_and_screenshots(double: StoreDouble) -> None:
    double.inject("/search", fixture_reply("search_huayue.json"))
    official, impostor, news, ruifeng = make_store(double).search("華岳證券")

    assert official.title == "華岳e把罩" and official.icon.endswith("/512x512bb.jpg")
    assert len(official.screenshots) == 2
    # Full-width letters, 劵 instead of 券 and an emoji survive untouched: judging needs them as sent.
    assert impostor.title == "華岳證劵－ＶＩＰ飆股投資平台📈"
    assert impostor.developer == official.developer and impostor.developer_id != official.developer_id
    assert impostor.developer_website == "" and impostor.rating is None
    assert impostor.screenshots == tuple(RECORDS[1]["ipadScreenshotUrls"])  # an iPad-only app
    assert "加LINE" in impostor.description
    assert news.icon == RECORDS[2]["artworkUrl100"]  # no 512 artwork: the next size down
    assert ruifeng.icon == RECORDS[3]["artworkUrl60"]


def test_lookup_finds_the_app_through_the_catalogue(double: StoreDouble) -> None:
    catalogue = parse_apps(RECORDS, what="fixture")
    double.handler = catalog_handler(catalogue)
    store = make_store(double)

    found = store.lookup("6739001122")
    assert found == catalogue[1]
    assert double.requests[-1].query == {"id": "6739001122", "country": "tw", "lang": "zh_tw"}
    assert store.lookup_bundle("TW.com.huayuesec.trade") == catalogue[0]
    assert double.requests[-1].query["bundleId"] == "TW.com.huayuesec.trade"
    assert store.lookup_bundle("com.nobody.here") is None


def test_removed_app_is_none(double: StoreDouble) -> None:
    double.inject("/lookup", fixture_reply("lookup_removed.json"))
    assert make_store(double).lookup("1488123456", country="tw") is None
    assert double.requests[0].query["id"] == "1488123456"


def test_developer_apps_skips_the_artist_record(double: StoreDouble) -> None:
    double.inject("/lookup", fixture_reply("developer_huayue.json"))
    apps = make_store(double).developer_apps("1488000001")
    assert [(a.app_id, a.developer_id) for a in apps] == [("1488123456", "1488000001")]
    query = double.requests[0].query
    assert (query["id"], query["entity"], query["country"]) == ("1488000001", "software", "tw")


def test_non_numeric_ids_are_refused_without_a_request(double: StoreDouble) -> None:
    store = make_store(double)
    with pytest.raises(StoreError, match=r"numeric trackIds, got 'tw\.com\.huayuesec\.trade'"):
        store.lookup("tw.com.huayuesec.trade")
    with pytest.raises(StoreError, match="numeric artistIds"):
        store.developer_apps("華岳")
    assert double.requests == []


def test_lookup_answered_with_another_app_is_an_error(double: StoreDouble) -> None:
    double.inject("/lookup", fixture_reply("developer_huayue.json"))
    with pytest.raises(StoreError, match="other apps"):
        make_store(double).lookup("6739001122")


def one(record: dict[str, object]) -> str:
    return json.dumps({"resultCount": 1, "results": [record]}, ensure_ascii=False)


BROKEN = [
    pytest.param(Reply(200, (FIXTURES / "error_page.html").read_text()), "not JSON", id="html-200"),
    pytest.param(Reply(200, "", CONTENT_TYPE), "not JSON", id="empty"),
    pytest.param(Reply(200, SEARCH[: len(SEARCH) // 2], CONTENT_TYPE), "not JSON", id="truncated"),
    pytest.param(Reply(200, "[]", CONTENT_TYPE), "JSON list, expected an object", id="array"),
    pytest.param(Reply(200, '{"resultCount": 0}', CONTENT_TYPE), "no 'results'", id="no-results"),
    pytest.param(Reply(200, '{"results": {}}', CONTENT_TYPE), "'results' is a dict", id="results-dict"),
    pytest.param(Reply(200, '{"resultCount": "1", "results": []}'), "'resultCount' is a str", id="count-str"),
    pytest.param(Reply(200, '{"resultCount": 3, "results": []}'), "resultCount says 3 but 0", id="count"),
    pytest.param(Reply(200, '{"results": ["x"]}'), "result 0 is a str", id="result-str"),
    pytest.param(
        Reply(200, one({k: v for k, v in RECORDS[0].items() if k != "trackId"})),
        "result 0: no 'trackId'",
        id="no-trackId",
    ),
    pytest.param(Reply(200, one({**RECORDS[0], "trackId": "id-1"})), "'trackId' is 'id-1'", id="bad-trackId"),
    pytest.param(Reply(200, one({**RECORDS[0], "trackName": ""})), "no 'trackName'", id="no-title"),
    pytest.param(
        Reply(200, one({**RECORDS[0], "trackName": {"zh": "華岳"}})), "'trackName' is a dict", id="title-dict"
    ),
    pytest.param(
        Reply(200, one({**RECORDS[0], "screenshotUrls": "a.png"})),
        "'screenshotUrls' is not a list",
        id="shots",
    ),
    pytest.param(
        Reply(200, one({**RECORDS[0], "averageUserRating": "4.5"})),
        "'averageUserRating' is '4.5'",
        id="rating",
    ),
    pytest.param(Reply(404, "Not Found", "text/plain"), "HTTP 404 for /search", id="404"),
    pytest.param(
        Reply(400, '{"errorMessage": "Invalid value(s) for key(s): [limit]"}', CONTENT_TYPE),
        r"refused the query: Invalid value\(s\) for key\(s\): \[limit\]",
        id="400-errorMessage",
    ),
    pytest.param(Reply(410, "Gone", "text/plain"), "HTTP 410 for /search", id="410"),
]


@pytest.mark.parametrize(("reply", "reason"), BROKEN)
def test_broken_replies_raise_store_error_with_the_reason(
    double: StoreDouble, reply: Reply, reason: str
) -> None:
    double.inject("/search", reply)
    with pytest.raises(StoreError, match=reason) as info:
        make_store(double).search("華岳證券")
    assert info.value.store == "app_store"
    assert info.value.reason.startswith("search '華岳證券'")
    assert double.count("/search") == 1  # a broken page is not retried: it will not mend itself


def test_403_is_throttling_retried_with_back_off(double: StoreDouble) -> None:
    fake = FakeTime()
    double.inject("/search", Reply(403, "Forbidden", "text/plain"), fixture_reply("search_huayue.json"))
    store = make_store(double, fake, backoff=3.0)
    assert len(store.search("華岳證券")) == len(RECORDS)
    assert double.count("/search") == 2
    assert fake.sleeps == [3.0]  # Apple sends no Retry-After: the client's own back-off
    assert store.client.stats.retries == 1 and store.client.stats.statuses == {403: 1, 200: 1}


def test_throttled_past_retries_is_a_store_error(double: StoreDouble) -> None:
    double.inject("/lookup", *[Reply(403, "Forbidden", "text/plain")] * 3)
    with pytest.raises(StoreError, match="failed after 3 attempts: HTTP 403"):
        make_store(double, retries=2).lookup("1488123456")


def test_limit_is_checked() -> None:
    client = PoliteClient("app_store", "http://127.0.0.1:9")
    with pytest.raises(ValueError, match="between 1 and 200"):
        AppStore(client, limit=201)


@pytest.mark.parametrize(("tag", "lang"), [("zh-TW", "zh_tw"), ("en-US", "en_us"), (" ja-JP ", "ja_jp")])
def test_itunes_lang(tag: str, lang: str) -> None:
    assert itunes_lang(tag) == lang


def test_a_handler_failure_on_the_double_surfaces_as_store_error(double: StoreDouble) -> None:
    def broken(_: Request) -> Reply:
        raise RuntimeError("boom")

    double.handler = broken
    with pytest.raises(StoreError, match="HTTP 500"):
        make_store(double, retries=1).search("華岳")


def test_lookup_many_batches_ids_and_marks_removed_apps(
    double: StoreDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = parse_apps(RECORDS, what="fixture")
    double.handler = catalog_handler(catalogue)
    monkeypatch.setattr("scanners.stores.app_store.LOOKUP_BATCH", 3)
    ids = [a.app_id for a in catalogue] + ["1000000001", "1000000002", catalogue[0].app_id]
    found = make_store(double).lookup_many(ids)
    assert list(found) == ids[:6]  # input order, duplicates once
    assert [found[a.app_id] for a in catalogue] == catalogue
    assert found["1000000001"] is None and found["1000000002"] is None
    assert [r.query["id"] for r in double.requests] == [",".join(ids[:3]), ",".join(ids[3:6])]
    with pytest.raises(StoreError, match="numeric trackIds"):
        make_store(double).lookup_many(["1", "com.x"])
    assert len(double.requests) == 2
