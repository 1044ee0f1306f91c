"""The facts of one case as plain data: what evidence packs, drafts, front-line notices and reports read.

Loaded from the database in one place (``load_case_facts``) so everything else is pure functions over
these dataclasses. Every text field that came from a store or an APK is hostile: escape it where it is shown.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bot.cases.model import Reason, parse_reasons

# Stores whose takedown goes through a form of their own; anything else is a third-party store (e-mail).
STORE_NAMES_ZH = {
    "google_play": "Google Play",
    "app_store": "App Store",
    "aptoide": "Aptoide",
    "galaxy_store": "Samsung Galaxy Store",
    "apk": "APK 檔案",
    # link cases: where the fake was found by tracing a link
    "website": "網站",
    "ipa": "iOS 安裝檔（IPA）",
    "itms_manifest": "iOS 企業／Ad Hoc 安裝連結",
    "testflight": "TestFlight 測試邀請",
    "mobileconfig": "iOS 描述檔",
}
STORE_NAMES_EN = {
    "google_play": "Google Play",
    "app_store": "Apple App Store",
    "aptoide": "Aptoide",
    "galaxy_store": "Samsung Galaxy Store",
    "apk": "APK file",
    "website": "fake download site",
    "ipa": "iOS app file (IPA)",
    "itms_manifest": "iOS enterprise/ad-hoc install link",
    "testflight": "TestFlight invitation",
    "mobileconfig": "iOS configuration profile",
}
NAVIGATION_HOPS = ("http_redirect", "meta_refresh", "script_redirect", "page")


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
    # Aptoide: the listing's signing certificate, the user store that hosts it, and its APK.
    cert_sha1: str = ""
    cert_owner: str = ""
    store_name: str = ""
    apk_url: str = ""
    apk_md5: str = ""
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
    """A signer certificate of the case's APK: its SHA-256 fingerprint, subject and issuer."""

    sha256: str
    subject: str = ""
    issuer: str = ""


@dataclass(frozen=True)
class ApkFacts:
    """The analysed APK of a case: its hash, verdict, package, name, source and signers."""

    sha256: str
    verdict: str = ""
    package: str = ""
    app_name: str = ""
    source: str = ""
    analysed_at: str = ""
    certificates: tuple[Certificate, ...] = ()


@dataclass(frozen=True)
class TimelineEntry:
    """One event of the case's timeline, as the documents show it."""

    at: str
    actor: str
    action: str
    old: str = ""
    new: str = ""
    note: str = ""


@dataclass(frozen=True)
class TakedownRequest:
    """One takedown request: when, to which store, its reference and the listing episode."""

    at: str
    store: str
    reference: str = ""
    episode: int = 0  # how many times the app had been re-listed when this was requested


@dataclass(frozen=True)
class PoliceReport:
    """One police report filed for the case: when, its number and the agency."""

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
class LinkFacts:
    """A link case's facts: the artifact or site, where it was found, the hop chain, and its state."""

    kind: str  # site | link
    store: str  # website | apk | ipa | itms_manifest | testflight | mobileconfig | google_play | app_store
    title: str
    url: str
    domain: str = ""
    address: str = ""
    start_url: str = ""
    final_url: str = ""
    hop_urls: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)  # team_id, team_name, distribution, sha256, ...
    artifacts: tuple[dict[str, Any], ...] = ()  # what a site offers
    reasons: tuple[Reason, ...] = ()
    present: bool = True
    last_checked: str = ""
    gone_at: str = ""

    def get(self, key: str) -> str:
        v = self.details.get(key)
        return "" if v in (None, [], {}) else str(v)


@dataclass(frozen=True)
class CaseFacts:
    """Everything the casework documents know about one case: listing, APK or link, timeline, tracks."""

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
    episode: int = -1  # listing episodes so far (re-listings); -1: count ``relistings``
    link: LinkFacts | None = None  # link cases (a traced artifact or site)

    @property
    def store(self) -> str:
        if self.link is not None:
            return self.link.store
        return self.listing.store if self.listing else "apk"

    @property
    def title(self) -> str:
        if self.link is not None:
            return self.link.title
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
        if self.link is not None:
            return self.link.present
        return bool(self.listing and self.listing.present)

    @property
    def current_episode(self) -> int:
        return self.episode if self.episode >= 0 else len(self.relistings)

    def open_takedown(self) -> TakedownRequest | None:
        """The first takedown request of the current listing episode (since the last re-listing), if any."""
        current = [t for t in self.takedowns if t.episode == self.current_episode]
        return current[0] if current else None

    def earlier_takedowns(self) -> tuple[TakedownRequest, ...]:
        """Takedown requests from before the last re-listing (carried forward into new drafts)."""
        return tuple(t for t in self.takedowns if t.episode < self.current_episode)


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
        cert_sha1=s("cert_sha1"),
        cert_owner=s("cert_owner"),
        store_name=s("store_name"),
        apk_url=s("apk_url"),
        apk_md5=s("apk_md5"),
        verdict=s("verdict"),
        score=int(row.get("score") or 0),
        reasons=parse_reasons(row.get("reasons")),
        first_seen=s("first_seen"),
        last_seen=s("last_seen"),
        present=bool(row.get("present", 1)),
        removed_at=s("removed_at"),
    )


