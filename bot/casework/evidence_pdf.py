"""The evidence pack's printable PDF summary (zh-TW), drawn with matplotlib in an installed CJK font.

Written only when ``bot.core.fonts.cjk_font()`` finds a font that can draw Chinese (Debian: fonts-noto-cjk):
without one every Chinese character would print as an empty box, and the HTML summary remains. Store text
is hostile: every string is drawn as plain text (no mathtext, no TeX), one line each, bounded in length.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from typing import Any

from bot.casework.casefacts import STORE_NAMES_ZH, CaseFacts
from bot.casework.drafts import fmt_time

Section = tuple[str, list[tuple[str, str]]]
A4 = (8.27, 11.69)  # inches
LINE = 0.0165  # of the page height, at 8.5 pt
WIDTH = 104  # columns per line (a CJK character takes two)
MAX_VALUE = 1200  # characters kept of any one value


def _columns(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def wrap(text: str, width: int = WIDTH) -> list[str]:
    """Lines of at most ``width`` columns (CJK characters count two); control characters dropped."""
    clean = "".join(c if c == "\n" or unicodedata.category(c)[0] != "C" else " " for c in text[:MAX_VALUE])
    out: list[str] = []
    for para in clean.split("\n"):
        line, used = "", 0
        for ch in para:
            w = _columns(ch)
            if used + w > width:
                out.append(line)
                line, used = "", 0
            line += ch
            used += w
        out.append(line)
    return out


def summary_sections(
    facts: CaseFacts,
    files: Sequence[Any],
    *,
    brand_name: str,
    generated_by: str,
    generated_at: str,
    state_label: str,
    takedown_label: str,
) -> list[Section]:
    """What the printed summary says, section by section (the same facts as the HTML page)."""
    sections: list[Section] = [
        (
            "案件",
            [
                ("保護品牌", brand_name),
                ("案件狀態", state_label),
                ("下架進度", takedown_label),
                ("首次發現", fmt_time(facts.first_seen)),
                ("產製者", generated_by),
                ("產製時間", fmt_time(generated_at)),
            ],
        )
    ]
    li = facts.listing
    if li is not None:
        sections.append(
            (
                "商店上架資料",
                [
                    ("商店", STORE_NAMES_ZH.get(li.store, li.store)),
                    ("App 名稱", li.title),
                    ("App ID", li.app_id),
                    ("商店頁面", li.url),
                    ("開發者名稱", li.developer),
                    ("開發者 ID", li.developer_id),
                    ("電子郵件", li.developer_email),
                    ("網站", li.developer_website),
                    ("目前是否上架", "是" if li.present else f"否（{fmt_time(li.removed_at)} 起未再出現）"),
                ],
            )
        )
        if li.reasons:
            sections.append(("判定理由", [("", f"・{r.zh}（{r.points:+d}）") for r in li.reasons]))
    if facts.apk is not None:
        a = facts.apk
        rows = [("SHA-256", a.sha256), ("判定", a.verdict), ("套件名稱", a.package), ("App 名稱", a.app_name)]
        rows += [("簽章憑證", c.sha256) for c in a.certificates]
        sections.append(("APK 分析", rows))
    timeline: list[tuple[str, str]] = []
    for t in facts.timeline:
        change = f"{t.old} → {t.new}" if (t.old or t.new) else ""
        words = (t.action, change, t.note, f"（{t.actor}）")
        timeline.append((fmt_time(t.at), " ".join(x for x in words if x)))
    for td in facts.takedowns:
        store = STORE_NAMES_ZH.get(td.store, td.store)
        timeline.append((fmt_time(td.at), f"下架申請（{store}，編號 {td.reference or '無'}）"))
    for p in facts.police:
        timeline.append((fmt_time(p.at), f"報案 案號 {p.report_no}（{p.agency}）"))
    sections.append(("處理經過（時間軸）", timeline))
    sections.append(("檔案清單與 SHA-256（完整清單見 manifest.json）", [(f.name, f.sha256) for f in files]))
    return [(h, [(k, v) for k, v in rows if v]) for h, rows in sections]


def summary_pdf(title: str, sections: Sequence[Section], font: str) -> bytes:
    """A4 pages of the sections, in ``font``; deterministic bytes for the same input (no creation date)."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf, PdfPages

    buf = io.BytesIO()
    with PdfPages(buf, metadata={"CreationDate": None, "Creator": "fakeapp", "Producer": "fakeapp"}) as pdf:
        for fig in summary_pages(title, sections, font):
            FigureCanvasPdf(fig)
            pdf.savefig(fig)
    return buf.getvalue()


def summary_pages(title: str, sections: Sequence[Section], font: str) -> list[Any]:
    """The summary's A4 pages as matplotlib Figures (the PDF's pages; drawable to PNG to look at one)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lines: list[tuple[str, str]] = [("title", title), ("gap", "")]
    for heading, rows in sections:
        lines += [("heading", heading)]
        for key, value in rows:
            text = f"{key}：{value}" if key else value
            wrapped = wrap(text)
            lines += [("row", wrapped[0])] + [("row", "    " + w) for w in wrapped[1:]]
        lines.append(("gap", ""))
    per_page = int(0.9 / LINE)
    style: dict[str, dict[str, Any]] = {
        "title": {"fontsize": 14, "fontweight": "bold"},
        "heading": {"fontsize": 10.5, "fontweight": "bold"},
        "row": {"fontsize": 8.5},
        "gap": {"fontsize": 8.5},
    }
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    figures = []
    for number, page in enumerate(pages, 1):
        fig = Figure(figsize=A4)
        FigureCanvasAgg(fig)
        y = 0.95
        for kind, text in page:
            if text:
                fig.text(0.06, y, text, fontfamily=font, va="top", parse_math=False, usetex=False,
                         **style[kind])  # fmt: skip
            y -= LINE * (1.6 if kind == "title" else 1.25 if kind == "heading" else 1.0)
        fig.text(0.94, 0.03, f"{title} · 第 {number}/{len(pages)} 頁", fontfamily=font, fontsize=7,
                 ha="right", parse_math=False, usetex=False)  # fmt: skip
        figures.append(fig)
    return figures
