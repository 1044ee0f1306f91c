"""The facts of one case as plain data: what evidence packs, drafts, front-line notices and reports read.

Loaded from the database in one place (``load_case_facts``) so everything else is pure functions over
these dataclasses. Every text field that came from a store or an APK is hostile: escape it where it is shown.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

# Stores whose takedown goes through a form of their own; anything else is a third-party store (e-mail).
STORE_NAMES_ZH = {"google_play": "Google Play", "app_store": "App Store", "apk": "APK 檔案"}
STORE_NAMES_EN = {"google_play": "Google Play", "app_store": "Apple App Store", "apk": "APK file"}


@dataclass(frozen=True)
class Reason:
    code: str
    points: int
    zh: str
    en: str


@dataclass(frozen=True)
class ListingFacts:
    """The impersonating listing as last seen (and whether it is still listed)."""

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
    url: str = ""
    icon: str = ""
    version: str = ""
    installs: str = ""
    verdict: str = ""
    score: int = 0
    reasons: tuple[Reason, ...] = ()
    first_seen: str = ""
    last_seen: str = ""
    present: bool = True
    removed_at: str = ""

    @property
    def key(self) -> str:
        return f"{self.store}:{self.app_id}"


@dataclass(frozen=True)
class Certificate:
    sha256: str
    subject: str = ""
    issuer: str = ""


@dataclass(frozen=True)
class ApkFacts:
    sha256: str
    verdict: str = ""
    package: str = ""
    app_name: str = ""
    source: str = ""
    analysed_at: str = ""
    certificates: tuple[Certificate, ...] = ()


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    actor: str
    action: str
    old: str = ""
    new: str = ""
    note: str = ""


@dataclass(frozen=True)
class TakedownRequest:
    at: str
    store: str
    reference: str = ""


@dataclass(frozen=True)
class PoliceReport:
    at: str
    report_no: str
    agency: str = ""


@dataclass(frozen=True)
class EvidenceItem:
    """A file kept as evidence, named as it appears in the evidence pack."""

    name: str
    sha256: str
    size: int = 0


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    brand_id: str
    state: str = "new"  # new | confirmed | false_positive | resolved | relisted
    takedown: str = "none"  # none | requested | removed | rejected
    opened_at: str = ""
    listing: ListingFacts | None = None
    apk: ApkFacts | None = None
    timeline: tuple[TimelineEntry, ...] = ()
    takedowns: tuple[TakedownRequest, ...] = ()
    police: tuple[PoliceReport, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    removals: tuple[str, ...] = field(default=())  # times the app was seen gone (one per listing episode)
    relistings: tuple[str, ...] = field(default=())  # times it reappeared

    @property
    def store(self) -> str:
        return self.listing.store if self.listing else "apk"

    @property
    def title(self) -> str:
        if self.listing:
            return self.listing.title
        if self.apk:
            return self.apk.app_name or self.apk.package
        return ""

    @property
    def first_seen(self) -> str:
        if self.listing and self.listing.first_seen:
            return self.listing.first_seen
        if self.apk and self.apk.analysed_at:
            return self.apk.analysed_at
        return self.opened_at

    @property
    def listed(self) -> bool:
        return bool(self.listing and self.listing.present)

    def open_takedown(self) -> TakedownRequest | None:
        """The first takedown request of the current listing episode (since the last re-listing), if any."""
        since = self.relistings[-1] if self.relistings else ""
        current = [t for t in self.takedowns if t.at >= since]
        return current[0] if current else None

    def earlier_takedowns(self) -> tuple[TakedownRequest, ...]:
        """Takedown requests from before the last re-listing (carried forward into new drafts)."""
        if not self.relistings:
            return ()
        since = self.relistings[-1]
        return tuple(t for t in self.takedowns if t.at < since)


# Control and format characters (bidi overrides, zero-width joiners, line and paragraph separators) let a
# hostile title forge lines or reorder text in a draft; these categories cover all of them.
_DROP_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def clean(text: object, limit: int = 300) -> str:
    """Hostile store text made safe for one line of a plain-text draft: no controls, no newlines, bounded."""
    s = "" if text is None else str(text)
    out = []
    for ch in s:
        cat = unicodedata.category(ch)
        if cat in _DROP_CATEGORIES or cat == "Zs":
            out.append(" ")
        else:
            out.append(ch)
    one = " ".join("".join(out).split())
    if len(one) > limit:
        one = one[: limit - 1] + "…"
    return one


def parse_reasons(raw: Any) -> tuple[Reason, ...]:
    """Reasons as stored (a JSON list of {code, points, zh, en}); tolerant of missing keys."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw else []
        except json.JSONDecodeError:
            return ()
    if not isinstance(raw, list):
        return ()
    reasons = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        try:
            points = int(item.get("points") or 0)
        except (TypeError, ValueError):
            points = 0
        reasons.append(
            Reason(
                code=str(item.get("code") or ""),
                points=points,
                zh=str(item.get("zh") or ""),
                en=str(item.get("en") or ""),
            )
        )
    return tuple(reasons)


def listing_facts(row: dict[str, Any]) -> ListingFacts:
    """A ``listings`` row as ``ListingFacts``."""

    def s(k: str) -> str:
        v = row.get(k)
        return "" if v is None else str(v)

    return ListingFacts(
        store=s("store"),
        app_id=s("app_id"),
        title=s("title"),
        developer=s("developer"),
        developer_id=s("developer_id"),
        developer_email=s("developer_email"),
        developer_website=s("developer_website"),
        developer_legal_name=s("developer_legal_name"),
        developer_address=s("developer_address"),
        developer_phone=s("developer_phone"),
        bundle_id=s("bundle_id"),
        description=s("description"),
        url=s("url"),
        icon=s("icon"),
        version=s("version"),
        installs=s("installs"),
        verdict=s("verdict"),
        score=int(row.get("score") or 0),
        reasons=parse_reasons(row.get("reasons")),
        first_seen=s("first_seen"),
        last_seen=s("last_seen"),
        present=bool(row.get("present", 1)),
        removed_at=s("removed_at"),
    )
