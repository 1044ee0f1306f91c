"""A store double: a real HTTP server on loopback that answers as the stores do.

Used by the offline demo (serving the bundled snapshot), the tests (faults on demand) and the benchmarks
(added latency). The handler decides what each request gets; ``inject`` queues faults in front of it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Request:
    """One request as the store double received it."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Reply:
    """What the store double answers: status, body, content type, headers, and an optional delay."""

    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a hang, for time-out tests)

    def payload(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


Handler = Callable[[Request], Reply]


def not_found(_: Request) -> Reply:
    """The default handler: 404 for every request."""
    return Reply(404, "Not Found", "text/plain; charset=utf-8")


class StoreDouble:
    """``with StoreDouble(handler) as double: requests.get(double.base_url + "/store/search?q=x")``."""

    def __init__(
        self, handler: Handler = not_found, *, latency: float = 0.0, host: str = "127.0.0.1"
    ) -> None:
        self.handler = handler
        self.latency = latency
        self.requests: list[Request] = []
        self._faults: list[tuple[str, Reply]] = []
        self._lock = threading.Lock()
        self._host = host
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("server not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def inject(self, path_prefix: str, *replies: Reply) -> None:
        """The next requests whose path starts with ``path_prefix`` get these replies, in order."""
        with self._lock:
            self._faults.extend((path_prefix, r) for r in replies)

    def count(self, path_prefix: str = "/") -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path.startswith(path_prefix))

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            for i, (prefix, reply) in enumerate(self._faults):
                if request.path.startswith(prefix):
                    del self._faults[i]
                    return reply
        return self.handler(request)

    def start(self) -> StoreDouble:
        double = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, delayed ACK holds the second ~40 ms.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                    body=body,
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                try:
                    reply = double._answer(request)
                except Exception as exc:  # a broken handler is a 500, as a broken store would be
                    reply = Reply(500, f"handler error: {type(exc).__name__}", "text/plain")
                wait = double.latency + reply.delay
                if wait:
                    time.sleep(wait)
                payload = reply.payload()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (time-out tests)

            do_GET = _serve
            do_POST = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer((self._host, 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="store-double",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> StoreDouble:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
