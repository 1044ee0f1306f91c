"""The unit of explanation: one signal's points and why, in Traditional Chinese and English.

Stored as a JSON list of ``{code, points, zh, en}`` (``reasons_json``) and read back, tolerantly, with
``parse_reasons``: the one format of every verdict's reasons in the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Reason:
    """One signal's points and why, in Traditional Chinese and English (``code`` names the signal)."""

    code: str
    points: int
    zh: str
    en: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def reasons_json(reasons: Iterable[Reason]) -> str:
    """Reasons as stored: a JSON list of ``{code, points, zh, en}``, Chinese kept as it is."""
    return json.dumps([r.to_dict() for r in reasons], ensure_ascii=False)


def parse_reasons(raw: object) -> tuple[Reason, ...]:
    """Reasons as stored (that JSON text, or the list it holds); tolerant of missing keys, none for junk."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw else []
        except json.JSONDecodeError:
            return ()
    if not isinstance(raw, list):
        return ()
    reasons = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        try:
            points = int(item.get("points") or 0)
        except (TypeError, ValueError):
            points = 0
        reasons.append(
            Reason(
                code=str(item.get("code") or ""),
                points=points,
                zh=str(item.get("zh") or ""),
                en=str(item.get("en") or ""),
            )
        )
    return tuple(reasons)
