"""The Aptoide adapter over real HTTP (a loopback double speaking the v7 API), and the certificate signal on
both its sides: the official package under a foreign certificate is flagged as repackaged or forged; the
official certificate on another package is the broker's own (or a leak), never an impostor alert."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.settings import Settings
from bot.demo.server import Reply, Request, StoreDouble
from bot.record.scan import prepare_profile, run_scan
from scanners.judging.verdict import judge_all
from scanners.profile import load_profile
from scanners.stores import StoreError
from scanners.stores.aptoide import Aptoide, colon_sha1, normalize_sha1
from scanners.stores.http import PoliteClient
from tests.conftest import DATA, FakeTime

FIXTURES = Path(__file__).parent / "fixtures" / "aptoide"
OFFICIAL_SHA1 = "0e23d4924beca0cf3927a720a151b5d77e28497f"  # tests/apks/keys/official
IMPOSTOR_SHA1 = "ebe5e199f6ff6781eee45e01f0e9eea74b8b08e4"  # tests/apks/keys/impostor
JSON = "application/json"


def fixture(name: str) -> bytes:
    # Icons and screenshots point at a closed loopback port: a scan's image fetches never leave the machine.
    body = (FIXTURES / name).read_bytes()
    return body.replace(b"https://pool.img.aptoide.com", b"http://127.0.0.1:9/img")


def make_store(double: StoreDouble) -> Aptoide:
    fake = FakeTime()
    client = PoliteClient("aptoide", double.base_url, rate=1000.0, sleep=fake.sleep, clock=fake.clock)
    return Aptoide(client)


META = {"61110001": "meta_official.json", "61110077": "meta_forged.json", "61110150": "meta_internal.json"}


def fixture_handler(request: Request) -> Reply:
    """Answers as the API does: search by query, metadata by app id or package, FAIL + 404 otherwise."""
    if request.path == "/api/7/apps/search":
        return Reply(200, fixture("search_huayue.json"), JSON)
    if request.path == "/api/7/app/getMeta":
        app_id = request.query.get("app_id") or {"tw.com.huayuesec.trade": "61110001"}.get(
            request.query.get("package_name", ""), ""
        )
        if app_id in META:
            return Reply(200, fixture(META[app_id]), JSON)
        return Reply(404, fixture("not_found.json"), JSON)
    return Reply(404, "Not Found", "text/plain")


@pytest.fixture
def aptoide_double() -> StoreDouble:
    with StoreDouble(fixture_handler) as double:
        yield double


def test_sha1_format_is_colon_separated_hex_as_aptoide_reports_it() -> None:
    reported = json.loads(fixture("meta_official.json"))["data"]["file"]["signature"]["sha1"]
    assert reported == "0E:23:D4:92:4B:EC:A0:CF:39:27:A7:20:A1:51:B5:D7:7E:28:49:7F"
    assert normalize_sha1(reported) == OFFICIAL_SHA1
    assert normalize_sha1(reported.lower()) == OFFICIAL_SHA1
    assert colon_sha1(OFFICIAL_SHA1) == reported
    for bad in (OFFICIAL_SHA1, reported[:-3], reported + ":00", reported.replace("0E", "0G"), ""):
        with pytest.raises(ValueError):
            normalize_sha1(bad)


def test_owner_dn_format_matches_the_profile_certificate() -> None:
    """Aptoide's owner is the DN as keytool prints it (CN first, ", "), as the profile derives it."""
    reported = json.loads(fixture("meta_official.json"))["data"]["file"]["signature"]["owner"]
    official = load_profile(DATA / "brands.toml").brand("huayue").apps[0]
    assert reported == official.cert_owner
    assert (
        reported
        == "CN=Huayue Securities Mobile, OU=Mobile Apps, O=Huayue Securities Co. Ltd., L=Taipei, C=TW"
    )


