"""The clock as an explicit input, and the time helpers shared by every room: code that records "now" takes
a ``Clock`` (default: the real UTC clock), so tests pass a fixed one and never depend on the day they run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

Clock = Callable[[], datetime]

TW = timezone(timedelta(hours=8), "UTC+8")


def utc_now() -> datetime:
    """The real clock: an aware UTC datetime."""
    return datetime.now(UTC)


def now_iso(now: datetime | None = None) -> str:
    """``now`` (default: the current time) as an ISO 8601 UTC timestamp to the second."""
    return (now or utc_now()).replace(microsecond=0).isoformat()
