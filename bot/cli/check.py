"""``fakeapp check``: validate a profile and settings before applying them, and dry-run the judge on the
listings already stored: which verdicts would change, and whether every official app stays official.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from bot.cli.common import App, app_options
from bot.core.textsafe import plain, table


def _listing(row: dict[str, Any]) -> Any:
    from scanners.listing import Listing

    data = dict(row)
    try:
        data["screenshots"] = json.loads(row.get("screenshots") or "[]")
    except ValueError:
        data["screenshots"] = []
    return Listing.from_dict(data)


def dry_run(db: Any, profile: Any) -> dict[str, Any]:
    """Judge every stored listing with ``profile``: changes, official apps flagged, listings not judged."""
    from bot.record.scan import prepare_profile
    from scanners.judging.verdict import judge_all

    brands = prepare_profile(profile)
    official = {
        f"{store}:{a.app_id}"
        for b in profile.brands
        for store in ("google_play", "app_store")
        for a in b.apps_in(store)
    }
    changes, flagged, not_judged = [], [], []
    n = 0
    for row in db.query("SELECT * FROM listings ORDER BY key"):
        n += 1
        try:  # one bad listing is reported, never stops the others (judging fails per listing)
            verdict = judge_all(_listing(row), brands, icon_hash=row.get("icon_hash") or None)
        except Exception as exc:
            not_judged.append({"key": row["key"], "reason": f"{type(exc).__name__}: {exc}"[:200]})
            continue
        was_official = row["verdict"] == "official" or row["key"] in official
        if verdict.verdict != row["verdict"]:
            changes.append(
                {
                    "key": row["key"],
                    "title": row["title"] or "",
                    "old": row["verdict"] or "",
                    "new": verdict.verdict,
                    "score": verdict.score,
                }
            )
        if was_official and verdict.verdict != "official":
            flagged.append(
                {
                    "key": row["key"],
                    "title": row["title"] or "",
                    "new": verdict.verdict,
                    "score": verdict.score,
                }
            )
    stored = {r["key"] for r in db.query("SELECT key FROM listings")}
    return {
        "listings": n,
        "changes": changes,
        "official_flagged": flagged,
        "official_not_stored": sorted(official - stored),
        "not_judged": not_judged,
    }


@click.command("check")
@app_options
@click.option(
    "--settings",
    "settings_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A settings file to validate (as FAKEAPP_SETTINGS would load it).",
)
@click.option("--json", "as_json", is_flag=True, help="The result as JSON.")
def check_cmd(app: App, settings_file: Path | None, as_json: bool) -> None:
    """Validate the brand profile (--config) and settings (--settings), then dry-run the judge on the
    listings already stored: which verdicts would change, whether every official app stays official.

    Nothing is written. Exit status: 0 fine, 1 the profile or settings are invalid, 2 an official app would be
    flagged (do not apply this profile).

    Example: fakeapp check --config data/brands.new.toml
    """
    from bot.cases.actions import effective_profile
    from bot.core.settings import load_settings

    if settings_file is not None:
        if not settings_file.exists():
            raise click.ClickException(f"settings file not found: {settings_file}")
        load_settings(settings_file=settings_file)  # SettingsError: one line, exit 1
    profile = app.profile()  # ProfileError: one line, exit 1
    db = app.db()
    result = dry_run(db, effective_profile(db, profile))
    result["profile"] = str(app.settings.config_path)
    result["brands"] = len(profile.brands)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(f"Profile {app.settings.config_path}: valid, {len(profile.brands)} brand(s).")
        if settings_file is not None:
            click.echo(f"Settings {settings_file}: valid.")
        click.echo(
            f"Dry run over {result['listings']} stored listing(s): {len(result['changes'])} "
            "verdict(s) would change."
        )
        if result["changes"]:
            click.echo(
                table(
                    ["listing", "title", "now", "would be", "score"],
                    [
                        [c["key"], plain(c["title"], limit=40), c["old"], c["new"], str(c["score"])]
                        for c in result["changes"]
                    ],
                )
            )
        for x in result["not_judged"]:
            click.echo(f"not judged: {x['key']}: {plain(x['reason'])}")
        if result["official_not_stored"]:
            click.echo(
                "Official apps never scanned yet (not checked): " + ", ".join(result["official_not_stored"])
            )
        if result["official_flagged"]:
            for f in result["official_flagged"]:
                click.echo(
                    f"OFFICIAL APP WOULD BE FLAGGED: {f['key']} ({plain(f['title'], limit=60)}) -> "
                    f"{f['new']}",
                    err=True,
                )
        else:
            click.echo("Every official app stays official.")
    if result["official_flagged"]:
        sys.exit(2)
