"""The generated DynamoDB init definition creates the right tables in a real DynamoDB API.

`init/dynamodb/tables/*.json` is CreateTable input and `init/dynamodb/ttl/*.json`
UpdateTimeToLive input (what init.sh hands to `aws dynamodb ... --cli-input-json`);
DynamoDB Local stands in for ScyllaDB Alternator.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from cloudexit_ci.main import main
from tests import servers
from tests.servers import REPO

pytestmark = pytest.mark.servers

TABLE = REPO / "tests" / "fixtures" / "terraform" / "table"
ITEMS = REPO / "examples" / "serverless-items" / "terraform"


def _client(endpoint: str) -> Any:
    import boto3

    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")


def _generate(terraform: Path, output: Path) -> Path:
    assert main(["migrate", str(terraform), "--output", str(output)]) == 0
    return output / "init" / "dynamodb"


def _create_all(client: Any, init: Path, suffix: str) -> dict[str, str]:
    """Create every table (renamed with ``suffix`` so runs never collide); name map."""
    names = {}
    for path in sorted((init / "tables").glob("*.json")):
        request = json.loads(path.read_text())
        names[request["TableName"]] = request["TableName"] + suffix
        request["TableName"] += suffix
        client.create_table(**request)
    for path in sorted((init / "ttl").glob("*.json")) if (init / "ttl").is_dir() else []:
        request = json.loads(path.read_text())
        request["TableName"] += suffix
        client.update_time_to_live(**request)
    return names


def _keys(schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in schema]


def test_fixture_table_keys_indexes_stream_and_ttl(dynamodb_endpoint: str, tmp_path: Path) -> None:
    init = _generate(TABLE, tmp_path / "stack")
    assert sorted(p.name for p in (init / "tables").iterdir()) == ["orders.json"]
    assert sorted(p.name for p in (init / "ttl").iterdir()) == ["orders.json"]
    client = _client(dynamodb_endpoint)
    names = _create_all(client, init, f"-{uuid.uuid4().hex[:8]}")
    table = client.describe_table(TableName=names["orders"])["Table"]
    assert _keys(table["KeySchema"]) == [("customerId", "HASH"), ("orderId", "RANGE")]
    attributes = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert attributes == {
        "customerId": "S", "orderId": "S", "status": "S", "createdAt": "N", "sku": "S",
    }  # fmt: skip
    gsis = {g["IndexName"]: g for g in table["GlobalSecondaryIndexes"]}
    assert sorted(gsis) == ["sku-index", "status-createdAt-index"]
    assert _keys(gsis["status-createdAt-index"]["KeySchema"]) == [
        ("status", "HASH"), ("createdAt", "RANGE"),
    ]  # fmt: skip
    assert _keys(gsis["sku-index"]["KeySchema"]) == [("sku", "HASH")]
    assert all(g["Projection"]["ProjectionType"] == "ALL" for g in gsis.values())
    lsis = {i["IndexName"]: i for i in table["LocalSecondaryIndexes"]}
    assert sorted(lsis) == ["createdAt-lsi"]
    assert _keys(lsis["createdAt-lsi"]["KeySchema"]) == [
        ("customerId", "HASH"), ("createdAt", "RANGE"),
    ]  # fmt: skip
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    ttl = client.describe_time_to_live(TableName=names["orders"])["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}


def test_example_items_table(dynamodb_endpoint: str, tmp_path: Path) -> None:
    init = _generate(ITEMS, tmp_path / "stack")
    assert not (init / "ttl").exists()
    client = _client(dynamodb_endpoint)
    names = _create_all(client, init, f"-{uuid.uuid4().hex[:8]}")
    table = client.describe_table(TableName=names["items"])["Table"]
    assert _keys(table["KeySchema"]) == [("id", "HASH")]
    gsis = {g["IndexName"]: _keys(g["KeySchema"]) for g in table["GlobalSecondaryIndexes"]}
    assert gsis == {"userId-index": [("userId", "HASH")]}
    assert "LocalSecondaryIndexes" not in table
    ttl = client.describe_time_to_live(TableName=names["items"])["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "DISABLED"


def test_init_script_creates_each_table_and_ttl_and_is_valid_sh(tmp_path: Path) -> None:
    init = _generate(TABLE, tmp_path / "stack")
    script = init / "init.sh"
    assert subprocess.run(["sh", "-n", str(script)], capture_output=True).returncode == 0
    text = script.read_text()
    assert "create_table orders tables/orders.json" in text
    assert "enable_ttl orders ttl/orders.json" in text
    assert "enable_stream orders NEW_AND_OLD_IMAGES" in text


def test_init_script_enables_the_stream_of_an_existing_table(tmp_path: Path) -> None:
    """A table created before Terraform enabled its stream gets it when init runs again
    (the aws CLI against a DynamoDB Local of its own: the script names tables as they are)."""
    init = _generate(TABLE, tmp_path / "stack")
    with servers.dynamodb_local() as endpoint:
        client = _client(endpoint)
        request = json.loads((init / "tables" / "orders.json").read_text())
        request.pop("StreamSpecification")
        client.create_table(**request)
        env = {**os.environ, "AWS_ENDPOINT_URL_DYNAMODB": endpoint}
        for expected in ("stream NEW_AND_OLD_IMAGES enabled", "stream NEW_AND_OLD_IMAGES"):
            done = subprocess.run(
                ["sh", str(init / "init.sh")], env=env, capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, done.stderr
            assert f"table orders: {expected}\n" in done.stdout
        table = client.describe_table(TableName="orders")["Table"]
        assert table["StreamSpecification"] == {
            "StreamEnabled": True,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }


def test_pitr_is_reported_partial_with_what_is_lost(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", str(TABLE), "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [(e["address"], e["status"]) for e in entries] == [
        ("aws_dynamodb_table.orders", "partial")
    ]
    assert entries[0]["lost"][0] == "point-in-time recovery (use ScyllaDB snapshots / backups)"
    assert "a PutItem is a REMOVE then a MODIFY" in entries[0]["lost"][1]  # docs/STREAMS.md
    assert (entries[0]["file"], entries[0]["line"]) == ("tests/fixtures/terraform/table/main.tf", 1)
