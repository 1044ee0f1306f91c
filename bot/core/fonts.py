"""Finding a font that can draw Chinese, for charts and the evidence pack's PDF summary.

matplotlib's bundled fonts have no CJK glyphs: with them a Chinese label draws as empty boxes. So every
place that draws Chinese asks ``cjk_font()`` first and falls back to English (and says so) when there is none.
Debian: ``apt-get install fonts-noto-cjk``.
"""

from __future__ import annotations

# Families that cover Traditional Chinese, best first (Noto/Source Han are the same design).
CJK_FAMILIES = (
    "Noto Sans CJK TC",
    "Noto Sans TC",
    "Source Han Sans TC",
    "Noto Sans CJK HK",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Source Han Sans",
    "Noto Serif CJK TC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "AR PL UMing TW",
    "Microsoft JhengHei",
    "PingFang TC",
    "Heiti TC",
    "Droid Sans Fallback",
)
NO_CJK_FONT = "no CJK font installed (Debian: fonts-noto-cjk)"


def cjk_font(families: tuple[str, ...] = CJK_FAMILIES) -> str | None:
    """The first installed font family (as matplotlib knows it) that can draw Traditional Chinese."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in families if name in installed), None)
