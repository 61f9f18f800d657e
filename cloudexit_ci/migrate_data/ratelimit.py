"""A token bucket for --max-read-rate (read capacity units per second)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Charge after the fact: a reader waits while the bucket is in debt.

    ``rate`` is units per second (0 disables the cap); bursts up to one second.
    """

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._tokens = 0.0
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self) -> float:
        now = self._clock()
        self._tokens = min(self.rate, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        return self._tokens

    def wait(self) -> None:
        """Block until the bucket is not in debt."""
        if self.rate <= 0:
            return
        while True:
            with self._lock:
                tokens = self._refill()
            if tokens >= 0:
                return
            self._sleep(min(1.0, -tokens / self.rate))

    def charge(self, units: float) -> None:
        if self.rate <= 0:
            return
        with self._lock:
            self._refill()
            self._tokens -= units
