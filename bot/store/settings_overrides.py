"""Settings an admin changes at run time from the bot (``/settings``): validated, kept in the DB, applied.

Precedence: a database override (the latest deliberate change, by a named admin) wins over the environment and
the settings file; ``/settings KEY reset`` drops it and the environment/file value applies again. Every change
is kept in ``settings_history`` (who, when, from, to), like the cases' timeline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from bot.core.clock import now_iso
from bot.core.settings import Settings, SettingsError
from bot.store.db import transaction

STORES = ("google_play", "app_store", "aptoide", "galaxy_store", "apk")
KEYS = ("scan_cron", "reminder_days", *(f"reminder_days_{s}" for s in STORES))
OFF = "off"
RESET = "reset"
MAX_DAYS = 3650


def validate_cron(raw: str) -> str:
    """A five-field crontab expression (or ``off``), normalised to single spaces; SettingsError otherwise."""
    value = " ".join(raw.split())
    if value.lower() == OFF:
        return OFF
    if len(value.split(" ")) != 5:
        raise SettingsError(f"scan_cron: expected 5 crontab fields or 'off', got {value[:60]!r}")
    from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise SettingsError(f"scan_cron: not a crontab expression ({str(exc)[:80]})") from None
    return value


def validate_days(key: str, raw: str) -> str:
    """A day count typed for ``key``, normalised; SettingsError unless whole days from 1 to MAX_DAYS."""
    value = raw.strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_DAYS:
        raise SettingsError(f"{key}: expected whole days from 1 to {MAX_DAYS}, got {value[:20]!r}")
    return str(int(value))


def parse_change(args: list[str]) -> tuple[str, str]:
    """``KEY VALUE…`` from the command's arguments → (key, normalised value or ``reset``); SettingsError."""
    if not args:
        raise SettingsError("expected: KEY VALUE")
    key = args[0].strip().lower()
    if key not in KEYS:
        raise SettingsError(f"unknown setting {key[:40]!r}; one of: {', '.join(KEYS)}")
    raw = " ".join(args[1:]).strip()
    if not raw:
        raise SettingsError(f"{key}: a value is missing")
    if raw.lower() == RESET:
        return key, RESET
    if key == "scan_cron":
        return key, validate_cron(raw)
    return key, validate_days(key, raw)


def apply_overrides(settings: Settings, overrides: Mapping[str, str]) -> Settings:
    """The settings with the database overrides on top (pure; unknown keys are ignored)."""
    tg = settings.telegram
    changes: dict[str, Any] = {}
    if "scan_cron" in overrides:
        cron = overrides["scan_cron"]
        changes["scan_cron"] = "" if cron == OFF else cron
    if "reminder_days" in overrides:
        changes["reminder_days"] = int(overrides["reminder_days"])
    per_store = dict(tg.reminder_days_store)
    for store in STORES:
        v = overrides.get(f"reminder_days_{store}")
        if v is not None:
            per_store[store] = int(v)
    if per_store != dict(tg.reminder_days_store):
        changes["reminder_days_store"] = tuple((s, per_store[s]) for s in STORES if s in per_store)
    if not changes:
        return settings
    return dataclasses.replace(settings, telegram=dataclasses.replace(tg, **changes))


def load_overrides(db: sqlite_utils.Database) -> dict[str, str]:
    """The overrides kept in the database (valid keys only; a value that no longer validates is skipped)."""
    out: dict[str, str] = {}
    for r in db.query("SELECT key, value FROM settings_overrides"):
        key, value = str(r["key"]), str(r["value"])
        try:
            out[key] = validate_cron(value) if key == "scan_cron" else validate_days(key, value)
        except SettingsError:
            continue
    return {k: v for k, v in out.items() if k in KEYS}


def effective_settings(db: sqlite_utils.Database, settings: Settings) -> Settings:
    """The settings with the overrides kept in the database applied."""
    return apply_overrides(settings, load_overrides(db))


def current_value(settings: Settings, key: str) -> str:
    """What a key is now, as the user types it."""
    tg = settings.telegram
    if key == "scan_cron":
        return tg.scan_cron or OFF
    if key == "reminder_days":
        return str(tg.reminder_days)
    return str(tg.reminder_periods().get(key.removeprefix("reminder_days_"), tg.reminder_days))


@dataclass(frozen=True)
class Change:
    """One change of a setting from the bot: the key, its old and new value, and whether it was a reset."""

    key: str
    old: str
    new: str
    reset: bool


def change(
    db: sqlite_utils.Database,
    base: Settings,
    key: str,
    value: str,
    actor: str,
    *,
    now: datetime | None = None,
) -> tuple[Settings, Change]:
    """Store (or with ``reset`` drop) one override and its history row; returns the new effective settings.

    ``base`` is the environment/file settings (without overrides).
    """
    at = now_iso(now)
    with transaction(db):
        before = effective_settings(db, base)
        old = current_value(before, key)
        if value == RESET:
            db.execute("DELETE FROM settings_overrides WHERE key = ?", [key])
        else:
            db.execute(
                "INSERT INTO settings_overrides (key, value, changed_by, changed_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value, changed_by = excluded.changed_by,"
                " changed_at = excluded.changed_at",
                [key, value, actor, at],
            )
        after = effective_settings(db, base)
        new = current_value(after, key)
        db.execute(
            "INSERT INTO settings_history (key, old_value, new_value, action, changed_by, changed_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [key, old, new, "reset" if value == RESET else "set", actor, at],
        )
    return after, Change(key, old, new, value == RESET)


def history(db: sqlite_utils.Database, limit: int = 20) -> list[dict[str, Any]]:
    """The latest changes of settings from the bot, newest first."""
    return list(db.query("SELECT * FROM settings_history ORDER BY id DESC LIMIT ?", [limit]))
