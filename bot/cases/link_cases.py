"""Cases from link traces: one per flagged artifact (keyed by ``Artifact.key``) and one per site (keyed by
``site:<domain>``), opened through the same machinery as listing and APK cases (``_open_case``: saved, and
published to the given hooks, in one transaction); and the re-check of open link cases by a later trace (gone,
still up, changed). The callers (``bot.desk.links``) pass the hooks that queue the cards.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from bot.cases.actions import _apply, _open_case, get_case
from bot.cases.events import Hooks
from bot.cases.model import SCAN_ACTOR, Actor, Case, Reason, State, reasons_json
from bot.core.linksafe import redact_userinfo as _r
from bot.store.db import transaction, update_row

SITE_STORE = "website"
STORE_KINDS = ("google_play", "app_store")
MAX_CARD_ARTIFACTS = 12
MAX_TRACES = 50
# Facts worth a line on the card and in drafts, per artifact kind.
DETAIL_KEYS = (
    "team_id",
    "team_name",
    "distribution",
    "bundle_id",
    "display_name",
    "version",
    "expires",
    "code",
    "app_name",
    "state",
    "package",
    "label",
    "version_name",
    "app_id",
    "signer",
    "title",
    "store",
)


@dataclass
class LinkCases:
    """What one trace did to the cases."""

    trace_id: int
    opened: list[int] = field(default_factory=list)
    existing: list[int] = field(default_factory=list)

    @property
    def all(self) -> list[int]:
        return self.opened + self.existing


def case_for_link(db: sqlite_utils.Database, link_key: str, sha256: str = "") -> Case | None:
    """The case of a link artifact or site (by its key, else by the APK's SHA-256); None when none."""
    rows = list(db.query("SELECT * FROM cases WHERE link_key = ?", [link_key]))
    if not rows and sha256:
        rows = list(db.query("SELECT * FROM cases WHERE apk_sha256 = ?", [sha256]))
    return Case.from_row(rows[0]) if rows else None


def details_of(case: Case) -> dict[str, Any]:
    """A link case's ``details`` JSON as a dict; {} when it is missing or unreadable."""
    try:
        d = json.loads(case.details or "{}")
    except ValueError:
        return {}
    return d if isinstance(d, dict) else {}


def _score(reasons: Sequence[Reason]) -> int:
    """A link case's score: its reasons' points, between 0 and 100."""
    return max(0, min(100, sum(r.points for r in reasons)))


def _artifact_title(a: Any) -> str:
    f = a.facts
    for k in ("display_name", "app_name", "label", "title", "bundle_id", "package", "code", "app_id"):
        v = f.get(k)
        if v:
            return str(v)
    return a.url


def _artifact_app_id(a: Any) -> str:
    f = a.facts
    for k in ("bundle_id", "package", "app_id", "code", "manifest_url"):
        v = f.get(k)
        if v:
            return str(v)
    return a.sha256[:16] if a.sha256 else ""


def _artifact_developer(a: Any) -> str:
    f = a.facts
    if f.get("team_name") or f.get("team_id"):
        return f"{f.get('team_name') or ''} ({f.get('team_id') or '?'})".strip()
    if f.get("signer"):
        return str(f["signer"])
    return ""


def artifact_summary(a: Any) -> dict[str, Any]:
    """The few facts of an artifact a person reads on a card (plain JSON)."""
    out: dict[str, Any] = {
        "kind": a.kind,
        "url": _r(a.url),
        "verdict": a.verdict,
        "flagged": bool(a.flagged),
        "sha256": a.sha256,
        "size": a.size,
    }
    for k in DETAIL_KEYS:
        v = a.facts.get(k)
        if v not in (None, "", [], {}):
            out[k] = v if isinstance(v, (str, int, float, bool)) else str(v)
    return out


def _add_trace(db: sqlite_utils.Database, case: Case, trace_id: int, extra: Mapping[str, Any]) -> None:
    d = details_of(case)
    traces = [t for t in d.get("traces") or [] if isinstance(t, int)]
    if trace_id not in traces:
        traces = ([*traces, trace_id])[-MAX_TRACES:]
    d.update(extra)
    d["traces"] = traces
    update_row(db, "cases", "id", case.id, {"details": json.dumps(d, ensure_ascii=False, default=str)})


def open_link_cases(
    db: sqlite_utils.Database,
    trace_id: int,
    result: Any,
    *,
    actor: Actor,
    now: datetime | None = None,
    hooks: Hooks = (),
) -> LinkCases:
    """Open (or find) the cases for a recorded trace: each flagged artifact, and the site when it is flagged
    or distributes a flagged artifact from a domain that is not official."""
    out = LinkCases(trace_id)
    site = result.site
    domain = site.domain if site else ""
    address = site.address if site else ""
    seen: set[str] = set()
    with transaction(db):
        for a in result.artifacts:
            if not a.flagged or a.key in seen:
                continue
            seen.add(a.key)
            summary = artifact_summary(a)
            base = {
                **summary,
                "source": _r(a.source),
                "via": a.via,
                "parent": _r(a.parent),
                "domain": domain,
                "address": address,
                "start_url": _r(result.start_url),
            }
            sha = a.sha256 if a.kind == "apk" else ""
            existing = case_for_link(db, a.key, sha)
            if existing is not None:
                _add_trace(db, existing, trace_id, {"last_url": _r(a.url)})
                out.existing.append(existing.id)
                continue
            case = _open_case(
                db,
                hooks,
                {
                    "kind": "link",
                    "link_key": a.key,
                    "apk_sha256": sha or None,
                    "brand": a.brand or (site.brand if site else ""),
                    "store": a.kind,
                    "app_id": _artifact_app_id(a),
                    "title": _artifact_title(a),
                    "developer": _artifact_developer(a),
                    "url": _r(a.url),
                    "verdict": a.verdict,
                    "score": _score(a.reasons),
                    "reasons": reasons_json(a.reasons),
                    "listed": 1,
                    "details": json.dumps({**base, "traces": [trace_id]}, ensure_ascii=False, default=str),
                },
                actor,
                reason=f"{a.kind} {a.verdict} ({_r(result.start_url)[:200]})",
                scan_id=None,
                now=now,
            )
            out.opened.append(case.id)
        flagged_any = bool(seen)
        if site is not None and domain and (site.flagged or (flagged_any and not site.official_domain)):
            title = next((p.title for p in reversed(result.pages) if p.title), "") or domain
            details = {
                "domain": domain,
                "address": address,
                "start_url": _r(result.start_url),
                "final_url": _r(result.final_url),
                "names_brand": site.names_brand,
                "artifacts": [artifact_summary(a) for a in result.artifacts][:MAX_CARD_ARTIFACTS],
                "artifact_count": len(result.artifacts),
                "hops": [_r(h.url) for h in result.hops][:20],
            }
            key = f"site:{domain}"
            existing = case_for_link(db, key)
            if existing is not None:
                _add_trace(db, existing, trace_id, {k: details[k] for k in ("artifacts", "artifact_count")})
                out.existing.append(existing.id)
            else:
                reasons = site.reasons
                case = _open_case(
                    db,
                    hooks,
                    {
                        "kind": "site",
                        "link_key": key,
                        "brand": site.brand or next((a.brand for a in result.artifacts if a.brand), ""),
                        "store": SITE_STORE,
                        "app_id": domain,
                        "title": title,
                        "developer": "",
                        "url": _r(site.url or result.final_url),
                        "verdict": site.verdict if site.flagged else "suspicious",
                        "score": _score(reasons),
                        "reasons": reasons_json(reasons),
                        "listed": 1,
                        "details": json.dumps({**details, "traces": [trace_id]}, ensure_ascii=False),
                    },
                    actor,
                    reason=f"site {domain} ({address or '?'})",
                    scan_id=None,
                    now=now,
                )
                out.opened.append(case.id)
    return out


# --- re-checks ----------------------------------------------------------------------------------------


@dataclass
class Recheck:
    """What re-tracing the open link cases found, by case id."""

    gone: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)  # gone after a takedown request: takedown verified
    still_up: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)  # a new version under the same URL (new case opened)
    back: list[int] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def open_link_case_ids(db: sqlite_utils.Database) -> list[Case]:
    """Open link cases (artifacts and sites), oldest first."""
    return [
        Case.from_row(r)
        for r in db.query(
            "SELECT * FROM cases WHERE kind IN ('link', 'site') AND state IN ('new', 'confirmed', 'relisted')"
            " ORDER BY id"
        )
    ]


