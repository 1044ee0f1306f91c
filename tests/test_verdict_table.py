"""The judge over a table of cases in both directions: every impostor family is caught, every legitimate
look-alike passes, and every verdict carries its reasons."""

from __future__ import annotations

import io
from functools import cache

import pytest
from PIL import Image, ImageDraw, ImageEnhance

from bot.record.scan import prepare_profile
from scanners.judging.icons import icon_distance, icon_hash
from scanners.judging.names import name_match, package_match
from scanners.judging.normalize import domain_of, normalize_name
from scanners.judging.verdict import PreparedBrand, judge, judge_all
from scanners.listing import Listing
from scanners.profile import load_profile
from tests.conftest import DATA

FLAGGED = {"impersonation", "suspicious"}


@cache
def brands() -> tuple[PreparedBrand, ...]:
    return tuple(prepare_profile(load_profile(DATA / "brands.toml")))


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@cache
def icons() -> dict[str, str]:
    official = Image.open(DATA / "icons" / "huayue.png").convert("RGB")
    shifted = Image.new("RGB", official.size, (176, 20, 32))
    shifted.paste(official.resize((490, 490)), (11, 11))
    recolour = ImageEnhance.Color(official).enhance(1.4)
    badge = official.copy()
    ImageDraw.Draw(badge).rectangle((380, 20, 492, 80), fill=(240, 190, 20))
    other = Image.new("RGB", (512, 512), (20, 120, 60))
    ImageDraw.Draw(other).ellipse((100, 100, 400, 400), fill=(250, 250, 250))
    return {
        "copy": icon_hash(png(official.resize((192, 192)))),
        "shifted": icon_hash(png(shifted)),
        "recolour": icon_hash(png(recolour)),
        "badge": icon_hash(png(badge)),
        "other": icon_hash(png(other)),
        "ruifeng": icon_hash((DATA / "icons" / "ruifeng.png").read_bytes()),
    }


def L(title: str, **kw: str) -> Listing:
    kw.setdefault("store", "google_play")
    kw.setdefault("app_id", "com.example.app")
    return Listing(title=title, **kw)  # type: ignore[arg-type]


