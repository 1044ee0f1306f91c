"""Links end to end, shared by ``fakeapp link``, ``fakeapp feed 165``, ``fakeapp scan`` and the bot: trace a
link, record the trace (with a screenshot of the landing page), open its cases; import the 165 list (new rows
only, tracing only the brand's); re-check the open link cases (gone, still up, changed). Every case change
goes through the hooks the caller gives (``bot.desk.hooks.hooks_for``: cards, edits, front-line notices).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.cases.events import Hooks
from bot.cases.link_cases import LinkCases, Recheck, apply_recheck, open_link_cases, recheck_url
from bot.cases.link_cases import open_link_case_ids as open_link_cases_now
from bot.cases.model import SCAN_ACTOR, Actor
from bot.core.settings import Settings
from bot.desk.hooks import hooks_for
from bot.record import feeds as feed_store
from bot.record.links import Tracer, make_tracer, trace_and_record
from scanners.profile import Profile

log = logging.getLogger(__name__)

FEED_DEADLINE = 120.0


class FeedReadError(ValueError):
    """The list cannot be read (missing file, refused or failed download, not a 165 list); one line."""


@dataclass
class LinkOutcome:
    """What tracing one link gave: the stored trace's id, the trace, and its cases."""

    trace_id: int
    result: Any  # TraceResult
    cases: LinkCases


def default_screenshot() -> Callable[..., Any] | None:
    """Chromium screenshots unless ``FAKEAPP_CHROMIUM=off``; a missing Chromium is recorded as such."""
    from bot.record.page_screenshot import chromium_binary, take_screenshot

    if chromium_binary() is None:
        import os

        if (os.environ.get("FAKEAPP_CHROMIUM") or "").strip().lower() in ("off", "none", "0", "no"):
            return None
    return take_screenshot


def trace_link(
    db: sqlite_utils.Database,
    tracer: Tracer,
    url: str,
    *,
    actor: Actor,
    trigger: str,
    screenshot: Callable[..., Any] | None = None,
    keep_dir: Path | None = None,
    hooks: Hooks,
) -> LinkOutcome:
    """Trace ``url``, keep the whole trace, open (or find) its cases and queue their alerts through ``hooks``
    (``bot.desk.hooks.hooks_for``: the caller's brand profile, zone and front-line chat)."""
    trace_id, result = trace_and_record(
        db, tracer, url, actor=actor.label, trigger=trigger, screenshot=screenshot, keep_dir=keep_dir
    )
    cases = open_link_cases(db, trace_id, result, actor=actor, hooks=hooks)
    return LinkOutcome(trace_id, result, cases)


def read_feed(target: str, *, allow_private: bool = False) -> bytes:
    """The list's bytes from a file or an http(s) link (bounded)."""
    from scanners.feeds.f165 import MAX_FEED
    from scanners.links.fetch import Fetcher, FetchError, fetch_bytes

    if target.lower().startswith(("http://", "https://")):
        try:
            return fetch_bytes(
                Fetcher(allow_private=allow_private, deadline=FEED_DEADLINE), target, max_bytes=MAX_FEED
            )
        except FetchError as exc:
            raise FeedReadError(f"cannot fetch the list: {exc}") from None
    p = Path(target)
    try:
        if p.stat().st_size > MAX_FEED:
            raise FeedReadError(f"{p}: larger than {MAX_FEED:,} bytes")
        return p.read_bytes()
    except OSError as exc:
        raise FeedReadError(f"{p}: cannot read: {exc.strerror or exc}") from None


@dataclass
class FeedOutcome:
    """What an import of the 165 list gave: the list, the rows that concern a brand, and the traces."""

    feed: Any  # Feed
    matches: list[Any]  # every row that concerns a brand (FeedMatch)
    imported: feed_store.Imported
    traced: list[tuple[Any, LinkOutcome]] = field(default_factory=list)  # (FeedMatch, outcome)


def import_165(
    db: sqlite_utils.Database,
    data: bytes,
    tracer: Tracer,
    *,
    actor: Actor,
    source: str = "",
    trace: bool = True,
    screenshot: Callable[..., Any] | None = None,
    hooks: Hooks,
) -> FeedOutcome:
    """Keep the list's new rows; trace only the rows that concern a brand and were never traced (on a
    re-import: only the new ones) and open their cases."""
    from scanners.feeds.f165 import FeedError, match_feed, parse_165

    try:
        feed = parse_165(data)
    except FeedError as exc:
        raise FeedReadError(str(exc)) from None
    matches = match_feed(feed.rows, tracer.brands)
    imported = feed_store.store_feed(db, feed, matches, source=source)
    out = FeedOutcome(feed, list(matches), imported)
    if not trace:
        return out
    for m in imported.to_trace:
        got = trace_link(
            db, tracer, m.row.url, actor=actor, trigger="feed", screenshot=screenshot, hooks=hooks
        )
        feed_store.set_trace(db, m.row.key, got.trace_id)
        out.traced.append((m, got))
    return out


