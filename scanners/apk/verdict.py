"""The APK verdict: official | official_signer_other_package | repackaged | impostor | tampered | unrelated |
invalid, with reasons in Traditional Chinese and English.

``analyse_apk`` verifies the signature cryptographically (``signing.verify_apk``), reads the manifest facts,
the risk indicators and the brand ties, and never raises on bad input: a file that cannot be read is
``invalid`` with the reason. ``.xapk``/``.apks`` bundles are judged by their base APK, extracted with a size
cap to a temporary file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeAlias

from scanners.apk.androguard_lean import quiet_androguard
from scanners.apk.manifest import (
    PACKAGE_MAX,
    EntryReader,
    ImpossiblePackageError,
    ManifestInfo,
    manifest_from,
)
from scanners.apk.risk import Risk, assess, read_build_facts
from scanners.apk.signing import SigningReport, verify_apk
from scanners.apk.zipread import ApkFormatError, ZipLayout, iter_entry, read_entry_bytes, read_layout
from scanners.judging.reason import Reason
from scanners.profile import Brand, OfficialApp

if TYPE_CHECKING:
    from scanners.judging.names import PreparedBrand

# A brand as the profile has it, or already prepared for name matching (judging.names.prepare_brand).
# Plain brands are prepared only when the certificate does not decide: name folding (pinyin, OpenCC) and
# the official icons' hashes cost ~0.5 s and tens of MB the first time; an official APK needs neither.
BrandLike: TypeAlias = "Brand | PreparedBrand"
# A file's SHA-256 as the caller knows it: the hex digest, "" (unknown), or a callable asked afterwards.
Sha256: TypeAlias = "str | Callable[[], str]"

VERDICTS = (
    "official",
    "official_signer_other_package",
    "repackaged",
    "impostor",
    "tampered",
    "unrelated",
    "invalid",
)
BUNDLE_SUFFIXES = (".xapk", ".apks", ".apkm")
MAX_BASE_APK = 512 * 1024 * 1024
MAX_BUNDLE_MANIFEST = 1024 * 1024
ANDROID_STORES = ("google_play",)
MAX_PKCS7 = 1024 * 1024


@dataclass(frozen=True)
class ApkReport:
    """Everything the verdict rests on; ``to_dict`` is the JSON the CLI prints and the database keeps."""

    verdict: str
    reasons: tuple[Reason, ...]
    file: str
    sha256: str
    size: int
    brand: str = ""
    manifest: ManifestInfo | None = None
    signing: SigningReport | None = None
    risk: Risk | None = None
    bundle_base: str = ""  # the base APK's name inside a bundle
    icon_hash: str = ""
    icon_distance: int | None = None
    official_permissions_known: bool = False
    elapsed: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def package(self) -> str:
        return self.manifest.package if self.manifest else ""

    @property
    def label(self) -> str:
        return self.manifest.label if self.manifest else ""

    def certificates(self) -> list[dict[str, Any]]:
        if self.signing is None:
            return []
        return [c.to_dict() for c in self.signing.signers]

    def to_dict(self) -> dict[str, Any]:
        m = self.manifest
        s = self.signing
        schemes: dict[str, Any] = {}
        if s is not None:
            for name, res in s.schemes.items():
                schemes[name] = {
                    "present": res.present,
                    "verified": res.verified,
                    "errors": list(res.errors),
                    "signers": [c.sha256 for c in res.signers],
                }
        return {
            "verdict": self.verdict,
            "reasons": [r.to_dict() for r in self.reasons],
            "brand": self.brand,
            "file": self.file,
            "sha256": self.sha256,
            "size": self.size,
            "bundle_base": self.bundle_base,
            "package": m.package if m else "",
            "label": m.label if m else "",
            "labels": dict(m.labels) if m else {},
            "version_code": m.version_code if m else None,
            "version_name": m.version_name if m else "",
            "min_sdk": m.min_sdk if m else None,
            "target_sdk": m.target_sdk if m else None,
            "debuggable": m.debuggable if m else False,
            "signature_verified": bool(s and s.verified),
            "schemes": schemes,
            # Checked as apksigner checks them (scanners/apk/extrasig.py); None when absent.
            "v4": s.v4.to_dict() if s and s.v4 else None,
            "source_stamp": s.source_stamp.to_dict() if s and s.source_stamp else None,
            "certificates": self.certificates(),
            "lineage": [c.to_dict() for c in s.lineage] if s else [],
            "signing_errors": list(s.errors) if s else [],
            "signing_warnings": list(s.warnings) if s else [],
            "permissions": list(m.permissions) if m else [],
            "components": [c.to_dict() for c in m.components] if m else [],
            "icon": {
                "path": m.icon_path if m else "",
                "hash": self.icon_hash,
                "distance": self.icon_distance,
            },
            "risk": self.risk.to_dict() if self.risk else {"score": 0, "indicators": []},
            "official_permissions_known": self.official_permissions_known,
            "notes": list(self.notes),
            "elapsed": round(self.elapsed, 4),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


# scanners.apk.manifest.package_problem's answers, in Traditional Chinese
_PROBLEM_ZH = {
    f"it is longer than {PACKAGE_MAX} characters": f"超過 {PACKAGE_MAX} 個字元",
    "it needs at least two parts separated by dots": "至少要有兩段，以英文句點分隔",
    "it has an empty part between dots": "句點之間有空白段落",
    "each part must start with a letter A-Z and hold only letters, digits and _": (
        "每一段須以英文字母開頭，且只能有英文字母、數字與底線"
    ),
}


def _r(code: str, zh: str, en: str, points: int = 0) -> Reason:
    return Reason(code=code, points=points, zh=zh, en=en)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _brand(item: BrandLike) -> Brand:
    return item if isinstance(item, Brand) else item.brand


class _Lazy:
    """What the name/icon signals need, computed on first use within one judgement (no state across calls)."""

    def __init__(self, icon: bytes | None) -> None:
        self._icon = icon
        self._icon_hash: str | None = None
        self._prepared: dict[str, PreparedBrand] = {}

    def icon_hash(self) -> str:
        if self._icon_hash is None:
            self._icon_hash = ""
            if self._icon:
                from scanners.judging import icons

                with contextlib.suppress(Exception):  # a broken or hostile image only loses the icon signal
                    self._icon_hash = icons.icon_hash(self._icon)
        return self._icon_hash

    def prepared(self, item: BrandLike) -> PreparedBrand:
        if not isinstance(item, Brand):
            return item
        if item.id not in self._prepared:
            from scanners.judging.names import prepare_brand

            self._prepared[item.id] = prepare_brand(item, official_icon_hashes(item))
        return self._prepared[item.id]


def official_icon_hashes(brand: Brand) -> tuple[str, ...]:
    """Perceptual hashes of the brand's official icons (files named in the profile)."""
    from scanners.judging import icons  # Pillow only when a brand must be prepared

    return icons.official_icon_hashes(brand)


