"""examples/serverless-items generated afresh by the CLI with the other object store and
serverless mode (`--object-store seaweedfs --serverless-mode consolidated`: one function
container for the five handlers, SeaweedFS, an AWS CLI init job), run as the checked-in one."""

from __future__ import annotations

import pytest

from tests.docker.checks import (
    assert_all_up,
    assert_down_clean,
    assert_healthchecked,
    assert_smoke_passes,
)
from tests.docker.stack import ComposeStack
from tests.docker.test_serverless_items import crud

pytestmark = pytest.mark.docker
EXAMPLE = "serverless-items"
GENERATE = ("--object-store", "seaweedfs", "--serverless-mode", "consolidated")


def test_every_service_healthy_and_init_jobs_done(compose_stack: ComposeStack) -> None:
    assert_all_up(compose_stack, one_shot={"dynamodb-init", "s3-init"})
    assert_healthchecked(compose_stack, {"traefik", "scylladb", "seaweedfs", "api"})


def test_crud_through_traefik(compose_stack: ComposeStack) -> None:
    crud(compose_stack)


def test_cloudexit_smoke(compose_stack: ComposeStack) -> None:
    assert_smoke_passes(compose_stack)


def test_down_leaves_nothing(compose_stack: ComposeStack) -> None:
    assert_down_clean(compose_stack)
