"""Polite HTTP for store adapters: a per-store request rate, retries with back-off, time-outs, counters.

The caller passes in the ``requests.Session`` and the base URL, so the same code talks to the real store,
a mirror, or a loopback test double.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from scanners.stores import StoreError

RETRY_STATUSES = frozenset({403, 429, 500, 502, 503, 504})
DEFAULT_USER_AGENT = "fakeapp-scanner/0.1 (brand protection; +https://github.com/)"


@dataclass
class ClientStats:
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

    def _retry_delay(self, attempt: int, response: requests.Response | None) -> float:
        if response is not None:
            header = response.headers.get("Retry-After")
            if header:
                try:
                    return min(float(header), self.max_retry_after)
                except ValueError:
                    try:
                        when = parsedate_to_datetime(header).timestamp()
                        return min(max(0.0, when - time.time()), self.max_retry_after)
                    except (TypeError, ValueError):
                        pass
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
            except requests.Timeout:
                last = f"timed out after {self.timeout:g} s"
            except requests.RequestException as exc:
                last = f"cannot connect ({type(exc).__name__})"
            else:
                self.stats.statuses[response.status_code] = (
                    self.stats.statuses.get(response.status_code, 0) + 1
                )
                if response.status_code not in RETRY_STATUSES:
                    return response
                last = f"HTTP {response.status_code}"
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
