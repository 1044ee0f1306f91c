"""Evidence packs: one ZIP per case with a printable summary, raw store responses, images, APK facts, timeline
and a SHA-256 manifest saying who generated it and when (chain of custody).

Built from the database only, so a listing the store has removed keeps its evidence. PDF is not produced:
no well-kept pure-Python library renders Traditional Chinese without bundling a CJK font (see README).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import html
import io
import json
import socket
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from typing import Any

import sqlite_utils

from bot.cases.actions import get_case
from bot.casework.casefacts import STORE_NAMES_ZH, CaseFacts, EvidenceItem, load_case_facts
from bot.casework.drafts import fmt_time
from bot.core.clock import utc_now
from bot.core.linksafe import redact_userinfo
from bot.store.db import insert_row, transaction

MANIFEST = "manifest.json"
SUMMARY = "summary.html"
SUMMARY_PDF = "summary.pdf"  # only when a CJK font is installed (bot.core.fonts)
_IMAGE_EXT = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}


class EvidenceError(ValueError):
    """A pack that cannot be made (no such case); one line for the user."""


@dataclass(frozen=True)
class PackFile:
    name: str
    data: bytes
    kind: str  # summary | case | listing | history | raw | media | apk | timeline

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Pack:
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
    return files


def evidence_items(db: sqlite_utils.Database, case_id: int) -> tuple[EvidenceItem, ...]:
    """The evidence list (name, SHA-256, size) a police report cites: the same names and hashes as a pack."""
    return tuple(EvidenceItem(f.name, f.sha256, len(f.data)) for f in evidence_files(db, case_id))


def _manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return _json(manifest)


def _tr(label: str, value: str) -> str:
    return f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"


_STATE_ZH = {
    "new": "新案件（待確認）",
    "confirmed": "已確認假冒",
    "false_positive": "誤報",
    "resolved": "已結案",
    "relisted": "重新上架",
}
_TAKEDOWN_ZH = {"none": "未申請", "requested": "已申請下架", "removed": "已下架", "rejected": "下架遭拒"}

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


def summary_html(
    facts: CaseFacts,
    files: Sequence[PackFile],
    *,
    brand_name: str,
    generated_by: str,
    generated_at: str,
    history: Sequence[dict[str, Any]] = (),
) -> str:
    """The printable summary page in Traditional Chinese; every store and APK string is HTML-escaped."""
    e = html.escape
    out = [
        "<!doctype html>",
        '<html lang="zh-Hant-TW"><head><meta charset="utf-8">',
        f"<title>證據包 案件 #{facts.case_id}</title><style>{_CSS}</style></head><body>",
        f"<h1>假冒 App 證據包：案件 #{facts.case_id}</h1>",
        "<table>",
        _tr("保護品牌", brand_name),
        _tr("案件狀態", _STATE_ZH.get(facts.state, facts.state)),
        _tr("下架進度", _TAKEDOWN_ZH.get(facts.takedown, facts.takedown)),
        _tr("首次發現", fmt_time(facts.first_seen)),
        _tr("產製者", generated_by),
        _tr("產製時間", fmt_time(generated_at)),
        "</table>",
    ]
    li = facts.listing
    if li is not None:
        out += [
            "<h2>商店上架資料</h2>",
            "<table>",
            _tr("商店", STORE_NAMES_ZH.get(li.store, li.store)),
            _tr("App 名稱", li.title),
            _tr("App ID", li.app_id),
            _tr("Bundle ID", li.bundle_id),
            _tr("商店頁面", li.url),
            _tr("版本", li.version),
            _tr("下載次數", li.installs),
            *(
                _tr(label, value)
                for label, value in (
                    ("上架之使用者商店（Aptoide）", li.store_name),
                    ("簽章憑證 SHA-1（商店提供）", li.cert_sha1),
                    ("簽章憑證擁有者", li.cert_owner),
                    ("APK 下載位址", li.apk_url),
                    ("APK MD5（商店提供）", li.apk_md5),
                )
                if value
            ),
            _tr("最後一次看到", fmt_time(li.last_seen)),
            _tr("目前是否上架", "是" if li.present else f"否（{fmt_time(li.removed_at)} 起未再出現）"),
            _tr("判定", f"{li.verdict}（分數 {li.score}）"),
            "</table>",
            "<h2>開發者資料</h2>",
            "<table>",
            _tr("開發者名稱", li.developer),
            _tr("開發者 ID", li.developer_id),
            _tr("法定名稱", li.developer_legal_name),
            _tr("電子郵件", li.developer_email),
            _tr("網站", li.developer_website),
            _tr("地址", li.developer_address),
            _tr("電話", li.developer_phone),
            "</table>",
        ]
        if li.reasons:
            out += ["<h2>判定理由</h2>", "<ul>"]
            out += [f"<li>{e(r.zh)}（{r.points:+d}）</li>" for r in li.reasons]
            out += ["</ul>"]
        if li.description:
            out += [
                "<h2>商店說明文字</h2>",
                f"<pre style='white-space:pre-wrap'>{e(li.description[:5000])}</pre>",
            ]
    images = [f for f in files if f.kind == "media"]
    if images:
        out += ["<h2>圖示與截圖</h2>", "<div>"]
        out += [f'<img src="{e(f.name, quote=True)}" alt="{e(f.name, quote=True)}">' for f in images]
        out += ["</div>"]
    if history:
        out += ["<h2>上架資料變更紀錄</h2>", "<table><tr><th>時間</th><th>欄位</th><th>舊值 → 新值</th></tr>"]
        for h in history:
            out.append(
                f"<tr><td>{e(fmt_time(str(h.get('at') or '')))}</td><td>{e(str(h.get('field') or ''))}</td>"
                f"<td>{e(str(h.get('old') or ''))[:500]} → {e(str(h.get('new') or ''))[:500]}</td></tr>"
            )
        out.append("</table>")
    if facts.apk is not None:
        a = facts.apk
        out += [
            "<h2>APK 分析</h2>",
            "<table>",
            _tr("SHA-256", a.sha256),
            _tr("判定", a.verdict),
            _tr("套件名稱", a.package),
            _tr("App 名稱", a.app_name),
            _tr("來源", a.source),
            _tr("分析時間", fmt_time(a.analysed_at)),
            "</table>",
        ]
        if a.certificates:
            out += ["<table><tr><th>簽章憑證 SHA-256</th><th>主體／簽發者</th></tr>"]
            out += [
                f"<tr><td class='hash'>{e(c.sha256)}</td><td>{e(c.subject)}<br>{e(c.issuer)}</td></tr>"
                for c in a.certificates
            ]
            out.append("</table>")
    out += ["<h2>處理經過（時間軸）</h2>", "<table><tr><th>時間</th><th>動作</th><th>內容</th></tr>"]
    for t in facts.timeline:
        change = f"{t.old} → {t.new}" if (t.old or t.new) else ""
        detail = " ".join(x for x in (change, t.note) if x)
        out.append(
            f"<tr><td>{e(fmt_time(t.at))}</td><td>{e(t.action)}<br><small>{e(t.actor)}</small></td>"
            f"<td>{e(detail)}</td></tr>"
        )
    out.append("</table>")
    if facts.takedowns or facts.police:
        out += ["<h2>下架申請與報案</h2>", "<ul>"]
        out += [
            f"<li>下架申請 {e(fmt_time(t.at))}（{e(STORE_NAMES_ZH.get(t.store, t.store))}，"
            f"編號 {e(t.reference or '無')}）</li>"
            for t in facts.takedowns
        ]
        out += [
            f"<li>報案 {e(fmt_time(p.at))} 案號 {e(p.report_no)}（{e(p.agency)}）</li>" for p in facts.police
        ]
        out.append("</ul>")
    out += [
        "<h2>檔案清單與 SHA-256</h2>",
        f"<p>完整清單（含本頁以外所有檔案之雜湊、產製者與時間）見 <code>{MANIFEST}</code>。</p>",
        "<table><tr><th>檔案</th><th>SHA-256</th></tr>",
    ]
    out += [f"<tr><td>{e(f.name)}</td><td class='hash'>{f.sha256}</td></tr>" for f in files]
    out += ["</table>", "</body></html>"]
    return "\n".join(out)


def _summary_pdf(
    facts: CaseFacts, files: Sequence[PackFile], brand_name: str, generated_by: str, at: str
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
        state_label=_STATE_ZH.get(facts.state, facts.state),
        takedown_label=_TAKEDOWN_ZH.get(facts.takedown, facts.takedown),
    )
    return summary_pdf(f"假冒 App 證據包：案件 #{facts.case_id}", sections, font)


def build_pack(
    db: sqlite_utils.Database,
    case_id: int,
    *,
    generated_by: str,
    brand_name: str = "",
    now: datetime | None = None,
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
    pdf = _summary_pdf(facts, files, brand_name or facts.brand_id, generated_by, at)
    if pdf is not None:  # before the HTML page, so that the page lists the PDF's hash too
        files.insert(0, PackFile(SUMMARY_PDF, pdf, "summary"))
    summary = summary_html(
        facts,
        files,
        brand_name=brand_name or facts.brand_id,
        generated_by=generated_by,
        generated_at=at,
        history=history,
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
    db: sqlite_utils.Database, case_id: int, actor: Any, *, brand_name: str = "", now: datetime | None = None
) -> Pack:
    """Build the pack and record it on the timeline (save first: the caller sends or writes it after)."""
    pack = build_pack(db, case_id, generated_by=actor.label, brand_name=brand_name, now=now)
    record_pack(db, pack, actor)
    return pack