def recheck_links(
    db: sqlite_utils.Database,
    tracer: Tracer,
    *,
    screenshot: Callable[..., Any] | None = None,
    limit: int = 50,
    skip: frozenset[str] = frozenset(),
    hooks: Hooks,
) -> Recheck:
    """Re-trace the links of the open link cases (each link once) and record gone / up / changed; a new
    version (a new file hash under the same link) is analysed by the trace and opens its own case."""
    out = Recheck()
    by_url: dict[str, list[Any]] = {}
    for case in open_link_cases_now(db):
        url = recheck_url(case)
        if url not in skip:  # just traced in this run (the 165 import): not twice
            by_url.setdefault(url, []).append(case)
    for url, group in list(by_url.items())[:limit]:
        try:
            got = trace_link(
                db, tracer, url, actor=SCAN_ACTOR, trigger="recheck", screenshot=screenshot, hooks=hooks
            )
        except Exception as exc:  # one broken link must not stop the others; said loudly
            log.warning("re-check of %s failed: %s", url[:200], exc)
            out.errors.append(f"{url[:200]}: {exc}")
            continue
        out.opened += got.cases.opened
        if not got.result.pages and not got.result.artifacts and not _host_gone(got.result):
            # the trace could not start for a reason of ours (refused address, deadline, TLS): no evidence
            # either way; said, and the cases are left as they are
            out.errors.append(f"{url[:200]}: {got.result.stopped or '; '.join(got.result.errors)[:300]}")
            continue
        for case in group:
            apply_recheck(db, case, got.result, got.trace_id, out, hooks=hooks)
    return out


GONE_ERRORS = ("cannot resolve", "cannot connect")


def _host_gone(result: Any) -> bool:
    """The link's host no longer resolves or refuses connections: the site is gone (a takedown works so)."""
    first = result.hops[0] if result.hops else None
    text = (first.error if first is not None else "") or result.stopped
    return any(m in text for m in GONE_ERRORS)


def scheduled_links(
    db: sqlite_utils.Database,
    settings: Settings,
    profile: Profile,
    *,
    allow_private: bool = False,
    echo: Callable[[str], None] = lambda _line: None,
) -> dict[str, Any]:
    """What the cron scan and the bot's schedule do for links: import the 165 list when its URL is set,
    then re-check the open link cases. Failures are said, never read as "nothing found". With no list to
    import and no open link case there is nothing to do (and no tracer is built)."""
    url = settings.feed_165_url
    if not url and not open_link_cases_now(db):
        return {}
    tracer = make_tracer(settings, profile, allow_private=allow_private)
    hooks = hooks_for(settings, profile)
    shot = default_screenshot()
    summary: dict[str, Any] = {}
    traced_now: set[str] = set()
    if url:
        try:
            got = import_165(
                db,
                read_feed(url, allow_private=allow_private),
                tracer,
                actor=SCAN_ACTOR,
                source=url,
                screenshot=shot,
                hooks=hooks,
            )
            traced_now |= {m.row.url for m, _o in got.traced}
            summary["feed_165"] = {
                "rows": len(got.feed.rows),
                "new_rows": len(got.imported.new_keys),
                "traced": len(got.traced),
                "opened": sum(len(o.cases.opened) for _m, o in got.traced),
            }
            echo(
                f"165 list: {len(got.feed.rows)} rows, {len(got.imported.new_keys)} new, "
                f"{len(got.traced)} traced"
            )
        except FeedReadError as exc:
            summary["feed_165"] = {"error": str(exc)}
            echo(f"165 list: NOT imported: {exc}")
    rc = recheck_links(db, tracer, screenshot=shot, skip=frozenset(traced_now), hooks=hooks)
    summary["links"] = {
        "gone": len(rc.gone),
        "removed": len(rc.removed),
        "still_up": len(rc.still_up),
        "changed": len(rc.changed),
        "opened": len(rc.opened),
        "errors": rc.errors,
    }
    if rc.gone or rc.removed or rc.still_up or rc.changed or rc.errors:
        echo(
            f"Link re-checks: {len(rc.removed)} takedown(s) verified, {len(rc.gone)} gone, "
            f"{len(rc.still_up)} still up, {len(rc.changed)} changed, {len(rc.errors)} failed"
        )
    return summary
