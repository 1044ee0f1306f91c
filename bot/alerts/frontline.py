"""Front-line notices: a plain-language message to branches and customer service about a confirmed fake app.

Posted once when a case is confirmed (to the ``frontline`` chat, ``FAKEAPP_FRONTLINE_CHAT_ID``), edited when
the app is taken down, re-listed, resolved or retracted. It says which fake app, how to recognise it, what to
tell a customer and where the official app is; never scores, reasons, certificates or package ids. Queued
through the outbox in the same transaction as the case change; rendered from the case as it is when delivered.
The brand profile (the official links) is passed in by whoever wires the hooks, never read from the env.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import sqlite_utils

from bot.alerts.render import esc
from bot.cases.actions import get_case
from bot.cases.events import CaseChange, Hook
from bot.cases.model import Case, State
from bot.outbox import queue
from bot.outbox.deliver import MessageKind, Rendered
from scanners.profile import Brand, Profile

log = logging.getLogger(__name__)

FRONTLINE = "frontline"
KIND_POST = "frontline"
KIND_EDIT = "frontline_edit"
KINDS = (KIND_POST, KIND_EDIT)
ANCHOR = "frontline"  # the posted notice, edited as the case changes

_STORE = {
    "zh": {
        "google_play": "Google Play 商店",
        "app_store": "Apple App Store",
        "aptoide": "Aptoide 第三方商店",
        "galaxy_store": "三星 Galaxy Store",
        "apk": "LINE／簡訊等連結（安裝檔）",
    },
    "en": {
        "google_play": "Google Play",
        "app_store": "the Apple App Store",
        "aptoide": "the Aptoide app store",
        "galaxy_store": "the Samsung Galaxy Store",
        "apk": "links in LINE or SMS (APK file)",
    },
}
_TEXT = {
    "zh": {
        "title.active": "⚠️ 假冒 App 警示（請轉知同仁）",
        "title.relisted": "⚠️ 假冒 App 再次出現（請轉知同仁）",
        "title.removed": "✅ 假冒 App 已下架（仍請提醒客戶）",
        "title.resolved": "☑️ 假冒 App 案件已結案",
        "title.retracted": "ℹ️ 更正：先前通知的 App 經查證並非假冒",
        "app": "假冒 App 名稱",
        "where": "出現在",
        "developer": "顯示的開發者",
        "status": "目前狀態",
        "status.listed": "仍可下載，本公司正處理中",
        "status.requested": "仍可下載，本公司已向商店申請下架",
        "status.removed": "商店已下架",
        "status.resolved": "已處理完畢",
        "recognise": "如何辨識",
        "recognise.text": "本公司官方 App 只會在下列官方連結上架；"
        "名稱相似、圖示相似但不是從官方連結下載的，都不是本公司的 App。"
        "本公司不會透過 LINE、簡訊或社群要求客戶下載 App 或匯款。",
        "tell": "請這樣告訴客戶",
        "tell.text": "「這不是本公司的 App，請不要下載、不要登入、不要依指示匯款。"
        "已經安裝的話請刪除，並變更密碼；"
        "如已匯款或提供資料，請立即撥打 165 反詐騙專線並與本公司聯繫。」",
        "official": "官方下載連結",
        "official.page": "官方下載頁",
        "retracted.text": "經資安單位查證，此 App 並非假冒，請忽略先前的通知；如已告知客戶，請說明已更正。",
        "case": "案件編號",
    },
    "en": {
        "title.active": "⚠️ Fake app warning (please pass on to colleagues)",
        "title.relisted": "⚠️ The fake app is back (please pass on to colleagues)",
        "title.removed": "✅ Fake app taken down (keep warning customers)",
        "title.resolved": "☑️ Fake app case closed",
        "title.retracted": "ℹ️ Correction: the app in the earlier notice is not a fake",
        "app": "Fake app name",
        "where": "Found on",
        "developer": "Developer shown",
        "status": "Status",
        "status.listed": "still downloadable; we are dealing with it",
        "status.requested": "still downloadable; we have asked the store to remove it",
        "status.removed": "removed by the store",
        "status.resolved": "dealt with",
        "recognise": "How to recognise it",
        "recognise.text": "Our apps are only available from the official links below; an app with a similar "
        "name or icon from anywhere else is not ours. We never ask customers to install an app or transfer "
        "money through "
        "LINE, text messages or social media.",
        "tell": "What to tell a customer",
        "tell.text": '"This is not our app. Do not install it, do not log in, and do not transfer money '
        "as it asks. If you installed it, delete it and change your password; if you transferred money or "
        "gave your details, "
        'call the 165 anti-fraud hotline and contact us now."',
        "official": "Official download links",
        "official.page": "Official download page",
        "retracted.text": "Our security team found that this app is not a fake: please disregard the earlier "
        "notice, and correct it with any customer you told.",
        "case": "Case",
    },
}


def phase(case: Case) -> str:
    """Which version of the notice a case calls for: active | relisted | removed | resolved | retracted."""
    if case.state == State.FALSE_POSITIVE:
        return "retracted"
    if case.state == State.RESOLVED:
        return "resolved"
    if case.kind == "listing" and not case.listed:
        return "removed"
    if case.state == State.RELISTED:
        return "relisted"
    return "active"


def notice_text(case: Case, brand: Brand | None, lang: str = "zh") -> str:
    """The notice as Telegram HTML: the app's title and developer escaped, nothing technical shown."""
    tx = _TEXT["en" if lang == "en" else "zh"]
    stores = _STORE["en" if lang == "en" else "zh"]
    e = esc
    p = phase(case)
    title = " ".join(case.title.split())[:120]
    developer = " ".join(case.developer.split())[:120]
    lines = [f"<b>{tx['title.' + p]}</b>", ""]
    lines.append(f"{tx['app']}：<b>{e(title)}</b>")
    lines.append(f"{tx['where']}：{e(stores.get(case.store, case.store))}")
    if developer and case.kind == "listing":
        lines.append(f"{tx['developer']}：{e(developer)}")
    if p == "retracted":
        lines += ["", e(tx["retracted.text"])]
    else:
        if p in ("active", "relisted"):
            status = tx["status.requested"] if case.takedown == "requested" else tx["status.listed"]
        elif p == "removed":
            status = tx["status.removed"]
        else:
            status = tx["status.resolved"]
        lines.append(f"{tx['status']}：{e(status)}")
        lines += ["", f"<b>{tx['recognise']}</b>", e(tx["recognise.text"])]
        lines += ["", f"<b>{tx['tell']}</b>", e(tx["tell.text"])]
    lines += ["", f"<b>{tx['official']}</b>"]
    if brand is not None:
        for app in brand.apps:
            if app.url:
                name = app.name or brand.name
                where = _STORE["en" if lang == "en" else "zh"].get(app.store, app.store)
                lines.append(f'• {e(where)}：<a href="{e(app.url)}">{e(name)}</a>')
        if brand.download_page:
            lines.append(f'• {tx["official.page"]}：<a href="{e(brand.download_page)}">'
                         f"{e(brand.download_page)}</a>")  # fmt: skip
    lines += ["", f"<i>{tx['case']} #{case.id}</i>"]
    return "\n".join(lines)


