"""Ready-to-file drafts from a case and the brand profile: takedown requests, police report, website warning.

Pure functions over ``CaseFacts`` and ``Brand``. Drafts are plain text: every store or APK string passes
through ``clean`` (no control characters or newlines, so a hostile title cannot forge a line) and is quoted;
the website warning also comes as an HTML snippet in which every such string is HTML-escaped (``esc``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from bot.casework.casefacts import STORE_NAMES_EN, STORE_NAMES_ZH, CaseFacts, TakedownRequest, clean
from bot.casework.draft_parts import (
    Draft,
    DraftError,
    fmt_date,
    fmt_time,
    history_block,
    links_block,
    official_links,
    q,
    signature,
)
from bot.casework.kinds import KINDS
from bot.casework.link_drafts import LINK_DRAFTS, link_status_line, link_subject_lines
from bot.core.i18n import event_sentence
from bot.core.textsafe import esc
from scanners.profile import Brand

TAKEDOWN_KINDS = ("play", "apple", "aptoide", "galaxy", "store", "hosting", "registrar", "apple_dev")
# Takedown kinds that are meant for one store only.
KIND_STORE = {"play": "google_play", "apple": "app_store", "aptoide": "aptoide", "galaxy": "galaxy_store"}
LANGS = ("zh", "en")

# 2026-11: the reporting channels as the stores publish them (see notes/taiwan.md).
PLAY_IMPERSONATION_FORM = (
    "https://support.google.com/googleplay/android-developer/contact/policy_violation_report"
)
PLAY_IP_FORM = "https://support.google.com/legal/answer/3110420"
APPLE_DISPUTE_FORM = "https://www.apple.com/legal/internet-services/itunes/appstorenotices/"
POLICE_165_SITE = "https://165.npa.gov.tw"
# 2026-12: Aptoide takes abuse and infringement reports by e-mail (and the in-app "Report" flag); the address
# is not checkable from here: confirm it on Aptoide's legal page before the first filing.
APTOIDE_ABUSE_EMAIL = "abuse@aptoide.com"
APTOIDE_LEGAL_PAGE = "https://en.aptoide.com/company/legal"
# Samsung takes intellectual-property reports from the rights holder through Galaxy Store "Contact us".
GALAXY_IP_PAGE = (
    "https://www.samsung.com/hk/support/apps-services/"
    "how-to-report-intellectual-property-infringement-in-galaxy-store/"
)
GALAXY_CONTACT_FORM = "https://help.content.samsung.com/csweb/auth/gosupport.do"

# Reason codes that make a case about the broker's trademark or logo rather than (only) a misleading identity.
# 2026-11: matched by substring, as the judging module names its icon signal "icon_*".
_IP_CODE_MARKS = ("icon", "logo", "trademark")
# Reason codes that show the broker's name (its word mark) was copied: title, developer name, alias.
_NAME_CODE_MARKS = ("name",)


def copied_marks(facts: CaseFacts, lang: str) -> str:
    """What the evidence shows was copied, and only that: the name (word mark), the logo (icon), or both."""
    reasons = facts.listing.reasons if facts.listing else ()
    name = any(any(m in r.code.lower() for m in _NAME_CODE_MARKS) for r in reasons)
    logo = any(any(m in r.code.lower() for m in ("icon", "logo")) for r in reasons)
    if lang == "zh":
        parts = (["名稱與商標"] if name else []) + (["標誌（App 圖示）"] if logo else [])
        return "及".join(parts) or "商標"
    parts = (["name and trademark"] if name else []) + (["logo (the app icon)"] if logo else [])
    return " and ".join(parts) or "trademark"


class DuplicateTakedown(DraftError):
    """The listing already has a takedown request in its current episode; refused unless forced."""

    def __init__(self, case_id: int, first: TakedownRequest, tz: tzinfo | None = None) -> None:
        ref = first.reference or "none"
        super().__init__(
            f"case {case_id}: a takedown was already requested on {fmt_time(first.at, tz)} "
            f"(reference {ref}); use --force to draft another"
        )
        self.first = first


def play_form(facts: CaseFacts) -> tuple[str, str, str]:
    """Which Google Play form fits: (``ip`` | ``impersonation``, why in zh, why in en)."""
    reasons = facts.listing.reasons if facts.listing else ()
    ip = [r for r in reasons if any(m in r.code.lower() for m in _IP_CODE_MARKS)]
    if ip:
        return (
            "ip",
            "此案判定理由包含商標／標誌（圖示）相似："
            + "；".join(clean(r.zh, 120) for r in ip)
            + "。盜用商標或標誌屬智慧財產權問題，須由權利人以智慧財產權（商標）投訴表單提出；"
            "冒名部分可另以政策違規檢舉表單之「Impersonation」類別補充。",
            "The reasons include trademark/logo (icon) similarity: "
            + "; ".join(clean(r.en, 120) for r in ip)
            + ". Misuse of a trademark or logo is an intellectual-property matter that the rights holder "
            "files with the legal (trademark) complaint form; the impersonation may be reported in addition "
            "through "
            "the policy-violation form, category Impersonation.",
        )
    return (
        "impersonation",
        "此案為冒用本公司名稱或開發者身分誤導使用者，未涉圖示／標誌盜用，適用政策違規檢舉表單之"
        "「Impersonation（冒名）」類別，毋須主張智慧財產權。",
        "The case is about misleading users with the broker's name or developer identity, not its logo: "
        "the policy-violation form, category Impersonation, fits and needs no intellectual-property claim.",
    )


def _app_id(facts: CaseFacts) -> str:
    if facts.listing is not None:
        return facts.listing.app_id
    if facts.link is not None:
        return facts.link.get("app_id") or facts.link.url
    return ""


def check_takedown(facts: CaseFacts, kind: str, *, force: bool = False, tz: tzinfo | None = None) -> None:
    """Refuse a second takedown draft for a listing that already has a request, unless forced."""
    if kind not in TAKEDOWN_KINDS or force:
        return
    first = facts.open_takedown()
    if first is not None:
        raise DuplicateTakedown(facts.case_id, first, tz)


def _subject_lines(facts: CaseFacts, lang: str) -> list[str]:
    """The impersonating app's identifying facts, one cleaned line each."""
    zh = lang == "zh"
    out = []
    if facts.listing:
        li = facts.listing
        names = STORE_NAMES_ZH if zh else STORE_NAMES_EN
        rows = [
            ("商店" if zh else "Store", names.get(li.store, li.store)),
            ("App 名稱" if zh else "App title", q(li.title, 200, lang)),
            ("App ID" if zh else "App id", clean(li.app_id, 200)),
            ("商店頁面" if zh else "Store page", clean(li.url, 300)),
            ("開發者" if zh else "Developer", q(li.developer, 200, lang)),
            ("開發者 ID" if zh else "Developer id", clean(li.developer_id, 100)),
        ]
        if li.bundle_id:
            rows.append(("Bundle ID", clean(li.bundle_id, 200)))
        if li.developer_legal_name:
            rows.append(
                ("開發者法定名稱" if zh else "Developer legal name", q(li.developer_legal_name, 200, lang))
            )
        if li.developer_email:
            rows.append(("開發者電子郵件" if zh else "Developer e-mail", clean(li.developer_email, 200)))
        if li.developer_website:
            rows.append(("開發者網站" if zh else "Developer website", clean(li.developer_website, 300)))
        if li.developer_address:
            rows.append(("開發者地址" if zh else "Developer address", q(li.developer_address)))
        if li.store_name:
            rows.append(("上架之使用者商店" if zh else "Hosting user store", q(li.store_name, 120)))
        if li.cert_sha1:
            rows.append(("簽章憑證 SHA-1" if zh else "Signing certificate SHA-1", clean(li.cert_sha1, 64)))
        if li.cert_owner:
            rows.append(("簽章憑證擁有者" if zh else "Certificate owner", q(li.cert_owner)))
        if li.installs:
            rows.append(("下載次數" if zh else "Downloads", clean(li.installs, 40)))
        out += [f"  - {k}: {v}" for k, v in rows if v]
    if facts.apk:
        a = facts.apk
        out.append(f"  - APK SHA-256: {clean(a.sha256, 64)}")
        if a.package:
            out.append(f"  - {'套件名稱' if zh else 'Package'}: {clean(a.package, 200)}")
        for c in a.certificates:
            out.append(f"  - {'簽章憑證' if zh else 'Signing certificate'} SHA-256: {clean(c.sha256, 64)}")
    if facts.link is not None:
        out += link_subject_lines(facts, lang)
    return out


