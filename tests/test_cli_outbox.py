"""``fakeapp outbox``: a message Telegram refused shows as failed, is requeued, then delivered once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.core.settings import load_settings
from bot.desk import cases, outbox
from bot.store.db import open_db
from bot.telegram.fake_api import FakeTelegram
from scanners.profile import load_profile
from tests.botharness import CHAT, TOKEN, bot_env
from tests.conftest import DATA
from tests.scanrows import listing, write_scan


def _deliver(fake: FakeTelegram, db_path: Path) -> outbox.DeliveryStats:
    settings = load_settings(bot_env(fake, db_path))
    db = open_db(db_path)
    try:
        return asyncio.run(outbox._deliver_with_bot(db, settings, budget=10, redact=lambda s: s))
    finally:
        db.close()


def _cli(db_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["outbox", "--db", str(db_path), *args])
    return result.exit_code, result.output


def test_failed_message_is_listed_requeued_and_delivered_once(tmp_path: Path) -> None:
    db_path = tmp_path / "o.db"
    db = open_db(db_path)
    title = "華岳證券\u202e極速版"  # a bidi override from the store must not reach the terminal
    scan = write_scan(db, [listing("com.fake.outbox", title=title)])
    case_id = cases.sync_from_scan(db, scan, load_profile(DATA / "brands.toml")).opened[0]
    db.close()

    code, out = _cli(db_path)
    assert code == 0 and "1 pending" in out and "case_alert" in out and "\u202e" not in out

    with FakeTelegram(token=TOKEN) as fake:
        fake.fail("sendMessage", status=403, description="Forbidden: bot was kicked from the supergroup chat")
        stats = _deliver(fake, db_path)
        assert stats.failed == 1 and stats.sent == 0
        assert fake.sent(CHAT) == []

        code, out = _cli(db_path)
        assert code == 0 and "1 failed" in out and "0 pending" in out and "No open messages." in out
        code, out = _cli(db_path, "--status", "failed", "--json")
        [row] = [json.loads(line) for line in out.splitlines()]
        assert row["status"] == "failed" and row["case_id"] == case_id and "kicked" in row["last_error"]
        code, out = _cli(db_path, "--status", "failed")
        assert code == 0 and "kicked" in out and TOKEN not in out

        # refused: an id that does not exist, a bad status; nothing changes
        code, out = _cli(db_path, "--retry", "999")
        assert code == 1 and "no message #999" in out and "Traceback" not in out
        code, out = _cli(db_path, "--status", "lost")
        assert code == 2 and "lost" in out

        code, out = _cli(db_path, "--retry-failed")
        assert code == 0 and f"Requeued 1 message(s): {row['id']}" in out and "1 pending" in out
        assert "requeued after: Forbidden" in out  # the open list says why it is queued again

        stats = _deliver(fake, db_path)  # the cause is gone: the fault was for one call
        assert stats.sent == 1
        assert fake.wait_for(lambda: len(fake.sent(CHAT)) == 1, timeout=5)
        assert "com.fake.outbox" in fake.sent(CHAT)[0].params["text"]
        assert _deliver(fake, db_path).sent == 0  # delivered once, not again
        assert len(fake.sent(CHAT)) == 1

    code, out = _cli(db_path, "--status", "sent", "--json")
    [sent] = [json.loads(line) for line in out.splitlines()]
    assert sent["id"] == row["id"] and sent["message_id"] and sent["attempts"] == 1
    code, out = _cli(db_path, "--retry", str(row["id"]))
    assert code == 1 and "is sent; only failed messages are retried" in out
    code, out = _cli(db_path, "--retry-failed")
    assert code == 0 and "Requeued 0 message(s): none failed" in out
