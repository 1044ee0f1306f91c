"""``fakeapp feed 165 FILE_OR_URL``: read the police's 165 list of confirmed fraud sites, print the rows that
concern a brand, and trace only those (no cases yet)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bot.cli.common import App, app_options
from bot.core.textsafe import plain, table


def _read(target: str, allow_private: bool) -> bytes:
    from scanners.feeds.f165 import MAX_FEED
    from scanners.links.fetch import Fetcher, FetchError, fetch_bytes

    if target.lower().startswith(("http://", "https://")):
        try:
            return fetch_bytes(Fetcher(allow_private=allow_private, deadline=120), target, max_bytes=MAX_FEED)
        except FetchError as exc:
            raise click.ClickException(f"cannot fetch the list: {exc}") from None
    p = Path(target)
    try:
        if p.stat().st_size > MAX_FEED:
            raise click.ClickException(f"{p}: larger than {MAX_FEED:,} bytes")
        return p.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{p}: cannot read: {exc.strerror or exc}") from None


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
    """Read the 165 list (CSV or JSON, a file or an http(s) link), match its rows to the brands by name and
    domain, and trace only the matching sites.

    Example: fakeapp feed 165 165_fake_sites.csv
    """
    from bot.cli.link import render, tracer_parts
    from scanners.feeds.f165 import FeedError, match_feed, parse_165

    try:
        feed = parse_165(_read(target, allow_private_urls))
    except FeedError as exc:
        raise click.ClickException(str(exc)) from None
    brands, run = tracer_parts(app, brand_id, allow_private_urls, deadline)
    matches = match_feed(feed.rows, brands)
    traces: list[dict[str, Any]] = []
    texts: list[str] = []
    if not no_trace:
        for m in matches:
            result = run(m.row.url)
            traces.append({"row": m.row.key, "trace": result.to_dict()})
            texts.append(render(result))
    if json_out:
        click.echo(
            json.dumps(
                {
                    "format": feed.format,
                    "rows": len(feed.rows),
                    "errors": list(feed.errors),
                    "matches": [m.to_dict() for m in matches],
                    "traces": traces,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(f"165 list ({feed.format}): {len(feed.rows)} rows, {len(matches)} concern a brand")
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
    for t in texts:
        click.echo("\n" + t)
