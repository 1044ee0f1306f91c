"""The evidence pack's printable PDF summary (zh-TW), drawn with matplotlib in an installed CJK font.

Written only when ``bot.core.fonts.cjk_font()`` finds a font that can draw Chinese (Debian: fonts-noto-cjk):
without one every Chinese character would print as an empty box, and the HTML summary remains. Store text
is hostile: every string is drawn as plain text (no mathtext, no TeX), one line each, bounded in length.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from bot.casework.casefacts import STORE_NAMES_ZH, CaseFacts
from bot.casework.draft_parts import fmt_time
from bot.casework.evidence_zh import zh
from bot.core.i18n import event_sentence, label

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
    tz: tzinfo | None = None,
) -> list[Section]:
    """What the printed summary says, section by section (the same facts as the HTML page, the same words:
    ``evidence_zh``)."""
    sections: list[Section] = [
        (
            zh("h.case"),
            [
                (zh("case.brand"), brand_name),
                (zh("case.state"), state_label),
                (zh("case.takedown"), takedown_label),
                (zh("case.first_seen"), fmt_time(facts.first_seen, tz)),
                (zh("case.generated_by"), generated_by),
                (zh("case.generated_at"), fmt_time(generated_at, tz)),
            ],
        )
    ]
    li = facts.listing
    if li is not None:
        present = zh("yes") if li.present else zh("listing.gone", at=fmt_time(li.removed_at, tz))
        sections.append(
            (
                zh("h.listing"),
                [
                    (zh("listing.store"), STORE_NAMES_ZH.get(li.store, li.store)),
                    (zh("listing.title"), li.title),
                    (zh("listing.app_id"), li.app_id),
                    (zh("listing.url"), li.url),
                    (zh("developer.name"), li.developer),
                    (zh("developer.id"), li.developer_id),
                    (zh("developer.email"), li.developer_email),
                    (zh("developer.website"), li.developer_website),
                    (zh("listing.present"), present),
                ],
            )
        )
        if li.reasons:
            reasons = [("", zh("reason.pdf", text=r.zh, points=r.points)) for r in li.reasons]
            sections.append((zh("h.reasons"), reasons))
    if facts.link is not None:
        from bot.casework.link_evidence import pdf_sections

        sections += pdf_sections(facts, files)
    if facts.apk is not None:
        a = facts.apk
        rows = [
            ("SHA-256", a.sha256),
            (zh("listing.verdict"), label("zh", "verdict", a.verdict)),
            (zh("apk.package"), a.package),
            (zh("apk.app_name"), a.app_name),
        ]
        rows += [(zh("apk.certificate"), c.sha256) for c in a.certificates]
        sections.append((zh("h.apk"), rows))
    timeline: list[tuple[str, str]] = []
    for t in facts.timeline:
        timeline.append((fmt_time(t.at, tz), event_sentence("zh", t.action, t.actor, new=t.new, note=t.note)))
    for td in facts.takedowns:
        store = STORE_NAMES_ZH.get(td.store, td.store)
        filed = zh("filing.takedown.pdf", store=store, ref=td.reference or zh("none"))
        timeline.append((fmt_time(td.at, tz), filed))
    for p in facts.police:
        timeline.append((fmt_time(p.at, tz), zh("filing.police.pdf", no=p.report_no, agency=p.agency)))
    sections.append((zh("h.timeline"), timeline))
    sections.append((zh("h.files.pdf", manifest="manifest.json"), [(f.name, f.sha256) for f in files]))
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
        footer = zh("pdf.page", title=title, n=number, total=len(pages))
        fig.text(0.94, 0.03, footer, fontfamily=font, fontsize=7, ha="right", parse_math=False, usetex=False)
        figures.append(fig)
    return figures
