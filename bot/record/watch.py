"""Around a scan: the kill switches that stop it (all scans, or one store), and the dead man's switch ping.

``FAKEAPP_HEARTBEAT_URL`` is pinged after each good scan (every store answered and found its official app),
so a monitoring service such as healthchecks notices when good scans stop, whatever the reason. The ping
goes through the safe fetch (address checks, no redirects followed, a byte cap and a deadline); a URL whose
host is itself a loopback address (a local monitoring agent) is allowed, since the admin configured it.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from bot.store import switches as sw

log = logging.getLogger(__name__)
PING_DEADLINE = 10.0


@dataclass
class ScanGate:
    """What the switches let a scan do: the adapters left, the stores skipped, or why nothing runs."""

    adapters: dict[str, Any]
    skipped: list[str] = field(default_factory=list)
    stopped: sw.Switch | None = None  # scans are paused (or every store is)

    def reason(self) -> str:
        """One line for the terminal when nothing is scanned."""
        if self.stopped is not None:
            s = self.stopped
            since = f"by {s.paused_by} since {s.paused_at}"
            return f"scans are paused ({s.name}, {since}); `fakeapp resume {s.name}` resumes them"
        return "every store is paused (" + ", ".join(self.skipped) + "); `fakeapp resume STORE` resumes one"


class ScanPaused(RuntimeError):
    """No scan runs: the kill switches stop it (the gate says which)."""

    def __init__(self, gate: ScanGate) -> None:
        super().__init__(gate.reason())
        self.gate = gate


def scan_gate(db: sqlite_utils.Database, adapters: Mapping[str, Any]) -> ScanGate:
    """Filter ``adapters`` by the kill switches; ``stopped`` is set when no scan may run at all."""
    paused = sw.paused(db)
    for name in (sw.ALL, "scans"):
        if name in paused:
            return ScanGate({}, sorted(adapters), paused[name])
    left = {k: v for k, v in adapters.items() if k not in paused}
    skipped = sorted(k for k in adapters if k in paused)
    gate = ScanGate(left, skipped)
    if not left and skipped:
        gate.stopped = paused[skipped[0]]
    return gate


def mark_interrupted(db: sqlite_utils.Database) -> list[int]:
    """Scans left ``running`` by a process that died (killed, disk full, locked out): marked ``interrupted``.

    Call holding the scan lock (no other scan can be running then). Their ids, for the next summary.
    """
    from bot.store.db import transaction

    ids = [int(r["id"]) for r in db.query("SELECT id FROM scans WHERE status = 'running' ORDER BY id")]
    if ids:
        with transaction(db):
            for i in ids:
                db.execute(
                    "UPDATE scans SET status = 'interrupted', summary = ?"
                    " WHERE id = ? AND status = 'running'",
                    ['{"interrupted": "the scan process stopped before it finished recording"}', i],
                )
    return ids


def scan_running(db_path: Any) -> bool:
    """Whether a scan holds the scan lock now (without waiting)."""
    from bot.store.locks import ScanBusy, scan_lock

    try:
        with scan_lock(db_path):
            return False
    except ScanBusy:
        return True


def _loopback_literal(host: str) -> list[str]:
    try:
        addr = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return []
    return [str(addr)] if addr.is_loopback else []


def ping(db: sqlite_utils.Database | None, url: str) -> str:
    """GET ``url`` (the heartbeat): "" when it answered 2xx, else a one-line reason; kept in heartbeats."""
    from scanners.links.fetch import Fetcher, FetchError

    if not url:
        return ""
    host = urlsplit(url).hostname or ""
    try:
        resp = Fetcher(
            allow_addresses=_loopback_literal(host), deadline=PING_DEADLINE, page_max=64 * 1024
        ).get(url)
        error = "" if 200 <= resp.status < 300 else f"HTTP {resp.status}"
    except FetchError as exc:
        error = str(exc)[:200]
    except Exception as exc:  # the ping must never break a scan
        error = f"{type(exc).__name__}: {exc}"[:200]
    error = error.replace(url, host)  # the URL may carry the monitoring service's secret
    if error:
        log.warning("heartbeat ping failed: %s", error)
    if db is not None:
        sw.beat(db, "ping", error or "ok")
    return error
