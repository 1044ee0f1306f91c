"""The lines a link case adds to its card: the artifact (kind, hashes, iOS team id/name and distribution,
bundle id) or the site (domain, IP address, what it offers), with labels a person reads, never codes.

Every value came from a hostile page, file or profile: escaped and clipped here.
"""

from __future__ import annotations

from typing import Any

from bot.cases.actions import Case
from bot.cases.link_cases import details_of
from bot.core.i18n import t
from bot.core.textsafe import esc


def _colon(lang: str) -> str:
    return ": " if lang == "en" else "："


MAX_ARTIFACT_LINES = 10


def label(lang: str, prefix: str, value: str) -> str:
    """The catalogue's label for ``prefix.value``, or the value escaped when there is none."""
    out = t(lang, f"{prefix}.{value}")
    return out if out != f"{prefix}.{value}" else esc(value)


def _ios_lines(d: dict[str, Any], lang: str) -> list[str]:
    c = _colon(lang)
    out = []
    if d.get("team_id") or d.get("team_name"):
        out.append(
            f"{t(lang, 'card.team')}{c}<code>{esc(d.get('team_id') or '?', limit=20)}</code> "
            f"{esc(d.get('team_name') or '', limit=120)}"
        )
    if d.get("distribution"):
        out.append(f"{t(lang, 'card.distribution')}{c}<b>{label(lang, 'dist', str(d['distribution']))}</b>")
    if d.get("bundle_id"):
        out.append(f"{t(lang, 'card.bundle')}{c}<code>{esc(d['bundle_id'], limit=200)}</code>")
    return out


def artifact_lines(case: Case, lang: str) -> list[str]:
    """Card lines of an artifact case (kind, hash, iOS identity, where it was found)."""
    c = _colon(lang)
    d = details_of(case)
    lines = [f"{t(lang, 'card.kind')}{c}{label(lang, 'store', case.store)}"]
    lines += _ios_lines(d, lang)
    if d.get("package") or (case.store == "apk" and case.app_id):
        lines.append(
            f"{t(lang, 'card.package')}{c}<code>{esc(d.get('package') or case.app_id, limit=200)}</code>"
        )
    if d.get("code"):
        lines.append(f"{t(lang, 'card.code')}{c}<code>{esc(d['code'], limit=40)}</code>")
    if d.get("sha256"):
        lines.append(f"{t(lang, 'card.sha256')}{c}<code>{esc(d['sha256'])}</code>")
    where = d.get("domain")
    if where:
        addr = f"（{esc(d.get('address'))}）" if d.get("address") else ""
        lines.append(f"{t(lang, 'card.found_on')}{c}{esc(where, limit=120)}{addr}")
    return lines


def site_lines(case: Case, lang: str) -> list[str]:
    """Card lines of a site case: domain, IP address and the artifacts it offers."""
    c = _colon(lang)
    d = details_of(case)
    lines = [
        f"{t(lang, 'card.domain')}{c}<code>{esc(d.get('domain') or case.app_id, limit=120)}</code>",
        f"{t(lang, 'card.address')}{c}<code>{esc(d.get('address') or '—')}</code>",
    ]
    arts = [a for a in d.get("artifacts") or [] if isinstance(a, dict)]
    if arts:
        lines.append(t(lang, "card.artifacts", n=int(d.get("artifact_count") or len(arts))))
        for a in arts[:MAX_ARTIFACT_LINES]:
            extra = []
            if a.get("team_id"):
                extra.append(f"{t(lang, 'card.team')} <code>{esc(a['team_id'], limit=20)}</code>")
            if a.get("distribution"):
                extra.append(label(lang, "dist", str(a["distribution"])))
            if a.get("sha256"):
                extra.append(f"SHA-256 <code>{esc(str(a['sha256'])[:16])}…</code>")
            tail = ""
            if extra:
                tail = f"（{'，'.join(extra)}）" if lang == "zh" else f" ({', '.join(extra)})"
            lines.append(
                f"• {label(lang, 'store', str(a.get('kind') or ''))}{c}"
                f"<b>{label(lang, 'verdict', str(a.get('verdict') or ''))}</b>{tail}"
            )
        if len(arts) > MAX_ARTIFACT_LINES:
            lines.append(f"• … +{len(arts) - MAX_ARTIFACT_LINES}")
    return lines


def link_lines(case: Case, lang: str) -> list[str]:
    """The lines for a link case (empty for any other kind)."""
    if case.kind == "site":
        return site_lines(case, lang)
    if case.kind == "link":
        return artifact_lines(case, lang)
    return []
