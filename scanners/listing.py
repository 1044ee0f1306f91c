"""The one normalized shape every store adapter produces, and the judging and database consume."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

STORES = ("google_play", "app_store", "aptoide", "galaxy_store")
# Stores of Android apps, where an app is a package name and (Aptoide) a signing certificate.
ANDROID_STORES = ("google_play", "aptoide", "galaxy_store")

# Longest text kept per field (characters). Stores allow far less (Play: 30-character titles, 4,000-character
# descriptions); anything longer is hostile or broken and is cut, never passed on whole.
TEXT_LIMITS = {"description": 20_000, "icon": 4_096, "url": 4_096}
TEXT_LIMIT = 1_000
SCREENSHOTS_MAX = 50
# Characters no text may carry: unpaired surrogates (a JSON "\ud800" escape decodes to one; OpenCC, SQLite
# and UTF-8 output all refuse them), the non-characters U+FDD0-U+FDEF and U+xFFFE/U+xFFFF of every plane,
# and NUL. Each becomes U+FFFD, so the listing stays recognisable and nothing downstream raises.
_NOT_TEXT = re.compile(
    "[\x00\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
    + "]"
)


def clean_text(value: object, limit: int = TEXT_LIMIT) -> str:
    """Store text made safe to process: surrogates and non-characters replaced by U+FFFD, length bounded.

    Display-time escaping (controls, bidi, HTML) is still the job of whoever shows it.
    """
    text = value if isinstance(value, str) else str(value)
    text = _NOT_TEXT.sub("\ufffd", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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

    def __post_init__(self) -> None:
        # the parser boundary: whatever built this listing (a store adapter, a JSON line, the cache), its
        # text is cleaned here once, so one hostile listing cannot make judging or storing raise
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, str):
                continue
            # the raw response is evidence: kept whole (bounded by the response size), cleaned only
            cleaned = (
                _NOT_TEXT.sub("\ufffd", value)
                if f.name == "raw"
                else clean_text(value, TEXT_LIMITS.get(f.name, TEXT_LIMIT))
            )
            if cleaned is not value and cleaned != value:
                object.__setattr__(self, f.name, cleaned)
        shots = tuple(clean_text(u, TEXT_LIMITS["url"]) for u in self.screenshots[:SCREENSHOTS_MAX])
        if shots != self.screenshots:
            object.__setattr__(self, "screenshots", shots)

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
