"""Takedown drafts for link cases, zh and en: the hosting provider (by the IP address recorded) and the
registrar (by the domain) for a fake download site, and Apple for an enterprise or ad-hoc certificate or a
TestFlight beta that impersonates the brand (the Apple team id is what Apple needs). The police / 165 draft
is the common one (``drafts.draft_police``) with the URLs added by ``link_subject_lines``.

Every value came from a hostile page or file: ``clean`` and ``q`` keep each one on its own quoted line.
"""

from __future__ import annotations

from bot.casework.casefacts import CaseFacts, LinkFacts, clean
from bot.casework.draft_parts import Draft, DraftError, fmt_time, history_block, links_block, q, signature
from scanners.profile import Brand

RDAP_IP = "https://rdap.org/ip/"
RDAP_DOMAIN = "https://rdap.org/domain/"
TWNIC_WHOIS = "https://www.twnic.tw/whois_n.php"
APPLE_SECURITY = "product-security@apple.com"
APPLE_REPORT_PAGE = "https://www.apple.com/legal/contact/"
IOS_APPLE_KINDS = ("ipa", "itms_manifest", "testflight")

KIND_ZH = {
    "website": "網站",
    "apk": "APK 安裝檔",
    "ipa": "iOS 安裝檔（IPA）",
    "itms_manifest": "iOS 企業／Ad Hoc 安裝連結（itms-services）",
    "testflight": "TestFlight 測試邀請",
    "mobileconfig": "iOS 描述檔（configuration profile）",
    "google_play": "Google Play App",
    "app_store": "App Store App",
}
KIND_EN = {
    "website": "website",
    "apk": "APK file",
    "ipa": "iOS app file (IPA)",
    "itms_manifest": "iOS enterprise/ad-hoc install link (itms-services)",
    "testflight": "TestFlight invitation",
    "mobileconfig": "iOS configuration profile",
    "google_play": "Google Play app",
    "app_store": "App Store app",
}
DIST_ZH = {"enterprise": "企業內部發佈（in-house）", "ad_hoc": "Ad Hoc", "development": "開發版"}
DIST_EN = {"enterprise": "enterprise (in-house)", "ad_hoc": "ad hoc", "development": "development"}


def kinds_for(facts: CaseFacts) -> tuple[str, ...]:
    """The takedown drafts that fit a link case, first the one to file first."""
    link = facts.link
    if link is None:
        return ()
    if link.kind == "site":
        return ("hosting", "registrar", "police")
    if link.store == "google_play":
        return ("play", "police")
    if link.store == "app_store":
        return ("apple", "police")
    if _apple_fits(link):
        return ("apple_dev", "hosting", "police")
    return ("hosting", "police")


def _apple_fits(link: LinkFacts) -> bool:
    return link.store == "testflight" or (
        link.store in IOS_APPLE_KINDS and bool(link.get("team_id") or link.get("distribution"))
    )


def link_subject_lines(facts: CaseFacts, lang: str) -> list[str]:
    """The link case's identifying facts, one cleaned line each: what, where (URLs, domain, IP), hashes."""
    link = facts.link
    if link is None:
        return []
    zh = lang == "zh"
    kinds = KIND_ZH if zh else KIND_EN
    rows: list[tuple[str, str]] = [("類型" if zh else "Kind", kinds.get(link.store, clean(link.store, 40)))]
    rows.append(("名稱" if zh else "Name", q(link.title)))
    rows.append(("網址" if zh else "URL", clean(link.url, 400)))
    if link.start_url and link.start_url != link.url:
        rows.append(("原始連結" if zh else "Link first received", clean(link.start_url, 400)))
    if link.domain:
        rows.append(("網域" if zh else "Domain", clean(link.domain, 200)))
    if link.address:
        rows.append(("IP 位址" if zh else "IP address", clean(link.address, 60)))
    dists = DIST_ZH if zh else DIST_EN
    for key, zh_label, en_label in (
        ("team_id", "Apple 團隊 ID（Team ID）", "Apple team id"),
        ("team_name", "Apple 團隊名稱", "Apple team name"),
        ("distribution", "發佈方式", "Distribution"),
        ("bundle_id", "Bundle ID", "Bundle id"),
        ("code", "TestFlight 邀請碼", "TestFlight code"),
        ("package", "套件名稱", "Package"),
        ("expires", "描述檔到期日", "Profile expires"),
        ("sha256", "檔案 SHA-256", "File SHA-256"),
    ):
        v = link.get(key)
        if not v:
            continue
        if key == "distribution":
            v = dists.get(v, clean(v, 40))
        elif key == "team_name":
            v = q(v)
        else:
            v = clean(v, 200)
        rows.append((zh_label if zh else en_label, v))
    if link.get("size"):
        rows.append(("檔案大小" if zh else "File size", f"{int(link.details.get('size') or 0):,} bytes"))
    out = [f"  - {k}: {v}" for k, v in rows if v]
    if link.hop_urls:
        out.append("  - 轉址經過：" if zh else "  - Redirect chain:")
        out += [f"      {i}. {clean(u, 400)}" for i, u in enumerate(link.hop_urls[:20], 1)]
    if link.artifacts:
        out.append("  - 該網站提供之安裝檔／App：" if zh else "  - What the site offers:")
        for a in link.artifacts[:20]:
            extra = []
            if a.get("team_id"):
                extra.append(f"Team ID {clean(a['team_id'], 20)}")
            if a.get("sha256"):
                extra.append(f"SHA-256 {clean(a['sha256'], 64)}")
            tail = f" ({', '.join(extra)})" if extra else ""
            kind = kinds.get(str(a.get("kind") or ""), clean(a.get("kind"), 40))
            out.append(f"      - {kind}: {clean(a.get('url'), 400)}{tail}")
    return out


