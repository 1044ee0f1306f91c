"""What a fetched page says and links to: title, visible text, links, images, a meta refresh and literal
script redirects. A streaming parser (no tree), so deep nesting costs nothing; the input is already capped."""

from __future__ import annotations

import contextlib
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

MAX_LINKS = 500
MAX_IMAGES = 50
MAX_TEXT = 100_000
APK_SUFFIXES = (".apk", ".xapk", ".apks", ".apkm")
DOWNLOAD_WORDS = ("下載", "下载", "安裝", "安装", "download", "install", "android", "ios", "iphone", "apk")

_SCRIPT_REDIRECTS = (
    re.compile(
        r"(?:window\.|document\.|top\.|self\.|parent\.)?location(?:\.href)?\s*=\s*([\"'])(.{1,2000}?)\1"
    ),
    re.compile(r"location\.(?:replace|assign)\(\s*([\"'])(.{1,2000}?)\1\s*\)"),
    re.compile(r"window\.open\(\s*([\"'])(.{1,2000}?)\1"),
)
_RAW_URLS = re.compile(
    r"(itms-services://[^\s\"'<>]{1,2000}|https?://(?:testflight\.apple\.com/join/|play\.google\.com/store/apps/"
    r"|apps\.apple\.com/|itunes\.apple\.com/)[^\s\"'<>]{1,500}|market://details\?[^\s\"'<>]{1,300})",
    re.IGNORECASE,
)
_REFRESH = re.compile(r"^\s*\d*(?:\.\d+)?\s*[;,]?\s*(?:url\s*=\s*)?(.*)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Link:
    """One link found on a page: its absolute URL, where it was found, its text and the download flag."""

    url: str  # absolute
    tag: str  # "a", "iframe", "script-redirect", "meta-refresh", "text", "qr", "form"…
    text: str = ""  # anchor text or alt
    download: bool = False  # the <a download> attribute


@dataclass
class PageFacts:
    """What a page says and links to: title, visible text, links, images and redirects."""

    title: str = ""
    text: str = ""  # visible text (capped)
    links: list[Link] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    refresh: str = ""  # meta refresh target (absolute)
    script_redirect: str = ""  # the first literal script redirect (absolute)
    og_image: str = ""


class _Parser(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.facts = PageFacts()
        self._in: list[str] = []
        self._title: list[str] = []
        self._text: list[str] = []
        self._text_len = 0
        self._script: list[str] = []
        self._anchor: Link | None = None
        self._anchor_text: list[str] = []

    def _abs(self, value: str) -> str:
        v = html.unescape(value).strip()
        if not v or v.startswith(("javascript:", "data:", "mailto:", "tel:", "#")):
            return ""
        try:
            return urljoin(self.base, v)[:4000]
        except ValueError:
            return ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag in ("script", "style", "title", "noscript"):
            self._in.append(tag)
        if tag == "base" and a.get("href"):
            self.base = self._abs(a["href"]) or self.base
        elif tag == "meta":
            if a.get("http-equiv", "").lower() == "refresh" and not self.facts.refresh:
                m = _REFRESH.match(a.get("content", ""))
                target = m.group(1).strip().strip("'\"") if m else ""
                if target:
                    self.facts.refresh = self._abs(target)
            if a.get("property", "").lower() == "og:image" and not self.facts.og_image:
                self.facts.og_image = self._abs(a.get("content", ""))
        elif tag == "a" and a.get("href"):
            url = self._abs(a["href"])
            if url:
                self._anchor = Link(url, "a", "", "download" in a)
                self._anchor_text = []
        elif tag in ("iframe", "frame", "embed") and a.get("src"):
            self._add(Link(self._abs(a["src"]), tag))
        elif tag == "form" and a.get("action"):
            self._add(Link(self._abs(a["action"]), "form"))
        elif tag == "img":
            src = self._abs(a.get("src", "") or a.get("data-src", ""))
            if src and len(self.facts.images) < MAX_IMAGES:
                self.facts.images.append(src)
        elif tag == "area" and a.get("href"):
            self._add(Link(self._abs(a["href"]), "a", a.get("alt", "")[:200]))
        for key in ("data-href", "data-url", "data-link"):
            if a.get(key):
                self._add(Link(self._abs(a[key]), "data"))

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()
            if tag == "script":
                self._scan_script("".join(self._script))
                self._script = []
        if tag == "a" and self._anchor is not None:
            a = self._anchor
            self._add(Link(a.url, "a", " ".join("".join(self._anchor_text).split())[:200], a.download))
            self._anchor = None

    def handle_data(self, data: str) -> None:
        where = self._in[-1] if self._in else ""
        if where == "title":
            self._title.append(data)
        elif where == "script":
            if sum(len(s) for s in self._script) < 500_000:
                self._script.append(data)
        elif where in ("style", "noscript"):
            return
        else:
            if self._text_len < MAX_TEXT:
                self._text.append(data)
                self._text_len += len(data)
            if self._anchor is not None:
                self._anchor_text.append(data)

    def _scan_script(self, code: str) -> None:
        for rx in _SCRIPT_REDIRECTS:
            for m in rx.finditer(code):
                url = self._abs(m.group(2))
                if url:
                    if not self.facts.script_redirect and rx is not _SCRIPT_REDIRECTS[2]:
                        self.facts.script_redirect = url
                    self._add(Link(url, "script-redirect"))

    def _add(self, link: Link) -> None:
        if link.url and len(self.facts.links) < MAX_LINKS:
            self.facts.links.append(link)

    def result(self) -> PageFacts:
        if self._anchor is not None:
            self._add(self._anchor)
        if self._script:
            self._scan_script("".join(self._script))
        self.facts.title = " ".join("".join(self._title).split())[:300]
        self.facts.text = " ".join(" ".join(self._text).split())[:MAX_TEXT]
        return self.facts


def extract(page: str, base: str) -> PageFacts:
    """Parse ``page`` (already capped) fetched from ``base``; never raises."""
    p = _Parser(base)
    # html.parser is lenient; anything it still raises is a broken page: keep what was read
    with contextlib.suppress(Exception):
        p.feed(page)
        p.close()
    facts = p.result()
    seen = {link.url for link in facts.links}
    for m in _RAW_URLS.finditer(page[:2_000_000]):
        url = html.unescape(m.group(1)).rstrip(").,;")
        if url not in seen and len(facts.links) < MAX_LINKS:
            seen.add(url)
            facts.links.append(Link(url, "text"))
    return facts


def classify(url: str) -> tuple[str, str] | None:
    """(kind, key) for a link to something a page distributes, or None. ``key`` is the app id, manifest URL,
    TestFlight code or the URL itself."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    path = unquote(parts.path).lower()
    if scheme == "itms-services":
        from scanners.ios.manifest import manifest_url

        m = manifest_url(url)
        return ("itms_manifest", m) if m else None
    if scheme == "market":
        ids = parse_qs(parts.query).get("id") or []
        return ("google_play", ids[0]) if ids else None
    if scheme not in ("http", "https"):
        return None
    if host == "play.google.com" and path.startswith("/store/apps/details"):
        ids = parse_qs(parts.query).get("id") or []
        return ("google_play", ids[0][:200]) if ids else None
    if host in ("apps.apple.com", "itunes.apple.com"):
        m2 = re.search(r"/id(\d{5,12})", path)
        return ("app_store", m2.group(1)) if m2 else None
    if host == "testflight.apple.com":
        from scanners.ios.testflight import testflight_code

        code = testflight_code(url)
        return ("testflight", code) if code else None
    if path.endswith(APK_SUFFIXES):
        return ("apk", url)
    if path.endswith(".ipa"):
        return ("ipa", url)
    if path.endswith(".mobileconfig"):
        return ("mobileconfig", url)
    return None


def looks_like_download(link: Link) -> bool:
    """A link worth probing: it may serve a file whose kind only its headers or bytes tell."""
    if link.download:
        return True
    hay = f"{link.text} {link.url}".lower()
    return any(w in hay for w in DOWNLOAD_WORDS)