# --- loading from the database -------------------------------------------------------------------------

# The field whose change names an event group on the timeline, in order of preference.
_MAIN_FIELDS = ("state", "takedown", "police", "listed", "assignee", "verdict")


def _rows(db: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in db.query(sql, params)]


def _timeline(events: list[dict[str, Any]]) -> tuple[TimelineEntry, ...]:
    """One entry per action (an action that changes several fields writes one event row per field)."""
    groups: list[list[dict[str, Any]]] = []
    for e in events:
        if groups and (groups[-1][0]["at"], groups[-1][0]["action"], groups[-1][0]["actor"]) == (
            e["at"],
            e["action"],
            e["actor"],
        ):
            groups[-1].append(e)
        else:
            groups.append([e])
    out = []
    for g in groups:
        main = next((e for f in _MAIN_FIELDS for e in g if e.get("field") == f), g[0])
        out.append(
            TimelineEntry(
                at=str(g[0]["at"] or ""),
                actor=str(g[0]["actor"] or ""),
                action=str(g[0]["action"] or ""),
                old=str(main.get("old") or ""),
                new=str(main.get("new") or ""),
                note=str(g[0].get("reason") or ""),
            )
        )
    return tuple(out)


def _takedowns(events: list[dict[str, Any]], default_store: str) -> tuple[TakedownRequest, ...]:
    """Every takedown request on the timeline (``takedown`` actions), with its claimed date, store and ref."""
    # Ordered by the timeline (event ids), not by time: a request may be back-dated, and several actions can
    # share one second. A re-listing starts a new episode.
    by_at: dict[tuple[str, str, int], dict[str, str]] = {}
    episode = 0
    previous = ""
    for e in events:
        action = str(e["action"])
        if action == "relisted" and previous != "relisted":
            episode += 1  # one re-listing writes several rows in a row; count the run once
        previous = action
        if action != "takedown":
            continue
        g = by_at.setdefault((str(e["at"]), str(e["actor"]), episode), {"reason": str(e.get("reason") or "")})
        if e.get("field"):
            g[str(e["field"])] = str(e.get("new") or "")
    return tuple(
        TakedownRequest(
            at=g.get("takedown_at") or at,
            store=g.get("takedown_store") or default_store,
            reference=g.get("takedown_ref", g.get("reason", "")),
            episode=ep,
        )
        for (at, _actor, ep), g in by_at.items()
    )


def _police(events: list[dict[str, Any]]) -> tuple[PoliceReport, ...]:
    by_at: dict[tuple[str, str], dict[str, str]] = {}
    for e in events:
        if e["action"] != "police":
            continue
        g = by_at.setdefault((str(e["at"]), str(e["actor"])), {"reason": str(e.get("reason") or "")})
        if e.get("field"):
            g[str(e["field"])] = str(e.get("new") or "")
    out = [
        PoliceReport(
            at=g.get("police_at") or at,
            report_no=g.get("police_no") or g.get("reason", ""),
            agency=g.get("police_agency", ""),
        )
        for (at, _a), g in by_at.items()
    ]
    return tuple(sorted(out, key=lambda p: p.at))


def _action_times(events: list[dict[str, Any]], actions: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({str(e["at"]) for e in events if e["action"] in actions}))


def _certificates(raw: Any) -> tuple[Certificate, ...]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw else []
        except json.JSONDecodeError:
            return ()
    if isinstance(raw, dict):
        raw = raw.get("certificates") or raw.get("signers") or []
    if not isinstance(raw, list):
        return ()
    out = []
    for c in raw:
        if isinstance(c, dict):
            sha = c.get("sha256") or c.get("fingerprint") or c.get("cert_sha256") or ""
            out.append(Certificate(str(sha), str(c.get("subject") or ""), str(c.get("issuer") or "")))
        elif isinstance(c, str):
            out.append(Certificate(c))
    return tuple(out)


def apk_rows(db: Any, case: dict[str, Any]) -> list[dict[str, Any]]:
    """APK analyses attached to a case: by the case's file hash, or by package name for a Play listing."""
    if "apk_analyses" not in db.table_names():
        return []
    cols = set(db.table("apk_analyses").columns_dict)
    clauses, params = [], []  # type: tuple[list[str], list[Any]]
    if case.get("apk_sha256"):
        clauses.append("sha256 = ?")
        params.append(case["apk_sha256"])
    if "case_id" in cols:
        clauses.append("case_id = ?")
        params.append(case["id"])
    pkg_col = next((c for c in ("package", "package_name") if c in cols), None)
    if pkg_col and case.get("store") == "google_play" and case.get("app_id"):
        clauses.append(f"[{pkg_col}] = ?")
        params.append(case["app_id"])
    if not clauses:
        return []
    # Clauses are fixed strings and known column names; values go in as parameters.
    sql = "SELECT * FROM apk_analyses WHERE " + " OR ".join(clauses) + " ORDER BY rowid"  # noqa: S608
    return _rows(db, sql, params)


