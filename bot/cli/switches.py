"""``fakeapp pause`` and ``fakeapp resume``: the kill switches from the terminal (as /pause and /resume)."""

from __future__ import annotations

import click

from bot.cli.common import App, app_options
from bot.store import switches as sw


def _actor() -> str:
    from bot.casework.workflow import cli_actor

    return cli_actor().label


@click.command("pause")
@app_options
@click.argument("target", required=False, type=click.Choice(sw.TARGETS[1:]))
@click.option("--reason", default="", help="Why (kept in the audit trail).")
def pause_cmd(app: App, target: str | None, reason: str) -> None:
    """Pause everything, one kind of work, or one store (TARGET: alerts, frontline, scans, STORE).

    Paused alerts and notices are held, never dropped: they go out after `fakeapp resume`. Paused scans do
    not run (cron gets exit status 2 and one line); a paused store is left out of every scan. The state is in
    the database, shown by `fakeapp health`, /settings and every scan summary, and audited.

    Example: fakeapp pause frontline --reason "notice wording under review"
    """
    db = app.db(create=True)
    name, new = sw.pause(db, target, _actor(), reason)
    click.echo(f"Paused: {name}." if new else f"{name} was already paused.")


@click.command("resume")
@app_options
@click.argument("target", required=False, type=click.Choice(sw.TARGETS))
def resume_cmd(app: App, target: str | None) -> None:
    """Resume one switch, or every one (no TARGET). Held alerts go out on the bot's next delivery pass.

    Example: fakeapp resume
    """
    db = app.db()
    names = sw.resume(db, target, _actor())
    click.echo(f"Resumed: {', '.join(names)}." if names else "Nothing was paused.")