def _reasons_block(facts: CaseFacts, lang: str) -> list[str]:
    reasons = facts.listing.reasons if facts.listing else (facts.link.reasons if facts.link else ())
    if not reasons:
        return []
    return [f"  - {clean(r.zh if lang == 'zh' else r.en, 300)}" for r in reasons]


def _status_line(facts: CaseFacts, lang: str, tz: tzinfo | None = None) -> str:
    zh = lang == "zh"
    if facts.link is not None:
        return link_status_line(facts, lang)
    if facts.listing is None:
        return ""
    if facts.listing.present:
        return (
            f"截至 {fmt_time(facts.listing.last_seen, tz)} 仍上架中。"
            if zh
            else f"Still listed as of {fmt_time(facts.listing.last_seen, tz)}."
        )
    return (
        f"已於 {fmt_time(facts.listing.removed_at, tz)} 確認下架。"
        if zh
        else f"Seen removed on {fmt_time(facts.listing.removed_at, tz)}."
    )


def _followup_lines(facts: CaseFacts, lang: str, tz: tzinfo | None = None) -> list[str]:
    """A sentence pointing at the first request of this episode, or at the removal before a re-listing."""
    zh = lang == "zh"
    out = []
    first = facts.open_takedown()
    if first is not None:
        ref = clean(first.reference, 100) or ("無" if zh else "none")
        first_at = fmt_date(first.at, tz)
        out.append(
            f"本公司已於 {first_at} 提出下架申請（編號 {ref}），惟該 App 至今仍上架，特此再次申請。"
            if zh
            else f"We first requested removal on {first_at} (reference {ref}); the app is still "
            "listed, so we ask again."
        )
    earlier = facts.earlier_takedowns()
    if earlier:
        refs = ", ".join(f"{fmt_date(t.at, tz)} {clean(t.reference, 60) or '-'}" for t in earlier)
        out.append(
            f"同一 App 曾經本公司申請下架並已下架（{refs}），現又重新上架。"
            if zh
            else f"The same app was removed after our earlier request(s) ({refs}) and has been listed again."
        )
    return out


