"""EventBridge (issue 17): boto3 ``events.put_events`` against the generated eventbridge
service reaches a function (real Python shim, through the real lambda-invoke service) and
a queue (moto's SQS server) only when the rule's pattern matches; an input_transformer's
output arrives as configured; a target that keeps failing ends in its dead-letter queue;
function code publishing through AWS_ENDPOINT_URL_EVENTBRIDGE works unchanged."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.e2e import eventbridge_stack as stack
from tests.e2e import invoke_service as svc
from tests.e2e.eventbridge_stack import KEYS, Estate

pytestmark = [pytest.mark.e2e, pytest.mark.servers]


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    with stack.running(tmp_path_factory.mktemp("eventbridge")) as running:
        yield running


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


def test_topic_target_through_the_sns_fanout(estate: Estate) -> None:
    """Rule → SNS Publish on the sns fan-out (input_path) → its raw SQS subscriber."""
    detail = {"alert": "disk", "level": 3}
    reply = estate.events().put_events(
        Entries=[{"Source": "shop.notify", "DetailType": "Alert", "Detail": json.dumps(detail)}]
    )
    assert reply["FailedEntryCount"] == 0
    messages = _receive(estate, "notified", timeout=20)
    assert [json.loads(m["Body"]) for m in messages] == [detail]


def test_fifo_queue_target_group_and_deduplication(estate: Estate) -> None:
    """A FIFO queue target: sqs_target's message group, the event id as deduplication id."""
    reply = estate.events().put_events(
        Entries=[{"Source": "shop.ordered", "DetailType": "x", "Detail": '{"n": 1}'}]
    )
    event_id = reply["Entries"][0]["EventId"]
    url = estate.queues["ordered.fifo"]
    deadline = time.monotonic() + 15
    got: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not got:
        got = estate.sqs.receive_message(
            QueueUrl=url, WaitTimeSeconds=1, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
    assert len(got) == 1 and json.loads(got[0]["Body"])["id"] == event_id
    assert got[0]["Attributes"]["MessageGroupId"] == "g1"
    assert got[0]["Attributes"]["MessageDeduplicationId"] == event_id