def test_search_sends_the_documented_query_and_gives_partial_listings(aptoide_double: StoreDouble) -> None:
    listings = make_store(aptoide_double).search("華岳")
    (request,) = aptoide_double.requests
    assert request.path == "/api/7/apps/search"
    assert request.query == {"query": "華岳", "limit": "25", "language": "zh"}
    assert [(x.app_id, x.bundle_id) for x in listings] == [
        ("61110001", "tw.com.huayuesec.trade"),
        ("61110077", "tw.com.huayuesec.trade"),
        ("61110150", "tw.com.huayuesec.internal"),
    ]
    first = listings[0]
    assert first.partial and first.store == "aptoide" and first.key == "aptoide:61110001"
    assert first.store_name == "huayue-sec" and first.installs == "52,310" and first.version == "6.4.1"
    assert first.apk_md5 == "583b524231204a6e129964b03deaf674" and first.rating == 4.1
    assert first.cert_sha1 == ""  # search entries carry no certificate: the metadata does


def test_metadata_carries_certificate_developer_store_downloads_and_apk(aptoide_double: StoreDouble) -> None:
    listing = make_store(aptoide_double).lookup("61110077")
    assert listing is not None and not listing.partial
    (request,) = aptoide_double.requests
    assert request.path == "/api/7/app/getMeta" and request.query == {"app_id": "61110077"}
    assert listing.cert_sha1 == IMPOSTOR_SHA1
    assert listing.cert_owner == "CN=Huayue, OU=Huayue, O=Huayue, L=Taipei, ST=Taiwan, C=TW"
    assert listing.developer == "華岳綜合證券股份有限公司" and listing.developer_id == "5503311"
    assert listing.developer_email == "hyapp.update@gmail.com"
    assert listing.store_name == "apk-tw-mirror" and listing.installs == "1,874"
    assert listing.apk_url.startswith("https://pool.apk.aptoide.com/apk-tw-mirror/")
    assert listing.apk_url.endswith("-0b0e4a8d1c3f6d2e9a7b5c4d3e2f1a0b.apk")
    assert listing.url == "https://apk-tw-mirror.en.aptoide.com/app"
    assert listing.screenshots == ("http://127.0.0.1:9/img/apk-tw-mirror/shot1.png",)
    assert json.loads(listing.raw)["file"]["signature"]["sha1"].startswith("EB:E5")


def test_search_full_completes_every_result(aptoide_double: StoreDouble) -> None:
    listings = make_store(aptoide_double).search_full("華岳")
    assert [x.cert_sha1 for x in listings] == [OFFICIAL_SHA1, IMPOSTOR_SHA1, OFFICIAL_SHA1]
    assert not any(x.partial for x in listings)


def test_lookup_by_package_and_not_listed(aptoide_double: StoreDouble) -> None:
    store = make_store(aptoide_double)
    by_package = store.lookup("tw.com.huayuesec.trade")
    assert by_package is not None and by_package.app_id == "61110001"
    assert aptoide_double.requests[-1].query == {"package_name": "tw.com.huayuesec.trade"}
    assert store.lookup("61119999") is None  # FAIL APK-5 with HTTP 404: not listed (removed)
    with pytest.raises(StoreError, match="numeric app ids or package names"):
        store.lookup("../etc")


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(404, "Not Found", "text/plain"), "HTTP 404"),
        (Reply(200, "<html>maintenance</html>", "text/html"), "not JSON"),
        (Reply(200, '{"data": {}}', JSON), "info.status"),
        (
            Reply(
                200, '{"info":{"status":"FAIL"},"errors":[{"code":"AUTH-1","description":"denied"}]}', JSON
            ),
            "AUTH-1",
        ),
        (Reply(200, '{"info":{"status":"OK"},"data":[]}', JSON), "no 'data' object"),
    ],
)
def test_broken_metadata_replies_raise(aptoide_double: StoreDouble, reply: Reply, message: str) -> None:
    aptoide_double.inject("/api/7/app/getMeta", reply)
    with pytest.raises(StoreError, match=message):
        make_store(aptoide_double).lookup("61110001")


def test_a_changed_signature_field_is_an_error_not_an_unsigned_app(aptoide_double: StoreDouble) -> None:
    for mutate, message in (
        (lambda d: d["data"]["file"].pop("signature"), "no 'file.signature.sha1'"),
        (lambda d: d["data"]["file"]["signature"].update(sha1=OFFICIAL_SHA1), "colon-separated"),
        (lambda d: d["data"].update(package="not a package"), "Android package name"),
    ):
        data = json.loads(fixture("meta_official.json"))
        mutate(data)
        aptoide_double.inject("/api/7/app/getMeta", Reply(200, json.dumps(data), JSON))
        with pytest.raises(StoreError, match=message):
            make_store(aptoide_double).lookup("61110001")


