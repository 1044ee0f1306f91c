"""The signals: each a small pure function of a listing and a brand that returns a Reason or None.

A *tie* signal connects a listing to the brand (its name, developer name, package, icon, or a mention in the
description). The *aggravating* signals (foreign e-mail domain, fraud phrases) only count once a tie exists:
a gmail address or the word 飆股 says nothing about *this* brand by itself.
"""

from __future__ import annotations

import re

from scanners.judging.icons import icon_distance
from scanners.judging.names import PreparedBrand, developer_name_is_official, name_match, package_match
from scanners.judging.normalize import domain_in, domain_of, normalize_name
from scanners.judging.reason import Reason
from scanners.listing import Listing

# 2026-11: suffixes impostors add to a broker's name (shared notes, taiwan.md).
LURE_SUFFIXES = (
    "專業版",
    "专业版",
    "pro",
    "vip",
    "智能投資",
    "智能投资",
    "交易平台",
    "投資平台",
    "投资平台",
    "旗艦版",
    "plus",
    "premium",
    "會員",
    "尊享",
)
FRAUD_PHRASES = (
    "保證獲利",
    "保证获利",
    "穩賺",
    "稳赚",
    "飆股",
    "飙股",
    "老師帶單",
    "老师带单",
    "帶單",
    "内线",
    "內線",
    "加line",
    "加賴",
    "加入line",
    "line@",
    "高報酬",
    "高回报",
    "零風險",
    "零风险",
    "翻倍",
    "包賺",
    "名額有限",
    "入金",
)
OFFICIAL_CLAIMS = (
    "官方",
    "授權",
    "授权",
    "唯一指定",
    "合作夥伴",
    "合作伙伴",
    "官方合作",
    "official",
    "authorized",
)
FINANCE_WORDS = (
    "證券",
    "证券",
    "股",
    "投資",
    "投资",
    "交易",
    "下單",
    "理財",
    "期貨",
    "券商",
    "財經",
    "金融",
    "trade",
    "trading",
    "stock",
    "invest",
    "securities",
    "finance",
    "broker",
)
FREE_MAIL = (
    "gmail.com",
    "yahoo.com",
    "yahoo.com.tw",
    "outlook.com",
    "hotmail.com",
    "qq.com",
    "163.com",
    "126.com",
    "icloud.com",
    "proton.me",
    "protonmail.com",
    "aol.com",
    "mail.ru",
    "foxmail.com",
)
ICON_SAME = 6  # pHash bits: a re-export or resize of the official icon
ICON_SIMILAR = 12  # a recoloured or badged copy

_LINE_ID = re.compile(r"(?:line|賴)\s*(?:id)?\s*[:：]?\s*@?[a-z0-9._-]{3,}", re.IGNORECASE)


def finance_context(listing: Listing) -> bool:
    text = f"{listing.title} {listing.genre} {listing.description}".lower()
    return any(w in text for w in FINANCE_WORDS) or listing.genre.lower() in ("財經", "finance")


def title_signal(listing: Listing, brand: PreparedBrand) -> Reason | None:
    m = name_match(listing.title, brand)
    if m is None:
        return None
    if m.how == "pinyin":
        points = 40 if finance_context(listing) else 15
    elif m.core_only:
        points = 45 if finance_context(listing) else 25
    elif m.whole:
        points = 60
    else:
        points = 55
    return Reason("name", points, f"名稱「{listing.title}」{m.zh}", f"title {listing.title!r} {m.en}")


def lure_suffix_signal(listing: Listing, brand: PreparedBrand) -> Reason | None:
    if name_match(listing.title, brand) is None:
        return None
    folded = normalize_name(listing.title)
    found = [s for s in LURE_SUFFIXES if normalize_name(s) in folded]
    if not found:
        return None
    return Reason(
        "lure_suffix",
        10,
        f"品牌名稱加上「{found[0]}」等字樣，常見於假冒 App",
        f"brand name with {found[0]!r} added, a common impostor pattern",
    )


