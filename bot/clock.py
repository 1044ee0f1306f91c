"""The clock as an explicit input: code that records "now" takes a ``Clock`` (default: the real UTC clock),
so tests pass a fixed one and never depend on the day they run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: an aware UTC datetime."""
    return datetime.now(UTC)
