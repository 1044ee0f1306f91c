"""The clock as an explicit input, and the one way a person reads a time.

Code that records "now" takes a ``Clock`` (default: the real UTC clock), so tests pass a fixed one and never
depend on the day they run. Stored times are ISO 8601 UTC. What a person reads (CLI, bot, cards, drafts,
reports, evidence) is in the team's time zone (the ``FAKEAPP_TIMEZONE`` setting, default Asia/Taipei) and
names it: ``2026-12-03 00:10 (UTC+8)``. JSON keeps ISO 8601 with the offset (``iso_local``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Clock = Callable[[], datetime]
DEFAULT_TIMEZONE = "Asia/Taipei"
TW = timezone(timedelta(hours=8), "UTC+8")


def utc_now() -> datetime:
    """The real clock: an aware UTC datetime."""
    return datetime.now(UTC)


def now_iso(now: datetime | None = None) -> str:
    """``now`` (default: the current time) as an ISO 8601 UTC timestamp to the second."""
    return (now or utc_now()).replace(microsecond=0).isoformat()


def zone(name: str = DEFAULT_TIMEZONE) -> tzinfo:
    """The IANA time zone ``name`` (``Asia/Taipei``, ``UTC``); ValueError naming it when unknown."""
    name = (name or DEFAULT_TIMEZONE).strip()
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Asia/Taipei or UTC)") from None


DEFAULT_ZONE = zone(DEFAULT_TIMEZONE)


def parse_time(value: str | datetime | None) -> datetime | None:
    """An ISO 8601 string or datetime as an aware datetime (naive is UTC); None when unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        at = value
    else:
        try:
            at = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def zone_label(tz: tzinfo, at: datetime | None = None) -> str:
    """The zone's offset at ``at`` as people write it: ``UTC+8``, ``UTC+5:30``, ``UTC-3``, ``UTC``."""
    offset = (at or datetime.now(UTC)).astimezone(tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


def local_time(value: str | datetime | None, tz: tzinfo | None = None, *, seconds: bool = False) -> str:
    """A time as a person reads it, in ``tz`` (default Asia/Taipei) and named: ``2026-12-03 00:10 (UTC+8)``.

    Empty values read ``—``; a value that is not a time is returned as it was (it is data, not ours to hide).
    """
    if value is None or value == "":
        return "—"
    at = parse_time(value)
    if at is None:
        return str(value)[:40]
    tz = tz or DEFAULT_ZONE
    local = at.astimezone(tz)
    shown = f"{local:%Y-%m-%d %H:%M:%S}" if seconds else f"{local:%Y-%m-%d %H:%M}"
    return f"{shown} ({zone_label(tz, at)})"


def local_date(value: str | datetime | None, tz: tzinfo | None = None) -> str:
    """The date of a time in ``tz``, named: ``2026-12-03 (UTC+8)``."""
    at = parse_time(value)
    if at is None:
        return "—" if not value else str(value)[:40]
    tz = tz or DEFAULT_ZONE
    return f"{at.astimezone(tz):%Y-%m-%d} ({zone_label(tz, at)})"


def iso_local(value: str | datetime | None, tz: tzinfo | None = None) -> str:
    """ISO 8601 with the zone's offset, for JSON: ``2026-12-03T00:10:00+08:00``; empty stays empty."""
    at = parse_time(value)
    if at is None:
        return "" if not value else str(value)
    return at.astimezone(tz or DEFAULT_ZONE).isoformat()
