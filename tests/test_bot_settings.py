"""/settings: admins change the scan schedule and reminder days at run time; validated, kept in the database
(m005), recorded (who, from, to), applied at once and again after a restart (the DB override wins)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import now_iso
from bot.core.settings import SettingsError, load_settings
from bot.desk import cases, outbox
from bot.store import settings_overrides as ov
from bot.store.db import open_db
from bot.telegram.app import COMMANDS, build_application
from bot.telegram.fake_api import FakeTelegram
from tests.botharness import ADMIN, ANALYST, CHAT, TOKEN, VIEWER, bot_env, running_bot
from tests.conftest import HOOKS
from tests.test_bot_inprocess import _run_app


def test_parse_and_validate():
    assert ov.parse_change(["scan_cron", "*/5", "*", "*", "*", "*"]) == ("scan_cron", "*/5 * * * *")
    assert ov.parse_change(["SCAN_CRON", "OFF"]) == ("scan_cron", "off")
    assert ov.parse_change(["reminder_days", "03"]) == ("reminder_days", "3")
    assert ov.parse_change(["reminder_days_apk", "reset"]) == ("reminder_days_apk", "reset")
    bad = [
        (["scan_cron", "every", "day"], "scan_cron"),
        (["scan_cron", "61", "*", "*", "*", "*"], "scan_cron: not a crontab"),
        (["reminder_days", "0"], "reminder_days"),
        (["reminder_days", "-2"], "reminder_days"),
        (["reminder_days", "2.5"], "reminder_days"),
        (["reminder_days_app_store", "99999"], "reminder_days_app_store"),
        (["token", "x"], "unknown setting"),
        (["reminder_days"], "missing"),
        ([], "KEY VALUE"),
    ]
    for args, match in bad:
        with pytest.raises(SettingsError, match=match) as info:
            ov.parse_change(args)
        assert "\n" not in str(info.value)


def test_apply_overrides_is_pure_and_db_wins(tmp_path):
    base = load_settings(
        {"FAKEAPP_SCAN_CRON": "0 */6 * * *", "FAKEAPP_REMINDER_DAYS": "7", "FAKEAPP_REMINDER_DAYS_APK": "2"}
    )
    eff = ov.apply_overrides(
        base, {"scan_cron": "off", "reminder_days": "3", "reminder_days_google_play": "10"}
    )
    assert base.telegram.scan_cron == "0 */6 * * *" and base.telegram.reminder_days == 7  # untouched
    assert eff.telegram.scan_cron == "" and eff.telegram.reminder_periods() == {
        "default": 3,
        "google_play": 10,
        "apk": 2,
    }
    assert ov.apply_overrides(base, {}) is base


def test_change_persists_with_history(tmp_path):
    db = open_db(tmp_path / "s.db")
    base = load_settings({"FAKEAPP_REMINDER_DAYS": "7"})
    eff, ch = ov.change(db, base, "reminder_days", "3", "tg:111 @boss")
    assert (ch.old, ch.new, ch.reset) == ("7", "3", False) and eff.telegram.reminder_days == 3
    eff, ch = ov.change(db, base, "reminder_days", "5", "tg:111 @boss")
    assert (ch.old, ch.new) == ("3", "5")
    db.close()
    db = open_db(tmp_path / "s.db")  # a new connection (a restart) sees the override
    assert ov.load_overrides(db) == {"reminder_days": "5"}
    row = db["settings_overrides"].get("reminder_days")
    assert row["changed_by"] == "tg:111 @boss" and row["changed_at"]
    eff, ch = ov.change(db, base, "reminder_days", "reset", "tg:111 @boss")
    assert (ch.old, ch.new, ch.reset) == ("5", "7", True) and ov.load_overrides(db) == {}
    hist = [(h["old_value"], h["new_value"], h["action"]) for h in reversed(ov.history(db))]
    assert hist == [("7", "3", "set"), ("3", "5", "set"), ("5", "7", "reset")]
    # A value that no longer validates (edited by hand) is ignored, not a crash at start-up.
    db.execute("INSERT INTO settings_overrides (key, value) VALUES ('scan_cron', 'nonsense')")
    db.conn.commit()
    assert ov.load_overrides(db) == {}


def _texts(fake: FakeTelegram, chat: int) -> list[str]:
    return [c.params["text"] for c in fake.sent(chat)]


def test_settings_command_reschedules_and_reminders_use_new_days(tmp_path):
    db_path = tmp_path / "b.db"
    with FakeTelegram(token=TOKEN) as fake:
        settings = load_settings(bot_env(fake, db_path, FAKEAPP_SCAN_CRON="0 */6 * * *"))
        app = build_application(settings)
        desk = app.bot_data["desk"]
        jq = app.job_queue
        assert jq is not None
        steps = [
            (ADMIN, "/settings", "0 */6 * * *"),
            (VIEWER, "/settings reminder_days 1", "你的角色不能執行"),
            (ANALYST, "/settings", "你的角色不能執行"),
            (ADMIN, "/settings scan_cron 61 * * * *", "無法執行：scan_cron"),
            (ADMIN, "/settings scan_cron */5 * * * *", "由 0 */6 * * * 改為 */5 * * * *"),
            (ADMIN, "/settings reminder_days 1", "由 7 改為 1"),
            (ADMIN, "/settings scan_cron off", "改為 off"),
        ]
        marks: list[int] = []  # how many messages the chat had when each step was sent
        # The scan jobs after each step, while the bot runs (the JobQueue forgets them once stopped).
        scan_jobs: list[list[str]] = []

        def progress() -> bool:
            """Send the steps one at a time, each after the previous one's reply arrived."""
            texts = _texts(fake, CHAT)
            n = len(marks)
            if n and not any(steps[n - 1][2] in x for x in texts[marks[-1] :]):
                return False
            scan_jobs.append([str(j.job.trigger) for j in jq.get_jobs_by_name("scan")])
            if n == len(steps):
                return True
            marks.append(len(texts))
            fake.say(steps[n][0], CHAT, steps[n][1])
            return False

        asyncio.run(_run_app(app, progress))
        texts = _texts(fake, CHAT)
        for _, text, expect in steps:
            assert any(expect in x for x in texts), (text, expect, texts)
        view = next(x for x in texts if "目前設定" in x)
        assert TOKEN not in view and "管理員 1" in view and str(CHAT) in view and "reminder_days_apk" in view
        bad = next(x for x in texts if "無法執行：scan_cron" in x)
        assert "\n" not in bad
        # The scan job runs on the new cron; the reminder days in force are the new ones.
        assert ["hour='*/6'" in j for js in scan_jobs[:5] for j in js] == [True] * 5
        (trigger,) = scan_jobs[5]  # after "scan_cron */5 * * * *": one job, on the new cron
        assert "minute='*/5'" in trigger and "hour='*'" in trigger
        assert scan_jobs[7] == []  # after "off": no scan job
        assert desk.settings.telegram.reminder_periods()["default"] == 1
        assert desk.base_settings.telegram.reminder_days == 7

        # A takedown requested two days ago is due for a reminder under the new 1-day period (not under 7).
        db = desk.db
        case = _takedown_case(db, days_ago=2)
        assert outbox.enqueue_reminders(db, days=settings.telegram.reminder_periods()) == []
        assert outbox.enqueue_reminders(db, days=desk.settings.telegram.reminder_periods()) == [case]

        # The refusals and the changes are in the access log and the settings history.
        log = {
            (r["user_id"], r["allowed"])
            for r in db.query("SELECT * FROM access_log WHERE detail LIKE '/settings%'")
        }
        assert {(VIEWER, 0), (ANALYST, 0), (ADMIN, 1)} <= log
        assert [h["new_value"] for h in reversed(ov.history(db))] == ["*/5 * * * *", "1", "off"]
        assert all(h["changed_by"].startswith(f"tg:{ADMIN}") for h in ov.history(db))

    # A restart: the overrides from the database win over the environment's cron and days.
    with FakeTelegram(token=TOKEN) as fake:
        again = build_application(load_settings(bot_env(fake, db_path, FAKEAPP_SCAN_CRON="0 */6 * * *")))
        assert again.job_queue is not None and again.job_queue.get_jobs_by_name("scan") == ()
        assert again.bot_data["desk"].settings.telegram.reminder_days == 1