def _takedown_body(
    facts: CaseFacts, brand: Brand, lang: str, intro: str, ask: str, tz: tzinfo | None = None
) -> str:
    zh = lang == "zh"
    lines = [intro, "", ("冒用 App：" if zh else "The impersonating app:"), *_subject_lines(facts, lang)]
    status = _status_line(facts, lang, tz)
    if status:
        lines.append(f"  - {'狀態' if zh else 'Status'}: {status}")
    reasons = _reasons_block(facts, lang)
    if reasons:
        lines += ["", "判定依據：" if zh else "Why it is not ours:", *reasons]
    lines += [
        "",
        "本公司官方 App 與官方開發者帳號：" if zh else "Our official apps and developer accounts:",
        *links_block(brand, lang),
        *[f"  - {'官方開發者' if zh else 'Official developer'}: {d}" for d in brand.official_developers],
    ]
    follow = _followup_lines(facts, lang, tz)
    if follow:
        lines += ["", *follow]
    history = history_block(facts, lang, tz)
    if history:
        lines += ["", "處理紀錄：" if zh else "Actions so far:", *history]
    lines += ["", ask, *signature(brand, lang)]
    return "\n".join(lines)


def draft_play(facts: CaseFacts, brand: Brand, lang: str, tz: tzinfo | None = None) -> Draft:
    """The Google Play takedown request (the trademark or the impersonation form, as ``play_form`` says)."""
    if facts.store != "google_play":
        raise DraftError(f"case {facts.case_id} is not a Google Play listing (store {facts.store})")
    form, why_zh, why_en = play_form(facts)
    zh = lang == "zh"
    title = q(facts.title, 120, lang)
    if form == "ip":
        name = "Google 法律支援：智慧財產權（商標）投訴" if zh else "Google Legal Help: trademark complaint"
        url = PLAY_IP_FORM
        intro = (
            f"{brand.legal_name}（商標「{brand.name}」之權利人）謹此通知：Google Play 上之 App {title} "
            f"未經授權使用本公司之{copied_marks(facts, 'zh')}，足使投資人誤認為本公司官方 App。"
            if zh
            else f'{brand.legal_name}, owner of the trademark "{brand.name}", reports that the Google Play '
            f"app {title} uses our {copied_marks(facts, 'en')} without authorisation, misleading investors "
            "into taking it for our official app."
        )
        ask = (
            "本人善意相信上述商標使用未經權利人或其代理人授權，亦非法律所允許；本通知內容正確無誤。"
            "懇請儘速移除該 App。"
            if zh
            else "I have a good-faith belief that the use of the trademark described above is not authorised "
            "by "
            "the trademark owner, its agent, or the law, and the information in this notice is accurate. "
            "Please remove the app."
        )
    else:
        name = (
            "Google Play 政策違規檢舉表單（類別：Impersonation 冒名）"
            if zh
            else "Google Play policy-violation report (category: Impersonation)"
        )
        url = PLAY_IMPERSONATION_FORM
        intro = (
            f"Google Play 上之 App {title} 冒用{brand.legal_name}（{brand.name}）之名義，"
            "該 App 並非本公司發行，違反 Google Play 冒名政策。"
            if zh
            else f"The Google Play app {title} impersonates {brand.legal_name} ({brand.name}). It is not "
            "published by us and violates Google Play's impersonation policy."
        )
        ask = (
            "懇請依冒名政策儘速下架該 App。"
            if zh
            else "Please remove the app under the impersonation policy."
        )
    subject = (
        f"冒用{brand.name}之 App：{clean(_app_id(facts), 120)}"
        if zh
        else f"App impersonating {brand.name}: {clean(_app_id(facts), 120)}"
    )
    return Draft(
        kind="play",
        lang=lang,
        form_name=name,
        form_url=url,
        why=why_zh if zh else why_en,
        to="",
        subject=subject,
        body=_takedown_body(facts, brand, lang, intro, ask, tz),
    )


