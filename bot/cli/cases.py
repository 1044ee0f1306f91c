"""``fakeapp cases`` and ``fakeapp case``: the bot's case desk from the terminal, on the same timeline."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import click

from bot.cases.model import CaseError, cli_actor
from bot.cli.common import App, app_options
from bot.core.clock import local_date, local_time
from bot.core.textsafe import plain, table
from bot.desk import cases


def _case_dict(case: cases.Case) -> dict[str, Any]:
    d = dataclasses.asdict(case)
    d["reasons"] = [r.to_dict() for r in case.reasons]
    return d


@click.command("cases")
@app_options
@click.option(
    "--state",
    default="open",
    show_default=True,
    help="open, all, new, confirmed, false_positive, resolved or relisted.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per case.")
def cases_cmd(app: App, state: str, as_json: bool) -> None:
    """List cases, newest first.

    Example: fakeapp cases --state confirmed
    """
    try:
        found = cases.list_cases(app.db(), state=state)
    except CaseError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        for c in found:
            click.echo(json.dumps(_case_dict(c), ensure_ascii=False))
        return
    if not found:
        click.echo(f"No {state} cases.")
        return
    rows = [
        [
            str(c.id),
            c.state,
            c.takedown,
            c.police,
            "yes" if c.listed else "no",
            c.brand,
            c.store,
            c.app_id,
            plain(c.title, limit=30),
            local_time(c.opened_at, app.settings.tz),
        ]
        for c in found
    ]
    click.echo(
        table(
            ["id", "state", "takedown", "police", "listed", "brand", "store", "app id", "title", "opened"],
            rows,
        )
    )


@click.command("case")
@app_options
@click.argument("case_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="The case and its timeline as JSON.")
@click.option("--confirm", is_flag=True, help="Confirm the app is fake.")
@click.option("--fp", "fp", default=None, metavar="REASON", help="Mark as a false positive.")
@click.option("--takedown", default=None, metavar="REF", help="Record a takedown request (store reference).")
@click.option(
    "--takedown-rejected", "rejected", default=None, metavar="REASON", help="The store refused the takedown."
)
@click.option("--police", default=None, metavar="REPORT_NO", help="Record a police / 165 report number.")
@click.option("--agency", default="165", show_default=True, help="Agency for --police.")
@click.option("--note", "note_text", default=None, metavar="TEXT", help="Add a note to the timeline.")
@click.option("--assign", default=None, metavar="WHO", help="Assign the case.")
@click.option(
    "--resolve",
    default=None,
    metavar="NOTE",
    help="Resolve (a note is required while the app is still listed).",
)
@click.option(
    "--allow", "allow_it", is_flag=True, help="Add the app to its brand's allow list and close the case."
)
def case_cmd(
    app: App,
    case_id: int,
    as_json: bool,
    confirm: bool,
    fp: str | None,
    takedown: str | None,
    rejected: str | None,
    police: str | None,
    agency: str,
    note_text: str | None,
    assign: str | None,
    resolve: str | None,
    allow_it: bool,
) -> None:
    """Show a case with its timeline, or change it (the local login is recorded as the actor).

    Actions apply in this order: confirm, takedown, takedown-rejected, police, note, assign, fp, allow,
    resolve.

    Example: fakeapp case 12 --takedown GP-2026-1187 --police A11300123 --resolve "removed by Google"
    """
    changes = (confirm, takedown, rejected, police, note_text, assign, fp, allow_it, resolve)
    db = app.db(create=any(x not in (None, False) for x in changes))
    who = cli_actor()
    hooks = cases.hooks_for(app.settings, app.brand_profile())  # the official links, when the profile reads
    try:
        case = cases.get_case(db, case_id)
        if confirm:
            case = cases.confirm(db, case_id, who, hooks=hooks)
        if takedown is not None:
            case = cases.request_takedown(db, case_id, who, takedown, hooks=hooks)
        if rejected is not None:
            case = cases.reject_takedown(db, case_id, who, rejected, hooks=hooks)
        if police is not None:
            case = cases.report_police(db, case_id, who, police, agency, hooks=hooks)
        if note_text is not None:
            case = cases.note(db, case_id, who, note_text, hooks=hooks)
        if assign is not None:
            case = cases.assign(db, case_id, who, assign, hooks=hooks)
        if fp is not None:
            case = cases.false_positive(db, case_id, who, fp, hooks=hooks)
        if allow_it:
            case = cases.allow(db, case_id, who, hooks=hooks)
        if resolve is not None:
            case = cases.resolve(db, case_id, who, resolve, hooks=hooks)
    except CaseError as exc:
        raise click.ClickException(str(exc)) from None
    events = cases.timeline(db, case_id)
    tz = app.settings.tz
    if as_json:
        out = _case_dict(case)
        out["timeline"] = [dataclasses.asdict(e) for e in events]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(f"Case #{case.id}  {case.state}  ({case.brand}, {case.store})")
    for label, value in (
        ("app", f"{case.title}  [{case.app_id}]"),
        ("developer", case.developer),
        ("url", case.url),
        ("verdict", f"{case.verdict} ({case.score})"),
        ("listed", "yes" if case.listed else "no"),
        (
            "takedown",
            " ".join(
                x
                for x in (
                    case.takedown,
                    local_date(case.takedown_at, tz) if case.takedown_at else "",
                    case.takedown_ref,
                )
                if x
            ),
        ),
        ("police", " ".join(x for x in (case.police, case.police_agency, case.police_no) if x)),
        ("assignee", case.assignee),
        ("resolution", case.resolution),
        ("sha256", case.apk_sha256 or ""),
    ):
        if value:
            click.echo(f"  {label:<10} {plain(value, limit=200)}")
    for r in case.reasons:
        click.echo(f"  - {plain(r.en or r.zh, limit=160)} ({r.points:+d})")
    click.echo("\nTimeline:")
    click.echo(
        table(
            ["at", "actor", "action", "field", "from", "to", "why"],
            [[local_time(e.at, tz), e.actor, e.action, e.field, e.old, e.new, e.reason] for e in events],
        )
    )
