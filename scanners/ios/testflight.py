"""TestFlight public links (``https://testflight.apple.com/join/<code>``) and their join page: the app's
name from "Join the <App> beta", the og:image icon, and whether the beta is full or closed."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

_CODE = re.compile(r"^/join/([A-Za-z0-9]{4,20})/?$")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_JOIN = re.compile(r"Join the (.+?) beta", re.IGNORECASE | re.DOTALL)
_OG_IMAGE = re.compile(
    r"<meta[^>]+property=[\"']og:image[\"'][^>]+content=[\"']([^\"']+)[\"']", re.IGNORECASE
)
STATES = (
    ("This beta is full", "full"),
    ("isn't accepting any new testers", "closed"),
    ("is not accepting any new testers", "closed"),
)


@dataclass(frozen=True)
class TestFlightPage:
    """A TestFlight invitation: its code, the app's name, the page title, its state and the icon."""

    __test__ = False  # not a pytest class, whatever its name
    code: str
    app_name: str
    title: str
    state: str  # "open", "full", "closed" or "" when the page was not read
    icon_url: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def testflight_code(url: str) -> str:
    """The invitation code of a TestFlight join link ('' when ``url`` is not one)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if (parts.hostname or "").lower() != "testflight.apple.com":
        return ""
    m = _CODE.match(parts.path)
    return m.group(1) if m else ""


def parse_join_page(code: str, page: str) -> TestFlightPage:
    """What the join page says; never raises."""
    t = _TITLE.search(page)
    title = html.unescape(t.group(1)).strip()[:200] if t else ""
    m = _JOIN.search(title) or _JOIN.search(page[:200_000])
    name = re.sub(r"<[^>]+>", "", html.unescape(m.group(1))).strip()[:200] if m else ""
    state = "open"
    for needle, st in STATES:
        if needle.lower() in page.lower().replace("\u2019", "'"):
            state = st
            break
    og = _OG_IMAGE.search(page)
    return TestFlightPage(code, name, title, state, html.unescape(og.group(1))[:2000] if og else "")
