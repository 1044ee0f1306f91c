"""After a scan: fetch the APKs of Aptoide suspects (their URL is in the metadata) for a full verdict, within
a budget per scan (``FAKEAPP_APTOIDE_APK_BUDGET``; 0, the default, fetches none).

Each download goes through the same safe fetch as ``fakeapp apk`` (no internal addresses, size cap, time-outs,
redirects checked) and the analysis is stored like any other (``apk_analyses``, one row per file hash), so
the certificate the store reported is checked against the one the file is really signed with.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from scanners.profile import Profile


@dataclass(frozen=True)
class ApkCheck:
    """One suspect's APK: its analysis verdict, or why it could not be had."""

    key: str
    url: str
    verdict: str = ""  # the APK verdict (official, repackaged, impostor, …), empty on error
    sha256: str = ""
    signer_sha1: tuple[str, ...] = ()
    matches_store: bool | None = None  # whether the file's signer is the certificate the store reported
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "url": self.url,
            "verdict": self.verdict,
            "sha256": self.sha256,
            "signer_sha1": list(self.signer_sha1),
            "matches_store": self.matches_store,
            "error": self.error,
        }


def _already_analysed(db: sqlite_utils.Database, url: str) -> bool:
    if not db.table("apk_analyses").exists():
        return False
    return any(url in json.loads(r["sources"] or "[]") for r in db.query("select sources from apk_analyses"))


def check_suspect_apks(
    db: sqlite_utils.Database,
    profile: Profile,
    suspects: Sequence[tuple[str, str, str, int]],
    budget: int,
    *,
    allow_addresses: Collection[str] = (),
) -> list[ApkCheck]:
    """Analyse up to ``budget`` APKs of ``suspects`` = (listing key, APK URL, reported SHA-1, score), the
    highest scores first; a URL analysed before is not fetched again."""
    from bot.record.apk_store import ApkInputError, analyse_and_store

    out: list[ApkCheck] = []
    for key, url, reported, _score in sorted(suspects, key=lambda s: -s[3]):
        if len(out) >= budget:
            break
        if not url or _already_analysed(db, url):
            continue
        try:
            report, _ = analyse_and_store(db, url, profile, allow_addresses=allow_addresses)
        except ApkInputError as exc:
            out.append(ApkCheck(key, url, error=str(exc)[:300]))
            continue
        certs = report.to_dict().get("certificates") or []
        sha1s = tuple(str(c.get("sha1", "")) for c in certs if isinstance(c, dict))
        out.append(
            ApkCheck(
                key,
                url,
                verdict=report.verdict,
                sha256=report.sha256,
                signer_sha1=sha1s,
                matches_store=(reported in sha1s) if reported and sha1s else None,
            )
        )
    return out
