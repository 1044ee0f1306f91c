"""Google Play web pages (search results, app details, no results) rendered from ``Listing`` objects.

The offline demo snapshot and the tests use these. The data blocks have the same nesting and indexes as
the real recorded pages in ../shared/fixtures/google-play (July 2026); only the slots the scanners and the
library read are filled, so a page is a few KB. Output is deterministic: same listings, same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote, quote_plus

from bot.core.clock import TW
from bot.core.textsafe import escape_as_served
from scanners.listing import Listing

NONCE = "fakeappdemo"
# The field mask Google sends in ds:5[1]["40"] (recorded); it names 141 and 146, version and update time.
_MASK = (
    "1 10 11 13 14 19 20 49 52 69 70 73 74 75 78 79 91 92 95 96 97 100 101 106 112 137 141 146 149 169 183"
)
FIELD_MASK = [int(n) for n in (_MASK + " 193 38 103 9 43 80 145 119 151 58 59 155 187 63").split(" ")]
GENRE_IDS = {"財經": "FINANCE", "商業": "BUSINESS", "新聞與雜誌": "NEWS_AND_MAGAZINES", "工具": "TOOLS"}
UI = {
    "zh-TW": {
        "search_title": "{q} - Google Play 上的 Android 應用程式",
        "details_title": "{t} - Google Play 應用程式",
        "no_results": "找不到與「{q}」相關的結果",
        "install": "安裝",
        "buy": "購買",
        "rating": "適合所有人",
    },
    "en": {
        "search_title": "{q} - Android Apps on Google Play",
        "details_title": "{t} - Apps on Google Play",
        "no_results": "No results for “{q}”",
        "install": "Install",
        "buy": "Buy",
        "rating": "Everyone",
    },
}


def _ui(language: str) -> dict[str, str]:
    return UI.get(language, UI["en"] if language.lower().startswith("en") else UI["zh-TW"])


def _sized(size: int, slots: dict[int, Any], *, sparse_from: int | None = None) -> list[Any]:
    """An array of ``size`` slots; with ``sparse_from``, later slots go into a JSPB tail object."""
    out: list[Any] = [None] * size
    for index, value in slots.items():
        out[index] = value
    if sparse_from is None:
        return out
    head = out[:sparse_from]
    tail = {str(i + 1): v for i, v in enumerate(out) if i >= sparse_from and v is not None}
    # The tail object takes the last slot of the dense part, as on the real pages.
    while head and head[-1] is None:
        head.pop()
    return [*head, tail] if tail else head


def _image(url: str, width: int, height: int) -> list[Any]:
    return [None, 2, [width, height], [None, None, url]]


def _icon(url: str) -> list[Any]:
    return [*_image(url, 512, 512), None, [24, 94, 160, 255], None, None, None, 2]


def _description_html(text: str) -> str:
    # The store carries descriptions as HTML: entities as Google writes them, line breaks as <br>.
    escaped = escape_as_served(text.replace("\r\n", "\n")).replace("&#x27;", "&#39;")
    return escaped.replace("\n", "<br>")


def _summary(text: str) -> str:
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= 80 else first[:79] + "…"


def _price(app_id: str, ui: dict[str, str]) -> list[Any]:
    link = f"https://play.google.com/store/apps/details?id={app_id}&rdid={app_id}&feature=md&offerId"
    offer: list[Any] = [
        None,
        [[0, "TWD", ""]],
        None,
        [None, ui["buy"]],
        None,
        1,
        [None] * 5 + [[None, None, link]],
    ]
    offer += [None, ["CAE="], None, None, None, None, None, None, None, []]
    return offer


def _installs(text: str) -> list[Any]:
    digits = re.sub(r"\D", "", text)
    count = int(digits) if digits and len(digits) < 16 else 0
    return [text, count, count, text]


def _rating(value: float | None) -> list[Any] | None:
    if value is None:
        return None
    zero = ["0", 0]
    return [[f"{value:.1f}", value], [None, zero, zero, zero, zero, zero], zero, zero, None, [None, []]]


def _developer_link(listing: Listing) -> str:
    if listing.developer_id.isdigit():
        return f"/store/apps/dev?id={listing.developer_id}"
    return f"/store/apps/developer?id={quote_plus(listing.developer)}"


def _updated(value: str, language: str) -> list[Any] | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return [[value, None]]
    seconds = int(datetime.combine(day, time(12), TW).timestamp())
    text = (
        f"{day.year}年{day.month}月{day.day}日"
        if language.startswith("zh")
        else f"{day:%b} {day.day}, {day.year}"
    )
    return [[text, [seconds, 0]]]


def _version(version: str) -> list[Any]:
    # "Varies with device" is no string at all on the real pages (recorded: translate).
    return [[version]] if version else [None, []]


def _genre(listing: Listing) -> list[Any] | None:
    if not listing.genre:
        return None
    gid = GENRE_IDS.get(listing.genre, "APPLICATION")
    return [[[listing.genre, [None, None, None, None, [None, None, f"/store/apps/category/{gid}"]], gid]]]


def _detail_slots(listing: Listing, ui: dict[str, str]) -> dict[int, Any]:
    """The slots of a details array that the featured card and the details page share."""
    slots: dict[int, Any] = {
        0: [listing.title],
        13: _installs(listing.installs) if listing.installs else None,
        51: _rating(listing.rating),
        57: [[[[_price(listing.app_id, ui)], [ui["install"]], None, ["CgYKBENBRT0="]]]],
        68: [
            listing.developer,
            [None, None, None, None, [None, None, _developer_link(listing)]],
            *([listing.developer_id] if listing.developer_id else []),
        ],
        72: [[None, _description_html(listing.description)]] if listing.description else None,
        73: [[None, _description_html(_summary(listing.description))]] if listing.description else None,
        78: [[_image(url, 1080, 1920) for url in listing.screenshots]] if listing.screenshots else None,
        79: _genre(listing),
        95: [_icon(listing.icon), 2] if listing.icon else None,
    }
    return slots


def _json(data: Any) -> str:
    # Google escapes these four inside the data JSON (\u003c …), so no "</script>" can end a block early.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char in "<>&=":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _block(key: str, data: Any, hash_: str) -> str:
    return (
        f"<script class=\"{key}\" nonce=\"{NONCE}\">AF_initDataCallback({{key: '{key}', hash: '{hash_}', "
        f"data:{_json(data)}, sideChannel: {{}}}});</script>"
    )


def _page(title: str, body: str, blocks: Sequence[str], language: str) -> str:
    return (
        f'<!doctype html><html lang="{escape_as_served(language)}" dir="ltr"><head>'
        '<base href="https://play.google.com/"><meta name="referrer" content="origin">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title id="main-title">{escape_as_served(title)}</title></head><body>{body}'
        + "".join(blocks)
        + "</body></html>\n"
    )


def _common_blocks() -> list[str]:
    nav = [
        [
            [11, [None, None, None, None, [None, None, "/store/games"]], "遊戲"],
            [1, [None, None, None, None, [None, None, "/store/apps"]], "應用程式"],
        ]
    ]
    return [_block("ds:0", nav, "1"), _block("ds:2", [1], "2")]


def _search_item(listing: Listing, ui: dict[str, str]) -> list[Any]:
    core = _sized(
        31,
        {
            0: [listing.app_id, 7],
            1: _icon(listing.icon) if listing.icon else None,
            2: [_image(url, 1080, 1920) for url in listing.screenshots] or None,
            3: listing.title,
            4: [f"{listing.rating:.1f}", listing.rating] if listing.rating is not None else None,
            5: listing.genre or None,
            8: _price(listing.app_id, ui),
            9: [],
            10: [None, None, None, None, [None, None, f"/store/apps/details?id={listing.app_id}"]],
            11: ["qgJdGlsIAEo="],
            13: [None, _description_html(listing.description)] if listing.description else None,
            14: listing.developer,
            15: listing.installs or None,
            26: [2],
            28: [1, 1, 0],
            # The recorded list items end with a JSPB tail object holding field 101 (a header image).
            30: {"101": [None, [_image(listing.icon, 500, 1024)]]} if listing.icon else None,
        },
    )
    if core[-1] is None:
        core.pop()
    return [core]


def _featured_section(listing: Listing, ui: dict[str, str]) -> list[Any]:
    # The recorded featured card's detail array has 98 slots and ends with a tail object (fields 103+).
    detail = _sized(
        98, {**_detail_slots(listing, ui), 97: {"103": [], "112": [3, None, None, None, None, None, 1]}}
    )
    top = [None, None, detail, {"12": [[listing.app_id, 7]], "40": [FIELD_MASK[:8]]}]
    link = [
        [[None, None, None, None, [None, None, f"/store/apps/details?id={listing.app_id}"]], ["qgJLGkkIA"]]
    ]
    card = _sized(18, {16: top, 17: link})
    return _sized(24, {3: ["qgJJEkcQAIoCQgo6Cj"], 23: card})


def _search_block(sections: list[Any] | None) -> list[Any]:
    cursor = "EAIaLAgCENfG8eMJ"  # an opaque continuation value, as on the real pages
    return [[None, sections, None, [None, cursor], 0, ["qgJmCmQKBlNUUkVB"]], ["CAESGQgGEANaEwiG"], None, []]


def render_search_page(
    results: Sequence[Listing],
    *,
    featured: Listing | None = None,
    language: str = "zh-TW",
    query: str = "",
) -> str:
    """A search results page: an optional featured card, then the result list (as /store/search)."""
    ui = _ui(language)
    sections: list[Any] = []
    if featured is not None:
        sections.append(_featured_section(featured, ui))
    if results:
        first = 1 if featured is not None else 0
        cluster = f"search_results_cluster_apps_range_{first}_{first + len(results)}"
        items = [_search_item(listing, ui) for listing in results]
        sections.append(
            _sized(23, {3: ["qgI1EjMQAJIC", [[cluster, 2], None, None, first]], 22: [items, [""]]})
        )
    title = ui["search_title"].format(q=query or "Google Play")
    body = f'<h1 class="search-query">{escape_as_served(query)}</h1>' if query else ""
    blocks = [*_common_blocks(), _block("ds:4", _search_block(sections or None), "7")]
    return _page(title, body, blocks, language)


def render_no_results_page(*, language: str = "zh-TW", query: str = "") -> str:
    """A search page that found nothing: ds:4 is there and well formed, its section slot is null."""
    ui = _ui(language)
    title = ui["search_title"].format(q=query or "Google Play")
    body = f"<p>{escape_as_served(ui['no_results'].format(q=query))}</p>"
    return _page(title, body, [*_common_blocks(), _block("ds:4", _search_block(None), "7")], language)


def render_details_page(listing: Listing, *, language: str = "zh-TW", sparse_from: int | None = None) -> str:
    """An app's details page (as /store/apps/details); ``sparse_from`` emits later fields dict-keyed."""
    ui = _ui(language)
    slots = _detail_slots(listing, ui)
    support: list[Any] = [
        [None] * 5 + [[None, None, listing.developer_website]] if listing.developer_website else None,
        [listing.developer_email] if listing.developer_email else None,
        None,
        None,
    ]
    if listing.developer_legal_name or listing.developer_address:
        legal: list[Any] = [
            listing.developer_legal_name,
            [listing.developer_email] if listing.developer_email else [],
            [listing.developer_address] if listing.developer_address else [],
        ]
        if listing.developer_phone:
            legal.append(listing.developer_phone)
        support.append(legal)
    slots.update(
        {
            8: [0, 1, [0]],
            9: [ui["rating"], _image("https://play-lh.googleusercontent.com/rating", 512, 512)],
            18: [2],
            42: [1, 1, 0],
            69: support,
            77: [listing.app_id],
            96: [_image(listing.icon, 500, 1024)] if listing.icon else None,
            111: [3, None, None, None, None, None, 1],
            140: [_version(listing.version), [[[35]], [[[26, "8.0"]]]]],
            145: _updated(listing.updated, language),
            154: [None, [None, None, 5]],
        }
    )
    detail = _sized(155, slots, sparse_from=sparse_from)
    ds5: list[Any] = [
        [[[]]],
        [None, None, detail, {"12": [[listing.app_id, 7]], "40": [FIELD_MASK]}],
        [[129], [139]],
    ]
    canonical = f"/store/apps/details?id={quote(listing.app_id, safe='.')}"
    ds3 = [[1, canonical, None, [["x-default", canonical]]]]
    body = (
        f'<h1 itemprop="name"><span>{escape_as_served(listing.title)}</span></h1>'
        f'<div class="developer"><a href="{escape_as_served(_developer_link(listing))}">'
        f"{escape_as_served(listing.developer)}</a></div>"
        f'<div data-g-id="description">{_description_html(listing.description)}</div>'
    )
    blocks = [*_common_blocks(), _block("ds:3", ds3, "3"), _block("ds:4", [], "4"), _block("ds:5", ds5, "11")]
    return _page(ui["details_title"].format(t=listing.title), body, blocks, language)
