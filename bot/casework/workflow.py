"""Casework glue shared by the CLI and the bot: drafts for a case (recorded, refusing duplicate takedowns),
the website warning over a brand's current fakes, and reminder drafts.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

import sqlite_utils

from bot.cases.actions import get_case
from bot.cases.model import Actor, CaseError, cli_actor
from bot.casework.casefacts import CaseFacts, load_case_facts
from bot.casework.drafts import KINDS, TAKEDOWN_KINDS, Draft, DraftError, make_draft, play_form
from bot.casework.evidence import evidence_items
from bot.core.clock import now_iso
from bot.core.i18n import t
from bot.outbox import queue as outbox
from bot.store.db import insert_row, transaction
from scanners.profile import Profile

# Draft kinds that fit each store, in the order offered with a reminder.
STORE_DRAFTS = {
    "google_play": "play",
    "app_store": "apple",
    "aptoide": "aptoide",
    "galaxy_store": "galaxy",
    "apk": "store",
}


def case_facts(db: sqlite_utils.Database, case_id: int) -> CaseFacts:
    """A case's facts with the evidence list (names and SHA-256 as an evidence pack would hold them)."""
    get_case(db, case_id)  # CaseError for a missing case
    return load_case_facts(db, case_id, evidence=evidence_items(db, case_id))


def current_fakes(db: sqlite_utils.Database, brand_id: str) -> list[CaseFacts]:
    """Confirmed (or re-listed) cases of a brand whose app is still out there, oldest first."""
    ids = [
        int(r["id"])
        for r in db.query(
            "SELECT id FROM cases WHERE brand = ? AND state IN ('confirmed', 'relisted')"
            " AND (listed = 1 OR kind = 'apk') ORDER BY id",
            [brand_id],
        )
    ]
    return [load_case_facts(db, i) for i in ids]


def draft_for_case(
    db: sqlite_utils.Database,
    profile: Profile,
    case_id: int,
    kind: str,
    lang: str = "zh",
    *,
    force: bool = False,
    actor: Actor | None = None,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> Draft:
    """Make the draft and record it on the case (``case_drafts``). Raises DraftError / CaseError."""
    if kind not in KINDS:
        raise DraftError(f"unknown draft kind {kind!r} ({', '.join(KINDS)})")
    facts = case_facts(db, case_id)
    brand = profile.brand(facts.brand_id)
    current = current_fakes(db, brand.id) if kind == "website" else None
    # Asked about a case not yet confirmed: it is one of the fakes all the same.
    open_here = facts.state not in ("false_positive", "resolved") and bool(facts.listed or facts.apk)
    if current is not None and open_here and facts.case_id not in {c.case_id for c in current}:
        current.insert(0, facts)
    draft = make_draft(kind, facts, brand, lang, force=force, current=current, tz=tz)
    forced = bool(force and kind in TAKEDOWN_KINDS and facts.open_takedown() is not None)
    form = play_form(facts)[0] if kind == "play" else kind
    text = draft.text()
    with transaction(db):
        insert_row(
            db,
            "case_drafts",
            {
                "case_id": case_id,
                "at": now_iso(now),
                "actor": (actor or cli_actor()).label,
                "kind": kind,
                "lang": lang,
                "form": form,
                "forced": int(forced),
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "text": text,
            },
        )
    return draft


def earlier_drafts(db: sqlite_utils.Database, case_id: int) -> list[dict[str, Any]]:
    """Drafts prepared for a case so far (a re-listed app keeps its case, so these carry forward)."""
    return [
        dict(r)
        for r in db.query(
            "SELECT id, at, actor, kind, lang, form, forced, sha256 FROM case_drafts"
            " WHERE case_id = ? ORDER BY id",
            [case_id],
        )
    ]


def enqueue_reminder_drafts(
    db: sqlite_utils.Database,
    profile: Profile,
    case_ids: Iterable[int] = (),
    *,
    now: datetime | None = None,
    limit: int = 200,
    tz: tzinfo | None = None,
) -> list[int]:
    """Give every takedown reminder its draft, ready to re-send, as a text file queued right behind it.

    Looks for every reminder row that has no draft yet (keyed on the reminder's own dedupe key), so reminders
    queued by the scan or by the bot's hourly reminder job all get one, once; ``case_ids`` (the reminders
    just queued) is accepted for the caller's convenience and adds nothing.
    """
    del case_ids
    queued: list[int] = []
    rows = list(
        db.query(
            "SELECT r.case_id, r.dedupe_key FROM outbox r"
            " WHERE r.kind = 'reminder' AND r.dedupe_key IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM outbox d WHERE d.dedupe_key = r.dedupe_key || ':draft')"
            " ORDER BY r.id DESC LIMIT ?",
            [limit],
        )
    )
    for row in rows:
        cid = int(row["case_id"])
        case = get_case(db, cid)
        kind = STORE_DRAFTS.get(case.store, "store")
        try:
            facts = case_facts(db, cid)
            if facts.link is not None:  # a link case: its first takedown route (hosting, Apple, store)
                from bot.casework.link_drafts import kinds_for

                kind = kinds_for(facts)[0]
            draft = make_draft(kind, facts, profile.brand(case.brand), "zh", force=True, tz=tz)
        except (DraftError, CaseError, ValueError) as exc:
            # A reminder without a draft is still a reminder; say why in the log, not in the chat.
            logging.getLogger(__name__).warning("reminder draft for case %s: %s", cid, exc)
            continue
        queued += outbox.enqueue(
            db,
            outbox.SECURITY,
            t("zh", "draft.resend_caption", id=cid, kind=kind),
            kind="reminder_draft",
            case_id=cid,
            method="sendDocument",
            document=draft.text().encode("utf-8"),
            filename=f"draft-case{cid}-{kind}.txt",
            dedupe_key=f"{row['dedupe_key']}:draft",
            now=now,
        )
    return queued
