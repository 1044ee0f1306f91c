"""A loopback fraud site for the tracer's tests and benchmark: a short link, a share page that forwards by
meta refresh, a page that forwards by script, and a download page offering every artifact kind, plus
store doubles (iTunes lookup, Play details) and a TestFlight join page. Also hostile routes."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests import iosbuild

ROOT = Path(__file__).resolve().parent
APKS = ROOT / "apks"
FIX = ROOT / "fixtures"
FAKE_TEAM = "Z9X8C7V6B5"
OFFICIAL_TEAM = "HY7Q2K9D3L"


@dataclass
class Route:
    status: int = 200
    body: bytes | Path | Callable[[], Iterator[bytes]] = b""
    headers: dict[str, str] = field(default_factory=dict)


class Site:
    """``with Site() as site: site.url("/s/abc")``; ``site.routes[path] = Route(...)``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    def url(self, path: str) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def __enter__(self) -> Site:
        site = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def handle(self) -> None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError):
                    super().handle()

            def do_GET(self) -> None:
                site.hits.append(self.path)
                parts = urlsplit(self.path)
                route = site.routes.get(self.path) or site.routes.get(parts.path)
                if route is None:
                    body = b"not found"
                    self.send_response(404)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_response(route.status)
                for k, v in route.headers.items():
                    self.send_header(k, v)
                if callable(route.body):
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for chunk in route.body():
                        self.wfile.write(chunk)
                    return
                if isinstance(route.body, Path):
                    size = route.body.stat().st_size
                    self.send_header("Content-Length", str(size))
                    self.end_headers()
                    with open(route.body, "rb") as f:
                        while chunk := f.read(1 << 20):
                            self.wfile.write(chunk)
                    return
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


def html(body: str, title: str = "", head: str = "") -> Route:
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body>{body}</body></html>"
    )
    return Route(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"})


def redirect(to: str, status: int = 302) -> Route:
    return Route(status, b"", {"Location": to})


def _itunes_lookup(app_id: str) -> bytes:
    data = json.loads((FIX / "app_store" / "search_huayue.json").read_text(encoding="utf-8"))
    results = [r for r in data["results"] if str(r.get("trackId")) == app_id]
    return json.dumps({"resultCount": len(results), "results": results}).encode()


def fraud_site(site: Site, tmp: Path, *, pad_ipa: int = 0) -> dict[str, Any]:
    """Install the fraud site's routes; returns what the tests compare against."""
    fake = iosbuild.Signer("iPhone Distribution: Shenzhen Hengda Trading (Z9X8C7V6B5)")
    ipa = iosbuild.signed_ipa(
        tmp / "huayue.ipa",
        fake,
        team_id=FAKE_TEAM,
        team_name="Shenzhen Hengda Trading Co., Ltd.",
        bundle_id="tw.com.huayuesec.trade",
        display_name="華岳e把罩",
        distribution="enterprise",
        pad=pad_ipa,
    )
    adhoc = iosbuild.signed_ipa(
        tmp / "vip.ipa",
        fake,
        team_id=FAKE_TEAM,
        team_name="Hengda",
        bundle_id="com.hy.vip",
        display_name="華岳VIP",
        distribution="ad_hoc",
    )
    profile = iosbuild.mobileconfig(
        label="華岳證券",
        url="https://huayue-vip.example/login",
        full_screen=True,
        removable=False,
        extra=("com.apple.security.root",),
        signer=fake,
    )
    r = site.routes
    r["/s/abc"] = redirect("/share?id=77")
    r["/share"] = html("<p>正在前往…</p>", "分享", "<meta http-equiv='refresh' content='0; url=/go'>")
    r["/go"] = html('<script>window.location.replace("/download");</script>', "載入中")
    items = [
        "<a href='/files/huayue.apk'>Android 下載</a>",
        "<a href='/get?os=android2'>備用下載</a>",
        "<a href='itms-services://?action=download-manifest&amp;url="
        f"{site.url('/ios/manifest.plist')}'>iPhone 安裝</a>",
        "<a href='/files/vip.ipa'>iOS 備用</a>",
        "<a href='https://testflight.apple.com/join/AbCd1234'>TestFlight 測試版</a>",
        "<a href='/profile/huayue.mobileconfig'>iOS 描述檔</a>",
        "<a href='https://play.google.com/store/apps/details?id=tw.com.huayuesec.trade'>Google Play</a>",
        "<a href='https://apps.apple.com/tw/app/id6739001122'>App Store</a>",
        "<img src='/qr.png' alt='掃碼下載'>",
    ]
    r["/download"] = html(
        "<h1>華岳證券 官方APP下載</h1><p>老師帶單，保證獲利，名額有限，立即加LINE：@hy888</p>"
        + "".join(items),
        "華岳證券｜官方APP下載",
    )
    r["/files/huayue.apk"] = Route(
        200, APKS / "repackaged.apk", {"Content-Type": "application/vnd.android.package-archive"}
    )
    r["/get"] = Route(
        200,
        APKS / "impostor.apk",
        {
            "Content-Type": "application/octet-stream",
            "Content-Disposition": 'attachment; filename="hy-pro.apk"',
        },
    )
    r["/ios/manifest.plist"] = Route(
        200,
        iosbuild.manifest(site.url("/ios/huayue.ipa"), "tw.com.huayuesec.trade", "華岳e把罩"),
        {"Content-Type": "application/xml"},
    )
    r["/ios/huayue.ipa"] = Route(200, ipa, {"Content-Type": "application/octet-stream"})
    r["/files/vip.ipa"] = Route(200, adhoc, {"Content-Type": "application/octet-stream"})
    r["/profile/huayue.mobileconfig"] = Route(
        200, profile, {"Content-Type": "application/x-apple-aspen-config"}
    )
    r["/qr.png"] = Route(200, iosbuild.qr_png(site.url("/dl/qr")), {"Content-Type": "image/png"})
    r["/dl/qr"] = Route(200, APKS / "impostor_pro.apk", {"Content-Type": "application/octet-stream"})
    r["/tf/join/AbCd1234"] = html(
        "<h1>Join the 華岳證券 VIP beta</h1><a>Accept</a>",
        "Join the 華岳證券 VIP beta - TestFlight - Apple",
        "<meta property='og:image' content='https://is1-ssl.mzstatic.com/i.png'>",
    )
    for app_id in ("6739001122", "1488123456"):
        r[f"/itunes/lookup?id={app_id}&country=tw&lang=zh_tw"] = Route(
            200, _itunes_lookup(app_id), {"Content-Type": "application/json"}
        )
    return {"ipa": ipa, "adhoc": adhoc, "profile": profile, "signer": fake}


def endless(chunk: bytes = b"<div>" * 1000, delay: float = 0.0) -> Callable[[], Iterator[bytes]]:
    def gen() -> Iterator[bytes]:
        while True:
            if delay:
                time.sleep(delay)
            yield chunk

    return gen