def draft_apple(facts: CaseFacts, brand: Brand, lang: str, tz: tzinfo | None = None) -> Draft:
    """The App Store takedown request under Apple's content dispute process."""
    if facts.store != "app_store":
        raise DraftError(f"case {facts.case_id} is not an App Store listing (store {facts.store})")
    zh = lang == "zh"
    title = q(facts.title, 120, lang)
    app_id = _app_id(facts)
    intro = (
        f"App Store（台灣）上之 App {title} 冒用{brand.legal_name}（{brand.name}）之名稱與品牌，"
        "並非本公司發行，恐誘使投資人下載並受騙。"
        if zh
        else f"The App Store (Taiwan) app {title} uses the name and brand of {brand.legal_name} "
        f"({brand.name}). We did not publish it, and it may lure investors into fraud."
    )
    decides = apple_developer_fact(facts, brand, lang)
    if decides:
        intro += ("" if zh else " ") + decides
    ask = (
        "本公司為上述名稱與商標之權利人，懇請依 App Store 內容爭議程序通知開發者並下架該 App。"
        if zh
        else "We own the name and trademark above and ask Apple to act under the App Store content dispute "
        "process and remove the app."
    )
    return Draft(
        kind="apple",
        lang=lang,
        form_name="Apple App Store 內容爭議表單（App Store Content Dispute）"
        if zh
        else "Apple App Store Content Dispute form",
        form_url=APPLE_DISPUTE_FORM,
        why="Apple 以「App Store 內容爭議」表單受理冒用名稱、商標之申訴。"
        if zh
        else "Apple takes claims that an app infringes a name or trademark through its content dispute form.",
        to="",
        subject=(
            f"內容爭議：冒用{brand.name}之 App（ID {clean(app_id, 40)}）"
            if zh
            else f"Content dispute: app impersonating {brand.name} (id {clean(app_id, 40)})"
        ),
        body=_takedown_body(facts, brand, lang, intro, ask, tz),
    )


def apple_developer_fact(facts: CaseFacts, brand: Brand, lang: str) -> str:
    """The fact that decides for Apple: our developer ids and team ids, and the app's, which differ."""
    ours = sorted({a.developer_id for a in brand.apps if a.store == "app_store" and a.developer_id})
    teams = list(brand.apple_team_ids)
    theirs = clean(facts.listing.developer_id, 100) if facts.listing else ""
    if not ours and not teams:
        return ""
    if lang == "zh":
        parts = ([f"開發者 ID {'、'.join(ours)}"] if ours else []) + (
            [f"Apple 團隊 ID {'、'.join(teams)}"] if teams else []
        )
        out = f"本公司在 App Store 之官方{'，'.join(parts)}"
        return out + (f"；該 App 之開發者 ID 為 {theirs}，並非本公司。" if theirs else "。")
    parts = ([f"developer id {', '.join(ours)}"] if ours else []) + (
        [f"Apple team id {', '.join(teams)}"] if teams else []
    )
    out = f"Our official App Store {'; '.join(parts)}"
    return out + (f"; this app's developer id is {theirs}, which is not ours." if theirs else ".")