def _android_apps(brand: Brand) -> list[OfficialApp]:
    return [a for a in brand.apps if a.store in ANDROID_STORES]


class _Hasher(threading.Thread):
    """SHA-256 of the whole file beside the verification
    (hashlib releases the GIL: two cores, half the wait).

    ``known``: the digest when the caller has it, or a callable that gives it once the analysis is done
    (``fakeapp apk`` hashes in a thread of its own while it imports; the verification must not wait for
    it). A callable that returns "" (the caller could not hash the file) means hashing it here, then.
    """

    def __init__(self, path: Path, known: Sha256 = "") -> None:
        super().__init__(daemon=True)
        self.path = path
        self.known = known
        self.digest = known if isinstance(known, str) else ""
        self.error = ""

    def finish(self) -> str:
        """The hex digest ("" if the file could not be read), once the thread (if started) is done."""
        if self.ident is not None:
            self.join()
        elif callable(self.known):
            self.digest = self.known()
            if not self.digest:
                self.run()
        return self.digest

    def run(self) -> None:
        try:
            with open(self.path, "rb") as f:
                self.digest = hashlib.file_digest(f, "sha256").hexdigest()
        except OSError as exc:
            self.error = exc.strerror or str(exc)


def analyse_apk(
    path: str | Path,
    brands: Sequence[BrandLike] | None = None,
    *,
    official_permissions: Mapping[str, Sequence[str]] | None = None,
    display_name: str | None = None,
    max_base_size: int = MAX_BASE_APK,
    sha256: Sha256 = "",
) -> ApkReport:
    """Judge the APK or bundle at ``path`` against ``brands`` (prepared brands, see judging.prepare_brand).

    ``official_permissions`` maps a package name to the permissions of its known official build (from earlier
    analyses), for the "permissions added" indicator. ``sha256``: the file's SHA-256 when the caller already
    has it (``fetch`` computes it while downloading), which saves hashing the whole file again, or a callable
    asked for it only after the analysis (a hash still running elsewhere). Never raises on bad input.
    """
    started = time.perf_counter()
    p = Path(path)
    name = display_name or p.name
    hasher = _Hasher(p, sha256)
    if not sha256:
        hasher.start()
    try:
        size = p.stat().st_size
    except OSError as exc:
        hasher.finish()
        return _invalid(
            name, "", 0, "unreadable", "無法讀取檔案", f"cannot read the file: {exc.strerror}", started
        )
    try:
        report = _analyse_any(p, name, size, brands or (), official_permissions or {}, max_base_size)
    except Exception as exc:  # bad input must never become a traceback; the reason names the failure
        report = _invalid(
            name,
            "",
            size,
            "unreadable",
            "無法解析此檔案",
            f"cannot parse this file ({type(exc).__name__}: {str(exc)[:200]})",
            started,
        )
    return _replace(report, sha256=hasher.finish(), size=size, elapsed=time.perf_counter() - started)


