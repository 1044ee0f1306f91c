"""One checked request at a time, for the tracer: the safe fetch's address checks and pinning, no automatic
redirects (the tracer records and follows each hop itself), a byte cap per response and a deadline shared by
the whole trace. Pages are read into memory (capped); artifacts are streamed to a file (capped).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import requests

from scanners.apk.fetch import (
    CHUNK,
    DEFAULT_TIMEOUT,
    FetchError,
    Resolver,
    _host_header,
    _pinned_url,
    _PinnedAdapter,
    _short,
    _Watchdog,
    address_problem,
    check_url,
    system_resolver,
)

__all__ = ["FetchError", "Fetcher", "Response"]

USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
PAGE_MAX = 2 * 1024 * 1024  # a download page is small; anything longer is cut (and said so)
FILE_MAX = 300 * 1024 * 1024  # artifacts: a 200 MB IPA must fit
SNIFF = 4096  # bytes of a body kept in memory when it is streamed to a file


@dataclass(frozen=True)
class Response:
    """One HTTP answer: status, headers (lower-case keys), and either the (capped) body or a file."""

    url: str
    status: int
    headers: dict[str, str]
    address: str
    body: bytes = b""  # page mode: the body (at most ``max_bytes``); file mode: its first SNIFF bytes
    truncated: bool = False  # the body was longer than the cap
    path: Path | None = None  # file mode: the whole body on disk (the caller removes it)
    size: int = 0
    sha256: str = ""
    error: str = ""  # a one-line reason when the body could not be read completely

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Fetcher:
    """A bounded, checked HTTP client for one trace. ``deadline`` (seconds) is shared by every request made
    through this object; ``requests_made`` and ``bytes_read`` count what the trace cost."""

    allow_private: bool = False
    allow_addresses: Collection[str] = ()
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    deadline: float = 120.0
    page_max: int = PAGE_MAX
    file_max: int = FILE_MAX
    max_total_bytes: int = 600 * 1024 * 1024
    resolver: Resolver = system_resolver
    clock: Callable[[], float] = time.monotonic
    verify: bool | str = True
    tmp_dir: Path | None = None
    user_agent: str = USER_AGENT
    requests_made: int = 0
    bytes_read: int = 0
    _started: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.verify is False:
            raise ValueError("TLS verification cannot be switched off for attacker-supplied links")

    def remaining(self) -> float:
        if self._started is None:
            self._started = self.clock()
        return self.deadline - (self.clock() - self._started)

    def get(self, url: str, *, to_file: bool | None = False, max_bytes: int | None = None) -> Response:
        """GET ``url`` once (redirects are returned, not followed). Raises FetchError for a refused or failed
        connection; a body cut by a cap or the deadline comes back with ``truncated``/``error`` set.

        ``to_file``: True streams the body to a file, False reads it into memory, None decides from the
        headers and the first bytes (a page stays in memory, a ZIP, CMS or binary plist goes to a file)."""
        if self.remaining() <= 0:
            raise FetchError(f"the trace took longer than {self.deadline:.0f} s")
        scheme, host, port = check_url(url)
        addrs = list(self.resolver(host, port))
        if not addrs:
            raise FetchError(f"cannot resolve {host}")
        if not self.allow_private:
            for addr in addrs:
                problem = None if addr in self.allow_addresses else address_problem(addr)
                if problem:
                    raise FetchError(
                        f"refused {host}: {problem} (links to internal addresses are not fetched)"
                    )
        addr = addrs[0]
        headers = {
            "User-Agent": self.user_agent,
            "Accept": "*/*",
            "Host": _host_header(host, scheme, port),
            "Accept-Encoding": "identity",  # the caps count what arrives: no decompression bombs
        }
        req = requests.Request("GET", _pinned_url(url, addr, port), headers=headers).prepare()
        self.requests_made += 1
        connect, read = self.timeout
        left = max(0.5, self.remaining())
        # the trace's deadline on every socket of this request, whatever the server's pace (slow headers too)
        watchdog = _Watchdog(left, self.clock)
        adapter = _PinnedAdapter(host, watchdog)
        try:
            try:
                resp = adapter.send(
                    req, stream=True, timeout=(min(connect, left), min(read, left)), verify=self.verify
                )
            except requests.exceptions.SSLError as exc:
                raise FetchError(f"TLS error with {host}: {_short(exc)}") from None
            except requests.exceptions.Timeout:
                raise FetchError(f"{host} did not answer in time") from None
            except requests.exceptions.RequestException as exc:
                raise FetchError(f"cannot connect to {host}: {_short(exc)}") from None
            with contextlib.closing(resp):
                hdrs = {k.lower(): v for k, v in resp.headers.items()}
                if resp.status_code in (301, 302, 303, 307, 308) or resp.status_code >= 400:
                    return Response(url, resp.status_code, hdrs, addr)
                return self._read(resp, url, hdrs, addr, max_bytes, to_file)
        finally:
            watchdog.cancel()
            adapter.close()

    def _read(
        self,
        resp: requests.Response,
        url: str,
        hdrs: dict[str, str],
        addr: str,
        max_bytes: int | None,
        to_file: bool | None,
    ) -> Response:
        digest = hashlib.sha256()
        size = 0
        head = bytearray()
        parts: list[bytes] = []
        truncated = False
        error = ""
        out = None
        name = ""
        pending = b""
        if to_file is None:
            ct = hdrs.get("content-type", "").split(";", 1)[0].strip().lower()
            attachment = "attachment" in hdrs.get("content-disposition", "").lower()
            textual = ct.startswith("text/") or ct in ("", "application/xhtml+xml", "application/json")
            to_file = attachment or not textual
            if not to_file:
                try:
                    pending = resp.raw.read1(CHUNK, decode_content=False)
                except Exception as exc:
                    raise FetchError(f"download interrupted: {_short(exc)}") from None
                to_file = _binary(pending)
        cap = max_bytes if max_bytes is not None else (self.file_max if to_file else self.page_max)
        cap = min(cap, max(0, self.max_total_bytes - self.bytes_read))
        if to_file:
            base = self.tmp_dir or Path(tempfile.gettempdir())
            base.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix="trace-", suffix=".download", dir=base)
            out = os.fdopen(fd, "wb")
        try:
            while True:
                if self.remaining() <= 0:
                    error = f"the trace took longer than {self.deadline:.0f} s"
                    truncated = True
                    break
                try:
                    chunk, pending = (
                        (pending, b"") if pending else (resp.raw.read1(CHUNK, decode_content=False), b"")
                    )
                except Exception as exc:  # read time-outs, protocol errors, the deadline's watchdog
                    error = (
                        f"the trace took longer than {self.deadline:.0f} s"
                        if self.remaining() <= 0
                        else f"download interrupted: {_short(exc)}"
                    )
                    truncated = True
                    break
                if not chunk:
                    if self.remaining() <= 0:  # the watchdog shut the socket: a cut body, not its end
                        error = f"the trace took longer than {self.deadline:.0f} s"
                        truncated = True
                    break
                if size + len(chunk) > cap:
                    chunk = chunk[: cap - size]
                    truncated = True
                size += len(chunk)
                self.bytes_read += len(chunk)
                digest.update(chunk)
                if len(head) < SNIFF:
                    head += chunk[: SNIFF - len(head)]
                if out is not None:
                    out.write(chunk)
                else:
                    parts.append(chunk)
                if truncated:
                    error = error or f"longer than the limit ({cap:,} bytes); the rest was not read"
                    break
        finally:
            if out is not None:
                out.close()
        return Response(
            url=url,
            status=resp.status_code,
            headers=hdrs,
            address=addr,
            body=bytes(head) if to_file else b"".join(parts),
            truncated=truncated,
            path=Path(name) if to_file else None,
            size=size,
            sha256=digest.hexdigest(),
            error=error,
        )


def _binary(first: bytes) -> bool:
    """The first bytes of a body served as text are a ZIP, a DER structure or a binary plist."""
    return first.startswith((b"PK\x03\x04", b"bplist", b"\x30\x80", b"\x30\x82", b"\x30\x83"))


def fetch_bytes(fetcher: Fetcher, url: str, *, max_bytes: int, max_redirects: int = 5) -> bytes:
    """The whole body of ``url`` (redirects followed, each hop checked); FetchError when it cannot be had
    completely (a list cut at the cap must not pass for the whole list)."""
    from urllib.parse import urljoin

    current = url
    for _ in range(max_redirects + 1):
        resp = fetcher.get(current, to_file=False, max_bytes=max_bytes)
        if resp.status in (301, 302, 303, 307, 308) and resp.location:
            current = urljoin(current, resp.location)
            continue
        if resp.status != 200:
            raise FetchError(f"HTTP {resp.status}")
        if resp.truncated or resp.error:
            raise FetchError(resp.error or f"longer than {max_bytes:,} bytes")
        return resp.body
    raise FetchError(f"more than {max_redirects} redirects")
