"""Links sent in chat: trace them in the background (on the bot's bounded analysis pool, with a database
connection of their own, off the event loop), record the trace, open the cases, and reply with what was
found in the analyst's language (labels, never codes); the cases' cards go out through the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.core.i18n import t

log = logging.getLogger(__name__)

BOT_DEADLINE = 120.0
MAX_REPLY_ARTIFACTS = 12


def _label(lang: str, prefix: str, value: str) -> str:
    from bot.alerts.render import esc

    out = t(lang, f"{prefix}.{value}")
    return out if out != f"{prefix}.{value}" else esc(value)


def reply_text(summary: dict[str, Any], lang: str) -> str:
    """The reply to a traced link (HTML; every value from the page escaped)."""
    from bot.alerts.render import esc

    if not summary["artifacts"] and not summary.get("pages") and summary.get("first_error"):
        return t(lang, "link.unreachable", why=esc(summary["first_error"][:200]))
    lines = [
        t(
            lang,
            "link.result",
            hops=summary["hops"],
            n=len(summary["artifacts"]),
            flagged=sum(1 for a in summary["artifacts"] if a["flagged"]),
        )
    ]
    site = summary.get("site")
    if site:
        lines.append(
            t(
                lang,
                "link.site",
                domain=esc(site["domain"]),
                address=esc(site["address"] or "—"),
                verdict=_label(lang, "verdict", site["verdict"]),
            )
        )
    for a in summary["artifacts"][:MAX_REPLY_ARTIFACTS]:
        line = t(
            lang,
            "link.artifact",
            kind=_label(lang, "store", a["kind"]),
            verdict=_label(lang, "verdict", a["verdict"]),
        )
        extra = []
        if a.get("team_id"):
            extra.append(f"{t(lang, 'card.team')} <code>{esc(str(a['team_id'])[:20])}</code>")
        if a.get("distribution"):
            extra.append(_label(lang, "dist", str(a["distribution"])))
        if extra:
            line += f"（{'，'.join(extra)}）" if lang == "zh" else f" ({', '.join(extra)})"
        lines.append(line)
    if len(summary["artifacts"]) > MAX_REPLY_ARTIFACTS:
        lines.append(f"• … +{len(summary['artifacts']) - MAX_REPLY_ARTIFACTS}")
    sep = "、" if lang == "zh" else ", "
    if summary["opened"]:
        lines.append(t(lang, "link.cases", ids=sep.join(f"#{i}" for i in summary["opened"])))
    if summary["existing"]:
        lines.append(t(lang, "link.existing", ids=sep.join(f"#{i}" for i in summary["existing"])))
    if not summary["opened"] and not summary["existing"]:
        lines.append(t(lang, "link.nothing"))
    if summary["stopped"]:
        lines.append(t(lang, "link.stopped"))
    if summary["errors"]:
        lines.append(t(lang, "link.problems", n=summary["errors"]))
    return "\n".join(lines)


def trace_in_thread(settings: Any, url: str, actor: Any, allow_private: bool) -> dict[str, Any]:
    """Trace, record and open cases with a database connection of this thread; a plain summary back."""
    from bot.desk.cases import effective_profile
    from bot.desk.hooks import hooks_for
    from bot.desk.links import default_screenshot, trace_link
    from bot.record.links import make_tracer
    from bot.store.db import open_db
    from scanners.profile import load_profile

    db = open_db(settings.db_path)
    try:
        profile = effective_profile(db, load_profile(settings.config_path))
        tracer = make_tracer(settings, profile, allow_private=allow_private, deadline=BOT_DEADLINE)
        hooks = hooks_for(settings, profile)
        got = trace_link(
            db, tracer, url, actor=actor, trigger="bot", screenshot=default_screenshot(), hooks=hooks
        )
    finally:
        db.close()
    r = got.result
    return {
        "trace_id": got.trace_id,
        "hops": len(
            [h for h in r.hops if h.kind in ("http_redirect", "meta_refresh", "script_redirect", "page")]
        ),
        "site": (
            {"domain": r.site.domain, "address": r.site.address, "verdict": r.site.verdict}
            if r.site
            else None
        ),
        "artifacts": [
            {
                "kind": a.kind,
                "verdict": a.verdict,
                "flagged": a.flagged,
                "team_id": a.facts.get("team_id") or "",
                "distribution": a.facts.get("distribution") or "",
            }
            for a in r.artifacts
        ],
        "opened": got.cases.opened,
        "existing": got.cases.existing,
        "stopped": bool(r.stopped),
        "errors": len(r.errors),
        "pages": len(r.pages),
        "first_error": (r.errors[0] if r.errors else r.stopped) or "",
    }


async def trace_job(update: Update, context: ContextTypes.DEFAULT_TYPE, url: str, lang: str) -> None:
    """One link sent in chat, run by the bot's bounded analysis pool (``_start_analysis``): trace on a pool
    thread with its own database connection, then reply and deliver the new cases' cards."""
    from bot.alerts.render import esc
    from bot.telegram.delivery import kick_delivery
    from bot.telegram.desk import actor_of, desk_of, reply

    desk = desk_of(context)
    actor = actor_of(update)
    loop = asyncio.get_running_loop()
    try:
        summary = await loop.run_in_executor(
            desk.apk_pool, trace_in_thread, desk.settings, url, actor, desk.allow_private_urls
        )
    except Exception as exc:  # the link's fault or the network's: say it in one line, keep running
        log.warning("link trace failed: %s", type(exc).__name__)
        await reply(update, t(lang, "link.failed", msg=esc(str(exc)[:300])))
        return
    await reply(update, reply_text(summary, lang))
    kick_delivery(context.application)
