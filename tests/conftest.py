"""Shared test fixtures: paths, the ../shared folder (skipped when absent), temporary databases."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from bot.demo.server import StoreDouble, not_found
from bot.store.db import open_db

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = ROOT / "data"


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