def _replace(report: ApkReport, **changes: Any) -> ApkReport:
    import dataclasses

    return dataclasses.replace(report, **changes)


def _invalid(name: str, sha: str, size: int, code: str, zh: str, en: str, started: float) -> ApkReport:
    return ApkReport(
        verdict="invalid",
        reasons=(_r(code, zh, en),),
        file=name,
        sha256=sha,
        size=size,
        elapsed=time.perf_counter() - started,
    )


def _analyse_any(
    p: Path,
    name: str,
    size: int,
    brands: Sequence[BrandLike],
    official_permissions: Mapping[str, Sequence[str]],
    max_base_size: int,
) -> ApkReport:
    started = time.perf_counter()
    try:
        with open(p, "rb") as f:
            layout = read_layout(f)
            is_bundle = layout.find("AndroidManifest.xml") is None and (
                p.suffix.lower() in BUNDLE_SUFFIXES
                or name.lower().endswith(BUNDLE_SUFFIXES)
                or any(e.name.lower().endswith(".apk") for e in layout.entries)
            )
            if is_bundle:
                base = _find_base(f, layout)
                if base is None:
                    return _invalid(
                        name,
                        "",
                        size,
                        "bundle_without_base",
                        "APK 套件（.xapk/.apks）中找不到主程式 base APK",
                        "the bundle (.xapk/.apks) holds no base APK",
                        started,
                    )
                fd, tmp = tempfile.mkstemp(prefix="fakeapp-base-", suffix=".apk")
                try:
                    with os.fdopen(fd, "wb") as out:
                        entry = layout.find(base)
                        assert entry is not None
                        for piece in iter_entry(f, layout, entry, max_size=max_base_size):
                            out.write(piece)
                    inner = _analyse_single(Path(tmp), name, brands, official_permissions)
                    return _replace(inner, bundle_base=base)
                finally:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
    except ApkFormatError as exc:
        return _invalid(
            name, "", size, "not_an_apk", f"不是可讀取的 APK：{exc}", f"not a readable APK: {exc}", started
        )
    return _analyse_single(p, name, brands, official_permissions)


def _find_base(f: BinaryIO, layout: ZipLayout) -> str | None:
    """The base APK of an XAPK (manifest.json) or APKS (bundletool / SAI layout)."""
    apks = [e.name for e in layout.entries if e.name.lower().endswith(".apk")]
    if not apks:
        return None
    manifest = layout.find("manifest.json")
    if manifest is not None:
        try:
            doc = json.loads(read_entry_bytes(f, layout, manifest, max_size=MAX_BUNDLE_MANIFEST))
            splits = doc.get("split_apks") if isinstance(doc, dict) else None
            for item in splits if isinstance(splits, list) else []:
                if isinstance(item, dict) and item.get("id") == "base" and item.get("file") in apks:
                    return str(item["file"])
            pkg = doc.get("package_name") if isinstance(doc, dict) else None
            if isinstance(pkg, str) and f"{pkg}.apk" in apks:
                return f"{pkg}.apk"
        except (ValueError, ApkFormatError):
            pass  # a broken manifest.json: fall back to the names
    for known in ("base.apk", "splits/base-master.apk", "base-master.apk", "standalones/standalone.apk"):
        if known in apks:
            return known
    others = [
        a
        for a in apks
        if not Path(a).name.startswith(("split_", "config."))
        and "/" not in a.strip("/")
        and "-master" not in a
    ]
    return others[0] if len(others) == 1 else None


