"""Every generated compose file is valid for the real `docker-compose` and the Compose
spec schema, and keeps the spec's fixes (no `version:`, pinned images, private data…)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudexit_ci.main import main
from tests.servers import REPO, tool

ITEMS = REPO / "examples" / "serverless-items" / "terraform"
UPLOADS = REPO / "examples" / "http-api-uploads" / "terraform"
VARIANTS: dict[str, tuple[Path, tuple[str, ...]]] = {
    "containerized": (ITEMS, ("--serverless-mode", "containerized")),
    "consolidated": (ITEMS, ("--serverless-mode", "consolidated")),
    "cql": (ITEMS, ("--dynamodb-mode", "cql")),
    "seaweedfs": (ITEMS, ("--object-store", "seaweedfs")),
    "uploads": (UPLOADS, ()),
}
WRITE_ISOLATION = {"always_use_lwt", "only_rmw_uses_lwt", "forbid_rmw", "unsafe_rmw"}


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for name, (terraform, flags) in VARIANTS.items():
        output = tmp_path_factory.mktemp(name) / "stack"
        argv = ["migrate", str(terraform), "--output", str(output), "--domain", "api.example.com"]
        assert main([*argv, *flags]) == 0
        out[name] = output / "docker-compose.yml"
    return out


def _env_without_secrets_warnings(compose: Path) -> dict[str, str]:
    """The variables .env.example asks for, set to dummies (the operator's .env)."""
    env = dict(os.environ)
    for line in (compose.parent / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            env[line.split("=", 1)[0]] = "dummy-value-123"
    return env


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_docker_compose_config_accepts_it(stacks: dict[str, Path], variant: str) -> None:
    compose = stacks[variant]
    done = subprocess.run(
        [tool("docker-compose"), "-f", str(compose), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env_without_secrets_warnings(compose),
    )
    assert done.returncode == 0, done.stderr
    assert "level=warning" not in done.stderr, done.stderr


def test_compose_spec_schema_accepts_every_file(stacks: dict[str, Path]) -> None:
    files = [str(stacks[v]) for v in sorted(VARIANTS)]
    done = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def _role(service: dict[str, Any]) -> str:
    return str(service["labels"]["cloudexit.role"])


def _pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    _, sep, tag = image.rpartition(":")
    return bool(sep) and "/" not in tag and tag not in ("", "latest")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_spec_fixes(stacks: dict[str, Path], variant: str) -> None:
    doc = _load(stacks[variant])
    assert "version" not in doc
    assert doc["name"] == "stack"
    services: dict[str, dict[str, Any]] = doc["services"]
    assert "traefik" in services
    assert doc["networks"]["backend"] == {"internal": True}
    for name, svc in services.items():
        assert "container_name" not in svc, name
        assert svc["labels"]["cloudexit.source"], name
        if "image" in svc:
            assert _pinned(svc["image"]), f"{name}: image {svc['image']} is not pinned"
        else:
            assert "build" in svc, name
        if name != "traefik":
            assert "ports" not in svc, f"{name} publishes a host port"
        for volume in svc.get("volumes", []):
            assert "docker.sock" not in volume, name
        if _role(svc) in ("data", "init"):
            assert svc["networks"] == ["backend"], name
        if _role(svc) == "function":
            assert svc["deploy"]["resources"]["limits"]["memory"].endswith("M"), name
            assert "ports" not in svc
    roles = {_role(s) for s in services.values()}
    assert {"gateway", "function", "data", "init"} <= roles


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_datastore_flags(stacks: dict[str, Path], variant: str) -> None:
    services = _load(stacks[variant])["services"]
    command = services["scylladb"]["command"]
    if variant == "cql":
        assert "--alternator-port" not in command
    else:
        assert "--alternator-write-isolation" in command
    if "--alternator-write-isolation" in command:
        value = command[command.index("--alternator-write-isolation") + 1]
        assert value in WRITE_ISOLATION
    if variant == "seaweedfs":
        assert "minio" not in services and "seaweedfs" in services
    else:
        assert services["minio"]["healthcheck"]["test"] == ["CMD", "mc", "ready", "local"]


def test_function_counts_per_serverless_mode(stacks: dict[str, Path]) -> None:
    def functions(variant: str) -> list[str]:
        services = _load(stacks[variant])["services"]
        return sorted(n for n, s in services.items() if _role(s) == "function")

    assert functions("containerized") == [
        "create-item", "delete-item", "get-item", "list-items", "update-item",
    ]  # fmt: skip
    assert len(functions("consolidated")) == 1
