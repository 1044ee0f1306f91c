"""Risk indicators of an APK and a 0-100 risk score: trojan permissions and components, permissions added
compared with the official build, debug/test certificates, signs of an apktool/smali rebuild, low target SDK.

``assess`` is pure (plain data in, indicators out); ``read_build_facts`` is the only I/O (the ZIP's central
directory and the ``classes.dex`` map list).
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanners.apk.manifest import EntryReader, ManifestInfo

MAX_DEX = 64 * 1024 * 1024
MAX_LISTED_ENTRIES = 20_000  # big apps have 2,000-10,000 entries; more only costs memory here

P = "android.permission."
# permission -> (points, zh, en); 2026-11: the permissions Taiwanese banking/broker trojans ask for
# (SMS OTP theft, overlay phishing, dropper installs, app discovery)
TROJAN_PERMISSIONS: dict[str, tuple[int, str, str]] = {
    P + "READ_SMS": (20, "可讀取簡訊（竊取簡訊驗證碼）", "can read SMS (steals one-time passwords)"),
    P + "RECEIVE_SMS": (15, "可攔截收到的簡訊", "can intercept incoming SMS"),
    P + "BIND_ACCESSIBILITY_SERVICE": (
        25,
        "宣告無障礙服務權限（可操控畫面、讀取輸入）",
        "declares the accessibility-service permission (can read and drive the screen)",
    ),
    P + "SYSTEM_ALERT_WINDOW": (
        15,
        "可在其他 App 上層顯示（假登入畫面）",
        "can draw over other apps (overlay phishing)",
    ),
    P + "REQUEST_INSTALL_PACKAGES": (
        10,
        "可安裝其他 App（投放惡意程式）",
        "can install other apps (dropper)",
    ),
    P + "QUERY_ALL_PACKAGES": (5, "可列出手機上所有 App", "can list every installed app"),
}
COMPONENTS: dict[str, tuple[int, str, str]] = {
    "accessibility_service": (
        25,
        "含無障礙服務元件（銀行木馬常用以竊取帳密）",
        "has an accessibility service (how banking trojans steal credentials)",
    ),
    "sms_receiver": (10, "含簡訊接收元件", "has an SMS receiver"),
    "device_admin": (20, "含裝置管理員元件（阻止移除）", "has a device-admin receiver (resists removal)"),
    "notification_listener": (10, "可讀取所有通知（含驗證碼）", "can read all notifications (incl. OTPs)"),
}
LOW_TARGET_SDK = 23  # below 23 every dangerous permission is granted at install, without a prompt
FIXED_ZIP_TIMES = {(1980, 1, 1, 0, 0, 0), (1980, 0, 0, 0, 0, 0), (1981, 1, 1, 1, 1, 2)}


@dataclass(frozen=True)
class Indicator:
    """One risk indicator: its code, points, what it means in Chinese and English, and the details."""

    code: str
    points: int
    zh: str
    en: str
    detail: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "points": self.points,
            "zh": self.zh,
            "en": self.en,
            "detail": list(self.detail),
        }


@dataclass(frozen=True)
class Risk:
    """An APK's risk score (0-100) and the indicators that make it up."""

    score: int
    indicators: tuple[Indicator, ...]

    def codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.indicators)

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "indicators": [i.to_dict() for i in self.indicators]}


@dataclass(frozen=True)
class BuildFacts:
    """What the archive's layout says about how it was built."""

    entries: tuple[str, ...] = ()  # in central-directory order
    fixed_times: bool | None = None  # every non-META-INF entry carries a build tool's fixed time stamp
    dex_map_types: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default=())


