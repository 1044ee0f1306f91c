"""Reading Google Play web pages (search results, app details) into ``Listing`` objects.

Pure functions over page text: the ``AF_initDataCallback`` data blocks are found with google-play-scraper's
own ``Regex`` and read with its ``ElementSpecs`` where those are still right; the section marked WORKAROUNDS
below holds every place where we read the blocks ourselves because the library is wrong.
"""

from __future__ import annotations

import html
import json
import re
import ssl
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from scanners.listing import Listing

STORE = "google_play"
PLAY_URL = "https://play.google.com"  # listings always point at the real store, whatever base URL served them


class PageError(Exception):
    """The page is not in a layout we can read; ``reason`` says precisely what is missing or wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def details_url(app_id: str) -> str:
    """The public store page of an app."""
    return f"{PLAY_URL}/store/apps/details?id={app_id}"


# =====================================================================================================
# WORKAROUNDS for google-play-scraper 1.2.7 (PyPI, June 2024; unmaintained). Every deviation from the
# library lives in this section, each with its date and a test in tests/test_google_play_workarounds.py.
# Re-check them all when the library or the store changes.
# =====================================================================================================

# W1 (2026-11) TLS. ``google_play_scraper.utils.request`` runs, at import,
#   ssl._create_default_https_context = ssl._create_unverified_context
# which switches certificate checking off for every urllib call in the process. This is the only place
# in the project that imports the library (a test enforces it); we restore the default context around
# the import. We never use the library's network functions (our HTTP goes through PoliteClient).


def _import_library() -> tuple[Any, Any]:
    saved = ssl._create_default_https_context
    try:
        from google_play_scraper.constants.element import ElementSpecs
        from google_play_scraper.constants.regex import Regex
    finally:
        ssl._create_default_https_context = saved
    return ElementSpecs, Regex


ElementSpecs, Regex = _import_library()


# W2 (2026-11) Dict-keyed nodes. Google now emits some arrays in the sparse JSPB form: the array ends
# with an object whose keys are protobuf FIELD NUMBERS, i.e. array index + 1. Checked on the recorded
# pages: the featured card's detail array has 98 slots and ends with {"103": [], "112": [3, …, 1],
# "155": […]}, which are exactly slots 102, 111 and 154 of the dense 155-slot details array of
# ds:5[1][2]; ds:5[1] ends with {"12": [[package, 7]]} (slot 11), and the featured card ``top`` is
# [null, null, detail, {"12": [[package, 7]]}] — so the library's path top[11][0][0] finds nothing and
# it returns appId=None. The "40" list in those objects (the requested field mask) names 141 and 146:
# version (slot 140) and update time (slot 145), which can arrive dict-keyed too; ElementSpecs then
# falls back to "Varies with device" and None. We expand every such tail back into its slots before
# reading, after which the library's own paths are right again.


def expand_jspb(node: Any) -> Any:
    """A copy of ``node`` with every sparse JSPB tail object put back into its array slots."""
    if isinstance(node, dict):
        return {key: expand_jspb(value) for key, value in node.items()}
    if not isinstance(node, list):
        return node
    out = [expand_jspb(value) for value in node]
    tail = node[-1] if node else None
    if (
        isinstance(tail, dict)
        and tail
        and all(isinstance(k, str) and k.isdigit() and int(k) >= len(node) for k in tail)
    ):
        expanded_tail = out.pop()
        for key, value in expanded_tail.items():
            index = int(key) - 1
            if index >= len(out):
                out.extend([None] * (index + 1 - len(out)))
            out[index] = value
    return out


# W3 (2026-11) A search that finds nothing. The library reads ds:4[0][1][0][23][16] catching only
# IndexError, and crashes with TypeError on a real no-results page. A TypeError there (not KeyError:
# ds:4 is present; not IndexError: nothing is merely short) means ds:4 is a well-formed block whose
# section slot ds:4[0][1] (or ds:4[0]) is null. The recorded pages show what a page WITH results looks
# like: ds:4 = [[null, sections, null, [null, token], n, [token]], [token], null, []], each section a
# list carrying its cluster token at [3] and either a featured card at [23][16] or the result list at
# [22][0]. So, from these facts:
#   - genuine no results: ds:4 decodes to a list, and ds:4[0] is null, or ds:4[0][1] is null or [],
#     or every section's list [22][0] is empty and no section has a featured card;
#   - broken: no data blocks at all (not a Play page: error, consent or captcha page, non-HTML), no ds:4,
#     ds:4 not JSON, ds:4 or ds:4[0] or a section of another type, sections present but none carrying a
#     list or a card, or a result without a package name or title.
# A broken page raises PageError (the scan marks the store degraded); it never reads as "no results".
#
# W4 (2026-11) The library drops the last list result when a featured card is present (it takes
# min(len(list), n) items and subtracts the card). We read every item of every section ourselves.


def search_sections(ds4: Any) -> list[Any] | None:
    """The sections of a search block; None for a genuine no-results page; PageError when unreadable."""
    if not isinstance(ds4, list):
        raise PageError(f"ds:4 is a {type(ds4).__name__}, expected a list")
    if not ds4 or ds4[0] is None:
        return None
    head = ds4[0]
    if not isinstance(head, list):
        raise PageError(f"ds:4[0] is a {type(head).__name__}, expected a list")
    sections = head[1] if len(head) > 1 else None
    if sections is None or sections == []:
        return None
    if not isinstance(sections, list):
        raise PageError(f"ds:4[0][1] (sections) is a {type(sections).__name__}, expected a list")
    carrying = 0
    for i, section in enumerate(sections):
        if not isinstance(section, list):
            raise PageError(f"search section {i} is a {type(section).__name__}, expected a list")
        if _at(section, 23, 16) is not None or _at(section, 22, 0) is not None:
            carrying += 1
    if not carrying:
        raise PageError(f"none of the {len(sections)} search sections has a result list or a featured card")
    return sections


# W5 (2026-11) Developer id. The library splits the developer link at "id=": for an individual developer
# the link is /store/apps/developer?id=<Name>, so it returns the NAME (recorded: "Adex77"). The numeric
# id is always at ds:5[1][2][68][2] (and at [2][68][2] of the featured search card).


def developer_id(detail: Any) -> str:
    """The numeric developer id from a details array (``[68][2]``), or from a /dev?id= link, else ''."""
    value = _at(detail, 68, 2)
    if isinstance(value, str) and value.isdigit():
        return value
    link = _at(detail, 68, 1, 4, 2)
    if isinstance(link, str):
        m = re.search(r"/store/apps/dev\?id=(\d+)", link)
        if m:
            return m.group(1)
    return ""


# W6 (2026-11) Legal developer block. Not exposed by the library, and its ``developerAddress`` path
# [69][2][0] is always None. The block is ds:5[1][2][69][4] = [legal name, [e-mail], [address], phone];
# the phone is absent for some individuals (recorded: whereami has 3 items).


def legal_block(detail: Any) -> dict[str, str]:
    """``name``, ``email``, ``address``, ``phone`` of the legal developer block ('' when absent)."""
    block = _at(detail, 69, 4)

    def text(*path: int) -> str:
        value = _at(block, *path)
        return value.strip() if isinstance(value, str) else ""

    return {"name": text(0), "email": text(1, 0), "address": text(2, 0), "phone": text(3)}


# W7 (2026-11) Description text. The library's ``unescape_text`` only turns <br> into \r\n and keeps
# every other tag (<b>, <i>, <a …>) in the text, which would split the phrases the judge looks for.
# We turn <br> into \n, drop the remaining tags and then unescape entities (in that order, so an
# escaped "&lt;b&gt;" written by the developer stays as text).

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")


def html_to_text(value: Any) -> str:
    """Store description HTML as plain text."""
    if not isinstance(value, str):
        return ""
    return html.unescape(_TAG.sub("", _BR.sub("\n", value))).strip()


# ===================================== end of WORKAROUNDS ============================================


def _at(node: Any, *path: int) -> Any:
    """``node[p0][p1]…`` or None when any step is missing or not a list."""
    for index in path:
        if not isinstance(node, list) or not -len(node) <= index < len(node):
            return None
        node = node[index]
    return node


def _spec(spec: Any, source: Any) -> Any:
    """Run one of the library's ElementSpecs (it swallows lookup errors and returns its fallback)."""
    return spec.extract_content(source)


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _rating(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _screenshots(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str) and v)