def _official_cert_lines(brand: Brand, lang: str) -> list[str]:
    """The official signing certificates (SHA-1, as Aptoide shows them, and SHA-256)."""
    zh = lang == "zh"
    out = [f"  - {'官方簽章憑證' if zh else 'Official signing certificate'} SHA-1: {c}" for c in
           sorted(brand.all_cert_sha1)]  # fmt: skip
    out += [f"  - {'官方簽章憑證' if zh else 'Official signing certificate'} SHA-256: {c}" for c in
            sorted(brand.all_cert_sha256)]  # fmt: skip
    return out


def draft_aptoide(facts: CaseFacts, brand: Brand, lang: str, tz: tzinfo | None = None) -> Draft:
    """An e-mail to Aptoide's abuse contact: the listing, its user store and its certificate against ours."""
    if facts.store != "aptoide":
        raise DraftError(f"case {facts.case_id} is not an Aptoide listing (store {facts.store})")
    zh = lang == "zh"
    title = q(facts.title, 120, lang)
    li = facts.listing
    aptoide_id = clean(li.app_id if li else "", 40)
    where = q(li.store_name, 120, lang) if li and li.store_name else ("（未知）" if zh else "(unknown)")
    forged = bool(li and any(r.code == "official_package_foreign_certificate" for r in li.reasons))
    if forged:
        intro = (
            f"您好：Aptoide 使用者商店 {where} 上架之 App {title} 使用{brand.legal_name}（{brand.name}）"
            "官方 App 之套件名稱，但其簽章憑證並非本公司之憑證，係遭重新打包或偽造之 App，疑為投資詐騙工具。"
            if zh
            else f"Hello, the app {title} in the Aptoide user store {where} uses the package name of the "
            f"official app of {brand.legal_name} ({brand.name}) but is not signed with our certificate: it "
            "is a repackaged or forged build and appears to be an investment-fraud tool."
        )
    else:
        intro = (
            f"您好：Aptoide 使用者商店 {where} 上架之 App {title} 冒用{brand.legal_name}（{brand.name}）"
            "之名稱與商標，並非本公司發行，疑為投資詐騙工具。"
            if zh
            else f"Hello, the app {title} in the Aptoide user store {where} uses the name and trademark of "
            f"{brand.legal_name} ({brand.name}). We did not publish it; it appears to be an "
            "investment-fraud tool."
        )
    ask = (
        "懇請儘速移除該 App（含該使用者商店中相同簽章之其他檔案），並保留上傳者資料以利警方偵辦。"
        if zh
        else "Please remove the app (and the store's other files signed with the same certificate) and keep "
        "the uploader's records for the police."
    )
    body = _takedown_body(facts, brand, lang, intro, ask, tz)
    certs = _official_cert_lines(brand, lang)
    if certs:
        head = "本公司官方 App 之簽章憑證：" if zh else "The signing certificates of our official apps:"
        body = body.replace(ask, "\n".join([head, *certs, "", ask]), 1)
    return Draft(
        kind="aptoide",
        lang=lang,
        form_name="電子郵件至 Aptoide 檢舉信箱" if zh else "E-mail to Aptoide's abuse contact",
        form_url=APTOIDE_LEGAL_PAGE,
        why=(
            "Aptoide 由使用者自建商店上架，無公開線上表單；以電子郵件檢舉，並附簽章憑證比對與證據包。"
            if zh
            else "Aptoide hosts user-run stores and has no public web form: report by e-mail with the "
            "certificate comparison and the evidence pack."
        ),
        to=APTOIDE_ABUSE_EMAIL,
        subject=(
            f"檢舉冒用{brand.name}之 App（Aptoide ID {aptoide_id}），請協助下架"
            if zh
            else f"Abuse report: app impersonating {brand.name} (Aptoide id {aptoide_id})"
        ),
        body=body,
    )


