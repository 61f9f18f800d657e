"""Mappers: a small fixture per family → its coverage entries and IR records (snapshots),
and the routes: v1 from methods + integrations, v2 from routes, inferred by name."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from cloudexit_ci.convert import convert
from cloudexit_ci.mappers.base import Options
from cloudexit_ci.stack import Stack
from cloudexit_ci.terraform.load import load_module
from tests.servers import REPO

FIXTURES = REPO / "tests" / "fixtures" / "terraform" / "mappers"
FAMILIES = ("apigateway", "apigatewayv2", "dynamodb", "lambda_function", "not_needed", "s3")


def _stack(directory: Path, **options: Any) -> Stack:
    return convert(load_module(directory, repo_root=REPO), Options(**options))


def _records(stack: Stack) -> str:
    """A stable, readable serialisation of what the mappers produced (not the targets)."""

    def many(items: Any) -> list[Any]:
        return [dataclasses.asdict(i) for i in items]

    document = {
        "coverage": many(stack.coverage),
        "functions": many(stack.functions[k] for k in sorted(stack.functions)),
        "apis": many(stack.apis[k] for k in sorted(stack.apis)),
        "routes": many(sorted(stack.routes, key=lambda r: (r.api, r.path, r.method))),
        "tables": many(stack.tables[k] for k in sorted(stack.tables)),
        "buckets": many(stack.buckets[k] for k in sorted(stack.buckets)),
        "data_plan": many(stack.data_plan),
        "env_vars": many(stack.env_vars[k] for k in sorted(stack.env_vars)),
        "notes": stack.notes,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("family", FAMILIES)
def test_mapper_records(family: str, snapshot: SnapshotAssertion) -> None:
    assert _records(_stack(FIXTURES / family)) == snapshot


def _routes(stack: Stack) -> list[tuple[str, str, str, bool]]:
    return sorted((r.method, r.path, r.function, r.inferred) for r in stack.routes)


def test_rest_api_routes_come_from_methods_and_integrations() -> None:
    stack = _stack(FIXTURES / "apigateway")
    assert _routes(stack) == [
        ("GET", "/orders/{orderId}", "orders", False),
        ("POST", "/orders", "orders", False),
    ]
    get = next(r for r in stack.routes if r.method == "GET")
    assert (get.origin.address, get.origin.line) == ("aws_api_gateway_method.get_order", 24)
    assert stack.apis["shop"].payload_version == "1.0"
    assert not [c for c in stack.coverage if c.status == "inferred"]


def test_http_api_routes_come_from_routes() -> None:
    stack = _stack(FIXTURES / "apigatewayv2")
    assert _routes(stack) == [
        ("ANY", "/raw/{proxy+}", "files", False),
        ("GET", "/files/{key}", "files", False),
    ]
    api = stack.apis["files-api"]
    assert api.payload_version == "2.0"
    assert api.throttle is not None and (api.throttle.rate_per_s, api.throttle.burst) == (20, 40)
    assert api.cors is not None and api.cors.allow_methods == ("GET", "PUT")


def test_routes_inferred_from_function_names_are_marked_inferred() -> None:
    stack = _stack(REPO / "examples" / "serverless-items" / "terraform")
    assert _routes(stack) == [
        ("DELETE", "/items/{id}", "delete-item", True),
        ("GET", "/items", "list-items", True),
        ("GET", "/items/{id}", "get-item", True),
        ("POST", "/items", "create-item", True),
        ("PUT", "/items/{id}", "update-item", True),
    ]
    inferred = sorted(
        (c.origin.address, c.reason) for c in stack.coverage if c.status == "inferred"
    )
    suffix = " inferred from the function's name"
    assert inferred == [
        ("aws_lambda_function.create_item", "POST /items → create-item" + suffix),
        ("aws_lambda_function.delete_item", "DELETE /items/{id} → delete-item" + suffix),
        ("aws_lambda_function.get_item", "GET /items/{id} → get-item" + suffix),
        ("aws_lambda_function.list_items", "GET /items → list-items" + suffix),
        ("aws_lambda_function.update_item", "PUT /items/{id} → update-item" + suffix),
    ]
    assert {c.type for c in stack.coverage if c.status == "inferred"} == {"route"}


def test_unknown_types_are_unmapped_entries_not_errors() -> None:
    stack = _stack(FIXTURES / "not_needed")
    statuses = {c.origin.address: c.status for c in stack.coverage}
    assert statuses["aws_quantum_ledger.mystery"] == "unmapped"
    assert statuses["random_id.suffix"] == "not-needed"
    assert statuses["aws_iam_role.lambda"] == "not-needed"
