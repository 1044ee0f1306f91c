"""The official certificate in the profile: a PEM or DER file gives both fingerprints and the DN; a SHA-1 may
be given beside the SHA-256 fingerprints; bad values fail with one line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from bot.cli import main
from bot.core.settings import load_settings
from scanners.profile import ProfileError, load_profile
from tests.conftest import DATA

PEM = DATA / "certs" / "huayue_official.pem"
SHA1 = "0e23d4924beca0cf3927a720a151b5d77e28497f"
SHA256 = "b8cd0900fb5f91892e6cfa0ddbe77f0ec1f3cd792aa77373ba28e4341af75ff7"
DN = "CN=Huayue Securities Mobile, OU=Mobile Apps, O=Huayue Securities Co. Ltd., L=Taipei, C=TW"

PROFILE = """
[[brand]]
id = "x"
name = "某證券"
search_terms = ["某證券"]
official_developers = ["某證券股份有限公司"]
[[brand.app]]
store = "google_play"
app_id = "tw.x.trade"
{extra}
[[brand.app]]
store = "aptoide"
app_id = "tw.x.trade"
"""


def write(tmp_path: Path, extra: str) -> Path:
    p = tmp_path / "brands.toml"
    p.write_text(PROFILE.format(extra=extra), encoding="utf-8")
    return p


def test_shipped_profile_derives_fingerprints_and_dn_from_the_pem() -> None:
    app = load_profile(DATA / "brands.toml").brand("huayue").apps[0]
    assert app.cert_file == PEM.resolve()
    assert SHA256 in app.cert_sha256 and SHA1 in app.cert_sha1
    assert app.cert_owner == DN
    assert len(app.cert_sha256) == len(set(app.cert_sha256))  # the listed SHA-256 is not repeated


@pytest.mark.parametrize("form", ["pem", "der"])
def test_certificate_file_pem_or_der(tmp_path: Path, form: str) -> None:
    cert = x509.load_pem_x509_certificate(PEM.read_bytes())
    f = tmp_path / f"official.{form}"
    f.write_bytes(cert.public_bytes(Encoding.PEM if form == "pem" else Encoding.DER))
    app = load_profile(write(tmp_path, f'cert_file = "official.{form}"')).brands[0].apps[0]
    assert (app.cert_sha256, app.cert_sha1, app.cert_owner) == ((SHA256,), (SHA1,), DN)


def test_sha1_beside_sha256(tmp_path: Path) -> None:
    colon = ":".join(SHA1[i : i + 2] for i in range(0, 40, 2)).upper()
    brand = load_profile(write(tmp_path, f'cert_sha256 = ["{SHA256}"]\ncert_sha1 = ["{colon}"]')).brands[0]
    assert brand.all_cert_sha1 == {SHA1} and brand.all_cert_sha256 == {SHA256}


@pytest.mark.parametrize(
    ("extra", "files", "message"),
    [
        ('cert_sha1 = ["abcd"]', {}, "cert_sha1: 'abcd' is not a SHA-1 fingerprint (40 hex digits)"),
        (f'cert_sha1 = ["{SHA256}"]', {}, "is not a SHA-1 fingerprint"),
        ('cert_file = "missing.pem"', {}, "cert_file: file not found"),
        (
            'cert_file = "junk.der"',
            {"junk.der": b"\x30\x03\x02\x01\x01"},
            "junk.der is not an X.509 certificate",
        ),
        (
            'cert_file = "bad.pem"',
            {"bad.pem": b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
            "is PEM but holds no readable X.509 certificate",
        ),
        ("", {}, "an aptoide app is judged by its certificate"),
    ],
)
def test_bad_certificates_are_one_line_errors(
    tmp_path: Path, extra: str, files: dict[str, bytes], message: str
) -> None:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    with pytest.raises(ProfileError) as info:
        load_profile(write(tmp_path, extra))
    text = str(info.value)
    assert message in text and "\n" not in text and str(tmp_path / "brands.toml") in text


def test_store_settings_for_the_new_stores() -> None:
    s = load_settings(
        {
            "FAKEAPP_APTOIDE_URL": "http://127.0.0.1:8101",
            "FAKEAPP_GALAXY_STORE_URL": "http://127.0.0.1:8102",
            "FAKEAPP_APTOIDE_RATE": "0.5",
            "FAKEAPP_GALAXY_STORE_RATE": "0.25",
        }
    ).stores
    assert (s.aptoide_url, s.galaxy_store_url, s.aptoide_rate, s.galaxy_store_rate) == (
        "http://127.0.0.1:8101",
        "http://127.0.0.1:8102",
        0.5,
        0.25,
    )
    defaults = load_settings({}).stores
    assert defaults.aptoide_url == "https://ws75.aptoide.com"
    assert defaults.galaxy_store_url == "https://galaxystore.samsung.com"
    assert defaults.aptoide_rate == defaults.galaxy_store_rate == 0.33


def test_demo_search_aptoide_json_shows_each_certificate(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["search", "aptoide", "華岳", "--demo", "--json", "--db", str(tmp_path / "d.db")]
    )
    assert result.exit_code == 0, result.output
    import json

    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) >= 4
    assert all(len(r["cert_sha1"]) == 40 and r["cert_owner"] and r["store_name"] for r in rows)
    by_id = {r["app_id"]: r for r in rows}
    assert by_id["61110001"]["cert_sha1"] == SHA1
    assert by_id["61110077"]["bundle_id"] == "tw.com.huayuesec.trade"
    assert by_id["61110077"]["cert_sha1"] != SHA1


def test_demo_galaxy_search_is_a_clear_error_and_lookup_works(tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    result = CliRunner().invoke(main, ["search", "galaxy_store", "華岳", "--demo", "--db", db])
    assert result.exit_code == 1 and "no public search" in result.output
    result = CliRunner().invoke(
        main, ["lookup", "galaxy_store", "tw.com.huayuesec.trade", "--demo", "--json", "--db", db]
    )
    assert result.exit_code == 0, result.output
    assert '"developer_id": "27461308"' in result.stdout