def link_status_line(facts: CaseFacts, lang: str) -> str:
    """Whether the link was still reachable when last checked, as one sentence ('' if not a link case)."""
    link = facts.link
    if link is None:
        return ""
    zh = lang == "zh"
    if link.present:
        return (
            f"截至 {fmt_time(link.last_checked)} 仍可存取。"
            if zh
            else f"Still reachable as of {fmt_time(link.last_checked)}."
        )
    return (
        f"已於 {fmt_time(link.gone_at)} 確認無法存取。"
        if zh
        else f"Seen unreachable on {fmt_time(link.gone_at)}."
    )


def _body(facts: CaseFacts, brand: Brand, lang: str, intro: str, ask: str) -> str:
    zh = lang == "zh"
    lines = [intro, "", "相關資料：" if zh else "Details:", *link_subject_lines(facts, lang)]
    status = link_status_line(facts, lang)
    if status:
        lines.append(f"  - {'狀態' if zh else 'Status'}: {status}")
    link = facts.link
    if link is not None and link.reasons:
        lines += ["", "判定依據：" if zh else "Why it is fake:"]
        lines += [f"  - {clean(r.zh if zh else r.en, 300)}" for r in link.reasons]
    lines += [
        "",
        "本公司官方 App 下載連結：" if zh else "Our official download links:",
        *links_block(brand, lang),
    ]
    history = history_block(facts, lang)
    if history:
        lines += ["", "處理紀錄：" if zh else "Actions so far:", *history]
    lines += [
        "",
        "完整證據包（網頁原始碼、截圖、檔案雜湊與轉址紀錄）可依需要提供。"
        if zh
        else "The full evidence pack (page sources, screenshot, file hashes and the redirect chain) is "
        "available on request.",
        "",
        ask,
        *signature(brand, lang),
    ]
    return "\n".join(lines)


def _need_link(facts: CaseFacts) -> LinkFacts:
    if facts.link is None:
        raise DraftError(f"case {facts.case_id} is not a link case (no site or traced artifact)")
    return facts.link


def draft_hosting(facts: CaseFacts, brand: Brand, lang: str) -> Draft:
    """An abuse report to the hosting provider of the IP address the site (or file) was served from."""
    link = _need_link(facts)
    zh = lang == "zh"
    where = link.domain or clean(link.url, 200)
    ip = clean(link.address, 60)
    intro = (
        f"您好：貴公司網路（IP {ip or '＿＿＿＿'}）上之網站 {where} 冒用{brand.legal_name}（{brand.name}）"
        "名義，散布假冒之證券交易 App 或安裝檔，誘騙投資人下載並匯款，疑涉投資詐欺。"
        if zh
        else f"Hello, the site {where} on your network (IP {ip or '____'}) impersonates {brand.legal_name} "
        f"({brand.name}) and distributes fake trading apps or installers that lure investors into fraud."
    )
    ask = (
        "懇請依貴公司之使用政策儘速停止該網站與檔案之服務，並保留相關客戶與連線紀錄，以利警方偵辦。"
        if zh
        else "Please suspend the site and files under your acceptable-use policy and keep the customer and "
        "connection records for the police."
    )
    lookup = f"{RDAP_IP}{ip}" if ip else RDAP_IP
    return Draft(
        kind="hosting",
        lang=lang,
        form_name="電子郵件至主機代管業者之濫用檢舉信箱（abuse）"
        if zh
        else "E-mail to the hosting provider's abuse contact",
        form_url=lookup,
        why=(
            f"網站內容由 IP {ip or '（未記錄）'} 之主機提供；以 RDAP 查詢該 IP 之網路業者與 abuse 信箱"
            "（上列網址），寄送檢舉並附證據包。"
            if zh
            else f"The content is served from IP {ip or '(not recorded)'}; look up its network and abuse "
            "contact with RDAP (the URL above) and e-mail this report with the evidence pack."
        ),
        to="abuse@＿＿＿＿（依 RDAP 查詢結果）" if zh else "abuse@____ (from the RDAP lookup)",
        subject=(
            f"檢舉冒用{brand.name}名義之詐騙網站：{clean(where, 120)}"
            if zh
            else f"Abuse report: fraud site impersonating {brand.name}: {clean(where, 120)}"
        ),
        body=_body(facts, brand, lang, intro, ask),
    )


