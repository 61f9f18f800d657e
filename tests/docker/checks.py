"""Assertions shared by the stack tests: services healthy, init jobs done, `cloudexit-ci
smoke` green, nothing left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema

from cloudexit_ci.smoke.report import schema
from tests.docker.images import DOCKER
from tests.docker.stack import ComposeStack, Edge


def assert_all_up(stack: ComposeStack, one_shot: set[str]) -> None:
    """Every long-running service running (and healthy where it has a healthcheck), every
    one-shot init job exited 0."""
    rows = {row["Service"]: row for row in stack.services()}
    problems = []
    for name, row in sorted(rows.items()):
        state, health, code = row.get("State"), row.get("Health") or "", row.get("ExitCode")
        if name in one_shot:
            if state != "exited" or code != 0:
                problems.append(f"{name}: init job {state} exit {code}")
        elif state != "running" or health not in ("", "healthy"):
            problems.append(f"{name}: {state} {health}")
    missing = one_shot - set(rows)
    assert not problems and not missing, f"{problems} missing={missing}\n{stack.diagnose()}"


def assert_healthchecked(stack: ComposeStack, names: set[str]) -> None:
    healthy = {row["Service"] for row in stack.services() if row.get("Health") == "healthy"}
    assert names <= healthy, f"not healthy: {sorted(names - healthy)}"


def assert_down_clean(stack: ComposeStack) -> None:
    stack.down()
    left = stack.leftovers()
    assert left == {"container": [], "network": [], "volume": []}, left


def smoke(stack: Edge, *extra: str) -> dict[str, Any]:
    """`cloudexit-ci smoke` as a user runs it against the Traefik container's published port
    (compose health on, through the harness's docker CLI); exit 0 and a valid report."""
    cmd = [sys.executable, "-m", "cloudexit_ci", "smoke", "--stack", str(stack.dir),
           "--base-url", f"https://127.0.0.1:{stack.https_port}", "--insecure",
           "--compose-project", stack.project, "--format", "json", *extra]  # fmt: skip
    env = {**os.environ, "PATH": f"{Path(DOCKER).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, f"smoke exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    report: dict[str, Any] = json.loads(done.stdout)
    jsonschema.validate(report, schema())
    return report


def assert_smoke_passes(stack: ComposeStack) -> None:
    """Every route of the manifest passes (writes too, with --allow-writes) and every function
    service is running and healthy, as `cloudexit-ci smoke` sees them."""
    manifest = json.loads((stack.dir / ".cloudexit" / "manifest.json").read_text())
    services = set((manifest.get("functions") or {}).values())
    first = smoke(stack)
    assert {r["verdict"] for r in first["routes"]} <= {"pass", "not-probed"}, first["routes"]
    every = smoke(stack, "--allow-writes")
    assert len(every["routes"]) == len(manifest.get("routes") or [])
    assert all(r["verdict"] == "pass" and r["requestId"] for r in every["routes"]), every["routes"]
    health = every["health"]
    assert health["checked"] is bool(services), health
    assert {s["service"] for s in health["services"]} == services
    assert all(s["verdict"] == "pass" for s in health["services"]), health
