"""The serverless-items example handlers, unzipped from the committed zips, served by the
Node shim in consolidated mode against a real DynamoDB Local."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.runtime import harness
from tests.servers import NODE_DIR, REPO

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(harness.NODE is None, reason="node missing"),
]
EXAMPLE = REPO / "examples" / "serverless-items" / "terraform"
FUNCTIONS = {"create": "create-item", "get": "get-item", "list": "list-items"}
FUNCTIONS.update({"update": "update-item", "delete": "delete-item"})
ROUTES = [
    ("POST", "/items", "create-item"),
    ("GET", "/items/{id}", "get-item"),
    ("GET", "/items", "list-items"),
    ("PUT", "/items/{id}", "update-item"),
    ("DELETE", "/items/{id}", "delete-item"),
]


def make_table(endpoint: str, name: str) -> None:
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "userId", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "userId-index",
                "KeySchema": [{"AttributeName": "userId", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


def config() -> dict[str, Any]:
    fns = {
        name: {"handler": "index.handler", "codeDir": name, "timeout": 10, "memory": 256}
        for name in FUNCTIONS.values()
    }
    routes = [{"method": m, "path": p, "function": f} for m, p, f in ROUTES]
    api = {"id": "items-api", "stage": "prod", "kind": "rest", "binaryMediaTypes": []}
    return {"api": api, "functions": fns, "routes": routes}


def unzip_all(task_root: Path) -> None:
    """As the Dockerfile does: <zip> -> <task root>/<function name>/."""
    for zip_name, function in FUNCTIONS.items():
        with zipfile.ZipFile(EXAMPLE / f"{zip_name}.zip") as zf:
            zf.extractall(task_root / function)


def test_build_is_reproducible() -> None:
    check = subprocess.run([sys.executable, str(EXAMPLE / "build.py"), "--check"])
    assert check.returncode == 0


def test_crud_through_the_shim(dynamodb_endpoint: str, tmp_path: Path) -> None:
    table = f"items-{uuid.uuid4().hex[:8]}"  # the session's DynamoDB Local is shared
    make_table(dynamodb_endpoint, table)
    unzip_all(tmp_path / "task")
    env = {
        "LAMBDA_TASK_ROOT": str(tmp_path / "task"),
        "NODE_PATH": str(NODE_DIR / "node_modules"),
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        "TABLE_NAME": table,
    }
    with harness.start("node", config(), tmp_path, env) as shim:
        json_h = [("Host", "api.example.com"), ("Content-Type", "application/json")]
        created = shim.request("POST", "/items", json_h, b'{"name":"Test","userId":"u1"}')
        assert created.status == 201, created.body
        item = created.json()
        assert item["name"] == "Test" and item["id"] and item["createdAt"]
        shim.request("POST", "/items", json_h, b'{"name":"Other","userId":"u2"}')

        got = shim.request("GET", f"/items/{item['id']}")
        assert got.status == 200 and got.json() == item
        assert shim.request("GET", "/items/missing").status == 404

        assert len(shim.request("GET", "/items").json()) == 2
        by_user = shim.request("GET", "/items?userId=u1").json()
        assert [x["id"] for x in by_user] == [item["id"]]

        updated = shim.request("PUT", f"/items/{item['id']}", json_h, b'{"name":"Renamed"}')
        assert updated.status == 200 and updated.json()["name"] == "Renamed"
        assert updated.json()["createdAt"] == item["createdAt"]
        missing = shim.request("PUT", "/items/missing", json_h, json.dumps({"a": 1}).encode())
        assert missing.status == 404

        deleted = shim.request("DELETE", f"/items/{item['id']}")
        assert deleted.status == 204 and deleted.body == b""
        assert shim.request("GET", f"/items/{item['id']}").status == 404
