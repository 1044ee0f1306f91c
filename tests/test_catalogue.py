"""The string catalogue: every key the code uses exists in each language, and no key is dead; the same for
the evidence pack's fixed Chinese wording (``bot/casework/evidence_zh.py``); and no Chinese literal outside
the modules that may hold one (``CHINESE_ALLOWED``, each with its reason).

A key is used when the code names it as a string (``t(lang, "cmd.help")``, a ``desc_key``, a ``label_key``)
or builds it from a prefix (``t(lang, f"state.{case.state}")``): every key under a used prefix counts.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.casework import evidence_zh
from bot.core import i18n

ROOT = Path(__file__).resolve().parent.parent / "bot"
CATALOGUE_FILE = ROOT / "core" / "i18n.py"
PACK_WORDING_FILE = ROOT / "casework" / "evidence_zh.py"
# The modules that hold strings by key, and the names of those tables (not counted as uses of their keys).
_TABLES = {CATALOGUE_FILE: ("CATALOGUE", "CATALOGUES"), PACK_WORDING_FILE: ("ZH",)}


def _nodes(path: Path) -> list[ast.AST]:
    """Every node of a module; for the catalogue's own module (and the pack wording's), only its code (the
    helpers that build keys, such as a timeline event's sentence), not the tables themselves."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if path not in _TABLES:
        return list(ast.walk(tree))
    out: list[ast.AST] = []
    for stmt in tree.body:
        target = stmt.target if isinstance(stmt, ast.AnnAssign) else None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
        if isinstance(target, ast.Name) and target.id in _TABLES[path]:
            continue
        out.extend(ast.walk(stmt))
    return out


def _code() -> tuple[set[str], set[str], set[str]]:
    """(every string constant, every f-string prefix, every literal key passed to t()) in bot/."""
    strings: set[str] = set()
    prefixes: set[str] = set()
    called: set[str] = set()
    for path in ROOT.rglob("*.py"):
        for node in _nodes(path):
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
                elif node.func.id in ("_label", "label"):  # labels of codes: _label(lang, "takedown", value)
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


def _pack_wording_use() -> tuple[set[str], set[str]]:
    """(keys named by a ``zh("key")`` call, prefixes given to ``zh_label("prefix", code)``) in bot/."""
    called: set[str] = set()
    prefixes: set[str] = set()
    for path in ROOT.rglob("*.py"):
        for node in _nodes(path):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                if node.func.id == "zh":
                    called.add(node.args[0].value)
                elif node.func.id == "zh_label":
                    prefixes.add(node.args[0].value + ".")
    return called, prefixes


def test_the_evidence_packs_wording_has_every_key_used_and_none_dead() -> None:
    called, prefixes = _pack_wording_use()
    assert called and prefixes, "no zh() or zh_label() call found: the scan is broken"
    assert sorted(k for k in called if k not in evidence_zh.ZH) == []
    strings, _, _ = _code()
    dead = sorted(
        k for k in evidence_zh.ZH if k not in strings and not any(k.startswith(p) for p in prefixes)
    )
    assert dead == []
    assert all(text.strip() for text in evidence_zh.ZH.values())


# Modules that may hold Chinese string literals, and why; anywhere else a Chinese literal is something the bot
# says outside the catalogue. Docstrings and comments do not count.
CHINESE_ALLOWED = {
    "core/i18n.py": "the catalogue",
    "casework/evidence_zh.py": "the evidence pack's fixed wording (a Chinese-only document)",
    "casework/drafts.py": "ready-to-file drafts, composed from the facts in the language asked for",
    "casework/link_drafts.py": "the link cases' drafts",
    "casework/draft_parts.py": "the parts every draft is made of: quoting, links, history and signature",
    "casework/casefacts.py": "the store names the documents use",
    "casework/reports.py": "the figures' definitions name the buttons as the team presses them",
    "cli/apk.py": "the terminal's verdict line, in both languages at once",
    "demo/": "the store doubles serve a store's own pages",
}
_CJK = re.compile("[\u4e00-\u9fff]")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring constants of a module, its classes and functions."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def test_chinese_text_lives_in_the_catalogue_or_a_document() -> None:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if any(rel == a or (a.endswith("/") and rel.startswith(a)) for a in CHINESE_ALLOWED):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        found += [
            f"{rel}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and _CJK.search(node.value)
        ]
    assert found == []
