"""Health tells the truth: the shims load every handler at start (Lambda's init phase);
one that cannot be loaded makes `/__cloudexit/health` answer 503 and `--healthcheck`
exit 1, so the container is unhealthy and Traefik stops routing to it. The cases are
the contract table tests/runtime/contract/handlers.json, run against both shims."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.runtime import configs, harness
from tests.runtime.contract import table

CASES = table("handlers")["cases"]


def _config(runtime: str, handler: str, functions: tuple[str, ...]) -> dict[str, Any]:
    fns = {}
    for name in functions:
        fn = configs.function(runtime, handler)
        fn["codeDir"] = name
        fns[name] = fn
    api = {"id": "health-api", "kind": "rest", "stage": "prod", "payloadVersion": "1.0"}
    routes = [{"method": "GET", "path": f"/{name}", "function": name} for name in functions]
    return {"api": api, "functions": fns, "routes": routes}


def _plant(root: Path, name: str, files: dict[str, str]) -> None:
    (root / name).mkdir(parents=True)
    for rel, text in files.items():
        (root / name / rel).write_text(text)


def _healthcheck(runtime: str, port: int) -> int:
    cmd = [*harness.shim_command(runtime), "--healthcheck"]
    return subprocess.run(cmd, env={**os.environ, "PORT": str(port)}, timeout=10).returncode


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_handler_load_decides_health(runtime: str, case: dict[str, Any], tmp_path: Path) -> None:
    root = tmp_path / "task"
    _plant(root, "fn", case["files"][runtime])
    expect = case["expect"]
    config = _config(runtime, case["handler"], ("fn",))
    with harness.start(runtime, config, tmp_path, task_root=root, ready=()) as shim:
        health = shim.request("GET", harness.HEALTH)
        code = _healthcheck(runtime, shim.port)
        request = shim.request("GET", "/fn")
        errors = [x for x in shim.stderr_lines() if x.get("level") == "ERROR"]
    assert (health.status, code, request.status) == (
        expect["health"],
        expect["healthcheck"],
        expect["request"],
    )
    if expect["health"] == 200:
        assert health.json() == {"status": "ok"} and errors == []
        return
    body = health.json()
    assert body["status"] == "unhealthy"
    found = [(e["function"], e["errorType"]) for e in body["errors"]]
    assert found == [("fn", expect["errorType"])]
    assert body["errors"][0]["errorMessage"]
    # Logged at start (request id null), before any request, as Lambda logs an init error.
    assert errors[0]["requestId"] is None and errors[0]["errorType"] == expect["errorType"]


def test_one_broken_function_makes_a_shared_container_unhealthy(
    runtime: str, tmp_path: Path
) -> None:
    """Consolidated mode: the working function still answers, but health names the broken one."""
    good = next(c for c in CASES if c["name"] == "good handler")
    root = tmp_path / "task"
    _plant(root, "ok", good["files"][runtime])
    _plant(root, "broken", {})
    config = _config(runtime, "app.handler", ("broken", "ok"))
    with harness.start(runtime, config, tmp_path, task_root=root, ready=()) as shim:
        health = shim.request("GET", harness.HEALTH)
        assert shim.request("GET", "/ok").status == 200
        assert shim.request("GET", "/broken").status == 502
    assert health.status == 503
    assert [e["function"] for e in health.json()["errors"]] == ["broken"]
