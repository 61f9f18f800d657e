"""examples/http-api-uploads generated afresh by the CLI with `--object-store seaweedfs
--serverless-mode consolidated` (one Python container for the four handlers, SeaweedFS, an
AWS CLI bucket init job), run as the checked-in one."""

from __future__ import annotations

import pytest

from tests.docker.checks import (
    assert_all_up,
    assert_down_clean,
    assert_healthchecked,
    assert_smoke_passes,
)
from tests.docker.stack import ComposeStack
from tests.docker.test_http_api_uploads import binary_round_trip, notes_newest_first

pytestmark = pytest.mark.docker
EXAMPLE = "http-api-uploads"
GENERATE = ("--object-store", "seaweedfs", "--serverless-mode", "consolidated")


def test_every_service_healthy_and_init_jobs_done(compose_stack: ComposeStack) -> None:
    assert_all_up(compose_stack, one_shot={"dynamodb-init", "s3-init"})
    assert_healthchecked(compose_stack, {"traefik", "scylladb", "seaweedfs", "api"})


def test_binary_upload_and_download_keep_every_byte(compose_stack: ComposeStack) -> None:
    binary_round_trip(compose_stack, "api")


def test_notes_by_owner_through_the_gsi_newest_first(compose_stack: ComposeStack) -> None:
    notes_newest_first(compose_stack)


def test_cloudexit_smoke(compose_stack: ComposeStack) -> None:
    assert_smoke_passes(compose_stack)


def test_down_leaves_nothing(compose_stack: ComposeStack) -> None:
    assert_down_clean(compose_stack)
