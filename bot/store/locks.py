"""One scan at a time across processes (the bot's cron job, /scan, and ``fakeapp scan`` from system cron).

An advisory file lock beside the database: the kernel releases it when the holder dies, so a crashed scan
never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class ScanBusy(RuntimeError):
    """Another scan holds the lock; one line for the user."""


def lock_path(db_path: str | Path) -> Path:
    """The scan lock file beside the database at ``db_path``."""
    return Path(f"{db_path}.scan.lock")


@contextlib.contextmanager
def scan_lock(db_path: str | Path) -> Iterator[None]:
    """Hold the scan lock for ``db_path`` or raise ``ScanBusy`` at once (never waits)."""
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            raise ScanBusy(f"another scan is running (pid {holder or '?'}); try again later") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
