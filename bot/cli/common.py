"""Shared plumbing for ``fakeapp`` commands: the --db/--config options and one-line errors."""

from __future__ import annotations

import functools
import importlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from bot.core.settings import DEFAULT_CONFIG, Settings, SettingsError, load_settings
from bot.store.db import DatabaseError, open_connection, open_db
from scanners.profile import Profile, ProfileError, load_profile
from scanners.stores import StoreError

if TYPE_CHECKING:
    import sqlite_utils

F = TypeVar("F", bound=Callable[..., Any])

# Errors that are the user's or the world's, not a bug: shown as one line, exit code 1.
USER_ERRORS: tuple[type[Exception], ...] = (ProfileError, DatabaseError, SettingsError, StoreError)


@dataclass
class App:
    """What a command needs, resolved lazily from options and environment."""

    settings: Settings
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC), repr=False)
    _profile: Profile | None = field(default=None, repr=False)
    _db: sqlite_utils.Database | None = field(default=None, repr=False)
    _conn: sqlite3.Connection | None = field(default=None, repr=False)

    def profile(self) -> Profile:
        """The brand profile (``--config``); ProfileError when it cannot be read (a missing default one says
        how to get one)."""
        if self._profile is None:
            path = self.settings.config_path
            if not path.exists() and path == DEFAULT_CONFIG:
                raise ProfileError(
                    f"brand profile not found: {path} (in {Path.cwd()}); run `fakeapp init` to write a "
                    "starter (or `fakeapp init --demo` for the demo's), or pass --config"
                )
            self._profile = load_profile(path)
        return self._profile

    def brand_profile(self) -> Profile | None:
        """The brand profile, or None when it cannot be read (for what only decorates: official links)."""
        try:
            return self.profile()
        except ProfileError:
            return None

    def now(self) -> datetime:
        """The current time (UTC) from the app's clock, for every command that asks for "now"."""
        return self.clock()

    def db(self, *, create: bool = False) -> sqlite_utils.Database:
        """The database. Commands that only read pass ``create=False``: a missing file is an error (a
        mistyped --db must not read as "no cases") and nothing is created; commands that write create it
        and say where, once."""
        if self._db is None:
            path = self.settings.db_path
            if not path.exists():
                if not create:
                    raise DatabaseError(f"database not found: {path}")
                self._db = open_db(path)
                click.echo(f"Created database {path}", err=True)
            else:
                self._db = open_db(path)
        return self._db

    def connection(self, *, create: bool = False) -> sqlite3.Connection:
        """The database as a plain ``sqlite3`` connection (``bot.store.db.open_connection``: no
        sqlite-utils when the schema is up to date), for short commands such as ``fakeapp apk``; ``create``
        as in ``db``."""
        if self._conn is None:
            if self._db is not None:
                self._conn = self._db.conn
                return self._conn
            path = self.settings.db_path
            existed = path.exists()
            if not existed and not create:
                raise DatabaseError(f"database not found: {path}")
            if not existed:
                from bot.cli.startup import load_sqlite_utils_lean

                load_sqlite_utils_lean()  # creating it takes sqlite-utils (the migrations); without numpy
            try:
                self._conn = open_connection(path)
            except sqlite3.DatabaseError as exc:
                raise DatabaseError(f"{path}: {exc}") from None
            if not existed:
                click.echo(f"Created database {path}", err=True)
        return self._conn


def app_options(func: F) -> F:
    """Add --db and --config to a command and pass it an ``App`` as ``app``."""

    @click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="SQLite database (default data/fakeapp.db, or FAKEAPP_DB).",
    )
    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Brand profile TOML (default data/brands.toml, or FAKEAPP_CONFIG).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, db_path: Path | None, config_path: Path | None, **kwargs: Any) -> Any:
        try:
            settings = load_settings()
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None
        if db_path is not None:
            settings = _replace(settings, db_path=db_path)
        if config_path is not None:
            settings = _replace(settings, config_path=config_path)
        return func(*args, app=App(settings), **kwargs)

    return wrapper  # type: ignore[return-value]


def _replace(settings: Settings, **changes: Any) -> Settings:
    import dataclasses

    return dataclasses.replace(settings, **changes)


# Commands that open the database with App.connection (plain sqlite3) and import sqlite-utils only to create
# or migrate it; the others get sqlite-utils loaded lean up front.
PLAIN_SQLITE = frozenset({"apk"})


class FakeappGroup(click.Group):
    """A click group that loads each command's module only when that command runs (``fakeapp apk`` need not
    import the Telegram bot), and turns known user errors into one line and exit code 1, never a traceback.
    """

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})  # command name -> "module:attribute"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            from bot.cli.startup import load_sqlite_utils_lean

            if cmd_name not in PLAIN_SQLITE:
                load_sqlite_utils_lean()  # before the command's module imports sqlite-utils (see startup.py)
            module, _, attr = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            raise click.ClickException(str(exc)) from None
        except sqlite3.OperationalError as exc:
            # Raised mid-command (the open succeeded): most often another process holding the write lock.
            if "locked" in str(exc) or "busy" in str(exc):
                raise click.ClickException("database is locked by another process; try again") from None
            raise click.ClickException(f"database error: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise click.ClickException(f"database is corrupt or not a fakeapp database: {exc}") from None
