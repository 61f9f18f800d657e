"""Test hooks (documented in docs/DATA-MIGRATION.md), inert unless the env var is set.

``CLOUDEXIT_TEST_KILL_AFTER_BATCHES=N`` makes the process SIGKILL itself right
after its N-th written batch (DynamoDB) or copied object (S3).
``CLOUDEXIT_TEST_KILL_AT_CHECKPOINT=N`` kills it on the N-th checkpoint write,
after the temporary file is written and before it is renamed into place.
"""

from __future__ import annotations

import os
import signal
import threading

_ENV = {
    "batch": "CLOUDEXIT_TEST_KILL_AFTER_BATCHES",
    "checkpoint": "CLOUDEXIT_TEST_KILL_AT_CHECKPOINT",
}
_counts: dict[str, int] = {}
_lock = threading.Lock()


def maybe_kill(point: str) -> None:
    limit = os.environ.get(_ENV[point], "")
    if not limit:
        return
    with _lock:
        _counts[point] = _counts.get(point, 0) + 1
        if _counts[point] >= int(limit):
            os.kill(os.getpid(), signal.SIGKILL)
