"""What a listing is about, read as an analyst reads it: its store category, whether it speaks of trading,
investing or securities at all, and whether fraud phrases in it are pitched or quoted to warn.

Brand names in Taiwan are often common words (元大, 富邦, 永豐, 群益, 瑞豐 is also a night market): a noodle
shop or a hotel shares them. These pure helpers let the signals tell such a business from an impostor.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from scanners.judging.normalize import normalize_name

# Words that only a listing about securities, trading or investing uses (folded with normalize_name, so
# 証/劵 and Simplified forms match too). Bare 交易 and "trade" are left out: shops and hotels use them.
TRADING_TERMS = (
    "證券",
    "券商",
    "股票",
    "股市",
    "台股",
    "美股",
    "港股",
    "個股",
    "選股",
    "飆股",
    "股價",
    "股息",
    "股利",
    "看盤",
    "下單",
    "期貨",
    "選擇權",
    "權證",
    "當沖",
    "融資融券",
    "投資",
    "理財",
    "基金",
    "etf",
    "開戶",
    "交易平台",
    "交易所",
    "交易帳戶",
    "證券交易",
    "股票交易",
    "入金",
    "出金",
    "外匯",
    "加密貨幣",
    "虛擬貨幣",
    "數位資產",
    "帶單",
    "財富管理",
    "資產配置",
    "資產管理",
    "年化",
    "報酬率",
    "高報酬",
    "獲利",
    "收益",
    "投顧",
    "分析師",
    "securities",
    "stock",
    "trading",
    "invest",
    "broker",
    "forex",
    "crypto",
    "futures",
    "wealth",
    "returns",
)
# Other lines of financial business: a listing in the Finance category that speaks of these, and never of
# trading, is an insurer, a bank or a payment app sharing the brand's words.
OTHER_FINANCE_TERMS = (
    "保險",
    "保單",
    "理賠",
    "壽險",
    "產險",
    "投保",
    "信用卡",
    "存款",
    "貸款",
    "房貸",
    "轉帳",
    "繳費",
    "支付",
    "insurance",
    "policy",
    "credit card",
    "loan",
)
# Legal forms and business compounds with 股 or 投資 that do not speak of trading (股份有限公司, a hotel
# 投資興建 by its group, a 投資控股 parent).
_LEGAL_FORMS = (
    "股份有限公司",
    "有限公司",
    "股份",
    "股東",
    "股东",
    "投資興建",
    "投资兴建",
    "投資開發",
    "投資控股",
    "轉投資",
    "招商投資",
)

# Store categories, as Google Play (zh-TW and English names, genreId) and the App Store (zh-TW and English
# primaryGenreName) show them. 2026-11, Apple's and Google's published lists.
FINANCE_GENRES = frozenset({"財經", "财经", "金融", "finance", "6015"})
# Categories in which a broker's trading app is never published. Business, Tools, Productivity, Utilities,
# News and Communication are left out on purpose: impostors (and partners) do publish there.
UNRELATED_GENRES = frozenset(
    {
        # Google Play, zh-TW
        "美食佳飲",
        "旅遊與地方資訊",
        "生活品味",
        "購物",
        "健康塑身",
        "醫療",
        "教育",
        "娛樂",
        "運動",
        "天氣",
        "地圖和導航",
        "汽車",
        "居家",
        "美容",
        "親子",
        "活動",
        "約會",
        "藝術與設計",
        "漫畫",
        "書籍與參考資源",
        "音樂與音效",
        "攝影",
        "影音播放與編輯",
        "個人化",
        "休閒",
        "益智",
        "棋盤遊戲",
        "紙牌",
        "角色扮演",
        "動作",
        "冒險",
        "策略",
        "模擬",
        "賽車",
        "博奕",
        "文字",
        "家庭",
        # App Store, zh-TW
        "旅遊",
        "生活風格",
        "健康與健身",
        "美食與飲食",
        "餐飲",
        "遊戲",
        "體育",
        "導航",
        "圖書",
        "參考",
        "音樂",
        "攝影與錄影",
        "圖形與設計",
        "兒童",
        # English names (both stores)
        "food & drink",
        "travel & local",
        "travel",
        "lifestyle",
        "shopping",
        "health & fitness",
        "medical",
        "education",
        "entertainment",
        "sports",
        "weather",
        "maps & navigation",
        "navigation",
        "auto & vehicles",
        "house & home",
        "beauty",
        "parenting",
        "events",
        "dating",
        "art & design",
        "comics",
        "books & reference",
        "books",
        "reference",
        "music & audio",
        "music",
        "photography",
        "photo & video",
        "games",
        "casual",
        "puzzle",
        "board",
        "card",
        "kids",
        # Google Play genreId and App Store genre ids
        "food_and_drink",
        "travel_and_local",
        "health_and_fitness",
        "maps_and_navigation",
        "auto_and_vehicles",
        "house_and_home",
        "books_and_reference",
        "music_and_audio",
        "6023",
        "6003",
        "6012",
        "6024",
        "6013",
        "6020",
        "6017",
        "6016",
        "6004",
        "6001",
        "6010",
        "6014",
        "6018",
        "6006",
        "6011",
        "6008",
        "6027",
    }
)

# Words that mark a sentence as a warning about fraud, not a pitch (anti-fraud apps, awareness campaigns).
WARNING_MARKERS = (
    "小心",
    "當心",
    "謹防",
    "慎防",
    "提防",
    "防詐",
    "防范",
    "防範",
    "反詐",
    "詐騙",
    "詐欺",
    "騙局",
    "話術",
    "不要相信",
    "別相信",
    "勿信",
    "切勿",
    "千萬不要",
    "不要加",
    "識破",
    "假冒",
    "冒用",
    "請勿",
    "宣導",
    "警示",
    "警政署",
    "刑事局",
    "165專線",
    "165反詐",
    "165全民防騙",
    "撥打165",
    "scam",
    "fraud",
    "beware",
)
_SENTENCE = re.compile(r"[。！？!?\n]+")
MIN_DESCRIPTION = 40  # characters: below this a listing says too little to be judged "not about trading"


def genre_kind(genre: str) -> str:
    """``finance``, ``unrelated`` (a category no broker publishes in) or ``other`` (unknown, Business …)."""
    g = genre.strip().casefold()
    if not g:
        return "other"
    if g in FINANCE_GENRES:
        return "finance"
    if g in UNRELATED_GENRES or g.startswith("game_") or g.startswith("遊戲"):
        return "unrelated"
    return "other"


def _folded(text: str) -> str:
    folded = normalize_name(text)
    for form in _LEGAL_FORMS:
        folded = folded.replace(normalize_name(form), "")
    return folded


def trading_terms(text: str) -> list[str]:
    """The trading/investing/securities words ``text`` uses (after folding), in list order."""
    folded = _folded(text)
    return [t for t in TRADING_TERMS if normalize_name(t) in folded]


def other_finance_terms(text: str) -> list[str]:
    """The insurance, banking and payment words ``text`` uses."""
    folded = _folded(text)
    return [t for t in OTHER_FINANCE_TERMS if normalize_name(t) in folded]


@dataclass(frozen=True)
class PhraseUse:
    """The fraud phrases of a text, split into those pitched and those quoted inside a warning."""

    pitched: tuple[str, ...]
    warned: tuple[str, ...]
    markers: tuple[str, ...]  # the warning words the text uses


def _segments(text: str) -> list[tuple[str, bool]]:
    """(segment, in a warning) pairs: a sentence is a warning when it holds a marker, or when it is a short
    list item under a heading that does ("常見話術：" then 「保證獲利」, 「飆股」 on their own lines)."""
    out: list[tuple[str, bool]] = []
    inherit = False
    for raw in _SENTENCE.split(text):
        seg = raw.strip()
        if not seg:
            continue
        has_marker = any(m in seg.casefold() for m in WARNING_MARKERS)
        listy = len(seg) <= 30 or seg[:1] in '-•・*「『"“0123456789'
        warned = has_marker or (inherit and listy)
        out.append((seg, warned))
        if has_marker and seg.rstrip().endswith((":", "：")):
            inherit = True
        elif not (inherit and listy):
            inherit = False
    return out


def phrase_use(text: str, phrases: Sequence[str], line_id: re.Pattern[str]) -> PhraseUse:
    """Which fraud phrases are pitched and which are only quoted to warn; a LINE id is always a pitch."""
    pitched: list[str] = []
    warned: list[str] = []
    for seg, in_warning in _segments(text):
        squashed = seg.casefold().replace(" ", "")
        for p in phrases:
            if p in squashed:
                (warned if in_warning else pitched).append(p)
        if line_id.search(seg):
            pitched.append("LINE ID")
    markers = tuple(m for m in WARNING_MARKERS if m in text.casefold())
    return PhraseUse(
        tuple(dict.fromkeys(pitched)), tuple(dict.fromkeys(p for p in warned if p not in pitched)), markers
    )
