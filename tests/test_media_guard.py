"""Icons and screenshots go through the SSRF guard (the APK fetch path): a store CDN that redirects to
loopback gets nothing, and internal addresses are reached only when the guard allows them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from bot.core.media import MediaGuard, fetch_image, guard_for
from bot.core.settings import load_settings
from bot.record import screenshots
from bot.record.scan import fetch_icon

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _serve(host: str, routes: dict[str, tuple[int, dict[str, str], bytes]], seen: list[str]) -> Any:
    class H(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            status, headers, body = routes.get(self.path, (404, {}, b""))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: Any) -> None:
            return

    srv = ThreadingHTTPServer((host, 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture
def servers() -> Iterator[tuple[str, str, list[str]]]:
    """A "CDN" on 127.0.0.2 whose /redir points at an internal service on 127.0.0.1 (which records hits)."""
    inner_seen: list[str] = []
    inner = _serve("127.0.0.1", {"/secret.png": (200, {"Content-Type": "image/png"}, PNG)}, inner_seen)
    inner_url = f"http://127.0.0.1:{inner.server_address[1]}/secret.png"
    cdn = _serve(
        "127.0.0.2",
        {
            "/icon.png": (200, {"Content-Type": "image/png"}, PNG),
            "/redir": (302, {"Location": inner_url}, b""),
        },
        [],
    )
    try:
        yield f"http://127.0.0.2:{cdn.server_address[1]}", inner_url, inner_seen
    finally:
        for s in (cdn, inner):
            s.shutdown()
            s.server_close()


def test_redirect_to_loopback_is_refused(servers):
    cdn, inner_url, inner_seen = servers
    only_cdn = MediaGuard(allow_addresses=frozenset({"127.0.0.2"}))
    with requests.Session() as s:
        # The path works: the allowed CDN's own image arrives.
        assert fetch_image(s, f"{cdn}/icon.png", timeout=5, max_bytes=10_000, guard=only_cdn) == (
            PNG,
            "image/png",
        )
        # Its redirect to loopback is refused, for icons and screenshots alike; the inner service sees none.
        assert fetch_image(s, f"{cdn}/redir", timeout=5, max_bytes=10_000, guard=only_cdn) is None
        assert fetch_icon(s, f"{cdn}/redir", 5, only_cdn) is None
        assert screenshots.fetch_screenshots(s, [f"{cdn}/redir"], timeout=5, guard=only_cdn) == []
        # With no guard given, nothing internal at all.
        assert fetch_image(s, inner_url, timeout=5, max_bytes=10_000) is None
        assert fetch_icon(s, f"{cdn}/icon.png", 5) is None
    assert inner_seen == []
    # The explicit switch (tests, an operator's internal mirror) lets it through.
    with requests.Session() as s:
        got = fetch_image(
            s, f"{cdn}/redir", timeout=5, max_bytes=10_000, guard=MediaGuard(allow_private=True)
        )
    assert got == (PNG, "image/png") and inner_seen == ["/secret.png"]


def test_scan_guard_allows_only_the_configured_store_mirror():
    assert guard_for(load_settings({})).allow_addresses == frozenset()
    demo = load_settings(
        {"FAKEAPP_GOOGLE_PLAY_URL": "http://127.0.0.2:8080", "FAKEAPP_APP_STORE_URL": "http://[::1]:8081"}
    )
    assert guard_for(demo).allow_addresses == frozenset({"127.0.0.2", "::1"})
    assert not guard_for(demo).allow_private
