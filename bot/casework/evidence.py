"""Evidence packs: one ZIP per case with a printable summary, raw store responses, images, APK facts, timeline
and a SHA-256 manifest saying who generated it and when (chain of custody).

Built from the database only, so a listing the store has removed keeps its evidence. PDF is not produced:
no well-kept pure-Python library renders Traditional Chinese without bundling a CJK font (see README).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import socket
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from importlib import metadata
from typing import Any

import sqlite_utils

from bot.cases.actions import get_case
from bot.casework.casefacts import STORE_NAMES_ZH, CaseFacts, EvidenceItem, ListingFacts, load_case_facts
from bot.casework.draft_parts import fmt_time
from bot.casework.evidence_zh import zh, zh_label
from bot.core.clock import utc_now
from bot.core.i18n import event_sentence, label
from bot.core.linksafe import redact_userinfo
from bot.core.textsafe import esc
from bot.store.db import insert_row, transaction

MANIFEST = "manifest.json"
SUMMARY = "summary.html"
SUMMARY_PDF = "summary.pdf"  # only when a CJK font is installed (bot.core.fonts)
_IMAGE_EXT = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}


class EvidenceError(ValueError):
    """A pack that cannot be made (no such case); one line for the user."""


@dataclass(frozen=True)
class PackFile:
    """One file of an evidence pack: its name in the ZIP, its bytes and what it holds."""

    name: str
    data: bytes
    kind: str  # summary | case | listing | history | raw | media | apk | timeline

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Pack:
    """One case's evidence pack: the ZIP, its file name and its manifest."""

    case_id: int
    filename: str
    data: bytes  # the ZIP
    manifest: dict[str, Any]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def manifest_sha256(self) -> str:
        return hashlib.sha256(_manifest_bytes(self.manifest)).hexdigest()

    def names(self) -> list[str]:
        """What the ZIP holds, in order, read from the ZIP itself (the manifest included)."""
        with zipfile.ZipFile(io.BytesIO(self.data)) as z:
            return z.namelist()


def _tool_version() -> str:
    try:
        return metadata.version("fakeapp")
    except metadata.PackageNotFoundError:
        return "unknown"


