"""``fakeapp health``: is the watch still on? For cron, systemd timers and monitoring systems."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import click

from bot.cli.common import App, app_options


def _duration(_ctx: click.Context, _param: click.Parameter, value: str | None) -> timedelta | None:
    from bot.alerts.watch import parse_duration

    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("health")
@app_options
@click.option(
    "--max-age",
    callback=_duration,
    metavar="DURATION",
    help="How old the last good scan of each store may be: 90s, 30m, 2h, 1d (default 25h).",
)
@click.option("--json", "as_json", is_flag=True, help="Everything checked, as JSON.")
def health_cmd(app: App, max_age: timedelta | None, as_json: bool) -> None:
    """Check that scans, the outbox and the bot are alive: exit 0 healthy, 2 not, with one line saying why.

    Checks the last good scan per store (its official app found), the outbox backlog and its oldest message,
    the bot's last heartbeat (when a bot token is set), paused switches and held alerts.

    Example: fakeapp health --max-age 7h || mail -s "fakeapp" security@example.com
    """
    from bot.alerts.watch import DEFAULT_MAX_AGE, check
    from bot.record.watch import scan_running

    db = app.db()
    h = check(
        db,
        now=app.now(),
        max_age=max_age or DEFAULT_MAX_AGE,
        bot_expected=bool(app.settings.telegram.token),
        running=scan_running(app.settings.db_path),
    )
    if as_json:
        click.echo(
            json.dumps(
                {"healthy": h.healthy, "line": h.line(), "problems": h.problems, **h.facts},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        click.echo(h.line())
    sys.exit(0 if h.healthy else 2)
