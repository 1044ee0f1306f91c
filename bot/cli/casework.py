"""``fakeapp evidence``, ``fakeapp draft`` and ``fakeapp report``: evidence packs, ready-to-file drafts and
casework reports from the terminal (the same library calls as the bot)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

import click

from bot.casework.kinds import KINDS as DRAFT_KINDS
from bot.cli.common import App, app_options


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """Case, draft and evidence refusals are the user's business: one line, exit code 1."""
    from bot.cases.actions import CaseError
    from bot.casework.drafts import DraftError
    from bot.casework.evidence import EvidenceError

    try:
        yield
    except (CaseError, DraftError, EvidenceError, LookupError) as exc:
        raise click.ClickException(str(exc).strip("'\"")) from None


@click.command("evidence")
@click.argument("case_id", type=int)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the ZIP: a file, or a directory (default: beside the database).",
)
@app_options
def evidence_cmd(app: App, case_id: int, out: Path | None) -> None:
    """Write the evidence pack of a case (ZIP with summary, raw responses, images, timeline, manifest).

    Generating it is recorded on the case's timeline, with the pack's SHA-256.

    Example: fakeapp evidence 12 --out /tmp/
    """
    from bot.cases.model import cli_actor
    from bot.casework.evidence import make_pack, verify_pack

    with _one_line_errors():
        db = app.db()
        from bot.cases.actions import get_case

        case = get_case(db, case_id)
        brand_name = case.brand
        with suppress(ValueError):  # an unknown brand id still gets its evidence
            brand_name = app.profile().brand(case.brand).name
        pack = make_pack(db, case_id, cli_actor(), brand_name=brand_name, tz=app.settings.tz)
    target = out or app.settings.db_path.parent / pack.filename  # beside the database, like other state
    if target.is_dir():
        target = target / pack.filename
    try:
        target.write_bytes(pack.data)
    except OSError as exc:
        raise click.ClickException(f"{target}: cannot write: {exc.strerror or exc}") from None
    problems = verify_pack(target.read_bytes())
    if problems:
        raise click.ClickException(f"{target}: written but does not verify: {problems[0]}")
    names = pack.names()
    click.echo(f"{target}  ({len(names)} files, {len(pack.data):,} bytes)")
    for name in names:
        click.echo(f"  {name}")
    click.echo(f"zip sha256       {pack.sha256}")
    click.echo(f"manifest sha256  {pack.manifest_sha256}")


@click.command("draft")
@click.argument("case_id", type=int)
@click.argument("kind", type=click.Choice(list(DRAFT_KINDS)))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--force", is_flag=True, help="Draft a takedown request even though one was already made.")
@click.option("--html", "as_html", is_flag=True, help="website: print the HTML snippet instead of text.")
@app_options
def draft_cmd(app: App, case_id: int, kind: str, lang: str, force: bool, as_html: bool) -> None:
    """Print a ready-to-file draft for a case: play, apple, aptoide, galaxy, store, police or website; for a
    link case also hosting (the site's hosting provider, by IP), registrar (by domain) or apple_dev (Apple,
    for an enterprise/ad-hoc certificate or a TestFlight beta: the team id).

    play picks the Google Play impersonation form or the intellectual-property (trademark) form and says
    why; a second takedown request for the same listing is refused unless --force.

    Example: fakeapp draft 12 police --lang en
    """
    from bot.cases.model import cli_actor
    from bot.casework.workflow import draft_for_case

    with _one_line_errors():
        draft = draft_for_case(
            app.db(), app.profile(), case_id, kind, lang, force=force, actor=cli_actor(), tz=app.settings.tz
        )
    click.echo(draft.html if as_html and draft.html else draft.text())


@click.command("report")
@click.option(
    "--since",
    "since",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="First day (in FAKEAPP_TIMEZONE).",
)
@click.option(
    "--until",
    "until",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Day after the last (default now).",
)
@click.option("--csv", "as_csv", is_flag=True, help="CSV: one row overall, then one per store and per brand.")
@click.option(
    "--chart", "chart", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write a PNG."
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@app_options
def report_cmd(
    app: App, since: datetime, until: datetime | None, as_csv: bool, chart: Path | None, lang: str
) -> None:
    """Report new suspects, confirmations, false positives, takedowns, time to removal, police reports and
    re-listings for a period, per store and brand (definitions in the README).

    Example: fakeapp report --since 2026-11-01 --until 2026-12-01 --csv --chart report.png
    """
    from bot.casework.reports import day_start, load_report, render_chart, render_csv, render_text

    tz = app.settings.tz
    start = day_start(since.date(), tz)
    end = day_start(until.date(), tz) if until is not None else app.now().replace(microsecond=0)
    if end <= start:
        raise click.ClickException("--until must be after --since")
    report = load_report(app.db(), start, end, tz)
    click.echo(render_csv(report) if as_csv else render_text(report, lang, _brand_names(app)), nl=not as_csv)
    if chart is not None:
        from bot.casework.reports import chart_language
        from bot.core.fonts import NO_CJK_FONT

        chart_lang, font = chart_language(lang)
        try:
            chart.write_bytes(render_chart(report, chart_lang, font))
        except OSError as exc:
            raise click.ClickException(f"{chart}: cannot write: {exc.strerror or exc}") from None
        click.echo(f"chart: {chart}", err=True)
        if chart_lang != lang:
            click.echo(f"note: {NO_CJK_FONT}: the chart's labels are in English", err=True)


def _brand_names(app: App) -> dict[str, str]:
    """Brand id -> display name from the profile (ids when there is no readable profile)."""
    from scanners.profile import ProfileError

    try:
        return {b.id: b.name for b in app.profile().brands}
    except (ProfileError, OSError):
        return {}
