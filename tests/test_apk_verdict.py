"""APK verdicts over the real signed corpus in tests/apks (built by tests/apks/build_corpus.sh), bundles,
hostile files, the real developer-signed APKs in ../shared, and a fuzzer over mutated APKs."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import time
import tomllib
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.record.apk_store import prepared_brands
from scanners.apk.manifest import read_manifest
from scanners.apk.risk import BuildFacts, assess, certificate_kind, is_dexlib2
from scanners.apk.verdict import VERDICTS, ApkReport, analyse_apk
from scanners.profile import load_profile

ROOT = Path(__file__).resolve().parent.parent
APKS = ROOT / "tests" / "apks"
OFFICIAL = "b8cd0900fb5f91892e6cfa0ddbe77f0ec1f3cd792aa77373ba28e4341af75ff7"
ROTATED = "5ad5acb97d12198d7d3b66f25dfe979915e56f142db3cead4ee99d5410d3b2b7"
DEBUG = "9c2f075c9e83bf326f33635ce2c100c22bad670fbc1daf043b723ac03e0536e3"
IMPOSTOR = "81bda8485f4d5c219704c59e61ae90377a735f7c70ff8fef9a2c29a24e02e772"
UNRELATED = "fbb0022d34917a857cad4d62d4de30747acc381b177ac5ed25a3dcc54e438415"
TROJAN = {
    "android.permission.READ_SMS",
    "android.permission.RECEIVE_SMS",
    "android.permission.SYSTEM_ALERT_WINDOW",
    "android.permission.REQUEST_INSTALL_PACKAGES",
    "android.permission.QUERY_ALL_PACKAGES",
}


@pytest.fixture(scope="module")
def brands() -> list[Any]:
    return prepared_brands(load_profile(ROOT / "data" / "brands.toml"))


def codes(report: ApkReport) -> set[str]:
    return {r.code for r in report.reasons}


# file -> (verdict, brand, reason codes that must be there, reason codes that must not)
CORPUS: dict[str, tuple[str, str, set[str], set[str]]] = {
    "official.apk": ("official", "huayue", {"official_certificate", "official_package"}, {"key_rotation"}),
    "official_v1only.apk": ("official", "huayue", {"official_certificate", "official_package"}, set()),
    "official_v2v3.apk": ("official", "huayue", {"official_certificate", "official_package"}, set()),
    "official_rotated.apk": (
        "official",
        "huayue",
        {"official_certificate", "official_package", "key_rotation"},
        set(),
    ),
    "official_internal.apk": (
        "official_signer_other_package",
        "huayue",
        {"official_certificate", "package_not_in_profile"},
        {"official_package"},
    ),
    "repackaged.apk": (
        "repackaged",
        "huayue",
        {
            "official_package_other_certificate",
            "certificate_not_official",
            "perm_read_sms",
            "perm_receive_sms",
            "perm_system_alert_window",
            "perm_request_install_packages",
            "accessibility_service",
            "sms_receiver",
            "debug_certificate",
            "apktool_rebuild",
        },
        set(),
    ),
    "impostor.apk": (
        "impostor",
        "huayue",
        {
            "brand_name_in_label",
            "brand_like_package",
            "brand_icon",
            "certificate_not_official",
            "perm_read_sms",
            "low_target_sdk",
        },
        {"debug_certificate"},
    ),
    "impostor_pro.apk": (
        "impostor",
        "huayue",
        {"brand_name_in_label", "brand_like_package", "certificate_not_official"},
        {"brand_icon"},
    ),
    "transplant.apk": (
        "tampered",
        "huayue",
        {"signature_invalid", "official_certificate_copied", "accessibility_service"},
        set(),
    ),
    "tampered.apk": ("tampered", "huayue", {"signature_invalid", "official_certificate_copied"}, set()),
    "stripped_v2.apk": (
        "tampered",
        "huayue",
        {"signature_invalid", "official_certificate_copied", "v2_signature_stripped"},
        set(),
    ),
    "unrelated.apk": ("unrelated", "", {"no_brand_tie"}, {"certificate_not_official"}),
    "truncated.apk": ("invalid", "", {"not_an_apk"}, set()),
    "random.apk": ("invalid", "", {"not_an_apk"}, set()),
    "notzip.apk": ("invalid", "", {"not_an_apk"}, set()),
    "official.xapk": ("official", "huayue", {"official_certificate", "official_package"}, set()),
    "repackaged.apks": (
        "repackaged",
        "huayue",
        {"official_package_other_certificate", "debug_certificate"},
        set(),
    ),
    "nobase.xapk": ("invalid", "", {"bundle_without_base"}, set()),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_verdict_and_reasons(name: str, brands: list[Any]) -> None:
    verdict, brand, must, must_not = CORPUS[name]
    report = analyse_apk(APKS / name, brands)
    assert report.verdict == verdict, [r.en for r in report.reasons]
    assert report.brand == brand
    assert must <= codes(report), sorted(codes(report))
    assert not (must_not & codes(report))
    for r in report.reasons:
        assert r.zh and r.en  # every reason explains itself in both languages
    d = report.to_dict()
    assert d["sha256"] == hashlib.sha256((APKS / name).read_bytes()).hexdigest()
    assert d["size"] == (APKS / name).stat().st_size
    json.dumps(d)  # JSON-ready


def test_corpus_is_complete() -> None:
    built = {p.name for p in APKS.iterdir() if p.suffix in (".apk", ".xapk", ".apks")}
    assert built == set(CORPUS)


def test_official_report_fields(brands: list[Any]) -> None:
    d = analyse_apk(APKS / "official.apk", brands).to_dict()
    keys = ["verdict", "reasons", "package", "label", "version_code", "version_name", "sha256", "size"]
    keys += ["schemes", "certificates", "lineage", "permissions", "risk"]
    for key in keys:
        assert key in d
    assert d["package"] == "tw.com.huayuesec.trade"
    assert d["label"] == "華岳e把罩"
    assert (d["version_code"], d["version_name"]) == (412, "4.1.2")
    assert (d["min_sdk"], d["target_sdk"]) == (21, 33)
    assert {k: (v["present"], v["verified"]) for k, v in d["schemes"].items()} == {
        "v1": (True, True),
        "v2": (True, True),
        "v3": (True, True),
        "v3.1": (False, False),
    }
    [cert] = d["certificates"]
    assert cert["sha256"] == OFFICIAL
    assert len(cert["sha1"]) == 40
    assert cert["subject"].startswith("CN=Huayue Securities Mobile")
    assert cert["issuer"] == cert["subject"]
    assert cert["serial"] and cert["not_before"] < cert["not_after"]
    assert d["lineage"] == []
    assert "android.permission.INTERNET" in d["permissions"]
    assert not TROJAN & set(d["permissions"])
    assert d["icon"]["path"] == "res/drawable/ic_launcher.png"
    # the verified official build carries no trojan indicator (only the corpus's smali mark, see README)
    assert {i["code"] for i in d["risk"]["indicators"]} <= {"smali_dex"}


def test_rotation_lineage(brands: list[Any]) -> None:
    d = analyse_apk(APKS / "official_rotated.apk", brands).to_dict()
    assert [c["sha256"] for c in d["certificates"]] == [ROTATED]
    assert [c["sha256"] for c in d["lineage"]] == [OFFICIAL, ROTATED]


def test_schemes_of_v1_only_and_v2v3_only(brands: list[Any]) -> None:
    v1 = analyse_apk(APKS / "official_v1only.apk", brands).to_dict()["schemes"]
    assert (v1["v1"]["verified"], v1["v2"]["present"], v1["v3"]["present"]) == (True, False, False)
    v23 = analyse_apk(APKS / "official_v2v3.apk", brands).to_dict()["schemes"]
    assert (v23["v1"]["present"], v23["v2"]["verified"], v23["v3"]["verified"]) == (False, True, True)


def test_repackaged_permissions_added_against_the_official_build(brands: list[Any]) -> None:
    official = analyse_apk(APKS / "official.apk", brands)
    perms = {official.package: list(official.to_dict()["permissions"])}
    report = analyse_apk(APKS / "repackaged.apk", brands, official_permissions=perms)
    added = next(i for i in report.risk.indicators if i.code == "permissions_added")  # type: ignore[union-attr]
    assert set(added.detail) == TROJAN
    assert report.official_permissions_known
    assert report.to_dict()["risk"]["score"] == 100
    # without the official list there is no such indicator
    assert "permissions_added" not in codes(analyse_apk(APKS / "repackaged.apk", brands))


def test_transplant_shows_the_trojan_content_not_the_official_one(brands: list[Any]) -> None:
    d = analyse_apk(APKS / "transplant.apk", brands).to_dict()
    assert d["signature_verified"] is False
    assert d["certificates"] == []  # nothing verified, nothing vouched for
    assert set(d["permissions"]) >= TROJAN


def test_bundle_reports_the_base_apk(brands: list[Any]) -> None:
    x = analyse_apk(APKS / "official.xapk", brands)
    assert x.bundle_base == "tw.com.huayuesec.trade.apk"
    assert x.package == "tw.com.huayuesec.trade"
    assert x.size == (APKS / "official.xapk").stat().st_size  # the file received, not the base
    s = analyse_apk(APKS / "repackaged.apks", brands)
    assert s.bundle_base == "base.apk"


def test_without_brands_only_signature_facts(brands: list[Any]) -> None:
    assert analyse_apk(APKS / "official.apk", None).verdict == "unrelated"
    assert analyse_apk(APKS / "tampered.apk", None).verdict == "tampered"


def test_brand_without_certificates_is_not_called_official_or_repackaged(brands: list[Any]) -> None:
    from scanners.profile import parse_profile

    profile = load_profile(ROOT / "data" / "brands.toml")
    raw = tomllib.loads((ROOT / "data" / "brands.toml").read_text(encoding="utf-8"))
    # Without its certificates (listed or in a file) the brand cannot have an Aptoide app either.
    raw["brand"][0]["app"] = [a for a in raw["brand"][0]["app"] if a["store"] != "aptoide"]
    for app in raw["brand"][0]["app"]:
        for key in ("cert_sha256", "cert_sha1", "cert_file"):
            app.pop(key, None)
        if app.get("icon"):
            app["icon"] = str(profile.path.parent / app["icon"])
    bare = prepared_brands(parse_profile(raw, profile.path))
    report = analyse_apk(APKS / "official.apk", bare)
    assert report.verdict == "impostor"
    assert "no_official_certificates" in codes(report)


# ---------------------------------------------------------------------------------------------- hostile


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for k, v in entries.items():
            z.writestr(k, v)
    return buf.getvalue()


def _eocd(data: bytes) -> int:
    return data.rfind(b"PK\x05\x06")


def hostile_files() -> dict[str, bytes]:
    official = (APKS / "official.apk").read_bytes()
    manifest = zipfile.ZipFile(APKS / "official.apk").read("AndroidManifest.xml")
    files: dict[str, bytes] = {"empty.apk": b"", "one_byte.apk": b"P"}
    # lying sizes: the central directory claims a huge uncompressed size for the manifest
    z = bytearray(_zip({"AndroidManifest.xml": manifest}))
    cd = struct.unpack_from("<I", z, _eocd(bytes(z)) + 16)[0]
    struct.pack_into("<I", z, cd + 24, 0x7FFFFFFF)
    files["lying_size.apk"] = bytes(z)
    # lying offset: the local header offset points past the end
    z = bytearray(_zip({"AndroidManifest.xml": manifest}))
    struct.pack_into("<I", z, cd + 42, 0x7FFFFFF0)
    files["lying_offset.apk"] = bytes(z)
    # the central directory offset points past the file
    z = bytearray(official)
    struct.pack_into("<I", z, _eocd(official) + 16, len(official) + 1000)
    files["lying_cd_offset.apk"] = bytes(z)
    # a huge entry count in the end record
    z = bytearray(official)
    struct.pack_into("<HH", z, _eocd(official) + 8, 0xFFFF, 0xFFFF)
    files["huge_count.apk"] = bytes(z)
    # signing block whose size fields lie
    z = bytearray(official)
    cd_off = struct.unpack_from("<I", official, _eocd(official) + 16)[0]
    struct.pack_into("<Q", z, cd_off - 24, 0x7FFFFFFFFFFF)
    files["lying_sigblock.apk"] = bytes(z)
    z = bytearray(official)
    (blk,) = struct.unpack_from("<Q", official, cd_off - 24)
    start = cd_off - blk - 8
    struct.pack_into("<Q", z, start + 8 + 0, 0xFFFFFFFF)  # first id-value pair length
    files["lying_sigblock_pair.apk"] = bytes(z)
    # a ZIP bomb: a manifest that inflates to 200 MB from ~200 KB, with honest sizes in the headers
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = b"".join(bomb.compress(b"\0" * (1 << 20)) for _ in range(200)) + bomb.flush()
    name = b"AndroidManifest.xml"
    crc = zlib.crc32(b"\0" * (200 << 20))
    lfh = (
        struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(body), 200 << 20, len(name), 0)
        + name
    )
    cdr = (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(body),
            200 << 20,
            len(name),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + name
    )
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(cdr), len(lfh) + len(body), 0)
    files["zip_bomb.apk"] = lfh + body + cdr + eocd
    # a real ZIP, no manifest; a manifest that is not binary XML; a bundle whose base is garbage
    files["no_manifest.apk"] = _zip({"classes.dex": b"dex\n035\0"})
    files["text_manifest.apk"] = _zip({"AndroidManifest.xml": b"<manifest package='a.b'/>"})
    files["garbage_manifest.apk"] = _zip({"AndroidManifest.xml": bytes(range(256)) * 8})
    files["bad_base.xapk"] = _zip({"base.apk": b"not a zip", "manifest.json": b"{"})
    files["bundle_of_bundles.apks"] = _zip({"split_config.en.apk": _zip({"a": b"b"})})
    files["unsigned.apk"] = _zip({"AndroidManifest.xml": manifest})
    return files


HOSTILE = hostile_files()
# a signing block that lies about its size is no signing block: the v1 signature then reports it stripped,
# as apksigner does ("DOES NOT VERIFY"); an unsigned APK is readable but not installable
EXPECTED_HOSTILE = {
    "unsigned.apk": "tampered",
    "lying_sigblock.apk": "tampered",
    "lying_sigblock_pair.apk": "tampered",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_invalid_with_a_reason(name: str, brands: list[Any], tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    t0 = time.monotonic()
    report = analyse_apk(path, brands)
    assert time.monotonic() - t0 < 5
    assert report.verdict == EXPECTED_HOSTILE.get(name, "invalid"), [r.en for r in report.reasons]
    assert report.reasons and all(r.en and r.zh for r in report.reasons)
    assert "unreadable" not in codes(report)  # a known failure, not the catch-all
    json.dumps(report.to_dict())


def test_unreadable_path_is_invalid(brands: list[Any], tmp_path: Path) -> None:
    assert analyse_apk(tmp_path / "missing.apk", brands).verdict == "invalid"
    assert analyse_apk(tmp_path, brands).verdict == "invalid"  # a directory


OFFICIAL_BYTES = (APKS / "official.apk").read_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(OFFICIAL_BYTES) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ),
    cut=st.one_of(st.none(), st.integers(0, len(OFFICIAL_BYTES))),
)
def test_fuzz_mutated_official_never_raises(
    edits: list[tuple[int, int]], cut: int | None, brands: list[Any], tmp_path: Path
) -> None:
    data = bytearray(OFFICIAL_BYTES)
    for pos, value in edits:
        data[pos] = value
    if cut is not None:
        data = data[:cut]
    path = tmp_path / "fuzz.apk"
    path.write_bytes(bytes(data))
    t0 = time.monotonic()
    report = analyse_apk(path, brands)
    assert time.monotonic() - t0 < 5
    assert report.verdict in VERDICTS
    assert report.reasons
    if report.verdict == "official":
        # only bytes outside the signed content (inside the signing block, the EOCD comment) may change
        assert report.signing is not None and report.signing.verified


# ---------------------------------------------------------------------------------------------- parts


def test_manifest_reads_labels_icon_and_components() -> None:
    m = read_manifest(APKS / "repackaged.apk")
    assert m.package == "tw.com.huayuesec.trade"
    assert m.label == "華岳e把罩"
    assert {c.kind for c in m.components} == {"accessibility_service", "sms_receiver"}
    assert m.icon is not None and m.icon.startswith(b"\x89PNG")
    assert read_manifest(APKS / "impostor.apk").label == "華岳е把罩"  # the Cyrillic е kept as is


def test_manifest_leaves_androguard_logging_alone() -> None:
    from loguru import logger

    read_manifest(APKS / "official.apk")
    # androguard's logging is enabled again afterwards: no global side effect
    seen: list[str] = []
    sink = logger.add(lambda msg: seen.append(str(msg)), level="DEBUG", filter="androguard")
    try:
        from androguard.core.axml import AXMLPrinter

        AXMLPrinter(zipfile.ZipFile(APKS / "official.apk").read("AndroidManifest.xml"))
    finally:
        logger.remove(sink)
    assert seen, "androguard logging was left disabled after read_manifest"


def test_manifest_quiet_while_reading(capfd: pytest.CaptureFixture[str]) -> None:
    read_manifest(APKS / "official.apk")
    out, err = capfd.readouterr()
    assert "DEBUG" not in out + err


AOSP_TESTKEY = (
    "EMAILADDRESS=android@android.com, CN=Android, OU=Android, O=Android, L=Mountain View, ST=California"
)
KEYTOOL_DEFAULT = "CN=Unknown, OU=Unknown, O=Unknown, L=Unknown, ST=Unknown, C=Unknown"
HUAYUE = "CN=Huayue Securities Mobile, O=Huayue Securities Co. Ltd., C=TW"


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("CN=Android Debug, O=Android, C=US", "debug"),
        (AOSP_TESTKEY + ", C=US", "test"),
        (KEYTOOL_DEFAULT, "test"),
        (HUAYUE, None),
    ],
)
def test_certificate_kind(subject: str, kind: str | None) -> None:
    assert certificate_kind(subject, subject) == kind


def test_dexlib2_rule_and_rebuild_marks() -> None:
    d8_like = (0, 1, 2, 3, 4, 5, 6, 0x1000, 0x1001, 0x1002, 0x1003, 0x2000, 0x2001, 0x2002)
    smali = (0, 1, 2, 3, 5, 6, 0x2002, 0x1001, 0x1003, 0x2001, 0x2000, 0x1000)
    assert is_dexlib2(smali) and not is_dexlib2(d8_like)
    m = read_manifest(APKS / "official.apk")
    clean = assess(m, [], BuildFacts(entries=("AndroidManifest.xml", "classes.dex"), fixed_times=True))
    assert clean.score == 0 and not clean.indicators
    rebuilt = assess(m, [], BuildFacts(entries=("resources.arsc", "AndroidManifest.xml"), fixed_times=False))
    assert "apktool_rebuild" in rebuilt.codes()
    yml = assess(m, [], BuildFacts(entries=("AndroidManifest.xml", "apktool.yml"), fixed_times=True))
    assert "apktool_rebuild" in yml.codes()


# ---------------------------------------------------------------------------------------------- real APKs


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "sha256", "schemes"),
    [
        (
            "blooddonation.apk",
            "1947b382c1ad9b3978c98a59d1f6fb67d5c04b199ff46dd403c8154c28e4df48",
            (True, True, False),
        ),
        (
            "instapaper.apk",
            "910307c754887cc9d9c4f7c189ae750a0a415b6895467185644c4cb6a67aebca",
            (True, False, False),
        ),
    ],
)
def test_real_apks_from_shared(
    shared_dir: Path, brands: list[Any], name: str, sha256: str, schemes: tuple[bool, bool, bool]
) -> None:
    report = analyse_apk(shared_dir / "fixtures" / "apk" / name, brands)
    d = report.to_dict()
    assert report.verdict == "unrelated"
    assert d["signature_verified"] is True
    assert [c["sha256"] for c in d["certificates"]] == [sha256]
    assert tuple(d["schemes"][s]["verified"] for s in ("v1", "v2", "v3")) == schemes
    assert d["package"] and d["label"] and d["icon"]["hash"]


def test_bundle_base_larger_than_the_cap_is_invalid(brands: list[Any]) -> None:
    report = analyse_apk(APKS / "official.xapk", brands, max_base_size=4096)
    assert report.verdict == "invalid"
    assert "not_an_apk" in codes(report)
    assert "4096" in report.reasons[0].en or "larger" in report.reasons[0].en


@pytest.mark.apksigner
@pytest.mark.parametrize("name", sorted(n for n in CORPUS if n.endswith(".apk")))
def test_verdict_agrees_with_apksigner(name: str, brands: list[Any]) -> None:
    import shutil

    from tests.apk_signing_helpers import apksigner_verify

    if shutil.which("apksigner") is None:
        pytest.skip("apksigner missing")
    theirs = apksigner_verify(APKS / name)
    d = analyse_apk(APKS / name, brands).to_dict()
    if theirs.outcome == "verifies":
        assert d["verdict"] not in ("tampered", "invalid")
        assert [c["sha256"] for c in d["certificates"]] == theirs.sha256
        assert [c["subject"] for c in d["certificates"]] == theirs.dns
    else:
        assert d["verdict"] in ("tampered", "invalid")
        assert d["certificates"] == []


# found by fuzzing resources.arsc: androguard print()s "We are out of bound with this complex entry" to stdout
ARSC_PRINT_CASE = [(210, 194), (298, 56), (552, 59), (834, 227)]


def test_androguard_prints_do_not_reach_stdout(
    brands: list[Any], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with zipfile.ZipFile(APKS / "official.apk") as z:
        arsc = bytearray(z.read("resources.arsc"))
        manifest = z.read("AndroidManifest.xml")
    for pos, value in ARSC_PRINT_CASE:
        arsc[pos] = value
    path = tmp_path / "bad_arsc.apk"
    entries = {"AndroidManifest.xml": manifest, "resources.arsc": bytes(arsc)}
    path.write_bytes(_zip(entries, zipfile.ZIP_STORED))
    report = analyse_apk(path, brands)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert report.verdict == "tampered"  # unsigned, but readable
    assert report.package == "tw.com.huayuesec.trade"


def test_concurrent_analyses_restore_stdout_and_logging(brands: list[Any]) -> None:
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from loguru import logger

    before = sys.stdout
    names = ["official.apk", "repackaged.apk", "impostor.apk", "official_rotated.apk"] * 3
    with ThreadPoolExecutor(4) as pool:
        verdicts = list(pool.map(lambda n: analyse_apk(APKS / n, brands).verdict, names))
    assert verdicts == [CORPUS[n][0] for n in names]
    assert sys.stdout is before
    seen: list[str] = []
    sink = logger.add(lambda msg: seen.append(str(msg)), level="DEBUG", filter="androguard")
    try:
        from androguard.core.axml import AXMLPrinter

        AXMLPrinter(zipfile.ZipFile(APKS / "official.apk").read("AndroidManifest.xml"))
    finally:
        logger.remove(sink)
    assert seen


def test_rotated_build_official_when_profile_knows_only_the_old_key() -> None:
    from scanners.profile import parse_profile

    profile = load_profile(ROOT / "data" / "brands.toml")
    raw = tomllib.loads((ROOT / "data" / "brands.toml").read_text(encoding="utf-8"))
    for brand in raw["brand"]:
        for app in brand["app"]:
            if app.get("cert_sha256"):
                app["cert_sha256"] = [OFFICIAL]
            if app.get("icon"):
                app["icon"] = str(profile.path.parent / app["icon"])
    old_only = prepared_brands(parse_profile(raw, profile.path))
    report = analyse_apk(APKS / "official_rotated.apk", old_only)
    assert report.verdict == "official"
    rotation = next(r for r in report.reasons if r.code == "key_rotation")
    assert "endorsed" in rotation.en


def test_plain_and_prepared_brands_give_the_same_verdicts(brands: list[Any]) -> None:
    from bot.record.apk_store import profile_brands

    plain = profile_brands(load_profile(ROOT / "data" / "brands.toml"))
    for name in sorted(CORPUS):
        a = analyse_apk(APKS / name, brands)
        b = analyse_apk(APKS / name, plain)
        assert (a.verdict, a.brand, [r.to_dict() for r in a.reasons]) == (
            b.verdict,
            b.brand,
            [r.to_dict() for r in b.reasons],
        ), name
        assert a.icon_distance == b.icon_distance


def test_huge_central_directory_in_bounded_time(brands: list[Any], tmp_path: Path) -> None:
    manifest = zipfile.ZipFile(APKS / "official.apk").read("AndroidManifest.xml")
    path = tmp_path / "many.apk"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("AndroidManifest.xml", manifest)
        for i in range(65_000):
            z.writestr(f"r/{i}", b"")
    t0 = time.monotonic()
    report = analyse_apk(path, brands)
    assert time.monotonic() - t0 < 10
    assert report.verdict == "tampered"  # readable, but unsigned
    assert "unsigned" in codes(report)


def test_a_hash_still_running_is_asked_for_after_the_analysis(brands: list[Any]) -> None:
    # ``fakeapp apk`` passes a callable: the verification runs while another thread hashes the file
    path = APKS / "official.apk"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    asked: list[bool] = []

    def later() -> str:
        asked.append(True)
        return digest

    report = analyse_apk(path, brands, sha256=later)
    assert asked == [True] and report.sha256 == digest and report.verdict == "official"
    # a caller that could not hash the file ("") leaves it to the analysis, which hashes it then
    assert analyse_apk(path, brands, sha256=lambda: "").sha256 == digest
