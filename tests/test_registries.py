"""The registries cover each other: every command and button has a role, a handler and catalogue keys that
exist in both languages; every case button shown under a card has a Button, and every Button one of them; the
same for the buttons under a held scan's summary (issue 14)."""

from __future__ import annotations

from bot.alerts.render import CASE_BUTTONS
from bot.core.i18n import CATALOGUE, LANGS
from bot.outbox import holds
from bot.telegram.access import ROLES
from bot.telegram.app import ACTION_ROLES, BUTTONS, COMMAND_ROLES, COMMANDS
from bot.telegram.ops import HOLD_BUTTONS, HOLD_ROLES


def test_every_command_has_a_role_a_handler_and_a_description() -> None:
    assert len({c.name for c in COMMANDS}) == len(COMMANDS)
    for c in COMMANDS:
        assert c.role in ROLES, c.name
        assert callable(c.handler), c.name
        assert c.desc_key in CATALOGUE and all(CATALOGUE[c.desc_key].get(lang) for lang in LANGS), c.name
    assert {c.name: c.role for c in COMMANDS} == COMMAND_ROLES


def test_every_shown_button_is_registered_and_every_button_is_shown_or_reserved() -> None:
    shown = {b.action for b in CASE_BUTTONS}
    registered = {b.action for b in BUTTONS}
    assert shown <= registered
    for b in BUTTONS:
        assert b.role in ROLES, b.action
        if b.action in shown:
            assert (b.handler is not None) != bool(b.usage), b.action  # a handler, or a usage hint
        else:
            assert b.handler is None and not b.usage, b.action  # reserved: answered as invalid
    for b in CASE_BUTTONS:
        assert all(CATALOGUE[b.label_key].get(lang) for lang in LANGS), b.action
    assert {b.action: b.role for b in BUTTONS} == ACTION_ROLES


def test_every_hold_button_shown_is_registered_and_every_registered_one_shown() -> None:
    shown = {action for action, _ in holds.HOLD_BUTTONS}
    assert shown == {b.action for b in HOLD_BUTTONS}
    assert not shown & {b.action for b in BUTTONS}  # never confused with a case button
    for b in HOLD_BUTTONS:
        assert b.role in ROLES, b.action
        assert holds.parse_callback(holds.callback_data(7, b.action)) == (7, b.action)
    for _, key in holds.HOLD_BUTTONS:
        assert all(CATALOGUE[key].get(lang) for lang in LANGS), key
    assert {b.action: b.role for b in HOLD_BUTTONS} == HOLD_ROLES
    assert {c.name for c in COMMANDS} >= {"pause", "resume"} and COMMAND_ROLES["pause"] == "admin"