def apk_facts(row: dict[str, Any]) -> ApkFacts:
    """The facts of one ``apk_analyses`` row, each read from the row or else from its JSON report."""
    report: dict[str, Any] = {}
    try:
        loaded = json.loads(row.get("report") or "{}")
        report = loaded if isinstance(loaded, dict) else {}
    except (TypeError, json.JSONDecodeError):
        report = {}

    def pick(*keys: str) -> str:
        for k in keys:
            v = row.get(k) or report.get(k)
            if v:
                return str(v)
        return ""

    certs = _certificates(row.get("certificates")) or _certificates(report.get("certificates"))
    return ApkFacts(
        sha256=pick("sha256"),
        verdict=pick("verdict"),
        package=pick("package", "package_name"),
        app_name=pick("app_name", "label"),
        source=pick("source"),
        analysed_at=pick("analysed_at", "analyzed_at", "first_seen", "at", "created_at"),
        certificates=certs,
    )


def load_case_facts(db: Any, case_id: int, evidence: tuple[EvidenceItem, ...] = ()) -> CaseFacts:
    """Everything known about a case, as plain data. Raises LookupError when there is no such case."""
    rows = _rows(db, "SELECT * FROM cases WHERE id = ?", [case_id])
    if not rows:
        raise LookupError(f"no case #{case_id}")
    case = rows[0]
    listing = None
    if case.get("listing_key"):
        lrows = _rows(db, "SELECT * FROM listings WHERE key = ?", [case["listing_key"]])
        if lrows:
            listing = listing_facts(lrows[0])
        else:  # the case outlived its listing row: fall back on the case's own snapshot of the facts
            store, _, app_id = str(case["listing_key"]).partition(":")
            listing = listing_facts({**case, "store": store, "app_id": app_id, "present": case.get("listed")})
    apks = apk_rows(db, case)
    events = _rows(db, "SELECT * FROM case_events WHERE case_id = ? ORDER BY id", [case_id])
    link = link_facts(db, case, events) if case.get("kind") in ("link", "site") else None
    return CaseFacts(
        link=link,
        case_id=int(case["id"]),
        brand_id=str(case.get("brand") or ""),
        state=str(case.get("state") or "new"),
        takedown=str(case.get("takedown") or "none"),
        opened_at=str(case.get("opened_at") or ""),
        listing=listing,
        apk=apk_facts(apks[-1]) if apks else None,
        timeline=_timeline(events),
        takedowns=_takedowns(events, str(case.get("takedown_store") or case.get("store") or "")),
        police=_police(events),
        evidence=evidence,
        removals=_action_times(events, ("removed", "vanished")),
        relistings=_action_times(events, ("relisted",)),
        episode=sum(
            1
            for i, e in enumerate(events)
            if e["action"] == "relisted" and (i == 0 or events[i - 1]["action"] != "relisted")
        ),
    )


def link_facts(db: Any, case: dict[str, Any], events: list[dict[str, Any]]) -> LinkFacts:
    """A link case's facts from its row and the first trace that found it (the hop chain)."""
    from bot.record import links

    try:
        d = json.loads(case.get("details") or "{}")
    except (TypeError, json.JSONDecodeError):
        d = {}
    d = d if isinstance(d, dict) else {}
    traces = [t for t in d.get("traces") or [] if isinstance(t, int)]
    hop_urls: tuple[str, ...] = ()
    final_url = str(d.get("final_url") or "")
    if traces:
        hop_urls = tuple(str(h["url"]) for h in links.hops(db, traces[0]) if h.get("kind") in NAVIGATION_HOPS)
        row = links.trace_row(db, traces[0])
        if row and not final_url:
            final_url = str(row.get("final_url") or "")
    gone = [str(e["at"]) for e in events if e["action"] in ("removed", "vanished")]
    return LinkFacts(
        kind=str(case.get("kind") or ""),
        store=str(case.get("store") or ""),
        title=str(case.get("title") or ""),
        url=str(case.get("url") or ""),
        domain=str(d.get("domain") or (case.get("app_id") if case.get("kind") == "site" else "") or ""),
        address=str(d.get("address") or ""),
        start_url=str(d.get("start_url") or ""),
        final_url=final_url,
        hop_urls=hop_urls,
        details=d,
        artifacts=tuple(a for a in d.get("artifacts") or [] if isinstance(a, dict)),
        reasons=parse_reasons(case.get("reasons")),
        present=bool(case.get("listed", 1)),
        last_checked=str(case.get("updated_at") or ""),
        gone_at=gone[-1] if gone else "",
    )
