"""Test helper for operations: the demo store double (optionally with a heartbeat endpoint and faults), the
environment of a `fakeapp` run against it, and running `fakeapp` in-process or as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.demo.run import DEMO_PROFILE
from bot.demo.server import Reply, Request, StoreDouble
from bot.demo.snapshot import SNAPSHOT, SnapshotHandler

FAKEAPP = str(Path(sys.executable).parent / "fakeapp")
ROOT = Path(__file__).resolve().parent.parent


class DemoStores:
    """The bundled snapshot served on loopback, plus ``/ping/...`` (a dead man's switch service)."""

    def __init__(self) -> None:
        self.snapshot = SnapshotHandler(SNAPSHOT)
        self.pings: list[str] = []
        self.ping_status = 200
        # path prefix -> what the store answers instead (given the true answer): a fault while it is set
        self.faults: dict[str, Callable[[Reply], Reply]] = {}

    def __call__(self, request: Request) -> Reply:
        if request.path.startswith("/ping/"):
            self.pings.append(request.path)
            return Reply(self.ping_status, "OK", "text/plain")
        real = self.snapshot(request)
        for prefix, fault in list(self.faults.items()):
            if request.path.startswith(prefix):
                return fault(real)
        return real


@contextmanager
def demo_stores(latency: float = 0.0) -> Iterator[tuple[StoreDouble, DemoStores]]:
    handler = DemoStores()
    with StoreDouble(handler, latency=latency) as double:
        handler.snapshot.base_url = double.base_url
        yield double, handler


def scan_env(double: StoreDouble | None, db_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment (no FAKEAPP_/TELEGRAM_ from the caller) for `fakeapp` against the double."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKEAPP_", "TELEGRAM_"))}
    env.update({"FAKEAPP_DB": str(db_path), "FAKEAPP_CONFIG": str(DEMO_PROFILE), "PYTHONUNBUFFERED": "1"})
    if double is not None:
        env.update(
            {
                "FAKEAPP_GOOGLE_PLAY_URL": double.base_url,
                "FAKEAPP_APP_STORE_URL": double.base_url,
                "FAKEAPP_APTOIDE_URL": double.base_url,
                "FAKEAPP_GALAXY_STORE_URL": double.base_url,
                "FAKEAPP_GOOGLE_PLAY_RATE": "200",
                "FAKEAPP_APP_STORE_RATE": "200",
                "FAKEAPP_APTOIDE_RATE": "200",
                "FAKEAPP_GALAXY_STORE_RATE": "200",
                "FAKEAPP_HTTP_TIMEOUT": "3",
                "FAKEAPP_HTTP_RETRIES": "1",
                "FAKEAPP_HTTP_BACKOFF": "0.05",
            }
        )
    env.update(extra)
    return env


def cli(env: Mapping[str, str], *args: str) -> tuple[int, str]:
    """`fakeapp ARGS` in-process (click's runner) with exactly ``env``; (exit code, stdout + stderr)."""
    blank = {k: None for k in os.environ if k.startswith(("FAKEAPP_", "TELEGRAM_"))}
    result = CliRunner().invoke(main, list(args), env={**blank, **env}, catch_exceptions=False)
    return result.exit_code, result.output


def run(
    env: Mapping[str, str], *args: str, timeout: float = 60, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """`fakeapp ARGS` as a real process (optionally under ``prefix``, e.g. faketime)."""
    return subprocess.run(
        [*prefix, FAKEAPP, *args], env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
    )


def start_faulty(env: Mapping[str, str], *args: str) -> subprocess.Popen[str]:
    """`fakeapp ARGS` as a real process with the fault in ``env['FAKEAPP_FAULT']`` (tests/faultrun.py)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.faultrun", *args],
        env=dict(env),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
