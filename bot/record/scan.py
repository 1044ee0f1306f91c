"""One scan: search every store for every brand, judge each listing, and commit the results.

Network work runs in one thread per store (each store has its own polite rate); all database writes happen
afterwards in the calling thread, in one transaction, before anything is notified.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
import sqlite_utils

from bot.core.clock import Clock, now_iso, utc_now
from bot.core.media import MediaGuard, fetch_image, guard_for
from bot.core.settings import Settings
from bot.core.textsafe import plain
from bot.record.screenshots import fetch_screenshots, keep_screenshots
from bot.store.db import transaction
from scanners.judging.icons import icon_hash, official_icon_hashes
from scanners.judging.reason import reasons_json
from scanners.judging.verdict import PreparedBrand, Verdict, judge_all, prepare_brand
from scanners.listing import Listing
from scanners.profile import Profile
from scanners.stores import StoreAdapter, StoreError
from scanners.stores.cache import MemoryCache, image_key, summary_fingerprint

SUSPECT = ("impersonation", "suspicious")
# Listing fields whose change is recorded in its history. The icon is compared by its perceptual hash, not its
# URL: the picture is what matters, and a CDN or mirror may change the address.
TRACKED_FIELDS = (
    "title",
    "developer",
    "developer_id",
    "icon_hash",
    "version",
    "description",
    "developer_legal_name",
)
# A search result whose partial verdict is unrelated and scores below this is not worth a details request:
# nothing in its title, developer name, package or snippet points at any brand.
DETAILS_MIN_SCORE = 1
ICON_MAX_BYTES = 2 * 1024 * 1024

Progress = Callable[[str], None]


@dataclass
class StoreRun:
    """How one store fared for one brand: the canary and the errors, never silently empty."""

    brand: str
    store: str
    status: str = "ok"  # ok | degraded | broken
    reason: str = ""
    canary_ok: bool = False
    requests: int = 0
    candidates: int = 0
    elapsed: float = 0.0

    def fail(self, status: str, reason: str) -> None:
        if self.status != "broken":
            self.status = status
        self.reason = f"{self.reason}; {reason}" if self.reason else reason


@dataclass
class Judged:
    """A listing judged in a scan, with its icon (hash, bytes, type) and any screenshots fetched."""

    listing: Listing
    verdict: Verdict
    icon_hash: str | None = None
    icon_bytes: bytes | None = None
    icon_type: str = ""
    screenshots: list[tuple[str, bytes, str]] = field(default_factory=list)


@dataclass
class NotJudged:
    """A listing whose judging raised: recorded and shown with the reason, never read as 'not a fake'."""

    key: str
    store: str
    app_id: str
    title: str
    brand: str
    reason: str


@dataclass
class StoreOutcome:
    """What scanning one store found, before anything is written: runs, verdicts, removals, counters."""

    store: str
    runs: list[StoreRun]
    judged: dict[str, Judged]
    gone: list[str]  # listing keys confirmed removed from the store
    cache_updates: list[tuple[str, str, Listing, float]]
    not_judged: list[NotJudged] = field(default_factory=list)
    requests: int = 0
    cache_hits: int = 0
    elapsed: float = 0.0


@dataclass
class Change:
    """A judged listing's change since the last scan (new, changed, vanished, relisted or same)."""

    key: str
    store: str
    app_id: str
    title: str
    developer: str
    brand: str
    verdict: str
    score: int
    change: str  # new | changed | vanished | relisted | same


@dataclass
class ScanResult:
    """The outcome of one scan: its status, store runs, changes and counters."""

    scan_id: int
    status: str  # ok | degraded | failed
    started_at: str
    finished_at: str
    runs: list[StoreRun]
    changes: list[Change]
    listings_seen: int
    requests: dict[str, int] = field(default_factory=dict)
    cache_hits: dict[str, int] = field(default_factory=dict)
    elapsed: dict[str, float] = field(default_factory=dict)
    apk_checks: list[dict[str, Any]] = field(default_factory=list)  # Aptoide suspects' APKs analysed
    not_judged: list[NotJudged] = field(default_factory=list)

    @property
    def suspects(self) -> list[Change]:
        return [c for c in self.changes if c.verdict in SUSPECT or c.change == "vanished"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scan_id": self.scan_id,
            "status": self.status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "listings_seen": self.listings_seen,
            "stores": [vars(r) for r in self.runs],
            "suspects": [vars(c) for c in self.suspects],
            "requests": self.requests,
            "cache_hits": self.cache_hits,
            "apk_checks": self.apk_checks,
            "not_judged_count": len(self.not_judged),
            "not_judged": [vars(n) for n in self.not_judged],
        }


