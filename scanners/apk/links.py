"""Checking a link before anything is fetched: the scheme, the address, the port, in one line naming what is
wrong. No network and no HTTP stack here (the CLI checks a link without paying for ``requests``)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit


class FetchError(Exception):
    """The link cannot be fetched safely; the message is one line for the user."""


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_HOST_CHARS = re.compile(r"[A-Za-z0-9.-]+")


def looks_like_link(text: str) -> bool:
    """True for text that starts with a URL scheme and ``//`` (any scheme): it is a link, never a path."""
    m = _SCHEME.match(text.strip())
    return m is not None and text.strip()[m.end() : m.end() + 2] == "//"


def without_userinfo(url: str) -> str:
    """``url`` with any ``user:password@`` removed, by text alone (works on links that do not parse)."""
    text = url.strip()
    m = _SCHEME.match(text)
    if m is None or text[m.end() : m.end() + 2] != "//":
        return text
    rest = text[m.end() + 2 :]
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    netloc = rest[:cut]
    if "@" not in netloc:
        return text
    return text[: m.end() + 2] + netloc.rpartition("@")[2] + rest[cut:]


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable URL, or FetchError naming what is wrong in one line."""
    text = url.strip()
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F or 0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise FetchError("not a valid URL: it contains spaces or control characters")
    m = _SCHEME.match(text)
    scheme = m.group(1).lower() if m else ""
    if scheme not in ("http", "https"):
        what = f"unsupported scheme {scheme!r}" if scheme else "not a link"
        raise FetchError(f"{what}: only http and https links are fetched")
    if m is None or text[m.end() : m.end() + 2] != "//":
        raise FetchError("not a valid URL: expected // after the scheme")
    try:
        parts = urlsplit(text)
    except ValueError:
        raise FetchError("bad address: an IPv6 address must be closed by ] before the port") from None
    hostport = parts.netloc.rpartition("@")[2]
    if hostport.startswith("["):
        inside, _, after = hostport[1:].partition("]")
        try:
            ipaddress.IPv6Address(inside.split("%", 1)[0])
        except ValueError:
            raise FetchError(f"bad address: [{inside}] is not an IPv6 address") from None
        host = inside.split("%", 1)[0]
        if after and not after.startswith(":"):
            raise FetchError("bad address: unexpected text after the IPv6 address")
        port_text = after[1:]
    else:
        if hostport.count(":") > 1:
            raise FetchError("bad address: an IPv6 address must be written in brackets, [like::this]")
        host, _, port_text = hostport.partition(":")
        if host:
            try:
                ascii_host = host.encode("idna").decode("ascii")
            except UnicodeError:
                raise FetchError(f"bad host name: {host!r}") from None
            if not _HOST_CHARS.fullmatch(ascii_host) or ".." in ascii_host:
                raise FetchError(f"bad host name: {host!r}")
    if not host:
        raise FetchError("the link has no host")
    # an empty port ("host:/") means the default, as in browsers
    if port_text and (not port_text.isascii() or not port_text.isdigit() or not 1 <= int(port_text) <= 65535):
        raise FetchError(f"bad port {port_text[:20]!r}: a port is a number from 1 to 65535")
    port = int(port_text) if port_text else (443 if scheme == "https" else 80)
    return scheme, host.lower(), port
