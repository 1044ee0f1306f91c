"""What the bot says, in Traditional Chinese (default) and English: every string it sends to a chat lives here
(replies, cards, front-line notices, captions, the /report text and its chart's labels).

Strings are HTML (Telegram parse mode); placeholders are filled with already-escaped values by the callers
(``bot.core.textsafe.esc``). Not here, on purpose: documents, which are not chat. The evidence pack is in
Chinese only and its fixed wording is ``bot/casework/evidence_zh.py``; the ready-to-file drafts (takedown
requests, the police report, the website warning) are composed from the case's facts, in the language the
draft is asked for, by ``bot/casework/drafts.py`` and ``link_drafts.py``. Judging keywords (scam phrases,
brand words) are data (``scanners/``, ``data/``), not strings.
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
    "card.package": {"zh": "套件名稱", "en": "Package"},
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
        "zh": "草稿 編號 play|apple|store|police|website|hosting|registrar|apple_dev",
        "en": "draft ID play|apple|store|police|website|hosting|registrar|apple_dev",
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
    # what a change recorded (replies to /takedown, /rejected, /police, /resolve, /fp and the buttons)
    "done.confirm": {
        "zh": "已記錄：案件 #{id} 確認為假冒。",
        "en": "Recorded: case #{id} confirmed as fake.",
    },
    "done.takedown": {
        "zh": "已記錄：案件 #{id} 已向商店申請下架{ref}。狀態：{state}",
        "en": "Recorded: takedown requested for case #{id}{ref}. State: {state}",
    },
    "done.takedown.ref": {"zh": "（申請編號 {ref}）", "en": " (reference {ref})"},
    "done.rejected": {
        "zh": "已記錄：案件 #{id} 的下架申請遭商店拒絕{why}。補充證據後可再用 /takedown {id} 申請。",
        "en": "Recorded: the store rejected the takedown request for case #{id}{why}. "
        "Ask again with /takedown {id} when you have more evidence.",
    },
    "done.why": {"zh": "（原因：{why}）", "en": " (reason: {why})"},
    "done.police": {
        "zh": "已記錄：案件 #{id} 已報案（{agency}，案號 {no}）。",
        "en": "Recorded: case #{id} reported to the police ({agency}, report no. {no}).",
    },
    "done.resolve": {"zh": "已記錄：案件 #{id} 已結案。", "en": "Recorded: case #{id} resolved."},
    "done.fp": {
        "zh": "已記錄：案件 #{id} 為誤報{why}。",
        "en": "Recorded: case #{id} is a false positive{why}.",
    },
    "unknown_command": {
        "zh": "沒有 {cmd} 這個指令。輸入 /help 查看你可以用的指令。",
        "en": "There is no {cmd} command. /help lists the ones you can use.",
    },
    "stranger.start": {
        "zh": "你的 Telegram 使用者 ID 是 {uid}。請把這個號碼交給管理員，開通權限後即可使用。",
        "en": "Your Telegram user id is {uid}. Give it to an admin to be given access.",
    },
    "help.header": {"zh": "你可以用的指令（{role}）：", "en": "Commands you can use ({role}):"},
    "help.apk": {"zh": "傳送 APK 檔或 APK 連結即可分析。", "en": "Send an APK file or link to analyse it."},
    "help.start": {"zh": "/start：開始，顯示你的角色", "en": "/start: start, and show your role"},
    "help.help": {"zh": "/help：這份說明", "en": "/help: this help"},
    "help.cases": {
        "zh": "/cases [狀態]：列出案件（未結、全部，或新案件、已確認假冒、誤報、已結案、重新上架；"
        "輸入 open、all、new、confirmed、false_positive、resolved、relisted）",
        "en": "/cases [state]: list cases (open, all, new, confirmed, false_positive, resolved, relisted)",
    },
    "help.case": {"zh": "/case 編號：案件詳情與時間軸", "en": "/case ID: details and timeline"},
    "help.scan": {"zh": "/scan：立即掃描", "en": "/scan: scan now"},
    "help.takedown": {
        "zh": "/takedown 編號 [申請編號]：記錄已申請下架",
        "en": "/takedown ID [reference]: takedown requested",
    },
    "help.rejected": {
        "zh": "/rejected 編號 [原因]：記錄下架申請遭拒",
        "en": "/rejected ID [reason]: the store rejected the takedown",
    },
    "help.police": {
        "zh": "/police 編號 報案編號 [機關]：記錄已報案",
        "en": "/police ID REPORT_NO [agency]: reported to the police",
    },
    "help.resolve": {"zh": "/resolve 編號 [說明]：結案", "en": "/resolve ID [note]: resolve"},
    "help.fp": {"zh": "/fp 編號 [理由]：誤報", "en": "/fp ID [reason]: false positive"},
    "help.note": {"zh": "/note 編號 文字：加註", "en": "/note ID text: add a note"},
    "help.assign": {"zh": "/assign 編號 @使用者：指派", "en": "/assign ID @user: assign"},
    "help.allow": {
        "zh": "/allow 編號：加入允許清單並結案",
        "en": "/allow ID: add to the allow list and close",
    },
    "help.stats": {"zh": "/stats：統計", "en": "/stats: statistics"},
    "help.export": {"zh": "/export：匯出 CSV", "en": "/export: CSV export"},
    "help.lang": {"zh": "/lang zh|en：語言", "en": "/lang zh|en: language"},
    "help.draft": {
        "zh": "/draft 編號 play|apple|store|police|website|hosting|registrar|apple_dev [en] [force]："
        "申請與報案草稿",
        "en": "/draft ID play|apple|store|police|website|hosting|registrar|apple_dev [en] [force]: "
        "ready-to-file drafts",
    },
    "help.report": {"zh": "/report week|month：報告與圖表", "en": "/report week|month: report and chart"},
    "help.evidence": {"zh": "/evidence 編號：證據包", "en": "/evidence ID: evidence pack"},
    "help.settings": {
        "zh": "/settings [鍵 值|reset]：查看或變更設定",
        "en": "/settings [KEY VALUE|reset]: show or change settings",
    },
    "cases.open": {"zh": "未結", "en": "open"},
    "cases.all": {"zh": "全部", "en": "all"},
    "scan_status.ok": {"zh": "正常", "en": "ok"},
    "scan_status.degraded": {"zh": "部分商店異常", "en": "some stores degraded"},
    "scan_status.failed": {"zh": "失敗", "en": "failed"},
    "scan_status.broken": {"zh": "故障", "en": "broken"},
    # one sentence per timeline event (bot timeline, police draft); {who} is the person or the scan
    "who.scan": {"zh": "系統掃描", "en": "The scan"},
    "event.open": {"zh": "{who}發現此 App，開立案件", "en": "{who} found the app and opened the case"},
    "event.confirm": {"zh": "{who}確認為假冒", "en": "{who} confirmed it is fake"},
    "event.false_positive": {"zh": "{who}判定為誤報{why}", "en": "{who} marked it a false positive{why}"},
    "event.allow": {
        "zh": "{who}將此 App 加入允許清單並結案{why}",
        "en": "{who} added the app to the allow list and closed the case{why}",
    },
    "event.takedown": {
        "zh": "{who}記錄已向商店申請下架{ref}",
        "en": "{who} recorded a takedown request to the store{ref}",
    },
    "event.takedown_rejected": {
        "zh": "{who}記錄商店拒絕下架申請{why}",
        "en": "{who} recorded that the store rejected the takedown{why}",
    },
    "event.police": {
        "zh": "{who}記錄已報案（案號 {note}）",
        "en": "{who} recorded a police report (no. {note})",
    },
    "event.resolve": {"zh": "{who}結案{why}", "en": "{who} resolved the case{why}"},
    "event.note": {"zh": "{who}加註：{note}", "en": "{who} noted: {note}"},
    "event.assign": {"zh": "{who}指派給 {new}", "en": "{who} assigned it to {new}"},
    "event.removed": {"zh": "{who}確認 App 已下架", "en": "{who} saw the app removed"},
    "event.vanished": {"zh": "{who}時 App 已不在架上", "en": "{who} no longer found the app listed"},
    "event.relisted": {"zh": "{who}發現 App 重新上架", "en": "{who} found the app listed again"},
    "event.reappeared": {"zh": "{who}發現 App 再次出現在架上", "en": "{who} found the app listed again"},
    "event.rescored": {"zh": "{who}更新判定：{new}", "en": "{who} updated the verdict: {new}"},
    "event.evidence": {"zh": "{who}產製證據包", "en": "{who} generated the evidence pack"},
    "event.other": {"zh": "{who}：{action}", "en": "{who}: {action}"},
    # refused case changes (bot.cases.actions.CaseError keys); {state} is filled with its label
    "case_error.no_case": {"zh": "沒有案件 #{id}", "en": "there is no case #{id}"},
    "case_error.unknown_state": {
        "zh": "沒有「{state}」這個狀態（可用 open、all、new、confirmed、false_positive、resolved、relisted）",
        "en": "no state {state!r} (open, all, new, confirmed, false_positive, resolved or relisted)",
    },
    "case_error.is_state": {"zh": "案件 #{id} 目前為「{state}」", "en": "case #{id} is {state}"},
    "case_error.resolved_reopen": {
        "zh": "案件 #{id} 已結案；要重新處理請先確認假冒",
        "en": "case #{id} is resolved; confirm it first to reopen it",
    },
    "case_error.no_takedown": {
        "zh": "案件 #{id} 沒有待處理的下架申請",
        "en": "case #{id} has no takedown request",
    },
    "case_error.report_no": {"zh": "請提供報案編號", "en": "a report number is needed"},
    "case_error.still_listed": {
        "zh": "案件 #{id} 的 App 仍在架上；請附上說明才能結案",
        "en": "the app of case #{id} is still listed; give a reason to resolve it anyway",
    },
    "case_error.empty_note": {"zh": "加註內容是空的", "en": "the note is empty"},
    "case_error.allow_listing": {
        "zh": "只有商店上架的 App 能加入允許清單",
        "en": "only store listings can be allow-listed",
    },
    "case_error.not_a_number": {"zh": "「{arg}」不是案件編號", "en": "{arg!r} is not a case number"},
    "callback.denied": {"zh": "無權限", "en": "Not allowed"},
    "callback.invalid": {"zh": "無效的按鈕", "en": "Invalid button"},
    "callback.need_text": {
        "zh": "請用指令補上資料：{usage}",
        "en": "Please use the command with details: {usage}",
    },
    # links (issue 13): artifacts found by tracing a link, the site, and the bot's reply to a link
    "verdict.unchecked": {"zh": "無法檢查", "en": "could not be checked"},
    "verdict.allowed": {"zh": "已列入允許清單", "en": "allow-listed"},
    "store.website": {"zh": "網站", "en": "Website"},
    "store.ipa": {"zh": "iOS 安裝檔（IPA）", "en": "iOS app file (IPA)"},
    "store.itms_manifest": {"zh": "iOS 企業／Ad Hoc 安裝連結", "en": "iOS enterprise/ad-hoc install link"},
    "store.testflight": {"zh": "TestFlight 測試邀請", "en": "TestFlight invitation"},
    "store.mobileconfig": {"zh": "iOS 描述檔", "en": "iOS configuration profile"},
    "dist.enterprise": {"zh": "企業內部發佈（in-house）", "en": "enterprise (in-house)"},
    "dist.ad_hoc": {"zh": "Ad Hoc（指定裝置）", "en": "ad hoc (listed devices)"},
    "dist.development": {"zh": "開發版", "en": "development"},
    "dist.app_store": {"zh": "App Store", "en": "App Store"},
    "card.title.site_alert": {"zh": "🚨 發現假冒下載網站", "en": "🚨 Fake download site"},
    "card.site": {"zh": "網站", "en": "Site"},
    "card.domain": {"zh": "網域", "en": "Domain"},
    "card.address": {"zh": "IP 位址", "en": "IP address"},
    "card.kind": {"zh": "類型", "en": "Kind"},
    "card.team": {"zh": "Apple 開發團隊", "en": "Apple team"},
    "card.distribution": {"zh": "發佈方式", "en": "Distribution"},
    "card.bundle": {"zh": "Bundle ID", "en": "Bundle ID"},
    "card.code": {"zh": "邀請碼", "en": "Invitation code"},
    "card.found_on": {"zh": "發現於", "en": "Found on"},
    "card.artifacts": {"zh": "此網站提供（{n} 項）", "en": "This site offers ({n})"},
    "card.up": {"zh": "目前仍可存取", "en": "Still reachable"},
    "link.tracing": {"zh": "追蹤連結中⋯", "en": "Tracing the link…"},
    "link.failed": {"zh": "連結追蹤失敗：{msg}", "en": "Tracing the link failed: {msg}"},
    "link.result": {
        "zh": "連結追蹤完成：經過 {hops} 個轉址／頁面，找到 {n} 項 App 或安裝檔（{flagged} 項可疑）。",
        "en": "Link traced: {hops} hop(s), {n} app(s) or installer(s) found ({flagged} flagged).",
    },
    "link.site": {
        "zh": "網站 {domain}（{address}）：{verdict}",
        "en": "Site {domain} ({address}): {verdict}",
    },
    "link.artifact": {"zh": "• {kind}：{verdict}", "en": "• {kind}: {verdict}"},
    "link.cases": {"zh": "已開立案件：{ids}", "en": "Cases opened: {ids}"},
    "link.existing": {"zh": "已有案件：{ids}", "en": "Already open: {ids}"},
    "link.nothing": {"zh": "未發現可疑項目。", "en": "Nothing suspicious found."},
    "link.unreachable": {
        "zh": "無法開啟此連結，未能檢查（並非「沒有問題」）：{why}",
        "en": "The link could not be opened, so nothing was checked (this is not a clean result): {why}",
    },
    "link.stopped": {
        "zh": "追蹤提前結束（已達上限、逾時或連線遭拒），以上為已找到的部分。",
        "en": (
            "The trace stopped early (a limit, the time-out or a refused connection); here is what it found."
        ),
    },
    "link.problems": {"zh": "有 {n} 項無法讀取。", "en": "{n} item(s) could not be read."},
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
        "zh": "/pause [alerts|frontline|scans|google_play|app_store|aptoide|galaxy_store|apk]"
        "（不加參數：全部）",
        "en": "/pause [alerts|frontline|scans|google_play|app_store|aptoide|galaxy_store|apk] "
        "(none: everything)",
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
    "error.internal": {"zh": "內部錯誤", "en": "internal error"},
    # casework in the chat: /draft, /report, /evidence and the evidence button (bot.telegram.casework)
    "draft.usage": {
        "zh": "/draft 編號 play|apple|store|police|website|hosting|registrar|apple_dev [en] [force]",
        "en": "/draft ID play|apple|store|police|website|hosting|registrar|apple_dev [en] [force]",
    },
    "draft.dup": {
        "zh": "此 App 已於 {at} 申請下架（編號 {ref}），不再重複產生申請草稿。"
        "如確需再次申請，請用 /draft {id} {kind} force",
        "en": "A takedown was already requested for this app on {at} (reference {ref}); no second "
        "request drafted. To ask again anyway: /draft {id} {kind} force",
    },
    "draft.caption": {"zh": "📝 案件 #{id} 草稿（{kind}）", "en": "📝 Case #{id} draft ({kind})"},
    "draft.resend_caption": {
        "zh": "📝 #{id} 重送下架申請草稿（{kind}）",
        "en": "📝 #{id} takedown request draft to send again ({kind})",
    },
    "report.usage": {"zh": "/report week|month", "en": "/report week|month"},
    "report.caption": {"zh": "📊 案件報告圖表", "en": "📊 Case report chart"},
    "evidence.usage": {"zh": "/evidence 編號", "en": "/evidence ID"},
    "evidence.caption": {
        "zh": "🗂 案件 #{id} 證據包（{files} 個檔案）\nSHA-256 {sha}\n產製者 {who}",
        "en": "🗂 Case #{id} evidence pack ({files} files)\nSHA-256 {sha}\nGenerated by {who}",
    },
    # the case report (/report, fakeapp report): plain text shown in <pre>
    "report.title": {"zh": "案件報告 {since} – {until}", "en": "Case report {since} – {until}"},
    "report.figure.new_suspects": {"zh": "新可疑案件", "en": "New suspects"},
    "report.figure.confirmed": {"zh": "確認假冒", "en": "Confirmed"},
    "report.figure.false_positives": {"zh": "誤報", "en": "False positives"},
    "report.figure.takedowns_requested": {"zh": "申請下架", "en": "Takedowns requested"},
    "report.figure.takedowns_verified": {"zh": "確認下架", "en": "Takedowns verified"},
    "report.figure.police_reports": {"zh": "報案", "en": "Police reports"},
    "report.figure.relistings": {"zh": "重新上架", "en": "Re-listings"},
    "report.line": {"zh": "{name}：{value}", "en": "{name}: {value}"},
    "report.sep": {"zh": "，", "en": ", "},
    "report.removal": {
        "zh": "發現至確認下架：中位數 {median}，P90 {p90}（{n} 件）",
        "en": "First sighting to verified removal: median {median}, P90 {p90} (n={n})",
    },
    "report.median": {"zh": "中位數 {value}", "en": "median {value}"},
    "report.by_store": {"zh": "依商店：", "en": "By store:"},
    "report.by_brand": {"zh": "依品牌：", "en": "By brand:"},
    "report.days": {"zh": "{n} 天", "en": "{n} d"},
    "report.hours": {"zh": "{n} 小時", "en": "{n} h"},
    # the report's chart (a PNG sent with the report); plain text drawn by matplotlib
    "chart.new": {"zh": "新可疑案件", "en": "new suspects"},
    "chart.confirmed": {"zh": "確認假冒", "en": "confirmed"},
    "chart.removed": {"zh": "確認下架", "en": "takedowns verified"},
    "chart.per_day": {
        "zh": "每日案件數 {since} 至 {until}（{zone}）",
        "en": "Cases per day {since} to {until} ({zone})",
    },
    "chart.cases": {"zh": "案件數", "en": "cases"},
    "chart.median": {"zh": "中位數", "en": "median"},
    "chart.p90": {"zh": "P90", "en": "p90"},
    "chart.ttr": {"zh": "從首次發現到確認下架", "en": "Time to takedown"},
    "chart.days": {"zh": "天數（首次發現至確認下架）", "en": "days from first sighting to verified removal"},
    "chart.none": {
        "zh": "從首次發現到確認下架：此期間沒有確認下架的案件。",
        "en": "Time to takedown: no verified takedowns in this period.",
    },
    # front-line notices (bot.alerts.frontline): plain language for branches and customer service
    "frontline.store.google_play": {"zh": "Google Play 商店", "en": "Google Play"},
    "frontline.store.app_store": {"zh": "Apple App Store", "en": "the Apple App Store"},
    "frontline.store.aptoide": {"zh": "Aptoide 第三方商店", "en": "the Aptoide app store"},
    "frontline.store.galaxy_store": {"zh": "三星 Galaxy Store", "en": "the Samsung Galaxy Store"},
    "frontline.store.apk": {"zh": "LINE／簡訊等連結（安裝檔）", "en": "links in LINE or SMS (APK file)"},
    "frontline.store.website": {
        "zh": "LINE／簡訊等連結的假冒下載網頁",
        "en": "a fake download page behind links in LINE or SMS",
    },
    "frontline.store.ipa": {
        "zh": "LINE／簡訊等連結（iPhone 安裝檔）",
        "en": "links in LINE or SMS (iPhone app file)",
    },
    "frontline.store.itms_manifest": {
        "zh": "LINE／簡訊等連結（iPhone 安裝連結）",
        "en": "links in LINE or SMS (iPhone install link)",
    },
    "frontline.store.testflight": {
        "zh": "LINE／簡訊等連結（TestFlight 測試版邀請）",
        "en": "links in LINE or SMS (TestFlight beta invitation)",
    },
    "frontline.store.mobileconfig": {
        "zh": "LINE／簡訊等連結（iPhone 描述檔）",
        "en": "links in LINE or SMS (iPhone configuration profile)",
    },
    "frontline.title.active": {
        "zh": "⚠️ 假冒 App 警示（請轉知同仁）",
        "en": "⚠️ Fake app warning (please pass on to colleagues)",
    },
    "frontline.title.relisted": {
        "zh": "⚠️ 假冒 App 再次出現（請轉知同仁）",
        "en": "⚠️ The fake app is back (please pass on to colleagues)",
    },
    "frontline.title.removed": {
        "zh": "✅ 假冒 App 已下架（仍請提醒客戶）",
        "en": "✅ Fake app taken down (keep warning customers)",
    },
    "frontline.title.resolved": {"zh": "☑️ 假冒 App 案件已結案", "en": "☑️ Fake app case closed"},
    "frontline.title.retracted": {
        "zh": "ℹ️ 更正：先前通知的 App 經查證並非假冒",
        "en": "ℹ️ Correction: the app in the earlier notice is not a fake",
    },
    "frontline.app": {"zh": "假冒 App 名稱", "en": "Fake app name"},
    "frontline.where": {"zh": "出現在", "en": "Found on"},
    "frontline.developer": {"zh": "顯示的開發者", "en": "Developer shown"},
    "frontline.status": {"zh": "目前狀態", "en": "Status"},
    "frontline.status.listed": {
        "zh": "仍可下載，本公司正處理中",
        "en": "still downloadable; we are dealing with it",
    },
    "frontline.status.requested": {
        "zh": "仍可下載，本公司已向商店申請下架",
        "en": "still downloadable; we have asked the store to remove it",
    },
    "frontline.status.removed": {"zh": "商店已下架", "en": "removed by the store"},
    "frontline.status.resolved": {"zh": "已處理完畢", "en": "dealt with"},
    "frontline.recognise": {"zh": "如何辨識", "en": "How to recognise it"},
    "frontline.recognise.text": {
        "zh": "本公司官方 App 只會在下列官方連結上架；"
        "名稱相似、圖示相似但不是從官方連結下載的，都不是本公司的 App。"
        "本公司不會透過 LINE、簡訊或社群要求客戶下載 App 或匯款。",
        "en": "Our apps are only available from the official links below; an app with a similar "
        "name or icon from anywhere else is not ours. We never ask customers to install an app or transfer "
        "money through LINE, text messages or social media.",
    },
    "frontline.tell": {"zh": "請這樣告訴客戶", "en": "What to tell a customer"},
    "frontline.tell.text": {
        "zh": "「這不是本公司的 App，請不要下載、不要登入、不要依指示匯款。"
        "已經安裝的話請刪除，並變更密碼；"
        "如已匯款或提供資料，請立即撥打 165 反詐騙專線並與本公司聯繫。」",
        "en": "&quot;This is not our app. Do not install it, do not log in, and do not transfer money "
        "as it asks. If you installed it, delete it and change your password; if you transferred money or "
        "gave your details, call the 165 anti-fraud hotline and contact us now.&quot;",
    },
    "frontline.official": {"zh": "官方下載連結", "en": "Official download links"},
    "frontline.official.page": {"zh": "官方下載頁", "en": "Official download page"},
    "frontline.retracted.text": {
        "zh": "經資安單位查證，此 App 並非假冒，請忽略先前的通知；如已告知客戶，請說明已更正。",
        "en": "Our security team found that this app is not a fake: please disregard the earlier "
        "notice, and correct it with any customer you told.",
    },
    "frontline.case": {"zh": "案件編號", "en": "Case"},
    "frontline.off": {
        "zh": "ℹ️ 第一線通知未開啟：尚未設定第一線聊天（FAKEAPP_FRONTLINE_CHAT_ID），"
        "案件 #{id} 確認後沒有通知分行與客服。設定後重新啟動 bot，之後確認的案件就會通知第一線。",
        "en": "ℹ️ Front-line notices are off: no front-line chat is set (FAKEAPP_FRONTLINE_CHAT_ID), so the "
        "branches and customer service were not told about case #{id}. Set it and restart the bot; cases "
        "confirmed after that are announced.",
    },
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
    """A language as the bot knows it, ``en`` or ``zh``; the default for anything else."""
    v = (value or "").strip().lower()
    if v.startswith("en"):
        return "en"
    if v.startswith("zh") or v in ("中文", "tw"):
        return "zh"
    return DEFAULT_LANG


def label(lang: str, prefix: str, value: str) -> str:
    """The catalogue label of a code (``state.new`` → 新案件); the code itself when there is none."""
    key = f"{prefix}.{value}"
    return t(lang, key) if key in CATALOGUE else value


def event_sentence(lang: str, action: str, actor: str, *, new: str = "", note: str = "") -> str:
    """One timeline event as a sentence (plain text; the caller escapes it)."""
    zh = lang != "en"
    scan = actor in ("scan", "system", "")
    who = t(lang, "who.scan") if scan else (f"{actor} " if zh else actor)
    key = f"event.{action}" if f"event.{action}" in CATALOGUE else "event.other"
    why = (f"（{note}）" if zh else f" ({note})") if note else ""
    ref = (f"（申請編號 {note}）" if zh else f" (reference {note})") if note else ""
    shown_new = label(lang, "verdict", new) if action == "rescored" else new
    return t(lang, key, who=who, why=why, ref=ref, note=note, new=shown_new, action=action).strip()


def case_error_text(lang: str, exc: Exception) -> str:
    """A refused case change in ``lang`` (plain text): its catalogue entry if it has a key, else as raised."""
    key = getattr(exc, "key", "")
    params = dict(getattr(exc, "params", {}) or {})
    if not key or f"case_error.{key}" not in CATALOGUE:
        return str(exc)
    if "state" in params:
        params["state"] = label(lang, "state", str(params["state"]))
    try:
        return t(lang, f"case_error.{key}", **params)
    except (KeyError, IndexError):
        return str(exc)