def data_blocks(text: str) -> dict[str, str]:
    """The raw JSON text of each ``AF_initDataCallback`` block by key (``ds:4`` …); PageError if none."""
    blocks: dict[str, str] = {}
    for match in Regex.SCRIPT.findall(text):
        key = Regex.KEY.findall(match)
        value = Regex.VALUE.findall(match)
        if key and value:
            blocks[key[0]] = value[0]
    if not blocks:
        if "AF_initDataCallback" in text:
            raise PageError("AF_initDataCallback blocks are present but none in the known form")
        if "unusual traffic" in text or "/sorry/" in text:
            raise PageError("Google answered with its unusual-traffic (captcha) page")
        start = " ".join(text[:60].split())
        raise PageError(f"no AF_initDataCallback data blocks: not a Google Play page (starts {start!r})")
    return blocks


def decode_block(blocks: Mapping[str, str], key: str) -> Any:
    """One block's data, JSON-decoded; PageError when it is missing or not JSON."""
    if key not in blocks:
        have = ", ".join(sorted(blocks, key=lambda k: (len(k), k)))
        raise PageError(f"no {key} data block (page has {have})")
    try:
        return json.loads(blocks[key])
    except json.JSONDecodeError as exc:
        raise PageError(f"{key} data block is not valid JSON ({exc.msg} at char {exc.pos})") from None


