"""Throttling, 500s and dropped connections on ≥ 10 % of requests: nothing is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudexit_ci.main import main
from tests.migrate_data.faultproxy import fault_proxy
from tests.migrate_data.helpers import (
    by_key,
    create_table,
    ddb,
    edge_items,
    name,
    put_all,
    random_items,
    raw_equal,
    s3,
    scan_all,
)

pytestmark = pytest.mark.servers


def test_dynamodb_through_a_faulty_network(dynamodb_endpoint: str, tmp_path: Path) -> None:
    client = ddb(dynamodb_endpoint)
    src, dst = name("src"), name("dst")
    create_table(client, src)
    items = random_items(2000) + edge_items()
    put_all(client, src, items)
    create_table(client, dst)  # the target exists (as the stack's init job makes it)
    with (
        fault_proxy(dynamodb_endpoint, rate=0.2, seed=3) as (src_url, src_proxy),
        fault_proxy(dynamodb_endpoint, rate=0.2, seed=4) as (dst_url, dst_proxy),
    ):
        code = main(
            [
                "migrate-data", "dynamodb", "--source-table", src, "--source-endpoint", src_url,
                "--target-table", dst, "--target-endpoint", dst_url, "--state-dir", str(tmp_path),
                "--segments", "4", "--page-size", "100", "--progress", "none",
            ]
        )  # fmt: skip
    assert code == 0
    total = src_proxy.counts + dst_proxy.counts
    faults = total["requests"] - total["ok"]
    assert faults >= 0.1 * total["requests"] and faults >= 20, total
    for kind in ("throttle", "ptee", "500", "drop", "drop_after"):
        assert src_proxy.counts[kind] + dst_proxy.counts[kind] > 0, kind
    raw_equal(scan_all(client, src), scan_all(client, dst))
    assert by_key(scan_all(client, dst)) == by_key(items)


def test_s3_through_a_faulty_network(s3_endpoint: str, tmp_path: Path) -> None:
    client = s3(s3_endpoint)
    src, dst = name("fsrc"), name("fdst")
    client.create_bucket(Bucket=src)
    bodies = {f"obj/{i:04d}": (f"body {i} " * (i % 50 + 1)).encode() for i in range(300)}
    bodies["big/multipart.bin"] = bytes(range(256)) * (4096 * 7)  # 7 MiB: multipart
    for key, body in bodies.items():
        client.put_object(Bucket=src, Key=key, Body=body, Metadata={"n": key[-2:]})
    with (
        fault_proxy(s3_endpoint, rate=0.15, seed=5) as (src_url, src_proxy),
        fault_proxy(s3_endpoint, rate=0.15, seed=6) as (dst_url, dst_proxy),
    ):
        code = main(
            [
                "migrate-data", "s3", "--source-bucket", src, "--source-endpoint", src_url,
                "--target-bucket", dst, "--target-endpoint", dst_url, "--state-dir", str(tmp_path),
                "--multipart-threshold", "5MB", "--part-size", "5MB", "--progress", "none",
                "--target-kind", "seaweedfs",
            ]
        )  # fmt: skip
    assert code == 0
    faults = sum(p.counts["requests"] - p.counts["ok"] for p in (src_proxy, dst_proxy))
    assert faults >= 0.1 * sum(p.counts["requests"] for p in (src_proxy, dst_proxy))
    for key, body in bodies.items():
        got = client.get_object(Bucket=dst, Key=key)
        assert got["Body"].read() == body, key
        assert got["Metadata"] == {"n": key[-2:]}
    listed = client.list_objects_v2(Bucket=dst)["KeyCount"]
    assert listed == len(bodies)