def _takedown_case(db, days_ago: int) -> int:
    from scanners.profile import load_profile
    from tests.conftest import DATA
    from tests.scanrows import listing, write_scan

    scan = write_scan(db, [listing("com.fake.remind")])
    (cid,) = cases.sync_from_scan(db, scan, load_profile(DATA / "brands.toml")).opened
    when = datetime.now(UTC) - timedelta(days=days_ago)
    cases.request_takedown(db, cid, cases.Actor("tg:222"), "GP-1", when=now_iso(when), hooks=HOOKS)
    return cid


def test_registered_and_in_help():
    from bot.telegram.app import COMMAND_ROLES

    assert "settings" in {c.name for c in COMMANDS}
    assert COMMAND_ROLES["settings"] == "admin"
    from bot.telegram.app import help_text

    for lang in ("zh", "en"):
        assert "/settings" in help_text(lang, "admin", COMMANDS)
    assert "/settings" not in help_text("zh", "analyst", COMMANDS)


@pytest.mark.slow
def test_e2e_settings_through_the_fake_server(tmp_path: Path):
    """The bot as a subprocess: an admin changes reminder days and the cron; refusals; survives a restart."""
    dbpath = tmp_path / "bot.store.db"
    with FakeTelegram(token=TOKEN) as fake:
        env = bot_env(fake, dbpath, FAKEAPP_SCAN_CRON="0 */6 * * *", FAKEAPP_REMINDER_DAYS="7")

        def ask(user: int, text: str, expect: str) -> str:
            n = len(fake.sent(CHAT))
            fake.say(user, CHAT, text)
            ok = fake.wait_for(lambda: any(expect in x for x in _texts(fake, CHAT)[n:]), timeout=30)
            assert ok, (text, expect, _texts(fake, CHAT)[n:])
            return "\n".join(_texts(fake, CHAT)[n:])

        with running_bot(fake, env, tmp_path / "bot.log"):
            registered = fake.ok_calls("setMyCommands")[-2:]
            names = {c["command"] for c in registered[0].params["commands"]}
            assert "settings" in names
            ask(ADMIN, "/settings reminder_days 3", "由 7 改為 3")
            ask(ADMIN, "/settings scan_cron 30 2 * * *", "改為 30 2 * * *")
            ask(VIEWER, "/settings reminder_days 1", "你的角色不能執行")
            bad = ask(ADMIN, "/settings scan_cron every day", "無法執行")
            assert bad.count("\n") == 0
            ask(ADMIN, "/lang en", "English")
            shown = ask(ADMIN, "/settings", "Settings")
            assert "30 2 * * *" in shown and "(override)" in shown and TOKEN not in shown
        with running_bot(fake, env, tmp_path / "bot2.log") as bot:
            shown = ask(ADMIN, "/settings", "Settings")
            assert "<code>3</code> (override)" in shown and "<code>30 2 * * *</code> (override)" in shown
            assert "scan schedule '30 2 * * *'" in bot.log()
    db = open_db(dbpath)
    assert ov.load_overrides(db) == {"reminder_days": "3", "scan_cron": "30 2 * * *"}
    assert TOKEN not in (tmp_path / "bot.log").read_text() + (tmp_path / "bot2.log").read_text()


def test_cli_scan_uses_the_overridden_reminder_days(tmp_path):
    """``fakeapp scan`` (outbox.after_scan) reminds on the days an admin set in the bot, not the env's."""
    db = open_db(tmp_path / "c.db")
    base = load_settings({"FAKEAPP_DB": str(tmp_path / "c.db"), "FAKEAPP_REMINDER_DAYS": "7"})
    case = _takedown_case(db, days_ago=2)
    from scanners.profile import load_profile
    from tests.conftest import DATA
    from tests.scanrows import listing, write_scan

    profile = load_profile(DATA / "brands.toml")
    scan = write_scan(db, [listing("com.fake.remind")])
    assert outbox.after_scan(db, scan, profile, base, notify=False, echo=lambda _: None).reminders == []
    ov.change(db, base, "reminder_days", "1", "tg:111")
    scan = write_scan(db, [listing("com.fake.remind")])
    assert outbox.after_scan(db, scan, profile, base, notify=False, echo=lambda _: None).reminders == [case]
