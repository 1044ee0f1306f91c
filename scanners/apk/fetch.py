"""Safe download of an attacker's APK link (a server-side fetch): http(s) only, time-outs, a size cap,
streamed to disk, redirects followed by hand with every hop checked, and no connection to loopback, private,
link-local, multicast, reserved or cloud-metadata addresses unless ``allow_private`` is set.

Pinning: each hop's host name is resolved once here, every address is checked, and the connection is made to
the checked address (the URL's host is replaced by the IP; the Host header, TLS SNI and certificate check keep
the real name through urllib3's ``server_hostname``/``assert_hostname``), so DNS rebinding between the check
and the connection cannot redirect the request. The connection goes through a per-hop adapter and never
through a proxy from the environment (a proxy would connect elsewhere). The passed-in session supplies the
headers (User-Agent) only.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from scanners.apk.links import FetchError, check_url

__all__ = ["FetchError", "FetchResult", "address_problem", "check_url", "fetch_to_file"]

DEFAULT_MAX_SIZE = 200 * 1024 * 1024
DEFAULT_TIMEOUT = (5.0, 20.0)  # connect, read (between bytes)
DEFAULT_DEADLINE = 120.0  # the whole download, whatever the server's pace
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
POLL = 0.05  # how often the deadline watchdog looks at the clock (s)
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# cloud metadata endpoints (AWS/GCP/Azure IPv4, AWS IPv6); also covered by the link-local/private checks
METADATA = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})

Resolver = Callable[[str, int], Sequence[str]]


@dataclass(frozen=True)
class FetchResult:
    """A downloaded file: the final URL, where it is on disk, size, hash, type, redirects and source IP."""

    url: str  # the final URL after redirects
    path: Path
    size: int
    sha256: str
    content_type: str
    redirects: tuple[str, ...]  # every URL visited before the final one
    address: str  # the IP the file came from


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, each once; FetchError when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from None
    out: list[str] = []
    for info in infos:
        addr = str(info[4][0]).split("%", 1)[0]
        if addr not in out:
            out.append(addr)
    return out


def address_problem(addr: str) -> str | None:
    """Why connecting to ``addr`` is refused, or None if it is a public unicast address."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(addr)
    except ValueError:
        return f"{addr} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    if ip in METADATA:
        return f"{addr} is a cloud metadata address"
    for attr, what in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
    ):
        if getattr(ip, attr):
            return f"{addr} is a {what} address"
    if not ip.is_global:
        return f"{addr} is not a public address"
    return None


class _Watchdog:
    """Enforces the overall deadline on every socket of one download, whatever the server's pace.

    Read time-outs bound the gap between two bytes only: a server that sends one header line every few
    seconds never trips them. When the deadline passes, the watchdog shuts down every socket opened for the
    download, which wakes the blocked read (headers, TLS handshake or body) at once; ``expired`` tells the
    caller why the read failed.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.expired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._done = False
        self._end = clock() + max(0.0, seconds)
        self._clock = clock
        # a polling thread rather than threading.Timer: timed condition waits misbehave under a shifted clock
        # (libfaketime, which CI uses), a relative sleep and the fetch's own clock do not
        self._thread = threading.Thread(target=self._watch, name="fetch-deadline", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done:
            left = self._end - self._clock()
            if left <= 0:
                self._fire()
                return
            time.sleep(min(POLL, left))

    def register(self, sock: socket.socket) -> None:
        # a duplicate descriptor: TLS wrapping detaches the original socket object, but a shutdown through
        # any descriptor ends the one TCP connection underneath (handshake, headers and body alike)
        dup = sock.dup()
        with self._lock:
            self._socks.append(dup)
            if not self.expired:
                return
        self._shut(dup)

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            socks = list(self._socks)
        for sock in socks:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._done = True
        with self._lock:
            socks, self._socks = self._socks, []
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.close()


def _watched_pools(watchdog: _Watchdog) -> dict[str, type[HTTPConnectionPool]]:
    """Connection pool classes whose connections register their socket with ``watchdog`` once opened."""

    class _Conn(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            watchdog.register(sock)
            return sock

    class _TLSConn(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            watchdog.register(sock)
            return sock

    class _Pool(HTTPConnectionPool):
        ConnectionCls = _Conn

    class _TLSPool(HTTPSConnectionPool):
        ConnectionCls = _TLSConn

    return {"http": _Pool, "https": _TLSPool}


class _PinnedAdapter(HTTPAdapter):
    """Connects to a given IP while TLS (SNI, certificate) and the Host header use the real host name;
    every socket it opens is watched by the download's deadline."""

    def __init__(self, host: str, watchdog: _Watchdog, **kwargs: Any) -> None:
        self._host = host
        self._watchdog = watchdog
        super().__init__(max_retries=0, **kwargs)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        pool_kwargs["server_hostname"] = self._host
        pool_kwargs["assert_hostname"] = self._host
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _watched_pools(self._watchdog)


def _pinned_url(url: str, addr: str, port: int) -> str:
    parts = urlsplit(url)
    ip = ipaddress.ip_address(addr)
    netloc = f"[{addr}]:{port}" if ip.version == 6 else f"{addr}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def _host_header(host: str, scheme: str, port: int) -> str:
    default = 443 if scheme == "https" else 80
    h = f"[{host}]" if ":" in host else host
    return h if port == default else f"{h}:{port}"


