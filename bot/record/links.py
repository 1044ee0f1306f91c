"""Link traces in SQLite: every hop, page (with its raw HTML), artifact (with its hashes; small files kept
whole) and the site (domain and IP), plus a screenshot of the landing page; and the tracer as the
application wires it (real store adapters, the APK check, APK analyses kept by file hash).

Used by ``fakeapp link``, ``fakeapp feed 165``, the bot and the scheduled re-checks.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from bot.core.clock import now_iso
from bot.core.linksafe import redact_userinfo as _r
from bot.store.db import insert_row, transaction
from scanners.judging.reason import reasons_json

if TYPE_CHECKING:
    from bot.core.settings import Settings
    from scanners.judging.names import PreparedBrand
    from scanners.links.trace import TraceResult
    from scanners.profile import Profile

# Artifact files up to this size are kept whole in the database (manifests, profiles, most fake APKs and
# IPAs); larger ones are kept by hash and size only, and the evidence pack says so.
KEEP_FILE_MAX = 16 * 1024 * 1024
FILE_KINDS = ("apk", "ipa", "mobileconfig")


@dataclass
class Tracer:
    """One configured tracer: ``run(url)`` traces with its own time and byte budget; the APK reports made
    during the last run are in ``apk_reports`` (by SHA-256) so they can be stored with the trace."""

    brands: list[PreparedBrand]
    run: Callable[..., TraceResult]
    apk_reports: dict[str, Any] = field(default_factory=dict)


def make_tracer(
    settings: Settings,
    profile: Profile,
    *,
    brand_id: str | None = None,
    allow_private: bool = False,
    deadline: float = 180.0,
) -> Tracer:
    """The tracer with the real store adapters and the APK check, for the brands of ``profile``."""
    from bot.record.scan import make_adapters, prepare_profile
    from scanners.apk.verdict import analyse_apk
    from scanners.links.fetch import Fetcher
    from scanners.links.stores import store_judge
    from scanners.links.trace import trace

    brands = prepare_profile(profile)
    if brand_id:
        profile.brand(brand_id)  # raises ProfileError naming the known ids
        brands = [b for b in brands if b.brand.id == brand_id]
    judge = store_judge(make_adapters(settings), brands)
    testflight = settings.stores.testflight_url
    tracer = Tracer(brands=brands, run=lambda *a, **k: None)  # type: ignore[arg-type]

    def analyser(path: Path, name: str) -> Any:
        report = analyse_apk(path, brands, display_name=name)
        if getattr(report, "sha256", ""):
            tracer.apk_reports[report.sha256] = report
        return report

    def run(url: str, keep_dir: Path | None = None) -> TraceResult:
        tracer.apk_reports.clear()
        return trace(
            url,
            Fetcher(allow_private=allow_private, deadline=deadline),
            brands,
            store_judge=judge,
            apk_analyser=analyser,
            testflight_base=testflight,
            keep_dir=keep_dir,
        )

    tracer.run = run
    return tracer


def _j(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def record_trace(
    db: sqlite_utils.Database,
    result: TraceResult,
    *,
    actor: str,
    trigger: str,
    apk_reports: dict[str, Any] | None = None,
    screenshot: Callable[..., Any] | None = None,
    now: str | None = None,
) -> int:
    """Store the whole trace; returns its id. APK analyses go to ``apk_analyses`` (one row per file hash),
    artifact files up to ``KEEP_FILE_MAX`` to ``artifact_files`` (read from ``artifact.path``, so trace with
    ``keep_dir``). ``screenshot(url, address=...)`` -> ``Shot`` is called for the landing page when the site
    or an artifact is flagged (the recorded URL only, pinned to the address the trace recorded)."""
    at = now or now_iso()
    site = result.site
    shot = None
    note = ""
    target = _screenshot_target(result)
    if target and (result.flagged or (site is not None and site.flagged)):
        if screenshot is None:
            note = "no screenshot taken (screenshots are off for this run)"
        else:
            address = next((p.address for p in result.pages if p.url == target and p.address), "")
            shot = screenshot(target, address=address or (site.address if site else ""))
            note = shot.note if not shot.data else ""
    elif target:
        note = "no screenshot taken (nothing flagged)"
    with transaction(db):
        trace_id = insert_row(
            db,
            "traces",
            {
                "at": at,
                "actor": actor,
                "trigger": trigger,
                "start_url": _r(result.start_url),
                "final_url": _r(result.final_url),
                "domain": site.domain if site else "",
                "address": site.address if site else "",
                "stopped": result.stopped,
                "errors": _j(list(result.errors)),
                "requests": result.requests,
                "bytes_read": result.bytes_read,
                "elapsed": round(result.elapsed, 3),
                "site": _j(site.to_dict()) if site else "",
                "screenshot_note": note,
            },
        )
        for n, h in enumerate(result.hops, 1):
            hop = h.to_dict()
            hop["url"], hop["next_url"] = _r(hop["url"]), _r(hop["next_url"])
            insert_row(db, "trace_hops", {"trace_id": trace_id, "n": n, **hop})
        for n, p in enumerate(result.pages, 1):
            d = p.to_dict()
            d["brands"] = _j(d["brands"])
            d["truncated"] = int(bool(d["truncated"]))
            d["url"] = _r(d["url"])
            insert_row(db, "trace_pages", {"trace_id": trace_id, "n": n, **d, "html": bytes(p.html)})
        for a in result.artifacts:
            insert_row(
                db,
                "trace_artifacts",
                {
                    "trace_id": trace_id,
                    "key": a.key,
                    "kind": a.kind,
                    "url": _r(a.url),
                    "verdict": a.verdict,
                    "brand": a.brand,
                    "flagged": int(a.flagged),
                    "reasons": reasons_json(a.reasons),
                    "facts": _j(a.facts),
                    "source": _r(a.source),
                    "via": a.via,
                    "parent": _r(a.parent),
                    "sha256": a.sha256,
                    "size": a.size,
                    "error": a.error,
                    "detected_by": a.detected_by,
                },
            )
            _keep_file(db, a, at)
        if shot is not None and shot.data:
            import hashlib

            insert_row(
                db,
                "trace_screenshots",
                {
                    "trace_id": trace_id,
                    "url": _r(shot.url),
                    "at": at,
                    "sha256": hashlib.sha256(shot.data).hexdigest(),
                    "data": shot.data,
                    "tool": Path(shot.tool).name,
                },
            )
    if apk_reports:
        from bot.record.apk_store import store_report

        by_sha = {a.sha256: a for a in result.artifacts if a.kind == "apk" and a.sha256}
        for sha, report in apk_reports.items():
            if sha in by_sha:
                store_report(db, report, by_sha[sha].url, now=at)
    return trace_id


def _screenshot_target(result: TraceResult) -> str:
    """The page to photograph: the last page the trace landed on (where the artifacts are offered)."""
    sources = [a.source for a in result.artifacts if a.source]
    if sources:
        return sources[0]
    if result.pages:
        return result.pages[-1].url
    return ""


def _keep_file(db: sqlite_utils.Database, a: Any, at: str) -> None:
    if a.kind not in FILE_KINDS or not a.sha256 or a.path is None:
        return
    p = Path(a.path)
    try:
        size = p.stat().st_size
    except OSError:
        return
    if size > KEEP_FILE_MAX:
        return
    db.execute(
        "INSERT OR IGNORE INTO artifact_files (sha256, kind, size, first_seen, data) VALUES (?, ?, ?, ?, ?)",
        [a.sha256, a.kind, size, at, p.read_bytes()],
    )


def trace_and_record(
    db: sqlite_utils.Database,
    tracer: Tracer,
    url: str,
    *,
    actor: str,
    trigger: str,
    screenshot: Callable[..., Any] | None = None,
    keep_dir: Path | None = None,
) -> tuple[int, TraceResult]:
    """Trace ``url`` (files kept in ``keep_dir``, else in a throwaway folder while recording), store it;
    returns (trace id, result)."""
    with tempfile.TemporaryDirectory(prefix="fakeapp-trace-") as tmp:
        result = tracer.run(url, keep_dir or Path(tmp))
        trace_id = record_trace(
            db,
            result,
            actor=actor,
            trigger=trigger,
            apk_reports=dict(tracer.apk_reports),
            screenshot=screenshot,
        )
    return trace_id, result


# --- reading back ---------------------------------------------------------------------------------------


def trace_row(db: sqlite_utils.Database, trace_id: int) -> dict[str, Any] | None:
    """The stored trace with this id; None when there is none."""
    rows = [dict(r) for r in db.query("SELECT * FROM traces WHERE id = ?", [trace_id])]
    return rows[0] if rows else None


def hops(db: sqlite_utils.Database, trace_id: int) -> list[dict[str, Any]]:
    """A trace's hops, in the order they were made."""
    return [dict(r) for r in db.query("SELECT * FROM trace_hops WHERE trace_id = ? ORDER BY n", [trace_id])]