def recheck_url(case: Case) -> str:
    """What to re-fetch: the link the case was found from (so the whole chain is followed again)."""
    d = details_of(case)
    return str(d.get("start_url") or case.url)  # as kept: without credentials


def apply_recheck(
    db: sqlite_utils.Database,
    case: Case,
    result: Any,
    trace_id: int,
    out: Recheck,
    *,
    now: datetime | None = None,
    hooks: Hooks = (),
) -> None:
    """Compare one open link case with a fresh trace of its link and record what changed (each change is
    published to ``hooks``: a verified takedown and a site back up get their own card)."""
    if case.kind == "site":
        domain = case.app_id
        reached = any(
            p.status and 200 <= p.status < 400 and _domain(p.url) == domain for p in result.pages
        ) or bool(result.site and result.site.domain == domain and result.pages)
        up = reached
        changed = False
    else:
        mine = [a for a in result.artifacts if a.key == case.link_key]
        # still served at the same link: a file that came back whole (a hash), anything else without error
        same_url = [
            a
            for a in result.artifacts
            if _r(a.url) == case.url
            and a.kind == case.store
            and not a.error
            and (a.sha256 or case.store not in ("apk", "ipa", "mobileconfig"))
        ]
        up = bool(mine) or bool(same_url)
        changed = not mine and bool(same_url) and case.store in ("apk", "ipa", "mobileconfig")
        if case.store in STORE_KINDS:
            # a store app is taken down in the store: only the store's answer says it is gone; a page that
            # no longer links to it, or a store that cannot be read, proves nothing
            if not mine or any(a.error for a in mine):
                if any(a.error for a in mine):
                    out.errors.append(f"case #{case.id}: the store could not be read")
                with transaction(db):
                    _add_trace(db, case, trace_id, {"last_checked": trace_id})
                return
            up = not any(a.facts.get("listed") is False for a in mine)
    with transaction(db):
        _add_trace(db, case, trace_id, {"last_checked": trace_id})
        case = get_case(db, case.id)
        if not up and case.listed:
            changes: dict[str, Any] = {"listed": False}
            if case.takedown == "requested":
                changes["takedown"] = "removed"
                _apply(
                    db, hooks, case, SCAN_ACTOR, "removed", changes,
                    reason="gone at re-check", now=now, trace_id=trace_id,
                )  # fmt: skip
                out.removed.append(case.id)
            else:
                _apply(
                    db, hooks, case, SCAN_ACTOR, "vanished", changes,
                    reason="gone at re-check", now=now, trace_id=trace_id,
                )  # fmt: skip
                out.gone.append(case.id)
            return
        if up and not case.listed:
            changes = {"listed": True}
            if case.takedown == "removed" or case.state == State.RESOLVED:
                changes.update({"state": State.RELISTED, "closed_at": ""})
                if case.takedown == "removed":
                    changes["takedown"] = "none"
                _apply(
                    db, hooks, case, SCAN_ACTOR, "relisted", changes,
                    reason="up again", now=now, trace_id=trace_id,
                )  # fmt: skip
            else:
                _apply(
                    db, hooks, case, SCAN_ACTOR, "reappeared", changes,
                    reason="up again", now=now, trace_id=trace_id,
                )  # fmt: skip
            out.back.append(case.id)
            return
        if changed:
            new = [a.sha256[:16] for a in result.artifacts if _r(a.url) == case.url and a.sha256]
            _apply(
                db,
                hooks,
                case,
                SCAN_ACTOR,
                "changed",
                {},
                reason=f"new version at the same link: SHA-256 {', '.join(new)}",
                now=now,
                trace_id=trace_id,
            )
            out.changed.append(case.id)
            return
        if up:
            out.still_up.append(case.id)


def _domain(url: str) -> str:
    from scanners.judging.normalize import domain_of

    return domain_of(url)
