"""Assertions shared by the stack tests: services healthy, init jobs done, nothing left."""

from __future__ import annotations

from tests.docker.stack import ComposeStack


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
