"""``split_message``: parts within Telegram's limit, never cut inside a tag or an entity, each balanced on its
own, nothing lost; a title with newlines inside ``<b>`` used to leave a part with an unclosed tag."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts.render import esc
from bot.outbox.text import html_to_text, split_message

TOKEN = re.compile(r"<(/?)([a-z]+)[^<>]*>|&(?:[a-z]+|#[0-9]+|#x[0-9a-fA-F]+);|[<>&]")


def balanced(part: str) -> bool:
    """Every tag closed in order, no stray '<', '>' or '&' (which would mean a cut tag or entity)."""
    stack: list[str] = []
    for m in TOKEN.finditer(part):
        if m.group(0) in "<>&":
            return False
        if m.group(2) is None:
            continue
        if m.group(1):
            if not stack or stack.pop() != m.group(2):
                return False
        else:
            stack.append(m.group(2))
    return not stack


def u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible(text: str) -> str:
    """The text a reader sees, without white space (splits drop newlines and blank parts)."""
    return re.sub(r"\s", "", html_to_text(text))


TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))
    | st.sampled_from(["\n", "&", "<", ">", '"', "華", "😀", " "]),
    max_size=60,
)


@st.composite
def messages(draw: st.DrawFn) -> str:
    """Messages shaped like the bot's: escaped hostile text inside bold, code, links and plain lines."""
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        text = esc(draw(TEXT))
        shape = draw(st.sampled_from(["plain", "b", "code", "a", "nested"]))
        if shape == "plain":
            lines.append(text)
        elif shape == "a":
            lines.append(f'<a href="https://example.test/{draw(st.integers(0, 999))}">{text}</a>')
        elif shape == "nested":
            lines.append(f"<b>{text}<i>{esc(draw(TEXT))}</i></b>")
        else:
            lines.append(f"<{shape}>{text}</{shape}>")
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(message=messages(), limit=st.integers(60, 400))
def test_parts_are_balanced_within_the_limit_and_lose_nothing(message: str, limit: int) -> None:
    parts = split_message(message, limit)
    assert parts
    for part in parts:
        assert u16(part) <= limit, part
        assert balanced(part), part
        assert html_to_text(part).strip() or len(parts) == 1
    assert "".join(visible(p) for p in parts) == visible(message)


def test_title_with_newlines_inside_bold_is_not_cut_open() -> None:
    title = "華岳證券\n" * 900  # a store title with newlines, as a hostile store may send
    text = f"<b>{esc(title)}</b>\n<code>com.evil</code>"
    parts = split_message(text)
    assert len(parts) > 1
    assert all(balanced(p) and u16(p) <= 4000 for p in parts)
    assert parts[0].startswith("<b>") and parts[0].endswith("</b>") and parts[1].startswith("<b>")


def test_entities_are_never_cut() -> None:
    text = "a" * 7 + "&amp;" * 10
    parts = split_message(text, 10)
    assert all(balanced(p) for p in parts)
    assert "".join(parts) == text


def test_astral_characters_count_twice() -> None:
    parts = split_message("😀" * 3000)  # 6,000 UTF-16 units
    assert len(parts) == 2 and all(u16(p) <= 4000 for p in parts)