GP = "google_play"
IMPOSTORS: list[tuple[str, Listing, str | None]] = [
    ("exact name, other developer", L("華岳證券", developer="HY Digital", developer_id="1"), None),
    ("official app name copied", L("華岳e把罩", developer="Someone", developer_id="2"), None),
    ("Simplified Chinese", L("华岳证券", developer="华岳科技", developer_id="3"), None),
    ("Simplified + suffix", L("华岳证券 - 专业版", developer="x", developer_id="3"), None),
    ("証 for 證", L("華岳証券", developer="a", developer_id="4"), None),
    ("劵 for 券", L("華岳證劵", developer="a", developer_id="4"), None),
    ("both variants", L("華岳証劵 e把罩", developer="a", developer_id="4"), None),
    ("full-width Latin", L("Ｈｕａｙｕｅ Ｓｅｃｕｒｉｔｉｅｓ", developer="a"), None),
    ("Cyrillic а", L("Huаyue Securities", developer="a"), None),
    ("Greek ο and Cyrillic е", L("Huayuе Sеcuritiеs", developer="a"), None),
    ("l for i", L("Huayue Securlties", developer="a"), None),
    ("1 for i", L("Huayue Secur1ties", developer="a"), None),
    ("upper/lower case and spaces", L("HUAYUE   securities", developer="a"), None),
    ("same sound 華悅", L("華悅證券", developer="華悅金融", description="股票交易"), None),
    ("same sound, Simplified 华越", L("华越证券 股票", developer="x", description="证券交易"), None),
    ("brand + Pro", L("華岳e把罩 Pro", developer="Pro Studio"), None),
    ("brand + VIP platform", L("華岳VIP 交易平台", developer="Golden", description="飆股"), None),
    ("brand + 智能投資", L("華岳智能投資", developer="AI Capital", genre="財經"), None),
    (
        "official developer name, other account",
        L("華岳行動", developer="華岳綜合證券股份有限公司", developer_id="999"),
        None,
    ),
    (
        "official English developer name, other account",
        L("HY Trade", developer="Huayue Securities Co., Ltd.", developer_id="998", description="股票下單"),
        None,
    ),
    (
        "official developer name as legal name",
        L(
            "HY 股票通",
            developer="HY",
            developer_legal_name="華岳綜合證券股份有限公司",
            developer_id="997",
            description="證券交易",
        ),
        None,
    ),
    (
        "look-alike icon + claims official",
        L("HY 投資", developer="Smart", description="華岳證券官方合作，每日飆股"),
        "badge",
    ),
    (
        "copied icon + brand name in developer",
        L("股票App", developer="Huayue Global", developer_email="a@gmail.com"),
        "copy",
    ),
    (
        "shifted icon + look-alike package",
        L("股票通", app_id="tw.com.huayuesec.trade2", developer="x", description="證券"),
        "shifted",
    ),
    (
        "fraud platform with LINE",
        L("華岳投資", developer="Gold", description="保證獲利，穩賺不賠，加LINE：@vip888"),
        None,
    ),
    (
        "App Store bundle look-alike + name",
        L(
            "華岳證券-專業版",
            store="app_store",
            app_id="6700000001",
            bundle_id="com.liwei.hyzq",
            developer="Li Wei",
        ),
        "recolour",
    ),
    (
        "App Store official name, other artist",
        L(
            "華岳e把罩",
            store="app_store",
            app_id="6700000002",
            developer="Huayue Securities Co., Ltd.",
            developer_id="1699887766",
        ),
        "copy",
    ),
    ("ruifeng Simplified", L("瑞丰证券", developer="瑞丰投资", developer_id="5"), None),
    # Families of the labelled set (bench/labelled): fakes that share words with the look-alikes below.
    (
        "fake hiding in a lifestyle category",
        L(
            "瑞豐財富",
            genre="生活品味",
            description="瑞豐專業投資平台，即時看盤、智能選股。\n保證獲利，加LINE：@vip888",
        ),
        None,
    ),
    (
        "fake that warns against fraud and pitches it",
        L(
            "瑞豐投資",
            genre="財經",
            description="防詐騙提醒：請認明瑞豐證券正版。\n入金即享VIP，保證獲利，穩賺不賠",
        ),
        None,
    ),
    (
        "fake that quotes its own pitch",
        L(
            "瑞豐VIP",
            genre="財經",
            description="謹防假冒，認明瑞豐唯一正版。\n「保證獲利」不是夢，「飆股」天天報給你",
        ),
        None,
    ),
    (
        "vague VIP member listing in Finance",
        L(
            "瑞豐尊享會員",
            genre="財經",
            description="尊榮會員一對一專人服務，專屬顧問即時解答，加入即享好禮。",
        ),
        None,
    ),
    (
        "official package with a suffix, generic title",
        L("看盤下單", app_id="com.ruifeng.stock.pro", genre="財經", description="台股下單與看盤，一指搞定。"),
        None,
    ),
    (
        "wealth advisory in Business, no trading word",
        L(
            "瑞豐財富通",
            genre="商業",
            description="瑞豐財富管理顧問，專人協助您資產配置，年化報酬穩定，歡迎洽詢。",
        ),
        None,
    ),
    (
        "crypto platform under the brand",
        L("華岳數位資產", description="華岳數位資產交易所，比特幣、USDT 即時交易，入金秒到帳。"),
        None,
    ),
    (
        "noodle-shop words but the icon is the broker's",
        L(
            "華岳牛肉麵",
            genre="美食佳飲",
            description="老字號牛肉麵，線上點餐、外帶自取免排隊，會員集點送小菜。",
        ),
        "copy",
    ),
    (
        "hotel words but the official developer name",
        L(
            "瑞豐大飯店",
            genre="旅遊與地方資訊",
            developer="瑞豐證券股份有限公司",
            developer_id="77",
            description="會員專屬訂房優惠，查詢客房、餐廳訂位與停車資訊。",
        ),
        None,
    ),
    ("ruifeng app name + VIP", L("瑞豐好神 VIP", developer="x", developer_id="6"), "ruifeng"),
]

