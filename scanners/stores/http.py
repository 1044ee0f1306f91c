"""Polite HTTP for store adapters: a per-store request rate, retries with back-off, time-outs, counters.

The caller passes in the ``requests.Session`` and the base URL, so the same code talks to the real store,
a mirror, or a loopback test double.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from urllib3.exceptions import ReadTimeoutError

from scanners.stores import StoreError

RETRY_STATUSES = frozenset({403, 429, 500, 502, 503, 504})
DEFAULT_USER_AGENT = "fakeapp-scanner/0.1 (brand protection; +https://github.com/)"


@dataclass
class ClientStats:
    """A client's counters: requests, retries, errors, seconds waited, and replies by status."""

    requests: int = 0
    retries: int = 0
    errors: int = 0
    waited_seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)


class PoliteClient:
    """Sends at most ``rate`` requests a second to one store, retrying throttling and server errors."""

    def __init__(
        self,
        store: str,
        base_url: str,
        *,
        session: requests.Session | None = None,
        rate: float = 1.0,
        timeout: float = 15.0,
        retries: int = 3,
        backoff: float = 2.0,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.store = store
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.rate = rate
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock  # seconds since the epoch, for Retry-After given as an HTTP date
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self.user_agent = user_agent
        self.stats = ClientStats()

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def _wait_turn(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next_slot)
            self._next_slot = start + 1.0 / self.rate
        delay = start - now
        if delay > 0:
            self.stats.waited_seconds += delay
            self._sleep(delay)

    def _retry_after(self, response: requests.Response | None) -> float | None:
        """Seconds the store asked us to wait (Retry-After), or None when it did not say or said nonsense."""
        header = response.headers.get("Retry-After") if response is not None else None
        if not header:
            return None
        try:
            seconds = float(header)
        except ValueError:
            try:
                seconds = max(0.0, parsedate_to_datetime(header).timestamp() - self._wall_clock())
            except (TypeError, ValueError):
                return None
        # Negative or non-finite would make time.sleep raise: ignore it and use our own back-off.
        return seconds if math.isfinite(seconds) and seconds >= 0 else None

    def _retry_delay(self, attempt: int, response: requests.Response | None) -> float:
        asked = self._retry_after(response)
        if asked is not None:
            return min(asked, self.max_retry_after)
        return float(min(self.backoff * (2**attempt), self.max_retry_after))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send a request; returns any final response below 500 except 403/429, else raises StoreError.

        404 is returned, not raised: whether it means "removed" or "broken" is the adapter's call.
        """
        url = self.url(path)
        hdrs = {"User-Agent": self.user_agent, **(headers or {})}
        last = ""
        for attempt in range(self.retries + 1):
            self._wait_turn()
            self.stats.requests += 1
            response: requests.Response | None = None
            try:
                response = self.session.request(
                    method, url, params=params, data=data, headers=hdrs, timeout=self.timeout
                )
            except requests.RequestException as exc:
                # requests raises ConnectionError, not Timeout, when a reply stalls mid-body.
                stalled = bool(exc.args) and isinstance(exc.args[0], ReadTimeoutError)
                if isinstance(exc, requests.Timeout) or stalled:
                    last = f"timed out after {self.timeout:g} s"
                else:
                    last = f"cannot connect ({type(exc).__name__})"
            else:
                self.stats.statuses[response.status_code] = (
                    self.stats.statuses.get(response.status_code, 0) + 1
                )
                # Every 5xx is server trouble (Cloudflare's 520-524 too): never handed to a parser.
                if response.status_code not in RETRY_STATUSES and response.status_code < 500:
                    return response
                last = f"HTTP {response.status_code}"
                asked = self._retry_after(response)
                if asked is not None and asked > self.max_retry_after:
                    # Retrying sooner than the store asked is what gets a scanner blocked: give up now.
                    self.stats.errors += 1
                    raise StoreError(
                        self.store,
                        f"{method} {path}: {last} with Retry-After {asked:g} s "
                        f"(over the {self.max_retry_after:g} s limit)",
                    )
            if attempt < self.retries:
                self.stats.retries += 1
                self._sleep(self._retry_delay(attempt, response))
        self.stats.errors += 1
        raise StoreError(self.store, f"{method} {path} failed after {self.retries + 1} attempts: {last}")

    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> requests.Response:
        return self.request("GET", path, params=params)

    def post(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        return self.request("POST", path, params=params, data=data, headers=headers)
