"""DynamoDB Streams → Lambda (issue 17): items written to a real DynamoDB Local table reach a
function run by the real Python shim through the generated stream poller, in Lambda's
record format, with filters applied, and across a restart of the poller nothing committed
is lost or replayed."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.e2e import stream_poller_proc as poller
from tests.runtime import harness
from tests.servers import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.servers]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "streams"


@dataclass
class Estate:
    endpoint: str
    shim: harness.Shim
    records: Path
    tmp: Path

    @property
    def invoke_url(self) -> str:
        return f"http://127.0.0.1:{self.shim.port}/__cloudexit/invoke/on-change"

    def events(self) -> list[dict[str, Any]]:
        found = [json.loads(p.read_text()) for p in self.records.glob("*.json")]
        return [f["event"] for f in found]

    def records_of(self, table: str) -> list[dict[str, Any]]:
        found = [
            r
            for event in self.events()
            for r in event["Records"]
            if r["eventSourceARN"].split("/")[1] == table
        ]
        return sorted(found, key=lambda r: int(r["dynamodb"]["SequenceNumber"]))


@pytest.fixture(scope="module")
def estate(dynamodb_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    tmp = tmp_path_factory.mktemp("streams")
    records = tmp / "records"
    records.mkdir()
    config = {
        "api": {"id": "a", "kind": "rest", "stage": "prod", "binaryMediaTypes": []},
        "functions": {
            "on-change": {"handler": "on_change.handler", "codeDir": "python", "timeout": 5}
        },
        "routes": [],
    }
    env = {"RECORD_DIR": str(records)}
    with harness.start("python", config, tmp, env, task_root=FIXTURES) as shim:
        yield Estate(dynamodb_endpoint, shim, records, tmp)


def _table(estate: Estate, view: str) -> Any:
    name = f"t{uuid.uuid4().hex[:10]}"
    resource = boto3.resource("dynamodb", endpoint_url=estate.endpoint, region_name="eu-west-1")
    table = resource.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )
    table.wait_until_exists()
    return table


def _wait(found: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def _initialized(path: Path) -> bool:
    return bool(poller.checkpoint(path).get("initialized"))


def test_records_reach_the_function_across_a_restart(estate: Estate) -> None:
    table = _table(estate, "NEW_AND_OLD_IMAGES")
    name = table.name
    table.put_item(Item={"pk": "before", "n": 0})  # written before the first start: LATEST skips it
    checkpoints = estate.tmp / f"cp-{name}"
    env = poller.env_for(name, estate.endpoint, estate.invoke_url, checkpoints, BATCH_SIZE="10")
    log = estate.tmp / f"{name}.log"
    with poller.start(env, log):
        _wait(lambda: _initialized(checkpoints / f"{name}.json"))
        table.put_item(Item={"pk": "a", "n": 1})
        table.update_item(
            Key={"pk": "a"}, UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": 2}
        )
        table.delete_item(Key={"pk": "a"})
        first = _wait(lambda: len(estate.records_of(name)) >= 3 and estate.records_of(name))
    assert [r["eventName"] for r in first] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = first
    assert insert["dynamodb"]["Keys"] == {"pk": {"S": "a"}}
    assert insert["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "n": {"N": "1"}}
    assert "OldImage" not in insert["dynamodb"]
    assert modify["dynamodb"]["OldImage"]["n"] == {"N": "1"}
    assert modify["dynamodb"]["NewImage"]["n"] == {"N": "2"}
    assert (
        remove["dynamodb"]["OldImage"]["n"] == {"N": "2"} and "NewImage" not in remove["dynamodb"]
    )
    for record in first:
        assert record["eventVersion"] == "1.1" and record["eventSource"] == "aws:dynamodb"
        assert record["awsRegion"] == "eu-west-1"
        assert record["eventSourceARN"] == env["STREAM_ARN"]
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], (int, float))
        assert record["dynamodb"]["SizeBytes"] > 0 and record["eventID"]
    # written while the poller is down: delivered once after the restart, nothing replayed
    for pk in ("b", "c", "d"):
        table.put_item(Item={"pk": pk, "n": 3})
    with poller.start(env, log):
        _wait(lambda: len(estate.records_of(name)) >= 6)
        time.sleep(1.0)  # a replay would show up within a few polls
    records = estate.records_of(name)
    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in records]
    assert keys == ["a", "a", "a", "b", "c", "d"], log.read_text()
    sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert len(set(sequences)) == len(sequences)


def test_filters_and_view_types(estate: Estate) -> None:
    table = _table(estate, "NEW_IMAGE")
    name = table.name
    pattern = {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": ["order"]}}}}
    env = poller.env_for(
        name,
        estate.endpoint,
        estate.invoke_url,
        estate.tmp / f"cp-{name}",
        STARTING_POSITION="TRIM_HORIZON",
        FILTERS=json.dumps([json.dumps(pattern)]),
    )
    table.put_item(Item={"pk": "o1", "kind": "order"})  # before the start: TRIM_HORIZON reads it
    with poller.start(env, estate.tmp / f"{name}.log"):
        table.put_item(Item={"pk": "x1", "kind": "refund"})
        table.put_item(Item={"pk": "o1", "kind": "order", "v": 2})  # MODIFY: filtered out
        table.put_item(Item={"pk": "o2", "kind": "order"})
        table.put_item(Item={"pk": "last", "kind": "order"})
        _wait(lambda: len(estate.records_of(name)) >= 3)
        time.sleep(0.5)
    records = estate.records_of(name)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["o1", "o2", "last"]
    for record in records:
        assert record["dynamodb"]["StreamViewType"] == "NEW_IMAGE"
        assert "OldImage" not in record["dynamodb"] and "NewImage" in record["dynamodb"]


def test_report_batch_item_failures_retries_from_the_first_failure(estate: Estate) -> None:
    table = _table(estate, "NEW_IMAGE")
    name = table.name
    for pk, extra in (("ok1", {}), ("bad", {"fail": "report"}), ("ok2", {})):
        table.put_item(Item={"pk": pk, **extra})
    env = poller.env_for(
        name,
        estate.endpoint,
        estate.invoke_url,
        estate.tmp / f"cp-{name}",
        STARTING_POSITION="TRIM_HORIZON",
        REPORT_BATCH_ITEM_FAILURES="true",
        MAX_RETRY_ATTEMPTS="1",
    )
    with poller.start(env, estate.tmp / f"{name}.log"):
        _wait(lambda: len(estate.records_of(name)) >= 5)
        time.sleep(0.5)
    batches = [
        [r["dynamodb"]["Keys"]["pk"]["S"] for r in e["Records"]]
        for e in estate.events()
        if e["Records"][0]["eventSourceARN"].split("/")[1] == name
    ]
    assert sorted(batches) == sorted([["ok1", "bad", "ok2"], ["bad", "ok2"]])
    state = poller.checkpoint(estate.tmp / f"cp-{name}" / f"{name}.json")
    assert all(s["seq"] for s in state["shards"].values())  # given up: checkpointed past


def _batches(estate: Estate, table: str) -> list[list[str]]:
    found = [
        e["Records"]
        for e in estate.events()
        if e["Records"][0]["eventSourceARN"].split("/")[1] == table
    ]
    ordered = sorted(found, key=lambda rs: int(rs[0]["dynamodb"]["SequenceNumber"]))
    return [[r["dynamodb"]["Keys"]["pk"]["S"] for r in rs] for rs in ordered]


def test_batch_size_and_batching_window(estate: Estate) -> None:
    table = _table(estate, "KEYS_ONLY")
    name = table.name
    for i in range(5):
        table.put_item(Item={"pk": f"k{i}"})
    checkpoints = estate.tmp / f"cp-{name}"
    env = poller.env_for(
        name,
        estate.endpoint,
        estate.invoke_url,
        checkpoints,
        STARTING_POSITION="TRIM_HORIZON",
        BATCH_SIZE="2",
    )
    with poller.start(env, estate.tmp / f"{name}.log"):
        _wait(lambda: len(estate.records_of(name)) >= 5)
    assert _batches(estate, name) == [["k0", "k1"], ["k2", "k3"], ["k4"]]
    assert all(set(r["dynamodb"]) >= {"Keys"} for r in estate.records_of(name))
    assert not any("NewImage" in r["dynamodb"] for r in estate.records_of(name))
    env.update(BATCH_SIZE="10", BATCHING_WINDOW_SECONDS="3")
    with poller.start(env, estate.tmp / f"{name}.log"):
        for i in range(5, 8):  # spread over ~1 s: the window gathers them into one batch
            table.put_item(Item={"pk": f"k{i}"})
            time.sleep(0.4)
        _wait(lambda: len(estate.records_of(name)) >= 8)
    assert _batches(estate, name)[3:] == [["k5", "k6", "k7"]]


def test_function_errors_bisect_then_give_up(estate: Estate) -> None:
    table = _table(estate, "NEW_IMAGE")
    name = table.name
    for pk, extra in (("a", {}), ("b", {}), ("c", {}), ("poison", {"fail": "crash"})):
        table.put_item(Item={"pk": pk, **extra})
    env = poller.env_for(
        name,
        estate.endpoint,
        estate.invoke_url,
        estate.tmp / f"cp-{name}",
        STARTING_POSITION="TRIM_HORIZON",
        BISECT_BATCH_ON_FUNCTION_ERROR="true",
        MAX_RETRY_ATTEMPTS="2",
    )
    log = estate.tmp / f"{name}.log"
    with poller.start(env, log):
        _wait(lambda: "gave up 1 record(s): RetryAttemptsExhausted" in log.read_text())
    batches = sorted(
        [
            [r["dynamodb"]["Keys"]["pk"]["S"] for r in e["Records"]]
            for e in estate.events()
            if e["Records"][0]["eventSourceARN"].split("/")[1] == name
        ]
    )
    assert batches == sorted(
        [["a", "b", "c", "poison"], ["a", "b"], ["c", "poison"], ["c"], ["poison"]]
    )


def test_records_given_up_reach_the_on_failure_queue(estate: Estate) -> None:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        sqs_url = f"http://127.0.0.1:{port}"
        sqs = boto3.client("sqs", endpoint_url=sqs_url, region_name="eu-west-1")
        queue = sqs.create_queue(QueueName="stream-failures")["QueueUrl"]
        table = _table(estate, "NEW_IMAGE")
        name = table.name
        table.put_item(Item={"pk": "ok"})
        table.put_item(Item={"pk": "poison", "fail": "crash"})
        env = poller.env_for(
            name,
            estate.endpoint,
            estate.invoke_url,
            estate.tmp / f"cp-{name}",
            STARTING_POSITION="TRIM_HORIZON",
            MAX_RETRY_ATTEMPTS="1",
            ON_FAILURE_QUEUE_URL=queue,
            AWS_ENDPOINT_URL_SQS=sqs_url,
            FUNCTION_ARN="arn:aws:lambda:eu-west-1:123456789012:function:on-change",
        )
        with poller.start(env, estate.tmp / f"{name}.log"):
            reply = _wait(
                lambda: sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages")
            )
        message = json.loads(reply[0]["Body"])
    finally:
        server.stop()
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["approximateInvokeCount"] == 2
    assert message["requestContext"]["functionArn"].endswith(":function:on-change")
    assert message["responseContext"]["functionError"] == "Unhandled"
    info = message["DDBStreamBatchInfo"]
    assert info["batchSize"] == 2 and info["streamArn"] == env["STREAM_ARN"]
    assert info["shardId"]
    assert int(info["startSequenceNumber"]) < int(info["endSequenceNumber"])


def test_healthcheck_follows_the_poll_loop(estate: Estate) -> None:
    table = _table(estate, "KEYS_ONLY")
    heartbeat = estate.tmp / f"{table.name}.heartbeat"
    env = poller.env_for(
        table.name,
        estate.endpoint,
        estate.invoke_url,
        estate.tmp / f"cp-{table.name}",
        HEARTBEAT_FILE=str(heartbeat),
    )

    def check(max_age: str) -> int:
        cmd = [sys.executable, str(poller.SCRIPT), "--healthcheck"]
        found = {**env, "HEALTH_MAX_AGE_SECONDS": max_age}
        return subprocess.run(cmd, env=found, check=False, timeout=30).returncode

    assert check("60") == 1  # never ran
    with poller.start(env, estate.tmp / f"{table.name}.log"):
        _wait(heartbeat.exists)
        assert check("5") == 0
    time.sleep(1.5)
    assert check("1") == 1  # the loop stopped beating
