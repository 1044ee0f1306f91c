"""What every handler shares: the ``Desk`` (settings, database and its threads, routes; kept in
``bot_data``), and small helpers to read an update (who, which language, which case) and to reply."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlite_utils
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.cases.events import Hooks
from bot.cases.model import Actor, CaseError
from bot.core.clock import Clock, utc_now
from bot.core.i18n import normalize_lang
from bot.core.settings import Settings
from bot.desk.hooks import hooks_for
from bot.desk.outbox import Routes, profile_of
from bot.outbox.text import split_message
from bot.store.db import open_db
from scanners.profile import Profile

log = logging.getLogger("bot.telegram.app")

SIDE_BUSY_MS = 2_000  # how long an access-log write waits for another process's write lock
APK_WORKERS = 2  # analyses running at once (each may download up to 200 MB and parse it)
APK_MAX_INFLIGHT = 6  # running plus waiting; one more is refused with a polite "busy, send it later"
SIDE_QUEUE_MAX = 200  # access-log writes waiting beyond this are dropped (logged), never queued forever
_T = TypeVar("_T")


@dataclass
class Desk:
    """What every handler needs; kept in ``application.bot_data['desk']`` (no module globals)."""

    settings: Settings
    db: sqlite_utils.Database
    routes: Routes
    deliver_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    deliver_again: bool = False
    scan_runner: Callable[[Settings, str], dict[str, Any]] | None = None
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    # The environment/file settings before the /settings overrides (``settings`` is the effective one).
    base_settings: Settings | None = None
    command_names: frozenset[str] = frozenset()  # the commands this bot has (others get a hint)
    clock: Clock = utc_now
    # The one thread that uses ``db``: database work runs there, never on the event loop (a busy-wait on a
    # lock held by another process would stop the bot answering anyone).
    io: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="fakeapp-db")
    )
    # Best-effort writes after an access decision (access log, admin notices), on their own connection.
    side: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="fakeapp-side")
    )
    side_pending: int = 0
    outbox_db: sqlite_utils.Database | None = None  # the outbox delivery's own connection
    # APK files and links: their own few threads, and a bound on how many run or wait (beyond it: "busy").
    apk_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=APK_WORKERS, thread_name_prefix="fakeapp-apk")
    )
    apk_limit: int = APK_MAX_INFLIGHT
    apk_inflight: int = 0
    # Links sent in chat may point at loopback/private addresses (`fakeapp bot --allow-private-urls`).
    allow_private_urls: bool = False
    _side_local: threading.local = field(default_factory=threading.local)
    # Reads on their own thread and connection: in WAL mode a read never waits for a writer, so a command
    # that only reads is answered even while a write waits for another process's lock.
    reads: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="fakeapp-read")
    )
    _read_local: threading.local = field(default_factory=threading.local)
    _profile_cache: tuple[tuple[str, int], Profile | None] | None = None

    def profile(self) -> Profile | None:
        """The brand profile of this bot's settings (``--config``); None if unreadable. Read again only when
        the file changes (every case action and delivery pass asks)."""
        path = self.settings.config_path
        try:
            key = (str(path), path.stat().st_mtime_ns)
        except OSError:
            key = (str(path), -1)
        cached = self._profile_cache
        if cached is None or cached[0] != key:
            cached = (key, profile_of(self.settings))
            self._profile_cache = cached
        return cached[1]

    def brand_names(self) -> dict[str, str]:
        """Brand id -> display name, for cards and replies (empty when the profile cannot be read: ids)."""
        profile = self.profile()
        return {b.id: b.name for b in profile.brands} if profile is not None else {}

    def hooks(self) -> Hooks:
        """What a case change notifies: the hooks of this bot's profile, zone and front-line chat."""
        return hooks_for(self.settings, self.profile())

    async def act(self, change: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """A case action (``bot.desk.cases``) in the database thread, with the bot's clock and hooks."""
        now = self.clock()
        return await self.run(lambda: change(self.db, *args, now=now, hooks=self.hooks(), **kwargs))

    async def run(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """``fn(*args, **kwargs)`` in the database thread, awaited without blocking the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.io, functools.partial(fn, *args, **kwargs))

    async def read(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """``fn(read_db, *args, **kwargs)`` for work that only reads, on the read thread's own connection."""

        def job() -> _T:
            db = getattr(self._read_local, "db", None)
            if db is None:
                db = open_db(self.settings.db_path, migrate=False)
                self._read_local.db = db
            return fn(db, *args, **kwargs)

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.reads, job)

    def side_write(
        self, fn: Callable[[sqlite_utils.Database], None], after: Callable[[], None] | None = None
    ) -> None:
        """Run ``fn(db)`` in the background on the side connection; failures are logged, never raised."""
        if self.side_pending >= SIDE_QUEUE_MAX:
            log.warning("access log: %d writes waiting; this one is dropped", self.side_pending)
            return
        self.side_pending += 1

        def job() -> bool:
            try:
                db = getattr(self._side_local, "db", None)
                if db is None:
                    db = open_db(self.settings.db_path, migrate=False, busy_timeout_ms=SIDE_BUSY_MS)
                    self._side_local.db = db
                fn(db)
                return True
            except Exception as exc:  # locked, full or read-only database: the decision stands
                log.warning("access log: not written: %s", " ".join(str(exc).split())[:200])
                return False

        def done(fut: Future[bool]) -> None:
            self.side_pending -= 1
            if after is not None and not fut.cancelled() and fut.result():
                after()

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        try:
            fut = self.side.submit(job)
        except RuntimeError:  # shutting down
            self.side_pending -= 1
            return
        if loop is None:
            fut.add_done_callback(done)
            return

        def back_on_loop(f: Future[bool]) -> None:
            try:
                loop.call_soon_threadsafe(done, f)
            except RuntimeError:  # the loop is closed (shutting down): nothing left to kick
                self.side_pending -= 1

        fut.add_done_callback(back_on_loop)


def desk_of(context: ContextTypes.DEFAULT_TYPE) -> Desk:
    """The desk of the running application."""
    desk: Desk = context.application.bot_data["desk"]
    return desk


def lang_of(db: sqlite_utils.Database, user_id: int | None) -> str:
    """The language a user chose with /lang (default Traditional Chinese)."""
    if user_id is None:
        return "zh"
    rows = list(db.query("SELECT lang FROM user_prefs WHERE user_id = ?", [user_id]))
    return normalize_lang(rows[0]["lang"]) if rows else "zh"


def uid_of(update: Update) -> int | None:
    """The sender's Telegram user id, if any."""
    return update.effective_user.id if update.effective_user else None


def actor_of(update: Update) -> Actor:
    """Who sent the update, as the timeline records them."""
    u = update.effective_user
    if u is None:
        return Actor("tg:?")
    return Actor(f"tg:{u.id}", f"@{u.username}" if u.username else u.full_name)


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    """Reply in the same chat, split below Telegram's limit; the keyboard goes on the last part."""
    chat = update.effective_chat
    if chat is None:
        return
    parts = split_message(text)
    markup = kwargs.pop("reply_markup", None)
    for i, part in enumerate(parts):
        await chat.send_message(
            part,
            parse_mode=ParseMode.HTML,
            disable_web_page_preview=True,
            reply_markup=markup if i == len(parts) - 1 else None,
            **kwargs,
        )


def args_of(context: ContextTypes.DEFAULT_TYPE) -> list[str]:
    """The command's arguments (none: an empty list)."""
    return list(context.args or [])


def case_number(arg: str) -> int:
    """The case number in a command argument (``12`` or ``#12``); CaseError for anything else."""
    m = re.fullmatch(r"#?(\d{1,9})", arg.strip())
    if not m:
        raise CaseError(f"not a case number: {arg[:20]!r}", "not_a_number", arg=arg[:20])
    return int(m.group(1))