def draft_galaxy(facts: CaseFacts, brand: Brand, lang: str, tz: tzinfo | None = None) -> Draft:
    """A report for Samsung's intellectual-property channel (Galaxy Store, filed by the rights holder)."""
    if facts.store != "galaxy_store":
        raise DraftError(f"case {facts.case_id} is not a Galaxy Store listing (store {facts.store})")
    zh = lang == "zh"
    title = q(facts.title, 120, lang)
    li = facts.listing
    intro = (
        f"Samsung Galaxy Store 上之 App {title} 未經授權使用{brand.legal_name}"
        f"（商標「{brand.name}」之權利人）之{copied_marks(facts, 'zh')}，並非本公司發行，"
        "足使投資人誤認為本公司官方 App。"
        if zh
        else f"The Samsung Galaxy Store app {title} uses the {copied_marks(facts, 'en')} of "
        f"{brand.legal_name}, "
        f'owner of the trademark "{brand.name}", without authorisation. We did not publish it, and it '
        "misleads investors into taking it for our official app."
    )
    ask = (
        "本公司為上述商標之權利人，謹依 Galaxy Store 智慧財產權侵權檢舉程序，懇請停止散布並下架該 App。"
        if zh
        else "As the owner of the trademark above we ask Samsung, under its Galaxy Store "
        "intellectual-property infringement procedure, to suspend and remove the app."
    )
    package = clean(li.app_id if li else "", 200)
    return Draft(
        kind="galaxy",
        lang=lang,
        form_name="Galaxy Store「與我們聯絡」：智慧財產權侵權檢舉"
        if zh
        else "Galaxy Store Contact us: intellectual-property infringement report",
        form_url=GALAXY_CONTACT_FORM,
        why=(
            "Samsung 僅受理權利人本人提出之智慧財產權檢舉（Galaxy Store > 設定 > 與我們聯絡），"
            f"說明頁：{GALAXY_IP_PAGE}"
            if zh
            else "Samsung takes intellectual-property reports only from the rights holder (Galaxy Store > "
            f"Settings > Contact us); how-to page: {GALAXY_IP_PAGE}"
        ),
        to="",
        subject=(
            f"智慧財產權侵權：冒用{brand.name}之 App（{package}）"
            if zh
            else f"IP infringement: app impersonating {brand.name} ({package})"
        ),
        body=_takedown_body(facts, brand, lang, intro, ask, tz),
    )


def draft_store(facts: CaseFacts, brand: Brand, lang: str, tz: tzinfo | None = None) -> Draft:
    """An e-mail to a third-party store or download site (also usable for an APK case's hosting site)."""
    zh = lang == "zh"
    title = q(facts.title, 120, lang)
    where = (
        STORE_NAMES_ZH.get(facts.store, facts.store) if zh else STORE_NAMES_EN.get(facts.store, facts.store)
    )
    intro = (
        f"您好：貴平台上之 App {title} 冒用{brand.legal_name}（{brand.name}）之名義，並非本公司發行，"
        "疑為投資詐騙工具。"
        if zh
        else f"Hello, the app {title} on your platform impersonates {brand.legal_name} ({brand.name}). "
        "We did not publish it; it appears to be an investment-fraud tool."
    )
    ask = (
        "懇請儘速下架該 App 並保留相關開發者資料，以利警方偵辦；如需本公司授權證明，請與我們聯繫。"
        if zh
        else "Please remove it promptly and keep the developer's records for the police; contact us if you "
        "need proof of our rights."
    )
    return Draft(
        kind="store",
        lang=lang,
        form_name="電子郵件至該商店／網站之檢舉信箱"
        if zh
        else "E-mail to the store's or site's abuse contact",
        form_url="",
        why=(
            f"第三方商店（{where}）無統一的線上表單，以電子郵件寄送檢舉並附證據包。"
            if zh
            else f"Third-party stores ({where}) have no common online form: e-mail the abuse contact and "
            "attach the evidence pack."
        ),
        to="abuse@＿＿＿＿（該商店之檢舉信箱）" if zh else "abuse@____ (the store's abuse address)",
        subject=(
            f"檢舉冒用{brand.name}之 App，請協助下架"
            if zh
            else f"Takedown request: app impersonating {brand.name}"
        ),
        body=_takedown_body(facts, brand, lang, intro, ask, tz),
    )


