"""APK signature verification: real signed APKs, forgeries built from them, and apksigner as the judge."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import pkcs12

from scanners.apk.signing import ApkFormatError, SigningReport, read_entry, read_min_sdk, verify_apk
from tests.apk_signing_helpers import (
    PASS,
    apksigner_available,
    apksigner_verify,
    build_unsigned,
    join_apk,
    lp,
    make_key,
    read_lp_list,
    sign,
    split_apk,
    tools_available,
)

ROOT = Path(__file__).resolve().parent
CORPUS = ROOT / "apks"
CORPUS_FILES = sorted(p.name for p in CORPUS.glob("*.apk"))
SHARED_FILES = ["blooddonation.apk", "instapaper.apk"]
V2_ID, V3_ID = 0x7109871A, 0xF05368C0

GENERATED = [
    "v1v2_min16",  # minSdk 16: SHA-1 JAR digests, old-platform digest rules
    "ec_min21",  # EC P-256 key in all schemes
    "dsa_min21",
    "rsa4096_min24",  # SHA-512 content digests
    "min28",  # v2 present but not checked (Android 9+ uses v3)
    "v3only_min24",
    "two_signers_min21",
    "rotated_min28",
    "zip_comment_min24",
    "v1only_added_entry",
    "v1only_changed_entry",
    "v3_stripped_from_v2",
    "v2_key_swapped",
    "v1v2_v2_other_key",
    "unsigned",
    "verity_min24",  # apksigner's own VERITY signatures (v2 and v3)
]


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Throwaway APKs signed by Debian's apksigner, plus forgeries made from them."""
    if not tools_available():
        pytest.skip("apksigner/aapt/keytool or android-framework-res missing")
    d = tmp_path_factory.mktemp("gen")
    ka, kb = make_key(d, "ka", "RSA", 2048), make_key(d, "kb", "RSA", 2048)
    ke, kd, kbig = make_key(d, "ke", "EC"), make_key(d, "kd", "DSA", 2048), make_key(d, "kbig", "RSA", 4096)
    u16, u21 = build_unsigned(d, "u16", 16), build_unsigned(d, "u21", 21)
    u24, u28 = build_unsigned(d, "u24", 24), build_unsigned(d, "u28", 28)
    out: dict[str, Path] = {}
    out["v1v2_min16"] = sign(u16, d / "v1v2_min16.apk", [ka])
    out["ec_min21"] = sign(u21, d / "ec_min21.apk", [ke])
    out["dsa_min21"] = sign(u21, d / "dsa_min21.apk", [kd])
    out["rsa4096_min24"] = sign(u24, d / "rsa4096_min24.apk", [kbig])
    out["min28"] = sign(u28, d / "min28.apk", [ka])
    out["v3only_min24"] = sign(
        u24, d / "v3only_min24.apk", [ka], "--v1-signing-enabled", "false", "--v2-signing-enabled", "false"
    )
    out["two_signers_min21"] = sign(
        u21, d / "two_signers_min21.apk", [ka, kb], "--v3-signing-enabled", "false"
    )
    lineage = d / "ab.lineage"
    from tests.apk_signing_helpers import run, signer_args

    run(
        "apksigner",
        "rotate",
        "--out",
        lineage,
        "--old-signer",
        *signer_args(ka),
        "--new-signer",
        *signer_args(kb),
    )
    rot_args = [*signer_args(ka), "--next-signer", *signer_args(kb), "--lineage", str(lineage)]
    run("apksigner", "sign", *rot_args, "--out", d / "rotated_min28.apk", u28)
    out["rotated_min28"] = d / "rotated_min28.apk"
    commented = d / "commented.unsigned.apk"
    with zipfile.ZipFile(u24) as src, zipfile.ZipFile(commented, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.comment = b"a ZIP comment the EOCD search must skip"
    out["zip_comment_min24"] = sign(commented, d / "zip_comment_min24.apk", [ka])

    v1only = sign(
        u21, d / "v1only.apk", [ka], "--v2-signing-enabled", "false", "--v3-signing-enabled", "false"
    )
    added = d / "v1only_added_entry.apk"
    added.write_bytes(v1only.read_bytes())
    with zipfile.ZipFile(added, "a") as z:
        z.writestr("assets/payload.bin", b"added after signing")
    out["v1only_added_entry"] = added
    out["v1only_changed_entry"] = _change_stored_asset(v1only, d / "v1only_changed_entry.apk")

    signed24 = sign(u24, d / "signed24.apk", [ka])
    parts = split_apk(signed24.read_bytes())
    parts.pairs = [(i, v) for i, v in parts.pairs if i != V3_ID]
    (d / "v3_stripped_from_v2.apk").write_bytes(join_apk(parts))
    out["v3_stripped_from_v2"] = d / "v3_stripped_from_v2.apk"

    v2only = sign(
        u24, d / "v2only.apk", [ka], "--v1-signing-enabled", "false", "--v3-signing-enabled", "false"
    )
    out["v2_key_swapped"] = _swap_v2_key(v2only, kb, d / "v2_key_swapped.apk")
    # v1 by ka, v2 by kb: each verifies alone, together they must not (same signer across schemes).
    v1_part = sign(
        u21, d / "v1ka.apk", [ka], "--v2-signing-enabled", "false", "--v3-signing-enabled", "false"
    )
    only_v2 = ["--v1-signing-enabled", "false", "--v3-signing-enabled", "false"]
    run("apksigner", "sign", *signer_args(kb), *only_v2, "--out", d / "v1v2_v2_other_key.apk", v1_part)
    out["v1v2_v2_other_key"] = d / "v1v2_v2_other_key.apk"
    out["unsigned"] = u21
    out["verity_min24"] = sign(u24, d / "verity_min24.apk", [ka], "--verity-enabled", "true")
    return out


def _change_stored_asset(src: Path, dst: Path) -> Path:
    """Flip one byte of the stored asset and fix its CRC, as a forger would."""
    data = bytearray(src.read_bytes())
    pos = data.find(b"hello\n")
    assert pos > 0
    data[pos] = ord("j")
    with zipfile.ZipFile(src) as z:
        info = z.getinfo("assets/data.bin")
    old = info.CRC.to_bytes(4, "little")
    new = (zipfile.crc32(b"jello\n") & 0xFFFFFFFF).to_bytes(4, "little")
    data = bytearray(bytes(data).replace(old, new))
    dst.write_bytes(bytes(data))
    return dst


def _swap_v2_key(src: Path, ks: Path, dst: Path) -> Path:
    """Re-sign the v2 signed data with another key and put that key in the record; the certificate stays."""
    key, _cert, _ = pkcs12.load_key_and_certificates(ks.read_bytes(), PASS.encode())
    assert key is not None
    parts = split_apk(src.read_bytes())
    value = dict(parts.pairs)[V2_ID]
    (signers,) = read_lp_list(value)
    (signer,) = read_lp_list(signers[4:] if False else signers)
    signed_data, _sigs, _pub = read_lp_list(signer)
    signature = key.sign(signed_data, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg,arg-type]
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    sig_record = lp(lp((0x0103).to_bytes(4, "little") + lp(signature)))
    new_signer = lp(signed_data) + sig_record + lp(spki)
    parts.pairs = [(V2_ID, lp(lp(new_signer)))]
    dst.write_bytes(join_apk(parts))
    return dst


def _ours(path: Path, min_sdk: int | None = None) -> SigningReport | ApkFormatError:
    try:
        return verify_apk(path, min_sdk=min_sdk)
    except ApkFormatError as exc:
        return exc


def _assert_agrees(path: Path) -> None:
    theirs = apksigner_verify(path)
    ours = _ours(path)
    if theirs.outcome == "verifies":
        assert isinstance(ours, SigningReport), f"we raised {ours} where apksigner verifies"
        assert ours.verified, f"apksigner verifies, we reject: {ours.errors}"
        assert [c.sha256 for c in ours.signers] == theirs.sha256
        assert [c.subject for c in ours.signers] == theirs.dns
        for scheme in ("v1", "v2", "v3"):
            assert ours.schemes[scheme].verified == theirs.schemes[scheme], scheme
    else:
        rejected = isinstance(ours, ApkFormatError) or not ours.verified
        assert rejected, f"apksigner: {theirs.outcome}; we verified {path.name}"
        if isinstance(ours, SigningReport):
            assert ours.errors, "a rejection must carry its reasons"


@pytest.mark.apksigner
@pytest.mark.skipif(not CORPUS_FILES, reason="tests/apks corpus not built yet")
@pytest.mark.parametrize("name", CORPUS_FILES)
def test_agrees_with_apksigner_on_corpus(name: str) -> None:
    if not apksigner_available():
        pytest.skip("apksigner missing")
    _assert_agrees(CORPUS / name)


@pytest.mark.apksigner
@pytest.mark.shared
@pytest.mark.parametrize("name", SHARED_FILES)
def test_agrees_with_apksigner_on_real_apks(name: str, shared_dir: Path) -> None:
    if not apksigner_available():
        pytest.skip("apksigner missing")
    _assert_agrees(shared_dir / "fixtures" / "apk" / name)


@pytest.mark.apksigner
@pytest.mark.parametrize("name", GENERATED)
def test_agrees_with_apksigner_on_generated(name: str, generated: dict[str, Path]) -> None:
    _assert_agrees(generated[name])


@pytest.mark.apksigner
@pytest.mark.parametrize(("name", "min_sdk"), [("v1v2_min16", 24), ("min28", 21), ("ec_min21", 28)])
def test_agrees_with_apksigner_with_explicit_min_sdk(
    name: str, min_sdk: int, generated: dict[str, Path]
) -> None:
    theirs = apksigner_verify(generated[name], min_sdk=min_sdk)
    ours = verify_apk(generated[name], min_sdk=min_sdk)
    assert ours.verified == (theirs.outcome == "verifies")
    assert {k: ours.schemes[k].verified for k in ("v1", "v2", "v3")} == theirs.schemes


# ---------------------------------------------------------------------------- what the real APKs say


@pytest.mark.shared
def test_real_apks_match_their_readme(shared_dir: Path) -> None:
    apk = shared_dir / "fixtures" / "apk"
    blood = verify_apk(apk / "blooddonation.apk")
    assert blood.verified
    assert [c.sha256 for c in blood.signers] == [
        "1947b382c1ad9b3978c98a59d1f6fb67d5c04b199ff46dd403c8154c28e4df48"
    ]
    assert blood.signers[0].subject == "CN=Anthony Chomienne, O=Mob Dev, L=Lyon, ST=France, C=69005"
    assert (blood.schemes["v1"].verified, blood.schemes["v2"].verified, blood.schemes["v3"].present) == (
        True,
        True,
        False,
    )
    insta = verify_apk(apk / "instapaper.apk")
    assert insta.verified and insta.schemes["v1"].verified and not insta.schemes["v2"].present
    assert insta.all_certificates() == {"910307c754887cc9d9c4f7c189ae750a0a415b6895467185644c4cb6a67aebca"}
    assert insta.signers[0].sha1 == hashlib.sha1(insta.signers[0].der).hexdigest()


# ------------------------------------------------------------------------------------ targeted cases


@pytest.mark.skipif(not (CORPUS / "official.apk").exists(), reason="corpus not built")
def test_official_corpus_signers_and_lineage() -> None:
    official = verify_apk(CORPUS / "official.apk")
    assert official.verified and official.lineage == ()
    assert official.signers[0].sha256 == "b8cd0900fb5f91892e6cfa0ddbe77f0ec1f3cd792aa77373ba28e4341af75ff7"
    rotated = verify_apk(CORPUS / "official_rotated.apk")
    assert rotated.verified
    assert [c.sha256[:8] for c in rotated.signers] == ["5ad5acb9"]
    assert [c.sha256[:8] for c in rotated.lineage] == ["b8cd0900", "5ad5acb9"]
    assert official.signers[0].sha256 in rotated.all_certificates()


@pytest.mark.skipif(not (CORPUS / "transplant.apk").exists(), reason="corpus not built")
@pytest.mark.parametrize("name", ["transplant.apk", "tampered.apk"])
def test_official_signature_over_other_content_fails(name: str) -> None:
    report = verify_apk(CORPUS / name)
    assert not report.verified and report.signers == ()
    assert report.schemes["v3"].present and not report.schemes["v3"].verified
    assert any("content changed after signing" in e for e in report.errors)


@pytest.mark.skipif(not (CORPUS / "stripped_v2.apk").exists(), reason="corpus not built")
def test_stripped_signing_block_is_caught_by_the_jar_header() -> None:
    report = verify_apk(CORPUS / "stripped_v2.apk")
    assert not report.verified
    assert not report.schemes["v2"].present
    assert any("stripped" in e for e in report.errors)
    # Android 7+ only: without the stripping check this JAR signature alone would pass.
    sf = read_entry(CORPUS / "stripped_v2.apk", "META-INF/OFFICIAL.SF", max_size=1 << 20).decode()
    assert "X-Android-APK-Signed: 2, 3" in sf


@pytest.mark.apksigner
def test_transplant_of_generated_signature(generated: dict[str, Path], tmp_path: Path) -> None:
    """Signing block and META-INF of one APK copied onto another's content."""
    donor = split_apk(generated["zip_comment_min24"].read_bytes())
    victim = split_apk(generated["ec_min21"].read_bytes())
    victim.pairs = donor.pairs
    forged = tmp_path / "forged.apk"
    forged.write_bytes(join_apk(victim))
    report = verify_apk(forged)
    assert not report.verified
    assert apksigner_verify(forged).outcome != "verifies"


@pytest.mark.apksigner
def test_wrong_public_key_is_refused(generated: dict[str, Path]) -> None:
    report = verify_apk(generated["v2_key_swapped"])
    assert not report.verified
    assert any("public key differs" in e for e in report.errors)


@pytest.mark.apksigner
def test_v2_stripping_protection_names_v3(generated: dict[str, Path]) -> None:
    report = verify_apk(generated["v3_stripped_from_v2"])
    assert not report.verified
    assert any("APK Signature Scheme v3" in e and "stripped" in e for e in report.errors)


@pytest.mark.apksigner
def test_v1_content_changes_are_caught(generated: dict[str, Path]) -> None:
    added = verify_apk(generated["v1only_added_entry"])
    assert not added.verified and any("payload.bin" in e for e in added.errors)
    changed = verify_apk(generated["v1only_changed_entry"])
    assert not changed.verified and any("data.bin" in e and "digest" in e for e in changed.errors)


@pytest.mark.apksigner
def test_scheme_selection_by_min_sdk(generated: dict[str, Path]) -> None:
    min28 = verify_apk(generated["min28"])
    assert min28.min_sdk == 28 == read_min_sdk(generated["min28"])
    assert min28.schemes["v2"].present and not min28.schemes["v2"].checked
    assert min28.schemes["v1"].present and not min28.schemes["v1"].checked
    assert min28.verified and min28.schemes["v3"].verified
    old = verify_apk(generated["v1v2_min16"])
    assert old.min_sdk == 16 and old.schemes["v1"].checked and old.schemes["v1"].verified
    big = verify_apk(generated["rsa4096_min24"])
    assert big.verified and big.schemes["v3"].verified


@pytest.mark.apksigner
def test_unsigned_apk_is_readable_but_not_verified(generated: dict[str, Path]) -> None:
    report = verify_apk(generated["unsigned"])
    assert not report.verified
    assert report.errors and report.all_certificates() == frozenset()


def test_certificate_to_dict_has_no_der(tmp_path: Path) -> None:
    if not (CORPUS / "official.apk").exists():
        pytest.skip("corpus not built")
    cert = verify_apk(CORPUS / "official.apk").signers[0]
    d = cert.to_dict()
    assert "der" not in d and d["sha256"] == cert.sha256 and d["subject"].startswith("CN=Huayue")
    assert d["not_before"] < d["not_after"]


@pytest.mark.skipif(not (CORPUS / "official.apk").exists(), reason="corpus not built")
def test_parallel_v1_check_gives_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Big APKs check v1 in a worker thread beside the v2/v3 digests: same results, same errors."""
    from scanners.apk import signing

    names = ["official.apk", "official_rotated.apk", "repackaged.apk", "tampered.apk", "transplant.apk"]
    serial = {n: verify_apk(CORPUS / n) for n in names}
    monkeypatch.setattr(signing, "PARALLEL_MIN", 0)
    for name in names:
        parallel = verify_apk(CORPUS / name)
        assert parallel.verified == serial[name].verified
        assert parallel.errors == serial[name].errors
        assert {k: v.verified for k, v in parallel.schemes.items()} == {
            k: v.verified for k, v in serial[name].schemes.items()
        }
    monkeypatch.setattr(signing, "MAX_INFLATED", 16)
    with pytest.raises(ApkFormatError, match="ZIP bomb"):
        verify_apk(CORPUS / "official.apk")
    # When v3 already fails, the worker's outcome is ignored, as apksigner never reads v1 then.
    assert not verify_apk(CORPUS / "tampered.apk").verified
