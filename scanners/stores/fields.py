"""Reading the JSON stores' replies (App Store, Aptoide, Galaxy Store): the checks each adapter makes on a
reply and its fields, every failure a ``StoreError`` of that store naming what is wrong."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanners.stores import StoreError

# An Android package name, as the Aptoide and Galaxy Store APIs take and give it.
PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+$")


def snippet(body: bytes, size: int = 60) -> str:
    """The start of a reply on one line, quoted: what an error about an unreadable reply shows."""
    return repr(" ".join(body[:size].decode("utf-8", "replace").split()))


@dataclass(frozen=True)
class Reader:
    """The checks of one store's replies. ``strip``: text fields lose surrounding white space."""

    store: str
    strip: bool = False

    def json_object(self, body: bytes, what: str) -> dict[str, Any]:
        """The reply as a JSON object (bytes in: JSON is UTF-8, and ``json.loads`` detects a BOM)."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise StoreError(self.store, f"{what}: reply is not JSON (starts with {snippet(body)})") from None
        if not isinstance(data, dict):
            raise StoreError(self.store, f"{what}: reply is a JSON {type(data).__name__}, expected an object")
        return data

    def text(self, record: Mapping[str, Any], key: str, where: str) -> str:
        """A text field ("" when absent; a number as its digits); anything else is a changed layout."""
        value = record.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip() if self.strip else value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise StoreError(self.store, f"{where}: '{key}' is a {type(value).__name__}, expected text")

    def obj(
        self, record: Mapping[str, Any], key: str, where: str, *, required: bool = False
    ) -> Mapping[str, Any]:
        """An object field ({} when absent, unless ``required``); anything else is a changed layout."""
        value = record.get(key)
        if value is None:
            if required:
                raise StoreError(self.store, f"{where}: no '{key}' (API layout changed?)")
            return {}
        if not isinstance(value, dict):
            raise StoreError(self.store, f"{where}: '{key}' is a {type(value).__name__}, expected an object")
        return value
