"""The one transition table: every button shows only where its action is accepted, and the guards refuse
what the table refuses, with the same one-line reason."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from bot.alerts.render import CASE_BUTTONS
from bot.cases.model import TAKEDOWN_STATES, Case, CaseError, State
from bot.cases.transitions import RULES, check, offered
from bot.telegram.app import CALLBACK_ACTIONS, CALLBACK_NEEDS_TEXT


def _case(state: State, takedown: str, police: str, listed: bool) -> Case:
    fields = {f.name: "" for f in dataclasses.fields(Case)}
    fields.update(
        id=7, kind="listing", listing_key="k", apk_sha256=None, score=0, reasons=(), scan_id=None,
        state=state, takedown=takedown, police=police, listed=listed,
    )  # fmt: skip
    return Case(**fields)


EVERY_CASE = [
    _case(s, t, p, listed)
    for s, t, p, listed in itertools.product(State, TAKEDOWN_STATES, ("none", "reported"), (True, False))
]


@pytest.mark.parametrize("action", sorted(RULES))
def test_a_button_shows_only_where_its_action_is_accepted(action: str) -> None:
    for case in EVERY_CASE:
        if offered(action, case):
            check(action, case)  # never raises where the button shows


def test_every_button_has_a_rule_and_a_handler() -> None:
    for button in CASE_BUTTONS:
        assert button.action in RULES
        assert button.action in CALLBACK_ACTIONS or button.action in CALLBACK_NEEDS_TEXT


def test_refusals_are_one_line_naming_the_case() -> None:
    resolved = _case(State.RESOLVED, "none", "none", True)
    with pytest.raises(CaseError, match=r"^case #7: is already resolved$"):
        check("resolve", resolved)
    with pytest.raises(CaseError, match=r"^case #7: is resolved$"):
        check("takedown", resolved)
    assert not offered("resolve", resolved) and offered("evidence", resolved)
