"""``fakeapp scan``, ``fakeapp search`` and ``fakeapp lookup``: the store scanners from the terminal."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import click

from bot.cli.common import App, app_options
from bot.core.textsafe import plain, table
from scanners.listing import STORES

if TYPE_CHECKING:
    from bot.record.scan import ScanResult


@contextlib.contextmanager
def _maybe_demo(app: App, demo: bool) -> Iterator[App]:
    if not demo:
        yield app
        return
    from bot.demo.run import demo_settings

    with demo_settings(app.settings) as settings:
        yield App(settings)


def _progress(enabled: bool) -> Callable[[str], None]:
    tty = sys.stderr.isatty()

    def say(message: str) -> None:
        if not enabled:
            return
        if tty:
            click.echo(f"\r\033[K{plain(message, limit=100)}", err=True, nl=False)
        else:
            click.echo(plain(message), err=True)

    return say


def print_summary(result: ScanResult) -> None:
    """Print a scan's outcome: store runs, suspects (new and re-listed first), APKs checked, not judged."""
    click.echo(f"\nScan #{result.scan_id}: {result.status.upper()}  ({result.listings_seen} listings judged)")
    click.echo(
        table(
            ["brand", "store", "status", "canary", "candidates", "requests", "reason"],
            [
                [
                    r.brand,
                    r.store,
                    r.status,
                    "ok" if r.canary_ok else "MISSING",
                    str(r.candidates),
                    str(r.requests),
                    r.reason,
                ]
                for r in result.runs
            ],
            max_col=90,
        )
    )
    suspects = result.suspects
    order = {"new": 0, "relisted": 1, "changed": 2, "vanished": 3, "same": 4}
    suspects.sort(key=lambda c: (order.get(c.change, 9), -c.score))
    counts = {k: sum(1 for c in suspects if c.change == k) for k in order}
    click.echo(
        f"\nSuspects: {counts['new']} new, {counts['relisted']} relisted, {counts['changed']} changed, "
        f"{counts['vanished']} vanished, {counts['same']} unchanged"
    )
    if suspects:
        click.echo(
            table(
                ["change", "verdict", "score", "brand", "store", "app id", "title", "developer"],
                [
                    [c.change, c.verdict, str(c.score), c.brand, c.store, c.app_id, c.title, c.developer]
                    for c in suspects
                ],
            )
        )
    if result.apk_checks:
        click.echo("\nAptoide suspects' APKs analysed (full verdict):")
        for c in result.apk_checks:
            outcome = c["verdict"] or f"not analysed: {c['error']}"
            if c["matches_store"] is False:
                outcome += " (signed with another certificate than the store reports)"
            click.echo(f"  {plain(c['key'])}: {plain(outcome, limit=200)}")
    if result.not_judged:
        click.echo(f"\nNot judged: {len(result.not_judged)} listing(s) could not be judged; check by hand:")
        click.echo(
            table(
                ["brand", "store", "app id", "title", "reason"],
                [[n.brand, n.store, n.app_id, n.title, n.reason] for n in result.not_judged],
                max_col=60,
            )
        )
    if result.status != "ok":
        click.echo(
            "\nWARNING: the scan is incomplete; what it did not see it cannot report. Degraded stores:",
            err=True,
        )
        for r in result.runs:
            if r.status != "ok":
                click.echo(f"  {r.store} ({r.brand}): {r.status}: {plain(r.reason)}", err=True)


