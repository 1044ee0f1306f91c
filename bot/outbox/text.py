"""Message text shared by everything that queues or shows a message: splitting below Telegram's 4096-character
limit, escaping hostile text for Telegram HTML, and the plain-text rendering of an HTML message for the
terminal."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

# The one HTML escaper (bot.core.textsafe), re-exported here where the message builders have always found it.
from bot.core.textsafe import esc as esc

MAX_MESSAGE = 4000  # below Telegram's 4096 (counted in UTF-16 units; we leave room)


# One unit of Telegram HTML: a tag, an entity, a newline or one character; a split falls only between units.
_UNIT_RE = re.compile(r"<[^<>]*>|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);|.|\n", re.DOTALL)
_TAG_NAME_RE = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")


def _u16(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: a character outside the BMP counts two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _closers(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _after(stack: list[tuple[str, str]], unit: str) -> list[tuple[str, str]]:
    """The open-tag stack after ``unit``."""
    m = _TAG_NAME_RE.match(unit) if unit.startswith("<") and unit.endswith(">") else None
    if m is None or unit.endswith("/>"):
        return stack
    closing, name = m.group(1) == "/", m.group(2).lower()
    if not closing:
        return [*stack, (name, unit)]
    for i in range(len(stack) - 1, -1, -1):
        if stack[i][0] == name:
            return stack[:i] + stack[i + 1 :]
    return stack


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split Telegram HTML into parts of at most ``limit`` UTF-16 units, on line boundaries where a line fits.

    A part never ends inside a tag or an entity, and each part is balanced on its own: the tags open at a
    split are closed at the end of the part and opened again at the start of the next (Telegram refuses a
    message with an unclosed ``<b>``, which a title with a newline in it used to cause).
    """
    units = _UNIT_RE.findall(text)
    parts: list[str] = []
    stack: list[tuple[str, str]] = []
    i = 0
    while i < len(units) or not parts:
        opener = "".join(tag for _, tag in stack)
        body = [opener]
        size = _u16(opener)
        local = stack
        start = i
        at_newline: tuple[int, int, list[tuple[str, str]]] | None = None  # (next unit, body length, stack)
        while i < len(units):
            unit = units[i]
            after = _after(local, unit)
            if i > start and size + _u16(unit) + _u16(_closers(after)) > limit:
                break
            if unit == "\n" and i > start:
                at_newline = (i + 1, len(body), local)
            body.append(unit)
            size += _u16(unit)
            local = after
            i += 1
        if i < len(units) and units[i] == "\n":
            i += 1  # the part ends exactly at a line end: the newline is the split
        elif i < len(units) and at_newline is not None:
            i, keep, local = at_newline  # end the part at its last newline, which is dropped
            body = body[:keep]
        parts.append("".join(body) + _closers(local))
        stack = local
    # Telegram refuses a message with no visible text (a part of tags and spaces only)
    return [p for p in parts if html_to_text(p).strip()] or parts[:1]


_TAG_RE = re.compile(r"<[^>]+>")


def html_to_text(text: str) -> str:
    """The HTML message as plain terminal text (for printing alerts without a token)."""
    return html.unescape(_TAG_RE.sub("", text))
