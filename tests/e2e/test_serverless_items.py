"""examples/serverless-items: REST API v1, Node 18, routes inferred; the generated stack
run for real (Traefik -> shims -> DynamoDB Local), containerized and consolidated."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import stack as e2e
from tests.e2e.conftest import NODE_MISSING
from tests.servers import REPO

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.servers,
    pytest.mark.skipif(NODE_MISSING, reason="node missing"),
]
EXAMPLE = REPO / "examples" / "serverless-items" / "terraform"
JSON = [("Content-Type", "application/json")]


@pytest.fixture(scope="module")
def items(
    tmp_path_factory: pytest.TempPathFactory, endpoints: e2e.Endpoints
) -> Iterator[e2e.Stack]:
    tmp = tmp_path_factory.mktemp("items")
    with e2e.running(EXAMPLE, tmp, endpoints, "api.items.test") as stack:
        yield stack


def crud_flow(stack: e2e.Stack) -> None:
    """The spec's flow: POST 201 -> GET 200 -> list -> PUT 200 -> DELETE 204 -> GET 404."""
    user = f"u-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"name": "Test", "userId": user}).encode()
    created = stack.request("POST", "/items", JSON, body)
    assert created.status == 201, created.body
    item = created.json()
    assert item["name"] == "Test" and item["userId"] == user and item["id"]

    got = stack.request("GET", f"/items/{item['id']}")
    assert got.status == 200 and got.json() == item

    listed = stack.request("GET", "/items")
    assert listed.status == 200 and item["id"] in [x["id"] for x in listed.json()]
    # Repeated query keys, payload 1.0: queryStringParameters keeps the last value.
    by_user = stack.request("GET", f"/items?userId=nobody&userId={user}")
    assert by_user.status == 200 and [x["id"] for x in by_user.json()] == [item["id"]]

    renamed = json.dumps({"name": "Renamed"}).encode()
    updated = stack.request("PUT", f"/items/{item['id']}", JSON, renamed)
    assert updated.status == 200 and updated.json()["name"] == "Renamed"
    assert updated.json()["createdAt"] == item["createdAt"]

    deleted = stack.request("DELETE", f"/items/{item['id']}")
    assert deleted.status == 204 and deleted.body == b""
    assert stack.request("GET", f"/items/{item['id']}").status == 404


def test_crud_through_traefik(items: e2e.Stack) -> None:
    crud_flow(items)


def test_every_function_logged_its_requests(items: e2e.Stack) -> None:
    crud_flow(items)
    for service in ("create-item", "get-item", "list-items", "update-item", "delete-item"):
        lines = [json.loads(x) for x in items.function_log(service).splitlines() if x[:1] == "{"]
        routed = [x for x in lines if x.get("function") == service]
        assert routed and all(x["requestId"] for x in routed), service


def test_unrouted_method_and_path_are_404(items: e2e.Stack) -> None:
    assert items.request("PATCH", "/items/1").status == 404
    assert items.request("GET", "/nothing-here").status == 404
    # The shims' raw-event endpoint is never routed by the generated Traefik config.
    assert items.request("POST", "/__cloudexit/invoke/create-item", JSON, b"{}").status == 404


def test_web_entry_point_redirects_to_https(items: e2e.Stack) -> None:
    resp = items.request("GET", "/items", port=items.web)
    assert resp.status in (301, 302, 307, 308)
    assert resp.all("location")[0].startswith("https://api.items.test")


def test_consolidated_mode_crud(tmp_path: Path, endpoints: e2e.Endpoints) -> None:
    """--serverless-mode consolidated: one shim process serves all five functions."""
    with e2e.running(
        EXAMPLE, tmp_path, endpoints, "api.items.test", "--serverless-mode", "consolidated"
    ) as stack:
        assert list(stack.functions) == ["api"]
        crud_flow(stack)
