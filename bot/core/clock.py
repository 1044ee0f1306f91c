"""Time helpers shared by every room: the one ``now_iso`` and the Taiwan zone (UTC+8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

TW = timezone(timedelta(hours=8), "UTC+8")


def now_iso(now: datetime | None = None) -> str:
    """``now`` (default: the current time) as an ISO 8601 UTC timestamp to the second."""
    return (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
