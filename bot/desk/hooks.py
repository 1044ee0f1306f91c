"""The one place the case-change hooks and the outbox's message kinds are wired, for a given brand profile.

Hook order is the outbox order: the edit of the case's alert, the front-line notice, then the case's own card.
"""

from __future__ import annotations

import logging
from datetime import tzinfo

from bot.alerts import frontline, security
from bot.cases.events import Hook, Hooks
from bot.core.settings import Settings
from bot.outbox.deliver import Kinds
from scanners.profile import Profile, ProfileError, load_profile

log = logging.getLogger(__name__)


def profile_of(settings: Settings) -> Profile | None:
    """The brand profile ``settings`` name, or None (logged) if it cannot be read."""
    try:
        return load_profile(settings.config_path)
    except ProfileError as exc:
        log.warning("brand profile unavailable: %s", exc)
        return None


def case_hooks(profile: Profile | None, tz: tzinfo | None = None, *, frontline_chat: str) -> tuple[Hook, ...]:
    """What every case change notifies, in order, inside the change's transaction: ``profile`` gives the
    official links of the front-line notices and the brands' names (None: without them); cards are queued
    with their times in ``tz``, the team's zone (default Asia/Taipei); ``frontline_chat`` is the front-line
    chat id ("" when none is set: a confirmation then tells the security chat that notices are off)."""
    return (security.queue_edit, frontline.hook(profile, frontline_chat), security.card_hook(profile, tz))


def hooks_for(settings: Settings, profile: Profile | None) -> Hooks:
    """The hooks of a caller that has its settings (the bot, the CLI, the scheduled jobs): ``profile``, and
    the team's zone and the front-line chat those settings give."""
    return case_hooks(profile, settings.tz, frontline_chat=settings.telegram.frontline_chat_id)


def message_kinds(profile: Profile | None, tz: tzinfo | None = None) -> Kinds:
    """How each kind of queued message is rendered and anchored when it goes out (times in ``tz``)."""
    return {k.name: k for k in (*security.message_kinds(profile, tz), *frontline.message_kinds(profile))}