def test_certificate_signal_on_both_sides(aptoide_double: StoreDouble) -> None:
    store = make_store(aptoide_double)
    brands = prepare_profile(load_profile(DATA / "brands.toml"))
    official, forged, internal = (store.lookup(i) for i in ("61110001", "61110077", "61110150"))
    assert official is not None and forged is not None and internal is not None

    v = judge_all(official, brands)
    assert (v.brand, v.verdict, [r.code for r in v.reasons]) == (
        "huayue",
        "official",
        ["official_certificate"],
    )

    # Official package name, foreign certificate: repackaged or forged, the strongest signal.
    v = judge_all(forged, brands)
    assert v.verdict == "impersonation" and v.score == 100
    assert v.reasons[0].code == "official_package_foreign_certificate" and v.reasons[0].points == 100
    assert "重新打包或偽造" in v.reasons[0].zh and "repackaged or forged" in v.reasons[0].en

    # Official certificate on another package: the broker's own (or a leaked key), not an impostor.
    v = judge_all(internal, brands)
    assert v.verdict == "official"
    assert [r.code for r in v.reasons] == ["official_certificate_other_package"]
    assert "外洩" in v.reasons[0].zh and "leaked" in v.reasons[0].en


def test_foreign_certificate_alone_decides_even_with_a_harmless_title(aptoide_double: StoreDouble) -> None:
    data = json.loads(fixture("meta_forged.json"))
    data["data"].update(name="Notes", description="")
    data["data"]["developer"].update(name="Someone", email="")
    aptoide_double.inject("/api/7/app/getMeta", Reply(200, json.dumps(data, ensure_ascii=False), JSON))
    listing = make_store(aptoide_double).lookup("61110077")
    assert listing is not None
    v = judge_all(listing, prepare_profile(load_profile(DATA / "brands.toml")))
    assert v.verdict == "impersonation" and v.reasons[0].code == "official_package_foreign_certificate"


def _scan(db_path: Path, double: StoreDouble) -> tuple[object, object]:
    from bot.store.db import open_db

    settings = Settings(db_path=db_path)
    db = open_db(db_path)
    profile = load_profile(DATA / "brands.toml")
    fake = FakeTime()
    client = PoliteClient("aptoide", double.base_url, rate=1000.0, sleep=fake.sleep, clock=fake.clock)
    return db, run_scan(db, profile, settings, {"aptoide": Aptoide(client)})


def test_scan_flags_the_forgery_and_keeps_the_official_builds(
    tmp_path: Path, aptoide_double: StoreDouble
) -> None:
    db, result = _scan(tmp_path / "a.db", aptoide_double)
    runs = {r.brand: r for r in result.runs}
    assert runs["huayue"].status == "ok" and runs["huayue"].canary_ok
    verdicts = {
        r["key"]: (r["verdict"], r["cert_sha1"], r["store_name"]) for r in db.query("select * from listings")
    }
    assert verdicts["aptoide:61110001"] == ("official", OFFICIAL_SHA1, "huayue-sec")
    assert verdicts["aptoide:61110077"] == ("impersonation", IMPOSTOR_SHA1, "apk-tw-mirror")
    assert verdicts["aptoide:61110150"][0] == "official"
    assert {c.key for c in result.suspects} == {"aptoide:61110077"}
    # The metadata the certificate came from is kept as evidence.
    (snap,) = list(db.query("select kind from listing_snapshots where listing_key = 'aptoide:61110077'"))
    assert snap["kind"] == "details"


def test_official_package_under_a_new_certificate_degrades_the_canary(tmp_path: Path) -> None:
    """If even the official listing no longer carries the official certificate, the store is not 'ok'."""

    def handler(request: Request) -> Reply:
        if request.query.get("app_id") == "61110001":
            data = json.loads(fixture("meta_official.json"))
            data["data"]["file"]["signature"]["sha1"] = colon_sha1(IMPOSTOR_SHA1)
            return Reply(200, json.dumps(data, ensure_ascii=False), JSON)
        return fixture_handler(request)

    with StoreDouble(handler) as double:
        _, result = _scan(tmp_path / "a.db", double)
    huayue = next(r for r in result.runs if r.brand == "huayue")
    assert huayue.status == "degraded" and "not recognised as official" in huayue.reason


