"""``fakeapp link URL``: trace a lure link to every app it distributes, keep the trace in the database, open
a case per flagged artifact and one for the site, and print the hop chain, each artifact's verdict and the
site's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import App, app_options
from bot.core.textsafe import plain, table

if TYPE_CHECKING:
    from bot.record.links import Tracer
    from scanners.links.trace import TraceResult


def app_tracer(app: App, brand_id: str | None, allow_private: bool, deadline: float) -> Tracer:
    """The application's tracer for this command's settings and brand profile."""
    from bot.record.links import make_tracer

    return make_tracer(
        app.settings, app.profile(), brand_id=brand_id, allow_private=allow_private, deadline=deadline
    )


def cases_text(opened: list[int], existing: list[int]) -> str:
    """One line saying which cases a trace opened or found."""
    parts = []
    if opened:
        parts.append("opened " + ", ".join(f"#{i}" for i in opened))
    if existing:
        parts.append("already open " + ", ".join(f"#{i}" for i in existing))
    return "Cases: " + ("; ".join(parts) if parts else "none (nothing flagged)")


FACT_KEYS = (
    "package",
    "label",
    "bundle_id",
    "display_name",
    "title",
    "team_id",
    "team_name",
    "distribution",
    "expires",
    "code",
    "app_name",
    "state",
    "signer",
    "app_id",
    "version",
)


def render(result: TraceResult) -> str:
    """The trace as terminal text: the hop chain, each artifact's verdict and facts, and the site's."""
    lines = [f"Trace of {plain(result.start_url, limit=200)}"]
    lines.append("Hops:")
    for i, h in enumerate(result.hops, 1):
        status = str(h.status) if h.status else "—"
        extra = f" -> {plain(h.next_url, limit=160)}" if h.next_url else ""
        err = f"  [{plain(h.error, limit=120)}]" if h.error else ""
        lines.append(f"  {i:>2}. {status:>3} {h.kind:<15} {plain(h.url, limit=160)}{extra}{err}")
    lines.append(f"\nArtifacts: {len(result.artifacts)} ({len(result.flagged)} flagged)")
    if result.artifacts:
        lines.append(
            table(
                ["kind", "verdict", "brand", "url"],
                [[a.kind, a.verdict, a.brand or "—", a.url] for a in result.artifacts],
                max_col=100,
            )
        )
    for a in result.artifacts:
        lines.append(f"\n[{a.kind}] {a.verdict.upper()}  {plain(a.url, limit=160)}")
        facts = ", ".join(f"{k}={plain(a.facts[k], limit=80)}" for k in FACT_KEYS if a.facts.get(k))
        if facts:
            lines.append(f"  {facts}")
        if a.sha256:
            lines.append(
                f"  SHA-256 {a.sha256}  {a.size:,} bytes  (found by {a.via}, {a.detected_by or '—'})"
            )
        for r in a.reasons:
            lines.append(f"  - {plain(r.zh)}")
            lines.append(f"    {plain(r.en)}")
    if result.site is not None:
        s = result.site
        lines.append(
            f"\nSite: {s.verdict.upper()}  {plain(s.domain)} ({s.address or '—'})  brand {s.brand or '—'}"
        )
        for r in s.reasons:
            lines.append(f"  - {plain(r.zh)}")
            lines.append(f"    {plain(r.en)}")
    if result.errors:
        lines.append("\nProblems:")
        lines.extend(f"  - {plain(e, limit=300)}" for e in result.errors)
    if result.stopped:
        lines.append(f"\nStopped early: {plain(result.stopped)}")
    lines.append(f"\n{result.requests} requests, {result.bytes_read:,} bytes, {result.elapsed:.2f} s")
    return "\n".join(lines)


@click.command("link")
@click.argument("url")
@click.option("--brand", "brand_id", default=None, help="Judge against one brand id only (default: all).")
@click.option("--json", "json_out", is_flag=True, help="Print one JSON object (hops, artifacts, site).")
@click.option(
    "--allow-private-urls",
    is_flag=True,
    help="Allow links to loopback/private addresses (testing only; the fetch is server-side).",
)
@click.option(
    "--deadline",
    type=click.FloatRange(1, 3600),
    default=180.0,
    show_default=True,
    help="Seconds for the whole trace.",
)
@click.option(
    "--keep",
    "keep_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep downloaded artifacts in this folder, named by SHA-256.",
)
@app_options
def link_cmd(
    app: App,
    url: str,
    brand_id: str | None,
    json_out: bool,
    allow_private_urls: bool,
    deadline: float,
    keep_dir: Path | None,
) -> None:
    """Trace a link (short link, share page, download page) to every app it distributes: APK, iOS
    enterprise/ad-hoc build, TestFlight invitation, configuration profile, store links; judge each one.

    Example: fakeapp link https://bit.ly/xxxx --json
    """
    if not url.lower().startswith(("http://", "https://")):
        raise click.ClickException("give an http(s) link")
    from bot.cases.model import cli_actor
    from bot.desk.hooks import hooks_for
    from bot.desk.links import default_screenshot, trace_link

    tracer = app_tracer(app, brand_id, allow_private_urls, deadline)
    db = app.db(create=True)
    outcome = trace_link(
        db,
        tracer,
        url,
        actor=cli_actor(),
        trigger="cli",
        screenshot=default_screenshot(),
        keep_dir=keep_dir,
        hooks=hooks_for(app.settings, app.profile()),
    )
    r = outcome.result
    if not r.pages and not r.artifacts:
        why = plain((r.errors[0] if r.errors else r.stopped) or "no answer", limit=200)
        click.echo(f"WARNING: the link could not be opened, so nothing was checked: {why}", err=True)
    if json_out:
        d = outcome.result.to_dict()
        d["trace_id"] = outcome.trace_id
        d["cases"] = {"opened": outcome.cases.opened, "existing": outcome.cases.existing}
        click.echo(json.dumps(d, ensure_ascii=False, indent=2))
        return
    click.echo(render(outcome.result))
    click.echo(
        f"\nTrace #{outcome.trace_id} recorded. {cases_text(outcome.cases.opened, outcome.cases.existing)}"
    )
