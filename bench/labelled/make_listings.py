"""Generate the labelled listing set (``listings.jsonl``) for bench/judge_eval.py, with a fixed seed.

Each family is a kind of listing an analyst meets when searching Google Play and the App Store for a
broker's name: impostors (``fake``), legitimate look-alikes that share the brand's words (``legit``), and the
brokers' own apps (``official``, ``allowed``). Every family draws its brand, store, wording, developer and
package from pools, so no two listings are the same and no rule can key on one string. The brands are in
``brands.toml`` beside this file; 永安 and 福星 (and 瑞豐, a night market) are common words.

    python bench/labelled/make_listings.py            # rewrites bench/labelled/listings.jsonl
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = 11

BRANDS: dict[str, dict[str, Any]] = {
    "huayue": {
        "name": "華岳證券",
        "core": "華岳",
        "simp": "华岳证券",
        "simp_core": "华岳",
        "app": "華岳e把罩",
        "en": "Huayue Securities",
        "pkg": "huayue",
        "legal": "華岳綜合證券股份有限公司",
        "en_dev": "Huayue Securities Co., Ltd.",
        "sound": ["華悅", "花岳", "華越"],
        "official": [("google_play", "tw.com.huayuesec.trade", "7203158839912340017", "")],
        "official_as": [("app_store", "1488123456", "1488000001", "tw.com.huayuesec.trade")],
    },
    "ruifeng": {
        "name": "瑞豐證券",
        "core": "瑞豐",
        "simp": "瑞丰证券",
        "simp_core": "瑞丰",
        "app": "瑞豐好神",
        "en": "Ruifeng Securities",
        "pkg": "ruifeng",
        "legal": "瑞豐證券股份有限公司",
        "en_dev": "Ruifeng Securities Corp.",
        "sound": ["瑞峰", "銳豐", "睿豐"],
        "official": [("google_play", "com.ruifeng.stock", "6120054417312298001", "")],
        "official_as": [("app_store", "1520987654", "1520000002", "com.ruifeng.stock")],
    },
    "yongan": {
        "name": "永安證券",
        "core": "永安",
        "simp": "永安证券",
        "simp_core": "永安",
        "app": "永安e點通",
        "en": "Yongan Securities",
        "pkg": "yongan",
        "legal": "永安綜合證券股份有限公司",
        "en_dev": "Yongan Securities Co., Ltd.",
        "sound": ["湧安", "永岸", "咏安"],
        "official": [("google_play", "tw.com.yongansec.mobile", "5551230000000000042", "")],
        "official_as": [("app_store", "1433300042", "1433300001", "tw.com.yongansec.mobile")],
    },
    "fuxing": {
        "name": "福星證券",
        "core": "福星",
        "simp": "福星证券",
        "simp_core": "福星",
        "app": "福星好下單",
        "en": "Fuxing Securities",
        "pkg": "fuxing",
        "legal": "福星證券股份有限公司",
        "en_dev": "Fuxing Securities Corp.",
        "sound": ["富星", "福興", "復興"],
        "official": [("google_play", "com.fuxingsec.trade", "8800112233445566001", "")],
        "official_as": [("app_store", "1577700123", "1577700001", "com.fuxingsec.trade")],
    },
}
COMMON = ("yongan", "fuxing", "ruifeng")  # brands whose core is an everyday word
PLAY_GENRES = {"finance": "財經", "business": "商業", "tools": "工具", "news": "新聞與雜誌"}
AS_GENRES = {"finance": "財經", "business": "商業", "tools": "工具程式", "news": "新聞"}

Rec = dict[str, Any]


class Gen:
    """Pools and small helpers shared by the family builders."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.n = 0

    def pick(self, seq: Any) -> Any:
        return self.r.choice(list(seq))

    def store(self) -> str:
        return "google_play" if self.r.random() < 0.6 else "app_store"

    def digits(self, n: int) -> str:
        return str(self.r.randint(10 ** (n - 1), 10**n - 1))

    def ids(self, store: str, pkg: str) -> dict[str, str]:
        """app_id, bundle_id and developer_id as the store gives them."""
        if store == "google_play":
            return {"app_id": pkg, "developer_id": self.digits(19)}
        return {"app_id": "6" + self.digits(9), "bundle_id": pkg, "developer_id": "1" + self.digits(9)}

    def genre(self, store: str, kind: str) -> str:
        return (PLAY_GENRES if store == "google_play" else AS_GENRES)[kind]

    def free_mail(self) -> str:
        user = self.pick(["vip", "service", "kf", "invest", "support", "win"]) + self.digits(3)
        return f"{user}@{self.pick(['gmail.com', 'outlook.com', 'yahoo.com', 'qq.com', 'proton.me'])}"

    def slug(self) -> str:
        return "".join(self.r.choice("abcdefghkmnprstwxyz") for _ in range(self.r.randint(3, 6)))

    def line_id(self) -> str:
        return "@" + self.pick(["vip", "gold", "win", "stock", "tw", "king"]) + self.digits(3)

    def fake_dev(self) -> str:
        return self.pick(
            [
                "Golden Wealth Tech",
                "HK Fortune Ltd",
                "Zhang Wei",
                "Smart Invest Studio",
                "金鼎數位科技",
                "鑫盛資訊",
                "Li Ming",
                "Asia Capital Apps",
                "鼎泰智投",
                "Wang Hao",
                "TradeMaster Inc",
                "富達通科技",
            ]
        )