def brand_for(case: Case, profile: Profile | None) -> Brand | None:
    if profile is None:
        return None
    return next((b for b in profile.brands if b.id == case.brand), None)


def _posted(db: sqlite_utils.Database, case_id: int) -> bool:
    """A notice for this case is queued or sent (it is posted once, ever)."""
    return bool(list(db.query("SELECT 1 FROM outbox WHERE dedupe_key = ?", [f"frontline:{case_id}"])))


def on_transition(
    db: sqlite_utils.Database, before: Case, after: Case, *, profile: Profile | None, now: Any = None
) -> list[int]:
    """Queue the notice when a case is first confirmed, and an edit when its notice-worthy status changes.

    Called inside the case change's transaction (the hook ``hook(profile)``); ``profile`` gives the official
    links.
    """
    if after.state == State.CONFIRMED and not _posted(db, after.id):
        text = notice_text(after, brand_for(after, profile))
        return queue.enqueue(
            db, FRONTLINE, text, kind=KIND_POST, case_id=after.id, dedupe_key=f"frontline:{after.id}", now=now
        )
    if not _posted(db, after.id):
        return []
    if phase(before) == phase(after) and before.takedown == after.takedown:
        return []
    # One pending edit per case is enough: it is rendered from the case when delivered.
    if list(
        db.query(
            "SELECT 1 FROM outbox WHERE case_id = ? AND kind = ? AND status = 'pending' LIMIT 1",
            [after.id, KIND_EDIT],
        )
    ):
        return []
    return queue.enqueue(
        db, FRONTLINE, "", kind=KIND_EDIT, case_id=after.id, method="editMessageText", now=now
    )


def hook(profile: Profile | None) -> Hook:
    """The case-change hook for front-line notices, with the brand profile that gives the official links."""

    def on_change(db: sqlite_utils.Database, change: CaseChange) -> None:
        if change.before is not None:
            on_transition(db, change.before, change.after, profile=profile, now=change.at)

    return on_change


def message_kinds(profile: Profile | None) -> tuple[MessageKind, ...]:
    """How front-line rows go out: rendered from the case as it is then, edits of the posted notice."""

    def render(db: sqlite_utils.Database, row: Mapping[str, Any]) -> Rendered:
        case = get_case(db, int(row["case_id"]))
        return Rendered(notice_text(case, brand_for(case, profile)))

    return (
        MessageKind(KIND_POST, render=render, anchor=ANCHOR),
        MessageKind(KIND_EDIT, render=render, edits=ANCHOR),
    )
