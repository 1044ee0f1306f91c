"""Manifest facts of an APK (package, label, versions, SDKs, permissions, components, icon) via androguard.

Reads only ``AndroidManifest.xml``, ``resources.arsc`` and the icon entry (``zipread``, one central directory
read for all of them) and parses them with androguard's AXML/ARSC parsers (loaded lean, see
``androguard_lean``), never ``androguard.core.apk.APK(path)``, which reads the whole file into memory.
androguard's logging is silenced for the duration of the call only (``quiet_androguard``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from scanners.apk.androguard_lean import axml, quiet_androguard
from scanners.apk.zipread import ApkFormatError, ZipLayout, read_entry_bytes, read_layout

ANDROID_NS = "{http://schemas.android.com/apk/res/android}"
MAX_MANIFEST = 8 * 1024 * 1024
# Android's grammar for an app's package name (PackageParser.validateName with a separator required, the
# check aapt makes too): dot-separated parts, at least two, each an ASCII letter then letters, digits or _.
_PACKAGE_PART = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
PACKAGE_MAX = 255  # far beyond any real app; a longer name is hostile and is not passed on


class ImpossiblePackageError(ApkFormatError):
    """The manifest's package name breaks Android's grammar: no device installs this APK."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def package_problem(name: str) -> str | None:
    """Why ``name`` cannot be an Android app's package name, in a few words; None when it can."""
    if len(name) > PACKAGE_MAX:
        return f"it is longer than {PACKAGE_MAX} characters"
    parts = name.split(".")
    if len(parts) < 2:
        return "it needs at least two parts separated by dots"
    for part in parts:
        if not part:
            return "it has an empty part between dots"
        if not _PACKAGE_PART.fullmatch(part):
            return "each part must start with a letter A-Z and hold only letters, digits and _"
    return None


MAX_ARSC = 32 * 1024 * 1024  # big apps have resource tables of 5-15 MB
MAX_ICON = 4 * 1024 * 1024
MAX_XML_RES = 1024 * 1024
RASTER = (".png", ".webp", ".jpg", ".jpeg")

ACCESSIBILITY_PERMISSION = "android.permission.BIND_ACCESSIBILITY_SERVICE"
DEVICE_ADMIN_PERMISSION = "android.permission.BIND_DEVICE_ADMIN"
SMS_ACTIONS = frozenset(
    {
        "android.provider.Telephony.SMS_RECEIVED",
        "android.provider.Telephony.SMS_DELIVER",
        "android.provider.Telephony.WAP_PUSH_RECEIVED",
        "android.provider.Telephony.WAP_PUSH_DELIVER",
    }
)
DEVICE_ADMIN_ACTION = "android.app.action.DEVICE_ADMIN_ENABLED"
ACCESSIBILITY_ACTION = "android.accessibilityservice.AccessibilityService"
NOTIFICATION_LISTENER_PERMISSION = "android.permission.BIND_NOTIFICATION_LISTENER_SERVICE"


@dataclass(frozen=True)
class Component:
    """A manifest component of interest: kind is accessibility_service, sms_receiver, device_admin, ..."""

    kind: str
    name: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name}


@dataclass(frozen=True)
class ManifestInfo:
    """What an APK's manifest says: package, labels, versions, SDKs, permissions, components, icon."""

    package: str
    label: str
    labels: dict[str, str] = field(default_factory=dict)  # locale ("" = default) -> label
    version_code: int | None = None
    version_name: str = ""
    min_sdk: int | None = None
    target_sdk: int | None = None
    permissions: tuple[str, ...] = ()
    components: tuple[Component, ...] = ()
    debuggable: bool = False
    icon_path: str = ""
    icon: bytes | None = None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "label": self.label,
            "labels": dict(self.labels),
            "version_code": self.version_code,
            "version_name": self.version_name,
            "min_sdk": self.min_sdk,
            "target_sdk": self.target_sdk,
            "permissions": list(self.permissions),
            "components": [c.to_dict() for c in self.components],
            "debuggable": self.debuggable,
            "icon_path": self.icon_path,
            "warnings": list(self.warnings),
        }


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    try:
        return int(value, 16) if value.lower().startswith("0x") else int(value)
    except ValueError:
        return None


def _res_id(value: str | None) -> int | None:
    """``@7F030000`` or ``@android:7F...`` -> int; None for literals."""
    if not value or not value.startswith("@"):
        return None
    m = re.fullmatch(r"@(?:[\w.]+:)?([0-9A-Fa-f]{1,8})", value)
    return int(m.group(1), 16) if m else None


