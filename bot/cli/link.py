"""``fakeapp link URL``: trace a lure link to every app it distributes and print the hop chain, each
artifact's verdict and the site's (no cases yet)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import App, app_options
from bot.core.textsafe import plain, table

if TYPE_CHECKING:
    from scanners.judging.names import PreparedBrand
    from scanners.links.trace import TraceResult


def tracer_parts(
    app: App, brand_id: str | None, allow_private: bool, deadline: float
) -> tuple[list[PreparedBrand], Callable[..., TraceResult]]:
    """The brands and a ``run(url, keep_dir=None)`` callable: one trace with its own fetcher (its own time
    and byte budget), the real store adapters and the APK check."""
    from bot.record.scan import make_adapters, prepare_profile
    from scanners.apk.verdict import analyse_apk
    from scanners.links.fetch import Fetcher
    from scanners.links.stores import store_judge
    from scanners.links.trace import trace

    profile = app.profile()
    brands = prepare_profile(profile)
    if brand_id:
        profile.brand(brand_id)  # raises ProfileError naming the known ids
        brands = [b for b in brands if b.brand.id == brand_id]
    judge = store_judge(make_adapters(app.settings), brands)
    testflight = os.environ.get("FAKEAPP_TESTFLIGHT_URL", "https://testflight.apple.com")

    def run(url: str, keep_dir: Path | None = None) -> TraceResult:
        return trace(
            url,
            Fetcher(allow_private=allow_private, deadline=deadline),
            brands,
            store_judge=judge,
            apk_analyser=lambda p, name: analyse_apk(p, brands, display_name=name),
            testflight_base=testflight,
            keep_dir=keep_dir,
        )

    return brands, run


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
    _, run = tracer_parts(app, brand_id, allow_private_urls, deadline)
    result = run(url, keep_dir)
    if json_out:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render(result))
