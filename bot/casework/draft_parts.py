"""The parts every draft is made of: the ``Draft`` type and its error, quoting and time formatting, the
official links, the earlier-actions block and the signature. The store and police drafts (``drafts``) and the
link drafts (``link_drafts``) both build on these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from bot.casework.casefacts import STORE_NAMES_EN, STORE_NAMES_ZH, CaseFacts, clean
from bot.core.clock import local_date, local_time
from scanners.profile import Brand


class DraftError(ValueError):
    """A draft that cannot be made for this case (wrong kind for its store, unknown kind or language)."""


@dataclass(frozen=True)
class Draft:
    """One ready-to-file draft: where and why to file it, the recipient, subject and body."""

    kind: str
    lang: str
    form_name: str  # where to file it
    form_url: str
    why: str  # why this channel / form
    to: str  # e-mail recipient, when it is an e-mail
    subject: str
    body: str
    html: str = ""  # an HTML version (website warning only)

    def text(self) -> str:
        """The draft as one plain-text document: where to file it, why, then subject and body."""
        zh = self.lang == "zh"
        lines = [
            f"{'提交管道' if zh else 'File with'}: {self.form_name}",
        ]
        if self.form_url:
            lines.append(f"{'網址' if zh else 'URL'}: {self.form_url}")
        if self.to:
            lines.append(f"{'收件人' if zh else 'To'}: {self.to}")
        if self.why:
            lines.append(f"{'為何使用此管道' if zh else 'Why this channel'}: {self.why}")
        lines += ["", f"{'主旨' if zh else 'Subject'}: {self.subject}", "", self.body.rstrip(), ""]
        return "\n".join(lines)


def fmt_time(iso: str, tz: tzinfo | None = None) -> str:
    """A stored time as the team reads it: ``2026-11-20 14:03 (UTC+8)`` (see ``bot.core.clock``)."""
    return local_time(iso, tz) if iso else "—"


def fmt_date(iso: str, tz: tzinfo | None = None) -> str:
    """A stored time's date in the team's zone, named: ``2026-11-20 (UTC+8)``."""
    return local_date(iso, tz) if iso else "—"


def q(text: object, limit: int = 200, lang: str = "zh") -> str:
    """Hostile text quoted for a plain-text draft in the language's own quotes: 「cleaned」 or “cleaned”."""
    return f"「{clean(text, limit)}」" if lang == "zh" else f"“{clean(text, limit)}”"


def official_links(brand: Brand) -> list[tuple[str, str, str]]:
    """(store, app name, URL) of every official app with a download link, then the download page."""
    links = [(a.store, a.name or brand.name, a.url) for a in brand.apps if a.url]
    return links


def links_block(brand: Brand, lang: str) -> list[str]:
    """The official download links as draft lines, or a line saying the profile has none."""
    names = STORE_NAMES_ZH if lang == "zh" else STORE_NAMES_EN
    lines = [f"  - {names.get(s, s)}: {n} {u}" for s, n, u in official_links(brand)]
    if brand.download_page:
        lines.append(
            ("  - 官方下載頁：" if lang == "zh" else "  - Official download page: ") + brand.download_page
        )
    if not lines:
        lines.append(
            "  - （品牌設定檔尚無官方下載連結）" if lang == "zh" else "  - (no official links in the profile)"
        )
    return lines


def history_block(facts: CaseFacts, lang: str, tz: tzinfo | None = None) -> list[str]:
    """Earlier takedowns and police reports, carried forward (re-listed apps, re-sent requests)."""
    zh = lang == "zh"
    out = []
    names = STORE_NAMES_ZH if zh else STORE_NAMES_EN
    for t in facts.takedowns:
        ref = clean(t.reference, 100) or ("無" if zh else "none")
        where = names.get(t.store, clean(t.store, 40))
        out.append(
            f"  - 下架申請 {fmt_date(t.at, tz)}（{where}，編號 {ref}）"
            if zh
            else f"  - Takedown request {fmt_date(t.at, tz)} ({where}, ref. {ref})"
        )
    for r in facts.removals:
        out.append(f"  - {'確認下架' if zh else 'Seen removed'} {fmt_date(r, tz)}")
    for r in facts.relistings:
        out.append(f"  - {'重新上架' if zh else 'Re-listed'} {fmt_date(r, tz)}")
    for p in facts.police:
        agency = clean(p.agency, 80)
        out.append(
            f"  - 報案 {fmt_date(p.at, tz)} 案號 {clean(p.report_no, 60)}{f'（{agency}）' if agency else ''}"
            if zh
            else f"  - Police report {fmt_date(p.at, tz)} no. {clean(p.report_no, 60)}"
            f"{f' ({agency})' if agency else ''}"
        )
    return out


def signature(brand: Brand, lang: str) -> list[str]:
    """The closing lines of a letter: the brand's legal name, a contact to fill in, the website."""
    zh = lang == "zh"
    return [
        "",
        "此致" if zh else "Sincerely,",
        brand.legal_name,
        (
            "資訊安全部　聯絡人：＿＿＿＿　電話：＿＿＿＿"
            if zh
            else "Information Security, contact: ____ phone: ____"
        ),
        *([f"{'官方網站' if zh else 'Website'}: {brand.website}"] if brand.website else []),
    ]
