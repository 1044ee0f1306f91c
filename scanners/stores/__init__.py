"""Store adapters: one module per store, each turning the store's responses into ``Listing`` objects.

Every adapter takes a ``PoliteClient`` (HTTP session, base URL, rate limit, retries) from its caller, so
tests and the offline demo point it at a loopback server. An adapter that cannot do its job raises
``StoreError``; it never returns an empty result for a page it could not read.
"""

from __future__ import annotations

from typing import Protocol

from scanners.listing import Listing


class StoreError(Exception):
    """A store could not be searched or read: unreachable, throttled past retries, or a changed layout."""

    def __init__(self, store: str, reason: str) -> None:
        super().__init__(f"{store}: {reason}")
        self.store = store
        self.reason = reason


class StoreAdapter(Protocol):
    """What the scan needs from a store."""

    store: str

    def search(self, term: str, *, country: str = "tw", language: str = "zh-TW") -> list[Listing]:
        """Listings the store returns for a term (possibly ``partial``); raises StoreError."""
        ...

    def lookup(self, app_id: str, *, country: str = "tw", language: str = "zh-TW") -> Listing | None:
        """The full listing, or None when the store says the app does not exist (removed)."""
        ...
