"""What an evidence pack holds for a link case: for each trace that found it, the hop chain, each page's raw
HTML as served, the artifacts with their hashes (and the files themselves when small enough to have been
kept), and the headless-Chromium screenshot of the landing page, or a note saying why there is none.

Built from the database only (``bot.record.links``), so a site that is gone keeps its evidence.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from bot.casework.casefacts import STORE_NAMES_ZH, CaseFacts
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


def summary_section(facts: CaseFacts, files: Sequence[Any]) -> list[str]:
    """The summary page's part for a link case (Traditional Chinese; every page/file value escaped)."""
    link = facts.link
    if link is None:
        return []
    e = html.escape

    def tr(k: str, v: object) -> str:
        return f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>"

    out = [
        "<h2>連結追蹤</h2>",
        "<table>",
        tr("類型", STORE_NAMES_ZH.get(link.store, link.store)),
        tr("名稱", link.title),
        tr("網址", link.url),
        tr("原始連結", link.start_url),
        tr("網域", link.domain),
        tr("IP 位址", link.address),
    ]
    for key, label in (
        ("team_id", "Apple 團隊 ID"),
        ("team_name", "Apple 團隊名稱"),
        ("distribution", "發佈方式"),
        ("bundle_id", "Bundle ID"),
        ("code", "TestFlight 邀請碼"),
        ("sha256", "檔案 SHA-256"),
    ):
        if link.get(key):
            out.append(tr(label, link.get(key)))
    out.append(tr("目前是否可存取", "是" if link.present else "否"))
    out.append("</table>")
    if link.hop_urls:
        out += ["<h2>轉址經過</h2>", "<ol>"]
        out += [f"<li>{e(u)}</li>" for u in link.hop_urls]
        out.append("</ol>")
    if link.reasons:
        out += ["<h2>判定理由</h2>", "<ul>"]
        out += [f"<li>{e(r.zh)}（{r.points:+d}）</li>" for r in link.reasons]
        out.append("</ul>")
    shots = [f for f in files if f.kind == "screenshot"]
    notes = [f for f in files if f.kind == "screenshot_note"]
    out.append("<h2>網頁截圖</h2>")
    if shots:
        out += [f'<img src="{e(f.name, quote=True)}" alt="{e(f.name, quote=True)}">' for f in shots]
    for f in notes:
        out.append(f"<p>未附截圖：{e(note_zh(f.data.decode('utf-8', 'replace')))}</p>")
    pages = [f for f in files if f.kind == "page"]
    if pages:
        out.append(
            f"<p>網頁原始碼共 {len(pages)} 份（依伺服器回傳之原始內容保存，未經執行）："
            "見 <code>link/</code>。</p>"
        )
    return out


def note_zh(note: str) -> str:
    """Why there is no screenshot, for the Chinese summary page."""
    n = note.lower()
    if "not installed" in n:
        return "本機未安裝 headless Chromium，無法截圖。"
    if "did not finish" in n:
        return "Chromium 截圖逾時。"
    if "screenshots are off" in n:
        return "此次追蹤未啟用截圖。"
    if "nothing flagged" in n:
        return "追蹤時未發現可疑項目，未截圖。"
    return "截圖失敗（詳見 screenshot-missing.txt）。"


def pdf_sections(facts: CaseFacts, files: Sequence[Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The printed summary's sections for a link case (the same facts as ``summary_section``)."""
    link = facts.link
    if link is None:
        return []
    rows = [
        ("類型", STORE_NAMES_ZH.get(link.store, link.store)),
        ("名稱", link.title),
        ("網址", link.url),
        ("原始連結", link.start_url),
        ("網域", link.domain),
        ("IP 位址", link.address),
    ]
    for key, label in (
        ("team_id", "Apple 團隊 ID"),
        ("team_name", "Apple 團隊名稱"),
        ("distribution", "發佈方式"),
        ("bundle_id", "Bundle ID"),
        ("code", "TestFlight 邀請碼"),
        ("sha256", "檔案 SHA-256"),
    ):
        if link.get(key):
            rows.append((label, link.get(key)))
    rows.append(("目前是否可存取", "是" if link.present else "否"))
    out: list[tuple[str, list[tuple[str, str]]]] = [("連結追蹤", [(k, v) for k, v in rows if v])]
    if link.hop_urls:
        out.append(("轉址經過", [(str(i), u) for i, u in enumerate(link.hop_urls, 1)]))
    if link.reasons:
        out.append(("判定理由", [("", f"・{r.zh}（{r.points:+d}）") for r in link.reasons]))
    shots = [f.name for f in files if f.kind == "screenshot"]
    notes = [note_zh(f.data.decode("utf-8", "replace")) for f in files if f.kind == "screenshot_note"]
    out.append(("網頁截圖", [("", n) for n in shots] + [("未附截圖", n) for n in notes]))
    return out
