"""The ``fakeapp`` command line: a thin layer over the library; each area registers its commands here."""

from __future__ import annotations

import click

from bot.cli.common import FakeappGroup


@click.group(cls=FakeappGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fakeapp")
def main() -> None:
    """Find apps impersonating your broker, prove they are fake, and track each case to takedown."""


# Each area adds its commands below (one import line each).
from bot.cli.scan import lookup_cmd, scan_cmd, search_cmd  # noqa: E402

main.add_command(scan_cmd)
main.add_command(search_cmd)
main.add_command(lookup_cmd)

from bot.cli.casework import draft_cmd, evidence_cmd, report_cmd  # noqa: E402

for _cmd in (evidence_cmd, draft_cmd, report_cmd):
    main.add_command(_cmd)

from bot.cli.bot import bot_cmd  # noqa: E402
from bot.cli.cases import case_cmd, cases_cmd  # noqa: E402

for _cmd in (cases_cmd, case_cmd, bot_cmd):
    main.add_command(_cmd)

from bot.cli.apk import apk_cmd  # noqa: E402

main.add_command(apk_cmd)
from bot.cli.judge import judge_cmd  # noqa: E402

main.add_command(judge_cmd)
