"""Message text shared by everything that queues or shows a message: splitting below Telegram's 4096-character
limit and the plain-text rendering of an HTML message for the terminal."""

from __future__ import annotations

import html
import re

MAX_MESSAGE = 4000  # below Telegram's 4096 (counted in UTF-16 units; we leave room)


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split on line boundaries into parts below ``limit`` (a very long line is cut)."""
    parts: list[str] = []
    cur = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if cur:
                parts.append(cur)
                cur = ""
            parts.append(line[:limit])
            line = line[limit:]
        if cur and len(cur) + 1 + len(line) > limit:
            parts.append(cur)
            cur = line
        else:
            cur = f"{cur}\n{line}" if cur else line
    if cur or not parts:
        parts.append(cur)
    return parts


_TAG_RE = re.compile(r"<[^>]+>")


def html_to_text(text: str) -> str:
    """The HTML message as plain terminal text (for printing alerts without a token)."""
    return html.unescape(_TAG_RE.sub("", text))