def _ext(content_type: str, data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return _IMAGE_EXT.get(content_type.split(";")[0].strip().lower(), "bin")


def _stamp(iso: str) -> str:
    return "".join(c for c in iso[:19] if c.isdigit()) or "unknown"


def _raw_ext(data: bytes) -> str:
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return "json"
    if head == b"<":
        return "html"
    return "txt"


def _json(obj: Any) -> bytes:
    """The pack's own JSON files; a link's user:password never reaches them (raw evidence stays as kept)."""
    text = json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    return redact_userinfo(text).encode("utf-8")


def _case_row(db: sqlite_utils.Database, case_id: int) -> dict[str, Any]:
    rows = [dict(r) for r in db.query("SELECT * FROM cases WHERE id = ?", [case_id])]
    if not rows:
        raise EvidenceError(f"no case #{case_id}")
    return rows[0]


def evidence_files(db: sqlite_utils.Database, case_id: int) -> list[PackFile]:
    """The files a pack keeps as evidence (raw responses, images, APK analyses): stable names and contents."""
    case = _case_row(db, case_id)
    files: list[PackFile] = []
    key = case.get("listing_key")
    if key:
        snaps = db.query(
            "SELECT id, at, kind, sha256, raw_gz FROM listing_snapshots"
            " WHERE listing_key = ? ORDER BY at, id",
            [key],
        )
        for n, s in enumerate(snaps, 1):
            raw = gzip.decompress(s["raw_gz"]) if s["raw_gz"] else b""
            name = f"raw/{n:03d}-{s['kind'] or 'response'}-{_stamp(s['at'] or '')}.{_raw_ext(raw)}"
            files.append(PackFile(name, raw, "raw"))
        media = db.query(
            "SELECT kind, url, content_type, data, at FROM listing_media WHERE listing_key = ?"
            " ORDER BY at, id",
            [key],
        )
        counts: dict[str, int] = {}
        for m in media:
            kind = "icon" if m["kind"] == "icon" else "screenshot"
            counts[kind] = counts.get(kind, 0) + 1
            data = bytes(m["data"] or b"")
            files.append(
                PackFile(
                    f"media/{kind}-{counts[kind]:02d}.{_ext(m['content_type'] or '', data)}", data, "media"
                )
            )
    from bot.casework.casefacts import apk_rows  # local: keeps the module's public surface small

    for row in apk_rows(db, case):
        report = row.get("report")
        try:
            parsed = json.loads(report) if isinstance(report, str) and report else report
        except json.JSONDecodeError:
            parsed = report
        payload = {k: v for k, v in row.items() if k != "report" and not isinstance(v, bytes)}
        payload["report"] = parsed
        for k in ("certificates",):
            if isinstance(payload.get(k), str):
                with contextlib.suppress(json.JSONDecodeError):
                    payload[k] = json.loads(payload[k])
        files.append(PackFile(f"apk/{str(row.get('sha256') or 'unknown')[:16]}.json", _json(payload), "apk"))
    if case.get("kind") in ("link", "site"):
        from bot.casework.link_evidence import link_files

        files += [PackFile(name, data, kind) for name, data, kind in link_files(db, case)]
    return files


def evidence_items(db: sqlite_utils.Database, case_id: int) -> tuple[EvidenceItem, ...]:
    """The evidence list (name, SHA-256, size) a police report cites: the same names and hashes as a pack."""
    return tuple(EvidenceItem(f.name, f.sha256, len(f.data)) for f in evidence_files(db, case_id))


def _manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return _json(manifest)


def _tr(label: str, value: str) -> str:
    return f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>"


_CSS = """
body { font-family: "Noto Sans TC", "PingFang TC", "Microsoft JhengHei", sans-serif;
 margin: 2em; color: #111; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; border-bottom: 1px solid #999; margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #bbb; padding: 4px 6px;
 text-align: left; vertical-align: top; word-break: break-all; } th { width: 11em; background: #f2f2f2; }
code, .hash { font-family: monospace; font-size: 0.85em; }
img { max-height: 240px; margin: 4px; border: 1px solid #ccc; }
@media print { body { margin: 0; } h2 { page-break-after: avoid; } table { page-break-inside: auto; } }
"""

# The summary page, section by section: each builder returns its HTML lines (none when it has nothing to
# show); every store, page and APK value passes through esc (bot.core.textsafe), every word comes from
# evidence_zh.


def _head(facts: CaseFacts) -> list[str]:
    """The document's head and the page heading."""
    return [
        "<!doctype html>",
        '<html lang="zh-Hant-TW"><head><meta charset="utf-8">',
        f"<title>{zh('page.title', id=facts.case_id)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{zh('title', id=facts.case_id)}</h1>",
    ]


def _case_section(
    facts: CaseFacts, brand_name: str, generated_by: str, generated_at: str, tz: tzinfo | None
) -> list[str]:
    """The case: brand, state, takedown progress, first sighting, who generated the pack and when."""
    return [
        "<table>",
        _tr(zh("case.brand"), brand_name),
        _tr(zh("case.state"), zh_label("state", facts.state)),
        _tr(zh("case.takedown"), zh_label("takedown", facts.takedown)),
        _tr(zh("case.first_seen"), fmt_time(facts.first_seen, tz)),
        _tr(zh("case.generated_by"), generated_by),
        _tr(zh("case.generated_at"), fmt_time(generated_at, tz)),
        "</table>",
    ]


def _listing_section(li: ListingFacts, tz: tzinfo | None) -> list[str]:
    """The store listing as last seen: identity, the store's own APK facts, whether it is still listed."""
    present = zh("yes") if li.present else zh("listing.gone", at=fmt_time(li.removed_at, tz))
    verdict = zh("listing.scored", verdict=label("zh", "verdict", li.verdict), score=li.score)
    optional = (
        ("listing.store_name", li.store_name),
        ("listing.cert_sha1", li.cert_sha1),
        ("listing.cert_owner", li.cert_owner),
        ("listing.apk_url", li.apk_url),
        ("listing.apk_md5", li.apk_md5),
    )
    return [
        f"<h2>{zh('h.listing')}</h2>",
        "<table>",
        _tr(zh("listing.store"), STORE_NAMES_ZH.get(li.store, li.store)),
        _tr(zh("listing.title"), li.title),
        _tr(zh("listing.app_id"), li.app_id),
        _tr(zh("listing.bundle_id"), li.bundle_id),
        _tr(zh("listing.url"), li.url),
        _tr(zh("listing.version"), li.version),
        _tr(zh("listing.installs"), li.installs),
        *(_tr(zh(key), value) for key, value in optional if value),
        _tr(zh("listing.last_seen"), fmt_time(li.last_seen, tz)),
        _tr(zh("listing.present"), present),
        _tr(zh("listing.verdict"), verdict),
        "</table>",
    ]


def _developer_section(li: ListingFacts) -> list[str]:
    """The developer as the store shows it."""
    return [
        f"<h2>{zh('h.developer')}</h2>",
        "<table>",
        _tr(zh("developer.name"), li.developer),
        _tr(zh("developer.id"), li.developer_id),
        _tr(zh("developer.legal_name"), li.developer_legal_name),
        _tr(zh("developer.email"), li.developer_email),
        _tr(zh("developer.website"), li.developer_website),
        _tr(zh("developer.address"), li.developer_address),
        _tr(zh("developer.phone"), li.developer_phone),
        "</table>",
    ]


def _reasons_section(li: ListingFacts) -> list[str]:
    """Why the listing was judged a fake, with each signal's points."""
    if not li.reasons:
        return []
    items = [f"<li>{zh('reason', text=esc(r.zh), points=r.points)}</li>" for r in li.reasons]
    return [f"<h2>{zh('h.reasons')}</h2>", "<ul>", *items, "</ul>"]


def _description_section(li: ListingFacts) -> list[str]:
    """The store's description text (the first 5000 characters), as published."""
    if not li.description:
        return []
    return [
        f"<h2>{zh('h.description')}</h2>",
        f"<pre style='white-space:pre-wrap'>{esc(li.description, limit=5000)}</pre>",
    ]


def _link_section(facts: CaseFacts, files: Sequence[PackFile]) -> list[str]:
    """A link case's part: the trace, its hops, reasons and screenshots (``link_evidence``)."""
    if facts.link is None:
        return []
    from bot.casework.link_evidence import summary_section

    return summary_section(facts, files)


def _images_section(files: Sequence[PackFile]) -> list[str]:
    """The listing's icon and screenshots, shown from the pack's own files."""
    images = [f for f in files if f.kind == "media"]
    if not images:
        return []
    e = esc
    shown = [f'<img src="{e(f.name)}" alt="{e(f.name)}">' for f in images]
    return [f"<h2>{zh('h.images')}</h2>", "<div>", *shown, "</div>"]


def _history_section(history: Sequence[dict[str, Any]], tz: tzinfo | None) -> list[str]:
    """What changed in the listing between scans: when, which field, old and new value."""
    if not history:
        return []
    e = esc
    out = [
        f"<h2>{zh('h.history')}</h2>",
        f"<table><tr><th>{zh('history.at')}</th><th>{zh('history.field')}</th>"
        f"<th>{zh('history.change')}</th></tr>",
    ]
    for h in history:
        when = fmt_time(str(h.get("at") or ""), tz)
        out.append(
            f"<tr><td>{e(when)}</td><td>{e(str(h.get('field') or ''))}</td>"
            f"<td>{e(h.get('old') or '', limit=500)} → {e(h.get('new') or '', limit=500)}</td></tr>"
        )
    out.append("</table>")
    return out


def _apk_section(facts: CaseFacts, tz: tzinfo | None) -> list[str]:
    """The APK analysis: hash, verdict, package, where it came from, and its signing certificates."""
    a = facts.apk
    if a is None:
        return []
    out = [
        f"<h2>{zh('h.apk')}</h2>",
        "<table>",
        _tr("SHA-256", a.sha256),
        _tr(zh("listing.verdict"), label("zh", "verdict", a.verdict)),
        _tr(zh("apk.package"), a.package),
        _tr(zh("apk.app_name"), a.app_name),
        _tr(zh("apk.source"), a.source),
        _tr(zh("apk.analysed_at"), fmt_time(a.analysed_at, tz)),
        "</table>",
    ]
    if a.certificates:
        e = esc
        out += [f"<table><tr><th>{zh('apk.certificate_sha256')}</th><th>{zh('apk.subject_issuer')}</th></tr>"]
        out += [
            f"<tr><td class='hash'>{e(c.sha256)}</td><td>{e(c.subject)}<br>{e(c.issuer)}</td></tr>"
            for c in a.certificates
        ]
        out.append("</table>")
    return out


def _timeline_section(facts: CaseFacts, tz: tzinfo | None) -> list[str]:
    """What was done, one sentence per event, with who did it and their note."""
    e = esc
    out = [
        f"<h2>{zh('h.timeline')}</h2>",
        f"<table><tr><th>{zh('timeline.at')}</th><th>{zh('timeline.action')}</th>"
        f"<th>{zh('timeline.note')}</th></tr>",
    ]
    for t in facts.timeline:
        said = event_sentence("zh", t.action, t.actor, new=t.new, note=t.note)
        out.append(
            f"<tr><td>{e(fmt_time(t.at, tz))}</td><td>{e(said)}<br><small>{e(t.actor)}</small></td>"
            f"<td>{e(t.note)}</td></tr>"
        )
    out.append("</table>")
    return out


def _filings_section(facts: CaseFacts, tz: tzinfo | None) -> list[str]:
    """The takedown requests and police reports filed so far."""
    if not (facts.takedowns or facts.police):
        return []
    e = esc
    takedowns = [
        zh(
            "filing.takedown",
            at=e(fmt_time(t.at, tz)),
            store=e(STORE_NAMES_ZH.get(t.store, t.store)),
            ref=e(t.reference or zh("none")),
        )
        for t in facts.takedowns
    ]
    police = [
        zh("filing.police", at=e(fmt_time(p.at, tz)), no=e(p.report_no), agency=e(p.agency))
        for p in facts.police
    ]
    return [
        f"<h2>{zh('h.filings')}</h2>",
        "<ul>",
        *(f"<li>{line}</li>" for line in takedowns + police),
        "</ul>",
    ]


def _files_section(files: Sequence[PackFile]) -> list[str]:
    """Every file of the pack with its SHA-256 (the manifest adds who generated it and when)."""
    return [
        f"<h2>{zh('h.files')}</h2>",
        f"<p>{zh('files.note', manifest=MANIFEST)}</p>",
        f"<table><tr><th>{zh('files.name')}</th><th>SHA-256</th></tr>",
        *(f"<tr><td>{esc(f.name)}</td><td class='hash'>{f.sha256}</td></tr>" for f in files),
        "</table>",
    ]


def summary_html(
    facts: CaseFacts,
    files: Sequence[PackFile],
    *,
    brand_name: str,
    generated_by: str,
    generated_at: str,
    history: Sequence[dict[str, Any]] = (),
    tz: tzinfo | None = None,
) -> str:
    """The printable summary page in Traditional Chinese; every store and APK string is HTML-escaped."""
    out = _head(facts) + _case_section(facts, brand_name, generated_by, generated_at, tz)
    li = facts.listing
    if li is not None:
        out += _listing_section(li, tz) + _developer_section(li) + _reasons_section(li)
        out += _description_section(li)
    out += _link_section(facts, files)
    out += _images_section(files)
    out += _history_section(history, tz)
    out += _apk_section(facts, tz)
    out += _timeline_section(facts, tz)
    out += _filings_section(facts, tz)
    out += _files_section(files)
    out.append("</body></html>")
    return "\n".join(out)


def _summary_pdf(
    facts: CaseFacts,
    files: Sequence[PackFile],
    brand_name: str,
    generated_by: str,
    at: str,
    tz: tzinfo | None = None,
) -> bytes | None:
    """The printable PDF summary, or None when no installed font can draw Chinese (the HTML page remains)."""
    from bot.core.fonts import cjk_font

    font = cjk_font()
    if font is None:
        return None
    from bot.casework.evidence_pdf import summary_pdf, summary_sections

    sections = summary_sections(
        facts,
        files,
        brand_name=brand_name,
        generated_by=generated_by,
        generated_at=at,
        state_label=zh_label("state", facts.state),
        takedown_label=zh_label("takedown", facts.takedown),
        tz=tz,
    )
    return summary_pdf(zh("title", id=facts.case_id), sections, font)


def build_pack(
    db: sqlite_utils.Database,
    case_id: int,
    *,
    generated_by: str,
    brand_name: str = "",
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> Pack:
    """The evidence pack of a case as an in-memory ZIP (nothing is written or recorded here)."""
    at = (now or utc_now()).replace(microsecond=0).isoformat()
    case = _case_row(db, case_id)
    evidence = evidence_files(db, case_id)
    facts = load_case_facts(
        db, case_id, evidence=tuple(EvidenceItem(f.name, f.sha256, len(f.data)) for f in evidence)
    )
    listing_row: dict[str, Any] = {}
    history: list[dict[str, Any]] = []
    if case.get("listing_key"):
        rows = [dict(r) for r in db.query("SELECT * FROM listings WHERE key = ?", [case["listing_key"]])]
        listing_row = rows[0] if rows else {}
        history = [
            dict(r)
            for r in db.query(
                "SELECT at, scan_id, field, old, new FROM listing_history WHERE listing_key = ? ORDER BY id",
                [case["listing_key"]],
            )
        ]
    events = [dict(r) for r in db.query("SELECT * FROM case_events WHERE case_id = ? ORDER BY id", [case_id])]
    files: list[PackFile] = [
        PackFile("case.json", _json(case), "case"),
        *([PackFile("listing.json", _json(listing_row), "listing")] if listing_row else []),
        *([PackFile("listing_history.json", _json(history), "history")] if history else []),
        PackFile("timeline.json", _json(events), "timeline"),
        *evidence,
    ]
    pdf = _summary_pdf(facts, files, brand_name or facts.brand_id, generated_by, at, tz)
    if pdf is not None:  # before the HTML page, so that the page lists the PDF's hash too
        files.insert(0, PackFile(SUMMARY_PDF, pdf, "summary"))
    summary = summary_html(
        facts,
        files,
        brand_name=brand_name or facts.brand_id,
        generated_by=generated_by,
        generated_at=at,
        history=history,
        tz=tz,
    )
    files.insert(0, PackFile(SUMMARY, redact_userinfo(summary).encode("utf-8"), "summary"))
    manifest = {
        "case_id": case_id,
        "generated_by": generated_by,
        "generated_at": at,
        "generated_on": socket.gethostname(),
        "tool": f"fakeapp {_tool_version()}",
        "listing_key": case.get("listing_key") or "",
        "apk_sha256": case.get("apk_sha256") or "",
        "link_key": case.get("link_key") or "",
        "hash": "sha256",
        "files": [{"name": f.name, "sha256": f.sha256, "size": len(f.data), "kind": f.kind} for f in files],
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.writestr(f.name, f.data)
        z.writestr(MANIFEST, _manifest_bytes(manifest))
    return Pack(
        case_id=case_id,
        filename=f"evidence-case{case_id}-{_stamp(at)}.zip",
        data=buf.getvalue(),
        manifest=manifest,
    )


def verify_pack(data: bytes) -> list[str]:
    """Problems found reading a pack back against its manifest (empty when it verifies)."""
    problems: list[str] = []
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return ["not a ZIP file"]
    with z:
        names = set(z.namelist())
        if MANIFEST not in names:
            return [f"no {MANIFEST}"]
        try:
            manifest = json.loads(z.read(MANIFEST))
        except json.JSONDecodeError:
            return [f"{MANIFEST} is not JSON"]
        listed = set()
        for entry in manifest.get("files", []):
            name = entry.get("name", "")
            listed.add(name)
            if name not in names:
                problems.append(f"{name}: missing")
                continue
            if hashlib.sha256(z.read(name)).hexdigest() != entry.get("sha256"):
                problems.append(f"{name}: SHA-256 differs from the manifest")
        for extra in sorted(names - listed - {MANIFEST}):
            problems.append(f"{extra}: not in the manifest")
    return problems


def record_pack(db: sqlite_utils.Database, pack: Pack, actor: Any) -> None:
    """Put the pack's generation on the case timeline, with the hashes that identify it."""
    case = get_case(db, pack.case_id)
    reason = f"{pack.filename} zip-sha256 {pack.sha256} manifest-sha256 {pack.manifest_sha256}"
    with transaction(db):
        db.execute(
            "INSERT INTO evidence_packs (case_id, at, actor, filename, zip_sha256, manifest_sha256, files)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                pack.case_id,
                pack.manifest["generated_at"],
                actor.label,
                pack.filename,
                pack.sha256,
                pack.manifest_sha256,
                len(pack.manifest["files"]),
            ],
        )
        insert_row(
            db,
            "case_events",
            {
                "case_id": case.id,
                "at": pack.manifest["generated_at"],
                "actor": actor.label,
                "action": "evidence",
                "field": "",
                "old": "",
                "new": "",
                "reason": reason,
                "scan_id": None,
            },
        )


def make_pack(
    db: sqlite_utils.Database,
    case_id: int,
    actor: Any,
    *,
    brand_name: str = "",
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> Pack:
    """Build the pack and record it on the timeline (save first: the caller sends or writes it after)."""
    pack = build_pack(db, case_id, generated_by=actor.label, brand_name=brand_name, now=now, tz=tz)
    record_pack(db, pack, actor)
    return pack
