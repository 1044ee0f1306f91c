"""Every CSV the tool writes goes through here: text cells that a spreadsheet would run as a formula are
defused (OWASP "CSV injection": a cell starting with = + - @ TAB or CR gets a leading apostrophe).

Store titles, developer names, APK package names, links and analysts' notes are all attacker-reachable, so
every text cell is treated the same; numbers stay numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


def safe_cell(value: object) -> object:
    """``value`` as it may go into a CSV cell: text starting like a formula is prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every row is made safe cell by cell."""

    def __init__(self, out: _Writable, **fmt: Any) -> None:
        self._w = csv.writer(out, **fmt)

    def writerow(self, row: Iterable[object]) -> None:
        self._w.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