def parse_search_page(text: str) -> list[Listing]:
    """The listings of a search page (featured card first), partial; [] for a genuine no-results page."""
    ds4 = decode_block(data_blocks(text), "ds:4")
    sections = search_sections(ds4)
    if sections is None:
        return []
    found: list[Listing] = []
    seen: set[str] = set()
    for s, section in enumerate(sections):
        card = _at(section, 23, 16)
        if card is not None:
            listing = _featured(expand_jspb(card), where=f"section {s} featured card")
            if listing.app_id not in seen:
                seen.add(listing.app_id)
                found.append(listing)
        items = _at(section, 22, 0)
        if items is None:
            continue
        if not isinstance(items, list):
            raise PageError(f"section {s} result list is a {type(items).__name__}, expected a list")
        for i, item in enumerate(items):
            listing = _list_item(expand_jspb(item), where=f"section {s} result {i}")
            if listing.app_id not in seen:
                seen.add(listing.app_id)
                found.append(listing)
    return found


def _featured(top: Any, *, where: str) -> Listing:
    specs = ElementSpecs.SearchResultOnTop
    app_id = _spec(specs["appId"], top)  # right again after W2's expansion: top[11][0][0]
    title = _spec(specs["title"], top)
    if not isinstance(app_id, str) or not app_id:
        raise PageError(f"{where}: no package name at [3]['12'][0][0]")
    if not isinstance(title, str):
        raise PageError(f"{where}: no title at [2][0][0]")
    return Listing(
        store=STORE,
        app_id=app_id,
        title=title.strip(),
        developer=_str(_spec(specs["developer"], top)),
        developer_id=developer_id(_at(top, 2)),
        description=html_to_text(_spec(specs["descriptionHTML"], top)),
        icon=_str(_spec(specs["icon"], top)),
        url=details_url(app_id),
        installs=_str(_spec(specs["installs"], top)),
        rating=_rating(_spec(specs["score"], top)),
        genre=_str(_spec(specs["genre"], top)),
        screenshots=_screenshots(_spec(specs["screenshots"], top)),
        partial=True,
    )


