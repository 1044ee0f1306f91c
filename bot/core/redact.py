"""Keep the bot token out of logs and error messages.

httpx logs full request URLs (which carry the token) at INFO, python-telegram-bot at DEBUG, and
``InvalidToken`` messages can quote it: quieten httpx and redact every log record on its way out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

# A Bot API token: <bot id>:<35-ish url-safe characters>.
TOKEN_RE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


def redactor(token: str) -> Callable[[str], str]:
    """A function that removes ``token`` (and anything shaped like a token) from text."""

    def redact(text: str) -> str:
        if token:
            text = text.replace(token, "<token>")
        return TOKEN_RE.sub("<token>", text)

    return redact


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with the token removed (attached to handlers and loggers)."""

    def __init__(self, token: str) -> None:
        super().__init__("fakeapp-redact")
        self.redact = redactor(token)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except (TypeError, ValueError):
            return True
        clean = self.redact(msg)
        if record.exc_info and record.exc_info[1] is not None:
            exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(exc_text)
        if clean != msg or record.args:
            record.msg = clean
            record.args = None
        return True


def install_redaction(token: str) -> Callable[[str], str]:
    """Quieten httpx/httpcore and attach the redacting filter to the root handlers (idempotent)."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    root = logging.getLogger()
    targets: list[logging.Filterer] = [
        *root.handlers,
        root,
        logging.getLogger("telegram"),
        logging.getLogger("bot"),
    ]
    for target in targets:
        if not any(isinstance(f, RedactingFilter) for f in target.filters):
            target.addFilter(RedactingFilter(token))
    return redactor(token)
