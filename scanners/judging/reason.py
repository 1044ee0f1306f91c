"""The unit of explanation: one signal's points and why, in Traditional Chinese and English."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Reason:
    code: str
    points: int
    zh: str
    en: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
