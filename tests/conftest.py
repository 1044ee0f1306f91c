"""Shared test fixtures: paths, the ../shared folder (skipped when absent), temporary databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from bot.db import open_db

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
