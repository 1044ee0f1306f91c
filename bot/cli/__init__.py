"""The ``fakeapp`` command line: a thin layer over the library; each area registers its commands here."""

from __future__ import annotations

import click

from bot.cli.common import FakeappGroup


@click.group(cls=FakeappGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fakeapp")
def main() -> None:
    """Find apps impersonating your broker, prove they are fake, and track each case to takedown."""


# Each area adds its commands below (one import line each).
