"""Each function service's health through the Compose project that runs the stack here.

``docker compose -f DIR/docker-compose.yml [-p PROJECT] ps --all --format json`` lists
the project's containers with their state and healthcheck status. When the project runs
here (at least one container), every function service of the manifest must have all its
containers running, and healthy where they have a healthcheck (the generated function
services all do): a missing, stopped, starting or unhealthy one is a failure. When the
docker CLI is missing, ``docker compose ps`` fails or the project has no container, the
health is *not checked* and the report says why; ``--no-compose`` skips it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloudexit_ci.smoke.plan import Verdict

PS_TIMEOUT = 60.0


@dataclass(frozen=True)
class ServiceHealth:
    service: str
    functions: tuple[str, ...]
    state: str | None  # running, exited, …; None: no container
    health: str | None  # healthy, unhealthy, starting; "" without a healthcheck
    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class Health:
    checked: bool
    reason: str  # the command that was run, or why nothing was checked
    services: tuple[ServiceHealth, ...] = ()


def parse_ps(text: str) -> list[dict[str, Any]]:
    """``ps --format json``: one object per line (Compose 2.21+) or one array (before)."""
    rows: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        rows.extend(r for r in (item if isinstance(item, list) else [item]) if isinstance(r, dict))
    return rows


def judge_services(functions: Mapping[str, str], rows: list[dict[str, Any]]) -> list[ServiceHealth]:
    """One entry per function service (sorted), from the project's containers."""
    served: dict[str, list[str]] = {}
    for function, service in functions.items():
        served.setdefault(service, []).append(function)
    return [
        _judge(service, tuple(sorted(names)), [r for r in rows if r.get("Service") == service])
        for service, names in sorted(served.items())
    ]


def _judge(service: str, functions: tuple[str, ...], rows: list[dict[str, Any]]) -> ServiceHealth:
    if not rows:
        return ServiceHealth(service, functions, None, None, "fail", "no container")
    worst = None
    for row in rows:
        state, health = str(row.get("State") or ""), str(row.get("Health") or "")
        if state != "running":
            code = row.get("ExitCode")
            worst = (state, health, f"{state or 'not running'} (exit code {code})")
        elif health not in ("", "healthy") and worst is None:
            worst = (state, health, f"{health}: its healthcheck has not passed")
    if worst is not None:
        return ServiceHealth(service, functions, worst[0], worst[1], "fail", worst[2])
    state, health = "running", str(rows[0].get("Health") or "")
    reason = "running, healthy" if health else "running (no healthcheck)"
    return ServiceHealth(service, functions, state, health, "pass", reason)


_ORCHESTRATOR = {
    "swarm": "`docker stack ps STACK` shows the tasks",
    "kubernetes": "`kubectl get pods -n STACK` shows the pods",
}


def compose_health(
    stack_dir: Path,
    functions: Mapping[str, str],
    project: str | None,
    enabled: bool,
    platform: str = "compose",
) -> Health:
    if platform in _ORCHESTRATOR:
        return Health(False, f"not checked: a {platform} stack ({_ORCHESTRATOR[platform]})")
    if not enabled:
        return Health(False, "not checked: --no-compose")
    if not functions:
        return Health(False, "not checked: the manifest lists no function")
    docker = shutil.which("docker")
    if docker is None:
        return Health(False, "not checked: docker not found on PATH (--no-compose skips this)")
    compose_file = stack_dir / "docker-compose.yml"
    cmd = [docker, "compose", "-f", str(compose_file)]
    cmd += ["-p", project] if project else []
    cmd += ["ps", "--all", "--format", "json"]
    shown = " ".join(["docker", *cmd[1:]])
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=PS_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Health(False, f"not checked: `{shown}` failed: {exc}")
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return Health(False, f"not checked: `{shown}` exited {done.returncode}: {last}")
    try:
        rows = parse_ps(done.stdout)
    except ValueError:
        return Health(False, f"not checked: `{shown}` printed no JSON")
    if not rows:
        name = f"project {project}" if project else f"the project of {compose_file}"
        return Health(False, f"not checked: no container of {name} (not running here?)")
    return Health(True, f"`{shown}`", tuple(judge_services(functions, rows)))
