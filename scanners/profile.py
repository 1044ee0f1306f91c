"""The brand profile (``data/brands.toml``): protected brands and their official apps, validated on load."""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanners.listing import STORES


class ProfileError(ValueError):
    """A brand profile that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class OfficialApp:
    """One official app of a brand in one store, with its signing certificates and icon."""

    store: str
    app_id: str
    bundle_id: str = ""
    developer_id: str = ""
    cert_sha256: tuple[str, ...] = ()
    # SHA-1 of the same certificates (Aptoide reports only the SHA-1), given or derived from ``cert_file``.
    cert_sha1: tuple[str, ...] = ()
    cert_file: Path | None = None  # the official certificate itself (PEM or DER)
    cert_owner: str = ""  # its subject DN, derived from ``cert_file``
    icon: Path | None = None
    name: str = ""
    url: str = ""  # the official download link shown to customers

    @property
    def key(self) -> str:
        return f"{self.store}:{self.app_id}"


@dataclass(frozen=True)
class AllowedApp:
    """A legitimate third-party app that mentions the brand: never alerted on."""

    store: str
    app_id: str
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.store}:{self.app_id}"


@dataclass(frozen=True)
class Brand:
    """One protected brand: its names, search terms, official developers, domains and apps."""

    id: str
    name: str
    aliases: tuple[str, ...]
    search_terms: tuple[str, ...]
    countries: tuple[str, ...]
    languages: tuple[str, ...]
    official_developers: tuple[str, ...]
    official_domains: tuple[str, ...]
    apps: tuple[OfficialApp, ...]
    allow: tuple[AllowedApp, ...] = ()
    legal_name: str = ""
    website: str = ""
    download_page: str = ""  # the page on the broker's site that lists the official apps
    apple_team_ids: tuple[str, ...] = ()  # the broker's Apple Developer team ids (10 characters, A-Z 0-9)

    @property
    def names(self) -> tuple[str, ...]:
        """The brand name followed by its aliases."""
        return (self.name, *self.aliases)

    def official_app(self, store: str, app_id: str) -> OfficialApp | None:
        return next((a for a in self.apps if a.store == store and a.app_id == app_id), None)

    def allowed_app(self, store: str, app_id: str) -> AllowedApp | None:
        return next((a for a in self.allow if a.store == store and a.app_id == app_id), None)

    def apps_in(self, store: str) -> tuple[OfficialApp, ...]:
        return tuple(a for a in self.apps if a.store == store)

    @property
    def all_cert_sha256(self) -> frozenset[str]:
        return frozenset(c for a in self.apps for c in a.cert_sha256)

    @property
    def all_cert_sha1(self) -> frozenset[str]:
        """SHA-1 fingerprints of every official signing certificate (what Aptoide's metadata carries)."""
        return frozenset(c for a in self.apps for c in a.cert_sha1)

    @property
    def android_packages(self) -> frozenset[str]:
        """Package names of the official Android apps (in any Android store)."""
        from scanners.listing import ANDROID_STORES

        return frozenset(a.app_id for a in self.apps if a.store in ANDROID_STORES)


@dataclass(frozen=True)
class Profile:
    """The brand profile: every protected brand, and the file it was loaded from."""

    path: Path
    brands: tuple[Brand, ...]

    def brand(self, brand_id: str) -> Brand:
        for b in self.brands:
            if b.id == brand_id:
                return b
        known = ", ".join(b.id for b in self.brands)
        raise ProfileError(f"{self.path}: no brand with id {brand_id!r} (known: {known})")


# key -> (required, kind); kind is "str", "strs", "hex64s", "hex40s" or "teamids"
_BRAND_KEYS: dict[str, tuple[bool, str]] = {
    "id": (True, "str"),
    "name": (True, "str"),
    "aliases": (False, "strs"),
    "search_terms": (True, "strs"),
    "countries": (False, "strs"),
    "languages": (False, "strs"),
    "official_developers": (True, "strs"),
    "official_domains": (False, "strs"),
    "legal_name": (False, "str"),
    "website": (False, "str"),
    "download_page": (False, "str"),
    "apple_team_ids": (False, "teamids"),
}
_APP_KEYS: dict[str, tuple[bool, str]] = {
    "store": (True, "str"),
    "app_id": (True, "str"),
    "bundle_id": (False, "str"),
    "developer_id": (False, "str"),
    "cert_sha256": (False, "hex64s"),
    "cert_sha1": (False, "hex40s"),
    "cert_file": (False, "str"),
    "icon": (False, "str"),
    "name": (False, "str"),
    "url": (False, "str"),
}
_ALLOW_KEYS: dict[str, tuple[bool, str]] = {
    "store": (True, "str"),
    "app_id": (True, "str"),
    "note": (False, "str"),
}


def _check_keys(table: dict[str, Any], spec: dict[str, tuple[bool, str]], where: str) -> None:
    for key in table:
        if key not in spec:
            hint = difflib.get_close_matches(key, list(spec), n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ProfileError(f"{where}: unknown key {key!r}{extra}")
    for key, (required, _) in spec.items():
        if required and key not in table:
            raise ProfileError(f"{where}: missing key {key!r}")


def _value(table: dict[str, Any], key: str, kind: str, where: str) -> Any:
    value = table.get(key)
    if kind == "str":
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ProfileError(f"{where}.{key}: expected a string, got {type(value).__name__}")
        return value.strip()
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProfileError(f"{where}.{key}: expected a list of strings")
    items = tuple(v.strip() for v in value if v.strip())
    if kind in ("hex64s", "hex40s"):
        size, algo = (64, "SHA-256") if kind == "hex64s" else (40, "SHA-1")
        norm = []
        for v in items:
            h = v.replace(":", "").lower()
            if len(h) != size or any(c not in "0123456789abcdef" for c in h):
                raise ProfileError(f"{where}.{key}: {v!r} is not a {algo} fingerprint ({size} hex digits)")
            norm.append(h)
        return tuple(norm)
    if kind == "teamids":
        for v in items:
            if len(v) != 10 or not v.isascii() or not v.isalnum() or v.upper() != v:
                raise ProfileError(
                    f"{where}.{key}: {v!r} is not an Apple team id (10 upper-case letters and digits)"
                )
    return items


def read_certificate_file(path: Path) -> tuple[str, str, str]:
    """(SHA-256, SHA-1, subject DN) of a certificate file, PEM or DER; raises ProfileError (one line)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from scanners.apk.certs import CertificateError, parse_certificate

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ProfileError(f"file not found: {path}") from None
    except OSError as exc:
        raise ProfileError(f"cannot read {path}: {exc.strerror or exc}") from None
    der = data
    if b"-----BEGIN" in data[:4096]:
        try:
            der = x509.load_pem_x509_certificate(data).public_bytes(Encoding.DER)
        except ValueError:
            raise ProfileError(f"{path} is PEM but holds no readable X.509 certificate") from None
    try:
        cert = parse_certificate(der)
    except CertificateError:
        raise ProfileError(f"{path} is not an X.509 certificate (PEM or DER)") from None
    return cert.sha256, cert.sha1, cert.subject


def _certificate_file(av: dict[str, Any], path: Path, where: str) -> dict[str, Any]:
    """The fingerprints and DN a ``cert_file`` gives, merged with the listed ones (no duplicates)."""
    if not av["cert_file"]:
        return {"cert_file": None}
    file = (path.parent / av["cert_file"]).resolve()
    try:
        sha256, sha1, owner = read_certificate_file(file)
    except ProfileError as exc:
        raise ProfileError(f"{where}.cert_file: {exc}") from None
    return {
        "cert_file": file,
        "cert_owner": owner,
        "cert_sha256": tuple(dict.fromkeys((*av["cert_sha256"], sha256))),
        "cert_sha1": tuple(dict.fromkeys((*av["cert_sha1"], sha1))),
    }


def _table_list(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ProfileError(f"{where}: {key!r} must be an array of tables ([[{key}]])")
    return value


def parse_profile(data: dict[str, Any], path: Path) -> Profile:
    """Validate a parsed TOML document; icon paths are resolved relative to ``path``."""
    where0 = str(path)
    for key in data:
        if key != "brand":
            raise ProfileError(f"{where0}: unknown top-level key {key!r} (expected [[brand]] tables)")
    brands: list[Brand] = []
    seen_ids: set[str] = set()
    raw_brands = _table_list(data, "brand", where0)
    if not raw_brands:
        raise ProfileError(f"{where0}: no [[brand]] table")
    for i, raw in enumerate(raw_brands):
        where = f"{where0}: brand[{i}]"
        if isinstance(raw.get("id"), str):
            where = f"{where0}: brand {raw['id']!r}"
        sub = {k: v for k, v in raw.items() if k not in ("app", "allow")}
        _check_keys(sub, _BRAND_KEYS, where)
        vals = {k: _value(sub, k, kind, where) for k, (_, kind) in _BRAND_KEYS.items()}
        bid = vals["id"]
        if not bid or not bid.replace("-", "").replace("_", "").isalnum() or not bid.isascii():
            raise ProfileError(f"{where}.id: must be a short ASCII key (letters, digits, - and _)")
        if bid in seen_ids:
            raise ProfileError(f"{where}.id: duplicate brand id {bid!r}")
        seen_ids.add(bid)
        if not vals["name"]:
            raise ProfileError(f"{where}.name: must not be empty")
        if not vals["search_terms"]:
            raise ProfileError(f"{where}.search_terms: needs at least one term")
        apps = []
        for j, app in enumerate(_table_list(raw, "app", where)):
            aw = f"{where}.app[{j}]"
            _check_keys(app, _APP_KEYS, aw)
            av = {k: _value(app, k, kind, aw) for k, (_, kind) in _APP_KEYS.items()}
            if av["store"] not in STORES:
                raise ProfileError(f"{aw}.store: {av['store']!r} is not one of {', '.join(STORES)}")
            if not av["app_id"]:
                raise ProfileError(f"{aw}.app_id: must not be empty")
            icon = (path.parent / av["icon"]).resolve() if av["icon"] else None
            if icon is not None and not icon.is_file():
                raise ProfileError(f"{aw}.icon: file not found: {icon}")
            av.update(_certificate_file(av, path, aw))
            apps.append(OfficialApp(**{**av, "icon": icon}))
        if not apps:
            raise ProfileError(f"{where}: needs at least one [[brand.app]] (the official app is the canary)")
        if any(a.store == "aptoide" for a in apps) and not any(a.cert_sha1 for a in apps):
            raise ProfileError(
                f"{where}: an aptoide app is judged by its certificate: give the official certificate's "
                "cert_sha1 or cert_file on one of the brand's apps"
            )
        allow = []
        for j, item in enumerate(_table_list(raw, "allow", where)):
            aw = f"{where}.allow[{j}]"
            _check_keys(item, _ALLOW_KEYS, aw)
            lv = {k: _value(item, k, kind, aw) for k, (_, kind) in _ALLOW_KEYS.items()}
            if lv["store"] not in STORES:
                raise ProfileError(f"{aw}.store: {lv['store']!r} is not one of {', '.join(STORES)}")
            allow.append(AllowedApp(**lv))
        brands.append(
            Brand(
                id=bid,
                name=vals["name"],
                aliases=vals["aliases"],
                search_terms=vals["search_terms"],
                countries=vals["countries"] or ("tw",),
                languages=vals["languages"] or ("zh-TW",),
                official_developers=vals["official_developers"],
                official_domains=tuple(d.lower().lstrip("@.") for d in vals["official_domains"]),
                apps=tuple(apps),
                allow=tuple(allow),
                legal_name=vals["legal_name"] or (vals["official_developers"][0]),
                website=vals["website"],
                download_page=vals["download_page"],
                apple_team_ids=vals["apple_team_ids"],
            )
        )
    return Profile(path=path, brands=tuple(brands))


def load_profile(path: str | Path) -> Profile:
    """Read and validate a brand profile; raises ProfileError with a one-line reason."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(f"{p}: brand profile not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{p}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{p}: not valid TOML: {exc}") from None
    return parse_profile(data, p)