def _analyse_single(
    p: Path,
    name: str,
    brands: Sequence[BrandLike],
    official_permissions: Mapping[str, Sequence[str]],
) -> ApkReport:
    started = time.perf_counter()
    try:
        signing = verify_apk(p)
    except ApkFormatError as exc:
        return _invalid(
            name, "", 0, "not_an_apk", f"不是可讀取的 APK：{exc}", f"not a readable APK: {exc}", started
        )
    manifest: ManifestInfo | None = None
    facts = None
    claimed: frozenset[str] = frozenset()
    try:
        with open(p, "rb") as f, quiet_androguard():
            reader = EntryReader(f)
            manifest = manifest_from(reader)
            facts = read_build_facts(p, reader)
            if not signing.verified:
                claimed = claimed_v1_certificates(reader)
    except ImpossiblePackageError as exc:
        why_zh = _PROBLEM_ZH.get(exc.problem, exc.problem)
        return ApkReport(
            verdict="invalid",
            reasons=(
                _r(
                    "impossible_package",
                    f"套件名稱不符合 Android 規則，任何裝置都無法安裝（{why_zh}）",
                    f"impossible package name, no device installs this APK: {exc.problem}",
                ),
            ),
            file=name,
            sha256="",
            size=0,
            signing=signing,
        )
    except ApkFormatError as exc:
        return ApkReport(
            verdict="invalid",
            reasons=(
                _r(
                    "no_manifest",
                    f"無法讀取 AndroidManifest.xml：{exc}",
                    f"no usable AndroidManifest.xml: {exc}",
                ),
            ),
            file=name,
            sha256="",
            size=0,
            signing=signing,
        )
    official_perms = official_permissions.get(manifest.package)
    risk = assess(
        manifest,
        [(c.subject, c.issuer) for c in signing.signers],
        facts,
        official_perms,
    )
    decided = judge(manifest, signing, brands, claimed)
    reasons = decided.reasons
    if decided.verdict not in ("official", "official_signer_other_package"):
        # the risk indicators explain a fake; on a verified official build they stay in ``risk`` only
        reasons = reasons + tuple(_r(i.code, i.zh, i.en, i.points) for i in risk.indicators)
    reasons = reasons + _extra_signature_reasons(signing)
    return ApkReport(
        verdict=decided.verdict,
        reasons=reasons,
        file=name,
        sha256="",
        size=0,
        brand=decided.brand,
        manifest=manifest,
        signing=signing,
        risk=risk,
        icon_hash=decided.icon_hash,
        icon_distance=decided.icon_distance,
        official_permissions_known=official_perms is not None,
        notes=tuple(manifest.warnings) + (facts.notes if facts else ()),
    )


def _extra_signature_reasons(signing: SigningReport) -> tuple[Reason, ...]:
    """A v4 file or a SourceStamp that was checked and failed, while the APK itself verifies (apksigner's
    "Verified using v4 scheme: false" / "Verified for SourceStamp: false"): said, worth no points."""
    out: list[Reason] = []
    v4, stamp = signing.v4, signing.source_stamp
    if signing.verified and v4 is not None and v4.checked and not v4.verified:
        why = "; ".join(v4.errors[:1]) or "did not verify"
        out.append(_r(
            "v4_signature_not_verified",
            f"APK 旁的 v4 簽章檔（{v4.source}）驗證失敗：{why}；APK 本身的簽章仍有效",
            f"the v4 signature file beside the APK ({v4.source}) does not verify: {why}; the APK's own "
            "signature still verifies",
        ))  # fmt: skip
    if signing.verified and stamp is not None and stamp.checked and not stamp.verified:
        why = "; ".join([*stamp.errors, *stamp.warnings][:1]) or "did not verify"
        out.append(_r(
            "source_stamp_not_verified",
            f"SourceStamp（發布來源戳記）驗證失敗：{why}；APK 本身的簽章仍有效",
            f"the SourceStamp (the distributor's stamp) does not verify: {why}; the APK's own signature "
            "still verifies",
        ))  # fmt: skip
    return tuple(out)


