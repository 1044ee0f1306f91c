"""The evidence pack's fixed wording, in Traditional Chinese only: headings, labels and sentences of its
printable summary (the HTML page, the PDF, a link case's part).

Why here and not in the chat catalogue (``bot.core.i18n``): the catalogue is what the bot says in chat, in
the reader's language. The pack is a document for Taiwanese authorities and stores (165, the police, a
store's legal team): it is written in Chinese whoever asked for it, and its wording stays fixed so that two
packs of one case read alike. ``evidence.summary_html``, ``evidence_pdf.summary_sections`` and
``link_evidence`` take every word they print from ``ZH`` (tests/test_catalogue.py checks each key is used).
Templates hold no markup but the ``<code>`` of ``files.note`` and ``pages.note``; values are escaped by the
callers.
"""

from __future__ import annotations

from typing import Final

ZH: Final[dict[str, str]] = {
    "title": "假冒 App 證據包：案件 #{id}",
    "page.title": "證據包 案件 #{id}",
    "pdf.page": "{title} · 第 {n}/{total} 頁",
    "yes": "是",
    "no": "否",
    "none": "無",
    # the case
    "h.case": "案件",
    "case.brand": "保護品牌",
    "case.state": "案件狀態",
    "case.takedown": "下架進度",
    "case.first_seen": "首次發現",
    "case.generated_by": "產製者",
    "case.generated_at": "產製時間",
    "state.new": "新案件（待確認）",
    "state.confirmed": "已確認假冒",
    "state.false_positive": "誤報",
    "state.resolved": "已結案",
    "state.relisted": "重新上架",
    "takedown.none": "未申請",
    "takedown.requested": "已申請下架",
    "takedown.removed": "已下架",
    "takedown.rejected": "下架遭拒",
    # the store listing
    "h.listing": "商店上架資料",
    "listing.store": "商店",
    "listing.title": "App 名稱",
    "listing.app_id": "App ID",
    "listing.bundle_id": "Bundle ID",
    "listing.url": "商店頁面",
    "listing.version": "版本",
    "listing.installs": "下載次數",
    "listing.store_name": "上架之使用者商店（Aptoide）",
    "listing.cert_sha1": "簽章憑證 SHA-1（商店提供）",
    "listing.cert_owner": "簽章憑證擁有者",
    "listing.apk_url": "APK 下載位址",
    "listing.apk_md5": "APK MD5（商店提供）",
    "listing.last_seen": "最後一次看到",
    "listing.present": "目前是否上架",
    "listing.gone": "否（{at} 起未再出現）",
    "listing.verdict": "判定",
    "listing.scored": "{verdict}（分數 {score}）",
    "h.developer": "開發者資料",
    "developer.name": "開發者名稱",
    "developer.id": "開發者 ID",
    "developer.legal_name": "法定名稱",
    "developer.email": "電子郵件",
    "developer.website": "網站",
    "developer.address": "地址",
    "developer.phone": "電話",
    "h.reasons": "判定理由",
    "reason": "{text}（{points:+d}）",
    "reason.pdf": "・{text}（{points:+d}）",
    "h.description": "商店說明文字",
    "h.images": "圖示與截圖",
    "h.history": "上架資料變更紀錄",
    "history.at": "時間",
    "history.field": "欄位",
    "history.change": "舊值 → 新值",
    # the APK
    "h.apk": "APK 分析",
    "apk.package": "套件名稱",
    "apk.app_name": "App 名稱",
    "apk.source": "來源",
    "apk.analysed_at": "分析時間",
    "apk.certificate": "簽章憑證",
    "apk.certificate_sha256": "簽章憑證 SHA-256",
    "apk.subject_issuer": "主體／簽發者",
    # what was done
    "h.timeline": "處理經過（時間軸）",
    "timeline.at": "時間",
    "timeline.action": "動作",
    "timeline.note": "內容",
    "h.filings": "下架申請與報案",
    "filing.takedown": "下架申請 {at}（{store}，編號 {ref}）",
    "filing.takedown.pdf": "下架申請（{store}，編號 {ref}）",
    "filing.police": "報案 {at} 案號 {no}（{agency}）",
    "filing.police.pdf": "報案 案號 {no}（{agency}）",
    "h.files": "檔案清單與 SHA-256",
    "h.files.pdf": "檔案清單與 SHA-256（完整清單見 {manifest}）",
    "files.note": "完整清單（含本頁以外所有檔案之雜湊、產製者與時間）見 <code>{manifest}</code>。",
    "files.name": "檔案",
    # a link case
    "h.link": "連結追蹤",
    "link.kind": "類型",
    "link.title": "名稱",
    "link.url": "網址",
    "link.start_url": "原始連結",
    "link.domain": "網域",
    "link.address": "IP 位址",
    "link.team_id": "Apple 團隊 ID",
    "link.team_name": "Apple 團隊名稱",
    "link.distribution": "發佈方式",
    "link.bundle_id": "Bundle ID",
    "link.code": "TestFlight 邀請碼",
    "link.sha256": "檔案 SHA-256",
    "link.present": "目前是否可存取",
    "h.hops": "轉址經過",
    "h.screenshots": "網頁截圖",
    "shot.missing": "未附截圖",
    "shot.missing.line": "未附截圖：{why}",
    "shot.not_installed": "本機未安裝 headless Chromium，無法截圖。",
    "shot.timeout": "Chromium 截圖逾時。",
    "shot.off": "此次追蹤未啟用截圖。",
    "shot.nothing_flagged": "追蹤時未發現可疑項目，未截圖。",
    "shot.failed": "截圖失敗（詳見 screenshot-missing.txt）。",
    "pages.note": "網頁原始碼共 {n} 份（依伺服器回傳之原始內容保存，未經執行）：見 <code>link/</code>。",
}


def zh(key: str, **values: object) -> str:
    """The pack's wording for ``key``, filled with ``values`` (already escaped where HTML is the output)."""
    text = ZH[key]
    return text.format(**values) if values else text


def zh_label(prefix: str, code: str) -> str:
    """The pack's label of a code (``state.new`` → 新案件（待確認）); the code itself when there is none."""
    return ZH.get(f"{prefix}.{code}", code)
