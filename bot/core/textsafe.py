"""Making hostile store and APK text safe to show: in a terminal, a CSV, or (with HTML escaping) a chat."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls (ANSI escapes start with ESC) and the bidi controls used to disguise text (Trojan Source).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: object) -> str:
    """The text without control characters and bidi overrides; newlines and tabs are kept."""
    return _UNSAFE.sub("", str(text if text is not None else ""))


def plain(text: object, *, limit: int = 0) -> str:
    """One line of printable text: controls and bidi overrides removed, newlines folded, optionally cut."""
    s = " ".join(strip_controls(text).split())
    if limit and len(s) > limit:
        s = s[: max(1, limit - 1)] + "…"
    return s


def width(text: str) -> int:
    """Display width in a terminal (East Asian wide characters take two columns)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, cols: int) -> str:
    return text + " " * max(0, cols - width(text))


def table(headers: list[str], rows: list[list[str]], *, max_col: int = 40) -> str:
    """A plain-text table that lines up Chinese text."""
    cells = [[plain(c, limit=max_col) for c in row] for row in rows]
    widths = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells)
    return "\n".join(lines)