def _trading_desc(g: Gen, brand: Rec, *, pitch: bool = False, simp: bool = False) -> str:
    name = brand["simp"] if simp else brand["name"]
    core = brand["simp_core"] if simp else brand["core"]
    lines = [
        g.pick(
            [
                f"{name}全新行動交易平台，台股、美股一鍵下單，即時報價不延遲。",
                f"{core}專業投資平台，提供即時看盤、智能選股與快速下單。",
                f"歡迎使用{name}行動版，隨時隨地掌握股市行情。",
                f"{name} App：開戶、下單、查詢庫存一次完成。",
            ]
        ),
        g.pick(
            [
                "支援整股、零股、當沖交易，手續費低至2折。",
                "AI 選股每日推薦強勢股，獨家籌碼分析。",
                "提供期貨、選擇權與 ETF 交易服務。",
                "線上開戶五分鐘完成，免臨櫃。",
            ]
        ),
    ]
    if pitch:
        lines.append(
            g.pick(
                [
                    f"老師帶單，保證獲利，穩賺不賠！立即加LINE：{g.line_id()}",
                    f"每日飆股報你知，月報酬30%以上，名額有限，加LINE {g.line_id()}",
                    "專屬VIP群組，內線消息搶先看，零風險高報酬。",
                    f"保證獲利、翻倍不是夢！客服LINE ID：{g.slug()}{g.digits(3)}",
                    "入金即送500元體驗金，穩賺飆股天天有。",
                ]
            )
        )
    return "\n".join(lines)


def _finance_listing(g: Gen, brand: Rec, title: str, **kw: Any) -> Rec:
    store = kw.pop("store", None) or g.store()
    pkg = kw.pop("pkg", None) or f"com.{g.slug()}.{g.pick(['stock', 'invest', 'trade', 'app'])}"
    listing: Rec = {"store": store, "title": title, **g.ids(store, pkg)}
    listing["developer"] = kw.pop("developer", None) or g.fake_dev()
    listing["genre"] = kw.pop("genre", None) or g.genre(store, "finance")
    listing["description"] = kw.pop("description", None) or _trading_desc(g, brand, pitch=g.r.random() < 0.5)
    if g.r.random() < 0.6:
        listing["developer_email"] = g.free_mail()
    listing.update(kw)
    return listing


# ---------------------------------------------------------------- impostors (label "fake")


def f_exact_name(g: Gen, b: Rec) -> Rec:
    return _finance_listing(g, b, g.pick([b["name"], b["name"] + " ", f"{b['name']}｜行動下單"]))


def f_official_app_name(g: Gen, b: Rec) -> Rec:
    return _finance_listing(g, b, b["app"])


def f_simplified(g: Gen, b: Rec) -> Rec:
    return _finance_listing(
        g,
        b,
        g.pick([b["simp"], f"{b['simp']}-手机版", f"{b['simp_core']}证券 掌上通"]),
        description=_trading_desc(g, b, pitch=g.r.random() < 0.5, simp=True),
    )


def f_variant_chars(g: Gen, b: Rec) -> Rec:
    title = g.pick([b["name"].replace("證", "証"), b["name"].replace("券", "劵"), b["core"] + "証劵"])
    return _finance_listing(g, b, title)


def f_lure_suffix(g: Gen, b: Rec) -> Rec:
    suffix = g.pick(["專業版", "Pro", "VIP", "旗艦版", "Plus", "尊享版"])
    return _finance_listing(
        g, b, g.pick([f"{b['name']} {suffix}", f"{b['core']}{suffix}", f"{b['app']} {suffix}"])
    )


def f_smart_invest(g: Gen, b: Rec) -> Rec:
    return _finance_listing(
        g, b, g.pick([f"{b['core']}智能投資", f"{b['core']}智能投资", f"{b['core']} AI智能投資"])
    )


def f_trading_platform(g: Gen, b: Rec) -> Rec:
    return _finance_listing(
        g, b, g.pick([f"{b['core']}交易平台", f"{b['core']}投資平台", f"{b['core']}国际投资平台"])
    )


def f_homoglyph(g: Gen, b: Rec) -> Rec:
    en = b["en"]
    title = g.pick(
        [
            en.replace("i", "l", 1),
            en.replace("a", "а", 1),  # Cyrillic а
            en.replace("e", "е"),  # Cyrillic е
            en.replace("o", "0", 1) if "o" in en else en.replace("i", "1", 1),
            en.upper(),
        ]
    )
    desc = g.pick(
        [
            f"Official mobile trading for {en}. Real-time quotes, fast order entry, Taiwan and US stocks.",
            f"{en} app: open an account, trade stocks and ETFs, and check your portfolio anywhere.",
        ]
    )
    return _finance_listing(g, b, title, description=desc)


def f_same_sound(g: Gen, b: Rec) -> Rec:
    sound = g.pick(b["sound"])
    return _finance_listing(g, b, g.pick([f"{sound}證券", f"{sound}证券", f"{sound}證券 行動版"]))


