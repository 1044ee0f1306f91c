"""The ``fakeapp`` command line: a thin layer over the library.

Each area's commands live in their own module, imported only when the command runs.
"""

from __future__ import annotations

import click

from bot.cli.common import FakeappGroup

COMMANDS = {
    "init": "bot.cli.init:init_cmd",
    "scan": "bot.cli.scan:scan_cmd",
    "search": "bot.cli.scan:search_cmd",
    "lookup": "bot.cli.scan:lookup_cmd",
    "judge": "bot.cli.judge:judge_cmd",
    "apk": "bot.cli.apk:apk_cmd",
    "link": "bot.cli.link:link_cmd",
    "feed": "bot.cli.feed:feed_cmd",
    "cases": "bot.cli.cases:cases_cmd",
    "case": "bot.cli.cases:case_cmd",
    "outbox": "bot.cli.outbox:outbox_cmd",
    "bot": "bot.cli.bot:bot_cmd",
    "evidence": "bot.cli.casework:evidence_cmd",
    "draft": "bot.cli.casework:draft_cmd",
    "report": "bot.cli.casework:report_cmd",
    "pause": "bot.cli.switches:pause_cmd",  # issue 14: operations
    "resume": "bot.cli.switches:resume_cmd",
    "health": "bot.cli.health:health_cmd",
    "check": "bot.cli.check:check_cmd",
}


@click.group(cls=FakeappGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fakeapp")
def main() -> None:
    """Find apps impersonating your broker, prove they are fake, and track each case to takedown."""
