"""The one place the case-change hooks and the outbox's message kinds are wired, for a given brand profile.

Hook order is the outbox order: the edit of the case's alert, the front-line notice, then the case's own card.
"""

from __future__ import annotations

import logging
from datetime import tzinfo

from bot.alerts import frontline, security
from bot.cases.events import Hook
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


def case_hooks(profile: Profile | None, tz: tzinfo | None = None) -> tuple[Hook, ...]:
    """What every case change notifies, in order, inside the change's transaction: ``profile`` gives the
    official links of the front-line notices and the brands' names (None: without them); cards are queued
    with their times in ``tz``, the team's zone (default Asia/Taipei)."""
    return (security.queue_edit, frontline.hook(profile), security.card_hook(profile, tz))


def message_kinds(profile: Profile | None, tz: tzinfo | None = None) -> Kinds:
    """How each kind of queued message is rendered and anchored when it goes out (times in ``tz``)."""
    return {k.name: k for k in (*security.message_kinds(profile, tz), *frontline.message_kinds(profile))}