def developer_signal(listing: Listing, brand: PreparedBrand) -> Reason | None:
    """An official developer *name* on an account that is not official is impersonation, not a pass."""
    for value, label_zh, label_en in (
        (listing.developer, "開發者名稱", "developer name"),
        (listing.developer_legal_name, "開發者法定名稱", "developer legal name"),
    ):
        if value and developer_name_is_official(value, brand):
            return Reason(
                "official_developer_name_other_account",
                35,
                f"{label_zh}「{value}」與官方相同，但帳號（{listing.developer_id or '未知'}）不是官方帳號",
                f"{label_en} {value!r} copies the official one, on a different account "
                f"({listing.developer_id or 'unknown'})",
            )
    for value in (listing.developer, listing.developer_legal_name):
        m = name_match(value, brand) if value else None
        if m is not None:
            return Reason(
                "brand_in_developer_name",
                20,
                f"開發者名稱「{value}」{m.zh}",
                f"developer name {value!r} {m.en}",
            )
    return None


def package_signal(listing: Listing, brand: PreparedBrand) -> Reason | None:
    for value in dict.fromkeys((listing.app_id, listing.bundle_id)):
        m = package_match(value, brand) if value else None
        if m is not None:
            return Reason("package_lookalike", 20, f"套件名稱 {value} {m.zh}", f"package {value} {m.en}")
    return None


def icon_signal(icon_hash: str | None, brand: PreparedBrand) -> Reason | None:
    if not icon_hash or not brand.official_icon_hashes:
        return None
    distance = min(icon_distance(icon_hash, h) for h in brand.official_icon_hashes)
    if distance <= ICON_SAME:
        return Reason(
            "icon_copy",
            35,
            f"圖示與官方圖示幾乎相同（差異 {distance}/64）",
            f"icon is a copy of the official icon (distance {distance}/64)",
        )
    if distance <= ICON_SIMILAR:
        return Reason(
            "icon_similar",
            30,
            f"圖示與官方圖示相似（差異 {distance}/64）",
            f"icon looks like the official icon (distance {distance}/64)",
        )
    return None


def description_mention_signal(listing: Listing, brand: PreparedBrand) -> Reason | None:
    """The brand named in the description: weak alone (news and quote apps list brokers)."""
    m = name_match(listing.description, brand) if listing.description else None
    if m is None or m.how == "pinyin":
        return None
    return Reason("brand_in_description", 5, f"說明文字提及「{m.name}」", f"description mentions {m.name!r}")


def official_claim_signal(listing: Listing, brand: PreparedBrand) -> Reason | None:
    text = listing.description.lower()
    if name_match(listing.description, brand) is None and name_match(listing.title, brand) is None:
        return None
    claims = [c for c in OFFICIAL_CLAIMS if c in text]
    if not claims:
        return None
    return Reason(
        "claims_official",
        15,
        f"自稱官方或經授權（「{claims[0]}」），但並非官方帳號發布",
        f"claims to be official or authorized ({claims[0]!r}) without being published by the broker",
    )


def fraud_phrase_signal(listing: Listing) -> Reason | None:
    text = f"{listing.title} {listing.description}".lower().replace(" ", "")
    found = [p for p in FRAUD_PHRASES if p in text]
    if _LINE_ID.search(listing.description) and "加line" not in found:
        found.append("LINE ID")
    if not found:
        return None
    points = min(25, 10 * len(found))
    shown = "、".join(found[:4])
    return Reason(
        "fraud_phrases",
        points,
        f"含投資詐騙常見用語：{shown}",
        f"investment-fraud phrases: {', '.join(found[:4])}",
    )


def domain_signal(listing: Listing, brand: PreparedBrand) -> Reason | None:
    if not brand.brand.official_domains:
        return None
    for value, label_zh, label_en in (
        (listing.developer_email, "聯絡信箱", "contact e-mail"),
        (listing.developer_website, "網站", "website"),
    ):
        if not value:
            continue
        domain = domain_of(value)
        if domain and not domain_in(domain, brand.brand.official_domains):
            free = domain in FREE_MAIL
            return Reason(
                "foreign_domain",
                15 if free else 10,
                f"{label_zh}網域 {domain} 不是官方網域" + ("（免費信箱）" if free else ""),
                f"{label_en} domain {domain} is not an official domain" + (" (free mail)" if free else ""),
            )
    return None
