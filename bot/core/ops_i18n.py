"""What the bot says about operations (issue 14): held alerts, kill switches, the daily line and warnings.

Traditional Chinese by default, English on request, each with its own punctuation; HTML (Telegram parse
mode), filled with already-escaped values. Kept beside ``bot.core.i18n`` so both catalogues read the same.
"""

from __future__ import annotations

from typing import Any

from bot.core.i18n import DEFAULT_LANG

OPS: dict[str, dict[str, str]] = {
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


def ot(lang: str, key: str, **kwargs: Any) -> str:
    """The operations string ``key`` in ``lang`` (falling back to Chinese), formatted with ``kwargs``."""
    entry = OPS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANG]
    return text.format(**kwargs) if kwargs else text


def switch_label(lang: str, name: str) -> str:
    """A switch name as people read it."""
    if f"switch.{name}" in OPS:
        return ot(lang, f"switch.{name}")
    from bot.core.i18n import t

    label = t(lang, f"store.{name}")
    return name if label.startswith("store.") else label
