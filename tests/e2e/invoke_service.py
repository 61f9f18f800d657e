"""Start the generated Lambda Invoke API (templates/extras/lambda_invoke.py) as a local
process in front of real shims, as the stack runs it in front of function containers."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.servers import REPO, wait_http

SCRIPT = REPO / "templates" / "extras" / "lambda_invoke.py"


@dataclass
class InvokeService:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def function_entry(url: str, timeout: int = 5, retries: int = 2) -> dict[str, Any]:
    return {
        "arn": "arn:aws:lambda:us-east-1:000000000000:function:x",
        "url": url,
        "timeout": timeout,
        "maxRetries": retries,
        "maxEventAge": 21600,
    }


@contextlib.contextmanager
def start(
    config: dict[str, Any], tmp: Path, port: int, journal: Path, scale: str = "0.02"
) -> Iterator[InvokeService]:
    path = tmp / f"functions-{port}-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(config))
    env = dict(os.environ)
    env.update(
        PORT=str(port), HOST="127.0.0.1", INVOKE_JOURNAL=str(journal), INVOKE_RETRY_SCALE=scale
    )
    log = tmp / f"invoke-{port}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, str(SCRIPT), str(path)], env=env, stdout=out, stderr=out
        )
    service = InvokeService(port, proc, log)
    try:
        wait_http(f"{service.url}/health", timeout=15)
        yield service
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def wait_for(found: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll until ``found()`` is truthy; its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def recorded(directory: Path, function: str) -> list[Any]:
    """Events the ``record`` fixture handler wrote for ``function``."""
    out = []
    for file in sorted(directory.glob("*.json")):
        try:
            entry = json.loads(file.read_text())
        except ValueError:  # being written
            continue
        if entry["function"] == function:
            out.append(entry["event"])
    return out
