"""What the bot says, in Traditional Chinese (default) and English: every user-facing string lives here.

Strings are HTML (Telegram parse mode); placeholders are filled with already-escaped values by the callers.
"""

from __future__ import annotations

from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

CATALOGUE: dict[str, dict[str, str]] = {
    # case card
    "verdict.impersonation": {"zh": "假冒", "en": "impersonation"},
    "verdict.suspicious": {"zh": "可疑", "en": "suspicious"},
    "verdict.malicious": {"zh": "惡意", "en": "malicious"},
    "verdict.unknown": {"zh": "未知", "en": "unknown"},
    "verdict.official": {"zh": "官方", "en": "official"},
    "verdict.official_signer_other_package": {
        "zh": "官方簽章（其他套件）",
        "en": "official signer, other package",
    },
    "verdict.repackaged": {"zh": "遭重新打包", "en": "repackaged"},
    "verdict.impostor": {"zh": "冒牌", "en": "impostor"},
    "verdict.tampered": {"zh": "遭竄改", "en": "tampered"},
    "verdict.unrelated": {"zh": "無關", "en": "unrelated"},
    "verdict.invalid": {"zh": "非有效 APK", "en": "not a valid APK"},
    "state.new": {"zh": "新案件", "en": "new"},
    "state.confirmed": {"zh": "已確認假冒", "en": "confirmed"},
    "state.false_positive": {"zh": "誤報", "en": "false positive"},
    "state.resolved": {"zh": "已結案", "en": "resolved"},
    "state.relisted": {"zh": "重新上架", "en": "relisted"},
    "takedown.none": {"zh": "未申請", "en": "not requested"},
    "takedown.requested": {"zh": "已申請下架", "en": "requested"},
    "takedown.removed": {"zh": "已下架", "en": "removed"},
    "takedown.rejected": {"zh": "申請遭拒", "en": "rejected"},
    "police.none": {"zh": "未報案", "en": "not reported"},
    "police.reported": {"zh": "已報案", "en": "reported"},
    "store.google_play": {"zh": "Google Play", "en": "Google Play"},
    "store.app_store": {"zh": "App Store", "en": "App Store"},
    "store.aptoide": {"zh": "Aptoide", "en": "Aptoide"},
    "store.galaxy_store": {"zh": "三星 Galaxy Store", "en": "Samsung Galaxy Store"},
    "store.apk": {"zh": "APK 檔案", "en": "APK file"},
    "card.title.case_alert": {"zh": "🚨 發現疑似假冒 App", "en": "🚨 Suspected fake app"},
    "card.title.relisted": {"zh": "🔁 假冒 App 重新上架", "en": "🔁 Fake app is listed again"},
    "card.title.removed": {"zh": "✅ 掃描確認已下架", "en": "✅ Takedown confirmed by a scan"},
    "card.title.reminder": {
        "zh": "⏰ 下架申請已逾 {days} 天，App 仍在架上",
        "en": "⏰ Takedown requested over {days} days ago; still listed",
    },
    "card.title.case": {"zh": "案件", "en": "Case"},
    "card.app": {"zh": "App", "en": "App"},
    "card.developer": {"zh": "開發者", "en": "Developer"},
    "card.store": {"zh": "商店", "en": "Store"},
    "card.link": {"zh": "連結", "en": "Link"},
    "card.verdict": {"zh": "判定", "en": "Verdict"},
    "card.score": {"zh": "分數", "en": "Score"},
    "card.reasons": {"zh": "理由", "en": "Reasons"},
    "card.state": {"zh": "狀態", "en": "State"},
    "card.takedown": {"zh": "下架", "en": "Takedown"},
    "card.police": {"zh": "報案", "en": "Police"},
    "card.assignee": {"zh": "負責人", "en": "Assignee"},
    "card.listed": {"zh": "目前上架", "en": "Listed now"},
    "card.yes": {"zh": "是", "en": "yes"},
    "card.no": {"zh": "否", "en": "no"},
    "card.brand": {"zh": "品牌", "en": "Brand"},
    "card.sha256": {"zh": "SHA-256", "en": "SHA-256"},
    "card.timeline": {"zh": "時間軸", "en": "Timeline"},
    # buttons
    "btn.confirm": {"zh": "確認假冒", "en": "Confirm fake"},
    "btn.fp": {"zh": "誤報", "en": "False positive"},
    "btn.takedown": {"zh": "已申請下架", "en": "Takedown requested"},
    "btn.police": {"zh": "已報案", "en": "Reported to police"},
    "btn.resolve": {"zh": "結案", "en": "Resolve"},
    "btn.evidence": {"zh": "證據包", "en": "Evidence pack"},
    # store status
    "store_status.title": {
        "zh": "⚠️ 商店掃描異常（第 {scan} 次掃描）",
        "en": "⚠️ Store scan problems (scan {scan})",
    },
    "store_status.line": {
        "zh": "{brand} · {store}：{status}（{reason}）",
        "en": "{brand} · {store}: {status} ({reason})",
    },
    "store_status.degraded": {"zh": "降級", "en": "degraded"},
    "store_status.broken": {"zh": "故障", "en": "broken"},
    "store_status.failed": {"zh": "掃描失敗：{reason}", "en": "Scan failed: {reason}"},
    "store_status.note": {
        "zh": "這些商店本次結果不完整，不能當作「沒有假冒 App」。",
        "en": "Results from these stores are incomplete: this is not a “no fakes” result.",
    },
    # commands
    "start": {
        "zh": "fakeapp 假冒 App 案件台。輸入 /help 查看指令。你的角色：{role}",
        "en": "fakeapp fake-app case desk. /help lists the commands. Your role: {role}",
    },
    "help": {
        "zh": (
            "/cases [狀態] 列出案件（open、all、new、confirmed、false_positive、resolved、relisted）\n"
            "/case 編號 案件詳情與時間軸\n/takedown 編號 [申請編號] 已申請下架\n"
            "/police 編號 報案編號 [機關] 已報案\n/resolve 編號 [說明] 結案\n/fp 編號 [理由] 誤報\n"
            "/note 編號 文字 加註\n/assign 編號 @使用者 指派\n/allow 編號 加入允許清單（管理員）\n"
            "/scan 立即掃描（管理員）\n/stats 統計\n/export 匯出 CSV\n/lang zh|en 語言\n"
            "/draft 編號 play|apple|store|police|website [en] [force] 申請與報案草稿\n"
            "/evidence 編號 證據包\n/report week|month 報告與圖表\n"
            "/settings [鍵 值|reset] 查看或變更設定（管理員）\n"
            "/pause [alerts|frontline|scans|商店]、/resume 暫停或恢復（管理員）\n"
            "傳送 APK 檔或 APK 連結即可分析。"
        ),
        "en": (
            "/cases [state] list cases (open, all, new, confirmed, false_positive, resolved, relisted)\n"
            "/case ID details and timeline\n/takedown ID [reference] takedown requested\n"
            "/police ID REPORT_NO [agency] reported to the police\n/resolve ID [note] resolve\n"
            "/fp ID [reason] false positive\n/note ID text add a note\n/assign ID @user assign\n"
            "/allow ID add to the allow list (admins)\n/scan scan now (admins)\n/stats statistics\n"
            "/export CSV export\n/lang zh|en language\n"
            "/draft ID play|apple|store|police|website [en] [force] ready-to-file drafts\n"
            "/evidence ID evidence pack\n/report week|month report and chart\n"
            "/settings [KEY VALUE|reset] show or change settings (admins)\n"
            "/pause [alerts|frontline|scans|STORE], /resume pause or resume (admins)\n"
            "Send an APK file or link to analyse it."
        ),
    },
    "cmd.start": {"zh": "開始", "en": "start"},
    "cmd.help": {"zh": "說明", "en": "help"},
    "cmd.cases": {"zh": "列出案件 [狀態]", "en": "list cases [state]"},
    "cmd.case": {"zh": "案件詳情 編號", "en": "case details ID"},
    "cmd.scan": {"zh": "立即掃描（管理員）", "en": "scan now (admins)"},
    "cmd.takedown": {"zh": "已申請下架 編號 [申請編號]", "en": "takedown requested ID [ref]"},
    "cmd.rejected": {"zh": "下架申請遭拒 編號 [原因]", "en": "takedown rejected ID [reason]"},
    "cmd.police": {"zh": "已報案 編號 報案編號 [機關]", "en": "police report ID NO [agency]"},
    "cmd.resolve": {"zh": "結案 編號 [說明]", "en": "resolve ID [note]"},
    "cmd.fp": {"zh": "誤報 編號 [理由]", "en": "false positive ID [reason]"},
    "cmd.note": {"zh": "加註 編號 文字", "en": "note ID text"},
    "cmd.assign": {"zh": "指派 編號 @使用者", "en": "assign ID @user"},
    "cmd.allow": {"zh": "加入允許清單 編號", "en": "allow-list ID"},
    "cmd.stats": {"zh": "統計", "en": "statistics"},
    "cmd.export": {"zh": "匯出 CSV", "en": "export CSV"},
    "cmd.lang": {"zh": "語言 zh|en", "en": "language zh|en"},
    "cmd.draft": {
        "zh": "草稿 編號 play|apple|store|police|website",
        "en": "draft ID play|apple|store|police|website",
    },
    "cmd.report": {"zh": "報告 week|month", "en": "report week|month"},
    "cmd.evidence": {"zh": "證據包 編號", "en": "evidence pack ID"},
    "cmd.settings": {"zh": "查看或變更設定（管理員）", "en": "show or change settings (admins)"},
    "cmd.pause": {"zh": "暫停通知、掃描或商店（管理員）", "en": "pause alerts, scans or a store (admins)"},
    "cmd.resume": {"zh": "恢復暫停的項目（管理員）", "en": "resume what was paused (admins)"},
    "settings.view": {
        "zh": (
            "<b>⚙️ 目前設定</b>（資料庫覆寫優先於環境變數與設定檔）\n"
            "排程掃描（scan_cron）：{cron}\n提醒天數（reminder_days）：{days}\n{stores}\n"
            "訊息外送間隔：{outbox} 秒\n角色：管理員 {admins}、分析師 {analysts}、檢視者 {viewers}\n"
            "聊天：安全群組 {chat}、第一線 {frontline}、其他允許 {extra} 個\n"
            "變更：/settings 鍵 值（scan_cron 可用 off）；/settings 鍵 reset 取消覆寫"
        ),
        "en": (
            "<b>⚙️ Settings</b> (a database override wins over the environment and the settings file)\n"
            "Scheduled scans (scan_cron): {cron}\nReminder days (reminder_days): {days}\n{stores}\n"
            "Outbox interval: {outbox} s\n"
            "Roles: {admins} admin(s), {analysts} analyst(s), {viewers} viewer(s)\n"
            "Chats: security {chat}, front-line {frontline}, {extra} other allowed\n"
            "Change: /settings KEY VALUE (scan_cron takes off); /settings KEY reset drops the override"
        ),
    },
    "settings.overridden": {"zh": "（覆寫）", "en": " (override)"},
    "settings.changed": {
        "zh": "已將 {name} 由 {old} 改為 {new}：立即生效，重啟後仍有效（資料庫覆寫優先於環境變數與設定檔）。",
        "en": (
            "{name} changed from {old} to {new}: in effect now and after a restart "
            "(a database override wins over the environment and the settings file)."
        ),
    },
    "settings.reset": {
        "zh": "已取消 {name} 的覆寫：由 {old} 回到 {new}（環境變數或設定檔的值）。",
        "en": "{name} override dropped: from {old} back to {new} (the environment or settings-file value).",
    },
    "role.admin": {"zh": "管理員", "en": "admin"},
    "role.analyst": {"zh": "分析師", "en": "analyst"},
    "role.viewer": {"zh": "檢視者", "en": "viewer"},
    "usage": {"zh": "用法：{usage}", "en": "Usage: {usage}"},
    "error": {"zh": "無法執行：{msg}", "en": "Cannot do that: {msg}"},
    "not_allowed": {"zh": "你的角色不能執行這個動作。", "en": "Your role cannot do that."},
    "no_cases": {"zh": "沒有符合的案件。", "en": "No matching cases."},
    "cases.header": {"zh": "案件（{state}）共 {n} 件", "en": "Cases ({state}): {n}"},
    "done": {"zh": "已更新案件 #{id}：{state}", "en": "Case #{id} updated: {state}"},
    "noted": {"zh": "已加註案件 #{id}", "en": "Note added to case #{id}"},
    "assigned": {"zh": "案件 #{id} 已指派給 {who}", "en": "Case #{id} assigned to {who}"},
    "allowed": {
        "zh": "已將 {app} 加入 {brand} 的允許清單，案件 #{id} 以誤報結案。",
        "en": "{app} added to {brand}'s allow list; case #{id} closed as a false positive.",
    },
    "lang.set": {"zh": "語言已設為中文。", "en": "Language set to English."},
    "scan.started": {"zh": "掃描開始⋯", "en": "Scan started…"},
    "scan.busy": {"zh": "已有掃描在進行，請稍後。", "en": "A scan is already running; try later."},
    "scan.done": {
        "zh": "掃描 #{scan} 完成（{status}）：新案件 {opened}、已下架 {removed}、重新上架 {relisted}。",
        "en": "Scan #{scan} done ({status}): {opened} new, {removed} removed, {relisted} relisted.",
    },
    "scan.failed": {"zh": "掃描失敗：{msg}", "en": "Scan failed: {msg}"},
    "stats": {
        "zh": (
            "案件共 {total} 件\n狀態：{state}\n下架：{takedown}\n報案：{police}\n"
            "仍在架上的未結案件：{listed}\n待送訊息：{pending}"
        ),
        "en": (
            "{total} cases\nState: {state}\nTakedown: {takedown}\nPolice: {police}\n"
            "Open and still listed: {listed}\nAlerts waiting: {pending}"
        ),
    },
    "export.caption": {"zh": "案件與時間軸（{n} 件）", "en": "Cases and timelines ({n})"},
    "apk.analysing": {"zh": "分析 APK 中⋯", "en": "Analysing the APK…"},
    "apk.busy": {
        "zh": "目前分析中的 APK 與連結太多，請過幾分鐘再傳一次。",
        "en": "Too many APKs and links are being analysed right now; please send it again in a few minutes.",
    },
    "apk.result": {
        "zh": "APK 判定：{verdict}（SHA-256 {sha}）",
        "en": "APK verdict: {verdict} (SHA-256 {sha})",
    },
    "apk.case": {"zh": "已開立案件 #{id}", "en": "Case #{id} opened"},
    "apk.existing": {"zh": "此檔案已有案件 #{id}", "en": "This file already has case #{id}"},
    "apk.unavailable": {
        "zh": "此版本尚未提供 APK 分析。",
        "en": "APK analysis is not available in this build.",
    },
    "apk.failed": {"zh": "APK 分析失敗：{msg}", "en": "APK analysis failed: {msg}"},
    "apk.too_big": {"zh": "檔案太大（上限 {mb} MB）。", "en": "File too large (limit {mb} MB)."},
    "denied.admin_notice": {
        "zh": "🔒 未授權存取：使用者 {user}（id {uid}）在聊天 {chat} 嘗試 {what}",
        "en": "🔒 Unauthorized access: user {user} (id {uid}) in chat {chat} tried {what}",
    },
    "callback.denied": {"zh": "無權限", "en": "Not allowed"},
    "callback.invalid": {"zh": "無效的按鈕", "en": "Invalid button"},
    "callback.need_text": {
        "zh": "請用指令補上資料：{usage}",
        "en": "Please use the command with details: {usage}",
    },
    # operations (issue 14): kill switches, held alerts, the daily line and warnings
    "switch.all": {"zh": "全部", "en": "everything"},
    "switch.alerts": {"zh": "案件通知", "en": "alerts"},
    "switch.frontline": {"zh": "第一線公告", "en": "front-line notices"},
    "switch.scans": {"zh": "掃描", "en": "scans"},
    "switch.google_play": {"zh": "Google Play", "en": "Google Play"},
    "switch.app_store": {"zh": "App Store", "en": "App Store"},
    "switch.apk": {"zh": "APK", "en": "APK"},
    "pause.done": {
        "zh": "⏸️ 已暫停{what}。通知會保留，不會遺失；恢復請用 /resume {name}。",
        "en": "⏸️ {what} paused. Alerts are kept, never dropped; /resume {name} to resume.",
    },
    "pause.already": {"zh": "{what}已在暫停中。", "en": "{what} is already paused."},
    "resume.done": {
        "zh": "▶️ 已恢復：{what}。保留的通知將陸續送出。",
        "en": "▶️ Resumed: {what}. Kept alerts go out now.",
    },
    "resume.none": {"zh": "沒有暫停中的項目。", "en": "Nothing was paused."},
    "pause.usage": {
        "zh": "/pause [alerts|frontline|scans|google_play|app_store|apk]（不加參數：全部）",
        "en": "/pause [alerts|frontline|scans|google_play|app_store|apk] (none: everything)",
    },
    "switches.none": {"zh": "暫停中：無", "en": "Paused: nothing"},
    "switches.line": {"zh": "⏸️ 暫停中：{items}", "en": "⏸️ Paused: {items}"},
    "switches.item": {"zh": "{what}（{who}，自 {since}）", "en": "{what} ({who}, since {since})"},
    "held.line": {"zh": "⏳ 待處理的暫緩通知：{n} 則", "en": "⏳ Alerts held for a decision: {n}"},
    # the held-scan summary
    "hold.title": {
        "zh": "🛑 第 {scan} 次掃描的通知已暫緩（暫緩 #{id}）",
        "en": "🛑 Alerts of scan {scan} are held (hold #{id})",
    },
    "hold.reason.storm": {
        "zh": "新案件 {n} 件，超過門檻 {limit} 件：可能是設定錯誤或商店異常。",
        "en": "{n} new cases, above the threshold of {limit}: maybe a profile mistake or a store problem.",
    },
    "hold.reason.official": {
        "zh": "官方 App 被判為假冒：{apps}。請先檢查品牌設定檔。",
        "en": "Official app(s) judged fake: {apps}. Check the brand profile first.",
    },
    "hold.reason.store_jump": {
        "zh": "{store} 的結果突然大變：{detail}。",
        "en": "{store}'s results jumped: {detail}.",
    },
    "hold.jump.all_new": {"zh": "{n} 筆全部是新的", "en": "all {n} listings are new"},
    "hold.jump.developers": {"zh": "新開發者 {n} 個", "en": "{n} new developers"},
    "hold.counts": {
        "zh": "案件都已記錄。依商店：{stores}\n依品牌：{brands}\n依判定：{verdicts}",
        "en": "Every case is recorded. By store: {stores}\nBy brand: {brands}\nBy verdict: {verdicts}",
    },
    "hold.examples": {"zh": "例如：", "en": "For example:"},
    "hold.example": {
        "zh": "• #{id} {title}（{developer}，{store}）",
        "en": "• #{id} {title} ({developer}, {store})",
    },
    "hold.note": {
        "zh": "管理員可按「放行」送出 {n} 則通知與第一線公告，或按「捨棄」（案件仍保留）。",
        "en": "Admins: Release sends the {n} alert(s) and notices; Discard drops them (the cases stay).",
    },
    "btn.release": {"zh": "放行", "en": "Release"},
    "btn.discard": {"zh": "捨棄", "en": "Discard"},
    "hold.released": {
        "zh": "✅ 暫緩 #{id} 已放行（{who}）：{n} 則通知送出中。",
        "en": "✅ Hold #{id} released by {who}: {n} message(s) going out.",
    },
    "hold.discarded": {
        "zh": "🗑️ 暫緩 #{id} 已捨棄（{who}）：{n} 則通知不送出，案件仍保留。",
        "en": "🗑️ Hold #{id} discarded by {who}: {n} message(s) dropped; the cases stay.",
    },
    "hold.closed": {"zh": "暫緩 #{id} 已處理過了。", "en": "Hold #{id} was already decided."},
    "hold.admins_only": {"zh": "只有管理員可以放行或捨棄。", "en": "Only admins can release or discard."},
    # daily line and warnings
    "daily.line": {
        "zh": "👀 仍在監看：商店 {stores}；上架中 {listings} 筆；未結案件 {open} 件；最久未下架：{oldest}。",
        "en": "👀 Still watching: stores {stores}; {listings} listings; {open} open case(s); oldest "
        "open takedown: {oldest}.",
    },
    "daily.none": {"zh": "無", "en": "none"},
    "daily.oldest": {"zh": "#{id}（{days} 天）", "en": "#{id} ({days} days)"},
    "warn.stopped": {
        "zh": "⚠️ 掃描已停止：最後一次完成的掃描在 {when}（{hours} 小時前）。請檢查排程。",
        "en": "⚠️ Scans have stopped: the last finished scan was at {when} ({hours} hours ago). "
        "Check the schedule.",
    },
    "warn.never": {
        "zh": "⚠️ 還沒有任何掃描完成。請檢查排程。",
        "en": "⚠️ No scan has finished yet. Check the schedule.",
    },
    "warn.degraded": {
        "zh": "⚠️ {store} 已超過一天沒有正常掃描（最後正常：{when}）：{reason}",
        "en": "⚠️ {store} has not scanned cleanly for over a day (last good: {when}): {reason}",
    },
    "warn.never_good": {"zh": "從未正常", "en": "never"},
    "scan.paused": {
        "zh": "掃描已暫停（{who}，自 {since}）；恢復請用 /resume scans。",
        "en": "Scans are paused ({who}, since {since}); /resume scans to resume.",
    },
    "scan.extra.held": {
        "zh": "🛑 通知已暫緩（暫緩 #{id}），請管理員決定。",
        "en": "🛑 Alerts held (hold #{id}) for an admin's decision.",
    },
    "scan.extra.interrupted": {
        "zh": "⚠️ 第 {id} 次掃描中途中斷，未完成記錄；本次掃描已補上。",
        "en": "⚠️ Scan {id} was interrupted before it finished; this scan covers it.",
    },
    "outbox.waiting": {
        "zh": "📮 待送訊息 {n} 則，最早 {since}（最近錯誤：{error}）",
        "en": "📮 {n} message(s) waiting since {since} (last error: {error})",
    },
    "scan.extra.skipped": {"zh": "未掃描（暫停中）：{stores}", "en": "Not scanned (paused): {stores}"},
}


# One catalogue per language, each with every key (a test checks that, and that every key is used).
CATALOGUES: dict[str, dict[str, str]] = {
    lang: {key: entry.get(lang) or entry[DEFAULT_LANG] for key, entry in CATALOGUE.items()} for lang in LANGS
}


def t(lang: str, key: str, **kwargs: Any) -> str:
    """The string ``key`` in ``lang`` (falling back to Chinese, then the key), formatted with ``kwargs``."""
    text = CATALOGUES.get(lang, CATALOGUES[DEFAULT_LANG]).get(key)
    if text is None:
        return key
    return text.format(**kwargs) if kwargs else text


def normalize_lang(value: str | None) -> str:
    v = (value or "").strip().lower()
    if v.startswith("en"):
        return "en"
    if v.startswith("zh") or v in ("中文", "tw"):
        return "zh"
    return DEFAULT_LANG
