"""The shared polite HTTP layer over loopback HTTP: statuses, retries, back-off, time-outs, rate, counters."""

from __future__ import annotations

import socket
import threading
import time
from email.utils import formatdate

import pytest

from bot.demo.server import Reply, Request, StoreDouble
from scanners.stores import StoreError
from scanners.stores.app_store import AppStore
from scanners.stores.http import PoliteClient
from tests.conftest import FakeTime


def ok(request: Request) -> Reply:
    return Reply(
        200, f"ok {request.method} {request.path} {request.query.get('q', '')}", "text/plain; charset=utf-8"
    )


@pytest.fixture
def double(double: StoreDouble) -> StoreDouble:
    """The shared store double (tests/conftest.py), answering ``ok`` here."""
    double.handler = ok
    return double


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def client(double: StoreDouble, fake: FakeTime, **kwargs: float) -> PoliteClient:
    options: dict[str, float] = {"rate": 1000.0, "backoff": 2.0, "retries": 3, **kwargs}
    return PoliteClient(
        "test_store",
        double.base_url,
        sleep=fake.sleep,
        clock=fake.clock,
        rate=options["rate"],
        backoff=options["backoff"],
        retries=int(options["retries"]),
        timeout=options.get("timeout", 5.0),
        max_retry_after=options.get("max_retry_after", 60.0),
    )


def test_get_sends_params_user_agent_and_returns_the_reply(double: StoreDouble, fake: FakeTime) -> None:
    http = client(double, fake)
    reply = http.get("/store/search", params={"q": "華岳證券 App"})
    assert reply.status_code == 200 and reply.text == "ok GET /store/search 華岳證券 App"
    (request,) = double.requests
    assert request.headers["user-agent"].startswith("fakeapp-scanner/")
    assert http.stats.requests == 1 and http.stats.statuses == {200: 1}


def test_post_sends_body_and_headers(double: StoreDouble, fake: FakeTime) -> None:
    http = client(double, fake)
    reply = http.post("/_/batch", params={"rpcids": "x"}, data={"f.req": "[1]"}, headers={"X-Test": "1"})
    assert reply.text == "ok POST /_/batch "
    (request,) = double.requests
    assert request.body == b"f.req=%5B1%5D" and request.headers["x-test"] == "1"
    assert request.query == {"rpcids": "x"}


def test_404_is_returned_once_not_retried(double: StoreDouble, fake: FakeTime) -> None:
    double.inject("/x", Reply(404, "Not Found", "text/plain"))
    http = client(double, fake)
    assert http.get("/x").status_code == 404
    assert double.count("/x") == 1 and fake.sleeps == []
    assert (http.stats.retries, http.stats.errors, http.stats.statuses) == (0, 0, {404: 1})


def test_429_then_success_waits_the_retry_after_seconds(double: StoreDouble, fake: FakeTime) -> None:
    double.inject("/x", Reply(429, "slow down", headers={"Retry-After": "7"}))
    http = client(double, fake)
    assert http.get("/x").status_code == 200
    assert fake.sleeps == [7.0]  # the store's wish, not the client's own back-off (2 s)
    assert double.count("/x") == 2
    assert (http.stats.retries, http.stats.statuses) == (1, {429: 1, 200: 1})


def test_429_retry_after_as_an_http_date(double: StoreDouble, fake: FakeTime) -> None:
    # the wall clock is an input: a store's date is compared with it, not with the machine's clock
    then = 1_600_000_000.0  # 2020-09-13
    double.inject("/x", Reply(429, headers={"Retry-After": formatdate(then + 30, usegmt=True)}))
    http = PoliteClient(
        "test_store", double.base_url, sleep=fake.sleep, clock=fake.clock, rate=1e3, wall_clock=lambda: then
    )
    assert http.get("/x").status_code == 200
    assert fake.sleeps == [30.0]


def test_403_then_success_backs_off(double: StoreDouble, fake: FakeTime) -> None:
    double.inject("/x", Reply(403, "Forbidden"), Reply(403, "Forbidden"))
    http = client(double, fake, backoff=1.5)
    assert http.get("/x").status_code == 200
    assert fake.sleeps == [1.5, 3.0]  # exponential: backoff · 2^attempt
    assert http.stats.retries == 2


def test_5xx_until_retries_are_exhausted_is_a_store_error(double: StoreDouble, fake: FakeTime) -> None:
    double.inject("/x", Reply(500), Reply(502), Reply(503), Reply(504))
    http = client(double, fake, retries=3)
    with pytest.raises(StoreError, match=r"GET /x failed after 4 attempts: HTTP 504") as info:
        http.get("/x")
    assert info.value.store == "test_store"
    assert fake.sleeps == [2.0, 4.0, 8.0]
    assert double.count("/x") == 4
    stats = http.stats
    assert (stats.requests, stats.retries, stats.errors) == (4, 3, 1)
    assert stats.statuses == {500: 1, 502: 1, 503: 1, 504: 1}


def test_back_off_is_capped(double: StoreDouble, fake: FakeTime) -> None:
    double.inject("/x", *[Reply(503)] * 5)
    http = client(double, fake, retries=5, backoff=2.0, max_retry_after=5.0)
    assert http.get("/x").status_code == 200
    assert fake.sleeps == [2.0, 4.0, 5.0, 5.0, 5.0]


def test_time_out_is_a_store_error(double: StoreDouble, fake: FakeTime) -> None:
    double.inject("/slow", Reply(200, "late", delay=0.6), Reply(200, "late", delay=0.6))
    http = client(double, fake, timeout=0.1, retries=1)
    started = time.monotonic()
    with pytest.raises(StoreError, match=r"failed after 2 attempts: timed out after 0\.1 s"):
        http.get("/slow")
    assert time.monotonic() - started < 0.55  # gave up on each attempt; did not wait for the reply
    assert http.stats.errors == 1 and http.stats.statuses == {}