def claimed_v1_certificates(reader: EntryReader) -> frozenset[str]:
    """SHA-256 of the certificates in the v1 PKCS#7 blocks, unverified (to explain a failed signature)."""
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

    out: set[str] = set()
    blocks = [
        e.name
        for e in reader.layout.entries
        if e.name.upper().startswith("META-INF/") and e.name.upper().endswith((".RSA", ".DSA", ".EC"))
    ]
    for name in blocks[:4]:
        with contextlib.suppress(Exception):  # hostile PKCS#7: no claim, no explanation
            for cert in pkcs7.load_der_pkcs7_certificates(reader.read(name, MAX_PKCS7)):
                out.add(hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest())
    return frozenset(out)


def _short_fp(sha: str) -> str:
    return f"{sha[:8]}…{sha[-8:]}" if len(sha) == 64 else sha


@dataclass(frozen=True)
class ApkVerdict:
    """What the verdict rules decided: the verdict, the brand it concerns, why, and the icon comparison."""

    verdict: str
    brand: str = ""
    reasons: tuple[Reason, ...] = ()
    icon_hash: str = ""
    icon_distance: int | None = None


@dataclass
class _Facts:
    """What every verdict rule reads; ``best_distance`` is the closest official icon seen so far."""

    manifest: ManifestInfo
    signing: SigningReport
    brands: Sequence[BrandLike]
    claimed: frozenset[str]
    pkg: str
    label: str
    certs: frozenset[str]
    signer_text: str
    lazy: _Lazy
    best_distance: int | None = None


def judge(
    manifest: ManifestInfo,
    signing: SigningReport,
    brands: Sequence[BrandLike],
    claimed: frozenset[str] = frozenset(),
) -> ApkVerdict:
    """The verdict from the facts: the first of ``RULES`` that decides. Pure but for the official icon files
    of plain (unprepared) brands, read when the name/icon signals are needed.

    ``claimed``: certificates a signature that failed verification names (extracted, not verified); they only
    explain a ``tampered`` verdict ("carries the official certificate"), never make anything official.
    """
    signer = signing.signers[0] if signing.signers else None
    facts = _Facts(
        manifest=manifest,
        signing=signing,
        brands=brands,
        claimed=claimed,
        pkg=manifest.package,
        label=_nfc(manifest.label),
        certs=frozenset(signing.all_certificates()),
        signer_text=f"{signer.subject} (SHA-256 {_short_fp(signer.sha256)})" if signer else "—",
        lazy=_Lazy(manifest.icon),
    )
    for rule in RULES:
        verdict = rule(facts)
        if verdict is not None:
            return verdict
    raise AssertionError("the last rule always decides")  # pragma: no cover


def signature_must_verify(f: _Facts) -> ApkVerdict | None:
    """1. The signature must verify before any certificate means anything: otherwise ``tampered``."""
    signing = f.signing
    if signing.verified:
        return None
    reasons: list[Reason] = []
    present = [n for n, s in signing.schemes.items() if s.present]
    tied = ""
    for pb in f.brands:
        b = _brand(pb)
        if (f.certs | f.claimed) & b.all_cert_sha256:
            tied = b.id
            reasons.append(
                _r(
                    "official_certificate_copied",
                    f"帶有{b.name}的官方憑證，但簽章驗證失敗：官方簽章被複製到其他內容上，或內容在簽署後被竄改",
                    f"carries {b.name}'s official certificate but the signature does not verify: "
                    "the official "
                    "signature was copied onto other content, or the content was changed after signing",
                    100,
                )
            )
            break
    if not present:
        reasons.insert(
            0,
            _r(
                "unsigned",
                "沒有任何簽章（Android 不會安裝）",
                "not signed at all (Android refuses it)",
                50,
            ),
        )
    else:
        errs = "; ".join(signing.errors[:3]) or "signature check failed"
        reasons.insert(
            0,
            _r(
                "signature_invalid",
                f"簽章驗證失敗：{errs}",
                f"the signature does not verify: {errs}",
                100,
            ),
        )
        if any("strip" in e.lower() for e in signing.errors):
            reasons.append(
                _r(
                    "v2_signature_stripped",
                    "v1 簽章註明應有 v2 以上簽章，但已被移除（降級攻擊）",
                    "the v1 signature says a v2+ signature existed, but it was removed (downgrade attack)",
                    50,
                )
            )
    if not tied:
        tied = _brand_tie(f.pkg, f.label, f.brands, f.lazy)
    return ApkVerdict("tampered", tied, tuple(reasons))


