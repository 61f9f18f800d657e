"""Function health from `docker compose ps --all --format json`: parsing both output
shapes, the verdict per service, and the reasons nothing was checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cloudexit_ci.smoke.health import compose_health, judge_services, parse_ps


def row(service: str, state: str = "running", health: str = "healthy", code: int = 0) -> Any:
    """One container as Compose 2.26 prints it (fields smoke does not read left out)."""
    return {
        "Name": f"proj-{service}-1", "Project": "proj", "Service": service, "State": state,
        "Health": health, "ExitCode": code, "Status": "Up 2 minutes (healthy)",
    }  # fmt: skip


def test_parse_ps_one_object_per_line() -> None:
    text = "\n".join(json.dumps(row(s)) for s in ("a", "b")) + "\n"
    assert [r["Service"] for r in parse_ps(text)] == ["a", "b"]


def test_parse_ps_one_array() -> None:
    """Compose before 2.21 printed one JSON array."""
    assert [r["Service"] for r in parse_ps(json.dumps([row("a"), row("b")]))] == ["a", "b"]


def test_parse_ps_nothing() -> None:
    assert parse_ps("") == [] and parse_ps("[]\n") == []


FUNCTIONS = {"get-item": "get-item", "list-items": "list-items"}

# (name, containers, service -> (verdict, words of the reason))
CASES: list[tuple[str, list[Any], dict[str, tuple[str, str]]]] = [
    ("all healthy", [row("get-item"), row("list-items"), row("traefik")],
     {"get-item": ("pass", "healthy"), "list-items": ("pass", "healthy")}),
    ("one missing", [row("get-item"), row("traefik")],
     {"get-item": ("pass", "healthy"), "list-items": ("fail", "no container")}),
    ("one unhealthy", [row("get-item", health="unhealthy"), row("list-items")],
     {"get-item": ("fail", "unhealthy"), "list-items": ("pass", "healthy")}),
    ("one starting", [row("get-item", health="starting"), row("list-items")],
     {"get-item": ("fail", "starting"), "list-items": ("pass", "healthy")}),
    ("one exited", [row("get-item", "exited", "", 137), row("list-items")],
     {"get-item": ("fail", "exit code 137"), "list-items": ("pass", "healthy")}),
    ("no healthcheck", [row("get-item", health=""), row("list-items")],
     {"get-item": ("pass", "no healthcheck"), "list-items": ("pass", "healthy")}),
    ("a scaled service with one replica down",
     [row("get-item"), row("get-item", "restarting", ""), row("list-items")],
     {"get-item": ("fail", "restarting"), "list-items": ("pass", "healthy")}),
]  # fmt: skip


@pytest.mark.parametrize(("rows", "want"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_judge_services(rows: list[Any], want: dict[str, tuple[str, str]]) -> None:
    found = {s.service: s for s in judge_services(FUNCTIONS, rows)}
    assert sorted(found) == sorted(want)
    for service, (verdict, words) in want.items():
        assert found[service].verdict == verdict, found[service]
        assert words in found[service].reason


def test_consolidated_functions_share_one_service() -> None:
    functions = {"a": "functions", "b": "functions"}
    (only,) = judge_services(functions, [row("functions")])
    assert (only.service, only.functions, only.verdict) == ("functions", ("a", "b"), "pass")


def test_no_compose(tmp_path: Path) -> None:
    health = compose_health(tmp_path, FUNCTIONS, None, enabled=False)
    assert not health.checked and "--no-compose" in health.reason


def test_docker_missing_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no docker on PATH
    health = compose_health(tmp_path, FUNCTIONS, None, enabled=True)
    assert not health.checked and "docker not found on PATH" in health.reason


def test_no_functions_nothing_to_check(tmp_path: Path) -> None:
    health = compose_health(tmp_path, {}, None, enabled=True)
    assert not health.checked and health.services == ()


@pytest.mark.parametrize("platform", ["swarm", "kubernetes"])
def test_an_orchestrated_stack_is_not_judged_through_compose(tmp_path: Path, platform: str) -> None:
    health = compose_health(tmp_path, FUNCTIONS, None, enabled=True, platform=platform)
    assert not health.checked and health.services == ()
    assert f"a {platform} stack" in health.reason