def f_official_dev_copy(g: Gen, b: Rec) -> Rec:
    return _finance_listing(
        g,
        b,
        g.pick([f"{b['core']}行動", "股票下單通", f"{b['core']} Mobile"]),
        developer=g.pick([b["legal"], b["en_dev"]]),
    )


def f_line_lure(g: Gen, b: Rec) -> Rec:
    desc = (
        _trading_desc(g, b)
        + "\n"
        + g.pick(
            [
                f"想要每天抓飆股？加LINE {g.line_id()} 老師免費帶你操作。",
                f"加入LINE官方群組 {g.line_id()}，每日推薦飆股，名額有限！",
                f"客服LINE：{g.line_id()}，入金立即開通VIP。",
            ]
        )
    )
    return _finance_listing(
        g, b, g.pick([f"{b['core']}投資", f"{b['core']}股票通", f"{b['core']}財富"]), description=desc
    )


def f_guaranteed(g: Gen, b: Rec) -> Rec:
    desc = g.pick(
        [
            f"{b['core']}投資團隊保證獲利，穩賺不賠，月報酬20%起。\n零風險，高報酬，錯過再等一年。",
            f"跟著{b['name']}分析師操作，包賺不賠！\n保證獲利，翻倍只要三個月。",
        ]
    )
    return _finance_listing(
        g, b, g.pick([f"{b['core']}財富管理", f"{b['core']}穩賺", f"{b['name']}投資"]), description=desc
    )


def f_claims_partner(g: Gen, b: Rec) -> Rec:
    desc = g.pick(
        [
            f"本App為{b['name']}官方合作夥伴，每日提供飆股推薦與即時報價。",
            f"經{b['name']}授權，提供會員專屬選股服務，保證獲利。",
        ]
    )
    return _finance_listing(g, b, g.pick(["AI 選股王", "股市贏家", "智選股", "台股神手"]), description=desc)


def f_package_copy(g: Gen, b: Rec) -> Rec:
    _, official, _, bundle = (b["official"] if g.r.random() < 0.5 else b["official_as"])[0]
    pkg = (bundle or official) + g.pick(["2", ".pro", ".vip", "s"])
    return _finance_listing(
        g,
        b,
        g.pick(["股票通", "行動下單", "證券 e 點通", "看盤下單"]),
        pkg=pkg,
        description=g.pick(["證券交易、即時報價、快速下單。", "台股下單與看盤，一指搞定，開戶免等待。"]),
    )


def f_dev_contains_brand(g: Gen, b: Rec) -> Rec:
    return _finance_listing(
        g,
        b,
        g.pick(["AI 選股王", "飆股雷達", "台股贏家"]),
        developer=g.pick([f"{b['core']}國際投資", f"{b['core']}資本", f"{b['en'].split()[0]} Capital"]),
        description=_trading_desc(g, b, pitch=True),
    )


def f_english_exact(g: Gen, b: Rec) -> Rec:
    return _finance_listing(
        g,
        b,
        g.pick([b["en"], f"{b['en']} Mobile", f"{b['en']} - Trade"]),
        description=f"{b['en']} trading app: stocks, ETF, futures.",
    )


def f_app_store_bundle(g: Gen, b: Rec) -> Rec:
    return _finance_listing(
        g,
        b,
        g.pick([f"{b['name']}-專業版", f"{b['name']}-行動版", f"{b['core']}證券下單"]),
        store="app_store",
        pkg=f"com.{g.slug()}.{b['pkg'][:2]}zq",
        developer=g.pick(["Zhang Wei", "Li Ming", "Chen Jie", "Wang Hao"]),
    )


def f_tools_category(g: Gen, b: Rec) -> Rec:
    store = g.store()
    return _finance_listing(
        g,
        b,
        g.pick([f"{b['name']} 行動下單", f"{b['core']}下單助手", f"{b['name']}"]),
        store=store,
        genre=g.genre(store, g.pick(["tools", "business"])),
    )


def f_warning_disguise(g: Gen, b: Rec) -> Rec:
    desc = g.pick(
        [
            f"{b['name']}官方唯一指定App，謹防詐騙，認明本App。\n老師帶單保證獲利，加LINE {g.line_id()}。",
            f"小心假冒！只有本平台才是{b['core']}正版。\n每日飆股推薦，穩賺不賠。",
            f"防詐騙提醒：請認明{b['name']}正版。\n入金即享VIP，保證獲利，客服LINE：{g.line_id()}",
            f"謹防假冒，認明{b['core']}唯一正版。\n「保證獲利」不是夢，「飆股」天天報給你",
        ]
    )
    return _finance_listing(
        g, b, g.pick([f"{b['core']}投資", b["name"], f"{b['core']}VIP"]), description=desc
    )


def f_stock_tips(g: Gen, b: Rec) -> Rec:
    return _finance_listing(
        g,
        b,
        g.pick([f"{b['core']}飆股", f"{b['core']}飆股群", f"{b['core']}選股"]),
        description=_trading_desc(g, b, pitch=True),
    )


