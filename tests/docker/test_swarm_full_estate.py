"""examples/full-estate on a one-node swarm (`--platform swarm`): the external secrets the
deploy script makes from .env reach the services that read them (an ECS service's secret
files, Keycloak and its database), the realm answers through Traefik, and `docker stack rm`
takes the secrets with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docker import images
from tests.docker.images import docker
from tests.docker.stack import env_values
from tests.docker.swarm import SwarmStack, deployed
from tests.docker.test_full_estate import HOST

pytestmark = pytest.mark.docker
EXAMPLE = "full-estate"


@pytest.fixture(scope="module")
def swarm_stack(builder: images.Builder, workdir: Path) -> Iterator[SwarmStack]:
    with deployed(EXAMPLE, HOST, builder, workdir, ("GET", "/api/orders")) as stack:
        yield stack


def test_ecs_service_gets_the_env_values_as_secret_files(swarm_stack: SwarmStack) -> None:
    reply = swarm_stack.request("GET", "/api/orders", HOST)
    assert reply.status == 200, reply.body
    assert reply.json()["secret_files"] == ["secret_estate_stripe_key", "ssm_estate_signing_key"]
    values = env_values(swarm_stack.dir / ".env.example")
    containers = swarm_stack.containers("estate-web")
    assert containers  # the ECS service's desired count
    for container in containers:
        for name in ("secret_estate_stripe_key", "ssm_estate_signing_key"):
            shown = docker("exec", container, "cat", f"/run/secrets/{name}").stdout
            assert shown == values[name.upper()]


def test_keycloak_and_its_database_start_on_swarm_secrets(swarm_stack: SwarmStack) -> None:
    path = "/auth/realms/estate-users/.well-known/openid-configuration"
    reply = swarm_stack.request("GET", path, HOST)
    assert reply.status == 200, reply.body
    assert reply.json()["issuer"] == f"https://{HOST}/auth/realms/estate-users"


def test_stack_rm_takes_the_secrets(swarm_stack: SwarmStack) -> None:
    assert len(swarm_stack.leftovers()["secrets"]) == 5
    left = swarm_stack.remove()
    assert {k: v for k, v in left.items() if k != "volumes"} == {
        "services": [], "containers": [], "networks": [], "configs": [], "secrets": [],
    }  # fmt: skip
