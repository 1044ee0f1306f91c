"""Safe APK download against a real HTTP server on loopback: size cap, redirects, internal addresses,
time-outs."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from scanners.apk.fetch import FetchError, address_problem, check_url, fetch_to_file

PAYLOAD = bytes(range(256)) * 400  # 100 KiB


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def handle(self) -> None:
        # the client hangs up on purpose (caps, time-outs)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        path = self.path
        if path == "/app.apk":
            self._send(200, PAYLOAD, {"Content-Type": "application/vnd.android.package-archive"})
        elif path == "/host":
            self._send(200, self.headers.get("Host", "").encode())
        elif path.startswith("/hop/"):
            n = int(path.split("/")[2])
            target = "/app.apk" if n == 0 else f"/hop/{n - 1}"
            self._send(302, b"", {"Location": target})
        elif path == "/to-metadata":
            self._send(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
        elif path == "/to-private":
            self._send(301, b"", {"Location": f"http://10.20.30.40:{port}/app.apk"})
        elif path == "/to-loopback2":
            self._send(307, b"", {"Location": f"http://127.0.0.2:{port}/app.apk"})
        elif path == "/to-file":
            self._send(302, b"", {"Location": "file:///etc/passwd"})
        elif path == "/chunked-big":
            # no Content-Length: the cap must stop the stream itself
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for _ in range(200):
                    chunk = b"x" * 65536
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/slow":
            time.sleep(2.0)
            self._send(200, b"late")
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/slow-headers":
            # one header line every 0.2 s, for ever: never idle long enough for a read time-out
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            try:
                for n in range(1000):
                    self.wfile.write(f"X-Drip-{n}: x\r\n".encode())
                    self.wfile.flush()
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError, OSError):
                pass
            self.close_connection = True
        elif path.startswith("/slow-hop/"):
            # each redirect hop answers just inside the read time-out
            n = int(path.split("/")[2])
            time.sleep(0.3)
            self._send(302, b"", {"Location": "/app.apk" if n == 0 else f"/slow-hop/{n - 1}"})
        elif path == "/missing":
            self._send(404, b"no")
        else:
            self._send(500, b"?")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    s = requests.Session()
    s.headers["User-Agent"] = "fakeapp-test"
    yield s
    s.close()


def test_downloads_to_disk_with_hash(server: str, session: requests.Session, tmp_path: Path) -> None:
    res = fetch_to_file(session, f"{server}/app.apk", tmp_path, allow_private=True)
    assert res.path.parent == tmp_path
    assert res.path.read_bytes() == PAYLOAD
    assert res.size == len(PAYLOAD)
    assert res.sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    assert res.content_type == "application/vnd.android.package-archive"
    assert res.address == "127.0.0.1"
    assert res.redirects == ()


def test_host_header_keeps_the_name_while_connecting_to_the_checked_address(
    server: str, session: requests.Session, tmp_path: Path
) -> None:
    port = server.rsplit(":", 1)[1]
    url = f"http://apk-host.test:{port}/host"
    res = fetch_to_file(session, url, tmp_path, allow_private=True, resolver=lambda h, p: ["127.0.0.1"])
    assert res.path.read_bytes() == f"apk-host.test:{port}".encode()


def test_loopback_refused_by_default(server: str, session: requests.Session, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="loopback"):
        fetch_to_file(session, f"{server}/app.apk", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_size_cap_by_content_length(server: str, session: requests.Session, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="larger than the limit"):
        fetch_to_file(session, f"{server}/app.apk", tmp_path, allow_private=True, max_size=50_000)
    assert list(tmp_path.iterdir()) == []


def test_size_cap_while_streaming(server: str, session: requests.Session, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="larger than the limit"):
        fetch_to_file(session, f"{server}/chunked-big", tmp_path, allow_private=True, max_size=1_000_000)
    assert list(tmp_path.iterdir()) == []  # the partial file is removed


def test_redirects_followed_and_recorded(server: str, session: requests.Session, tmp_path: Path) -> None:
    res = fetch_to_file(session, f"{server}/hop/3", tmp_path, allow_private=True)
    assert res.path.read_bytes() == PAYLOAD
    assert res.url == f"{server}/app.apk"
    assert res.redirects == tuple(f"{server}/hop/{n}" for n in (3, 2, 1, 0))


def test_redirect_limit(server: str, session: requests.Session, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch_to_file(session, f"{server}/hop/5", tmp_path, allow_private=True)
    # 4 hops + the file is within the limit
    assert fetch_to_file(session, f"{server}/hop/4", tmp_path, allow_private=True).size == len(PAYLOAD)


@pytest.mark.parametrize(
    ("path", "message"),
    [("/to-metadata", "metadata"), ("/to-private", "private"), ("/to-loopback2", "loopback")],
)
def test_redirect_to_internal_address_refused(
    server: str, session: requests.Session, tmp_path: Path, path: str, message: str
) -> None:
    # only the test server's own address is let through; every other internal address stays refused
    with pytest.raises(FetchError, match=message):
        fetch_to_file(session, f"{server}{path}", tmp_path, allow_addresses={"127.0.0.1"})


def test_redirect_to_other_scheme_refused(server: str, session: requests.Session, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        fetch_to_file(session, f"{server}/to-file", tmp_path, allow_private=True)


def test_read_timeout(server: str, session: requests.Session, tmp_path: Path) -> None:
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="did not answer in time"):
        fetch_to_file(session, f"{server}/slow", tmp_path, allow_private=True, timeout=(1.0, 0.3))
    assert time.monotonic() - t0 < 1.5


def test_overall_deadline(server: str, session: requests.Session, tmp_path: Path) -> None:
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="took longer"):
        fetch_to_file(session, f"{server}/drip", tmp_path, allow_private=True, deadline=0.4)
    assert time.monotonic() - t0 < 1.5
    assert list(tmp_path.iterdir()) == []


def test_deadline_covers_slow_headers(server: str, session: requests.Session, tmp_path: Path) -> None:
    # a header line every 0.2 s never trips the 0.5 s read time-out; only the overall deadline stops it
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="took longer than 1 s") as err:
        fetch_to_file(
            session, f"{server}/slow-headers", tmp_path, allow_private=True, timeout=(1.0, 0.5), deadline=1.0
        )
    assert time.monotonic() - t0 < 1.8
    assert "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_deadline_covers_every_redirect_hop(server: str, session: requests.Session, tmp_path: Path) -> None:
    # five hops of 0.3 s each, every one inside the read time-out; together past the 1 s deadline
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="took longer"):
        fetch_to_file(
            session, f"{server}/slow-hop/4", tmp_path, allow_private=True, timeout=(1.0, 0.5), deadline=1.0
        )
    assert time.monotonic() - t0 < 1.8
    # the same chain with room to spare succeeds
    assert fetch_to_file(session, f"{server}/slow-hop/1", tmp_path, allow_private=True, deadline=5).size


def test_deadline_covers_slow_tls_headers(
    tls_server: tuple[int, Path], session: requests.Session, tmp_path: Path
) -> None:
    port, ca = tls_server
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="took longer"):
        fetch_to_file(
            session,
            f"https://apk.example.test:{port}/slow-headers",
            tmp_path,
            allow_addresses={"127.0.0.1"},
            resolver=lambda h, p: ["127.0.0.1"],
            verify=str(ca),
            timeout=(1.0, 0.5),
            deadline=1.0,
        )
    assert time.monotonic() - t0 < 1.8


def test_http_error(server: str, session: requests.Session, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_to_file(session, f"{server}/missing", tmp_path, allow_private=True)


def test_connection_refused(session: requests.Session, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="cannot connect"):
        fetch_to_file(session, "http://127.0.0.1:9/app.apk", tmp_path, allow_private=True, timeout=(1, 1))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/a.apk", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("/etc/passwd", "only http and https"),
        ("http:///nohost", "no host"),
        ("http://example.com:99999/a.apk", "bad port '99999'"),
        ("http://user@host:99999/x.apk", "bad port '99999'"),
        ("http://host:0/x.apk", "bad port '0'"),
        ("http://host:８０/x.apk", "bad port"),
        ("http://[::1:80/x.apk", "bad address"),
        ("http://[::1]x/x.apk", "bad address"),
        ("http://::1/x.apk", "bad address: an IPv6 address must be written in brackets"),
        ("http://[zz::1]/x.apk", "bad address"),
        ("http://a b/x.apk", "spaces or control characters"),
        ("http://a..b/x.apk", "bad host name"),
        ("http://a_b!/x.apk", "bad host name"),
        ("ftp://host/x.apk", "unsupported scheme 'ftp'"),
        ("http:/x.apk", "expected //"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        check_url(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://host:/x", ("http", "host", 80)),
        ("HTTPS://Host.Example:8443/x", ("https", "host.example", 8443)),
        ("http://[::1]:8080/x", ("http", "::1", 8080)),
        ("http://user:pw@host/x", ("http", "host", 80)),
    ],
)
def test_good_urls(url: str, expected: tuple[str, str, int]) -> None:
    assert check_url(url) == expected


@pytest.mark.parametrize(
    ("addr", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("192.168.1.1", "private"),
        ("172.16.0.1", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "not a public"),
        ("::ffff:127.0.0.1", "loopback"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_internal_addresses(addr: str, problem: str) -> None:
    reason = address_problem(addr)
    assert reason is not None and problem in reason


@pytest.mark.parametrize("addr", ["8.8.8.8", "2001:4860:4860::8888", "203.69.0.1"])
def test_public_addresses_allowed(addr: str) -> None:
    assert address_problem(addr) is None


# ---------------------------------------------------------------------------------------------- TLS


def _make_tls(tmp: Path, name: str) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for ``name``: (ca.pem, cert.pem, key.pem)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fakeapp test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = (tmp / "ca.pem", tmp / "cert.pem", tmp / "key.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    import ssl

    tmp = tmp_path_factory.mktemp("tls")
    ca, cert, key = _make_tls(tmp, "apk.example.test")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], ca
    httpd.shutdown()
    httpd.server_close()


def test_https_pinned_to_checked_address_keeps_the_certificate_name(
    tls_server: tuple[int, Path], session: requests.Session, tmp_path: Path
) -> None:
    port, ca = tls_server
    res = fetch_to_file(
        session,
        f"https://apk.example.test:{port}/app.apk",
        tmp_path,
        allow_addresses={"127.0.0.1"},
        resolver=lambda h, p: ["127.0.0.1"],
        verify=str(ca),
    )
    assert res.path.read_bytes() == PAYLOAD
    assert res.address == "127.0.0.1"


def test_https_wrong_name_refused(
    tls_server: tuple[int, Path], session: requests.Session, tmp_path: Path
) -> None:
    port, ca = tls_server
    with pytest.raises(FetchError, match="TLS error"):
        fetch_to_file(
            session,
            f"https://other.example.test:{port}/app.apk",
            tmp_path,
            allow_addresses={"127.0.0.1"},
            resolver=lambda h, p: ["127.0.0.1"],
            verify=str(ca),
        )


def test_tls_verification_cannot_be_disabled(session: requests.Session, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be switched off"):
        fetch_to_file(session, "https://example.com/a.apk", tmp_path, verify=False)


def test_rebinding_resolver_is_asked_once_per_hop(
    server: str, session: requests.Session, tmp_path: Path
) -> None:
    # a rebinding DNS answers a public address first and loopback afterwards; the fetch resolves once and
    # connects to what it checked, so the second answer is never used
    port = int(server.rsplit(":", 1)[1])
    calls: list[str] = []

    def rebinding(host: str, p: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"] if len(calls) == 1 else ["10.0.0.1"]

    res = fetch_to_file(
        session,
        f"http://rebind.test:{port}/app.apk",
        tmp_path,
        allow_addresses={"127.0.0.1"},
        resolver=rebinding,
    )
    assert res.size == len(PAYLOAD) and calls == ["rebind.test"]
