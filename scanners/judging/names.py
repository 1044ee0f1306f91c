"""Matching free text (titles, labels, developer names) and package names against a brand's names.

``prepare_brand`` folds every brand name once; ``name_match`` and ``package_match`` then say whether and how
a text imitates the brand: an exact copy, Simplified Chinese, variant characters, look-alike letters, the
same pronunciation, or containing the brand's distinctive core.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from scanners.judging.normalize import basic, cjk_len, contains_seq, fold_levels, normalize_name, pinyin
from scanners.profile import Brand

# Generic words stripped from a brand name to find its distinctive core (華岳證券 → 華岳).
GENERIC = (
    "綜合證券股份有限公司",
    "證券股份有限公司",
    "股份有限公司",
    "有限公司",
    "證券",
    "证券",
    "投顧",
    "投信",
    "期貨",
    "金控",
    "securitiescoltd",
    "securitiescorp",
    "securities",
    "coltd",
    "corp",
    "inc",
    "ltd",
    "limited",
    "financial",
    "holdings",
)
# How a title imitates a name, from the plainest fold that made it match.
HOW = ("exact", "simplified", "lookalike")
HOW_ZH = {
    "exact": "完全相同",
    "simplified": "簡繁轉換後相同",
    "lookalike": "替換異體字或形似字母後相同",
    "pinyin": "讀音相同",
    "fuzzy": "高度相似",
}
HOW_EN = {
    "exact": "identical",
    "simplified": "identical after Simplified→Traditional conversion",
    "lookalike": "identical after folding variant characters / look-alike letters",
    "pinyin": "same pronunciation",
    "fuzzy": "nearly identical",
}
_PKG_SPLIT = re.compile(r"[._\-]+")
_PKG_GENERIC = {
    "com",
    "tw",
    "net",
    "org",
    "app",
    "apps",
    "android",
    "ios",
    "mobile",
    "trade",
    "stock",
    "www",
    "co",
}


@dataclass(frozen=True)
class Name:
    """One brand name folded once: its fold levels, distinctive core and pinyin syllables."""

    text: str  # as written in the profile
    levels: tuple[str, str, str]
    core: str  # folded distinctive core, "" when the name is all generic words
    syllables: tuple[str, ...]


@dataclass(frozen=True)
class PreparedBrand:
    """A brand with every name folded once, for fast judging of many listings."""

    brand: Brand
    names: tuple[Name, ...]
    cores: tuple[str, ...]
    core_syllables: tuple[tuple[str, ...], ...]
    developers: tuple[str, ...]  # folded official developer names and legal name
    packages: tuple[str, ...]  # official package names / bundle ids
    package_tokens: frozenset[str]  # distinctive tokens of the official packages and Latin names
    official_icon_hashes: tuple[str, ...]

    @property
    def icon_hashes(self) -> tuple[str, ...]:
        return self.official_icon_hashes


def _core(folded: str) -> str:
    core = folded
    for word in sorted(GENERIC, key=len, reverse=True):
        core = core.replace(normalize_name(word), "")
    # A distinctive core needs two Chinese characters or four letters: 華 alone is everywhere.
    return core if cjk_len(core) >= 2 or (not cjk_len(core) and len(core) >= 4) else ""


def prepare_brand(brand: Brand, official_icon_hashes: Sequence[str] = ()) -> PreparedBrand:
    """Fold the brand's names, official developers and packages once, for judging many listings."""
    texts = list(dict.fromkeys([*brand.names, *(a.name for a in brand.apps if a.name)]))
    names = []
    for text in texts:
        levels = fold_levels(text)
        names.append(Name(text, levels, _core(levels[2]), pinyin(text)))
    cores = tuple(dict.fromkeys(n.core for n in names if n.core))
    core_syllables = tuple(dict.fromkeys(pinyin_of_core for c in cores if (pinyin_of_core := pinyin(c))))
    developers = tuple(
        dict.fromkeys(normalize_name(d) for d in (*brand.official_developers, brand.legal_name) if d)
    )
    packages = tuple(
        dict.fromkeys(p for a in brand.apps for p in (a.app_id, a.bundle_id) if p and not p.isdigit())
    )
    tokens = {
        t for p in packages for t in _PKG_SPLIT.split(p.lower()) if len(t) >= 4 and t not in _PKG_GENERIC
    }
    tokens |= {c for c in cores if c.isascii()}
    tokens |= {"".join(s) for s in core_syllables if len(s) >= 2}
    return PreparedBrand(
        brand=brand,
        names=tuple(names),
        cores=cores,
        core_syllables=core_syllables,
        developers=developers,
        packages=packages,
        package_tokens=frozenset(tokens),
        official_icon_hashes=tuple(official_icon_hashes),
    )


@dataclass(frozen=True)
class NameMatch:
    """How a text imitates one of the brand's names."""

    name: str  # the brand name it imitates, as in the profile (or its core, when only the core matched)
    how: str  # exact | simplified | lookalike | pinyin | fuzzy
    whole: bool  # the text is the name (True) or contains it (False)
    core_only: bool  # only the distinctive core matched (華岳 in 華岳VIP交易平台)
    similarity: float
    found: str = ""  # the part of the text that matched, as written there ("" when it is the whole text)

    def _shown(self) -> str:
        return self.found or self.name

    @property
    def zh(self) -> str:
        """A true sentence tail: 'contains' only what the text contains, and both sides when they differ."""
        what = "品牌核心名稱" if self.core_only else "品牌名稱"
        if self.whole:
            if self.how == "exact":
                return f"與{what}相同"
            return f"與{what}「{self.name}」{HOW_ZH[self.how]}"
        if self.how == "exact" or self._shown() == self.name:
            return f"含有{what}「{self.name}」"
        return f"中的「{self._shown()}」與{what}「{self.name}」{HOW_ZH[self.how]}"

    @property
    def en(self) -> str:
        what = "the brand's core name" if self.core_only else "the brand name"
        if self.whole:
            if self.how == "exact":
                return f"is {what}"
            return f"matches {what} {self.name!r} ({HOW_EN[self.how]})"
        if self.how == "exact" or self._shown() == self.name:
            return f"contains {what} {self.name!r}"
        return f"has {self._shown()!r}, which matches {what} {self.name!r} ({HOW_EN[self.how]})"

    why = en


