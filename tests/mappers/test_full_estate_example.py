"""examples/full-estate: the checked-in stack is current, valid, and holds no secret value."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from cloudexit_ci.main import main
from tests.servers import REPO, tool

EXAMPLE = REPO / "examples" / "full-estate"
TERRAFORM = EXAMPLE / "terraform"
STACK = EXAMPLE / "stack"
FAKE_SECRETS = (
    "hunter2-do-not-leak",
    "redis-token-do-not-leak",
    "sk_live_fake_do_not_leak",
    "tok-sensitive-variable-do-not-leak",
    "ssm-signing-key-do-not-leak",
)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("estate") / "stack"
    argv = ["migrate", str(TERRAFORM), "--output", str(output), "--domain", "app.example.com"]
    assert main(argv) == 0
    return output


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".env"
    }


def test_checked_in_stack_is_current(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The project's own `cloudexit-ci check` (root .cloudexit.yml) finds no drift."""
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("CLOUDEXIT_NO_CACHE", "1")
    code = main(["check", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    stacks = {r["stack"]: r for r in report["reports"]}
    assert "full-estate" in stacks
    drifted = {name: [d["outputPath"] for d in r["drifts"]] for name, r in stacks.items()}
    assert code == 0, drifted


def test_no_terraform_secret_anywhere(fresh: Path) -> None:
    for root in (fresh, STACK):
        for path, data in _files(root).items():
            for secret in FAKE_SECRETS:
                assert secret.encode() not in data, f"{secret} leaked into {path}"


def test_expected_services() -> None:
    compose = (STACK / "docker-compose.yml").read_text()
    for service in ("estate-db:", "estate-cache:", "elasticmq:", "poll-estate-worker:",
                    "scheduler:", "estate-web:", "traefik:", "keycloak:",
                    "keycloak-db:", "sns:"):  # fmt: skip
        assert f"\n  {service}" in compose
    assert not re.search(r"image: \S+:latest", compose)
    assert "5432:" not in compose and "6379:" not in compose


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for line in (STACK / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            env[line.split("=", 1)[0]] = "dummy-value-123"
    return env


def test_docker_compose_config() -> None:
    done = subprocess.run(
        [tool("docker-compose"), "-f", str(STACK / "docker-compose.yml"), "config", "-q"],
        capture_output=True, text=True, timeout=60, env=_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "level=warning" not in done.stderr


def test_compose_spec_schema() -> None:
    done = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
         str(STACK / "docker-compose.yml")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_keycloak_realm_has_placeholders_not_secrets() -> None:
    realm = json.loads((STACK / "keycloak" / "import" / "estate-users.json").read_text())
    (client,) = realm["clients"]
    assert client["secret"] == "${KEYCLOAK_CLIENT_ESTATE_WEB_SECRET}"
    compose = (STACK / "docker-compose.yml").read_text()
    assert "KEYCLOAK_CLIENT_ESTATE_WEB_SECRET: ${KEYCLOAK_CLIENT_ESTATE_WEB_SECRET}" in compose
    assert "KEYCLOAK_CLIENT_ESTATE_WEB_SECRET=" in (STACK / ".env.example").read_text()


def test_compose_secrets_for_ecs_secrets() -> None:
    """ECS secrets become Compose secrets sourced from .env: names only, never values."""
    import yaml

    doc = yaml.safe_load((STACK / "docker-compose.yml").read_text())
    assert doc["secrets"]["ssm_estate_signing_key"] == {"environment": "SSM_ESTATE_SIGNING_KEY"}
    assert doc["secrets"]["secret_estate_stripe_key"] == {"environment": "SECRET_ESTATE_STRIPE_KEY"}
    web = doc["services"]["estate-web"]
    assert {"ssm_estate_signing_key", "secret_estate_stripe_key"} <= set(web["secrets"])
    assert web["environment"]["SIGNING_KEY"] == "${SSM_ESTATE_SIGNING_KEY}"
    assert "SSM_ESTATE_SIGNING_KEY=" in (STACK / ".env.example").read_text()
