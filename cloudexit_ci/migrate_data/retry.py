"""Retries: botocore's own (standard mode) plus our jittered backoff on top.

botocore retries throttling, 5xx and dropped connections a few times per call;
when it gives up, or when DynamoDB answers 200 with ``UnprocessedItems``, we
back off ourselves with full-jitter exponential delays and try again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "InternalServerError",
        "InternalError",
        "ServiceUnavailable",
        "SlowDown",
        "RequestTimeout",
        "RequestTimeoutException",
        "TransactionInProgressException",
        "Throttling",
        "500",
        "502",
        "503",
        "504",
    }
)


@dataclass(frozen=True)
class Backoff:
    """Full-jitter exponential backoff: sleep U(0, min(cap, base * 2**n))."""

    base: float = 0.05
    cap: float = 5.0
    attempts: int = 12

    def delays(self) -> Iterator[float]:
        for attempt in range(self.attempts):
            yield random.uniform(0, min(self.cap, self.base * (2**attempt)))


DEFAULT_BACKOFF = Backoff()


def botocore_config(pool: int, *, attempts: int = 6, timeout: float = 60.0) -> Any:
    """A botocore Config: standard retries, a connection pool for our threads."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "max_attempts": attempts},
        max_pool_connections=max(10, pool),
        connect_timeout=10,
        read_timeout=timeout,
        parameter_validation=False,
        tcp_keepalive=True,
    )


def is_retryable(exc: BaseException) -> bool:
    """Throttling, 5xx and transport errors are retried; anything else is a real error."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return str(error.get("Code", "")) in RETRYABLE_CODES or int(status or 0) >= 500
    return isinstance(exc, ConnectionError | HTTPClientError | OSError)


def call(
    fn: Callable[[], T],
    *,
    backoff: Backoff = DEFAULT_BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn``; on a retryable error back off and retry, at most ``backoff.attempts`` times."""
    delays = backoff.delays()
    while True:
        try:
            return fn()
        except Exception as exc:
            if not is_retryable(exc):
                raise
            delay = next(delays, None)
            if delay is None:
                raise
            sleep(delay)