def draft_police(facts: CaseFacts, brand: Brand, lang: str, tz: tzinfo | None = None) -> Draft:
    """A report for the 165 anti-fraud line or the police: what, when, evidence with hashes, timeline."""
    zh = lang == "zh"
    names = STORE_NAMES_ZH if zh else STORE_NAMES_EN
    title = q(facts.title, 120, lang)
    where = names.get(facts.store, clean(facts.store, 40))
    lines = [
        ("報案人：" if zh else "Reported by: ")
        + brand.legal_name
        + ("（聯絡人：＿＿＿＿，電話：＿＿＿＿）" if zh else " (contact: ____, phone: ____)"),
        "",
        ("一、發現經過" if zh else "1. What was found"),
        (
            f"本公司於 {fmt_time(facts.first_seen, tz)} 經監測發現{where}上有名為 {title} 之 App，"
            f"冒用本公司「{brand.name}」名義，該 App 並非本公司發行。"
            if zh
            else f"On {fmt_time(facts.first_seen, tz)} our monitoring found the app {title} on {where}, "
            f"impersonating {brand.name}. We did not publish it."
        ),
        *_subject_lines(facts, lang),
    ]
    status = _status_line(facts, lang, tz)
    if status:
        lines.append(f"  - {'目前狀態' if zh else 'Current status'}: {status}")
    reasons = _reasons_block(facts, lang)
    if reasons:
        lines += ["", "二、判定依據" if zh else "2. Why it is fake", *reasons]
    lines += ["", "三、證據清單（檔名與 SHA-256）" if zh else "3. Evidence (file and SHA-256)"]
    if facts.evidence:
        lines += [f"  {i}. {clean(e.name, 200)}  {e.sha256}" for i, e in enumerate(facts.evidence, 1)]
    else:
        lines.append("  （尚無保存之證據檔）" if zh else "  (no evidence files kept)")
    lines.append(
        "  完整證據包（含產製者、時間與雜湊清單）可依需要提供。"
        if zh
        else "  The full evidence pack (who generated it, when, and a hash manifest) is available on request."
    )
    lines += ["", "四、處理經過（時間軸）" if zh else "4. Timeline"]
    if facts.timeline:
        for t in facts.timeline:
            # A sentence per action, as a reader of the report expects, not the internal state codes.
            said = event_sentence(
                lang, t.action, clean(t.actor, 60), new=clean(t.new, 80), note=clean(t.note, 200)
            )
            lines.append(f"  - {fmt_time(t.at, tz)} {said}{'。' if zh else '.'}")
    else:
        lines.append("  —")
    history = history_block(facts, lang, tz)
    if history:
        lines += ["", "五、下架申請與報案紀錄" if zh else "5. Takedown requests and reports so far", *history]
    lines += [
        "",
        "本公司官方 App 下載連結：" if zh else "Our official download links:",
        *links_block(brand, lang),
        "",
        "懇請貴單位協助偵辦，並通知相關平台下架。"
        if zh
        else "We ask you to investigate and to have the platforms remove the app.",
        *signature(brand, lang),
    ]
    return Draft(
        kind="police",
        lang=lang,
        form_name="165 反詐騙諮詢專線／轄區警察局（報案後取得案號）"
        if zh
        else "165 anti-fraud hotline or the local police (a report number is issued)",
        form_url=POLICE_165_SITE,
        why=(
            "冒用券商名義之 App 屬投資詐騙工具，報案可取得案號，並作為向商店申請下架之佐證。"
            if zh
            else "An app impersonating a broker is an investment-fraud tool; a police report gives a report "
            "number that also supports takedown requests."
        ),
        to="",
        subject=(
            f"檢舉冒用{brand.legal_name}名義之假冒 App，疑涉投資詐欺"
            if zh
            else f"Fake app impersonating {brand.legal_name}: suspected investment fraud"
        ),
        body="\n".join(lines),
    )


