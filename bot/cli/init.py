"""``fakeapp init``: write the starter files (or the demo's) where the user runs fakeapp."""

from __future__ import annotations

from pathlib import Path

import click

from bot.core.bundled import bundled

# target (relative to the working directory) -> shipped file (relative to the bundled data)
STARTER = {
    "data/brands.toml": "starter/brands.toml",
    "data/settings.toml": "starter/settings.toml",
}
DEMO = {
    "data/brands.toml": "brands.toml",
    "data/icons/huayue.png": "icons/huayue.png",
    "data/icons/ruifeng.png": "icons/ruifeng.png",
    "data/certs/huayue_official.pem": "certs/huayue_official.pem",  # brands.toml's cert_file
    "data/listings.jsonl": "demo/listings.jsonl",
    "data/apks/repackaged.apk": "demo/apks/repackaged.apk",
    "data/apks/transplant.apk": "demo/apks/transplant.apk",
}
STARTER_STEPS = (
    "Edit data/brands.toml: your brand's names, official developer ids, package names and certificates.",
    "Edit data/settings.toml (the bot's chats and admins; the token is better in TELEGRAM_BOT_TOKEN), "
    "then: export FAKEAPP_SETTINGS=data/settings.toml",
    "Run `fakeapp scan`, then `fakeapp bot` for the Telegram case desk "
    '(README: "From cron, and from the bot").',
)
DEMO_STEPS = (
    "fakeapp scan --demo                      # scan the bundled snapshot (database: data/demo.db)",
    "fakeapp cases --db data/demo.db          # the cases it opened",
    'fakeapp apk data/apks/repackaged.apk     # an APK verdict (README: "A tour" for the rest)',
)


def write_files(files: dict[str, str], where: Path) -> tuple[list[Path], list[Path]]:
    """Copy the shipped files into ``where``; refuse (writing nothing) when one exists with other content.

    Returns the files written and the ones already there, identical.
    """
    plan = [(where / target, bundled(*source.split("/"))) for target, source in files.items()]
    same = []
    for target, source in plan:
        if target.exists():
            if not target.is_file() or target.read_bytes() != source.read_bytes():
                raise click.ClickException(f"{target} exists; not overwriting it (move it away first)")
            same.append(target)
    written = []
    for target, source in plan:
        if target in same:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as out:  # never overwrite, even if it appeared since the check
            out.write(source.read_bytes())
        written.append(target)
    return written, same


@click.command("init")
@click.option(
    "--demo", is_flag=True, help="Write the demo's brand profile, example listings and APKs instead."
)
def init_cmd(demo: bool) -> None:
    """Write a commented starter brand profile and settings file in ./data, and say what to do next.

    Never overwrites a file. With --demo: the fictional brokers' profile, icons, example listings and APKs
    that the README's tour uses.

    Example: mkdir mybroker && cd mybroker && fakeapp init
    """
    here = Path.cwd()
    written, same = write_files(DEMO if demo else STARTER, here)
    for path in written:
        click.echo(f"wrote {path.relative_to(here)}")
    for path in same:
        click.echo(f"{path.relative_to(here)} is already there")
    click.echo("\nNext:")
    for number, step in enumerate(DEMO_STEPS if demo else STARTER_STEPS, 1):
        click.echo(f"  {number}. {step}")
