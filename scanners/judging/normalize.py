"""Folding names so that look-alikes compare equal: width, case, script, variants, homoglyphs, sound.

Each fold is a small pure function; ``fold_levels`` says which step first made two names equal, so a
verdict can say *how* a title imitates the brand (exact copy, Simplified Chinese, variant characters,
look-alike letters).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

# Variant and commonly confused characters seen in impostor names (see shared notes: 証 for 證, 劵 for 券).
VARIANTS = str.maketrans({"証": "證", "劵": "券", "臺": "台", "峯": "峰", "羣": "群", "裏": "裡", "嶽": "岳"})
# Cyrillic and Greek letters that look like Latin ones, then digits and letters that pass for each other.
HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "һ": "h",
        "ԁ": "d",
        "ɡ": "g",
        "к": "k",
        "м": "m",
        "т": "t",
        "в": "b",
        "н": "h",
        "ո": "n",
        "α": "a",
        "ε": "e",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "ν": "v",
        "κ": "k",
        "ι": "i",
        "η": "n",
        "χ": "x",
        "μ": "u",
        "ω": "w",
        "β": "b",
        "0": "o",
        "1": "l",
        "i": "l",
        "|": "l",
        "!": "l",
        "5": "s",
        "$": "s",
        "@": "a",
    }
)
_KEEP = re.compile(r"[^0-9a-z\u3400-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def basic(text: str) -> str:
    """NFKC (full-width to half-width), case-folded, without spaces and punctuation."""
    return _KEEP.sub("", unicodedata.normalize("NFKC", text).casefold())


def traditional(text: str) -> str:
    """Simplified Chinese converted to Traditional (OpenCC); applied to both sides of every comparison."""
    return str(_s2t().convert(text))


def _homoglyph(text: str) -> str:
    # Fold before basic(): the Cyrillic letters are removed by the character filter otherwise.
    return unicodedata.normalize("NFKC", text).casefold().translate(HOMOGLYPHS).replace("rn", "m")


def fold_levels(text: str) -> tuple[str, str, str]:
    """(basic, + Simplified→Traditional, + variant characters and homoglyphs) forms of ``text``."""
    b = basic(text)
    t = basic(traditional(unicodedata.normalize("NFKC", text)))
    v = basic(traditional(_homoglyph(text)).translate(VARIANTS))
    return b, t, v


def normalize_name(text: str) -> str:
    """The fully folded form used for matching: width, case, punctuation, script, variants, homoglyphs."""
    return fold_levels(text)[2]


def cjk_len(text: str) -> int:
    """How many Chinese characters ``text`` holds."""
    return len(_CJK.findall(text))


def pinyin(text: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of the Chinese characters in ``text`` (other characters dropped)."""
    chars = "".join(_CJK.findall(traditional(text)))
    if not chars:
        return ()
    # Imported here: pypinyin loads its dictionary at import (about a second), which every command paid.
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(chars))


def contains_seq(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    """Whether ``needle`` occurs as a contiguous run in ``haystack`` (never when it is empty)."""
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def domain_of(value: str) -> str:
    """The host of an e-mail address or URL, lower-case, without ``www.``."""
    v = value.strip().lower()
    if "@" in v and "://" not in v:
        v = v.rsplit("@", 1)[1]
    else:
        v = re.sub(r"^[a-z][a-z0-9+.-]*://", "", v)
        v = v.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    return v.removeprefix("www.").strip(".")


def domain_in(domain: str, allowed: tuple[str, ...]) -> bool:
    """Whether ``domain`` is one of ``allowed`` or a subdomain of one."""
    return any(domain == d or domain.endswith("." + d) for d in allowed)
