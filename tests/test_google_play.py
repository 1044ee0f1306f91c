"""The Google Play adapter over real HTTP: real recorded pages and zh-TW fixtures read, faults handled."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.demo.server import Reply, Request, StoreDouble, not_found
from scanners.stores import StoreError
from scanners.stores.google_play import GooglePlay
from scanners.stores.http import PoliteClient
from tests.conftest import FakeTime

FIXTURES = Path(__file__).parent / "fixtures" / "google_play"
HTML = "text/html; charset=utf-8"


def make_play(double: StoreDouble, fake: FakeTime | None = None, **kwargs: float) -> GooglePlay:
    fake = fake or FakeTime()
    client = PoliteClient(
        "google_play", double.base_url, rate=1000.0, sleep=fake.sleep, clock=fake.clock, **kwargs
    )
    return GooglePlay(client)


def serve(pages: dict[str, bytes]) -> Callable[[Request], Reply]:
    """Search pages by ``q``, details pages by ``id``; anything else 404, as the store does."""

    def handler(request: Request) -> Reply:
        key = request.query.get("q") if request.path == "/store/search" else request.query.get("id")
        if request.path in ("/store/search", "/store/apps/details") and key in pages:
            return Reply(200, pages[key], HTML)
        return not_found(request)

    return handler


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- the real recorded pages (../shared), through real HTTP ---------------------------------------------


@pytest.fixture
def recorded(shared_dir: Path) -> dict[str, bytes]:
    gp = shared_dir / "fixtures" / "google-play"
    return {
        "panda": (gp / "search/panda.html").read_bytes(),
        "where am i": (gp / "search/where-am-i.html").read_bytes(),
        "com.mojang.minecraftpe": (gp / "app/minecraft.html").read_bytes(),
        "com.google.android.apps.translate": (gp / "app/translate.html").read_bytes(),
        "com.adex77.WhereAmI": (gp / "app/whereami.html").read_bytes(),
    }


@pytest.mark.shared
def test_recorded_search_with_featured_card(double: StoreDouble, recorded: dict[str, bytes]) -> None:
    double.handler = serve(recorded)
    results = make_play(double).search("panda")
    assert double.requests[0].query == {"q": "panda", "c": "apps", "hl": "zh-TW", "gl": "tw"}
    assert len(results) == 20  # the featured card and all 19 list results
    card, first = results[0], results[1]
    assert (card.app_id, card.title) == ("com.pandaexpress.app", "Panda Express")
    assert card.developer == "Panda Restaurant Group, Inc."
    assert card.developer_id == "5863533226259174853"  # the card, unlike list items, carries the id
    assert (first.app_id, first.title, first.developer) == (
        "com.sinyee.babybus.restaurant",
        "Little Panda's Restaurant",
        "BabyBus",
    )
    assert first.developer_id == ""  # list results carry the display name only
    assert first.rating == pytest.approx(4.192623)
    assert first.icon.startswith("https://play-lh.googleusercontent.com/")
    assert first.url == "https://play.google.com/store/apps/details?id=com.sinyee.babybus.restaurant"
    assert first.description.startswith("If you are an avid fan of cooking games, then Little Panda's")
    assert all(r.partial and r.store == "google_play" for r in results)
    assert len({r.app_id for r in results}) == 20


@pytest.mark.shared
def test_recorded_search_without_featured_card(double: StoreDouble, recorded: dict[str, bytes]) -> None:
    double.handler = serve(recorded)
    results = make_play(double).search("where am i")
    assert len(results) == 30
    assert results[0].app_id == "net.aleksandre.android.whereami"
    game = next(r for r in results if r.app_id == "com.adex77.WhereAmI")
    assert (game.title, game.developer) == ("Where Am I? - GeoGuess Game", "Adex77")


@pytest.mark.shared
def test_recorded_details_minecraft(double: StoreDouble, recorded: dict[str, bytes]) -> None:
    double.handler = serve(recorded)
    app = make_play(double).lookup("com.mojang.minecraftpe")
    assert app is not None and not app.partial
    assert double.requests[0].query == {"id": "com.mojang.minecraftpe", "hl": "zh-TW", "gl": "tw"}
    assert (app.title, app.developer, app.developer_id) == (
        "Minecraft: Dream it, Build it!",
        "Mojang",
        "4772240228547998649",
    )
    assert app.developer_email == "help@minecraft.net"
    assert app.developer_website == "http://help.mojang.com"
    assert app.developer_legal_name == "Microsoft Corporation"
    assert app.developer_address == "1 Microsoft Way\nRedmond, WA 98052\nUnited States"
    assert app.developer_phone == "+1 800-642-7676"
    assert (app.version, app.updated, app.installs, app.genre) == (
        "1.26.32.2",
        "2026-06-25",
        "50,000,000+",
        "Arcade",
    )
    assert app.rating == pytest.approx(4.315863)
    assert len(app.screenshots) == 8 and app.icon.startswith("https://play-lh.googleusercontent.com/")
    assert app.description.startswith("Dive into an open world of building, crafting, and survival")
    assert "<br>" not in app.description and "\n" in app.description
    assert app.raw == recorded["com.mojang.minecraftpe"].decode("utf-8")


@pytest.mark.shared
def test_recorded_details_translate_and_individual(double: StoreDouble, recorded: dict[str, bytes]) -> None:
    double.handler = serve(recorded)
    play = make_play(double)
    translate = play.lookup("com.google.android.apps.translate")
    assert translate is not None
    assert (translate.developer, translate.developer_id, translate.developer_legal_name) == (
        "Google LLC",
        "5700313618786177705",
        "Google LLC",
    )
    assert translate.version == ""  # "varies with device": no version string on the page
    whereami = play.lookup("com.adex77.WhereAmI")
    assert whereami is not None
    assert (whereami.developer, whereami.developer_id) == ("Adex77", "4855979533719537120")
    assert whereami.developer_legal_name == "Adrian Chmielewski"
    assert whereami.developer_email == "mradex77@gmail.com"
    assert whereami.developer_phone == ""  # this legal block has no phone


@pytest.mark.shared
def test_recorded_details_page_for_another_app_is_refused(
    double: StoreDouble, recorded: dict[str, bytes]
) -> None:
    # A mirror that answers with the wrong app must not pass another app's developer off as this one's.
    double.handler = lambda _: Reply(200, recorded["com.mojang.minecraftpe"], HTML)
    expected = r"is for 'com\.mojang\.minecraftpe', not 'tw\.com\.huayuesec\.trade'"
    with pytest.raises(StoreError, match=expected):
        make_play(double).lookup("tw.com.huayuesec.trade")


# --- the zh-TW fixtures ----------------------------------------------------------------------------------


def test_zh_search_featured_official_app(double: StoreDouble) -> None:
    double.handler = serve({"華岳證券": fixture("search_huayue.html")})
    results = make_play(double).search("華岳證券")
    assert [r.app_id for r in results] == [
        "tw.com.huayuesec.trade",
        "com.hy.invest.vip",
        "tw.com.huayuesec.news",
    ]
    official, fake, news = results
    assert official.title == "華岳e把罩－華岳證券官方行動下單"
    assert official.developer_id == "7203158839912340017"
    assert fake.title == "華岳證劵 VIP 飆股群" and fake.developer == "華岳綜合證券股份有限公司"
    assert fake.developer_id == "" and fake.rating is None
    assert fake.description == (
        "保證獲利、穩賺不賠！<b>加LINE</b> 領取飆股 👉 @hy888\n「官方授權」投資平台 </script>"
    )
    assert (news.genre, news.installs, news.rating) == ("新聞與雜誌", "10,000+", 3.9)


def test_zh_search_plain(double: StoreDouble) -> None:
    double.handler = serve({"華岳 新聞": fixture("search_plain.html")})
    results = make_play(double).search("華岳 新聞")
    assert [r.app_id for r in results] == ["tw.com.huayuesec.news", "com.hy.invest.vip"]


def test_zh_details_official(double: StoreDouble) -> None:
    double.handler = serve({"tw.com.huayuesec.trade": fixture("details_official.html")})
    app = make_play(double).lookup("tw.com.huayuesec.trade")
    assert app is not None
    assert app.developer == app.developer_legal_name == "華岳綜合證券股份有限公司"
    assert app.developer_id == "7203158839912340017"
    assert app.developer_address == "臺北市中正區博愛路17號8樓\n100 臺灣"
    assert app.developer_phone == "+886 2 2388 1234"
    assert app.description.splitlines()[1] == "●即時報價　●「智慧單」條件下單"
    assert (app.version, app.updated, app.genre) == ("6.12.0", "2026-10-28", "財經")


def test_zh_details_dict_keyed_fields(double: StoreDouble) -> None:
    double.handler = serve({"com.hy.invest.vip": fixture("details_fake_sparse.html")})
    app = make_play(double).lookup("com.hy.invest.vip")
    assert app is not None
    assert (app.version, app.updated) == ("1.0.3", "2026-11-02")  # from the "141" and "146" keys
    assert app.developer == "華岳綜合證券股份有限公司" and app.developer_id == "5550001112223334445"
    assert app.developer_legal_name == "Lucky Star Tech Ltd"
    assert app.developer_email == "hyvip888@gmail.com" and app.developer_website == ""


def test_no_results_page_is_an_empty_list(double: StoreDouble) -> None:
    double.handler = serve({"查無此券商": fixture("no_results.html")})
    assert make_play(double).search("查無此券商") == []


# --- network behaviour -----------------------------------------------------------------------------------


def test_details_404_means_removed(double: StoreDouble) -> None:
    assert make_play(double).lookup("com.gone.app") is None
    assert double.count("/store/apps/details") == 1


def test_search_404_retries_without_gl(double: StoreDouble) -> None:
    def handler(request: Request) -> Reply:
        if "gl" in request.query:
            return not_found(request)
        return Reply(200, fixture("search_plain.html"), HTML)

    double.handler = handler
    results = make_play(double).search("華岳 新聞")
    assert len(results) == 2
    assert [r.query for r in double.requests] == [
        {"q": "華岳 新聞", "c": "apps", "hl": "zh-TW", "gl": "tw"},
        {"q": "華岳 新聞", "c": "apps", "hl": "zh-TW"},
    ]


def test_search_404_twice_is_an_error(double: StoreDouble) -> None:
    with pytest.raises(StoreError, match=r"search '華岳': HTTP 404"):
        make_play(double).search("華岳")
    assert double.count("/store/search") == 2


def test_429_then_success_honours_retry_after(double: StoreDouble) -> None:
    double.handler = serve({"tw.com.huayuesec.trade": fixture("details_official.html")})
    double.inject("/store/apps/details", Reply(429, "slow down", headers={"Retry-After": "7"}))
    fake = FakeTime()
    app = make_play(double, fake).lookup("tw.com.huayuesec.trade")
    assert app is not None and app.title == "華岳e把罩－華岳證券官方行動下單"
    assert 7.0 in fake.sleeps
    assert double.count("/store/apps/details") == 2


def test_server_errors_until_retries_run_out(double: StoreDouble) -> None:
    double.inject("/store/search", *[Reply(503, "unavailable")] * 3)
    fake = FakeTime()
    with pytest.raises(StoreError, match="failed after 3 attempts: HTTP 503") as caught:
        make_play(double, fake, retries=2).search("華岳")
    assert caught.value.store == "google_play"
    assert double.count("/store/search") == 3
    assert sum(fake.sleeps) > 0  # backed off between attempts (on the fake clock)


def test_time_out_is_a_store_error(double: StoreDouble) -> None:
    double.inject("/store/apps/details", Reply(200, "late", delay=0.3))
    with pytest.raises(StoreError, match="timed out"):
        make_play(double, timeout=0.05, retries=0).lookup("tw.com.huayuesec.trade")


def test_changed_layout_is_a_store_error(double: StoreDouble) -> None:
    page = fixture("search_huayue.html").decode("utf-8").replace("key: 'ds:4'", "key: 'ds:9'")
    double.handler = lambda _: Reply(200, page, HTML)
    expected = r"search '華岳證券': no ds:4 data block \(page has ds:0, ds:2, ds:9\)"
    with pytest.raises(StoreError, match=expected):
        make_play(double).search("華岳證券")


def test_non_html_reply_is_a_store_error(double: StoreDouble) -> None:
    double.handler = lambda _: Reply(200, '{"error": "gone"}', "application/json")
    with pytest.raises(StoreError, match="no AF_initDataCallback data blocks: not a Google Play page"):
        make_play(double).lookup("tw.com.huayuesec.trade")


def test_other_client_errors_are_store_errors(double: StoreDouble) -> None:
    double.inject("/store/search", Reply(400, "bad request"))
    with pytest.raises(StoreError, match="HTTP 400"):
        make_play(double).search("華岳")


# --- permissions (batchexecute) --------------------------------------------------------------------------


@pytest.mark.shared
def test_permissions_from_recorded_reply(double: StoreDouble, shared_dir: Path) -> None:
    reply = (shared_dir / "fixtures/google-play/permissions/translate.txt").read_bytes()
    double.handler = lambda _: Reply(200, reply, "application/json; charset=utf-8")
    perms = make_play(double).permissions("com.google.android.apps.translate")
    assert "record audio" in perms and "read your text messages (SMS or MMS)" in perms
    assert len(perms) == 21 and perms == sorted(perms)
    sent = double.requests[0]
    assert (sent.method, sent.path) == ("POST", "/_/PlayStoreUi/data/batchexecute")
    assert b"xdSrCf" in sent.body and b"com.google.android.apps.translate" in sent.body


def test_permissions_throttled_reply_is_a_store_error(double: StoreDouble) -> None:
    error = "com.google.play.gateway.proto.PlayGatewayError"
    body = ')]}\'\n\n[["er",null,null,null,null,500,null,null,null,"' + error + '"]]'
    double.handler = lambda _: Reply(200, body, "application/json; charset=utf-8")
    with pytest.raises(StoreError, match="PlayGatewayError"):
        make_play(double).permissions("tw.com.huayuesec.trade")


# --- details pages that are not in the known layout ------------------------------------------------------


def _details_with(ds5: object) -> str:
    data = json.dumps(ds5)
    block = f"AF_initDataCallback({{key: 'ds:5', hash: '11', data:{data}, sideChannel: {{}}}});"
    return f"<script>{block}</script>"


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (
            fixture("details_official.html").decode("utf-8").replace("key: 'ds:5'", "key: 'ds:15'"),
            r"no ds:5 data block \(page has ds:0, ds:2, ds:3, ds:4, ds:15\)",
        ),
        (_details_with([[[[]]], [None, None, "details"]]), r"ds:5\[1\]\[2\] \(the app details\) is missing"),
        (_details_with([[[[]]], [None, None, [[None], None]]]), r"no app title at ds:5\[1\]\[2\]\[0\]\[0\]"),
        ("<!doctype html><title>Error 500</title>", "no AF_initDataCallback data blocks: not a Google Play"),
    ],
)
def test_broken_details_layouts(double: StoreDouble, page: str, reason: str) -> None:
    double.handler = lambda _: Reply(200, page, HTML)
    with pytest.raises(StoreError, match=r"details 'tw\.com\.huayuesec\.trade': " + reason):
        make_play(double).lookup("tw.com.huayuesec.trade")
