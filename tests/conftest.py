"""Shared test fixtures: paths, the ../shared folder (skipped when absent), temporary databases."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from bot.demo.server import StoreDouble, not_found
from bot.desk.hooks import case_hooks
from bot.store.db import open_db
from scanners.profile import load_profile

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = ROOT / "data"
# The brand profile the tests' case changes and deliveries use (the desk never reads one from the
# environment): the repository's, with the hooks that wire its official links into every case change, and
# no front-line chat (a confirmation then tells the security chat that front-line notices are off).
PROFILE = load_profile(DATA / "brands.toml")
HOOKS = case_hooks(PROFILE, frontline_chat="")


@pytest.fixture
def shared_dir() -> Path:
    """The ../shared folder beside the clone; tests that need it are skipped without it."""
    if not (SHARED / "fixtures").is_dir():
        pytest.skip("../shared is not beside this clone")
    return SHARED


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    """A real SQLite file with the schema applied."""
    database = open_db(tmp_path / "test.db")
    yield database
    database.close()


class FakeTime:
    """A clock that moves only when slept on, recording every sleep (for PoliteClient's sleep and clock)."""

    def __init__(self) -> None:
        self.now = 5000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        # time.sleep raises ValueError on these; the fake must be no more forgiving than the real one.
        assert math.isfinite(seconds) and seconds >= 0, f"sleep({seconds!r})"
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def server() -> Iterator[StoreDouble]:
    """One store double per test module: stopping one costs a poll interval."""
    with StoreDouble() as running:
        yield running


@pytest.fixture
def double(server: StoreDouble) -> Iterator[StoreDouble]:
    """The module's store double, answering 404 until a test sets its handler; no fault may be left unused."""
    server.handler = not_found
    server.requests.clear()
    yield server
    assert not server._faults, "the test left injected replies unused"


# --- no traffic leaves the machine ----------------------------------------------------------------------
# Tests talk to servers on loopback only. A name that is not local is never looked up (the resolver would
# send the query out) and a connection to an address off loopback is refused, so a test that forgot to point
# a store or a link at its double fails at once instead of reaching the internet or waiting on it.

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _is_loopback(host: object) -> bool:
    import ipaddress

    text = host.decode() if isinstance(host, bytes) else str(host)
    if text.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _is_ip(host: object) -> bool:
    import ipaddress

    text = host.decode() if isinstance(host, bytes) else str(host)
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host is not None and not _is_loopback(host) and not _is_ip(host):  # a literal sends no query
            raise socket.gaierror(socket.EAI_NONAME, f"tests resolve loopback names only, not {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    def _check(sock: socket.socket, address: object) -> None:
        inet = sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple)
        if inet and not _is_loopback(address[0]):  # type: ignore[index]
            raise OSError(101, f"tests connect to loopback only, not {address[0]!r}")  # type: ignore[index]

    def connect(self: socket.socket, address: object) -> None:
        _check(self, address)
        real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        _check(self, address)
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