def _list_item(item: Any, *, where: str) -> Listing:
    specs = ElementSpecs.SearchResult
    app_id = _spec(specs["appId"], item)
    title = _spec(specs["title"], item)
    if not isinstance(app_id, str) or not app_id:
        raise PageError(f"{where}: no package name at [0][0][0]")
    if not isinstance(title, str):
        raise PageError(f"{where}: no title at [0][3]")
    return Listing(
        store=STORE,
        app_id=app_id,
        title=title.strip(),
        developer=_str(_spec(specs["developer"], item)),
        description=html_to_text(_spec(specs["descriptionHTML"], item)),
        icon=_str(_spec(specs["icon"], item)),
        url=details_url(app_id),
        installs=_str(_spec(specs["installs"], item)),
        rating=_rating(_spec(specs["score"], item)),
        genre=_str(_spec(specs["genre"], item)),
        screenshots=_screenshots(_spec(specs["screenshots"], item)),
        partial=True,
    )


# The store shows the update day in the viewer's time zone; ours is Taiwan (UTC+8 all year, no DST).
# Recorded: minecraft's 1782338684 is 24 June 22:04 UTC, and the page says "Jun 25, 2026".
TAIWAN = timezone(timedelta(hours=8), "Asia/Taipei")


def _updated(detail: Any) -> str:
    seconds = _at(detail, 145, 0, 1, 0)
    if isinstance(seconds, int) and not isinstance(seconds, bool) and seconds > 0:
        return datetime.fromtimestamp(seconds, TAIWAN).date().isoformat()
    return _str(_at(detail, 145, 0, 0))


def parse_details_page(text: str, app_id: str) -> Listing:
    """The full listing of an app's details page (``raw`` = the page); PageError when unreadable."""
    ds5 = expand_jspb(decode_block(data_blocks(text), "ds:5"))
    detail = _at(ds5, 1, 2)
    if not isinstance(detail, list):
        raise PageError("ds:5[1][2] (the app details) is missing or not a list")
    source = {"ds:5": ds5}
    specs = ElementSpecs.Detail
    title = _spec(specs["title"], source)
    if not isinstance(title, str) or not title.strip():
        raise PageError("no app title at ds:5[1][2][0][0]")
    package = _at(ds5, 1, 11, 0, 0) or _at(detail, 77, 0)
    if isinstance(package, str) and package != app_id:
        raise PageError(f"the details page is for {package!r}, not {app_id!r}")
    legal = legal_block(detail)
    version = _at(detail, 140, 0, 0, 0)
    return Listing(
        store=STORE,
        app_id=app_id,
        title=title.strip(),
        developer=_str(_spec(specs["developer"], source)),
        developer_id=developer_id(detail),
        developer_email=_str(_spec(specs["developerEmail"], source)) or legal["email"],
        developer_website=_str(_spec(specs["developerWebsite"], source)),
        developer_legal_name=legal["name"],
        developer_address=legal["address"],
        developer_phone=legal["phone"],
        description=html_to_text(_spec(specs["descriptionHTML"], source)),
        icon=_str(_spec(specs["icon"], source)),
        url=details_url(app_id),
        version=version.strip() if isinstance(version, str) else "",
        updated=_updated(detail),
        installs=_str(_spec(specs["installs"], source)),
        rating=_rating(_spec(specs["score"], source)),
        genre=_str(_spec(specs["genre"], source)),
        screenshots=_screenshots(_spec(specs["screenshots"], source)),
        partial=False,
        raw=text,
    )


def details_legal(text: str) -> dict[str, str]:
    """The legal developer block of a details page (its e-mail has no ``Listing`` field of its own)."""
    ds5 = expand_jspb(decode_block(data_blocks(text), "ds:5"))
    return legal_block(_at(ds5, 1, 2))
