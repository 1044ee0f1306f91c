"""``fakeapp outbox``: what the bot has queued, sent or failed to send, and requeueing failed messages."""

from __future__ import annotations

import json

import click

from bot.cli.common import App, app_options
from bot.core.clock import local_time
from bot.core.textsafe import plain, table
from bot.outbox import holds
from bot.outbox import queue as outbox
from bot.outbox.text import html_to_text

CHOICES = ("open", "all", *outbox.STATUSES)


def _when(next_attempt_at: float | None, now: float) -> str:
    if not next_attempt_at or next_attempt_at <= now:
        return "now"
    return f"in {next_attempt_at - now:.0f}s"


def _done_at(sent_at: str | None, app: App) -> str:
    return local_time(sent_at, app.settings.tz) if sent_at else ""


@click.command("outbox")
@app_options
@click.option(
    "--status",
    type=click.Choice(CHOICES),
    default="open",
    show_default=True,
    help="Which messages: open (pending or being sent), all, or one status.",
)
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True, help="Newest N.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
@click.option(
    "--retry",
    "retry_ids",
    type=int,
    multiple=True,
    metavar="ID",
    help="Put this failed message back in the queue (repeatable).",
)
@click.option("--retry-failed", is_flag=True, help="Put every failed message back in the queue.")
@click.option(
    "--release",
    "release",
    is_flag=False,
    flag_value="all",
    default=None,
    metavar="[HOLD]",
    help="Send the alerts of a held scan (hold number; alone: every open hold). Audited.",
)
@click.option(
    "--discard",
    "discard",
    is_flag=False,
    flag_value="all",
    default=None,
    metavar="[HOLD]",
    help="Never send the alerts of a held scan (the cases stay). Audited.",
)
def outbox_cmd(
    app: App,
    status: str,
    limit: int,
    as_json: bool,
    retry_ids: tuple[int, ...],
    retry_failed: bool,
    release: str | None,
    discard: str | None,
) -> None:
    """Show the alert outbox: counts by status and the newest messages; requeue failed ones.

    A message fails when Telegram refuses it for good (the bot was removed from the chat, a wrong chat id);
    once the cause is fixed, --retry-failed queues them again and the bot (or `fakeapp scan --notify`)
    delivers them.

    Example: fakeapp outbox --status failed
    """
    db = app.db()
    if release is not None or discard is not None:
        _decide(db, release, discard, quiet=as_json)
    if retry_ids or retry_failed:
        try:
            done = outbox.requeue_failed(db, None if retry_failed else list(retry_ids))
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Requeued {len(done)} message(s): {', '.join(map(str, done)) or 'none failed'}.")
    found = outbox.rows(db, status, limit=limit)
    if as_json:
        for row in found:
            click.echo(json.dumps(row, ensure_ascii=False))  # text as queued: Telegram HTML
        return
    counts = outbox.counts(db)
    for h in holds.holds(db):
        click.echo(
            f"Hold #{h.id} (scan {h.scan_id}): {h.messages} held — {h.reason_line()}; "
            f"--release {h.id} or --discard {h.id}"
        )
    click.echo("Outbox: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    if not found:
        click.echo(f"No {status} messages.")
        return
    now = app.now().timestamp()
    rows = [
        [
            str(r["id"]),
            local_time(r["created_at"], app.settings.tz),
            r["status"],
            r["kind"],
            r["chat"],
            str(r["case_id"] or ""),
            str(r["attempts"] or 0),
            _when(r["next_attempt_at"], now) if r["status"] == "pending" else _done_at(r["sent_at"], app),
            r["last_error"] or plain(html_to_text(r["text"] or ""), limit=40),
        ]
        for r in found
    ]
    headers = ["id", "queued", "status", "kind", "chat", "case", "tries", "next / done", "error or text"]
    click.echo(table(headers, rows, max_col=60))


def _decide(db: object, release: str | None, discard: str | None, *, quiet: bool) -> None:
    """--release / --discard: one hold by number, or every open hold."""
    from bot.casework.workflow import cli_actor

    if release is not None and discard is not None:
        raise click.UsageError("--release and --discard together: choose one")
    action, which = ("release", release) if release is not None else ("discard", discard)
    actor = cli_actor().label
    try:
        if which == "all":
            done = holds.decide_all(db, action, actor)  # type: ignore[arg-type]
        else:
            if not str(which).lstrip("#").isdigit():
                raise click.BadParameter(f"not a hold number: {which!r}", param_hint=f"--{action}")
            done = [holds.decide(db, int(str(which).lstrip("#")), action, actor)]  # type: ignore[arg-type]
    except holds.HoldError as exc:
        raise click.ClickException(str(exc)) from None
    verb = "Released" if action == "release" else "Discarded"
    for h in done:
        click.echo(f"{verb} hold #{h.id}: {h.messages} message(s).", err=quiet)
    if not done:
        click.echo("No open holds.", err=quiet)
