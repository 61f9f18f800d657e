"""EventBridge in the real Docker Engine (tests/docker/fixtures/eventbridge): boto3 in the
on-order function's container calls put_events with no endpoint in its code
(AWS_ENDPOINT_URL_EVENTBRIDGE as generated); a matching event reaches the on-order function
(eventbridge → lambda-invoke → shim) and the audit queue with the input transformer's
output, a non-matching one reaches neither."""

from __future__ import annotations

import json
import time

import pytest

from tests.docker.checks import assert_all_up, assert_down_clean, assert_healthchecked
from tests.docker.stack import ComposeStack

pytestmark = pytest.mark.docker
EXAMPLE = "eventbridge"
GENERATE: tuple[str, ...] = ()  # a fixture: generated with the CLI as a user would
# Runs in the function's container: boto3 with the stack's endpoints and app keys.
PUT = """
import json, sys, boto3
reply = boto3.client("events").put_events(Entries=[
    {"Source": "shop.orders", "DetailType": "OrderPlaced", "EventBusName": "orders",
     "Detail": json.dumps({"id": order, "total": int(total)})}
    for order, total in (arg.split("=") for arg in sys.argv[1:])
])
print(json.dumps(reply["Entries"]))
"""
RECEIVE = """
import boto3
sqs = boto3.client("sqs")
url = sqs.get_queue_url(QueueName="audit")["QueueUrl"]
got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=5)
for m in got.get("Messages", []):
    print(m["Body"])
"""


def order_events(stack: ComposeStack) -> list[dict[str, object]]:
    out = []
    for line in stack.logs("on-order", lines=500).splitlines():
        _, _, text = line.partition("| ")
        if text.startswith('{"orderevent"'):
            out.append(json.loads(text)["orderevent"])
    return out


def test_every_service_healthy(compose_stack: ComposeStack) -> None:
    assert_all_up(compose_stack, one_shot=set())
    assert_healthchecked(compose_stack, {"eventbridge", "lambda-invoke", "on-order"})


def test_put_events_reaches_function_and_queue_only_on_match(compose_stack: ComposeStack) -> None:
    out = compose_stack.exec("on-order", "python", "-c", PUT, "small=50", "big=150")
    entries = json.loads(out.strip().splitlines()[-1])
    assert all("EventId" in e for e in entries), entries
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not order_events(compose_stack):
        time.sleep(1)
    time.sleep(2)  # a wrongly matched event would have arrived by now
    events = order_events(compose_stack)
    assert len(events) == 1, compose_stack.logs("eventbridge", lines=100)
    event = events[0]
    assert event["id"] == entries[1]["EventId"] and event["source"] == "shop.orders"
    assert event["detail"] == {"id": "big", "total": 150}
    bodies = compose_stack.exec("on-order", "python", "-c", RECEIVE).strip().splitlines()
    assert [json.loads(b) for b in bodies] == [{"order": "big", "text": "order big"}]


def test_down_leaves_nothing(compose_stack: ComposeStack) -> None:
    assert_down_clean(compose_stack)
