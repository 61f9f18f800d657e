"""Shared helpers for the migrate-data tests: clients, tables, items, comparison."""

from __future__ import annotations

import base64
import itertools
import os
import random
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from cloudexit_ci.migrate_data.wire import canonical_item

REPO = Path(__file__).resolve().parents[2]
_names = itertools.count()


def ddb(url: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "max_attempts": 10}),
    )


def s3(url: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


def name(prefix: str) -> str:
    return f"{prefix}-{next(_names)}-{uuid.uuid4().hex[:6]}"


def create_table(client: Any, table: str, range_type: str | None = "N") -> None:
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_type:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attrs.append({"AttributeName": "sk", "AttributeType": range_type})
    client.create_table(
        TableName=table, KeySchema=keys, AttributeDefinitions=attrs, BillingMode="PAY_PER_REQUEST"
    )


def put_all(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        request = {table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


def scan_all(client: Any, table: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    start = None
    while True:
        kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
        page = client.scan(TableName=table, **kwargs)
        out.extend(page["Items"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return out


def by_key(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Items keyed by their (pk, sk), in canonical form (exact numbers, sorted sets)."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        canon = canonical_item(item)
        key = repr((canon["pk"], canon.get("sk")))
        assert key not in out, f"duplicate key {key}"
        out[key] = canon
    return out


def raw_equal(source: list[dict[str, Any]], target: list[dict[str, Any]]) -> None:
    """Item by item, with numbers compared as the exact strings DynamoDB returned."""
    assert len(source) == len(target)
    want = {repr((i["pk"], i.get("sk"))): i for i in source}
    got = {repr((i["pk"], i.get("sk"))): i for i in target}
    assert want.keys() == got.keys()
    for key, item in want.items():
        assert canonical_item(item) == canonical_item(got[key]), key
        assert _numbers(item) == _numbers(got[key]), key


def _numbers(item: Any) -> list[str]:
    if isinstance(item, dict):
        found = [item["N"]] if "N" in item and len(item) == 1 else []
        if "NS" in item and len(item) == 1:
            found += sorted(item["NS"])
        return found + [n for k, v in sorted(item.items()) for n in _numbers(v)]
    if isinstance(item, list):
        return [n for v in item for n in _numbers(v)]
    return []


def edge_items() -> list[dict[str, Any]]:
    """Every attribute type and the edge cases the spec's script loses."""
    big = "x" * (390 * 1024)
    return [
        {"pk": {"S": "scalars"}, "sk": {"N": "1"}, "s": {"S": "héllo ✓ \u0000 nul"},
         "n_big": {"N": "12345678901234567890123456789012345678"},
         "n_small": {"N": "0.000000000000000000000000000000000001"},
         "n_neg": {"N": "-1e125"}, "n_frac": {"N": "3.14159265358979323846264338327950288"},
         "b": {"B": bytes(range(256))}, "t": {"BOOL": True}, "f": {"BOOL": False},
         "null": {"NULL": True}, "empty_s": {"S": ""}, "empty_b": {"B": b""}},
        {"pk": {"S": "sets"}, "sk": {"N": "2"}, "ss": {"SS": ["a", "b", "ç"]},
         "ns": {"NS": ["1", "2.5", "-3", "99999999999999999999999999999999999999"]},
         "bs": {"BS": [b"\x00", b"\xff\xfe", b"abc"]}},
        {"pk": {"S": "nested"}, "sk": {"N": "3"},
         "m": {"M": {"a": {"L": [{"N": "1.50"}, {"S": ""}, {"NULL": True},
                                  {"M": {"deep": {"BS": [b"\x01"]}}}]},
                     "empty_m": {"M": {}}, "empty_l": {"L": []}}},
         "l": {"L": [{"SS": ["x"]}, {"NS": ["0"]}, {"B": b"\x00\x01"}, {"BOOL": False}]}},
        {"pk": {"S": "big"}, "sk": {"N": "4"}, "payload": {"S": big}},
        {"pk": {"S": "bigbin"}, "sk": {"N": "5"}, "payload": {"B": os.urandom(390 * 1024)}},
        {"pk": {"S": "ünïcode-键"}, "sk": {"N": "-0.5"}, "v": {"S": "🙂"}},
    ]  # fmt: skip


def random_items(count: int, seed: int = 7, pk: str = "p") -> list[dict[str, Any]]:
    rng = random.Random(seed)
    items = []
    for i in range(count):
        digits = "".join(rng.choice("0123456789") for _ in range(30))
        items.append(
            {
                "pk": {"S": f"{pk}{i % 97}"},
                "sk": {"N": f"{i}.{digits}"},
                "n": {"N": f"-{digits}E-{i % 100}"},
                "b": {"B": rng.randbytes(rng.randint(0, 64))},
                "s": {"S": base64.b64encode(rng.randbytes(rng.randint(1, 200))).decode()},
                "ns": {"NS": sorted({str(rng.randint(-1000, 1000)) for _ in range(3)})},
            }
        )
    return items


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Any:
    """Run the real CLI in a subprocess (so it can be killed)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "cloudexit_ci", "migrate-data", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
