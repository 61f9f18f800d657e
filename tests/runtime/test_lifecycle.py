"""Process lifecycle: health, containerized-mode env, concurrency, graceful SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.runtime import configs, harness
from tests.runtime.harness import Shim
from tests.servers import free_port


def test_health_endpoint_not_routed(runtime: str, shared_shims: Callable[[str, str], Shim]) -> None:
    """Even with a $default route the health path never reaches a handler."""
    shim = shared_shims(runtime, "http2")
    resp = shim.request("GET", harness.HEALTH)
    assert resp.status == 200 and resp.json() == {"status": "ok"}


def test_healthcheck_mode(runtime: str, shared_shims: Callable[[str, str], Shim]) -> None:
    shim = shared_shims(runtime, "rest")
    cmd = [*harness.shim_command(runtime), "--healthcheck"]
    up = subprocess.run(cmd, env={**os.environ, "PORT": str(shim.port)}, timeout=10)
    assert up.returncode == 0
    down = subprocess.run(cmd, env={**os.environ, "PORT": str(free_port())}, timeout=10)
    assert down.returncode == 1


def test_containerized_mode_lambda_env(runtime: str, tmp_path: Path) -> None:
    """One function per process: AWS_LAMBDA_* and LAMBDA_TASK_ROOT set, region defaulted."""
    unset = ("AWS_REGION", "AWS_DEFAULT_REGION")
    with harness.start(runtime, configs.single(runtime), tmp_path, unset=unset) as shim:
        echoed = shim.echo("POST", "/items", body=b"{}")
    code_dir = configs.LANG[runtime][0]
    assert echoed["env"] == {
        "AWS_LAMBDA_FUNCTION_NAME": "create-item",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "384",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": str(harness.FIXTURES / code_dir),
    }
    assert echoed["context"]["memoryLimitInMB"] == "384"
    assert 6000 < echoed["context"]["remaining"] <= 7000


def test_concurrent_requests_each_get_their_own_event(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    """The Lambda RIE serves one invocation at a time (#97); the shim must not."""
    shim = shared_shims(runtime, "rest")

    def call(tag: str) -> dict[str, Any]:
        return shim.echo("GET", f"/items/{tag}?sleepMs=800")

    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(call, ["first", "second"])
    assert time.monotonic() - started < 1.5  # in parallel, not 1.6 s in series
    assert first["event"]["pathParameters"] == {"id": "first"}
    assert second["event"]["pathParameters"] == {"id": "second"}
    ids = {r["event"]["requestContext"]["requestId"] for r in (first, second)}
    assert len(ids) == 2


def test_sigterm_drains_in_flight_then_exits_zero(runtime: str, tmp_path: Path) -> None:
    with harness.start(runtime, configs.rest(runtime), tmp_path) as shim:
        result: dict[str, Any] = {}

        def slow() -> None:
            result["echo"] = shim.echo("GET", "/items/drain?sleepMs=1200")

        worker = threading.Thread(target=slow)
        worker.start()
        time.sleep(0.4)  # the request is now inside the handler
        shim.proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        refused = _connect_refused(shim.port)
        worker.join(timeout=10)
        rc = harness.wait_exit(shim.proc, timeout=10)
    assert result["echo"]["event"]["pathParameters"] == {"id": "drain"}
    assert refused, "the shim kept accepting connections after SIGTERM"
    assert rc == 0
    # The drained request's access-log line was written before the exit.
    request_id = result["echo"]["event"]["requestContext"]["requestId"]
    assert [x["status"] for x in shim.stdout_lines() if x.get("requestId") == request_id] == [200]


def test_sigterm_right_after_a_burst_loses_no_log_line(runtime: str, tmp_path: Path) -> None:
    """Access-log lines are batched; the ones pending at exit are still written."""
    with harness.start(runtime, configs.rest(runtime), tmp_path) as shim:
        conn = shim.connection()
        ids = [
            shim.echo("GET", f"/items/burst{i}", conn=conn)["event"]["requestContext"]["requestId"]
            for i in range(50)
        ]
        conn.close()
        shim.proc.send_signal(signal.SIGTERM)
        rc = harness.wait_exit(shim.proc, timeout=10)
    assert rc == 0
    logged = [x.get("requestId") for x in shim.stdout_lines()]
    assert all(logged.count(request_id) == 1 for request_id in ids)


def _connect_refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True
