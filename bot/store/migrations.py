"""The database schema as ordered migrations (``sqlite-utils migrate`` finds this file by its name).

Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("fakeapp")


@migrations()
def m001_scanning(db: Database) -> None:
    """Listings, their history and raw evidence, scan runs, findings, and the details cache."""
    db.table("scans").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | ok | degraded | failed
            "trigger": str,  # cli | cron | bot | demo | bench
            "summary": str,  # JSON
        },
        pk="id",
    )
    db.table("scan_stores").create(
        {
            "id": int,
            "scan_id": int,
            "brand": str,
            "store": str,
            "status": str,  # ok | degraded | broken
            "reason": str,
            "canary_ok": int,
            "requests": int,
            "candidates": int,
            "elapsed": float,
        },
        pk="id",
        foreign_keys=[("scan_id", "scans", "id")],
    )
    db.table("listings").create(
        {
            "key": str,  # store:app_id
            "store": str,
            "app_id": str,
            "brand": str,
            "title": str,
            "developer": str,
            "developer_id": str,
            "developer_email": str,
            "developer_website": str,
            "developer_legal_name": str,
            "developer_address": str,
            "developer_phone": str,
            "bundle_id": str,
            "description": str,
            "icon": str,
            "icon_hash": str,
            "url": str,
            "version": str,
            "updated": str,
            "installs": str,
            "genre": str,
            "screenshots": str,  # JSON list
            "verdict": str,
            "score": int,
            "reasons": str,  # JSON list of {code, points, zh, en}
            "first_seen": str,
            "last_seen": str,
            "present": int,  # 1 listed at the last scan that looked, 0 gone
            "removed_at": str,
        },
        pk="key",
    )
    db.table("listings").create_index(["brand", "verdict"])
    db.table("listing_history").create(
        {"id": int, "listing_key": str, "scan_id": int, "at": str, "field": str, "old": str, "new": str},
        pk="id",
        foreign_keys=[("listing_key", "listings", "key")],
    )
    db.table("listing_history").create_index(["listing_key"])
    db.table("listing_snapshots").create(
        {
            "id": int,
            "listing_key": str,
            "scan_id": int,
            "at": str,
            "kind": str,  # details | search
            "sha256": str,  # of the uncompressed response
            "raw_gz": bytes,
        },
        pk="id",
        foreign_keys=[("listing_key", "listings", "key")],
    )
    db.table("listing_snapshots").create_index(["listing_key", "sha256"], unique=True)
    db.table("listing_media").create(
        {
            "id": int,
            "listing_key": str,
            "at": str,
            "kind": str,  # icon | screenshot
            "url": str,
            "sha256": str,
            "content_type": str,
            "data": bytes,
        },
        pk="id",
        foreign_keys=[("listing_key", "listings", "key")],
    )
    db.table("listing_media").create_index(["listing_key", "sha256"], unique=True)
    db.table("findings").create(
        {
            "id": int,
            "scan_id": int,
            "listing_key": str,
            "brand": str,
            "verdict": str,
            "score": int,
            "reasons": str,
            "change": str,  # new | changed | same | vanished | relisted
            "at": str,
        },
        pk="id",
        foreign_keys=[("scan_id", "scans", "id"), ("listing_key", "listings", "key")],
    )
    db.table("findings").create_index(["scan_id"])
    db.table("findings").create_index(["listing_key"])
    db.table("details_cache").create(
        {"key": str, "fingerprint": str, "listing": str, "fetched_at": float},
        pk="key",
    )


@migrations()
def m002_cases(db: Database) -> None:
    """Cases and their timeline, the alert outbox, the access log, user preferences, allow-list overrides."""
    db.table("cases").create(
        {
            "id": int,
            "kind": str,  # listing | apk
            "listing_key": str,  # store:app_id (listing cases)
            "apk_sha256": str,  # (apk cases)
            "brand": str,
            "store": str,  # google_play | app_store | apk
            "app_id": str,  # package name / trackId / APK package
            "title": str,  # snapshot for display; the listing row is the source of truth
            "developer": str,
            "url": str,
            "verdict": str,  # impersonation | suspicious | (apk verdicts)
            "score": int,
            "reasons": str,  # JSON list of {code, points, zh, en}
            "state": str,  # new | confirmed | false_positive | resolved | relisted
            "takedown": str,  # none | requested | removed | rejected
            "takedown_at": str,
            "takedown_ref": str,
            "takedown_store": str,
            "police": str,  # none | reported
            "police_no": str,
            "police_agency": str,
            "police_at": str,
            "assignee": str,
            "listed": int,  # 1 while the app is listed (as last seen by a scan)
            "resolution": str,
            "opened_at": str,
            "updated_at": str,
            "closed_at": str,
            "scan_id": int,  # scan that opened it
        },
        pk="id",
    )
    db.table("cases").create_index(["listing_key"], unique=True)
    db.table("cases").create_index(["apk_sha256"], unique=True)
    db.table("cases").create_index(["state"])
    db.table("case_events").create(
        {
            "id": int,
            "case_id": int,
            "at": str,
            "actor": str,  # "tg:<id> @name" | "cli:<login>" | "scan" | "bot"
            "action": str,  # open | confirm | false_positive | takedown | removed | ...
            "field": str,  # state | takedown | police | assignee | note | listed | ...
            "old": str,
            "new": str,
            "reason": str,
            "scan_id": int,
        },
        pk="id",
        foreign_keys=[("case_id", "cases", "id")],
    )
    db.table("case_events").create_index(["case_id"])
    db.table("outbox").create(
        {
            "id": int,
            "created_at": str,
            "chat": str,  # a role name (security, frontline, ...) or a chat id
            # case_alert | case_edit | relisted | removed | reminder | store_status | notice | ...
            "kind": str,
            "method": str,  # sendMessage | editMessageText | sendDocument
            "case_id": int,
            "text": str,
            "reply_markup": str,  # JSON, or ""
            "document": bytes,
            "filename": str,
            "dedupe_key": str,  # unique when set: the same alert is never queued twice
            "status": str,  # pending | sending | sent | failed | superseded
            "attempts": int,
            "next_attempt_at": float,  # Unix time
            "claimed_by": str,  # host:pid of the delivering process
            "claimed_at": float,
            "last_error": str,
            "sent_at": str,
            "message_id": int,
            "chat_id": str,  # resolved chat id it was sent to
        },
        pk="id",
        defaults={"status": "pending", "attempts": 0, "next_attempt_at": 0.0},
    )
    db.table("outbox").create_index(["status", "next_attempt_at"])
    db.table("outbox").create_index(["dedupe_key"], unique=True)
    db.table("case_messages").create(
        {
            "id": int,
            "case_id": int,
            "chat_id": str,
            "message_id": int,
            "kind": str,  # alert | frontline | ...: which view of the case this message shows
            "at": str,
        },
        pk="id",
        foreign_keys=[("case_id", "cases", "id")],
    )
    db.table("case_messages").create_index(["case_id", "chat_id", "kind"], unique=True)
    db.table("access_log").create(
        {
            "id": int,
            "at": str,
            "user_id": int,
            "username": str,
            "chat_id": int,
            "kind": str,  # command | callback | message | document
            "detail": str,  # the command or callback data, truncated
            "allowed": int,
            "role": str,
        },
        pk="id",
    )
    db.table("access_log").create_index(["user_id", "at"])
    db.table("user_prefs").create({"user_id": int, "lang": str, "updated_at": str}, pk="user_id")
    db.table("allow_overrides").create(
        {
            "key": str,  # store:app_id
            "brand": str,
            "store": str,
            "app_id": str,
            "note": str,
            "actor": str,
            "at": str,
            "case_id": int,
        },
        pk="key",
    )


@migrations()
def m004_casework(db: Database) -> None:
    """Evidence packs generated and drafts prepared per case (chain of custody; kept across re-listings)."""
    db.table("evidence_packs").create(
        {
            "id": int,
            "case_id": int,
            "at": str,
            "actor": str,
            "filename": str,
            "zip_sha256": str,
            "manifest_sha256": str,
            "files": int,
        },
        pk="id",
        foreign_keys=[("case_id", "cases", "id")],
    )
    db.table("evidence_packs").create_index(["case_id"])
    db.table("case_drafts").create(
        {
            "id": int,
            "case_id": int,
            "at": str,
            "actor": str,
            "kind": str,  # play | apple | store | police | website
            "lang": str,
            "form": str,  # which channel the draft was written for (e.g. Play IP vs impersonation form)
            "forced": int,  # 1 when drafted despite an open takedown request
            "sha256": str,
            "text": str,
        },
        pk="id",
        foreign_keys=[("case_id", "cases", "id")],
    )
    db.table("case_drafts").create_index(["case_id"])


@migrations()
def m003_apk(db: Database) -> None:
    """APK analyses: one row per distinct file (SHA-256), so a file seen again is recognised."""
    db.table("apk_analyses").create(
        {
            "sha256": str,
            "first_seen": str,
            "last_seen": str,
            "times_seen": int,
            "source": str,  # URL or file name it first came from
            "sources": str,  # JSON list of every distinct source, oldest first (capped)
            "size": int,
            "package": str,
            "label": str,
            "version_code": int,
            "version_name": str,
            "verdict": str,
            "brand": str,
            "certificates": str,  # JSON list of signer certificates
            "report": str,  # JSON of the full report
        },
        pk="sha256",
    )
    db.table("apk_analyses").create_index(["package"])
    db.table("apk_analyses").create_index(["verdict"])


@migrations()
def m005_settings_overrides(db: Database) -> None:
    """Settings changed from the bot (``/settings``): the override in force per key, and every change made."""
    db.table("settings_overrides").create(
        {"key": str, "value": str, "changed_by": str, "changed_at": str},
        pk="key",
    )
    db.table("settings_history").create(
        {
            "id": int,
            "key": str,
            "old_value": str,
            "new_value": str,
            "action": str,  # set | reset
            "changed_by": str,
            "changed_at": str,
        },
        pk="id",
    )


@migrations()
def m010_aptoide_galaxy(db: Database) -> None:
    """Third-party Android stores: the listing's signing certificate (Aptoide's SHA-1 and owner DN), the user
    store that hosts it, and the APK its metadata points to."""
    table = db.table("listings")
    for column in ("cert_sha1", "cert_owner", "store_name", "apk_url", "apk_md5"):
        if column not in table.columns_dict:
            table.add_column(column, str)


@migrations()
def m011_links(db: Database) -> None:
    """Link traces (hops, pages with their raw HTML, artifacts with hashes, the site), small artifact files,
    page screenshots, the 165 list's rows, and the link cases' keys on ``cases``. Idempotent (a database that
    has it applied but not recorded is left as it is)."""
    db.table("traces").create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "trigger": str,  # cli | bot | feed | recheck
            "start_url": str,
            "final_url": str,
            "domain": str,
            "address": str,
            "stopped": str,
            "errors": str,  # JSON list
            "requests": int,
            "bytes_read": int,
            "elapsed": float,
            "site": str,  # JSON of the site verdict, or ""
            "screenshot_note": str,  # why there is no screenshot ("" when there is one)
        },
        pk="id",
        if_not_exists=True,
    )
    db.table("traces").create_index(["domain"], if_not_exists=True)
    db.table("trace_hops").create(
        {
            "id": int,
            "trace_id": int,
            "n": int,
            "url": str,
            "status": int,
            "kind": str,
            "next_url": str,
            "address": str,
            "content_type": str,
            "size": int,
            "sha256": str,
            "error": str,
        },
        pk="id",
        foreign_keys=[("trace_id", "traces", "id")],
        if_not_exists=True,
    )
    db.table("trace_hops").create_index(["trace_id"], if_not_exists=True)
    db.table("trace_pages").create(
        {
            "id": int,
            "trace_id": int,
            "n": int,
            "url": str,
            "status": int,
            "title": str,
            "size": int,
            "sha256": str,
            "truncated": int,
            "address": str,
            "brands": str,  # JSON list
            "html": bytes,  # the raw body as served (capped by the tracer)
        },
        pk="id",
        foreign_keys=[("trace_id", "traces", "id")],
        if_not_exists=True,
    )
    db.table("trace_pages").create_index(["trace_id"], if_not_exists=True)
    db.table("trace_artifacts").create(
        {
            "id": int,
            "trace_id": int,
            "key": str,  # Artifact.key: a file by hash, a store app by id, TestFlight by code
            "kind": str,
            "url": str,
            "verdict": str,
            "brand": str,
            "flagged": int,
            "reasons": str,  # JSON list of {code, points, zh, en}
            "facts": str,  # JSON
            "source": str,
            "via": str,
            "parent": str,
            "sha256": str,
            "size": int,
            "error": str,
            "detected_by": str,
        },
        pk="id",
        foreign_keys=[("trace_id", "traces", "id")],
        if_not_exists=True,
    )
    db.table("trace_artifacts").create_index(["trace_id"], if_not_exists=True)
    db.table("trace_artifacts").create_index(["key"], if_not_exists=True)
    db.table("artifact_files").create(
        {"sha256": str, "kind": str, "size": int, "first_seen": str, "data": bytes},
        pk="sha256",
        if_not_exists=True,
    )
    db.table("trace_screenshots").create(
        {"id": int, "trace_id": int, "url": str, "at": str, "sha256": str, "data": bytes, "tool": str},
        pk="id",
        foreign_keys=[("trace_id", "traces", "id")],
        if_not_exists=True,
    )
    db.table("trace_screenshots").create_index(["trace_id"], if_not_exists=True)
    db.table("feed_rows").create(
        {
            "key": str,  # Row.key: the same address in the same period is the same row
            "feed": str,  # 165
            "name": str,
            "url": str,
            "raw_url": str,
            "host": str,
            "count": int,
            "start": str,
            "end": str,
            "first_seen": str,
            "import_id": int,
            "brand": str,  # the brand it concerns, "" when none
            "match": str,  # JSON list of reasons
            "trace_id": int,
        },
        pk="key",
        if_not_exists=True,
    )
    db.table("feed_imports").create(
        {
            "id": int,
            "at": str,
            "feed": str,
            "source": str,
            "format": str,
            "rows": int,
            "new_rows": int,
            "matches": int,
            "errors": str,
        },
        pk="id",
        if_not_exists=True,
    )
    cases = db.table("cases")
    if "link_key" not in cases.columns_dict:
        cases.add_column("link_key", str)  # site:<domain> | <Artifact.key> (link cases)
    if "details" not in cases.columns_dict:
        cases.add_column("details", str)  # JSON facts for the card (domain, IP, team id, artifacts)
    db.table("cases").create_index(["link_key"], unique=True, if_not_exists=True)


@migrations()
def m012_operations(db: Database) -> None:
    """Operations (issue 14): kill switches, held alerts, the bot's heartbeat, and their audit trail
    (idempotent: applied again on a database that has its tables, it changes nothing)."""
    db.table("switches").create(
        {"name": str, "paused_by": str, "paused_at": str, "reason": str},  # all | alerts | frontline | ...
        pk="name",
        if_not_exists=True,
    )
    db.table("ops_audit").create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "action": str,  # pause | resume | hold | release | discard
            "target": str,  # a switch name, or "hold #N"
            "detail": str,
        },
        pk="id",
        if_not_exists=True,
    )
    db.table("holds").create(
        {
            "id": int,
            "created_at": str,
            "scan_id": int,
            "reasons": str,  # JSON list of {code, detail}: storm | official | store_jump
            "status": str,  # open | released | discarded
            "summary": str,  # JSON: counts by store, brand and verdict, examples
            "decided_by": str,
            "decided_at": str,
        },
        pk="id",
        if_not_exists=True,
    )
    db.table("hold_cases").create(
        {"hold_id": int, "case_id": int}, pk=("hold_id", "case_id"), if_not_exists=True
    )
    db.table("hold_cases").create_index(["case_id"], if_not_exists=True)
    db.table("heartbeats").create({"name": str, "at": str, "detail": str}, pk="name", if_not_exists=True)
    db.table("official_seen").create({"key": str, "brand": str, "at": str}, pk="key", if_not_exists=True)
    # Held messages: status 'held', with the hold they wait on (NULL: held by a kill switch).
    outbox = db.table("outbox")
    for column, kind in (("hold_id", int), ("held_reason", str)):
        if column not in outbox.columns_dict:
            outbox.add_column(column, kind)
