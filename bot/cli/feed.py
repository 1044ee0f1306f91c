"""``fakeapp feed 165 FILE_OR_URL``: import the police's 165 list of confirmed fraud sites (every row with its
period, once), trace only the new rows that concern a brand, and open cases for what they distribute."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bot.cli.common import App, app_options
from bot.core.textsafe import plain, table


@click.group("feed")
def feed_cmd() -> None:
    """Import outside lists of fraud sites (today: the police's 165 list).

    Example: fakeapp feed 165 165_fake_sites.csv --json
    """


@feed_cmd.command("165")
@click.argument("target")
@click.option("--json", "json_out", is_flag=True, help="Print one JSON object.")
@click.option("--brand", "brand_id", default=None, help="Match one brand id only (default: all).")
@click.option("--allow-private-urls", is_flag=True, help="Allow loopback/private addresses (testing only).")
@click.option("--no-trace", is_flag=True, help="Only match the rows; do not trace them.")
@click.option(
    "--deadline",
    type=click.FloatRange(1, 3600),
    default=120.0,
    show_default=True,
    help="Seconds for each row's trace.",
)
@app_options
def feed_165_cmd(
    app: App,
    target: str,
    json_out: bool,
    brand_id: str | None,
    allow_private_urls: bool,
    no_trace: bool,
    deadline: float,
) -> None:
    """Import the 165 list (CSV or JSON, a file or an http(s) link): keep every row with its period (a
    re-import adds only new rows), match them to the brands by name and domain, trace only the new matches
    and open cases for what they distribute.

    Example: fakeapp feed 165 165_fake_sites.csv
    """
    from bot.cases.model import cli_actor
    from bot.cli.link import app_tracer, cases_text, render
    from bot.desk.hooks import hooks_for
    from bot.desk.links import FeedReadError, default_screenshot, import_165, read_feed

    tracer = app_tracer(app, brand_id, allow_private_urls, deadline)
    db = app.db(create=True)
    try:
        got = import_165(
            db,
            read_feed(target, allow_private=allow_private_urls),
            tracer,
            actor=cli_actor(),
            source=target if target.lower().startswith(("http://", "https://")) else Path(target).name,
            trace=not no_trace,
            screenshot=default_screenshot(),
            hooks=hooks_for(app.settings, app.profile()),
        )
    except FeedReadError as exc:
        raise click.ClickException(str(exc)) from None
    feed, matches = got.feed, got.matches
    traces: list[dict[str, Any]] = [
        {
            "row": m.row.key,
            "trace_id": o.trace_id,
            "cases": {"opened": o.cases.opened, "existing": o.cases.existing},
            "trace": o.result.to_dict(),
        }
        for m, o in got.traced
    ]
    if json_out:
        click.echo(
            json.dumps(
                {
                    "format": feed.format,
                    "rows": len(feed.rows),
                    "new_rows": len(got.imported.new_keys),
                    "import_id": got.imported.import_id,
                    "errors": list(feed.errors),
                    "matches": [m.to_dict() for m in matches],
                    "new_matches": [m.row.key for m in got.imported.new_matches],
                    "traces": traces,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(
        f"165 list ({feed.format}): {len(feed.rows)} rows ({len(got.imported.new_keys)} new), "
        f"{len(matches)} concern a brand ({len(got.imported.new_matches)} new)"
    )
    if feed.errors:
        click.echo(f"{len(feed.errors)} rows skipped, e.g. {plain(feed.errors[0], limit=200)}")
    if matches:
        click.echo(
            table(
                ["brand", "site", "address", "reports", "period"],
                [
                    [m.brand, m.row.name, m.row.url, str(m.row.count or "—"), f"{m.row.start}..{m.row.end}"]
                    for m in matches
                ],
                max_col=70,
            )
        )
    for _m, o in got.traced:
        click.echo("\n" + render(o.result))
        click.echo(f"Trace #{o.trace_id} recorded. {cases_text(o.cases.opened, o.cases.existing)}")