def f_crypto(g: Gen, b: Rec) -> Rec:
    desc = g.pick(
        [
            f"{b['core']}數位資產交易所，比特幣、USDT 即時交易，入金秒到帳。",
            f"{b['core']}全球加密貨幣交易平台，新用戶入金送200 USDT，高報酬。",
        ]
    )
    return _finance_listing(
        g, b, g.pick([f"{b['core']}數位資產", f"{b['core']} Exchange", f"{b['core']}幣"]), description=desc
    )


def f_short_search_result(g: Gen, b: Rec) -> Rec:
    store = "google_play"
    listing = _finance_listing(g, b, g.pick([b["name"], b["app"], b["simp"]]), store=store)
    listing["description"] = ""
    listing["genre"] = g.pick(["", "財經"])
    listing.pop("developer_email", None)
    listing["partial"] = True
    return listing


def f_new_prefix(g: Gen, b: Rec) -> Rec:
    return _finance_listing(g, b, g.pick([f"新{b['name']}", f"{b['name']}2", f"{b['name']}（新版）"]))


def f_fake_in_unrelated_category(g: Gen, b: Rec) -> Rec:
    """Fakes sometimes hide in a lifestyle category; the text still sells trading."""
    store = g.store()
    return _finance_listing(
        g,
        b,
        g.pick([b["name"], f"{b['core']}投資", f"{b['core']}財富"]),
        store=store,
        genre=g.pick(["生活品味", "娛樂"]) if store == "google_play" else g.pick(["生活風格", "娛樂"]),
        description=_trading_desc(g, b, pitch=True),
    )


def f_vague_member(g: Gen, b: Rec) -> Rec:
    """A Finance listing that never says "trading": brand + member/VIP, a vague pitch, a contact."""
    return _finance_listing(
        g,
        b,
        g.pick([f"{b['core']}VIP會員", f"{b['core']}尊享會員", f"{b['name']} 會員專區"]),
        description=g.pick(
            [
                "尊榮會員一對一專人服務，專屬顧問即時解答，加入即享好禮。",
                "會員專屬服務平台，VIP 顧問全天候在線，立即註冊領取見面禮。",
            ]
        ),
    )


def f_wealth_advisory(g: Gen, b: Rec) -> Rec:
    """Wealth-management talk in the Business category, without one trading word."""
    store = g.store()
    return _finance_listing(
        g,
        b,
        g.pick([f"{b['core']}財富通", f"{b['core']}財富管理", f"{b['core']}資產顧問"]),
        store=store,
        genre=g.genre(store, "business"),
        description=g.pick(
            [
                f"{b['core']}財富管理顧問，專人協助您資產配置，年化報酬穩定，歡迎洽詢。",
                f"{b['core']}資產顧問團隊一對一服務，穩健收益，讓您的資金安心成長。",
                f"{b['core']}尊榮理財顧問，專屬分析師每日提醒進出場時機，會員限定。",
            ]
        ),
    )


# ---------------------------------------------------------------- legitimate look-alikes (label "legit")


def _business(
    g: Gen, title: str, developer: str, genre: tuple[str, str], desc: str, pkg: str, **kw: Any
) -> Rec:
    store = kw.pop("store", None) or g.store()
    listing: Rec = {"store": store, "title": title, **g.ids(store, pkg), "developer": developer}
    listing["genre"] = genre[0] if store == "google_play" else genre[1]
    listing["description"] = desc
    listing.update(kw)
    return listing


FOOD = ("美食佳飲", "美食佳飲")
TRAVEL = ("旅遊與地方資訊", "旅遊")
LIFE = ("生活品味", "生活風格")
SHOP = ("購物", "購物")
MED = ("醫療", "醫療")
EDU = ("教育", "教育")
HEALTH = ("健康塑身", "健康與健身")


