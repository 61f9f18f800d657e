"""DynamoDB Streams → Lambda in the real Docker Engine (tests/docker/fixtures/dynamodb-streams,
generated with the CLI): items written from a function container reach the on-change
function as stream records through the generated stream poller, with its filter applied;
after a restart of the poller nothing committed is delivered again and nothing is lost.
(The ScyllaDB stand-in is DynamoDB Local: docs/CONTAINER-TESTS.md.)"""

from __future__ import annotations

import json
import time

import pytest

from tests.docker.checks import assert_all_up, assert_down_clean, assert_healthchecked
from tests.docker.stack import ComposeStack

pytestmark = pytest.mark.docker
EXAMPLE = "dynamodb-streams"
GENERATE: tuple[str, ...] = ()
POLLER = "stream-on-change"
# Runs in the function's container: boto3 with the stack's DynamoDB endpoint.
WRITE = """
import os, sys, boto3
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
for pk in sys.argv[1:]:
    table.put_item(Item={"pk": pk, "n": 1})
    if pk.startswith("order-"):
        table.update_item(Key={"pk": pk}, UpdateExpression="SET n = :n",
                          ExpressionAttributeValues={":n": 2})
print("ok")
"""


def records(stack: ComposeStack) -> list[dict[str, object]]:
    out = []
    for line in stack.logs("on-change", lines=2000).splitlines():
        _, _, text = line.partition("| ")
        if text.startswith('{"streamrecord"'):
            out.append(json.loads(text)["streamrecord"])
    return out


def wait_records(stack: ComposeStack, count: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(records(stack)) < count:
        time.sleep(2)
    time.sleep(3)  # a duplicate would arrive within a few polls
    return records(stack)


def summary(found: list[dict[str, object]]) -> list[tuple[str, str]]:
    out = []
    for record in found:
        data = record["dynamodb"]
        assert isinstance(data, dict)
        out.append((data["Keys"]["pk"]["S"], str(record["eventName"])))
    return out


def test_every_service_up_and_healthy(compose_stack: ComposeStack) -> None:
    assert_all_up(compose_stack, one_shot={"dynamodb-init"})
    assert_healthchecked(compose_stack, {POLLER, "on-change"})


def test_items_reach_the_function_across_a_restart(compose_stack: ComposeStack) -> None:
    assert compose_stack.exec("on-change", "python", "-c", WRITE, "order-1", "draft-1").strip()
    first = wait_records(compose_stack, 2)
    assert summary(first) == [("order-1", "INSERT"), ("order-1", "MODIFY")], compose_stack.logs(
        POLLER, lines=50
    )
    record = first[1]
    assert record["eventSource"] == "aws:dynamodb" and record["eventVersion"] == "1.1"
    assert record["eventSourceARN"] == (
        "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/1970-01-01T00:00:00.000"
    )
    data = record["dynamodb"]
    assert isinstance(data, dict)
    assert data["OldImage"]["n"] == {"N": "1"} and data["NewImage"]["n"] == {"N": "2"}
    compose_stack.compose("restart", POLLER)
    compose_stack.exec("on-change", "python", "-c", WRITE, "order-2")
    found = wait_records(compose_stack, 4)
    assert summary(found) == [
        ("order-1", "INSERT"),
        ("order-1", "MODIFY"),
        ("order-2", "INSERT"),
        ("order-2", "MODIFY"),
    ], compose_stack.logs(POLLER, lines=50)


def test_down_leaves_nothing(compose_stack: ComposeStack) -> None:
    assert_down_clean(compose_stack)