def fetch_to_file(
    session: requests.Session,
    url: str,
    dest_dir: str | Path,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    deadline: float = DEFAULT_DEADLINE,
    max_redirects: int = MAX_REDIRECTS,
    allow_private: bool = False,
    allow_addresses: Collection[str] = (),
    resolver: Resolver = system_resolver,
    clock: Callable[[], float] = time.monotonic,
    verify: bool | str = True,
) -> FetchResult:
    """Download ``url`` into a new file in ``dest_dir``; the caller removes the file. Raises FetchError.

    ``allow_private`` lifts the address check entirely; ``allow_addresses`` lets through only the listed IPs
    (an internal mirror, or a loopback test server while every other internal address stays refused).
    ``verify``: TLS verification as in requests (True, or a CA bundle path); never switched off.
    """
    if verify is False:
        raise ValueError("TLS verification cannot be switched off for attacker-supplied links")
    # the deadline runs from here (before the first resolution and connection) to the last byte
    started = clock()
    watchdog = _Watchdog(deadline, clock)
    try:
        return _fetch_hops(
            session,
            url.strip(),
            Path(dest_dir),
            max_size,
            timeout,
            deadline,
            max_redirects,
            allow_private,
            allow_addresses,
            resolver,
            clock,
            verify,
            started,
            watchdog,
        )
    finally:
        watchdog.cancel()


def _fetch_hops(
    session: requests.Session,
    current: str,
    dest_dir: Path,
    max_size: int,
    timeout: tuple[float, float],
    deadline: float,
    max_redirects: int,
    allow_private: bool,
    allow_addresses: Collection[str],
    resolver: Resolver,
    clock: Callable[[], float],
    verify: bool | str,
    started: float,
    watchdog: _Watchdog,
) -> FetchResult:
    late = f"the download took longer than {deadline:g} s"
    visited: list[str] = []
    for _hop in range(max_redirects + 1):
        scheme, host, port = check_url(current)
        addrs = list(resolver(host, port))
        if not addrs:
            raise FetchError(f"cannot resolve {host}")
        if not allow_private:
            for addr in addrs:
                problem = None if addr in allow_addresses else address_problem(addr)
                if problem:
                    raise FetchError(
                        f"refused {host}: {problem} (links to internal addresses are not fetched)"
                    )
        remaining = deadline - (clock() - started)
        if remaining <= 0 or watchdog.expired:
            raise FetchError(late)
        hop_timeout = (min(timeout[0], remaining), min(timeout[1], remaining))
        addr = addrs[0]
        headers = dict(session.headers)
        headers["Host"] = _host_header(host, scheme, port)
        headers["Accept-Encoding"] = "identity"  # the size cap counts what arrives, no decompression bombs
        req = requests.Request("GET", _pinned_url(current, addr, port), headers=headers).prepare()
        adapter = _PinnedAdapter(host, watchdog)
        try:
            try:
                resp = adapter.send(req, stream=True, timeout=hop_timeout, verify=verify)
            except requests.exceptions.RequestException as exc:
                if watchdog.expired or clock() - started > deadline:
                    raise FetchError(late) from None
                if isinstance(exc, requests.exceptions.SSLError):
                    raise FetchError(f"TLS error with {host}: {_short(exc)}") from None
                if isinstance(exc, requests.exceptions.Timeout):
                    raise FetchError(f"{host} did not answer in time") from None
                raise FetchError(f"cannot connect to {host}: {_short(exc)}") from None
            with contextlib.closing(resp):
                if resp.status_code in REDIRECTS:
                    location = resp.headers.get("Location")
                    if not location:
                        raise FetchError(f"{host} answered {resp.status_code} without a Location")
                    visited.append(current)
                    current = urljoin(current, location)
                    continue
                if resp.status_code != 200:
                    raise FetchError(f"{host} answered HTTP {resp.status_code}")
                return _save(
                    resp, current, visited, addr, dest_dir, max_size, late, deadline, started, clock, watchdog
                )
        finally:
            adapter.close()
    raise FetchError(f"more than {max_redirects} redirects")


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def _save(
    resp: requests.Response,
    url: str,
    visited: list[str],
    addr: str,
    dest_dir: Path,
    max_size: int,
    late: str,
    deadline: float,
    started: float,
    clock: Callable[[], float],
    watchdog: _Watchdog,
) -> FetchResult:
    declared = resp.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_size:
        raise FetchError(f"the file is larger than the limit ({int(declared):,} > {max_size:,} bytes)")
    digest = hashlib.sha256()
    size = 0
    dest_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="fetch-", suffix=".download", dir=dest_dir)
    ok = False
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                # read1: whatever has arrived (at most CHUNK), so the deadline is checked even on a slow drip
                while chunk := resp.raw.read1(CHUNK, decode_content=False):
                    size += len(chunk)
                    if size > max_size:
                        raise FetchError(f"the file is larger than the limit ({max_size:,} bytes)")
                    if watchdog.expired or clock() - started > deadline:
                        raise FetchError(late)
                    digest.update(chunk)
                    out.write(chunk)
                if watchdog.expired:  # the watchdog's shutdown ends the stream like an EOF would
                    raise FetchError(late)
            except FetchError:
                raise
            except Exception as exc:  # urllib3 read time-outs and protocol errors while streaming
                if watchdog.expired or clock() - started > deadline:
                    raise FetchError(late) from None
                raise FetchError(f"download interrupted: {_short(exc)}") from None
        ok = True
    finally:
        if not ok:
            with contextlib.suppress(OSError):
                os.unlink(name)
    return FetchResult(
        url=url,
        path=Path(name),
        size=size,
        sha256=digest.hexdigest(),
        content_type=resp.headers.get("Content-Type", ""),
        redirects=tuple(visited),
        address=addr,
    )
