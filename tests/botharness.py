"""Test helper: start ``fakeapp bot`` as a user does (a subprocess), pointed at the fake Bot API server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bot.telegram.fake_api import FakeTelegram

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"
CHAT = -1001234567
ADMIN, ANALYST, VIEWER, STRANGER = 111, 222, 333, 999
FAKEAPP = str(Path(sys.executable).parent / "fakeapp")


def bot_env(fake: FakeTelegram, db_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKEAPP_", "TELEGRAM_"))}
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": fake.url,
            "FAKEAPP_DB": str(db_path),
            "FAKEAPP_CHAT_ID": str(CHAT),
            "FAKEAPP_ADMINS": str(ADMIN),
            "FAKEAPP_ANALYSTS": str(ANALYST),
            "FAKEAPP_VIEWERS": str(VIEWER),
            "FAKEAPP_OUTBOX_INTERVAL": "0.3",
            "FAKEAPP_TG_GROUP_RATE": "100000",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


class BotProcess:
    def __init__(self, env: Mapping[str, str], log_path: Path, args: tuple[str, ...] = ()) -> None:
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [FAKEAPP, "bot", *args], env=dict(env), stdout=self._log, stderr=subprocess.STDOUT
        )

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return int(self.proc.returncode)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def running_bot(
    fake: FakeTelegram,
    env: Mapping[str, str],
    log_path: Path,
    *,
    ready: bool = True,
    args: tuple[str, ...] = (),
) -> Iterator[BotProcess]:
    """Start ``fakeapp bot ARGS``; wait until it has registered its commands (it is polling then)."""
    before = len(fake.ok_calls("setMyCommands"))
    bot = BotProcess(env, log_path, args)
    try:
        if ready:
            ok = fake.wait_for(
                lambda: len(fake.ok_calls("setMyCommands")) >= before + 2 or bot.proc.poll() is not None,
                timeout=30,
            )
            ok = ok and bot.proc.poll() is None
            assert ok, f"bot did not start:\n{bot.log()}"
        yield bot
    finally:
        if bot.proc.poll() is None:
            bot.stop()
        else:
            bot._log.close()


def wait_quiet(seconds: float = 1.0) -> None:
    """Give the bot time to do anything more it would (wrongly) do, before asserting 'only once'."""
    time.sleep(seconds)
