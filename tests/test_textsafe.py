"""Hostile store text (terminal escapes, bidi overrides, HTML) is neutralised in the terminal, in CSV-bound
text, and in the Telegram messages the outbox holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from bot.alerts.render import esc
from bot.cli import main
from bot.core.textsafe import plain, strip_controls, table, width
from bot.desk.cases import open_listing_case
from bot.store.db import open_db
from tests.conftest import HOOKS

EVIL = "華岳證券\x1b[2J\x1b[31mPWNED\u202eexe.apk <b>x</b> & <script>"


def test_plain_and_esc() -> None:
    assert plain(EVIL) == "華岳證券[2J[31mPWNEDexe.apk <b>x</b> & <script>"
    assert plain("a\nb\tc", limit=4) == "a b…"
    assert esc(EVIL) == "華岳證券[2J[31mPWNEDexe.apk &lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;"
    assert strip_controls("line 1\nline 2") == "line 1\nline 2"
    assert width("華岳ab") == 6
    lines = table(["a", "b"], [["華岳", "x"], ["ab", "y"]]).splitlines()
    # columns line up on screen, where a Chinese character takes two cells
    assert width(lines[2][: lines[2].index("x")]) == width(lines[3][: lines[3].index("y")]) == 6


def test_hostile_listing_through_terminal_and_outbox(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    db = open_db(path)
    db.table("listings").insert(
        {
            "key": "google_play:com.evil", "store": "google_play", "app_id": "com.evil", "brand": "huayue",
            "title": EVIL, "developer": "<i>dev</i>\nFAKE LINE", "verdict": "impersonation", "score": 90,
            "reasons": json.dumps([{"code": "name", "points": 60, "zh": EVIL, "en": EVIL}]),
            "first_seen": "2026-11-20T00:00:00+00:00", "last_seen": "2026-11-20T00:00:00+00:00", "present": 1,
        },
        pk="key",
    )  # fmt: skip
    case, opened = open_listing_case(
        db, db.table("listings").get("google_play:com.evil"), scan_id=None, hooks=HOOKS
    )
    assert opened
    texts = [r["text"] for r in db.query("select text from outbox")]
    db.close()
    assert texts
    for text in texts:
        assert "\x1b" not in text and "\u202e" not in text
        assert "<script>" not in text and "&lt;script&gt;" in text
        assert "<i>dev</i>" not in text
    for args in (["cases"], ["case", str(case.id)]):
        out = CliRunner().invoke(main, [*args, "--db", str(path)])
        assert out.exit_code == 0, out.output
        assert "\x1b" not in out.output and "\u202e" not in out.output
        assert "PWNED" in out.output or "華岳證券" in out.output


# ------------------------------------------------------------------------ invisible and format characters

INVISIBLE = [
    "\u061c", *map(chr, range(0x200B, 0x2010)), "\u2028", "\u2029", "\ufeff", "\u115f", "\u1160", "\u3164",
    "\uffa0", *map(chr, range(0xE0000, 0xE0080)), "\u00ad", "\u2060", "\u2066", "\u202e", "\x1b", "\x85",
]  # fmt: skip


def test_every_control_format_and_separator_character_is_removed() -> None:
    """The hard-coded list in bot/textsafe.py against this Python's Unicode database: all of Cc, Cf, Cs,
    Zl and Zp but newline and tab."""
    import unicodedata

    missed = [
        f"U+{cp:04X}"
        for cp in range(0x110000)
        if unicodedata.category(chr(cp)) in {"Cc", "Cf", "Cs", "Zl", "Zp"}
        and chr(cp) not in "\n\t"
        and strip_controls(f"a{chr(cp)}b") not in ("ab", "a b")
    ]
    assert missed == []


@pytest.mark.parametrize("ch", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_characters_never_reach_a_terminal_or_a_chat(ch: str) -> None:
    text = f"華岳{ch}證券"
    assert ch not in strip_controls(text) and ch not in plain(text) and ch not in esc(text)
    assert plain(text).replace(" ", "") == "華岳證券"


@given(st.text())
def test_strip_controls_leaves_nothing_unsafe(text: str) -> None:
    import unicodedata

    out = strip_controls(text)
    assert all(ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Zl", "Zp"} for ch in out)
    assert not set(out) & set(INVISIBLE)
    assert strip_controls(out) == out  # idempotent
    one_line = plain(text, limit=50)
    assert "\n" not in one_line and len(one_line) <= 50
    escaped = esc(text)
    assert "<" not in escaped and ">" not in escaped
    escaped.encode("utf-8")  # no surrogate is left to make sending it raise


def test_esc_bounds_before_escaping_and_folds_on_request() -> None:
    """One escaper for Telegram HTML and HTML documents: cleaned, optionally one line, bounded (an entity is
    never cut in half), quotes escaped for attribute values."""
    from bot.core.textsafe import esc as one

    assert one is esc  # bot.alerts.render and bot.outbox.text re-export the same function
    assert one("&&&&&&", limit=4) == "&amp;&amp;&amp;…"
    assert one("<b>\nx\u202e</b>", one_line=True) == "&lt;b&gt; x&lt;/b&gt;"
    assert one("a\nb") == "a\nb"
    assert one("\"'") == "&quot;&#x27;"
    assert one(None) == "" and one(42) == "42"


def _calls_html_escape(path: Path) -> list[int]:
    """Lines of ``path`` that escape HTML without ``bot.core.textsafe``: ``html.escape(...)`` (under any
    alias of the html module) or ``from html import escape``."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = {"html"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases |= {a.asname or a.name for a in node.names if a.name == "html"}
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "html":
            lines += [node.lineno for a in node.names if a.name == "escape"]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "escape"
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            lines.append(node.lineno)
    return lines


def test_no_module_escapes_html_on_its_own() -> None:
    """Every HTML escape goes through bot.core.textsafe (``esc``; ``escape_as_served`` for the demo's store
    doubles), so hostile text is cleaned and bounded the same way everywhere."""
    root = Path(__file__).resolve().parent.parent
    own = root / "bot" / "core" / "textsafe.py"
    assert _calls_html_escape(own), "the scan is broken: textsafe itself escapes"
    found = {
        str(p.relative_to(root)): lines
        for base in ("bot", "scanners")
        for p in sorted((root / base).rglob("*.py"))
        if p != own and (lines := _calls_html_escape(p))
    }
    assert found == {}