def prepare_profile(profile: Profile) -> list[PreparedBrand]:
    """The profile's brands prepared for judging, their official icons hashed."""
    return [prepare_brand(b, official_icon_hashes(b)) for b in profile.brands]


def fetch_icon(
    session: requests.Session, url: str, timeout: float, guard: MediaGuard | None = None
) -> tuple[bytes, str] | None:
    """Icon bytes and content type, or None when it cannot be had (a missing icon is not an error).

    Fetched through the SSRF guard (``bot.media``): internal addresses only as ``guard`` allows."""
    return fetch_image(session, url, timeout=timeout, max_bytes=ICON_MAX_BYTES, guard=guard)


class _StoreScanner:
    """Scans one store for every brand; runs in its own thread and touches no database."""

    def __init__(
        self,
        adapter: StoreAdapter,
        brands: Sequence[PreparedBrand],
        cache: MemoryCache,
        known_suspects: Sequence[str],
        known_icons: Mapping[str, str],
        kept_media: set[str],
        icon_session: requests.Session,
        settings: Settings,
        progress: Progress,
        packages: Mapping[str, Sequence[str]] | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._wall = lambda: clock().timestamp()  # for the details cache's age
        self.adapter = adapter
        # Lookup-only stores (no public search): brand id -> package names to look up.
        self.packages = packages or {}
        self.store = adapter.store
        self.brands = brands
        self.cache = cache
        self.known_suspects = known_suspects
        self.icon_session = icon_session
        self.settings = settings
        self.progress = progress
        # Images only from public addresses, or from the store mirror the settings point at (SSRF guard).
        self.media_guard = guard_for(settings)
        self.icon_hashes: dict[str, tuple[str | None, bytes | None, str]] = {}
        self.known_icons = known_icons  # image key -> perceptual hash, from earlier scans
        self.kept_media = kept_media  # image keys of icons and screenshots already kept as evidence

    def run(self) -> StoreOutcome:
        started = time.monotonic()
        outcome = StoreOutcome(self.store, [], {}, [], [])
        requests_before = _request_count(self.adapter)
        for prepared in self.brands:
            brand = prepared.brand
            run = StoreRun(brand.id, self.store)
            outcome.runs.append(run)
            t0 = time.monotonic()
            r0 = _request_count(self.adapter)
            self._scan_brand(prepared, run, outcome)
            run.elapsed = round(time.monotonic() - t0, 3)
            run.requests = _request_count(self.adapter) - r0
        self._check_vanished(outcome)
        outcome.requests = _request_count(self.adapter) - requests_before
        outcome.elapsed = round(time.monotonic() - started, 3)
        return outcome

    def _scan_brand(self, prepared: PreparedBrand, run: StoreRun, outcome: StoreOutcome) -> None:
        brand = prepared.brand
        country = brand.countries[0]
        language = brand.languages[0]
        found: dict[str, Listing] = {}
        if not getattr(self.adapter, "searchable", True):
            self._lookup_packages(prepared, run, found)
        for i, term in enumerate(brand.search_terms if getattr(self.adapter, "searchable", True) else (), 1):
            self.progress(f"{self.store} {brand.id} search {i}/{len(brand.search_terms)}: {term}")
            try:
                results = self.adapter.search(term, country=country, language=language)
            except StoreError as exc:
                # Retries are spent and the reason is known; more terms would only repeat it.
                run.fail("broken", f"search {term!r}: {exc.reason}")
                break
            for listing in results:
                found.setdefault(listing.key, listing)
        run.candidates = len(found)
        official = brand.apps_in(self.store)
        if run.status == "broken" and not found:
            return
        if official:
            missing = [a.app_id for a in official if not _official_keys(self.store, a.app_id, found)]
            run.canary_ok = len(missing) < len(official)
            if not run.canary_ok:
                how = "search" if getattr(self.adapter, "searchable", True) else "lookup"
                run.fail("degraded", f"canary: the official app {', '.join(missing)} was not found by {how}")
        else:
            run.canary_ok = True
        for key, listing in found.items():
            if key in outcome.judged or any(n.key == key for n in outcome.not_judged):
                continue
            try:
                judged = self._judge(listing, run, outcome)
            except Exception as exc:  # one hostile listing must not hide the others: it alone is not judged
                self._not_judged(listing, brand.id, exc, run, outcome)
                continue
            if judged is not None:
                outcome.judged[key] = judged
        # The canary's official listing must also parse as official: a layout change shows up here.
        for app in official:
            keys = _official_keys(self.store, app.app_id, found)
            judged_keys = [k for k in keys if k in outcome.judged]
            # On Aptoide one package may be listed many times (user stores, forgeries): one official suffices.
            if judged_keys and not any(outcome.judged[k].verdict.verdict == "official" for k in judged_keys):
                run.fail("degraded", f"canary: the official app {app.app_id} was not recognised as official")

    def _lookup_packages(self, prepared: PreparedBrand, run: StoreRun, found: dict[str, Listing]) -> None:
        """A store without search: look up the official packages and every candidate package."""
        brand = prepared.brand
        official = [a.app_id for a in brand.apps_in(self.store)]
        wanted = list(dict.fromkeys([*official, *self.packages.get(brand.id, ())]))
        for i, package in enumerate(wanted, 1):
            self.progress(f"{self.store} {brand.id} lookup {i}/{len(wanted)}: {package}")
            try:
                listing = self.adapter.lookup(
                    package, country=brand.countries[0], language=brand.languages[0]
                )
            except StoreError as exc:
                run.fail("broken", f"lookup {package}: {exc.reason}")
                break
            if listing is not None:
                found.setdefault(listing.key, listing)

    def _judge(self, listing: Listing, run: StoreRun, outcome: StoreOutcome) -> Judged | None:
        full = listing
        if listing.partial:
            # The icon is on the CDN, outside the store's request budget: a generic name with the brand's
            # icon must not slip through the pre-filter.
            pre = self._icon(listing.icon)[0]
            first = judge_all(
                listing, self.brands, icon_hash=pre, icon_unchecked=bool(listing.icon) and pre is None
            )
            if first.verdict == "unrelated" and first.score < DETAILS_MIN_SCORE:
                return Judged(listing, first, self._icon(listing.icon)[0])
            details = self._details(listing, run, outcome)
            if details is None:
                return None
            full = details
        hashed = self._icon(full.icon)
        verdict = judge_all(
            full, self.brands, icon_hash=hashed[0], icon_unchecked=bool(full.icon) and hashed[0] is None
        )
        if verdict.verdict in SUSPECT and hashed[1] is None and image_key(full.icon) not in self.kept_media:
            hashed = self._icon(full.icon, need_bytes=True)  # the picture itself is evidence
        judged = Judged(full, verdict, hashed[0], hashed[1], hashed[2])
        missing = [u for u in full.screenshots if image_key(u) not in self.kept_media]
        if verdict.verdict in SUSPECT and missing:
            # Evidence that survives the listing: a suspect's screenshots, each fetched once.
            judged.screenshots = fetch_screenshots(
                self.icon_session, missing, timeout=self.settings.stores.timeout, guard=self.media_guard
            )
        return judged

    def _not_judged(
        self, listing: Listing, brand: str, exc: Exception, run: StoreRun, outcome: StoreOutcome
    ) -> None:
        reason = plain(f"{type(exc).__name__}: {exc}", limit=300)
        outcome.not_judged.append(
            NotJudged(listing.key, self.store, listing.app_id, plain(listing.title, limit=120), brand, reason)
        )
        run.fail("degraded", f"{plain(listing.app_id, limit=80)} not judged ({type(exc).__name__})")

    def _details(self, listing: Listing, run: StoreRun, outcome: StoreOutcome) -> Listing | None:
        fingerprint = summary_fingerprint(listing)
        cached = self.cache.get(listing.key)
        max_age = self.settings.stores.details_max_age_hours * 3600
        if cached is not None and cached[0] == fingerprint and self._wall() - cached[2] < max_age:
            outcome.cache_hits += 1
            # What the search shows now wins over the cached details (an icon URL may move between hosts).
            return cached[1].merged(listing)
        try:
            details = self.adapter.lookup(listing.app_id)
        except StoreError as exc:
            run.fail("degraded", f"details {listing.app_id}: {exc.reason}")
            return listing
        if details is None:
            return None  # gone between search and details
        merged = listing.merged(details)
        merged = _with_raw(merged, details.raw)
        now = self._wall()
        self.cache.put(listing.key, fingerprint, merged, now)
        outcome.cache_updates.append((listing.key, fingerprint, merged, now))
        return merged

    def _icon(self, url: str, *, need_bytes: bool = False) -> tuple[str | None, bytes | None, str]:
        """(hash, bytes, content type) of an icon; an icon hashed by an earlier scan is not fetched again
        unless its bytes are needed."""
        if not url:
            return None, None, ""
        known = self.known_icons.get(image_key(url))
        if url not in self.icon_hashes and known and not need_bytes:
            self.icon_hashes[url] = (known, None, "")
        if url not in self.icon_hashes or (need_bytes and self.icon_hashes[url][1] is None):
            got = fetch_icon(self.icon_session, url, self.settings.stores.timeout, self.media_guard)
            if got is None:
                self.icon_hashes[url] = (None, None, "")
            else:
                try:
                    self.icon_hashes[url] = (icon_hash(got[0]), got[0], got[1])
                except ValueError:
                    self.icon_hashes[url] = (None, None, "")
        return self.icon_hashes[url]

    def _check_vanished(self, outcome: StoreOutcome) -> None:
        """Suspects listed before and not seen now: ask the store directly before calling them gone."""
        if any(r.status == "broken" for r in outcome.runs):
            return  # a broken search proves nothing about absence
        for key in self.known_suspects:
            if key in outcome.judged:
                continue
            app_id = key.split(":", 1)[1]
            try:
                listing = self.adapter.lookup(app_id)
            except StoreError:
                continue
            if listing is None:
                outcome.gone.append(key)
                continue
            try:
                outcome.judged[key] = Judged(listing, judge_all(listing, self.brands))
            except Exception as exc:  # as in _scan_brand: this listing alone is not judged
                run = outcome.runs[0] if outcome.runs else StoreRun("", self.store)
                self._not_judged(listing, run.brand, exc, run, outcome)


# Stores where one package can appear under several listing ids (Aptoide's user stores): the official app is
# found by its package name (``bundle_id``), not by the listing id.
PACKAGE_KEYED_STORES = ("aptoide",)
# Most packages a lookup-only store (Galaxy Store) is asked about per brand and scan.
MAX_LOOKUP_PACKAGES = 100


def _official_keys(store: str, app_id: str, found: Mapping[str, Listing]) -> list[str]:
    """Keys of the found listings that are (or claim to be) this official app."""
    if store in PACKAGE_KEYED_STORES:
        return [k for k, v in found.items() if v.bundle_id == app_id or v.app_id == app_id]
    key = f"{store}:{app_id}"
    return [key] if key in found else []


def lookup_candidates(
    db: sqlite_utils.Database,
    brands: Sequence[PreparedBrand],
    outcomes: Sequence[StoreOutcome],
) -> dict[str, list[str]]:
    """Per brand, the Android packages a lookup-only store should be asked about, besides the official ones:
    every package this scan or an earlier one flagged (stores and APK analyses), and every package seen
    anywhere that imitates the official one."""
    from scanners.judging.names import package_match

    seen: list[tuple[str, str]] = []  # (package, verdict brand or '') in order of discovery
    for outcome in outcomes:
        for judged in outcome.judged.values():
            listing = judged.listing
            package = listing.bundle_id or listing.app_id
            seen.append((package, judged.verdict.brand if judged.verdict.verdict in SUSPECT else ""))
    # App Store bundle ids are often the Android package of the same app: they count too.
    for r in db.query("select app_id, bundle_id, brand, verdict from listings where present = 1"):
        package = r["bundle_id"] or r["app_id"]
        seen.append((package, r["brand"] if r["verdict"] in SUSPECT else ""))
    if db.table("apk_analyses").exists():
        for r in db.query("select package, brand, verdict from apk_analyses where package != ''"):
            seen.append((r["package"], r["brand"] if r["verdict"] not in ("official", "invalid") else ""))
    from scanners.stores.galaxy_store import is_package

    out: dict[str, list[str]] = {}
    for prepared in brands:
        brand = prepared.brand
        wanted = [
            p
            for p, flagged_for in seen
            if is_package(p) and (flagged_for == brand.id or package_match(p, prepared) is not None)
        ]
        out[brand.id] = list(dict.fromkeys(wanted))[:MAX_LOOKUP_PACKAGES]
    return out


def _with_raw(listing: Listing, raw: str) -> Listing:
    import dataclasses

    return dataclasses.replace(listing, raw=raw) if raw and not listing.raw else listing


def _request_count(adapter: StoreAdapter) -> int:
    client = getattr(adapter, "client", None)
    stats = getattr(client, "stats", None)
    return int(getattr(stats, "requests", 0))


class SqliteDetailsCache:
    """The details cache kept in the database, loaded per store before a scan."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def load(self, store: str) -> MemoryCache:
        cache = MemoryCache()
        for row in self.db.query("select * from details_cache where key like ?", [f"{store}:%"]):
            try:
                listing = Listing.from_dict(json.loads(row["listing"]))
            except (ValueError, TypeError):
                continue
            cache.put(row["key"], row["fingerprint"], listing, row["fetched_at"])
        return cache

    def save(self, updates: Sequence[tuple[str, str, Listing, float]]) -> None:
        rows = [
            {
                "key": k,
                "fingerprint": f,
                "listing": json.dumps(lst.to_dict(), ensure_ascii=False),
                "fetched_at": t,
            }
            for k, f, lst, t in updates
        ]
        if rows:
            self.db.table("details_cache").upsert_all(rows, pk="key")


def run_scan(
    db: sqlite_utils.Database,
    profile: Profile,
    settings: Settings,
    adapters: Mapping[str, StoreAdapter],
    *,
    trigger: str = "cli",
    progress: Progress | None = None,
    icon_session: requests.Session | None = None,
    apk_allow_addresses: Sequence[str] = (),
    clock: Clock = utc_now,
) -> ScanResult:
    """Scan every store for every brand of the profile and commit listings, history, evidence and findings.

    ``clock`` gives the scan's start and finish times (tests pass a fixed one)."""
    say = progress or (lambda _msg: None)
    started = now_iso(clock())
    pk = db.table("scans").insert({"started_at": started, "status": "running", "trigger": trigger}).last_pk
    assert pk is not None
    scan_id = int(pk)
    brands = prepare_profile(profile)
    cache = SqliteDetailsCache(db)
    icon_http = icon_session or requests.Session()
    scanners = []
    for store, adapter in adapters.items():
        known = [
            r["key"]
            for r in db.query(
                "select key from listings where store = ? and present = 1 and verdict in (?, ?)",
                [store, *SUSPECT],
            )
        ]
        icons = {
            image_key(r["icon"]): r["icon_hash"]
            for r in db.query(
                "select icon, icon_hash from listings where store = ? and icon_hash != ''", [store]
            )
        }
        kept = {
            image_key(r["url"])
            for r in db.query("select url from listing_media where listing_key like ?", [f"{store}:%"])
        }
        scanners.append(
            _StoreScanner(
                adapter, brands, cache.load(store), known, icons, kept, icon_http, settings, say, clock=clock
            )
        )
    searching = [x for x in scanners if getattr(x.adapter, "searchable", True)]
    with ThreadPoolExecutor(max_workers=max(1, len(searching)), thread_name_prefix="scan") as pool:
        outcomes = list(pool.map(_run_safely, searching))
    # Stores without search (Galaxy Store) look up what the others found, once they are done.
    lookup_only = [x for x in scanners if x not in searching]
    if lookup_only:
        candidates = lookup_candidates(db, brands, outcomes)
        for x in lookup_only:
            x.packages = candidates
        with ThreadPoolExecutor(max_workers=len(lookup_only), thread_name_prefix="scan") as pool:
            outcomes += list(pool.map(_run_safely, lookup_only))
    result = _record_scan(db, scan_id, outcomes, cache, started=started, finished=now_iso(clock()))
    # After the commit, outside the transaction: downloads take time, and each analysis commits its own row.
    budget = settings.stores.aptoide_apk_budget
    if budget:
        from bot.record.aptoide_apks import check_suspect_apks

        suspects = [
            (j.listing.key, j.listing.apk_url, j.listing.cert_sha1, j.verdict.score)
            for o in outcomes
            for j in o.judged.values()
            if j.listing.store == "aptoide" and j.verdict.verdict in SUSPECT and j.listing.apk_url
        ]
        say(f"aptoide: analysing up to {budget} suspect APK(s)")
        checks = check_suspect_apks(db, profile, suspects, budget, allow_addresses=apk_allow_addresses)
        result.apk_checks = [c.to_dict() for c in checks]
        db.table("scans").update(scan_id, {"summary": json.dumps(result.to_dict(), ensure_ascii=False)})
    return result


def _run_safely(scanner: _StoreScanner) -> StoreOutcome:
    """A store that fails in an unexpected way is reported broken, never as 'nothing found'."""
    try:
        return scanner.run()
    except Exception as exc:  # a bug or a surprise in one store must not hide the others' results
        runs = [
            StoreRun(p.brand.id, scanner.store, "broken", f"scanner failed: {type(exc).__name__}: {exc}")
            for p in scanner.brands
        ]
        return StoreOutcome(scanner.store, runs, {}, [], [])


def _record_scan(
    db: sqlite_utils.Database,
    scan_id: int,
    outcomes: Sequence[StoreOutcome],
    cache: SqliteDetailsCache,
    *,
    started: str,
    finished: str,
) -> ScanResult:
    """The scan's results in one transaction: listings, their history and evidence, findings, each store's
    run, the details cache and the scan's own row; a scan killed half-way keeps none of them."""
    with transaction(db):
        changes = _store_outcomes(db, scan_id, outcomes, finished)
        runs = [r for o in outcomes for r in o.runs]
        for run in runs:
            db.table("scan_stores").insert({"scan_id": scan_id, **vars(run), "canary_ok": int(run.canary_ok)})
        cache.save([u for o in outcomes for u in o.cache_updates])
        statuses = {r.status for r in runs}
        status = "failed" if statuses == {"broken"} else ("ok" if statuses <= {"ok"} else "degraded")
        result = ScanResult(
            scan_id=scan_id,
            status=status,
            started_at=started,
            finished_at=finished,
            runs=runs,
            changes=changes,
            listings_seen=sum(len(o.judged) for o in outcomes),
            requests={o.store: o.requests for o in outcomes},
            cache_hits={o.store: o.cache_hits for o in outcomes},
            elapsed={o.store: o.elapsed for o in outcomes},
            not_judged=[n for o in outcomes for n in o.not_judged],
        )
        db.table("scans").update(
            scan_id,
            {
                "finished_at": finished,
                "status": status,
                "summary": json.dumps(result.to_dict(), ensure_ascii=False),
            },
        )
    return result


def _store_outcomes(
    db: sqlite_utils.Database, scan_id: int, outcomes: Sequence[StoreOutcome], at: str
) -> list[Change]:
    changes: list[Change] = []
    listings = db.table("listings")
    for outcome in outcomes:
        for judged in outcome.judged.values():
            changes.append(_store_listing(db, scan_id, judged, at))
        for key in outcome.gone:
            row = listings.get(key)
            listings.update(key, {"present": 0, "removed_at": at, "last_seen": row["last_seen"]})
            change = Change(
                key,
                row["store"],
                row["app_id"],
                row["title"],
                row["developer"],
                row["brand"],
                row["verdict"],
                row["score"],
                "vanished",
            )
            changes.append(change)
            _finding(db, scan_id, change, row["reasons"], at)
    return changes


def _store_listing(db: sqlite_utils.Database, scan_id: int, judged: Judged, at: str) -> Change:
    listing, verdict = judged.listing, judged.verdict
    table = db.table("listings")
    key = listing.key
    existing = next(iter(db.query("select * from listings where key = ?", [key])), None)
    record = listing.to_dict()
    record.pop("partial")
    record.pop("rating")
    record["screenshots"] = json.dumps(list(listing.screenshots), ensure_ascii=False)
    stored_reasons = reasons_json(verdict.reasons)
    record.update(
        key=key,
        brand=verdict.brand,
        icon_hash=judged.icon_hash or "",
        verdict=verdict.verdict,
        score=verdict.score,
        reasons=stored_reasons,
        last_seen=at,
        present=1,
        removed_at=None,
    )
    if existing is None:
        change = "new"
        record["first_seen"] = at
        table.insert(record, pk="key")
    else:
        if listing.partial:  # a search-only view must not erase what details told us before
            record = {k: v for k, v in record.items() if v not in ("", "[]") or k in ("removed_at",)}
        diffs = [
            (f, existing.get(f) or "", record.get(f) or "")
            for f in TRACKED_FIELDS
            if f in record and (existing.get(f) or "") != (record.get(f) or "")
        ]
        if not existing["present"]:
            change = "relisted"
        elif diffs or existing["verdict"] != verdict.verdict:
            change = "changed"
        else:
            change = "same"
        for name, old, new in diffs:
            db.table("listing_history").insert(
                {"listing_key": key, "scan_id": scan_id, "at": at, "field": name, "old": old, "new": new}
            )
        table.update(key, record)
    if verdict.verdict in SUSPECT:
        _keep_evidence(db, scan_id, judged, at)
    result = Change(
        key,
        listing.store,
        listing.app_id,
        listing.title,
        listing.developer,
        verdict.brand,
        verdict.verdict,
        verdict.score,
        change,
    )
    if verdict.verdict in SUSPECT or change == "relisted":
        _finding(db, scan_id, result, stored_reasons, at)
    return result


def _finding(db: sqlite_utils.Database, scan_id: int, change: Change, reasons: str, at: str) -> None:
    db.table("findings").insert(
        {
            "scan_id": scan_id,
            "listing_key": change.key,
            "brand": change.brand,
            "verdict": change.verdict,
            "score": change.score,
            "reasons": reasons,
            "change": change.change,
            "at": at,
        }
    )


def _keep_evidence(db: sqlite_utils.Database, scan_id: int, judged: Judged, at: str) -> None:
    """Keep the raw store response and the icon of a suspect, once per distinct version."""
    listing = judged.listing
    if listing.raw:
        raw = listing.raw.encode("utf-8")
        db.table("listing_snapshots").insert(
            {
                "listing_key": listing.key,
                "scan_id": scan_id,
                "at": at,
                "kind": "search" if listing.partial else "details",
                "sha256": hashlib.sha256(raw).hexdigest(),
                "raw_gz": gzip.compress(raw, mtime=0),
            },
            ignore=True,
        )
    if judged.screenshots:
        keep_screenshots(db, listing.key, judged.screenshots, at)
    if judged.icon_bytes:
        db.table("listing_media").insert(
            {
                "listing_key": listing.key,
                "at": at,
                "kind": "icon",
                "url": listing.icon,
                "sha256": hashlib.sha256(judged.icon_bytes).hexdigest(),
                "content_type": judged.icon_type,
                "data": judged.icon_bytes,
            },
            ignore=True,
        )


def make_adapters(settings: Settings, stores: Sequence[str] | None = None) -> dict[str, StoreAdapter]:
    """The real store adapters, each with its own polite client pointed at the configured base URL."""
    from scanners.stores.app_store import AppStore
    from scanners.stores.google_play import GooglePlay
    from scanners.stores.http import PoliteClient

    s = settings.stores
    places = {
        "google_play": (s.google_play_url, s.google_play_rate),
        "app_store": (s.app_store_url, s.app_store_rate),
        "aptoide": (s.aptoide_url, s.aptoide_rate),
        "galaxy_store": (s.galaxy_store_url, s.galaxy_store_rate),
    }

    def client(store: str) -> PoliteClient:
        url, rate = places[store]
        return PoliteClient(store, url, rate=rate, timeout=s.timeout, retries=s.retries, backoff=s.backoff)

    adapters: dict[str, StoreAdapter] = {}
    if stores is None or "google_play" in stores:
        adapters["google_play"] = GooglePlay(client("google_play"))
    if stores is None or "app_store" in stores:
        adapters["app_store"] = AppStore(client("app_store"))
    if stores is None or "aptoide" in stores:
        from scanners.stores.aptoide import Aptoide

        adapters["aptoide"] = Aptoide(client("aptoide"))
    if stores is None or "galaxy_store" in stores:
        from scanners.stores.galaxy_store import GalaxyStore

        adapters["galaxy_store"] = GalaxyStore(client("galaxy_store"))
    return adapters