def draft_website(current: Sequence[CaseFacts], brand: Brand, lang: str) -> Draft:
    """A public warning for the broker's website listing the current fakes and the official links."""
    zh = lang == "zh"
    names = STORE_NAMES_ZH if zh else STORE_NAMES_EN
    fakes = [c for c in current if c.brand_id == brand.id]
    lines = [
        (
            f"近期發現有不法人士假冒「{brand.name}」名義，於應用程式商店或透過 LINE、簡訊等連結散布假冒 App，"
            "誘騙投資人下載並投資。本公司從未發行下列 App，請勿下載、勿輸入帳號密碼、勿依其指示匯款。"
            if zh
            else f"Fraudsters are distributing fake apps in {brand.name}'s name through app stores and links "
            "in LINE and text messages. We never published the apps below: do not install them, do not enter "
            "your "
            "account or password, and do not transfer money as they ask."
        ),
        "",
        "目前發現之假冒 App：" if zh else "Fake apps found so far:",
    ]
    items_html = []
    for c in fakes:
        dev = c.listing.developer if c.listing else ""
        where = names.get(c.store, clean(c.store, 40))
        lines.append(
            f"  - {q(c.title, 80)}（{where}，開發者 {q(dev, 80)}）"
            if zh
            else f"  - {q(c.title, 80, lang)} ({where}, developer {q(dev, 80, lang)})"
        )
        items_html.append(
            f"<li>「{esc(clean(c.title, 80))}」（{esc(where)}，開發者 {esc(clean(dev, 80))}）</li>"
            if zh
            else f"<li>“{esc(clean(c.title, 80))}” ({esc(where)}, developer {esc(clean(dev, 80))})</li>"
        )
    if not fakes:
        lines.append("  （目前無）" if zh else "  (none at present)")
    links_heading = (
        "請只從下列官方連結下載本公司 App：" if zh else "Install our apps only from these official links:"
    )
    footer = (
        "如有疑問，請洽本公司客服或撥打 165 反詐騙諮詢專線。"
        if zh
        else "If in doubt, call our customer service or the 165 anti-fraud hotline."
    )
    lines += ["", links_heading, *links_block(brand, lang), "", footer, brand.legal_name]
    link_html = [
        f'<li>{esc(names.get(s, s))}{"：" if zh else ": "}<a href="{esc(u)}">{esc(n)}</a></li>'
        for s, n, u in official_links(brand)
    ]
    if brand.download_page:
        dp = esc(brand.download_page)
        link_html.append(
            f'<li>{"官方下載頁：" if zh else "Official download page: "}<a href="{dp}">{dp}</a></li>'
        )
    heading = f"【防詐公告】假冒{brand.name} App" if zh else f"Warning: fake {brand.name} apps"
    snippet = "\n".join(
        [
            '<section class="fakeapp-warning">',
            f"<h2>{esc(heading)}</h2>",
            f"<p>{esc(lines[0])}</p>",
            "<ul>",
            *(items_html or [f"<li>{'目前無' if zh else 'none at present'}</li>"]),
            "</ul>",
            f"<p>{esc(links_heading)}</p>",
            "<ul>",
            *link_html,
            "</ul>",
            f"<p>{esc(footer)}</p>",
            "</section>",
        ]
    )
    return Draft(
        kind="website",
        lang=lang,
        form_name="本公司官方網站公告" if zh else "Notice on our website",
        form_url=brand.download_page or brand.website,
        why=(
            "主管機關建議券商主動提醒客戶並於官網公布官方下載連結。"
            if zh
            else "The regulator recommends warning customers and publishing the official download links."
        ),
        to="",
        subject=heading,
        body="\n".join(lines),
        html=snippet,
    )


def make_draft(
    kind: str,
    facts: CaseFacts,
    brand: Brand,
    lang: str = "zh",
    *,
    force: bool = False,
    current: Sequence[CaseFacts] | None = None,
    tz: tzinfo | None = None,
) -> Draft:
    """The draft of ``kind`` for a case; takedown kinds refuse a second request unless ``force``.

    ``current`` is the brand's current fakes for the website warning (default: this case alone).
    """
    if kind not in KINDS:
        raise DraftError(f"unknown draft kind {kind!r} (one of {', '.join(KINDS)})")
    if lang not in LANGS:
        raise DraftError(f"unknown language {lang!r} (zh or en)")
    if kind == "website":
        return draft_website([facts] if current is None else current, brand, lang)
    if kind == "police":
        return draft_police(facts, brand, lang, tz)
    if kind in ("hosting", "registrar", "apple_dev"):
        check_takedown(facts, kind, force=force)
        return LINK_DRAFTS[kind](facts, brand, lang)
    check_store = facts.store == KIND_STORE[kind] if kind in KIND_STORE else True
    if check_store:
        check_takedown(facts, kind, force=force, tz=tz)
    makers = {
        "play": draft_play,
        "apple": draft_apple,
        "aptoide": draft_aptoide,
        "galaxy": draft_galaxy,
        "store": draft_store,
    }
    return makers[kind](facts, brand, lang, tz)
