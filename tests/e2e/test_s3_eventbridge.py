"""S3 → EventBridge (issue 17): an object PUT in a real SeaweedFS, whose bucket's
notification has ``eventbridge = true``, reaches a function (real Python shim) through an
EventBridge rule matching ``{"source": ["aws.s3"], "detail-type": ["Object Created"],
"detail": {"bucket": {"name": [...]}}}``: the filer's webhook (the generated
notification.toml) → lambda-invoke (builds the event S3 sends to EventBridge, journals it)
→ the eventbridge service's token-guarded ingest path → the rule → lambda-invoke → the
function. Application clients still cannot put ``aws.s3`` events."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests import servers
from tests.e2e import eventbridge_stack
from tests.e2e import invoke_service as svc
from tests.e2e.eventbridge_stack import KEYS
from tests.runtime import harness
from tests.servers import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.servers]
BUCKET = "uploads"
TOKEN = "e2e-ingest-token"
TEMPLATE = (servers.REPO / "templates" / "extras" / "seaweedfs-notification.toml.j2").read_text()
PATTERN = {"source": ["aws.s3"], "detail-type": ["Object Created"],
           "detail": {"bucket": {"name": [BUCKET]}}}  # fmt: skip


@dataclass
class Estate:
    s3: Any
    events_url: str
    records: Path


def _rules(invoke_url: str) -> dict[str, Any]:
    target = {"id": "fn", "kind": "lambda", "function": "recorder", "endpoint": invoke_url,
              "arn": "arn:aws:lambda:eu-west-1:111122223333:function:recorder",
              "retries": 185, "maxAge": 86400}  # fmt: skip
    rule = {"name": "uploaded", "arn": "arn:aws:events:eu-west-1:111122223333:rule/uploaded",
            "bus": "default", "pattern": PATTERN, "enabled": True, "targets": [target]}  # fmt: skip
    return {"region": "eu-west-1", "account": "111122223333", "buses": {"default": {}},
            "rules": [rule]}  # fmt: skip


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    tmp = tmp_path_factory.mktemp("s3eventbridge")
    records = tmp / "records"
    records.mkdir()
    invoke_port, events_port = free_port(), free_port()
    invoke_url = f"http://127.0.0.1:{invoke_port}"
    fn = {"handler": "record.handler", "codeDir": "python", "timeout": 5, "memory": 128}
    shim_config = {"api": {"id": "a", "kind": "rest", "stage": "prod", "binaryMediaTypes": []},
                   "functions": {"recorder": fn}, "routes": []}  # fmt: skip
    notification = TEMPLATE.replace("{{ header }}", "test").replace(
        "{{ endpoint }}", f"{invoke_url}/__cloudexit/s3-events"
    )
    with (
        pytest.MonkeyPatch.context() as patch,
        harness.start("python", shim_config, tmp, {"RECORD_DIR": str(records)}) as shim,
        servers.seaweedfs(notification) as s3_url,
    ):
        patch.setenv("EVENTS_INGEST_TOKEN", TOKEN)  # both services read it from .env
        base = f"http://127.0.0.1:{shim.port}/__cloudexit/invoke/"
        config = {
            "region": "eu-west-1",
            "functions": {"recorder": svc.function_entry(base + "recorder")},
            "notifications": [],
            "eventbridge": {"url": f"http://127.0.0.1:{events_port}/__cloudexit/aws-events",
                            "account": "111122223333", "buckets": [BUCKET, "other"]},
        }  # fmt: skip
        with (
            svc.start(config, tmp, invoke_port, tmp / "journal.sqlite3"),
            eventbridge_stack._service(
                eventbridge_stack.SCRIPT, _rules(invoke_url), tmp, events_port
            ) as events_url,
        ):
            s3 = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
            s3.create_bucket(Bucket=BUCKET)
            s3.create_bucket(Bucket="other")
            yield Estate(s3, events_url, records)


def test_put_reaches_the_function_through_an_aws_s3_rule(estate: Estate) -> None:
    estate.s3.put_object(Bucket="other", Key="skip.txt", Body=b"no")  # not the rule's bucket
    estate.s3.put_object(Bucket=BUCKET, Key="in/a b.txt", Body=b"hello")
    events = svc.wait_for(lambda: svc.recorded(estate.records, "recorder"), timeout=30)
    assert len(events) == 1
    event = events[0]
    assert (event["source"], event["detail-type"], event["version"]) == (
        "aws.s3", "Object Created", "0"
    )  # fmt: skip
    assert (event["account"], event["region"]) == ("111122223333", "eu-west-1")
    assert event["resources"] == [f"arn:aws:s3:::{BUCKET}"]
    detail = event["detail"]
    assert detail["bucket"] == {"name": BUCKET} and detail["reason"] == "PutObject"
    assert detail["object"]["key"] == "in/a+b.txt" and detail["object"]["size"] == 5
    assert detail["object"]["etag"] == hashlib.md5(b"hello").hexdigest()
    assert int(detail["object"]["sequencer"], 16) > 0 and detail["request-id"]
    estate.s3.delete_object(Bucket=BUCKET, Key="in/a b.txt")  # Object Deleted: not matched
    estate.s3.put_object(Bucket=BUCKET, Key="second.txt", Body=b"2")
    keys = svc.wait_for(
        lambda: [e["detail"]["object"]["key"] for e in svc.recorded(estate.records, "recorder")
                 if e["detail"]["object"]["key"] == "second.txt"], timeout=30
    )  # fmt: skip
    assert keys == ["second.txt"]
    assert [e["detail-type"] for e in svc.recorded(estate.records, "recorder")] == [
        "Object Created", "Object Created"
    ]  # fmt: skip


def test_clients_cannot_forge_aws_s3_events(estate: Estate) -> None:
    client = boto3.client("events", endpoint_url=estate.events_url, **KEYS)
    entry = {"Source": "aws.s3", "DetailType": "Object Created",
             "Detail": '{"bucket": {"name": "uploads"}}'}  # fmt: skip
    reply = client.put_events(Entries=[entry])
    assert reply["Entries"][0]["ErrorCode"] == "NotAuthorizedForSourceException"