LEGITIMATE: list[tuple[str, Listing, str]] = [
    (
        "the official Play app",
        L("華岳e把罩", app_id="tw.com.huayuesec.trade", developer_id="7203158839912340017"),
        "official",
    ),
    ("the official App Store app", L("華岳e把罩", store="app_store", app_id="1488123456"), "official"),
    (
        "another app of the official Play account",
        L("華岳期貨", app_id="tw.com.huayuesec.futures", developer_id="7203158839912340017"),
        "official",
    ),
    ("allow-listed partner", L("華岳投顧 財經新聞", app_id="tw.com.huayuesec.news"), "allowed"),
    ("another broker's official app", L("國宏證券 掌上通", developer="國宏證券股份有限公司"), "unrelated"),
    (
        "generic quote app naming many brokers",
        L(
            "台股即時報價",
            developer="Formosa Quote",
            developer_email="a@formosa.tw",
            description="支援元大、富邦、華岳證券、瑞豐證券等券商",
        ),
        "unrelated",
    ),
    ("news app", L("財經新聞快報", developer="財訊", description="證券市場新聞"), "unrelated"),
    ("comparison app", L("券商比較", description="比較華岳證券與其他券商的手續費"), "unrelated"),
    ("a single shared character 華", L("華南銀行", developer="華南商業銀行"), "unrelated"),
    ("a single shared character 岳", L("岳飛傳奇", developer="Game Co"), "unrelated"),
    ("generic 證券 word", L("證券市場百科", developer="Edu"), "unrelated"),
    ("same sound outside finance", L("花月夜 拼圖", developer="Puzzle", description="休閒遊戲"), "unrelated"),
    (
        "fraud words without any brand tie",
        L("飆股大師", developer="x", description="保證獲利 加LINE @abc123"),
        "unrelated",
    ),
    (
        "gmail developer without any brand tie",
        L("記帳本", developer="x", developer_email="a@gmail.com"),
        "unrelated",
    ),
    ("unrelated app with a different icon", L("天氣", developer="Weather"), "unrelated"),
    # The three false-alert classes of issue 11, and the look-alike families of bench/labelled.
    (
        "noodle shop named with the brand's word",
        L(
            "瑞豐牛肉麵 線上點餐",
            app_id="com.ruifengnoodle.order",
            developer="瑞豐餐飲有限公司",
            genre="美食佳飲",
            developer_website="https://www.ruifengfood.com.tw",
            description="瑞豐牛肉麵創立於1978年，湯頭以牛骨熬煮十二小時。\n線上點餐、外帶自取免排隊，會員集點。",
        ),
        "unrelated",
    ),
    (
        "guesthouse on the App Store",
        L(
            "瑞豐民宿 訂房",
            store="app_store",
            app_id="6712345678",
            bundle_id="tw.ruifeng.bnb",
            developer="瑞豐民宿",
            genre="旅遊",
            developer_email="ruifengbnb@gmail.com",
            description="瑞豐民宿位於花蓮七星潭旁，步行三分鐘到海邊。\n線上訂房、查看空房與房價，入住享免費早餐。",
        ),
        "unrelated",
    ),
    (
        "hotel that calls its app official",
        L(
            "瑞豐大飯店官方App",
            app_id="com.ruifenghotel.app",
            developer="瑞豐大飯店股份有限公司",
            genre="Travel & Local",
            description="瑞豐大飯店官方App，會員專屬訂房優惠。\n查詢客房、餐廳訂位、停車資訊，入住前線上辦理登記。",
        ),
        "unrelated",
    ),
    (
        "hotel built by its group's investment",
        L(
            "瑞豐大飯店",
            genre="旅遊",
            store="app_store",
            app_id="6799990001",
            description="瑞豐集團投資興建的五星級飯店，2019年開幕。\n客房、宴會廳與自助餐廳一次預約，會員專屬優惠。",
        ),
        "unrelated",
    ),
    (
        "hotel group whose name sounds like the brand",
        L(
            "華悅國際酒店",
            app_id="com.huayuehotels.booking",
            developer="華悅國際酒店集團",
            genre="旅遊與地方資訊",
            developer_website="https://www.huayuehotels.com",
            description="華悅國際酒店集團旗下七間飯店，一個App完成訂房。\n會員享早鳥價、延遲退房與生日禮。",
        ),
        "unrelated",
    ),
    (
        "anti-fraud app quoting scam phrases and naming the broker",
        L(
            "165防詐小幫手",
            developer="反詐騙聯盟協會",
            genre="工具",
            description="165防詐小幫手：一鍵查詢可疑LINE帳號。\n常見投資詐騙話術：\n「保證獲利」\n「飆股」\n「加LINE領取明牌」\n"
            "近期有人假冒華岳證券推出投資App，請勿下載，撥打165反詐騙專線查證。",
        ),
        "unrelated",
    ),
    (
        "awareness campaign with the brand's word in its title",
        L(
            "識破假瑞豐",
            app_id="tw.gov.ruifeng.antifraud",
            developer="全民防騙網",
            genre="新聞與雜誌",
            description="識破假投資詐騙！近期有人假冒瑞豐證券，要求加LINE並匯款入金。\n千萬不要匯款，謹防上當。",
        ),
        "unrelated",
    ),
    (
        "night market map",
        L(
            "瑞豐夜市美食地圖",
            genre="美食佳飲",
            description="瑞豐夜市攤位地圖：鹽酥雞、臭豆腐、木瓜牛奶一次找。\n每週二、四、五、六、日營業。",
        ),
        "unrelated",
    ),
    (
        "insurer in the Finance category",
        L(
            "瑞豐產險",
            app_id="com.ruifenginsurance.mobile",
            developer="瑞豐產物保險股份有限公司",
            genre="財經",
            description="瑞豐產險行動服務：汽機車強制險投保、保單查詢、線上理賠申請與道路救援。",
        ),
        "unrelated",
    ),
    (
        "mountain lodge named after Mount Hua",
        L(
            "華岳山莊 訂房",
            app_id="tw.huayue.resort",
            genre="旅遊",
            store="app_store",
            description="華岳山莊座落於海拔八百公尺山區，擁有私人湯屋與景觀餐廳。\n線上訂房與接駁車時刻表。",
        ),
        "unrelated",
    ),
    (
        "English hotel name",
        L(
            "Huayue Resort & Spa",
            app_id="com.huayuehotel.booking",
            genre="Travel",
            description="Book rooms at the Huayue Resort: member rates, late check-out, airport shuttle.",
        ),
        "unrelated",
    ),
    (
        "official developer domain, unrelated name",
        L("行事曆", developer_email="it@huayue-sec.com.tw"),
        "unrelated",
    ),
]


