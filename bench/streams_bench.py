"""DynamoDB stream delivery rate (issue 17): `python -m bench streams`.

DynamoDB Local, the real Python shim running a handler that records each batch, and the
generated stream poller as a process (tests/e2e/stream_poller_proc.py), as tests/e2e runs
them. Each round writes N items to a fresh streamed table with BatchWriteItem as fast as
one client can (the table's write rate), while the poller delivers them; delivery rate =
N ÷ the time from the first write to the last record received by the function. The ratio
delivered/written is measured in the same run; 1.0 means the stream keeps up with the
writes (the poller's lag is the time after the last write).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import boto3

from tests import servers
from tests.e2e import stream_poller_proc as poller
from tests.runtime import harness

RESULTS = Path(__file__).resolve().parent / "results" / "streams.json"
FIXTURES = servers.REPO / "tests" / "e2e" / "fixtures" / "streams"


def delivered(records: Path, table: str) -> int:
    count = 0
    for path in records.glob("*.json"):
        try:
            event = json.loads(path.read_text())["event"]
        except ValueError:  # being written
            continue
        if event["Records"] and event["Records"][0]["eventSourceARN"].split("/")[1] == table:
            count += len(event["Records"])
    return count


def _table(endpoint: str) -> Any:
    name = f"b{uuid.uuid4().hex[:10]}"
    resource = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="eu-west-1")
    table = resource.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    table.wait_until_exists()
    return table


def _write(table: Any, items: int) -> float:
    start = time.perf_counter()
    with table.batch_writer() as batch:
        for i in range(items):
            batch.put_item(Item={"pk": f"k{i:06d}", "payload": "x" * 100, "n": i})
    return time.perf_counter() - start


def _until_delivered(records: Path, name: str, items: int) -> None:
    deadline = time.monotonic() + 300
    while delivered(records, name) < items and time.monotonic() < deadline:
        time.sleep(0.02)
    if delivered(records, name) != items:
        raise SystemExit(f"{delivered(records, name)} of {items} records delivered")


def one_round(
    endpoint: str, invoke_url: str, tmp: Path, records: Path, items: int
) -> dict[str, float]:
    """Live: writes while the poller runs. Backlog: the same written first, then drained."""
    table = _table(endpoint)
    name = table.name
    env = poller.env_for(name, endpoint, invoke_url, tmp / f"cp-{name}", BATCH_SIZE="100")
    with poller.start(env, tmp / f"{name}.log"):
        state = tmp / f"cp-{name}" / f"{name}.json"
        while not poller.checkpoint(state).get("initialized"):
            time.sleep(0.05)
        start = time.perf_counter()
        written = _write(table, items)
        _until_delivered(records, name, items)
        done = time.perf_counter() - start
    backlog = _table(endpoint)
    _write(backlog, items)
    env = poller.env_for(
        backlog.name, endpoint, invoke_url, tmp / f"cp-{backlog.name}", BATCH_SIZE="100"
    )
    env["STARTING_POSITION"] = "TRIM_HORIZON"
    start = time.perf_counter()
    with poller.start(env, tmp / f"{backlog.name}.log"):
        _until_delivered(records, backlog.name, items)
        drained = time.perf_counter() - start
    return {
        "write_per_s": items / written,
        "delivered_per_s": items / done,
        "lag_s": done - written,
        "backlog_per_s": items / drained,
    }


def run(rounds: int, items: int) -> dict[str, Any]:
    config = {
        "api": {"id": "a", "kind": "rest", "stage": "prod", "binaryMediaTypes": []},
        "functions": {
            "on-change": {"handler": "on_change.handler", "codeDir": "python", "timeout": 30}
        },
        "routes": [],
    }
    out = []
    with tempfile.TemporaryDirectory() as tmp_dir, servers.dynamodb_local() as endpoint:
        tmp = Path(tmp_dir)
        records = tmp / "records"
        records.mkdir()
        env = {"RECORD_DIR": str(records)}
        with harness.start("python", config, tmp, env, task_root=FIXTURES) as shim:
            url = f"http://127.0.0.1:{shim.port}/__cloudexit/invoke/on-change"
            for _ in range(rounds):
                out.append(one_round(endpoint, url, tmp, records, items))
    median = {k: statistics.median(r[k] for r in out) for k in out[0]}
    return {
        "items_per_round": items,
        "rounds": out,
        "median": median,
        "ratio": median["delivered_per_s"] / median["write_per_s"],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--items", type=int, default=2000)
    args = parser.parse_args(argv)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # DynamoDB Local takes any
        os.environ.setdefault(name, "bench")
    result = run(args.rounds, args.items)
    m = result["median"]
    print(
        "| items | written/s | delivered/s | delivered ÷ written | lag after the last write "
        "| backlog drained/s (poller start included) |"
    )
    print("|---|---|---|---|---|---|")
    print(
        f"| {args.items} | {m['write_per_s']:.0f} | {m['delivered_per_s']:.0f} | "
        f"{result['ratio']:.2f} | {m['lag_s']:.2f} s | {m['backlog_per_s']:.0f} |"
    )
    RESULTS.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
