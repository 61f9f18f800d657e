"""DynamoDB → DynamoDB-API target (DynamoDB Local standing in for Alternator): every type."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudexit_ci.main import main
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

pytestmark = pytest.mark.servers


def _migrate(url: str, src: str, dst: str, state: Path, *extra: str) -> int:
    return main(
        [
            "migrate-data", "dynamodb", "--source-table", src, "--source-endpoint", url,
            "--target-table", dst, "--target-endpoint", url, "--state-dir", str(state),
            "--progress", "none", *extra,
        ]
    )  # fmt: skip


def test_every_attribute_type_round_trips(dynamodb_endpoint: str, tmp_path: Path) -> None:
    client = ddb(dynamodb_endpoint)
    src, dst = name("src"), name("dst")
    create_table(client, src)
    put_all(client, src, edge_items())
    assert _migrate(dynamodb_endpoint, src, dst, tmp_path, "--verify", "full") == 0
    raw_equal(scan_all(client, src), scan_all(client, dst))
    big = next(i for i in scan_all(client, dst) if i["pk"]["S"] == "bigbin")
    assert isinstance(big["payload"]["B"], bytes) and len(big["payload"]["B"]) == 390 * 1024


def test_parallel_segments_small_pages_and_rerun_is_noop(
    dynamodb_endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = ddb(dynamodb_endpoint)
    src, dst = name("src"), name("dst")
    create_table(client, src)
    items = random_items(1500)
    put_all(client, src, items)
    args = ("--segments", "7", "--page-size", "60", "--verify", "full")
    assert _migrate(dynamodb_endpoint, src, dst, tmp_path, *args) == 0
    assert by_key(scan_all(client, dst)) == by_key(items)
    raw_equal(scan_all(client, src), scan_all(client, dst))
    capsys.readouterr()
    # a re-run of a finished migration changes nothing and says so
    client.delete_item(TableName=dst, Key={"pk": items[0]["pk"], "sk": items[0]["sk"]})
    assert _migrate(dynamodb_endpoint, src, dst, tmp_path) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert len(scan_all(client, dst)) == 1499
    # and verify notices the hole: exit 1 with a table
    assert _migrate(dynamodb_endpoint, src, dst, tmp_path, "--verify", "count") == 1
    assert "MISMATCH" in capsys.readouterr().out
    assert _migrate(dynamodb_endpoint, src, dst, tmp_path, "--verify", "full") == 1
    assert "| 1 |" in capsys.readouterr().out


def test_verify_sample_and_batch_size_limit(dynamodb_endpoint: str, tmp_path: Path) -> None:
    client = ddb(dynamodb_endpoint)
    src, dst = name("src"), name("dst")
    create_table(client, src, range_type=None)
    items = [{"pk": {"S": f"k{i}"}, "v": {"N": str(i)}} for i in range(300)]
    put_all(client, src, items)
    assert _migrate(dynamodb_endpoint, src, dst, tmp_path, "--verify", "sample") == 0
    assert len(scan_all(client, dst)) == 300


def test_max_read_rate_caps_the_scan(dynamodb_endpoint: str, tmp_path: Path) -> None:
    import time

    client = ddb(dynamodb_endpoint)
    src, dst = name("src"), name("dst")
    create_table(client, src, range_type=None)
    put_all(client, src, [{"pk": {"S": f"k{i}"}, "v": {"S": "x" * 3000}} for i in range(400)])
    started = time.monotonic()
    rate = ("--max-read-rate", "100", "--page-size", "50", "--segments", "2")
    assert _migrate(dynamodb_endpoint, src, dst, tmp_path, *rate) == 0
    # 400 items of ~3 KB ≈ 200 RCU (eventually consistent): ≥ ~1 s at 100 RCU/s
    assert time.monotonic() - started >= 1.2
    assert len(scan_all(client, dst)) == 400


def test_unfinished_checkpoint_needs_resume(dynamodb_endpoint: str, tmp_path: Path) -> None:
    import json

    client = ddb(dynamodb_endpoint)
    src, dst = name("src"), name("dst")
    create_table(client, src, range_type=None)
    put_all(client, src, [{"pk": {"S": "a"}}])
    assert _migrate(dynamodb_endpoint, src, dst, tmp_path) == 0
    (state,) = tmp_path.glob("dynamodb-*.json")
    data = json.loads(state.read_text())
    data["done"] = False
    state.write_text(json.dumps(data))
    assert _migrate(dynamodb_endpoint, src, dst, tmp_path) == 2
    assert _migrate(dynamodb_endpoint, src, dst, tmp_path, "--resume") == 0
