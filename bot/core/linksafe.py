"""Credentials never stay in a link: ``http://user:pass@host/app.apk`` is kept and shown as
``http://host/app.apk``. One helper, applied where links enter storage (cases, their timeline, APK sources)
and again where they are shown (alert cards, the CSV export, evidence packs) for rows written before."""

from __future__ import annotations

import re

# scheme://userinfo@ — userinfo runs to the last "@" before the host's end (/ ? # or whitespace).
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/?#\s]*@")


def redact_userinfo(text: str) -> str:
    """``text`` with the ``user:password@`` part of every URL in it removed (the rest untouched)."""
    if "@" not in text:
        return text
    return _USERINFO.sub(r"\1", text)