def _a(elem: Any, name: str) -> str | None:
    v = elem.get(ANDROID_NS + name)
    return None if v is None else str(v)


def _qualified(pkg: str, name: str) -> str:
    if name.startswith("."):
        return pkg + name
    if "." not in name and pkg:
        return f"{pkg}.{name}"
    return name


def _components(root: Any, pkg: str) -> tuple[Component, ...]:
    found: list[Component] = []
    app = root.find("application")
    if app is None:
        return ()
    for elem in app:
        tag = elem.tag if isinstance(elem.tag, str) else ""
        if tag not in ("service", "receiver", "activity", "activity-alias"):
            continue
        name = _qualified(pkg, _a(elem, "name") or "")
        perm = _a(elem, "permission") or ""
        actions = {
            _a(act, "name") or "" for flt in elem.findall("intent-filter") for act in flt.findall("action")
        }
        metas = {_a(m, "name") or "" for m in elem.findall("meta-data")}
        if tag == "service" and (perm == ACCESSIBILITY_PERMISSION or ACCESSIBILITY_ACTION in actions):
            found.append(Component("accessibility_service", name))
        if tag == "service" and perm == NOTIFICATION_LISTENER_PERMISSION:
            found.append(Component("notification_listener", name))
        if tag == "receiver" and actions & SMS_ACTIONS:
            found.append(Component("sms_receiver", name))
        if tag == "receiver" and (
            perm == DEVICE_ADMIN_PERMISSION
            or DEVICE_ADMIN_ACTION in actions
            or "android.app.device_admin" in metas
        ):
            found.append(Component("device_admin", name))
    return tuple(found)


class EntryReader:
    """Reads single entries of one open APK; the central directory is parsed once."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self.layout: ZipLayout = read_layout(f)

    def read(self, name: str, max_size: int) -> bytes:
        entry = self.layout.find(name)
        if entry is None:
            raise ApkFormatError(f"no {name} in the archive")
        return read_entry_bytes(self._f, self.layout, entry, max_size=max_size)


class _Resources:
    """The app's resource table, parsed lazily; resolution failures are warnings, never exceptions."""

    def __init__(self, reader: EntryReader, warnings: list[str]) -> None:
        self._reader = reader
        self._warnings = warnings
        self._arsc: Any = None
        self._tried = False

    def arsc(self) -> Any:
        if not self._tried:
            self._tried = True
            ARSCParser = axml().ARSCParser

            if self._reader.layout.find("resources.arsc") is None:
                self._warnings.append("no resources.arsc")
                return None
            try:
                raw = self._reader.read("resources.arsc", MAX_ARSC)
            except (ApkFormatError, OSError) as exc:
                self._warnings.append(f"resources.arsc unreadable: {exc}")
                return None
            try:
                self._arsc = ARSCParser(raw)
            except Exception as exc:  # androguard raises many kinds on hostile input
                self._warnings.append(f"resources.arsc unparsable: {type(exc).__name__}")
        return self._arsc

    def configs(self, res_id: int) -> list[tuple[Any, str]]:
        arsc = self.arsc()
        if arsc is None:
            return []
        try:
            return list(arsc.get_resolved_res_configs(res_id))
        except Exception as exc:  # hostile tables: missing ids, broken chunks
            self._warnings.append(f"resource 0x{res_id:08x} unresolved: {type(exc).__name__}")
            return []


def _labels(value: str | None, res: _Resources) -> tuple[str, dict[str, str]]:
    if value is None:
        return "", {}
    rid = _res_id(value)
    if rid is None:
        return value, {"": value}
    labels: dict[str, str] = {}
    for config, text in res.configs(rid):
        try:
            locale = config.get_language_and_region() or ""
        except Exception:
            locale = "?"
        if isinstance(text, str) and locale not in labels:
            labels[locale.replace("\x00", "")] = text
    if not labels:
        return value, {}
    label = labels.get("") or next(iter(labels.values()))
    return label, labels


def _density(config: Any) -> int:
    try:
        return int(config.get_density())
    except Exception:
        return 0


