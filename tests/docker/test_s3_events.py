"""S3 bucket notifications in the real Docker Engine (tests/docker/fixtures/s3-events,
generated with --object-store seaweedfs): an object written through the S3 API reaches the
on-upload function's container as an S3 event, by the SeaweedFS filer's webhook
(seaweedfs/notification.toml as generated) and the lambda-invoke service."""

from __future__ import annotations

import json
import time

import pytest

from tests.docker.checks import assert_all_up, assert_down_clean, assert_healthchecked
from tests.docker.stack import ComposeStack

pytestmark = pytest.mark.docker
EXAMPLE = "s3-events"
GENERATE = ("--object-store", "seaweedfs")
# Runs in the function's container: boto3 with the stack's S3 endpoint and app keys.
PUT = """
import os, sys, boto3
s3 = boto3.client("s3")
for key in sys.argv[1:]:
    s3.put_object(Bucket=os.environ["BUCKET"], Key=key, Body=b"hello")
print(s3.head_object(Bucket=os.environ["BUCKET"], Key=sys.argv[-1])["ETag"].strip('"'))
"""


def s3_events(stack: ComposeStack) -> list[dict[str, object]]:
    out = []
    for line in stack.logs("on-upload", lines=500).splitlines():
        _, _, text = line.partition("| ")
        if text.startswith('{"s3event"'):
            out.append(json.loads(text)["s3event"])
    return out


def test_every_service_healthy(compose_stack: ComposeStack) -> None:
    assert_all_up(compose_stack, one_shot={"s3-init"})
    assert_healthchecked(compose_stack, {"seaweedfs", "lambda-invoke", "on-upload"})


def test_object_put_reaches_the_function(compose_stack: ComposeStack) -> None:
    etag = compose_stack.exec(
        "on-upload", "python", "-c", PUT, "out/skipped.jpg", "in/photo 1.jpg"
    ).strip()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not s3_events(compose_stack):
        time.sleep(2)
    events = s3_events(compose_stack)
    assert len(events) == 1, compose_stack.logs("lambda-invoke", lines=100)
    record = events[0]
    assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
    assert record["eventVersion"] == "2.1" and record["awsRegion"] == "us-east-1"
    s3 = record["s3"]
    assert isinstance(s3, dict) and s3["configurationId"] == "incoming"
    assert s3["bucket"]["name"] == "uploads" and s3["bucket"]["arn"] == "arn:aws:s3:::uploads"
    assert s3["object"]["key"] == "in/photo+1.jpg" and s3["object"]["size"] == 5
    assert s3["object"]["eTag"] == etag


def test_down_leaves_nothing(compose_stack: ComposeStack) -> None:
    assert_down_clean(compose_stack)
