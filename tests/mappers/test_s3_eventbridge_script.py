"""S3 → EventBridge in the generated services: lambda-invoke turns the S3 event record of a
bucket sending to EventBridge into the event S3 sends there (AWS's "EventBridge event message
structure", https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html) and
journals it; the eventbridge service takes ``aws.s3`` events only on its ingest path, only
with the shared token, and PutEvents keeps refusing ``aws.*``. End to end with SeaweedFS:
tests/e2e/test_s3_eventbridge.py."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.mappers.test_eventbridge_script import EB
from tests.mappers.test_lambda_invoke_script import FILER_CREATE, LI
from tests.servers import free_port

ENVELOPE = {"version", "id", "detail-type", "source", "account", "time", "region", "resources",
            "detail"}  # fmt: skip


def test_object_created_event() -> None:
    (record,) = LI.filer_records(FILER_CREATE, "eu-west-1")
    event = LI.eventbridge_event(record, "111122223333", "eu-west-1")
    assert set(event) == ENVELOPE
    assert (event["version"], event["source"], event["detail-type"]) == (
        "0", "aws.s3", "Object Created"
    )  # fmt: skip
    assert (event["account"], event["region"]) == ("111122223333", "eu-west-1")
    assert event["time"] == "2026-12-03T13:28:12Z"
    assert event["resources"] == ["arn:aws:s3:::pics"]
    detail = event["detail"]
    assert set(detail) == {"version", "bucket", "object", "request-id", "requester",
                           "source-ip-address", "reason"}  # fmt: skip
    assert detail["version"] == "0" and detail["bucket"] == {"name": "pics"}
    assert detail["object"] == {
        "key": "img/a+b%2B%C3%A9.jpg",
        "size": 5,
        "etag": "5d41402abc4b2a76b9719d911017c592",
        "sequencer": f"{1796304492133148775:016X}",
    }
    assert detail["reason"] == "PutObject" and detail["requester"] == "111122223333"
    assert detail["request-id"] == record["responseElements"]["x-amz-request-id"]
    assert detail["source-ip-address"] == "127.0.0.1"


def test_object_deleted_event() -> None:
    record: dict[str, Any] = {
        "eventName": "ObjectRemoved:Delete", "eventTime": "2026-12-03T13:28:12.133Z",
        "requestParameters": {"sourceIPAddress": "10.0.0.9"},
        "responseElements": {"x-amz-request-id": "R1"},
        "s3": {"bucket": {"name": "pics"}, "object": {"key": "a.txt", "sequencer": "0A"}},
    }  # fmt: skip
    event = LI.eventbridge_event(record, "111122223333", "eu-west-1")
    assert event["detail-type"] == "Object Deleted"
    assert event["detail"]["object"] == {"key": "a.txt", "sequencer": "0A"}
    assert event["detail"]["reason"] == "DeleteObject"
    assert event["detail"]["deletion-type"] == "Permanently Deleted"
    assert LI.eventbridge_event({**record, "eventName": "ObjectTagging:Put"}, "1", "r") is None


def test_only_bridged_buckets_are_journaled(tmp_path: Path) -> None:
    config = {"region": "eu-west-1", "functions": {}, "notifications": [],
              "eventbridge": {"url": "http://eventbridge:9913/__cloudexit/aws-events",
                              "account": "111122223333", "buckets": ["pics"]}}  # fmt: skip
    invoker = LI.Invoker(config, LI.Journal(str(tmp_path / "j.sqlite3")), workers=1)
    assert invoker.s3_records(FILER_CREATE) == 1
    assert invoker.s3_records(FILER_CREATE) == 1  # the same change: the same event id
    ((event_id, name, payload, *_),) = invoker.journal.due(1e12, set(), 10)
    assert name == LI.BRIDGE and json.loads(payload)["Events"][0]["id"] == event_id
    other = json.loads(json.dumps(FILER_CREATE).replace("/buckets/pics/", "/buckets/logs/"))
    assert invoker.s3_records(other) == 0
    assert invoker.bridge_spec()["headers"] == {LI.INGEST_HEADER: ""}  # no token: refused


@pytest.fixture
def bridge(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    monkeypatch.setenv("EVENTS_INGEST_TOKEN", "s3cret-token")
    bus = EB.Bus({"buses": {"default": {}}, "rules": [
        {"name": "s3", "arn": "a", "bus": "default", "enabled": True,
         "pattern": {"source": ["aws.s3"], "detail": {"bucket": {"name": ["pics"]}}},
         "targets": []}
    ]}, workers=0)  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), EB.make_handler(bus))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", bus
    server.shutdown()
    server.server_close()


def _ingest(url: str, events: list[dict[str, Any]], token: str | None) -> tuple[int, Any]:
    headers = {EB.INGEST_HEADER: token} if token is not None else {}
    request = urllib.request.Request(url + EB.INGEST_PATH, json.dumps({"Events": events}).encode(),
                                     headers, method="POST")  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_ingest_needs_the_token(bridge: tuple[str, Any]) -> None:
    url, bus = bridge
    published: list[tuple[str, dict[str, Any]]] = []
    bus.publish = lambda name, event, depth: published.append((name, event))
    (record,) = LI.filer_records(FILER_CREATE, "us-east-1")
    event = LI.eventbridge_event(record, "000000000000", "us-east-1")
    assert _ingest(url, [event], None)[0] == 403
    assert _ingest(url, [event], "wrong")[0] == 403
    assert _ingest(url, [{**event, "source": "aws.ec2"}], "s3cret-token")[0] == 400
    assert not published
    assert _ingest(url, [event], "s3cret-token") == (200, {"Accepted": 1})
    assert published == [("default", event)]
    assert EB.matches(bus.rules[0]["pattern"], event)


def test_ingest_without_a_configured_token_refuses(
    bridge: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTS_INGEST_TOKEN", "")
    assert _ingest(bridge[0], [], "")[0] == 403