def _dn_fields(dn: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in re.finditer(r"(?:^|[,/;+])\s*([A-Za-z.0-9]+)\s*=\s*((?:\\.|[^,/;+])*)", dn):
        out.setdefault(m.group(1).upper(), m.group(2).strip())
    return out


def certificate_kind(subject: str, issuer: str) -> str | None:
    """'debug' for the Android debug key, 'test' for AOSP test keys and keytool defaults, else None."""
    s = _dn_fields(subject)
    cn = s.get("CN", "")
    if cn == "Android Debug":
        return "debug"
    if subject and subject != issuer:
        return None
    # AOSP build/target/product/security test keys (testkey, platform, shared, media) and keytool's "Unknown"
    if cn == "Android" and s.get("O") == "Android" and s.get("L", "Mountain View") == "Mountain View":
        return "test"
    if s.get("EMAILADDRESS", s.get("1.2.840.113549.1.9.1", "")).lower() == "android@android.com":
        return "test"
    if cn.lower() in ("unknown", "test", "testkey") and s.get("O", "Unknown").lower() in ("unknown", "test"):
        return "test"
    return None


def is_dexlib2(map_types: Sequence[int]) -> bool:
    """APKiD's rule: dexlib2 (smali, apktool) writes string data right before type lists in the map list."""
    t = list(map_types)
    return (len(t) > 8 and t[7] == 0x2002 and t[8] == 0x1001) or (
        len(t) > 7 and t[6] == 0x2002 and t[7] == 0x1001
    )


def rebuild_marks(facts: BuildFacts) -> tuple[str, ...]:
    """Signs in the archive's layout that the APK was rebuilt with apktool rather than a build tool."""
    marks: list[str] = []
    names = facts.entries
    if any(n == "apktool.yml" or n.startswith("original/") for n in names):
        marks.append("apktool files (apktool.yml / original/) inside the APK")
    outside = [n for n in names if not n.startswith("META-INF/")]
    if outside and "AndroidManifest.xml" in outside and outside[0] != "AndroidManifest.xml":
        marks.append("AndroidManifest.xml is not the first entry (build tools write it first)")
    if facts.fixed_times is False:
        marks.append("entries carry wall-clock time stamps (build tools write fixed ones)")
    return tuple(marks)


def assess(
    manifest: ManifestInfo,
    certificates: Iterable[tuple[str, str]],
    facts: BuildFacts | None = None,
    official_permissions: Sequence[str] | None = None,
) -> Risk:
    """Indicators and score. ``certificates``: (subject, issuer) of each signer."""
    ind: list[Indicator] = []
    perms = set(manifest.permissions)
    for perm, (pts, zh, en) in TROJAN_PERMISSIONS.items():
        if perm in perms:
            short = perm.removeprefix(P)
            ind.append(Indicator(f"perm_{short.lower()}", pts, f"{short}：{zh}", f"{short}: {en}"))
    kinds: dict[str, list[str]] = {}
    for comp in manifest.components:
        kinds.setdefault(comp.kind, []).append(comp.name)
    for kind, (pts, zh, en) in COMPONENTS.items():
        if kind in kinds:
            # the permission of the same capability was already counted: the component adds a little more
            extra = (
                5 if kind == "accessibility_service" and P + "BIND_ACCESSIBILITY_SERVICE" in perms else pts
            )
            ind.append(Indicator(kind, extra, zh, en, tuple(kinds[kind])))
    if official_permissions is not None:
        added = sorted(perms - set(official_permissions))
        if added:
            ind.append(
                Indicator(
                    "permissions_added",
                    min(30, 10 + 5 * len(added)),
                    f"比官方版本多出 {len(added)} 項權限",
                    f"{len(added)} permission(s) added compared with the official build",
                    tuple(added),
                )
            )
    for subject, issuer in certificates:
        cert_kind = certificate_kind(subject, issuer)
        if cert_kind == "debug":
            ind.append(
                Indicator(
                    "debug_certificate",
                    20,
                    "以 Android 除錯憑證簽署",
                    "signed with an Android debug certificate",
                    (subject,),
                )
            )
        elif cert_kind == "test":
            ind.append(
                Indicator(
                    "test_certificate",
                    20,
                    "以公開的測試金鑰簽署",
                    "signed with a public test key",
                    (subject,),
                )
            )
    if facts is not None:
        marks = rebuild_marks(facts)
        if "apktool" in " ".join(marks) or len(marks) >= 2:
            ind.append(
                Indicator(
                    "apktool_rebuild",
                    15,
                    "有以 apktool 重新打包的跡象",
                    "signs of an apktool rebuild",
                    marks,
                )
            )
        if is_dexlib2(facts.dex_map_types):
            ind.append(
                Indicator(
                    "smali_dex",
                    5,
                    "程式碼由 smali（dexlib2）組譯，常見於重新打包",
                    "code assembled by smali (dexlib2), the usual mark of a repackaged app",
                )
            )
    if manifest.target_sdk is not None and manifest.target_sdk < LOW_TARGET_SDK:
        ind.append(
            Indicator(
                "low_target_sdk",
                10,
                f"目標 SDK 過低（{manifest.target_sdk}），安裝時即取得所有危險權限",
                f"very low target SDK ({manifest.target_sdk}): all dangerous permissions granted at install",
            )
        )
    if manifest.debuggable:
        ind.append(
            Indicator(
                "debuggable", 5, "為可除錯版本（正式版不會如此）", "debuggable build (release builds are not)"
            )
        )
    return Risk(score=min(100, sum(i.points for i in ind)), indicators=tuple(ind))


def _dex_map_types(raw: bytes) -> tuple[int, ...]:
    if len(raw) < 0x70 or not raw.startswith(b"dex\n"):
        return ()
    (map_off,) = struct.unpack_from("<I", raw, 0x34)
    if map_off + 4 > len(raw):
        return ()
    (count,) = struct.unpack_from("<I", raw, map_off)
    if count > 64 or map_off + 4 + 12 * count > len(raw):
        return ()
    return tuple(struct.unpack_from("<H", raw, map_off + 4 + 12 * i)[0] for i in range(count))


def read_build_facts(path: str | Path, reader: EntryReader) -> BuildFacts:
    """Entry order, time stamps and the dex map of an APK whose ZIP structure ``reader`` already accepted."""
    notes: list[str] = []
    names = tuple(e.name for e in reader.layout.entries)
    fixed: bool | None = None
    if len(names) <= MAX_LISTED_ENTRIES:
        # the time stamps are not in zipread's records; zipfile reads only the central directory again
        try:
            with zipfile.ZipFile(path) as z:
                times = [i.date_time for i in z.infolist() if not i.filename.startswith("META-INF/")]
            fixed = all(t in FIXED_ZIP_TIMES for t in times) if times else None
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            notes.append(f"time stamps not inspected: {type(exc).__name__}")
    dex_types: tuple[int, ...] = ()
    if reader.layout.find("classes.dex") is not None:
        try:
            dex_types = _dex_map_types(reader.read("classes.dex", MAX_DEX))
        except Exception as exc:  # a hostile dex must not break the verdict
            notes.append(f"classes.dex not inspected: {type(exc).__name__}")
    return BuildFacts(entries=names, fixed_times=fixed, dex_map_types=dex_types, notes=tuple(notes))