def l_noodle_shop(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    dish = g.pick(["牛肉麵", "麵館", "小吃", "滷肉飯", "水餃"])
    return _business(
        g,
        g.pick([f"{c}{dish}", f"{c}{dish} 線上點餐", f"{c}{dish}會員"]),
        g.pick([f"{c}餐飲有限公司", f"{c}{dish}", "點點餐科技"]),
        FOOD,
        g.pick(
            [
                f"{c}{dish}創立於1978年，湯頭以牛骨熬煮十二小時。\n線上點餐、外帶自取免排隊，會員集點每滿十點送小菜一份。",
                f"老字號{c}{dish}官方App：查詢菜單、預約訂位、外送到府。\n營業時間 11:00–20:30，週一公休。",
            ]
        ),
        f"com.{b['pkg']}{g.pick(['noodle', 'food', 'eat'])}.order",
        developer_website=f"https://www.{b['pkg']}{g.pick(['food', 'noodle'])}.com.tw",
    )


def l_guesthouse(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    return _business(
        g,
        g.pick([f"{c}民宿", f"{c}民宿 訂房", f"{c}山莊"]),
        g.pick([f"{c}民宿", f"{c}山莊", "林美玲"]),
        TRAVEL,
        g.pick(
            [
                f"{c}民宿位於花蓮七星潭旁，步行三分鐘到海邊。\n線上訂房、查看空房與房價，入住享免費早餐與腳踏車租借。",
                f"歡迎入住{c}山莊！四人房、雙人房皆有山景陽台。\n提供接駁、烤肉區與露天咖啡座，訂房請於App內完成。",
            ]
        ),
        f"tw.{b['pkg']}.bnb",
        developer_email=f"{c}bnb{g.digits(2)}@gmail.com",
    )


def l_hotel(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    return _business(
        g,
        g.pick([f"{c}大飯店", f"{c}大飯店官方App", f"{c}酒店"]),
        g.pick([f"{c}大飯店股份有限公司", f"{c}國際飯店", f"{b['en'].split()[0]} Hotel Group"]),
        TRAVEL,
        g.pick(
            [
                f"{c}大飯店官方App，會員專屬訂房優惠。\n查詢客房、餐廳訂位、停車資訊，入住前線上辦理登記。",
                f"{c}酒店官方授權訂房平台：商務客房、宴會廳與自助餐廳。\n會員每晚累積點數，可折抵住宿與餐飲。",
                f"{c}集團投資興建的五星級飯店，2019年開幕。\n客房、宴會廳與自助餐廳一次預約，會員專屬優惠。",
            ]
        ),
        f"com.{b['pkg']}hotel.app",
        developer_website=f"https://www.{b['pkg']}hotel.com.tw",
    )


def l_hotel_group_sound_alike(g: Gen, b: Rec) -> Rec:
    sound = g.pick(b["sound"])
    return _business(
        g,
        g.pick([f"{sound}酒店", f"{sound}國際酒店", f"{sound}旅店 會員"]),
        g.pick(
            [f"{sound}國際酒店集團", f"{sound}酒店管理股份有限公司", f"{b['en'].split()[0]} Hotels Group"]
        ),
        TRAVEL,
        g.pick(
            [
                f"{sound}國際酒店集團旗下台北、台中、高雄共七間飯店，一個App完成訂房。\n會員享早鳥價、延遲退房與生日禮。",
                f"{sound}酒店：精選商務與度假飯店。\n線上訂房、餐廳預約、專屬會員價。",
            ]
        ),
        f"com.{b['pkg']}hotels.booking",
        developer_website=f"https://www.{b['pkg']}hotels.com",
        developer_apps=[
            {"title": f"{sound}餐飲訂位", "genre": "美食佳飲", "description": "集團旗下餐廳線上訂位與外帶。"},
            {
                "title": f"{sound}會員卡",
                "genre": "生活品味",
                "description": "酒店會員點數、電子會員卡與優惠券。",
            },
        ],
    )


def l_anti_fraud(g: Gen, b: Rec) -> Rec:
    names = "、".join(BRANDS[k]["name"] for k in g.r.sample(list(BRANDS), 2))
    store = g.store()
    desc = g.pick(
        [
            f"165防詐小幫手：一鍵查詢可疑LINE帳號與網址。\n常見投資詐騙話術：\n「保證獲利」\n「飆股」\n「加LINE領取明牌」\n"
            f"近期有人假冒{names}推出投資App，請勿下載來路不明的App，撥打165反詐騙專線查證。",
            f"小心！詐騙集團常以「保證獲利」、「穩賺不賠」誘騙民眾加LINE投資群組。\n"
            f"本App收錄警政署公布的假冒券商App名單（含假冒{names}），下載前請先查詢。",
            f"不要相信網路上宣稱保證獲利的老師帶單。\n防詐騙宣導：假投資、假交友、假網拍，一次看懂。\n"
            f"遇到自稱{names}人員要求加LINE，請立即撥打165專線。",
        ]
    )
    return _business(
        g,
        g.pick(["165防詐小幫手", "防詐達人", "反詐騙查詢", "詐騙終結者"]),
        g.pick(["內政部警政署", "反詐騙聯盟協會", "守護科技", "Whoscall Ltd."]),
        ("工具", "工具程式"),
        desc,
        f"tw.{g.pick(['antifraud', 'fraudstop', 'gov165'])}.app",
        store=store,
    )


def l_awareness_title_brand(g: Gen, b: Rec) -> Rec:
    """An awareness campaign that names the impersonated broker in its title."""
    c = b["core"]
    desc = g.pick(
        [
            f"{c}區防詐騙宣導專區：詐騙集團假冒券商，以「保證獲利」、「飆股」吸引民眾加LINE。\n"
            "請勿相信，撥打165反詐騙專線查證。",
            f"識破假投資詐騙！近期有人假冒{b['name']}，要求加LINE並匯款入金。\n千萬不要匯款，謹防上當。",
        ]
    )
    return _business(
        g,
        g.pick([f"{c}防詐宣導", f"識破假{c}", f"{c}區 防詐騙"]),
        g.pick(["反詐騙聯盟協會", "全民防騙網", "守護家園協會"]),
        ("新聞與雜誌", "新聞"),
        desc,
        f"tw.gov.{b['pkg']}.antifraud",
    )


def l_night_market(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    return _business(
        g,
        g.pick([f"{c}夜市美食地圖", f"{c}夜市", f"逛{c}夜市"]),
        g.pick(["高雄美食通", "夜市地圖工作室", "陳建宏"]),
        FOOD,
        f"{c}夜市攤位地圖：鹽酥雞、臭豆腐、木瓜牛奶一次找。\n每週二、四、五、六、日營業，附近停車場與捷運出口資訊。",
        f"com.{g.slug()}.nightmarket",
    )


def l_district_office(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    return _business(
        g,
        g.pick([f"{c}區公所", f"{c}里民服務", f"{c}社區"]),
        g.pick([f"高雄市{c}區公所", f"{c}里辦公處"]),
        LIFE,
        f"{c}區公所行動服務：里民活動、垃圾車時刻、區政公告與線上申辦。\n颱風期間提供停班停課與避難所資訊。",
        f"tw.gov.kh.{b['pkg']}",
    )


def l_hardware(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    return _business(
        g,
        g.pick([f"{c}五金", f"{c}五金行 線上購", f"{c}建材"]),
        g.pick([f"{c}五金有限公司", f"{c}建材行"]),
        SHOP,
        f"{c}五金線上商店：水電材料、手工具、油漆與園藝用品。\n滿千免運，門市自取享九五折，歡迎企業採購詢價。",
        f"com.{b['pkg']}hardware.shop",
    )


def l_temple(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    return _business(
        g,
        g.pick([f"{c}宮", f"{c}宮 線上點燈", f"{c}廟"]),
        g.pick([f"{c}宮管理委員會", f"財團法人{c}宮"]),
        LIFE,
        f"{c}宮線上點光明燈、安太歲、求籤解籤。\n農曆初一、十五法會直播，香油錢可線上捐獻並開立收據。",
        f"tw.org.{b['pkg']}temple",
    )


def l_game(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    return _business(
        g,
        g.pick([f"{c}高照 麻將", f"{c}三國", f"{c}消消樂"]),
        g.pick(["樂遊數位娛樂", "Happy Tile Games", "星河遊戲"]),
        ("休閒", "遊戲"),
        f"{c}高照，好運連連！經典台灣16張麻將，單機與連線對戰。\n每日登入送金幣，和好友開房間一起打牌。",
        f"com.{g.slug()}.mahjong",
    )


def l_school(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    return _business(
        g,
        g.pick([f"{c}國小", f"{c}國中 親師通", f"{c}幼兒園"]),
        g.pick([f"新北市立{c}國民小學", f"{c}國中家長會", "校園通科技"]),
        EDU,
        f"{c}國小親師溝通平台：聯絡簿、請假、營養午餐菜單與校園公告。\n家長可即時收到放學與課後照顧通知。",
        f"tw.edu.{b['pkg']}school",
    )


def l_insurance(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    return _business(
        g,
        g.pick([f"{c}產險", f"{c}保險 e 服務", f"{c}人壽"]),
        g.pick([f"{c}產物保險股份有限公司", f"{c}人壽保險股份有限公司"]),
        ("財經", "財經"),
        f"{c}產險行動服務：汽機車強制險投保、保單查詢、線上理賠申請與道路救援。\n出險時一鍵通報，理賠進度即時推播。",
        f"com.{b['pkg']}insurance.mobile",
        developer_website=f"https://www.{b['pkg']}-ins.com.tw",
    )


def l_clinic(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    return _business(
        g,
        g.pick([f"{c}診所", f"{c}牙醫診所", f"{c}藥局"]),
        g.pick([f"{c}診所", f"{c}醫療社團法人"]),
        MED,
        f"{c}診所線上掛號：查詢看診進度、門診時刻表與醫師介紹。\n提供慢性處方箋領藥提醒與疫苗接種預約。",
        f"tw.{b['pkg']}.clinic",
    )


def l_bakery(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    return _business(
        g,
        g.pick([f"{c}餅舖", f"{c}喜餅", f"{c}烘焙坊"]),
        g.pick([f"{c}食品股份有限公司", f"{c}餅舖"]),
        FOOD,
        f"{c}餅舖百年老店，鳳梨酥、太陽餅與訂婚喜餅。\n線上訂購宅配全台，中秋禮盒早鳥八五折。",
        f"com.{b['pkg']}bakery.shop",
    )


def l_taxi(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    return _business(
        g,
        g.pick([f"{c}計程車", f"{c}叫車", f"{c}衛星車隊"]),
        g.pick([f"{c}交通股份有限公司", f"{c}衛星車隊"]),
        ("地圖和導航", "導航"),
        f"{c}衛星車隊一鍵叫車，預估車資與司機即時位置。\n支援機場接送、長途包車與行動支付。",
        f"tw.{b['pkg']}taxi.rider",
    )


def l_gym(g: Gen, b: Rec) -> Rec:
    c = b["core"]
    return _business(
        g,
        g.pick([f"{c}健身", f"{c}運動中心", f"{c}瑜珈"]),
        g.pick([f"{c}運動事業有限公司", f"{c}健身俱樂部"]),
        HEALTH,
        f"{c}健身會員App：預約團體課、私人教練與場館人數即時查詢。\n記錄體重、體脂與訓練菜單。",
        f"com.{b['pkg']}fitness.member",
    )


def l_mountain_lodge(g: Gen, b: Rec) -> Rec:
    return _business(
        g,
        g.pick(["華岳山莊", "華岳山莊 訂房", "華岳溫泉會館"]),
        g.pick(["華岳山莊", "華岳觀光事業股份有限公司"]),
        TRAVEL,
        "華岳山莊座落於海拔八百公尺山區，擁有私人湯屋與景觀餐廳。\n線上訂房、湯屋時段預約與接駁車時刻表。",
        "tw.huayue.resort",
    )


def l_quote_app(g: Gen, b: Rec) -> Rec:
    names = "、".join(BRANDS[k]["name"] for k in g.r.sample(list(BRANDS), 3))
    return _business(
        g,
        g.pick(["台股即時報價", "股市看盤通", "存股筆記"]),
        g.pick(["Formosa Quote", "看盤科技", "存股研究室"]),
        ("財經", "財經"),
        f"免費台股即時報價與K線圖，支援自選股與到價提醒。\n券商手續費比較：{names}等。",
        f"com.{g.slug()}.quote",
        developer_email=f"service@{g.slug()}.tw",
    )


def l_other_broker(g: Gen, b: Rec) -> Rec:
    return _business(
        g,
        g.pick(["國宏證券 掌上通", "大成證券 行動下單", "鼎新證券"]),
        g.pick(["國宏證券股份有限公司", "大成證券股份有限公司", "鼎新綜合證券股份有限公司"]),
        ("財經", "財經"),
        "台股、複委託與期貨行動下單，即時報價、庫存查詢與電子對帳單。",
        f"tw.com.{g.slug()}sec.mobile",
    )


def l_english_hotel(g: Gen, b: Rec) -> Rec:
    word = b["en"].split()[0]
    return _business(
        g,
        g.pick([f"{word} Hotel", f"{word} Resort & Spa", f"{word} Inn"]),
        g.pick([f"{word} Hospitality Co.", f"{word} Hotel Group"]),
        TRAVEL,
        f"Book rooms at the {word} Hotel in Taipei: member rates, late check-out, airport shuttle "
        "and restaurant reservations.",
        f"com.{word.lower()}hotel.booking",
        developer_website=f"https://www.{word.lower()}hotel.com",
    )


def l_travel_agency_portfolio(g: Gen, b: Rec) -> Rec:
    """A developer known by its other apps: all travel, none finance (the App Store lookup by artistId)."""
    c = b["core"]
    listing = _business(
        g,
        g.pick([f"{c}旅行社", f"{c}旅遊", f"{c}假期"]),
        f"{c}旅行社股份有限公司",
        ("商業", "商業"),
        g.pick([f"{c}旅行社：日本、韓國團體旅遊與自由行。", f"{c}假期精選行程"]),
        f"com.{b['pkg']}travel.app",
    )
    listing["developer_apps"] = [
        {"title": f"{c}機票比價", "genre": "旅遊", "description": "國內外機票即時比價與訂位。"},
        {"title": f"{c}簽證通", "genre": "旅遊", "description": "簽證申辦進度查詢。"},
        {"title": f"{c}會員", "genre": "生活風格", "description": "旅行社會員點數與優惠券。"},
    ]
    return listing


def l_bank_awareness(g: Gen, b: Rec) -> Rec:
    names = "、".join(BRANDS[k]["core"] for k in g.r.sample(list(BRANDS), 2))
    return _business(
        g,
        g.pick(["防詐騙專區", "識詐小學堂", "反詐騙宣導"]),
        g.pick(["中華民國銀行商業同業公會", "證券商業同業公會", "金融防詐聯盟"]),
        ("教育", "教育"),
        f"謹防假冒券商（如假冒{names}證券）的投資詐騙。\n詐騙話術：飆股、保證獲利、穩賺不賠、老師帶單。\n"
        "不要加入陌生LINE投資群組，不要下載來路不明的App，如有疑問請撥打165反詐騙專線。",
        f"tw.org.{g.slug()}.antifraud",
    )


# ---------------------------------------------------------------- the brokers' own apps


def a_partner(g: Gen, b: Rec) -> Rec:
    return {
        "store": "google_play",
        "app_id": "tw.com.huayuesec.news",
        "title": g.pick(["華岳投顧 財經新聞", "華岳投顧"]),
        "developer": "華岳投顧",
        "developer_id": g.digits(19),
        "genre": "財經",
        "description": "華岳投顧每日盤前盤後解析、台股新聞與法人動向。",
    }


def o_official(g: Gen, b: Rec) -> Rec:
    store, app_id, dev, bundle = (b["official"] if g.r.random() < 0.5 else b["official_as"])[0]
    listing: Rec = {
        "store": store,
        "app_id": app_id,
        "title": b["app"],
        "developer": g.pick([b["legal"], b["en_dev"]]),
        "developer_id": dev,
        "genre": "財經",
        "description": _trading_desc(g, b),
    }
    if bundle:
        listing["bundle_id"] = bundle
    return listing


def o_official_account_other_app(g: Gen, b: Rec) -> Rec:
    store, _, dev, _ = (b["official"] if g.r.random() < 0.5 else b["official_as"])[0]
    pkg = f"tw.com.{b['pkg']}sec.{g.pick(['futures', 'fund', 'news', 'sub'])}"
    listing = {
        **g.ids(store, pkg),
        "store": store,
        "title": g.pick([f"{b['core']}期貨", f"{b['core']}複委託"]),
    }
    listing["developer_id"] = dev
    listing["developer"] = b["legal"]
    listing["genre"] = "財經"
    listing["description"] = _trading_desc(g, b)
    return listing


Family = tuple[str, str, Callable[[Gen, Rec], Rec], tuple[str, ...], int]
ALL = tuple(BRANDS)
FAMILIES: tuple[Family, ...] = (
    ("exact_name", "fake", f_exact_name, ALL, 8),
    ("official_app_name", "fake", f_official_app_name, ALL, 6),
    ("simplified", "fake", f_simplified, ALL, 7),
    ("variant_chars", "fake", f_variant_chars, ALL, 6),
    ("lure_suffix", "fake", f_lure_suffix, ALL, 8),
    ("smart_invest", "fake", f_smart_invest, ALL, 5),
    ("trading_platform", "fake", f_trading_platform, ALL, 5),
    ("homoglyph_latin", "fake", f_homoglyph, ALL, 7),
    ("same_sound", "fake", f_same_sound, ALL, 6),
    ("official_developer_copy", "fake", f_official_dev_copy, ALL, 6),
    ("line_lure", "fake", f_line_lure, ALL, 7),
    ("guaranteed_profit", "fake", f_guaranteed, ALL, 6),
    ("claims_partner", "fake", f_claims_partner, ALL, 6),
    ("package_copy", "fake", f_package_copy, ALL, 5),
    ("developer_contains_brand", "fake", f_dev_contains_brand, ALL, 5),
    ("english_exact", "fake", f_english_exact, ALL, 5),
    ("app_store_bundle", "fake", f_app_store_bundle, ALL, 5),
    ("tools_or_business_category", "fake", f_tools_category, ALL, 6),
    ("warning_disguise", "fake", f_warning_disguise, ALL, 6),
    ("stock_tips", "fake", f_stock_tips, ALL, 5),
    ("crypto_platform", "fake", f_crypto, ALL, 5),
    ("search_result_only", "fake", f_short_search_result, ALL, 5),
    ("new_or_numbered", "fake", f_new_prefix, ALL, 4),
    ("fake_in_lifestyle_category", "fake", f_fake_in_unrelated_category, ALL, 4),
    ("vague_vip_member", "fake", f_vague_member, ALL, 5),
    ("wealth_advisory_business_category", "fake", f_wealth_advisory, ALL, 5),
    ("noodle_shop", "legit", l_noodle_shop, COMMON, 8),
    ("guesthouse", "legit", l_guesthouse, ALL, 6),
    ("hotel", "legit", l_hotel, COMMON, 7),
    ("hotel_group_sound_alike", "legit", l_hotel_group_sound_alike, ALL, 6),
    ("anti_fraud_app", "legit", l_anti_fraud, ALL, 7),
    ("awareness_names_brand", "legit", l_awareness_title_brand, COMMON, 5),
    ("night_market", "legit", l_night_market, ("ruifeng",), 4),
    ("district_office", "legit", l_district_office, ("yongan",), 3),
    ("hardware_store", "legit", l_hardware, COMMON, 4),
    ("temple", "legit", l_temple, ("fuxing", "yongan"), 4),
    ("mahjong_game", "legit", l_game, ("fuxing",), 3),
    ("school", "legit", l_school, COMMON, 4),
    ("insurance", "legit", l_insurance, COMMON, 4),
    ("clinic", "legit", l_clinic, COMMON, 4),
    ("bakery", "legit", l_bakery, COMMON, 4),
    ("taxi", "legit", l_taxi, COMMON, 3),
    ("gym", "legit", l_gym, COMMON, 3),
    ("mountain_lodge", "legit", l_mountain_lodge, ("huayue",), 3),
    ("quote_app_naming_brokers", "legit", l_quote_app, ALL, 4),
    ("other_broker", "legit", l_other_broker, ALL, 4),
    ("english_hotel", "legit", l_english_hotel, COMMON, 4),
    ("travel_agency_with_portfolio", "legit", l_travel_agency_portfolio, COMMON, 4),
    ("association_awareness", "legit", l_bank_awareness, ALL, 4),
    ("official_app", "official", o_official, ALL, 8),
    ("official_account_other_app", "official", o_official_account_other_app, ALL, 4),
    ("allow_listed_partner", "allowed", a_partner, ("huayue",), 2),
)


def generate(seed: int = SEED) -> list[Rec]:
    """Every family's listings, in family order, with ids ``family-N``."""
    g = Gen(random.Random(seed))
    out: list[Rec] = []
    for family, label, build, brands, count in FAMILIES:
        for i in range(count):
            brand_id = brands[i % len(brands)] if i < len(brands) else g.pick(brands)
            listing = build(g, BRANDS[brand_id])
            developer_apps = listing.pop("developer_apps", None)
            rec: Rec = {"id": f"{family}-{i + 1}", "family": family, "label": label, "brand": brand_id}
            rec["listing"] = listing
            if developer_apps:
                rec["developer_apps"] = developer_apps
            out.append(rec)
    return out


def main() -> None:
    records = generate()
    with (HERE / "listings.jsonl").open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} listings to {HERE / 'listings.jsonl'}")


if __name__ == "__main__":
    main()
