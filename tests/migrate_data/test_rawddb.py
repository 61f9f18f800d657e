"""The raw JSON DynamoDB client: same bytes as botocore's path, botocore-like errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudexit_ci.migrate_data import retry
from cloudexit_ci.migrate_data.clients import Endpoint
from cloudexit_ci.migrate_data.plan import TableJob
from cloudexit_ci.migrate_data.rawddb import RawDynamo, _client_error
from cloudexit_ci.migrate_data.runner import Settings, run_job
from cloudexit_ci.migrate_data.wire import from_wire_item, to_wire_item
from tests.migrate_data.helpers import (
    by_key,
    create_table,
    ddb,
    edge_items,
    name,
    put_all,
    random_items,
    raw_equal,
    scan_all,
)


def test_errors_look_like_botocore() -> None:
    throttled = _client_error(
        "BatchWriteItem",
        400,
        json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException"}).encode(),
    )
    assert retry.is_retryable(throttled)
    missing = _client_error(
        "Scan",
        400,
        json.dumps({"__type": "x#ResourceNotFoundException", "message": "no such table"}).encode(),
    )
    assert not retry.is_retryable(missing)
    assert "ResourceNotFoundException" in str(missing)
    assert retry.is_retryable(_client_error("Scan", 502, b"<html>bad gateway</html>"))


def test_wire_form_round_trips_every_type() -> None:
    for item in edge_items():
        assert from_wire_item(json.loads(json.dumps(to_wire_item(item)))) == item


@pytest.mark.servers
@pytest.mark.parametrize("raw_http", [True, False])
def test_raw_and_botocore_paths_copy_the_same(
    dynamodb_endpoint: str, tmp_path: Path, raw_http: bool
) -> None:
    client = ddb(dynamodb_endpoint)
    src, dst = name("rsrc"), name("rdst")
    create_table(client, src, range_type="B")
    items = [
        {**i, "sk": {"B": i["pk"]["S"].encode() + n.to_bytes(2, "big") + b"\x00\xff"}}
        for n, i in enumerate(edge_items() + random_items(300))
    ]
    put_all(client, src, items)
    endpoint = Endpoint(dynamodb_endpoint)
    job = TableJob("t", src, dst, endpoint, endpoint)
    settings = Settings(tmp_path, page_size=7, segments=2, progress="none", raw_http=raw_http)
    run_job(job, settings)
    raw_equal(scan_all(client, src), scan_all(client, dst))
    assert by_key(scan_all(client, dst)) == by_key(items)
    raw = RawDynamo(endpoint, pool=2)
    page = raw.scan(TableName=dst, Limit=3)
    assert isinstance(page["LastEvaluatedKey"]["sk"]["B"], bytes)  # keys in botocore form
    assert isinstance(page["Items"][0]["sk"]["B"], str)  # items as the wire carries them
