"""Start the generated DynamoDB Streams poller (templates/extras/stream_poller.py) as a
local process against DynamoDB Local and a real shim, as the stack runs it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.servers import REPO

SCRIPT = REPO / "templates" / "extras" / "stream_poller.py"


def env_for(
    table: str, endpoint: str, invoke_url: str, checkpoints: Path, **extra: str
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TABLE_NAME=table,
        STREAM_ARN=f"arn:aws:dynamodb:eu-west-1:123456789012:table/{table}/stream/1970-01-01T00:00:00.000",
        INVOKE_URL=invoke_url,
        AWS_ENDPOINT_URL_DYNAMODB=endpoint,
        AWS_REGION="eu-west-1",
        CHECKPOINT_DIR=str(checkpoints),
        POLL_INTERVAL_SECONDS="0.1",
        RETRY_DELAY_SECONDS="0.05",
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def start(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, str(SCRIPT)], env=env, stdout=out, stderr=out)
    try:
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    return proc.returncode


def checkpoint(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}