def test_search_without_the_official_app_is_a_lost_canary(tmp_path: Path) -> None:
    def handler(request: Request) -> Reply:
        if request.path == "/api/7/apps/search":
            data = json.loads(fixture("search_huayue.json"))
            data["datalist"]["list"] = [e for e in data["datalist"]["list"] if e["id"] != 61110001]
            data["datalist"]["list"] = [e for e in data["datalist"]["list"] if e["store"]["name"] != "hy-qa"]
            data["datalist"]["list"][0]["package"] = "com.example.other"
            return Reply(200, json.dumps(data, ensure_ascii=False), JSON)
        return fixture_handler(request)

    with StoreDouble(handler) as double:
        _, result = _scan(tmp_path / "a.db", double)
    huayue = next(r for r in result.runs if r.brand == "huayue")
    assert (
        huayue.status == "degraded"
        and "canary" in huayue.reason
        and "tw.com.huayuesec.trade" in huayue.reason
    )


def test_unreachable_aptoide_is_broken(tmp_path: Path) -> None:
    from bot.store.db import open_db

    fake = FakeTime()
    client = PoliteClient(
        "aptoide", "http://127.0.0.1:9", rate=1000.0, retries=0, timeout=1, sleep=fake.sleep, clock=fake.clock
    )
    db = open_db(tmp_path / "b.db")
    result = run_scan(
        db,
        load_profile(DATA / "brands.toml"),
        Settings(db_path=tmp_path / "b.db"),
        {"aptoide": Aptoide(client)},
    )
    assert result.status == "failed"
    assert all(r.status == "broken" and "cannot connect" in r.reason for r in result.runs)


APKS = Path(__file__).parent / "apks"


def test_apk_budget_fetches_suspects_apks_for_a_full_verdict(tmp_path: Path) -> None:
    """The forged listing's APK (its URL from the metadata) is fetched through the safe fetch and analysed."""
    import dataclasses

    from bot.store.db import open_db

    def handler(request: Request) -> Reply:
        if request.path.startswith("/pool/"):
            return Reply(
                200, (APKS / "repackaged.apk").read_bytes(), "application/vnd.android.package-archive"
            )
        reply = fixture_handler(request)
        return dataclasses.replace(reply, body=reply.payload().replace(b"https://pool.apk.aptoide.com", base))

    with StoreDouble(handler) as double:
        base = f"{double.base_url}/pool".encode()
        fake = FakeTime()
        client = PoliteClient("aptoide", double.base_url, rate=1000.0, sleep=fake.sleep, clock=fake.clock)
        settings = Settings(db_path=tmp_path / "k.db")
        settings = dataclasses.replace(
            settings, stores=dataclasses.replace(settings.stores, aptoide_apk_budget=1)
        )
        db = open_db(settings.db_path)
        profile = load_profile(DATA / "brands.toml")
        result = run_scan(
            db, profile, settings, {"aptoide": Aptoide(client)}, apk_allow_addresses=["127.0.0.1"]
        )
        downloads = double.count("/pool/")
        again = run_scan(
            db, profile, settings, {"aptoide": Aptoide(client)}, apk_allow_addresses=["127.0.0.1"]
        )
    (check,) = result.apk_checks
    assert check["key"] == "aptoide:61110077" and check["verdict"] == "repackaged"
    assert check["signer_sha1"] == ["991f3d469c6f4cf1cb61bae4b98aefa80527bf7a"]  # the debug key, in the file
    assert check["matches_store"] is False  # the store reported the impostor certificate: both are foreign
    assert downloads == 1 and again.apk_checks == []  # within the budget, and never the same URL twice
    (row,) = list(db.query("select verdict, sources from apk_analyses"))
    assert row["verdict"] == "repackaged" and "/pool/apk-tw-mirror/" in row["sources"]


def test_apk_budget_zero_fetches_nothing(tmp_path: Path, aptoide_double: StoreDouble) -> None:
    _, result = _scan(tmp_path / "z.db", aptoide_double)
    assert result.apk_checks == []  # type: ignore[attr-defined]
    assert not any(r.path.startswith("/pool/") for r in aptoide_double.requests)
