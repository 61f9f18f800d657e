"""EventBridge (issue 17): boto3 ``events.put_events`` against the generated eventbridge
service reaches a function (real Python shim, through the real lambda-invoke service) and
a queue (moto's SQS server) only when the rule's pattern matches; an input_transformer's
output arrives as configured; a target that keeps failing ends in its dead-letter queue;
function code publishing through AWS_ENDPOINT_URL_EVENTBRIDGE works unchanged."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.e2e import invoke_service as svc
from tests.runtime import harness
from tests.servers import REPO, free_port, wait_http

pytestmark = [pytest.mark.e2e, pytest.mark.servers]
SCRIPT = REPO / "templates" / "extras" / "eventbridge.py"
KEYS = {"aws_access_key_id": "x", "aws_secret_access_key": "x", "region_name": "us-east-1"}
PATTERN = {
    "source": ["shop.orders"],
    "detail-type": ["OrderPlaced"],
    "detail": {"total": [{"numeric": [">", 100]}], "country": [{"anything-but": ["XX"]}]},
}


@dataclass
class Estate:
    events_url: str
    invoke_url: str
    sqs: Any
    queues: dict[str, str]
    records: Path

    def events(self) -> Any:
        return boto3.client("events", endpoint_url=self.events_url, **KEYS)


def _rules(invoke_url: str, queues: dict[str, str]) -> dict[str, Any]:
    def lambda_target(function: str) -> dict[str, Any]:
        return {"id": "fn", "kind": "lambda", "function": function, "endpoint": invoke_url,
                "arn": f"arn:aws:lambda:us-east-1:000000000000:function:{function}",
                "retries": 185, "maxAge": 86400}  # fmt: skip

    queue_target = {
        "id": "audit", "kind": "sqs", "queue": queues["audit"], "retries": 185, "maxAge": 86400,
        "arn": "arn:aws:sqs:us-east-1:000000000000:audit",
        "transformer": {
            "paths": {"id": "$.detail.id", "total": "$.detail.total"},
            "template": '{"order": <id>, "text": "order <id> of <total>", '
            '"rule": "<aws.events.rule-name>"}',
        },
    }  # fmt: skip
    broken = {"id": "broken", "kind": "sqs", "queue": queues["audit"] + "-missing",
              "arn": "arn:aws:sqs:us-east-1:000000000000:gone", "retries": 2, "maxAge": 60,
              "dlq": queues["dlq"]}  # fmt: skip
    return {
        "region": "us-east-1",
        "account": "000000000000",
        "buses": {"default": {}, "orders": {}},
        "rules": [
            {"name": "placed", "arn": "arn:aws:events:us-east-1:000000000000:rule/orders/placed",
             "bus": "orders", "pattern": PATTERN, "enabled": True,
             "targets": [lambda_target("recorder"), queue_target]},
            {"name": "forward", "arn": "arn:aws:events:us-east-1:000000000000:rule/forward",
             "bus": "default", "pattern": {"source": ["shop.forward"]}, "enabled": True,
             "targets": [{"id": "b", "kind": "bus", "bus": "orders", "arn": "x"}]},
            {"name": "failing", "arn": "arn:aws:events:us-east-1:000000000000:rule/failing",
             "bus": "default", "pattern": {"source": ["shop.failing"]}, "enabled": True,
             "targets": [broken]},
        ],
    }  # fmt: skip


@contextlib.contextmanager
def _eventbridge(config: dict[str, Any], tmp: Path, port: int) -> Iterator[str]:
    path = tmp / "rules.json"
    path.write_text(json.dumps(config))
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", EVENTS_RETRY_SCALE="0.02",
               AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x")  # fmt: skip
    with (tmp / "eventbridge.log").open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, str(SCRIPT), str(path)], env=env, stdout=out, stderr=out
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/health", timeout=15)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    tmp = tmp_path_factory.mktemp("eventbridge")
    records = tmp / "records"
    records.mkdir()
    sqs_port, invoke_port, events_port = free_port(), free_port(), free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=sqs_port, verbose=False)
    moto.start()
    try:
        sqs = boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{sqs_port}", **KEYS)
        queues = {n: sqs.create_queue(QueueName=n)["QueueUrl"] for n in ("audit", "dlq")}
        invoke_url = f"http://127.0.0.1:{invoke_port}"
        env = {
            "RECORD_DIR": str(records),
            "AWS_ENDPOINT_URL_EVENTBRIDGE": f"http://127.0.0.1:{events_port}",
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_REGION": "us-east-1",
        }
        functions = {
            "recorder": {"handler": "record.handler", "codeDir": "python", "timeout": 5},
            "publisher": {"handler": "publish.handler", "codeDir": "python", "timeout": 10},
        }
        shim_config = {"api": {"id": "a", "kind": "rest", "stage": "prod", "binaryMediaTypes": []},
                       "functions": functions, "routes": []}  # fmt: skip
        with harness.start("python", shim_config, tmp, env) as shim:
            base = f"http://127.0.0.1:{shim.port}/__cloudexit/invoke/"
            entries = {n: svc.function_entry(base + n) for n in functions}
            invoke_config = {"region": "us-east-1", "notifications": [], "functions": entries}
            with (
                svc.start(invoke_config, tmp, invoke_port, tmp / "journal.sqlite3"),
                _eventbridge(_rules(invoke_url, queues), tmp, events_port) as events_url,
            ):
                yield Estate(events_url, invoke_url, sqs, queues, records)
    finally:
        moto.stop()


def _receive(estate: Estate, queue: str, timeout: float = 15) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    out: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not out:
        reply = estate.sqs.receive_message(
            QueueUrl=estate.queues[queue], MaxNumberOfMessages=10, WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        )  # fmt: skip
        out = reply.get("Messages", [])
    for message in out:
        estate.sqs.delete_message(
            QueueUrl=estate.queues[queue], ReceiptHandle=message["ReceiptHandle"]
        )
    return out


def _entry(
    detail: dict[str, Any], source: str = "shop.orders", bus: str = "orders"
) -> dict[str, Any]:
    return {"Source": source, "DetailType": "OrderPlaced", "Detail": json.dumps(detail),
            "EventBusName": bus, "Resources": ["arn:aws:shop:order/1"]}  # fmt: skip


def test_matching_event_reaches_function_and_queue(estate: Estate) -> None:
    reply = estate.events().put_events(
        Entries=[_entry({"id": "o-1", "total": 150, "country": "FR"})]
    )
    assert reply["FailedEntryCount"] == 0
    event_id = reply["Entries"][0]["EventId"]
    events = svc.wait_for(lambda: [e for e in svc.recorded(estate.records, "recorder")
                                   if e.get("id") == event_id])  # fmt: skip
    event = events[0]
    assert event["source"] == "shop.orders" and event["detail-type"] == "OrderPlaced"
    assert event["detail"] == {"id": "o-1", "total": 150, "country": "FR"}
    assert event["resources"] == ["arn:aws:shop:order/1"]
    assert (event["account"], event["region"], event["version"]) == (
        "000000000000",
        "us-east-1",
        "0",
    )
    messages = _receive(estate, "audit")
    assert len(messages) == 1
    assert json.loads(messages[0]["Body"]) == {
        "order": "o-1", "text": "order o-1 of 150", "rule": "placed"
    }  # fmt: skip


def test_non_matching_events_reach_nothing(estate: Estate) -> None:
    before = len(svc.recorded(estate.records, "recorder"))
    reply = estate.events().put_events(
        Entries=[
            _entry({"id": "small", "total": 100, "country": "FR"}),  # numeric > 100 fails
            _entry({"id": "xx", "total": 500, "country": "XX"}),  # anything-but fails
            _entry({"id": "other", "total": 500, "country": "FR"}, source="shop.billing"),
            _entry({"id": "default-bus", "total": 500, "country": "FR"}, bus="default"),
        ]
    )
    assert reply["FailedEntryCount"] == 0
    # a matching event sent after them is the only one delivered
    last = estate.events().put_events(
        Entries=[_entry({"id": "o-2", "total": 101, "country": "DE"})]
    )
    last_id = last["Entries"][0]["EventId"]
    svc.wait_for(
        lambda: [e for e in svc.recorded(estate.records, "recorder") if e["id"] == last_id]
    )
    messages = _receive(estate, "audit")
    time.sleep(1.0)  # anything else queued would have arrived by now
    messages += _receive(estate, "audit", timeout=1)
    assert [json.loads(m["Body"])["order"] for m in messages] == ["o-2"]
    assert len(svc.recorded(estate.records, "recorder")) == before + 1


def test_rule_forwarding_to_another_bus(estate: Estate) -> None:
    reply = estate.events().put_events(
        Entries=[
            _entry(
                {"id": "fw", "total": 999, "country": "FR"}, source="shop.forward", bus="default"
            )
        ]
    )
    event_id = reply["Entries"][0]["EventId"]
    assert reply["FailedEntryCount"] == 0
    time.sleep(1.0)  # the forwarded event has source shop.forward: the orders rule ignores it
    assert not [e for e in svc.recorded(estate.records, "recorder") if e["id"] == event_id]


def test_failing_target_ends_in_its_dead_letter_queue(estate: Estate) -> None:
    reply = estate.events().put_events(
        Entries=[_entry({"id": "dead"}, source="shop.failing", bus="default")]
    )
    event_id = reply["Entries"][0]["EventId"]
    messages = _receive(estate, "dlq", timeout=20)
    assert len(messages) == 1
    assert json.loads(messages[0]["Body"])["id"] == event_id
    attributes = {k: v["StringValue"] for k, v in messages[0]["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == "arn:aws:events:us-east-1:000000000000:rule/failing"
    assert attributes["TARGET_ARN"] == "arn:aws:sqs:us-east-1:000000000000:gone"
    assert attributes["ERROR_CODE"] and attributes["ERROR_MESSAGE"]


def test_function_code_publishes_unchanged(estate: Estate) -> None:
    """The publisher function calls boto3 ``put_events`` with no endpoint in its code."""
    client = boto3.client("lambda", endpoint_url=estate.invoke_url, **KEYS)
    entries = [_entry({"id": "from-code", "total": 300, "country": "FR"})]
    reply = client.invoke(
        FunctionName="publisher", Payload=json.dumps({"entries": entries}).encode()
    )
    result = json.loads(reply["Payload"].read())
    assert result.get("failed") == 0, result
    event_id = result["entries"][0]["EventId"]
    svc.wait_for(
        lambda: [e for e in svc.recorded(estate.records, "recorder") if e["id"] == event_id]
    )
    assert [json.loads(m["Body"])["order"] for m in _receive(estate, "audit")] == ["from-code"]
