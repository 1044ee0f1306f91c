"""The signals: each a small pure function of a listing and a brand that returns a Reason or None.

A *tie* signal connects a listing to the brand (its name, developer name, package, icon, or a mention in the
description). The *aggravating* signals (foreign e-mail domain, fraud phrases) only count once a tie exists:
a gmail address or the word 飆股 says nothing about *this* brand by itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scanners.judging import context
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
PHRASES_SHOWN = {"加line": "加LINE", "加入line": "加入LINE", "line@": "LINE@"}
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

# A LINE id needs a colon or an @ ("LINE: abc123", "加賴 @vip888"): "LINE accounts" in a warning is not one.
_LINE_ID = re.compile(r"(?:line|賴)\s*(?:id)?\s*(?:[:：]\s*@?|@)[a-z0-9._-]{3,}|line\.me/", re.IGNORECASE)
# Signals that tie a listing to the brand through shared *words* only: a business named with the same common
# word (a noodle shop 永安牛肉麵, a hotel that sounds like the brand) gets them without imitating anything.
WORD_TIES = frozenset(
    {"name", "lure_suffix", "brand_in_developer_name", "package_lookalike", "brand_in_description"}
)
PACKAGE_COPY = 0.9  # a package this close to an official one is a copy, not a shared word


def finance_context(listing: Listing) -> bool:
    """Whether the listing speaks of trading, investing or securities, or sits in the Finance category."""
    return bool(context.trading_terms(f"{listing.title} {listing.description}")) or (
        context.genre_kind(listing.genre) == "finance"
    )


def _is_copy(value: str, brand: PreparedBrand) -> bool:
    """An official package id with something added (…trade2, ….pro) or changed by a letter or two."""
    m = package_match(value, brand) if value else None
    if m is None or m.kind != "similar":
        return False
    low = value.lower()
    return m.similarity >= PACKAGE_COPY or any(low.startswith(p.lower()) for p in brand.packages)


def package_is_copy(listing: Listing, brand: PreparedBrand) -> bool:
    """Whether the package or bundle id is a near copy of an official one (not merely sharing a word)."""
    return any(_is_copy(v, brand) for v in (listing.app_id, listing.bundle_id) if v)


def word_tie_points(ties: Sequence[Reason], listing: Listing, brand: PreparedBrand) -> int:
    """The points of the ties that come from shared words alone (see WORD_TIES)."""
    copy = package_is_copy(listing, brand)
    return sum(r.points for r in ties if r.code in WORD_TIES and not (r.code == "package_lookalike" and copy))


def title_is_brand(listing: Listing, brand: PreparedBrand) -> bool:
    """Whether the title *is* one of the brand's names (not merely containing a word of it)."""
    m = name_match(listing.title, brand)
    return m is not None and m.whole and m.how != "pinyin"


def title_signal(listing: Listing, brand: PreparedBrand) -> Reason | None:
    """A title imitating a brand name, scored by how closely (partial or sound-alike: more in finance)."""
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
    """A brand name with a lure word added (a common impostor pattern)."""
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
                (
                    f"{label_zh}「{value}」與官方相同，但發布帳號 {listing.developer_id} 不是官方帳號"
                    if listing.developer_id
                    else f"{label_zh}「{value}」與官方相同，但不是由官方帳號發布"
                ),
                (
                    f"{label_en} {value!r} copies the official one, on another account "
                    f"({listing.developer_id})"
                    if listing.developer_id
                    else f"{label_en} {value!r} copies the official one, but not from the official account"
                ),
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
    """A package name or bundle id imitating the official ones (more for a near copy)."""
    for value in dict.fromkeys((listing.app_id, listing.bundle_id)):
        m = package_match(value, brand) if value else None
        if m is not None:
            # A near copy of an official package id (…trade2, ….pro) is as telling as a copied icon.
            points = 30 if _is_copy(value, brand) else 20
            return Reason("package_lookalike", points, f"套件名稱 {value} {m.zh}", f"package {value} {m.en}")
    return None


def icon_signal(icon_hash: str | None, brand: PreparedBrand) -> Reason | None:
    """An icon copied from, or resembling, an official icon (by perceptual hash)."""
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
    said = m.found or m.name
    return Reason("brand_in_description", 5, f"說明文字提及「{said}」", f"description mentions {said!r}")


