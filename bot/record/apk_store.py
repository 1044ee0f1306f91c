"""Analyse an APK (file or link) and keep the analysis in SQLite, one row per file hash, so that the same
file is recognised when it comes back; used by ``fakeapp apk`` and by the Telegram bot.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union
from urllib.parse import unquote, urlsplit

from bot.core.clock import utc_now
from bot.core.linksafe import redact_userinfo
from bot.store.db import transaction
from scanners.apk.verdict import ApkReport, Sha256, analyse_apk, official_icon_hashes
from scanners.profile import Brand, Profile

if TYPE_CHECKING:
    from collections.abc import Sequence

    import requests
    import sqlite_utils

    from scanners.judging.names import PreparedBrand

# The bot passes its sqlite-utils Database, ``fakeapp apk`` a plain sqlite3 connection (App.connection: the
# command then never imports sqlite-utils); every query here is plain SQL on the underlying connection.
Db = Union["sqlite_utils.Database", sqlite3.Connection]

MAX_SOURCES = 20
# The download cap of scanners.apk.fetch (a test keeps them equal); fetch imports requests, which costs
# ~55 ms and ~9 MB at start, so it is imported only when the input is a link.
DEFAULT_MAX_SIZE = 200 * 1024 * 1024
USER_AGENT = "Mozilla/5.0 (Linux; Android 14) fakeapp-apk-check/0.1"


class ApkInputError(ValueError):
    """The file or link cannot be analysed (missing file, refused or failed download); one line."""


@dataclass(frozen=True)
class StoredAnalysis:
    """An APK analysis kept in the database: the file's hash, when and how often it was seen, from where."""

    sha256: str
    first_seen: str
    last_seen: str
    times_seen: int
    source: str
    sources: tuple[str, ...]


def is_url(text: str) -> bool:
    """Whether the text given as an APK is an http(s) link rather than a file."""
    return text.strip().lower().startswith(("http://", "https://"))


def profile_brands(profile: Profile, brand_id: str | None = None) -> list[Brand]:
    """The profile's brands, or one; ``analyse_apk`` prepares them for name matching only when needed."""
    return [profile.brand(brand_id)] if brand_id else list(profile.brands)


def prepared_brands(profile: Profile, brand_id: str | None = None) -> list[PreparedBrand]:
    """The brands prepared for matching up front, official icons hashed (for a process judging many APKs)."""
    from scanners.judging.names import prepare_brand

    return [prepare_brand(b, official_icon_hashes(b)) for b in profile_brands(profile, brand_id)]


def _conn(db: Db) -> sqlite3.Connection:
    return db if isinstance(db, sqlite3.Connection) else db.conn


def _has_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "select 1 from sqlite_master where type = 'table' and name = 'apk_analyses'"
    ).fetchone()
    return row is not None


def official_permissions(db: Db) -> dict[str, list[str]]:
    """Permissions of the newest known official build of each package (from earlier analyses)."""
    out: dict[str, list[str]] = {}
    conn = _conn(db)
    if not _has_table(conn):
        return out
    rows = conn.execute(
        "select package, report from apk_analyses where verdict = 'official' "
        "order by coalesce(version_code, 0), last_seen"
    ).fetchall()
    for package, report in rows:
        with contextlib.suppress(ValueError, TypeError):
            perms = json.loads(report).get("permissions")
            if isinstance(perms, list):
                out[package] = [str(p) for p in perms]
    return out


_ROW = "sha256, first_seen, last_seen, times_seen, source, sources"


def get_analysis(db: Db, sha256: str) -> StoredAnalysis | None:
    """The stored row of the file with this SHA-256, or None."""
    conn = _conn(db)
    if not _has_table(conn):
        return None
    found = conn.execute(f"select {_ROW} from apk_analyses where sha256 = ?", [sha256]).fetchone()  # noqa: S608 (constant)
    if found is None:
        return None
    r = dict(zip(_ROW.split(", "), found, strict=True))
    try:
        sources = tuple(json.loads(r["sources"] or "[]"))
    except ValueError:
        sources = ()
    return StoredAnalysis(
        sha256=r["sha256"],
        first_seen=r["first_seen"],
        last_seen=r["last_seen"],
        times_seen=int(r["times_seen"] or 0),
        source=r["source"] or "",
        sources=sources,
    )


def _now() -> str:
    return utc_now().isoformat(timespec="seconds")


