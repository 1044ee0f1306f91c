"""Package names follow Android's grammar at parse time: an APK whose manifest says ``=HYPERLINK("http://x")``
is reported as having an impossible package name (a reason in the verdict) and the name is never passed on.

The APK is built for real: aapt refuses such a name, so it is built with a placeholder of the same length and
the binary manifest's string pool entry is rewritten afterwards (what a hex editor or a hand-rolled packer
does), then zip-aligned and signed with apksigner.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from scanners.apk.manifest import package_problem, read_manifest
from scanners.apk.verdict import analyse_apk
from tests.apk_signing_helpers import FRAMEWORK, MANIFEST, make_key, run, sign, tools_available

HOSTILE = '=HYPERLINK("http://x")'
PLACEHOLDER = "org.example.placeholdr"  # as long as HOSTILE, so the binary XML keeps its layout
CONFIG = Path(__file__).resolve().parent.parent / "data" / "brands.toml"


def _with_package(unsigned: Path, out: Path, package: str) -> Path:
    """``unsigned`` with its binary manifest's package string replaced (same UTF-16 length)."""
    assert len(package) == len(PLACEHOLDER)
    with zipfile.ZipFile(unsigned) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "AndroidManifest.xml":
                old, new = PLACEHOLDER.encode("utf-16-le"), package.encode("utf-16-le")
                assert data.count(old) == 1
                data = data.replace(old, new)
            dst.writestr(info, data)
    return out


@pytest.fixture(scope="module")
def hostile_apk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not tools_available():
        pytest.skip("needs aapt, apksigner, keytool and android-framework-res")
    d = tmp_path_factory.mktemp("pkg")
    (d / "src" / "assets").mkdir(parents=True)
    uses_sdk = '  <uses-sdk android:minSdkVersion="24" android:targetSdkVersion="24"/>'
    manifest = MANIFEST.format(uses_sdk=uses_sdk).replace('"org.example.sigtest"', f'"{PLACEHOLDER}"')
    (d / "src" / "AndroidManifest.xml").write_text(manifest, encoding="utf-8")
    (d / "src" / "assets" / "data.bin").write_bytes(b"hello\n")
    unsigned = d / "unsigned.apk"
    run("aapt", "package", "-f", "-M", d / "src" / "AndroidManifest.xml", "-A", d / "src" / "assets",
        "-I", FRAMEWORK, "-F", unsigned)  # fmt: skip
    patched = _with_package(unsigned, d / "patched.apk", HOSTILE)
    aligned = d / "aligned.apk"
    run("zipalign", "-f", "4", patched, aligned)
    return sign(aligned, d / "hostile.apk", [make_key(d, "pkgkey", "RSA", 2048)])


def test_the_built_apk_really_carries_the_name(hostile_apk: Path) -> None:
    # aapt itself (the Android SDK's reader) shows the patched name: the file is what an attacker would send
    out = run("aapt", "dump", "badging", hostile_apk)
    assert "package: name='=HYPERLINK(" in out and "http://x" in out


def test_impossible_package_name_is_a_reason_never_a_package(hostile_apk: Path) -> None:
    report = analyse_apk(hostile_apk, [])
    assert report.verdict == "invalid"
    assert report.package == ""
    (reason,) = report.reasons
    assert reason.code == "impossible_package"
    assert "impossible package name" in reason.en and "Android" in reason.zh
    assert "HYPERLINK" not in json.dumps(report.to_dict(), ensure_ascii=False)
    assert report.signing is not None and report.signing.verified  # the signature itself is fine


def test_cli_reports_it_and_stores_no_package(hostile_apk: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["apk", "--db", str(tmp_path / "t.db"), "--config", str(CONFIG), "--json", str(hostile_apk)]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    out = json.loads(result.stdout)
    assert out["verdict"] == "invalid" and out["package"] == ""
    assert [r["code"] for r in out["reasons"]] == ["impossible_package"]
    assert "HYPERLINK" not in result.output


def test_read_manifest_refuses_it(hostile_apk: Path) -> None:
    from scanners.apk.manifest import ImpossiblePackageError

    with pytest.raises(ImpossiblePackageError):
        read_manifest(hostile_apk)


@pytest.mark.parametrize(
    "name",
    ["tw.com.huayuesec.trade", "a.b", "A1.b_2", "org.example.notes", "x.y.z" + ".a" * 100],
)
def test_valid_package_names(name: str) -> None:
    assert package_problem(name) is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (HOSTILE, "at least two parts"),
        ('=HYPERLINK("http://x.y")', "start with a letter"),
        ("single", "at least two parts"),
        ("a..b", "empty part"),
        (".a.b", "empty part"),
        ("a.b.", "empty part"),
        ("1a.b", "start with a letter"),
        ("_a.b", "start with a letter"),
        ("a.b-c", "start with a letter"),
        ("a.b c", "start with a letter"),
        ("tw.com.華岳", "start with a letter"),
        ("a.b\u200b", "start with a letter"),
        ("a." + "b" * 300, "longer than 255"),
    ],
)
def test_impossible_package_names(name: str, problem: str) -> None:
    found = package_problem(name)
    assert found is not None and problem in found