def official_certificate(f: _Facts) -> ApkVerdict | None:
    """2. A verified official certificate (signer or rotation lineage): ``official``, or
    ``official_signer_other_package`` for a package the profile does not list."""
    signing = f.signing
    signer = signing.signers[0] if signing.signers else None
    for pb in f.brands:
        b = _brand(pb)
        official = f.certs & b.all_cert_sha256
        if not official:
            continue
        fp = sorted(official)[0]
        rotated = bool(signing.lineage) and signer is not None and signer.sha256 != fp
        reasons = [
            _r(
                "official_certificate",
                f"簽章已驗證，且為{b.name}的官方憑證（SHA-256 {_short_fp(fp)}）",
                f"verified signature by {b.name}'s official certificate (SHA-256 {_short_fp(fp)})",
            )
        ]
        if signing.lineage:
            reasons.append(
                _r(
                    "key_rotation",
                    "以金鑰輪替（v3 lineage）由官方金鑰授權的新金鑰簽署"
                    if rotated
                    else "含金鑰輪替紀錄（v3 lineage），鏈上含官方憑證",
                    "signed by a key the official key endorsed through rotation (v3 lineage)"
                    if rotated
                    else "carries a key-rotation lineage (v3) that contains the official certificate",
                )
            )
        pkg = f.pkg
        if pkg in {a.app_id for a in _android_apps(b)}:
            reasons.insert(
                1, _r("official_package", f"套件名稱 {pkg} 為官方 App", f"package {pkg} is the official app")
            )
            return ApkVerdict("official", b.id, tuple(reasons))
        reasons.append(
            _r(
                "package_not_in_profile",
                f"官方憑證簽署，但套件 {pkg} 不在品牌設定中（舊版或內部版本，並非仿冒）",
                f"official certificate on package {pkg}, which is not in the profile (an old or internal "
                "build, not a fake)",
            )
        )
        return ApkVerdict("official_signer_other_package", b.id, tuple(reasons))
    return None


def claims_a_brand(f: _Facts) -> ApkVerdict | None:
    """3. Not official: an allowed partner app, or a claim on a brand (its package, name, or a look-alike)."""
    for pb in f.brands:
        for rule in BRAND_RULES:
            verdict = rule(f, pb)
            if verdict is not None:
                return verdict
    return None


def allowed_partner(f: _Facts, pb: BrandLike) -> ApkVerdict | None:
    """A partner app the brand's profile allows: ``unrelated``."""
    b = _brand(pb)
    if f.pkg not in {a.app_id for a in b.allow if a.store in ANDROID_STORES}:
        return None
    reason = _r(
        "allowed_app", f"{f.pkg} 為品牌設定允許的合作 App", f"{f.pkg} is an allowed partner app of {b.name}"
    )
    return ApkVerdict("unrelated", b.id, (reason,))


def _not_official(f: _Facts) -> Reason:
    return _r(
        "certificate_not_official",
        f"簽署憑證不是官方憑證：{f.signer_text}",
        f"signed by a certificate that is not official: {f.signer_text}",
        40,
    )


def _no_certs(b: Brand) -> Reason:
    return _r(
        "no_official_certificates",
        f"品牌設定未列出{b.name}的官方憑證，無法確認官方版本；請在 brands.toml 加入 cert_sha256",
        f"the profile lists no official certificate for {b.name}, so the official build cannot be "
        "recognised; add cert_sha256 to brands.toml",
    )


def official_package_other_certificate(f: _Facts, pb: BrandLike) -> ApkVerdict | None:
    """The official package name under another certificate: ``repackaged`` (``impostor`` when the profile
    lists no official certificate to tell)."""
    b = _brand(pb)
    if not any(a.app_id == f.pkg for a in _android_apps(b)):
        return None
    if not b.all_cert_sha256:
        return ApkVerdict("impostor", b.id, (_no_certs(b),))
    reason = _r(
        "official_package_other_certificate",
        f"使用官方套件名稱 {f.pkg}，卻由非官方憑證簽署：重新打包的仿冒版",
        f"uses the official package name {f.pkg} but is signed by another certificate: repackaged",
        60,
    )
    return ApkVerdict("repackaged", b.id, (reason, _not_official(f)))


