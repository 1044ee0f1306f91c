"""An ``.ipa`` on disk: ``Payload/<Name>.app/Info.plist`` and ``embedded.mobileprovision``, read through the
bounded ZIP reader (central directory once, two small entries inflated with a cap), so a 200 MB IPA or a
ZIP bomb costs a few megabytes of memory."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanners.apk.zipread import ApkFormatError, read_entry_bytes, read_layout
from scanners.ios.plists import PlistError, load_plist, text
from scanners.ios.provision import Provision, ProvisionError, parse_provision

MAX_INFO_PLIST = 2 * 1024 * 1024
MAX_PROVISION = 1024 * 1024
_APP = re.compile(r"^Payload/([^/]+)\.app/(Info\.plist|embedded\.mobileprovision)$")


class IpaError(ValueError):
    """Not a readable IPA; one line."""


@dataclass(frozen=True)
class IpaInfo:
    """What an IPA says about its app: bundle id, names, versions, minimum iOS, provisioning profile."""

    app_dir: str
    bundle_id: str
    display_name: str
    name: str
    version: str
    build: str
    min_os: str
    provision: Provision | None
    errors: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "app_dir": self.app_dir,
            "bundle_id": self.bundle_id,
            "display_name": self.display_name,
            "name": self.name,
            "version": self.version,
            "build": self.build,
            "min_os": self.min_os,
            "provision": self.provision.to_dict() if self.provision else None,
            "errors": list(self.errors),
        }


def read_ipa(path: str | Path, *, trusted_roots: Sequence[bytes] = ()) -> IpaInfo:
    """Read an IPA's Info.plist and provisioning profile; raises IpaError when neither can be read."""
    try:
        with open(path, "rb") as f:
            try:
                layout = read_layout(f)
            except ApkFormatError as exc:
                raise IpaError(f"not a readable IPA (ZIP): {exc}") from None
            found: dict[str, Any] = {}
            app_dir = ""
            for entry in layout.entries:
                m = _APP.match(entry.name)
                if not m or m.group(2) in found:
                    continue
                if app_dir and m.group(1) != app_dir:
                    continue  # the first app bundle only (extensions live deeper, not at this level)
                app_dir = m.group(1)
                found[m.group(2)] = entry
            errors: list[str] = []
            info: dict[str, Any] = {}
            provision: Provision | None = None
            if "Info.plist" in found:
                try:
                    data = read_entry_bytes(f, layout, found["Info.plist"], max_size=MAX_INFO_PLIST)
                    info = load_plist(data)
                except (ApkFormatError, PlistError) as exc:
                    errors.append(f"Info.plist: {exc}")
            else:
                errors.append("no Payload/<App>.app/Info.plist")
            if "embedded.mobileprovision" in found:
                try:
                    data = read_entry_bytes(
                        f, layout, found["embedded.mobileprovision"], max_size=MAX_PROVISION
                    )
                    provision = parse_provision(data, trusted_roots=trusted_roots)
                except (ApkFormatError, ProvisionError) as exc:
                    errors.append(str(exc))
            else:
                errors.append("no embedded.mobileprovision (an App Store build, or the profile was removed)")
    except OSError as exc:
        raise IpaError(f"cannot read the IPA: {exc.strerror or exc}") from None
    if not info and provision is None:
        raise IpaError("; ".join(errors) or "not an IPA")
    return IpaInfo(
        app_dir=app_dir[:200],
        bundle_id=text(info, "CFBundleIdentifier", 200),
        display_name=text(info, "CFBundleDisplayName", 200),
        name=text(info, "CFBundleName", 200),
        version=text(info, "CFBundleShortVersionString", 50),
        build=text(info, "CFBundleVersion", 50),
        min_os=text(info, "MinimumOSVersion", 20),
        provision=provision,
        errors=tuple(errors),
    )
