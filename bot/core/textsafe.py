"""Making hostile store and APK text safe to show: in a terminal, a CSV, or as HTML (a Telegram message, an
HTML document such as the evidence pack's summary page).

``esc`` is the one HTML escaper of ``bot/``: tests/test_textsafe.py checks no other module calls
``html.escape`` itself.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Removed from any text shown: every control (Cc: ANSI escapes start with ESC) but newline and tab; every
# format character (Cf: bidi controls that disguise text as in Trojan Source, U+061C, zero-width space and
# joiners U+200B-U+200F, U+FEFF, soft hyphen, invisible operators, interlinear annotation, the tag characters
# U+E0000-U+E007F); unpaired surrogates (Cs); and the characters that render as nothing although they are
# letters: the Hangul fillers U+115F, U+1160, U+3164, U+FFA0, the Khmer inherent vowels U+17B4/U+17B5 and
# the combining grapheme joiner U+034F. Emoji keep their variation selectors (Mn), so they still render;
# ZWJ sequences fall apart into their parts, which is harmless. tests/test_textsafe.py checks this list
# against the running Python's Unicode database, so a new format character turns the test red.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164"
    "\ud800-\udfff\ufeff\uffa0\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e007f]"
)
# Line and paragraph separators (Zl, Zp) end a line in some renderers: a space, as any other line break in
# one-line text.
_LINE_SEPARATORS = re.compile("[\u2028\u2029]")


def strip_controls(text: object) -> str:
    """The text without controls, format characters and invisible fillers; newlines and tabs are kept,
    U+2028/U+2029 become spaces."""
    return _UNSAFE.sub("", _LINE_SEPARATORS.sub(" ", str(text if text is not None else "")))


def plain(text: object, *, limit: int = 0) -> str:
    """One line of printable text: controls and bidi overrides removed, newlines folded, optionally cut."""
    return bound(" ".join(strip_controls(text).split()), limit)


def bound(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the cut marked with …; unchanged when ``limit`` is 0."""
    if limit and len(text) > limit:
        return text[: max(1, limit - 1)] + "…"
    return text


def esc(text: object, *, limit: int = 0, one_line: bool = False) -> str:
    """Hostile text as HTML text, for Telegram's HTML parse mode and for HTML documents alike: controls,
    bidi overrides and invisible fillers removed (U+202E can make ``exe.apk`` read as ``kpa.exe``),
    optionally folded to one line, bounded to ``limit`` characters before escaping (an entity is never cut),
    then escaped, quotes too (safe in an attribute value)."""
    clean = plain(text) if one_line else strip_controls(text)
    return html.escape(bound(clean, limit), quote=True)


def escape_as_served(text: str) -> str:
    """Markup escaping only, the text otherwise as it is: for the demo's store doubles, whose pages must
    serve hostile text as a real store does (the scanners are what cleans it). Never for what we show."""
    return html.escape(text, quote=True)


def width(text: str) -> int:
    """Display width in a terminal (East Asian wide characters take two columns)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, cols: int) -> str:
    """``text`` padded with spaces to ``cols`` terminal columns (Chinese characters count two)."""
    return text + " " * max(0, cols - width(text))


def table(headers: list[str], rows: list[list[str]], *, max_col: int = 40) -> str:
    """A plain-text table that lines up Chinese text."""
    cells = [[plain(c, limit=max_col) for c in row] for row in rows]
    widths = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells)
    return "\n".join(lines)
