"""The case model: a case, who acts on it, its timeline events, and the states it can be in.

A case's reasons are ``Reason`` objects (the scanners' type, the only one), parsed once where a row becomes a
``Case`` (``parse_reasons``) and written back in the format they are stored in (``reasons_json``).
"""

from __future__ import annotations

import dataclasses
import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from scanners.judging.reason import Reason, parse_reasons, reasons_json

__all__ = [
    "APK_OK_VERDICTS",
    "BOT_ACTOR",
    "CASE_VERDICTS",
    "OPEN_STATES",
    "POLICE_STATES",
    "SCAN_ACTOR",
    "STATES",
    "TAKEDOWN_STATES",
    "Actor",
    "Case",
    "CaseError",
    "Event",
    "Reason",
    "State",
    "cli_actor",
    "parse_reasons",
    "reasons_json",
]


class State(StrEnum):
    """Where a case stands. A ``StrEnum``: stored, compared and shown as its plain value."""

    NEW = "new"
    CONFIRMED = "confirmed"
    FALSE_POSITIVE = "false_positive"
    RESOLVED = "resolved"
    RELISTED = "relisted"


STATES = tuple(s.value for s in State)
OPEN_STATES = (State.NEW.value, State.CONFIRMED.value, State.RELISTED.value)
TAKEDOWN_STATES = ("none", "requested", "removed", "rejected")
POLICE_STATES = ("none", "reported")
# Verdicts of a listing that open a case. "suspicious" opens one too: a person decides, and a missed
# impostor costs far more than one press of 誤報.
CASE_VERDICTS = ("impersonation", "suspicious")
# APK verdicts that open no case: ours (official, or our signer on another package of ours), a file about
# something else, or not an APK at all. Every other verdict (repackaged, impostor, tampered) opens one.
APK_OK_VERDICTS = ("official", "official_signer_other_package", "unrelated", "invalid")


class CaseError(ValueError):
    """A case action that cannot be done (no such case, refused transition); one line for the user.

    The message is English (the CLI's); ``key`` and ``params`` let the bot say it in the user's language
    (catalogue entry ``case_error.<key>``)."""

    def __init__(self, message: str, key: str = "", **params: Any) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Actor:
    """Who did something: ``tg:<user id>``, ``cli:<login>``, ``scan`` or ``bot``, plus a display name."""

    id: str
    name: str = ""

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}".strip()


def cli_actor() -> Actor:
    """The local user, as the timeline records someone at the terminal (``cli:<login>``)."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return Actor(f"cli:{login}")


SCAN_ACTOR = Actor("scan")
BOT_ACTOR = Actor("bot")


@dataclass(frozen=True)
class Case:
    """One case as stored: the listing, APK or link it is about, its verdict, state and tracks."""

    id: int
    kind: str
    listing_key: str | None
    apk_sha256: str | None
    brand: str
    store: str
    app_id: str
    title: str
    developer: str
    url: str
    verdict: str
    score: int
    reasons: tuple[Reason, ...]
    state: State
    takedown: str
    takedown_at: str
    takedown_ref: str
    takedown_store: str
    police: str
    police_no: str
    police_agency: str
    police_at: str
    assignee: str
    listed: bool
    resolution: str
    opened_at: str
    updated_at: str
    closed_at: str
    scan_id: int | None
    link_key: str | None = None  # link cases: ``site:<domain>`` or the artifact's key
    details: str = ""  # link cases: JSON facts for the card (domain, IP, team id, artifacts found)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Case:
        """A ``cases`` row as a Case: its state an enum, its reasons objects (the JSON parsed here, once)."""
        values = dict(row)
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            v = values.get(f.name)
            if f.name == "reasons":
                v = parse_reasons(v)
            elif f.name == "state":
                v = State(str(v))
            elif f.name == "listed":
                v = bool(v)
            elif f.name in ("score",) or f.name in ("id",):
                v = int(v or 0)
            elif f.name in ("listing_key", "apk_sha256", "scan_id", "link_key"):
                pass
            elif v is None:
                v = ""
            kwargs[f.name] = v
        return cls(**kwargs)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True)
class Event:
    """One timeline event of a case: who did what when, the field changed (old -> new) and why."""

    id: int
    case_id: int
    at: str
    actor: str
    action: str
    field: str
    old: str
    new: str
    reason: str
