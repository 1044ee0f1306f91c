"""The one normalized shape every store adapter produces, and the judging and database consume."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

STORES = ("google_play", "app_store", "aptoide", "galaxy_store")
# Stores of Android apps, where an app is a package name and (Aptoide) a signing certificate.
ANDROID_STORES = ("google_play", "aptoide", "galaxy_store")


@dataclass(frozen=True)
class Listing:
    """One app as a store shows it. Every text field is hostile input: escape it before display."""

    store: str
    app_id: str
    title: str = ""
    developer: str = ""
    developer_id: str = ""
    developer_email: str = ""
    developer_website: str = ""
    developer_legal_name: str = ""
    developer_address: str = ""
    developer_phone: str = ""
    bundle_id: str = ""
    description: str = ""
    icon: str = ""  # URL (or, for offline judging, a file path)
    url: str = ""  # the store page
    version: str = ""
    updated: str = ""  # ISO date or store-given text
    installs: str = ""
    rating: float | None = None
    genre: str = ""
    screenshots: tuple[str, ...] = ()
    # Aptoide: the signing certificate as the store reports it (SHA-1 hex, lower case, no colons; owner DN),
    # the user store that hosts the listing, and the APK (URL, MD5) the metadata points to.
    cert_sha1: str = ""
    cert_owner: str = ""
    store_name: str = ""
    apk_url: str = ""
    apk_md5: str = ""
    # Fields a store adapter could not fill from search results alone: details must be fetched.
    partial: bool = False
    # The raw response text the listing was parsed from (kept as evidence; not compared).
    raw: str = field(default="", compare=False, repr=False)

    @property
    def key(self) -> str:
        """Store-qualified id used as the database primary key."""
        return f"{self.store}:{self.app_id}"

    def to_dict(self, *, with_raw: bool = False) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["screenshots"] = list(self.screenshots)
        if not with_raw:
            d.pop("raw")
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Listing:
        """Build from a plain dict, ignoring unknown keys and coercing missing text to ''."""
        names = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in names or value is None:
                continue
            if key == "screenshots":
                kwargs[key] = tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()
            elif key == "rating":
                try:
                    kwargs[key] = float(value)
                except (TypeError, ValueError):
                    continue
            elif key == "partial":
                kwargs[key] = bool(value)
            else:
                kwargs[key] = str(value)
        if "store" not in kwargs or "app_id" not in kwargs:
            raise ValueError("a listing needs 'store' and 'app_id'")
        return cls(**kwargs)

    def merged(self, details: Listing) -> Listing:
        """This search result completed with fields from a details page (details win when set)."""
        updates = {
            f.name: getattr(details, f.name)
            for f in dataclasses.fields(self)
            if getattr(details, f.name) not in ("", None, ())
        }
        updates["partial"] = False
        return dataclasses.replace(self, **updates)