@pytest.mark.parametrize(("family", "listing", "icon"), IMPOSTORS, ids=[c[0] for c in IMPOSTORS])
def test_impostors_are_flagged(family: str, listing: Listing, icon: str | None) -> None:
    verdict = judge_all(listing, brands(), icon_hash=icons()[icon] if icon else None)
    assert verdict.verdict in FLAGGED, f"{family}: {verdict}"
    assert verdict.score >= 30
    # Mitigating reasons (a business's own words) carry negative points; none is ever zero.
    assert verdict.reasons and all(r.zh and r.en and r.points != 0 for r in verdict.reasons)
    assert sum(r.points for r in verdict.reasons) >= verdict.score


@pytest.mark.parametrize(("family", "listing", "expected"), LEGITIMATE, ids=[c[0] for c in LEGITIMATE])
def test_legitimate_look_alikes_pass(family: str, listing: Listing, expected: str) -> None:
    verdict = judge_all(listing, brands(), icon_hash=icons()["other"])
    assert verdict.verdict == expected, f"{family}: {verdict}"
    assert verdict.reasons, "every verdict explains itself"


def test_table_is_large_and_two_sided() -> None:
    assert len(IMPOSTORS) >= 25 and len(LEGITIMATE) >= 15


def test_exact_copies_are_impersonation_not_merely_suspicious() -> None:
    for title in ("華岳證券", "华岳证券", "華岳証劵", "Huаyue Securities"):
        v = judge_all(L(title, developer="x"), brands())
        assert v.verdict == "impersonation", (title, v)


def test_official_name_on_other_account_is_not_a_pass() -> None:
    v = judge_all(L("華岳e把罩", developer="華岳綜合證券股份有限公司", developer_id="123"), brands())
    assert v.verdict == "impersonation"
    assert "official_developer_name_other_account" in {r.code for r in v.reasons}


def test_reasons_name_how_the_title_imitates() -> None:
    how = {}
    for title in ("華岳證券", "华岳证券", "華岳証券", "華悅證券"):
        m = name_match(title, brands()[0])
        assert m is not None
        how[title] = m.how
    assert how == {
        "華岳證券": "exact",
        "华岳证券": "simplified",
        "華岳証券": "lookalike",
        "華悅證券": "pinyin",
    }


def test_icon_hash_tolerates_reexports_but_not_other_pictures() -> None:
    i = icons()
    assert icon_distance(i["copy"], i["shifted"]) <= 12
    assert icon_distance(i["copy"], i["recolour"]) <= 12
    assert icon_distance(i["copy"], i["other"]) > 12
    with pytest.raises(ValueError):
        icon_hash(b"not an image")


def test_package_lookalikes() -> None:
    b = brands()[0]
    assert package_match("tw.com.huayuesec.trade", b) is None  # the official one itself
    assert package_match("tw.com.huayuesec.trade.pro", b) is not None
    assert package_match("com.huayue.zhengquan", b) is not None
    assert package_match("com.weather.app", b) is None


def test_normalization_folds() -> None:
    assert normalize_name("Ｈｕａｙｕｅ　證券") == normalize_name("huayue证券")
    assert normalize_name("華岳証劵") == normalize_name("華岳證券")
    assert normalize_name("Huаyue") == normalize_name("Huayue")  # Cyrillic а
    assert domain_of("Mail: X@Huayue-Sec.com.tw") == "huayue-sec.com.tw"
    assert domain_of("https://www.huayue-sec.com.tw/app?x=1") == "huayue-sec.com.tw"


def test_judge_single_brand_and_all_agree_on_official() -> None:
    official = L("華岳e把罩", app_id="tw.com.huayuesec.trade")
    assert judge(official, brands()[0]).verdict == "official"
    assert judge_all(official, brands()).brand == "huayue"