def official_claim_signal(listing: Listing, brand: PreparedBrand) -> Reason | None:
    """A listing naming the brand that claims to be official or authorised."""
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
    """Fraud phrases *pitched* in the title or description; those quoted inside a warning do not count."""
    use = context.phrase_use(f"{listing.title}\n{listing.description}", FRAUD_PHRASES, _LINE_ID)
    found = list(use.pitched)
    if "加line" in found and "LINE ID" in found:
        found.remove("LINE ID")
    if not found:
        return None
    points = min(25, 10 * len(found))
    # Matched case-insensitively; shown as people write them (加LINE, not 加line).
    shown = [PHRASES_SHOWN.get(p, p) for p in found[:4]]
    return Reason(
        "fraud_phrases",
        points,
        f"含投資詐騙常見用語：{'、'.join(shown)}",
        f"investment-fraud phrases: {', '.join(shown)}",
    )


def domain_signal(listing: Listing, brand: PreparedBrand) -> Reason | None:
    """A contact e-mail or website outside the brand's official domains (free mail said so)."""
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


def _genre_text(genre: str) -> tuple[str, str]:
    return (f"類別為「{genre}」，", f"category {genre!r}, ") if genre else ("", "")


def not_about_trading_signal(
    listing: Listing,
    brand: PreparedBrand,
    word_points: int,
    developer_apps: Sequence[Listing] | None = None,
) -> Reason | None:
    """A business that shares the brand's words: nothing in it speaks of trading, investing or securities.

    Fires only when the listing says enough to be read (a description of MIN_DESCRIPTION characters, a
    category no broker publishes in, or other apps of the developer, all outside finance) and cancels the
    word-only ties (``word_points``); a copied icon or an official developer name still counts.
    """
    text = f"{listing.title} {listing.description}"
    if word_points <= 0 or context.trading_terms(text):
        return None
    if fraud_phrase_signal(listing) is not None or title_is_brand(listing, brand):
        return None
    kind = context.genre_kind(listing.genre)
    other_lines = context.other_finance_terms(text)
    if kind == "finance" and not other_lines:
        return None  # a Finance listing must show it is an insurer, bank or payment app
    others = [a for a in developer_apps or () if a.app_id != listing.app_id]
    others_unrelated = len(others) >= 2 and not any(finance_context(a) for a in others)
    short = len(listing.description.strip()) < context.MIN_DESCRIPTION
    if short and kind != "unrelated" and not others_unrelated and not other_lines:
        return None
    genre_zh, genre_en = _genre_text(listing.genre)
    zh = f"{genre_zh}名稱與說明都不是在談證券、股票交易或投資理財"
    en = f"{genre_en}neither the title nor the description is about securities, stock trading or investing"
    if other_lines:
        zh += f"，談的是保險、銀行或支付業務（「{other_lines[0]}」）"
        en += f"; it is about insurance, banking or payments ({other_lines[0]!r})"
    if others_unrelated:
        shown = "、".join(f"「{a.title}」" for a in others[:3])
        zh += f"；同一開發者的其他 App（{shown}）也與金融無關"
        en += f"; the developer's other apps ({', '.join(repr(a.title) for a in others[:3])}) are not finance"
    return Reason(
        "not_about_trading",
        -word_points,
        zh + "：與品牌相同的字詞應為一般商號用字，不計分",
        en + ": the shared words are a business's own name and do not count",
    )


def fraud_warning_signal(listing: Listing, brand: PreparedBrand, word_points: int) -> Reason | None:
    """An anti-fraud or awareness listing: fraud phrases only quoted to warn, never pitched.

    Cancels the word-only ties (``word_points``): such apps name impersonated brokers and quote 保證獲利 or
    加LINE to warn people. A title that *is* the brand's name or adds a lure suffix (VIP, 專業版), or any
    pitched phrase or LINE id, stops it.
    """
    if word_points <= 0 or title_is_brand(listing, brand) or lure_suffix_signal(listing, brand) is not None:
        return None
    use = context.phrase_use(f"{listing.title}\n{listing.description}", FRAUD_PHRASES, _LINE_ID)
    if use.pitched or len(use.markers) < 2:
        return None
    quoted = "、".join(use.warned[:3])
    zh_q = f"，引用「{quoted}」等話術是為了提醒" if quoted else ""
    en_q = f"; it quotes {', '.join(use.warned[:3])} to warn" if quoted else ""
    return Reason(
        "fraud_warning",
        -word_points,
        f"內容為防詐宣導（「{use.markers[0]}」、「{use.markers[1]}」）{zh_q}，未推銷投資：品牌字詞不計分",
        f"the listing warns against fraud ({use.markers[0]!r}, {use.markers[1]!r}){en_q}, "
        "and pitches nothing: the brand's words do not count",
    )