def draft_registrar(facts: CaseFacts, brand: Brand, lang: str) -> Draft:
    """An abuse report to the domain's registrar (found by RDAP; TWNIC for .tw domains)."""
    link = _need_link(facts)
    zh = lang == "zh"
    domain = clean(link.domain or link.url, 200)
    tw = domain.endswith(".tw")
    intro = (
        f"您好：經貴公司註冊之網域 {domain} 被用於冒用{brand.legal_name}（{brand.name}）名義之詐騙網站，"
        "散布假冒證券交易 App，疑涉投資詐欺。"
        if zh
        else f"Hello, the domain {domain}, registered through you, hosts a fraud site impersonating "
        f"{brand.legal_name} ({brand.name}) that distributes fake trading apps."
    )
    ask = (
        "懇請依註冊協議暫停該網域之解析（serverHold／clientHold），並保留註冊人資料以利警方偵辦。"
        if zh
        else "Please suspend the domain under your registration agreement (serverHold/clientHold) and keep "
        "the registrant's records for the police."
    )
    why_zh = "以 RDAP 查詢該網域之註冊商與 abuse 信箱（上列網址）" + (
        "；.tw 網域亦可向 TWNIC 查詢與檢舉。" if tw else "。"
    )
    why_en = "Look up the domain's registrar and abuse contact with RDAP (the URL above)" + (
        "; for a .tw domain, TWNIC also takes reports." if tw else "."
    )
    return Draft(
        kind="registrar",
        lang=lang,
        form_name="電子郵件至網域註冊商之濫用檢舉信箱" if zh else "E-mail to the registrar's abuse contact",
        form_url=(TWNIC_WHOIS if tw else f"{RDAP_DOMAIN}{domain}"),
        why=why_zh if zh else why_en,
        to="abuse@＿＿＿＿（依 RDAP 查詢結果）" if zh else "abuse@____ (from the RDAP lookup)",
        subject=(
            f"網域濫用檢舉：{domain} 冒用{brand.name}名義"
            if zh
            else f"Domain abuse: {domain} impersonates {brand.name}"
        ),
        body=_body(facts, brand, lang, intro, ask),
    )


def draft_apple_dev(facts: CaseFacts, brand: Brand, lang: str) -> Draft:
    """A report to Apple: an enterprise/ad-hoc certificate or a TestFlight beta used to impersonate us."""
    link = _need_link(facts)
    if not _apple_fits(link):
        raise DraftError(
            f"case {facts.case_id} is not an iOS enterprise/ad-hoc build or TestFlight beta: Apple cannot act"
        )
    zh = lang == "zh"
    team = clean(link.get("team_id"), 20)
    testflight = link.store == "testflight"
    if testflight:
        what_zh = f"TestFlight 測試版邀請（代碼 {clean(link.get('code'), 40)}）"
        what_en = f"the TestFlight beta (code {clean(link.get('code'), 40)})"
    else:
        dist = link.get("distribution")
        what_zh = (
            f"以 Apple 開發者憑證（Team ID {team or '未知'}，{DIST_ZH.get(dist, clean(dist, 40))}）簽署之 App"
        )
        what_en = (
            f"an app signed with an Apple developer certificate (team {team or 'unknown'}, "
            f"{DIST_EN.get(dist, clean(dist, 40))})"
        )
    intro = (
        f"您好：不法人士利用{what_zh}，於 App Store 以外散布冒用{brand.legal_name}（{brand.name}）名義之"
        "假冒證券交易 App，誘騙投資人安裝並匯款。"
        if zh
        else f"Hello, fraudsters use {what_en} to distribute, outside the App Store, a fake trading app "
        f"impersonating {brand.legal_name} ({brand.name}) that lures investors into fraud."
    )
    ask = (
        (
            "懇請停止該測試版之發佈並處理該開發者帳號。"
            if testflight
            else "懇請撤銷該團隊之發佈憑證（Team ID 如上）並處理該開發者帳號。"
        )
        if zh
        else (
            "Please stop the beta and act on the developer account."
            if testflight
            else "Please revoke the team's distribution certificate (team id above) and act on the developer "
            "account."
        )
    )
    return Draft(
        kind="apple_dev",
        lang=lang,
        form_name="Apple：企業憑證／TestFlight 濫用檢舉（電子郵件）"
        if zh
        else "Apple: enterprise certificate / TestFlight abuse report (e-mail)",
        form_url=APPLE_REPORT_PAGE,
        why=(
            "企業（in-house）、Ad Hoc 憑證與 TestFlight 只能由 Apple 撤銷或停止；"
            "Apple 需要 Team ID 以找到該開發者帳號。"
            if zh
            else "Only Apple can revoke an enterprise or ad-hoc certificate or stop a TestFlight beta; Apple "
            "needs the team id to find the developer account."
        ),
        to=APPLE_SECURITY,
        subject=(
            f"濫用檢舉：Team ID {team or clean(link.get('code'), 40)} 冒用{brand.name}名義散布假冒 App"
            if zh
            else f"Abuse report: team {team or clean(link.get('code'), 40)} distributes a fake "
            f"{brand.name} app"
        ),
        body=_body(facts, brand, lang, intro, ask),
    )


LINK_DRAFTS = {"hosting": draft_hosting, "registrar": draft_registrar, "apple_dev": draft_apple_dev}