def official_label_other_certificate(f: _Facts, pb: BrandLike) -> ApkVerdict | None:
    """The official app name under another certificate: ``repackaged`` (or ``impostor``, as above)."""
    b = _brand(pb)
    label = f.label
    if not label or not any(a.name and _nfc(a.name) == label for a in _android_apps(b)):
        return None
    if not b.all_cert_sha256:
        return ApkVerdict("impostor", b.id, (_no_certs(b),))
    reason = _r(
        "official_label_other_certificate",
        f"使用官方 App 名稱「{label}」，卻由非官方憑證簽署",
        f"uses the official app name {label!r} but is signed by another certificate",
        50,
    )
    return ApkVerdict("repackaged", b.id, (reason, _not_official(f)))


def looks_like_brand(f: _Facts, pb: BrandLike) -> ApkVerdict | None:
    """A name, package or icon like the brand's (judging's signals): ``impostor``."""
    from scanners.judging.names import package_match
    from scanners.judging.signals import ICON_SIMILAR

    b = _brand(pb)
    prepared = f.lazy.prepared(pb)
    signals: list[Reason] = []
    nm = _name_signal(f.label, f.manifest.labels, prepared)
    if nm is not None:
        signals.append(nm)
    pm = package_match(f.pkg, prepared)
    if pm is not None:
        signals.append(
            _r(
                "brand_like_package",
                f"套件名稱 {f.pkg} 仿似品牌：{pm.zh}",
                f"package name {f.pkg} looks like the brand's: {pm.en}",
                30,
            )
        )
    dist = _icon_distance(f.lazy.icon_hash(), prepared)
    if dist is not None and (f.best_distance is None or dist < f.best_distance):
        f.best_distance = dist
    # pHash bits: a resized, recoloured or badged copy of the official icon (judging's threshold)
    if dist is not None and dist <= ICON_SIMILAR:
        signals.append(
            _r(
                "brand_icon",
                f"圖示與官方圖示相似（差異 {dist}）",
                f"the icon looks like the official icon (distance {dist})",
                30,
            )
        )
    if not signals:
        return None
    if not b.all_cert_sha256:
        signals.append(_no_certs(b))
    return ApkVerdict("impostor", b.id, (*signals, _not_official(f)), f.lazy.icon_hash(), f.best_distance)


def no_brand_tie(f: _Facts) -> ApkVerdict:
    """4. Nothing ties it to a protected brand: ``unrelated``."""
    reason = _r(
        "no_brand_tie", "名稱、套件、圖示與憑證皆與受保護品牌無關", "nothing ties it to a protected brand"
    )
    return ApkVerdict("unrelated", "", (reason,), f.lazy.icon_hash(), f.best_distance)


# The rules in order; the first that decides gives the verdict. BRAND_RULES run per brand, in profile order.
RULES: tuple[Callable[[_Facts], ApkVerdict | None], ...] = (
    signature_must_verify,
    official_certificate,
    claims_a_brand,
    no_brand_tie,
)
BRAND_RULES: tuple[Callable[[_Facts, BrandLike], ApkVerdict | None], ...] = (
    allowed_partner,
    official_package_other_certificate,
    official_label_other_certificate,
    looks_like_brand,
)


def _name_signal(label: str, labels: Mapping[str, str], prepared: PreparedBrand) -> Reason | None:
    from scanners.judging.names import name_match

    seen: set[str] = set()
    for text in (label, *labels.values()):
        if not text or text in seen:
            continue
        seen.add(text)
        m = name_match(text, prepared)
        if m is not None:
            return _r(
                "brand_name_in_label",
                f"App 名稱「{text}」{m.zh}",
                f"the app name {text!r} {m.en}",
                30,
            )
    return None


def _icon_distance(icon_hash: str, prepared: PreparedBrand) -> int | None:
    from scanners.judging.icons import icon_distance

    hashes = prepared.official_icon_hashes
    if not icon_hash or not hashes:
        return None
    dists = []
    for h in hashes:
        with contextlib.suppress(Exception):
            dists.append(int(icon_distance(icon_hash, h)))
    return min(dists) if dists else None


def _brand_tie(pkg: str, label: str, brands: Sequence[BrandLike], lazy: _Lazy) -> str:
    from scanners.judging.names import name_match, package_match

    for pb in brands:
        b = _brand(pb)
        if any(a.app_id == pkg for a in _android_apps(b)):
            return b.id
        prepared = lazy.prepared(pb)
        if (label and name_match(label, prepared) is not None) or package_match(pkg, prepared) is not None:
            return b.id
    return ""