def pages(db: sqlite_utils.Database, trace_id: int) -> list[dict[str, Any]]:
    """The pages a trace fetched, in the order they were read."""
    return [dict(r) for r in db.query("SELECT * FROM trace_pages WHERE trace_id = ? ORDER BY n", [trace_id])]


def artifacts(db: sqlite_utils.Database, trace_id: int) -> list[dict[str, Any]]:
    """A trace's artifacts, their reasons and facts parsed (empty when unreadable)."""
    out = []
    for r in db.query("SELECT * FROM trace_artifacts WHERE trace_id = ? ORDER BY id", [trace_id]):
        d = dict(r)
        for k in ("reasons", "facts"):
            try:
                d[k] = json.loads(d[k] or ("[]" if k == "reasons" else "{}"))
            except ValueError:
                d[k] = [] if k == "reasons" else {}
        out.append(d)
    return out


def screenshots(db: sqlite_utils.Database, trace_id: int) -> list[dict[str, Any]]:
    """The screenshots taken during a trace, oldest first."""
    return [
        dict(r)
        for r in db.query("SELECT * FROM trace_screenshots WHERE trace_id = ? ORDER BY id", [trace_id])
    ]


def artifact_file(db: sqlite_utils.Database, sha256: str) -> bytes | None:
    """The bytes of a kept artifact file, by its SHA-256; None when it was not kept."""
    rows = list(db.query("SELECT data FROM artifact_files WHERE sha256 = ?", [sha256]))
    return bytes(rows[0]["data"]) if rows else None


def traces_for_case(db: sqlite_utils.Database, case_id: int) -> list[int]:
    """The traces that found this link case's site or artifact, oldest first (from its details)."""
    rows = list(db.query("SELECT details FROM cases WHERE id = ?", [case_id]))
    if not rows:
        return []
    try:
        details = json.loads(rows[0]["details"] or "{}")
    except ValueError:
        return []
    ids = details.get("traces") or []
    return [int(i) for i in ids if isinstance(i, int)]