def _pick_icon(reader: EntryReader, rid: int, res: _Resources, warnings: list[str], depth: int = 0) -> str:
    """The file of the best raster candidate of resource ``rid`` (highest density up to xxxhdpi)."""
    candidates = res.configs(rid)
    raster = [(c, f) for c, f in candidates if isinstance(f, str) and f.lower().endswith(RASTER)]
    if raster:
        ok = [(c, f) for c, f in raster if _density(c) <= 640] or raster
        return max(ok, key=lambda cf: _density(cf[0]))[1]
    if depth >= 2:
        return ""
    # adaptive icons (res/mipmap-anydpi-v26/*.xml): follow the foreground, then the background drawable
    AXMLPrinter = axml().AXMLPrinter

    for _, f in candidates:
        if not (isinstance(f, str) and f.endswith(".xml")):
            continue
        try:
            root = AXMLPrinter(reader.read(f, MAX_XML_RES)).get_xml_obj()
        except Exception as exc:
            warnings.append(f"icon {f} unreadable: {type(exc).__name__}")
            continue
        if root is None:
            continue
        for tag in ("foreground", "background"):
            for elem in root.iter(tag):
                sub = _res_id(_a(elem, "drawable"))
                if sub is not None:
                    found = _pick_icon(reader, sub, res, warnings, depth + 1)
                    if found:
                        return found
    return ""


def read_manifest(path: str | Path, *, want_icon: bool = True) -> ManifestInfo:
    """Manifest facts of the APK at ``path``. Raises ApkFormatError if there is no usable manifest."""
    try:
        with open(path, "rb") as f, quiet_androguard():
            return manifest_from(EntryReader(f), want_icon=want_icon)
    except OSError as exc:
        raise ApkFormatError(f"cannot read {Path(path).name}: {exc.strerror or exc}") from None


def manifest_from(reader: EntryReader, *, want_icon: bool = True) -> ManifestInfo:
    """Like ``read_manifest`` on an already open APK (call inside ``quiet_androguard()``)."""
    AXMLPrinter = axml().AXMLPrinter

    raw = reader.read("AndroidManifest.xml", MAX_MANIFEST)
    try:
        printer = AXMLPrinter(raw)
        root = printer.get_xml_obj() if printer.is_valid() else None
    except Exception as exc:  # androguard raises many kinds on hostile input
        raise ApkFormatError(f"AndroidManifest.xml is not valid binary XML ({type(exc).__name__})") from None
    if root is None or root.tag != "manifest":
        raise ApkFormatError("AndroidManifest.xml is not valid binary XML")
    warnings: list[str] = []
    if printer.is_packed():
        warnings.append("AndroidManifest.xml uses a packer trick (malformed on purpose)")
    pkg = str(root.get("package") or "")
    if not pkg:
        raise ApkFormatError("AndroidManifest.xml has no package name")
    problem = package_problem(pkg)
    if problem:
        # never passed on: a name like =HYPERLINK("…") would travel into cases, chats and CSV files
        raise ImpossiblePackageError(problem)
    res = _Resources(reader, warnings)
    sdk = root.find("uses-sdk")
    min_sdk = _int(_a(sdk, "minSdkVersion")) if sdk is not None else None
    target_sdk = _int(_a(sdk, "targetSdkVersion")) if sdk is not None else None
    perms: list[str] = []
    for tag in ("uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m"):
        for elem in root.findall(tag):
            name = _a(elem, "name")
            if name and name not in perms:
                perms.append(name)
    app = root.find("application")
    label_value = _a(app, "label") if app is not None else None
    if label_value is None:
        # no application label: the launcher uses the main activity's
        for act in root.iter("activity"):
            if _a(act, "label") is not None:
                label_value = _a(act, "label")
                break
    label, labels = _labels(label_value, res)
    debuggable = app is not None and (_a(app, "debuggable") or "").lower() == "true"
    icon_path = ""
    icon: bytes | None = None
    if want_icon:
        icon_value = _a(app, "icon") if app is not None else None
        rid = _res_id(icon_value)
        if rid is not None:
            icon_path = _pick_icon(reader, rid, res, warnings)
        elif icon_value and icon_value.lower().endswith(RASTER):
            icon_path = icon_value
        if icon_path:
            try:
                icon = reader.read(icon_path, MAX_ICON)
            except (ApkFormatError, OSError) as exc:
                warnings.append(f"icon {icon_path} unreadable: {type(exc).__name__}")
    return ManifestInfo(
        package=pkg,
        label=label,
        labels=labels,
        version_code=_int(_a(root, "versionCode")),
        version_name=_labels(_a(root, "versionName"), res)[0],
        min_sdk=min_sdk,
        target_sdk=target_sdk,
        permissions=tuple(perms),
        components=_components(root, pkg),
        debuggable=debuggable,
        icon_path=icon_path,
        icon=icon,
        warnings=tuple(warnings),
    )
