"""The string catalogue: every key the code uses exists in each language, and no key is dead.

A key is used when the code names it as a string (``t(lang, "cmd.help")``, a ``desc_key``, a ``label_key``)
or builds it from a prefix (``t(lang, f"state.{case.state}")``): every key under a used prefix counts.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot.core import i18n

ROOT = Path(__file__).resolve().parent.parent / "bot"
CATALOGUE_FILE = ROOT / "core" / "i18n.py"


def _code() -> tuple[set[str], set[str], set[str]]:
    """(every string constant, every f-string prefix, every literal key passed to t()) in bot/."""
    strings: set[str] = set()
    prefixes: set[str] = set()
    called: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if path == CATALOGUE_FILE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value:
                    prefixes.add(first.value)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                if node.func.id == "t":
                    called.add(node.args[1].value)
                elif node.func.id == "_label":  # the card's labels: _label(lang, "takedown", value)
                    prefixes.add(node.args[1].value + ".")
    return strings, prefixes, called


def test_one_catalogue_per_language_with_the_same_keys() -> None:
    assert set(i18n.CATALOGUES) == set(i18n.LANGS)
    keys = set(i18n.CATALOGUES[i18n.DEFAULT_LANG])
    for lang, catalogue in i18n.CATALOGUES.items():
        assert set(catalogue) == keys, lang
        assert all(text.strip() for text in catalogue.values()), lang


def test_every_key_used_exists() -> None:
    _, _, called = _code()
    assert called, "no t() call found: the scan is broken"
    missing = sorted(k for k in called if k not in i18n.CATALOGUES[i18n.DEFAULT_LANG])
    assert missing == []


def test_no_key_is_dead() -> None:
    strings, prefixes, _ = _code()
    dead = sorted(
        k
        for k in i18n.CATALOGUES[i18n.DEFAULT_LANG]
        if k not in strings and not any(k.startswith(p) for p in prefixes if "." in p)
    )
    assert dead == []