def test_connection_refused_is_a_store_error(fake: FakeTime) -> None:
    with socket.socket() as sock:  # a port nobody listens on any more
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    http = PoliteClient(
        "test_store", f"http://127.0.0.1:{port}", retries=2, sleep=fake.sleep, clock=fake.clock
    )
    with pytest.raises(StoreError, match=r"test_store: GET /x failed after 3 attempts: cannot connect"):
        http.get("/x")
    assert (http.stats.requests, http.stats.retries, http.stats.errors) == (3, 2, 1)
    assert fake.sleeps == [2.0, 4.0]


def test_changed_layout_is_a_store_error_through_an_adapter(double: StoreDouble, fake: FakeTime) -> None:
    double.inject("/search", Reply(200, "<html><body>新版網頁</body></html>"))
    store = AppStore(client(double, fake))
    with pytest.raises(StoreError, match=r"not JSON \(starts with '<html><body>新版網頁"):
        store.search("華岳")
    assert store.client.stats.errors == 0  # the HTTP layer succeeded; the adapter refused the page


def test_rate_limit_spaces_requests_with_a_fake_clock(double: StoreDouble, fake: FakeTime) -> None:
    n, rate = 6, 4.0
    http = client(double, fake, rate=rate)
    for _ in range(n):
        http.get("/x")
    assert fake.sleeps == [pytest.approx(1 / rate)] * (n - 1)
    assert http.stats.waited_seconds == pytest.approx((n - 1) / rate)


def test_rate_limit_does_not_wait_when_time_has_passed(double: StoreDouble, fake: FakeTime) -> None:
    http = client(double, fake, rate=2.0)
    http.get("/x")
    fake.now += 0.2  # work between requests counts towards the gap
    http.get("/x")
    fake.now += 10.0
    http.get("/x")
    assert fake.sleeps == [pytest.approx(0.3)]


def test_rate_limit_holds_with_the_real_clock(double: StoreDouble) -> None:
    http = PoliteClient("test_store", double.base_url, rate=20.0)
    started = time.monotonic()
    for _ in range(5):
        http.get("/x")
    elapsed = time.monotonic() - started
    assert elapsed >= 0.2  # four gaps of 1/20 s, however long each request itself took
    assert elapsed < 5.0
    assert http.stats.waited_seconds <= 0.2 + 1e-6  # waits fill only the part the requests did not


def test_rate_limit_is_shared_by_threads(double: StoreDouble, fake: FakeTime) -> None:
    http = client(double, fake, rate=10.0)
    lock = threading.Lock()

    def locked_sleep(seconds: float) -> None:
        with lock:
            fake.sleeps.append(seconds)

    http._sleep = locked_sleep  # threads must not advance the shared fake clock under each other
    threads = [threading.Thread(target=http.get, args=("/x",)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Each thread reserves its own slot: waits of 0.1, 0.2 and 0.3 s, whatever the order.
    assert sorted(fake.sleeps) == [pytest.approx(0.1), pytest.approx(0.2), pytest.approx(0.3)]
    assert http.stats.requests == 4


def test_bad_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        PoliteClient("test_store", "http://127.0.0.1:9", rate=0)


def test_base_url_and_path_join() -> None:
    http = PoliteClient("test_store", "http://127.0.0.1:9/mirror/")
    assert http.url("/search") == http.url("search") == "http://127.0.0.1:9/mirror/search"


@pytest.mark.parametrize("value", ["-5", "nan", "inf", "soon"])
def test_nonsense_retry_after_falls_back_to_back_off(double: StoreDouble, fake: FakeTime, value: str) -> None:
    # A hostile or broken store must not crash the scan (time.sleep raises on negative or NaN seconds).
    double.inject("/x", Reply(429, headers={"Retry-After": value}))
    assert client(double, fake, backoff=2.0).get("/x").status_code == 200
    assert fake.sleeps == [2.0]


def test_retry_after_beyond_the_limit_gives_up_instead_of_retrying_early(
    double: StoreDouble, fake: FakeTime
) -> None:
    double.inject("/x", Reply(429, headers={"Retry-After": "3600"}))
    http = client(double, fake, max_retry_after=60.0)
    with pytest.raises(StoreError, match=r"HTTP 429 with Retry-After 3600 s \(over the 60 s limit\)"):
        http.get("/x")
    assert double.count("/x") == 1 and fake.sleeps == []  # asked for an hour: not hammered after a minute
    assert (http.stats.requests, http.stats.retries, http.stats.errors) == (1, 0, 1)


@pytest.mark.parametrize("status", [501, 520, 599])
def test_every_5xx_is_retried(double: StoreDouble, fake: FakeTime, status: int) -> None:
    # Cloudflare's 520-524 and other 5xx are server trouble too; a 5xx is never handed to a parser.
    double.inject("/x", Reply(status, "edge error"))
    http = client(double, fake)
    assert http.get("/x").status_code == 200
    assert http.stats.statuses == {status: 1, 200: 1} and fake.sleeps == [2.0]


def test_a_reply_that_stalls_mid_body_is_a_time_out(fake: FakeTime) -> None:
    # requests reports a read time-out during the body as ConnectionError, not Timeout.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    done = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\npartial")
            done.wait(2.0)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    http = PoliteClient("test_store", f"http://127.0.0.1:{port}", timeout=0.1, retries=0, sleep=fake.sleep)
    try:
        with pytest.raises(StoreError, match=r"failed after 1 attempts: timed out after 0\.1 s"):
            http.get("/x")
    finally:
        done.set()
        thread.join(2.0)
        listener.close()