def _fold(text: str, level: int) -> str:
    return fold_levels(text)[level]


def _span(text: str, fold: Callable[[str], object], want: object) -> str:
    """The shortest part of ``text`` whose fold is ``want`` (what a reason quotes), "" when none is."""
    n = len(text)
    best = ""
    for i in range(n):
        if not text[i].strip():
            continue
        for j in range(i + 1, min(n, i + 40) + 1):
            if fold(text[i:j]) == want:
                if not best or j - i < len(best):
                    best = text[i:j].strip()
                break
    return best


def _matched_part(text: str, level: int, theirs: str) -> str:
    return _span(text, lambda part: _fold(part, level), theirs)


def _pinyin_part(text: str, syllables: tuple[str, ...]) -> str:
    return _span(text, pinyin, syllables)


def name_match(text: str, brand: PreparedBrand) -> NameMatch | None:
    """The strongest way ``text`` imitates a brand name, or None."""
    if not text:
        return None
    levels = fold_levels(text)
    best: NameMatch | None = None

    def consider(m: NameMatch) -> None:
        nonlocal best
        rank = (m.whole, not m.core_only, m.how in HOW, m.similarity)
        if best is None or rank > (best.whole, not best.core_only, best.how in HOW, best.similarity):
            best = m

    for name in brand.names:
        for level, how in enumerate(HOW):
            mine, theirs = levels[level], name.levels[level]
            if not theirs:
                continue
            if mine == theirs:
                consider(NameMatch(name.text, how, True, False, 1.0))
                break
            if theirs in mine and (cjk_len(theirs) >= 2 or len(theirs) >= 4):
                found = _matched_part(text, level, theirs) if how != "exact" else ""
                consider(NameMatch(name.text, how, False, False, len(theirs) / len(mine), found))
                break
        else:
            if name.core and name.core in levels[2]:
                lv, how = next(
                    ((lv, h) for lv, h in enumerate(HOW) if name.core in levels[lv]), (2, "lookalike")
                )
                found = _matched_part(text, lv, name.core)
                shown = found if how == "exact" and found else _display_core(name.text, name.core)
                consider(NameMatch(shown, how, False, True, len(name.core) / max(1, len(levels[2])), found))
            elif len(levels[2]) >= 4 and fuzz.ratio(levels[2], name.levels[2]) >= 88:
                consider(
                    NameMatch(name.text, "fuzzy", True, False, fuzz.ratio(levels[2], name.levels[2]) / 100)
                )
    if best is None:
        syllables = pinyin(text)
        for name in brand.names:
            if len(name.syllables) >= 2 and contains_seq(syllables, name.syllables):
                whole = syllables == name.syllables
                found = "" if whole else _pinyin_part(text, name.syllables)
                return NameMatch(name.text, "pinyin", whole, False, 0.8, found)
        for core, core_syl in zip(brand.cores, brand.core_syllables, strict=False):
            if len(core_syl) >= 2 and contains_seq(syllables, core_syl):
                shown = next((_display_core(n.text, core) for n in brand.names if n.core == core), core)
                return NameMatch(shown, "pinyin", False, True, 0.6, _pinyin_part(text, core_syl))
    return best


def _display_core(name: str, core: str) -> str:
    """The brand's core as written in its name (華岳 from 華岳證券), for a reason to quote."""
    part = _matched_part(name, 2, core)
    return part or core


def developer_name_is_official(name: str, brand: PreparedBrand) -> bool:
    """Whether a developer name, folded, is one of the brand's official developer names or its legal name."""
    folded = normalize_name(name)
    return bool(folded) and folded in brand.developers


@dataclass(frozen=True)
class PackageMatch:
    """How a package name imitates the brand: like an official package, or containing a brand token."""

    package: str
    official: str  # the official package it resembles, or the brand token it contains
    kind: str  # similar | token
    similarity: float

    @property
    def en(self) -> str:
        if self.kind == "similar":
            return f"resembles the official {self.official} ({self.similarity:.0%})"
        return f"contains the brand's {self.official!r}"

    @property
    def zh(self) -> str:
        if self.kind == "similar":
            return f"與官方 {self.official} 相似度 {self.similarity:.0%}"
        return f"含有品牌字樣「{self.official}」"

    why = en


def package_match(package: str, brand: PreparedBrand) -> PackageMatch | None:
    """Whether a package name or bundle id imitates the official ones (never the official one itself)."""
    pkg = package.strip().lower()
    if not pkg or pkg.isdigit() or pkg in (p.lower() for p in brand.packages):
        return None
    best: PackageMatch | None = None
    for official in brand.packages:
        score = fuzz.ratio(pkg, official.lower()) / 100
        if score >= 0.8 and (best is None or score > best.similarity):
            best = PackageMatch(package, official, "similar", score)
    if best is not None:
        return best
    squashed = basic(pkg)
    for token in sorted(brand.package_tokens, key=len, reverse=True):
        if token in squashed:
            return PackageMatch(package, token, "token", 1.0)
    return None
