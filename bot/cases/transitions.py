"""The one table of which case actions apply in which state, read by the actions' guards and the buttons.

``accepted`` is when an action is done (a repeated press, or a command that corrects the record, included);
``offered`` is when its button shows under a case card, always a part of ``accepted``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.cases.model import Case, CaseError, State

OPEN = frozenset({State.NEW, State.CONFIRMED, State.RELISTED})


@dataclass(frozen=True)
class Rule:
    """Where one action applies; ``refusal`` says why not, for the user (after ``case #N: ``)."""

    action: str
    accepted: Callable[[Case], bool]
    refusal: Callable[[Case], str]
    offered: Callable[[Case], bool]


def _is(*states: State) -> Callable[[Case], bool]:
    return lambda c: c.state in states


def _not(*states: State) -> Callable[[Case], bool]:
    return lambda c: c.state not in states


def _open(c: Case) -> bool:
    return c.state in OPEN


def _says(text: str) -> Callable[[Case], str]:
    return lambda c: text


def _is_state(c: Case) -> str:
    return f"is {c.state}"


RULES: Mapping[str, Rule] = MappingProxyType(
    {
        r.action: r
        for r in (
            Rule(
                "confirm",
                accepted=_is(State.NEW, State.RELISTED, State.FALSE_POSITIVE, State.CONFIRMED),
                refusal=_is_state,
                offered=_is(State.NEW, State.RELISTED, State.FALSE_POSITIVE),
            ),
            Rule(
                "fp",
                accepted=_not(State.RESOLVED),
                refusal=_says("is resolved; reopen it by confirming first"),
                offered=_is(State.NEW, State.RELISTED, State.CONFIRMED),
            ),
            Rule(
                "takedown",
                accepted=_not(State.FALSE_POSITIVE, State.RESOLVED),
                refusal=_is_state,
                offered=lambda c: _open(c) and c.takedown in ("none", "rejected"),
            ),
            Rule(
                "takedown_rejected",
                accepted=lambda c: c.takedown == "requested",
                refusal=_says("no takedown requested"),
                offered=lambda c: False,  # a command only: the store's answer comes with a reason
            ),
            Rule(
                "police",
                accepted=_not(State.FALSE_POSITIVE),
                refusal=_says("is a false positive"),
                offered=lambda c: _open(c) and c.police == "none",
            ),
            Rule(
                "resolve",
                accepted=_not(State.RESOLVED),
                refusal=_says("is already resolved"),
                offered=_open,
            ),
            Rule(
                "evidence",
                accepted=lambda c: True,
                refusal=_says(""),
                offered=_is(State.CONFIRMED, State.RELISTED, State.RESOLVED),
            ),
        )
    }
)


def check(action: str, case: Case) -> None:
    """Raise CaseError unless ``action`` applies to ``case`` now."""
    rule = RULES[action]
    if not rule.accepted(case):
        raise CaseError(f"case #{case.id}: {rule.refusal(case)}")


def offered(action: str, case: Case) -> bool:
    """Whether the button for ``action`` shows under ``case``'s card."""
    return RULES[action].offered(case)