@click.command("scan")
@app_options
@click.option("--demo", is_flag=True, help="Scan the bundled offline snapshot served on a loopback port.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--notify", is_flag=True, help="Deliver the alerts through Telegram (needs TELEGRAM_BOT_TOKEN)."
)
@click.option("--store", "stores", multiple=True, type=click.Choice(STORES), help="Only these stores.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@click.option(
    "--allow-private-urls",
    is_flag=True,
    help="Let the 165 list and link re-checks reach loopback/private addresses (testing only).",
)
def scan_cmd(
    app: App,
    demo: bool,
    as_json: bool,
    notify: bool,
    stores: tuple[str, ...],
    quiet: bool,
    allow_private_urls: bool,
) -> None:
    """Search every store for every brand, judge each listing, and record the findings; then import the 165
    list when FAKEAPP_FEED_165_URL is set and re-check the sites and files of open link cases.

    Exit status: 0 when every store answered and found its official app (the canary), 2 when a store was
    degraded or broken: its findings are then incomplete.

    Example: fakeapp scan --demo
    """
    from bot.record.scan import make_adapters, run_scan

    with _maybe_demo(app, demo) as run_app:
        from bot.cases.actions import effective_profile
        from bot.store.locks import ScanBusy, scan_lock

        db = run_app.db(create=True)
        profile = effective_profile(db, run_app.profile())  # with the bot's /allow additions
        from bot.record.watch import mark_interrupted, ping, scan_gate

        gate = scan_gate(db, make_adapters(run_app.settings, stores or None))  # the kill switches
        if not gate.adapters:
            click.echo(f"Not scanned: {gate.reason()}.", err=True)
            sys.exit(2)
        say = _progress(not quiet and not as_json)
        try:
            with scan_lock(run_app.settings.db_path):  # never two scans at once, bot included
                interrupted = mark_interrupted(db)
                trigger = "demo" if demo else "cli"
                result = run_scan(
                    db,
                    profile,
                    run_app.settings,
                    gate.adapters,
                    trigger=trigger,
                    progress=say,
                    clock=app.clock,
                )
        except ScanBusy as exc:
            raise click.ClickException(str(exc)) from None
        if not quiet and not as_json and sys.stderr.isatty():
            click.echo("\r\033[K", err=True, nl=False)
        if not as_json:
            print_summary(result)
            if demo:
                click.echo(f"\nDatabase: {run_app.settings.db_path}")
        # HOOK(cases): the links (165 list, re-checks of open link cases), open cases from the findings,
        # queue the alerts, deliver them with --notify.
        from bot.desk.outbox import after_scan
        from bot.outbox.holds import ops_lines

        after_scan(db, result.scan_id, profile, run_app.settings, notify=notify,
                   allow_private=allow_private_urls,
                   echo=lambda line: click.echo(line, err=as_json))  # fmt: skip
        if result.status == "ok" and run_app.settings.heartbeat_url:
            error = ping(db, run_app.settings.heartbeat_url)
            click.echo(f"Heartbeat ping: {error or 'ok'}", err=True)
        if as_json:
            from bot.outbox import holds
            from bot.store import switches

            data = result.to_dict()
            data["not_scanned"] = gate.skipped
            data["interrupted_before"] = interrupted
            data["paused"] = [s.to_dict() for s in switches.paused(db).values()]
            data["held"] = [h.to_dict() for h in holds.holds(db) if h.scan_id == result.scan_id]
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            if gate.skipped:
                click.echo(f"Not scanned (paused): {', '.join(gate.skipped)}")
            for i in interrupted:
                click.echo(f"Note: scan #{i} was interrupted before it finished; this scan covers it.")
            for line in ops_lines(db, "en"):
                click.echo(line)
    if result.status != "ok" or gate.skipped:
        sys.exit(2)


def _listing_rows(listings: list[dict[str, object]]) -> str:
    if any(x.get("cert_sha1") for x in listings):  # Aptoide: the package, user store and certificate
        return table(
            ["app id", "package", "title", "developer", "store", "downloads", "certificate SHA-1"],
            [
                [str(x.get(k, "")) for k in
                 ("app_id", "bundle_id", "title", "developer", "store_name", "installs", "cert_sha1")]
                for x in listings
            ],
        )  # fmt: skip
    return table(
        ["app id", "title", "developer", "developer id"],
        [
            [
                str(x.get("app_id", "")),
                str(x.get("title", "")),
                str(x.get("developer", "")),
                str(x.get("developer_id", "")),
            ]
            for x in listings
        ],
    )


@click.command("search")
@app_options
@click.argument("store", type=click.Choice(STORES))
@click.argument("term")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines, one listing each.")
@click.option("--demo", is_flag=True, help="Search the bundled offline snapshot.")
def search_cmd(app: App, store: str, term: str, as_json: bool, demo: bool) -> None:
    """Search one store for a term, as the scan does (zh-TW, Taiwan).

    On Aptoide each result's metadata is fetched too, for its signing certificate (cert_sha1, cert_owner).
    The Galaxy Store has no public search: use lookup.

    Example: fakeapp search google_play 華岳證券
    """
    from bot.record.scan import make_adapters
    from scanners.stores import StoreError

    with _maybe_demo(app, demo) as run_app:
        adapter = make_adapters(run_app.settings, [store])[store]
        full = getattr(adapter, "search_full", None)
        try:
            found = full(term) if full is not None else adapter.search(term)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from None
    rows = [x.to_dict() for x in found]
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    else:
        click.echo(_listing_rows(rows) if rows else "No results.")


@click.command("lookup")
@app_options
@click.argument("store", type=click.Choice(STORES))
@click.argument("app_id")
@click.option("--json", "as_json", is_flag=True, help="Print the listing as JSON.")
@click.option("--demo", is_flag=True, help="Look up in the bundled offline snapshot.")
def lookup_cmd(app: App, store: str, app_id: str, as_json: bool, demo: bool) -> None:
    """Fetch one app's full listing: developer id, legal name, e-mail, website, version.

    Example: fakeapp lookup google_play tw.com.huayuesec.trade
    """
    from bot.record.scan import make_adapters

    with _maybe_demo(app, demo) as run_app:
        adapter = make_adapters(run_app.settings, [store])[store]
        listing = adapter.lookup(app_id)
    if listing is None:
        raise click.ClickException(f"{store}: no app {app_id!r} (removed, or not sold in Taiwan)")
    data = listing.to_dict()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for key, value in data.items():
            if value not in ("", None, [], False):
                click.echo(f"{key:>22}: {plain(value, limit=200)}")