def store_report(
    db: Db, report: ApkReport, source: str, *, now: str | None = None
) -> tuple[StoredAnalysis, bool]:
    """Insert or update the row of this file; returns (row, first_time)."""
    at = now or _now()
    if not report.sha256:
        raise ApkInputError("the analysis has no file hash; nothing stored")
    d = report.to_dict()
    conn = _conn(db)
    with transaction(conn):  # the read and the write under one lock: a file seen twice at once counts twice
        previous = get_analysis(conn, report.sha256)
        fields: dict[str, Any] = {
            "last_seen": at,
            "size": report.size,
            "package": d["package"],
            "label": d["label"],
            "version_code": d["version_code"],
            "version_name": d["version_name"],
            "verdict": report.verdict,
            "brand": report.brand,
            "certificates": json.dumps(d["certificates"], ensure_ascii=False),
            "report": json.dumps(d, ensure_ascii=False),
        }
        if previous is None:
            row = {
                "sha256": report.sha256,
                "first_seen": at,
                "times_seen": 1,
                "source": source,
                "sources": json.dumps([source], ensure_ascii=False),
                **fields,
            }
            cols = ", ".join(f"[{c}]" for c in row)
            marks = ", ".join("?" for _ in row)
            conn.execute(f"insert into apk_analyses ({cols}) values ({marks})", list(row.values()))  # noqa: S608 (constant names)
        else:
            sources = list(previous.sources)
            if source not in sources and len(sources) < MAX_SOURCES:
                sources.append(source)
            changes = {
                **fields,
                "times_seen": previous.times_seen + 1,
                "sources": json.dumps(sources, ensure_ascii=False),
            }
            sets = ", ".join(f"[{c}] = ?" for c in changes)
            conn.execute(
                f"update apk_analyses set {sets} where sha256 = ?",  # noqa: S608 (constant names)
                [*changes.values(), report.sha256],
            )
    stored = get_analysis(conn, report.sha256)
    assert stored is not None
    return stored, previous is None


def analyse_and_store(
    db: Db,
    source: str | Path,
    profile: Profile,
    *,
    brand_id: str | None = None,
    session: requests.Session | None = None,
    allow_private: bool = False,
    allow_addresses: Collection[str] = (),
    max_size: int = DEFAULT_MAX_SIZE,
    work_dir: str | Path | None = None,
    display_name: str | None = None,
    brands: Sequence[Brand | PreparedBrand] | None = None,
    sha256: Sha256 = "",
) -> tuple[ApkReport, bool]:
    """Analyse a local APK/bundle or an http(s) link, store the result, return (report, first_time).

    Raises ApkInputError for a missing file or a refused/failed download (one line); a file that is not a
    valid APK is not an error: it is stored with the verdict ``invalid``. ``brands``: the brands to judge
    against, e.g. ``prepared_brands`` once for a batch (default: the profile's, or ``brand_id``'s, prepared
    only if needed). ``sha256``: a local file's SHA-256 when the caller already has it, or a callable that
    gives it after the analysis (``fakeapp apk`` hashes in a thread while it imports the verifier, and the
    verification runs meanwhile); a link's is computed while it downloads.
    """
    if brands is None:
        brands = profile_brands(profile, brand_id)
    perms = official_permissions(db)
    text = str(source)
    if is_url(text):
        import requests

        from scanners.apk.fetch import FetchError, fetch_to_file
        from scanners.apk.links import check_url, without_userinfo

        try:
            check_url(text)  # a malformed link is one line naming what is wrong, before anything parses it
        except FetchError as exc:
            raise ApkInputError(f"{without_userinfo(text)[:200]}: {exc}") from None
        own_session = session is None
        sess = session or requests.Session()
        if own_session:
            sess.headers["User-Agent"] = USER_AGENT
        try:
            with tempfile.TemporaryDirectory(prefix="fakeapp-dl-", dir=work_dir) as tmp:
                try:
                    got = fetch_to_file(
                        sess, text, tmp, max_size=max_size, allow_private=allow_private,
                        allow_addresses=allow_addresses,
                    )  # fmt: skip
                except FetchError as exc:
                    raise ApkInputError(f"{_redact(text)}: {exc}") from None
                name = display_name or Path(unquote(urlsplit(got.url).path)).name or "download.apk"
                report = analyse_apk(
                    got.path,
                    brands,
                    official_permissions=perms,
                    display_name=name,
                    max_base_size=max_size,
                    sha256=got.sha256,  # hashed while streaming to disk: no second pass over the file
                )
        finally:
            if own_session:
                sess.close()
        stored_source = _redact(text)
    else:
        path = Path(text)
        if not path.is_file():
            raise ApkInputError(f"{text}: no such file")
        if path.stat().st_size > max_size:
            raise ApkInputError(f"{text}: larger than the limit ({max_size:,} bytes)")
        report = analyse_apk(
            path,
            brands,
            official_permissions=perms,
            display_name=display_name,
            max_base_size=max_size,
            sha256=sha256,
        )
        stored_source = display_name or path.name
    if not report.sha256:
        return report, True  # unreadable: nothing to recognise it by
    _, first = store_report(db, report, stored_source)
    return report, first


def _redact(url: str) -> str:
    """The URL without user:password (an attacker's link may carry them; they must not reach the database)."""
    return redact_userinfo(url.strip())
