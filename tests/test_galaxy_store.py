"""The Galaxy Store adapter over real HTTP (a loopback double of the detail API): lookup by package, the
seller's legal name and registration number deciding as the developer id does on Play, and the scan asking
for the official packages (the canary) plus every package the other sources flagged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.settings import Settings
from bot.demo.server import Reply, Request, StoreDouble
from bot.record.scan import lookup_candidates, prepare_profile, run_scan
from bot.store.db import open_db
from scanners.judging.verdict import judge_all
from scanners.listing import Listing
from scanners.profile import load_profile
from scanners.stores import StoreError
from scanners.stores.galaxy_store import GalaxyStore
from scanners.stores.http import PoliteClient
from tests.conftest import DATA, FakeTime

FIXTURES = Path(__file__).parent / "fixtures" / "galaxy_store"
JSON = "application/json;charset=UTF-8"


def fixture(name: str) -> bytes:
    body = (FIXTURES / name).read_bytes()
    return body.replace(b"https://img.samsungapps.com", b"http://127.0.0.1:9/img")  # never leave loopback


DETAILS = {
    "tw.com.huayuesec.trade": "detail_official.json",
    "com.huayue.vip.invest": "detail_copied_seller.json",
}


def handler(request: Request) -> Reply:
    package = request.path.removeprefix("/api/detail/")
    if request.path.startswith("/api/detail/") and package in DETAILS:
        return Reply(200, fixture(DETAILS[package]), JSON)
    if request.path.startswith("/api/detail/"):
        return Reply(200, fixture("not_listed.json"), JSON)
    return Reply(404, "Not Found", "text/plain")


@pytest.fixture
def galaxy_double() -> StoreDouble:
    with StoreDouble(handler) as double:
        yield double


def make_store(double: StoreDouble) -> GalaxyStore:
    fake = FakeTime()
    return GalaxyStore(
        PoliteClient("galaxy_store", double.base_url, rate=1000.0, sleep=fake.sleep, clock=fake.clock)
    )


def test_lookup_sends_the_documented_request_and_reads_the_seller(galaxy_double: StoreDouble) -> None:
    listing = make_store(galaxy_double).lookup("tw.com.huayuesec.trade")
    (request,) = galaxy_double.requests
    assert request.path == "/api/detail/tw.com.huayuesec.trade" and request.query == {"cntyCd": "TW"}
    assert listing is not None and not listing.partial
    assert (listing.store, listing.app_id, listing.bundle_id) == (
        "galaxy_store",
        *(["tw.com.huayuesec.trade"] * 2),
    )
    assert listing.title == "華岳e把罩" and listing.version == "6.4.1" and listing.rating == 4.2
    assert listing.developer == "華岳證券"
    assert listing.developer_legal_name == "華岳綜合證券股份有限公司"
    assert listing.developer_id == "27461308"  # the registration number is the account id
    assert listing.developer_address == "台北市信義區松仁路100號20樓"
    assert listing.developer_email == "service@huayue-sec.com.tw"
    assert listing.developer_phone == "+886 2 2720 0000"
    assert listing.developer_website == "https://www.huayue-sec.com.tw"
    assert listing.url == "https://galaxystore.samsung.com/detail/tw.com.huayuesec.trade"
    assert json.loads(listing.raw)["SellerInfo"]["sellerRegistrationNumber"] == "27461308"


def test_not_listed_and_bad_input(galaxy_double: StoreDouble) -> None:
    store = make_store(galaxy_double)
    assert store.lookup("com.example.nothing") is None  # errCode: not listed
    with pytest.raises(StoreError, match="by package name"):
        store.lookup("華岳證券")
    with pytest.raises(StoreError, match="no public search"):
        store.search("華岳證券")


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(404, "Not Found", "text/plain"), "HTTP 404"),
        (Reply(200, "<html>维护中</html>", "text/html"), "not JSON"),
        (Reply(200, '{"SellerInfo": {}}', JSON), "no 'DetailMain'"),
        (Reply(200, '{"DetailMain": {"appId": "tw.com.huayuesec.trade"}}', JSON), "contentName"),
        (
            Reply(200, '{"DetailMain": {"contentName": "x"}, "appId": "com.other.app"}', JSON),
            "another package",
        ),
        (Reply(200, '{"DetailMain": [], "appId": "tw.com.huayuesec.trade"}', JSON), "expected an object"),
    ],
)
def test_broken_replies_raise(galaxy_double: StoreDouble, reply: Reply, message: str) -> None:
    galaxy_double.inject("/api/detail/", reply)
    with pytest.raises(StoreError, match=message):
        make_store(galaxy_double).lookup("tw.com.huayuesec.trade")


def test_seller_registration_decides_as_the_developer_id_does_on_play(galaxy_double: StoreDouble) -> None:
    store = make_store(galaxy_double)
    brands = prepare_profile(load_profile(DATA / "brands.toml"))
    official = store.lookup("tw.com.huayuesec.trade")
    copied = store.lookup("com.huayue.vip.invest")
    assert official is not None and copied is not None
    assert judge_all(official, brands).verdict == "official"
    v = judge_all(copied, brands)
    assert v.verdict == "impersonation"
    codes = [r.code for r in v.reasons]
    assert "official_developer_name_other_account" in codes
    reason = next(r for r in v.reasons if r.code == "official_developer_name_other_account")
    assert "90412277" in reason.zh and "90412277" in reason.en
    # The same app under the official registration number is the broker's own.
    ours = Listing.from_dict({**copied.to_dict(), "developer_id": "27461308"})
    assert judge_all(ours, brands).verdict == "official"


def test_candidates_are_flagged_and_look_alike_packages(db: object) -> None:
    from bot.record.scan import Judged, StoreOutcome
    from scanners.judging.verdict import Verdict

    brands = prepare_profile(load_profile(DATA / "brands.toml"))
    flagged = Judged(Listing("google_play", "com.totally.other"), Verdict("huayue", "impersonation", 80, ()))
    benign = Judged(Listing("google_play", "com.notes.app"), Verdict("huayue", "unrelated", 0, ()))
    alike = Judged(
        Listing("aptoide", "61110222", bundle_id="com.huayue.vip.invest"),
        Verdict("huayue", "unrelated", 0, ()),
    )
    apple = Judged(
        Listing("app_store", "6739001122", bundle_id="com.liwei.hyzq"),
        Verdict("huayue", "impersonation", 90, ()),
    )
    outcome = StoreOutcome("x", [], {"a": flagged, "b": benign, "c": alike, "d": apple}, [], [])
    out = lookup_candidates(db, brands, [outcome])  # type: ignore[arg-type]
    assert out["huayue"] == ["com.totally.other", "com.huayue.vip.invest", "com.liwei.hyzq"]
    assert out["ruifeng"] == []


def test_scan_looks_up_the_canary_and_the_flagged_packages(
    tmp_path: Path, galaxy_double: StoreDouble
) -> None:
    db = open_db(tmp_path / "g.db")
    # An earlier scan saw the look-alike on another store.
    db.table("listings").insert(
        {"key": "aptoide:61110222", "store": "aptoide", "app_id": "61110222",
         "bundle_id": "com.huayue.vip.invest", "brand": "huayue", "verdict": "impersonation", "present": 1},
        pk="key",
    )  # fmt: skip
    result = run_scan(db, load_profile(DATA / "brands.toml"), Settings(db_path=tmp_path / "g.db"),
                      {"galaxy_store": make_store(galaxy_double)})  # fmt: skip
    asked = [r.path.removeprefix("/api/detail/") for r in galaxy_double.requests]
    assert asked[0] == "tw.com.huayuesec.trade" and "com.huayue.vip.invest" in asked
    assert "com.ruifeng.stock" in asked
    runs = {r.brand: r for r in result.runs}
    assert runs["huayue"].status == "ok" and runs["huayue"].canary_ok
    # ruifeng's official app is not listed by this double: its canary is lost, reported, never "no fakes".
    assert runs["ruifeng"].status == "degraded" and "com.ruifeng.stock" in runs["ruifeng"].reason
    assert {c.key for c in result.suspects} == {"galaxy_store:com.huayue.vip.invest"}
    row = db.table("listings").get("galaxy_store:tw.com.huayuesec.trade")
    assert row["verdict"] == "official" and row["developer_id"] == "27461308"


def test_galaxy_store_broken_mid_scan(tmp_path: Path, galaxy_double: StoreDouble) -> None:
    galaxy_double.inject("/api/detail/", *([Reply(503, "busy", "text/plain")] * 10))
    fake = FakeTime()
    store = GalaxyStore(
        PoliteClient(
            "galaxy_store", galaxy_double.base_url, rate=1000.0, retries=1, sleep=fake.sleep, clock=fake.clock
        )
    )
    db = open_db(tmp_path / "g.db")
    result = run_scan(
        db, load_profile(DATA / "brands.toml"), Settings(db_path=tmp_path / "g.db"), {"galaxy_store": store}
    )
    assert result.status == "failed"
    assert all(r.status == "broken" and "HTTP 503" in r.reason for r in result.runs)
