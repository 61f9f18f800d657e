"""examples/serverless-items in the real Docker Engine: REST API through the Traefik
container, five Node.js function containers, DynamoDB (ScyllaDB stand-in), MinIO stand-in."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.docker.checks import (
    assert_all_up,
    assert_down_clean,
    assert_healthchecked,
    assert_smoke_passes,
)
from tests.docker.stack import ComposeStack, Edge

pytestmark = pytest.mark.docker
EXAMPLE = "serverless-items"
HOST = "api.example.com"
JSON = {"Content-Type": "application/json"}
FUNCTIONS = {"create-item", "get-item", "list-items", "update-item", "delete-item"}


def test_every_service_healthy_and_init_jobs_done(compose_stack: ComposeStack) -> None:
    assert_all_up(compose_stack, one_shot={"dynamodb-init", "s3-init"})
    assert_healthchecked(compose_stack, FUNCTIONS | {"traefik", "scylladb", "minio"})


def test_http_redirects_to_https(compose_stack: ComposeStack) -> None:
    reply = compose_stack.request("GET", "/items", HOST, tls=False)
    assert reply.status in (301, 302, 307, 308)
    assert reply.headers["location"].startswith(f"https://{HOST}/items")


def test_crud_through_traefik(compose_stack: ComposeStack) -> None:
    crud(compose_stack)


def crud(stack: Edge) -> None:
    """create -> get -> list -> update -> delete -> 404, through the Traefik container."""
    user = f"u-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"name": "Test", "userId": user}).encode()
    created = stack.request("POST", "/items", HOST, body, JSON)
    assert created.status == 201, created.body
    item = created.json()
    assert item["name"] == "Test" and item["userId"] == user and item["id"]

    got = stack.request("GET", f"/items/{item['id']}", HOST)
    assert got.status == 200 and got.json() == item

    listed = stack.request("GET", "/items", HOST)
    assert listed.status == 200 and item["id"] in [x["id"] for x in listed.json()]

    renamed = json.dumps({"name": "Renamed"}).encode()
    updated = stack.request("PUT", f"/items/{item['id']}", HOST, renamed, JSON)
    assert updated.status == 200 and updated.json()["name"] == "Renamed", updated.body

    deleted = stack.request("DELETE", f"/items/{item['id']}", HOST)
    assert deleted.status == 204 and deleted.body == b""
    assert stack.request("GET", f"/items/{item['id']}", HOST).status == 404


def test_unknown_host_or_route_is_not_served(compose_stack: ComposeStack) -> None:
    assert compose_stack.request("GET", "/items", "other.example.com").status == 404
    assert compose_stack.request("PATCH", "/items", HOST).status in (404, 405)


def test_cloudexit_smoke(compose_stack: ComposeStack) -> None:
    assert_smoke_passes(compose_stack)


def test_down_leaves_nothing(compose_stack: ComposeStack) -> None:
    assert_down_clean(compose_stack)
