"""The one place the case-change hooks and the outbox's message kinds are wired, for a given brand profile.

Hook order is the outbox order: the edit of the case's alert, the front-line notice, then the case's own card.
"""

from __future__ import annotations

import logging

from bot.alerts import frontline, security
from bot.cases.events import Hook
from bot.core.settings import Settings, SettingsError, load_settings
from bot.outbox.deliver import Kinds
from scanners.profile import Profile, ProfileError, load_profile

log = logging.getLogger(__name__)


class FromSettings:
    """The profile argument's default: the profile the default settings name (for callers that give none)."""


FROM_SETTINGS = FromSettings()
ProfileArg = Profile | None | FromSettings


def profile_of(settings: Settings | None = None) -> Profile | None:
    """The brand profile ``settings`` (default: the environment's) name, or None (logged) if unreadable."""
    try:
        return load_profile((settings or load_settings()).config_path)
    except (SettingsError, ProfileError) as exc:
        log.warning("brand profile unavailable: %s", exc)
        return None


def resolve(profile: ProfileArg) -> Profile | None:
    """``profile`` itself, or for ``FROM_SETTINGS`` the default settings' profile."""
    return profile_of() if isinstance(profile, FromSettings) else profile


def case_hooks(profile: ProfileArg) -> tuple[Hook, ...]:
    """What every case change notifies, in order, inside the change's transaction."""
    return (security.queue_edit, frontline.hook(resolve(profile)), security.queue_card)


def message_kinds(profile: ProfileArg) -> Kinds:
    """How each kind of queued message is rendered and anchored when it goes out."""
    return {k.name: k for k in (*security.MESSAGE_KINDS, *frontline.message_kinds(resolve(profile)))}
