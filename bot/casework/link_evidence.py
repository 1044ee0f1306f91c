"""What an evidence pack holds for a link case: for each trace that found it, the hop chain, each page's raw
HTML as served, the artifacts with their hashes (and the files themselves when small enough to have been
kept), and the headless-Chromium screenshot of the landing page, or a note saying why there is none.

Built from the database only (``bot.record.links``), so a site that is gone keeps its evidence.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from bot.casework.casefacts import STORE_NAMES_ZH, CaseFacts, LinkFacts
from bot.casework.evidence_zh import zh
from bot.core.textsafe import esc
from bot.record import links

MAX_TRACES = 5
_EXT = {"apk": "apk", "ipa": "ipa", "mobileconfig": "mobileconfig"}


def _json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode("utf-8")


def link_files(db: sqlite_utils.Database, case: dict[str, Any]) -> list[tuple[str, bytes, str]]:
    """(name, data, kind) of every evidence file of a link case, oldest trace first."""
    trace_ids = links.traces_for_case(db, int(case["id"]))[-MAX_TRACES:]
    out: list[tuple[str, bytes, str]] = []
    own_sha = ""
    try:
        own_sha = str(json.loads(case.get("details") or "{}").get("sha256") or "")
    except (ValueError, AttributeError):
        own_sha = ""
    kept: set[str] = set()
    for tid in trace_ids:
        row = links.trace_row(db, tid)
        if row is None:
            continue
        base = f"link/trace{tid:04d}"
        out.append((f"{base}/trace.json", _json({k: v for k, v in row.items()}), "trace"))
        out.append((f"{base}/hops.json", _json(links.hops(db, tid)), "hops"))
        for p in links.pages(db, tid):
            data = bytes(p.get("html") or b"")
            out.append((f"{base}/page-{int(p['n']):02d}.html", data, "page"))
        arts = links.artifacts(db, tid)
        out.append((f"{base}/artifacts.json", _json(arts), "artifacts"))
        shots = links.screenshots(db, tid)
        for n, s in enumerate(shots, 1):
            out.append((f"{base}/screenshot-{n:02d}.png", bytes(s["data"] or b""), "screenshot"))
        if not shots:
            note = row.get("screenshot_note") or "no screenshot"
            out.append((f"{base}/screenshot-missing.txt", f"{note}\n".encode(), "screenshot_note"))
        # the files themselves: the case's own file, or (a site) every file it offered, once each
        for a in arts:
            sha = str(a.get("sha256") or "")
            if not sha or sha in kept or a.get("kind") not in _EXT:
                continue
            if case.get("kind") == "link" and sha != own_sha:
                continue
            kept.add(sha)
            blob = links.artifact_file(db, sha)
            if blob is not None:
                out.append((f"link/files/{sha[:16]}.{_EXT[str(a['kind'])]}", blob, "artifact_file"))
    return out


# A link case's rows, in the order both summaries show them: (evidence_zh key, LinkFacts detail key).
_DETAIL_ROWS = (
    ("link.team_id", "team_id"),
    ("link.team_name", "team_name"),
    ("link.distribution", "distribution"),
    ("link.bundle_id", "bundle_id"),
    ("link.code", "code"),
    ("link.sha256", "sha256"),
)


def _rows(link: LinkFacts) -> list[tuple[str, str]]:
    """(label, value) of the link case's facts table, the details it has only."""
    rows = [
        (zh("link.kind"), STORE_NAMES_ZH.get(link.store, link.store)),
        (zh("link.title"), link.title),
        (zh("link.url"), link.url),
        (zh("link.start_url"), link.start_url),
        (zh("link.domain"), link.domain),
        (zh("link.address"), link.address),
    ]
    rows += [(zh(key), link.get(detail)) for key, detail in _DETAIL_ROWS if link.get(detail)]
    rows.append((zh("link.present"), zh("yes") if link.present else zh("no")))
    return rows


def summary_section(facts: CaseFacts, files: Sequence[Any]) -> list[str]:
    """The summary page's part for a link case (Traditional Chinese; every page/file value escaped)."""
    link = facts.link
    if link is None:
        return []
    e = esc
    out = [f"<h2>{zh('h.link')}</h2>", "<table>"]
    out += [f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in _rows(link)]
    out.append("</table>")
    if link.hop_urls:
        out += [f"<h2>{zh('h.hops')}</h2>", "<ol>"]
        out += [f"<li>{e(u)}</li>" for u in link.hop_urls]
        out.append("</ol>")
    if link.reasons:
        out += [f"<h2>{zh('h.reasons')}</h2>", "<ul>"]
        out += [f"<li>{zh('reason', text=e(r.zh), points=r.points)}</li>" for r in link.reasons]
        out.append("</ul>")
    shots = [f for f in files if f.kind == "screenshot"]
    notes = [f for f in files if f.kind == "screenshot_note"]
    out.append(f"<h2>{zh('h.screenshots')}</h2>")
    if shots:
        out += [f'<img src="{e(f.name)}" alt="{e(f.name)}">' for f in shots]
    for f in notes:
        out.append(f"<p>{zh('shot.missing.line', why=e(note_zh(f.data.decode('utf-8', 'replace'))))}</p>")
    pages = [f for f in files if f.kind == "page"]
    if pages:
        out.append(f"<p>{zh('pages.note', n=len(pages))}</p>")
    return out


def note_zh(note: str) -> str:
    """Why there is no screenshot, for the Chinese summary page."""
    n = note.lower()
    if "not installed" in n:
        return zh("shot.not_installed")
    if "did not finish" in n:
        return zh("shot.timeout")
    if "screenshots are off" in n:
        return zh("shot.off")
    if "nothing flagged" in n:
        return zh("shot.nothing_flagged")
    return zh("shot.failed")


def pdf_sections(facts: CaseFacts, files: Sequence[Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The printed summary's sections for a link case (the same facts as ``summary_section``)."""
    link = facts.link
    if link is None:
        return []
    out: list[tuple[str, list[tuple[str, str]]]] = [(zh("h.link"), [(k, v) for k, v in _rows(link) if v])]
    if link.hop_urls:
        out.append((zh("h.hops"), [(str(i), u) for i, u in enumerate(link.hop_urls, 1)]))
    if link.reasons:
        out.append(
            (zh("h.reasons"), [("", zh("reason.pdf", text=r.zh, points=r.points)) for r in link.reasons])
        )
    shots = [f.name for f in files if f.kind == "screenshot"]
    notes = [note_zh(f.data.decode("utf-8", "replace")) for f in files if f.kind == "screenshot_note"]
    out.append((zh("h.screenshots"), [("", n) for n in shots] + [(zh("shot.missing"), n) for n in notes]))
    return out
