"""S3 bucket notifications (issue 14): an object PUT in a real SeaweedFS reaches a function
run by the real Python shim with an S3 event record in AWS's format. SeaweedFS has no
PutBucketNotificationConfiguration; its filer's webhook notification (notification.toml,
as the generated stack mounts it) posts every file event to the generated lambda-invoke
service, which builds the S3 records, applies the notification's filters and invokes the
function asynchronously."""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests import servers
from tests.e2e import invoke_service as svc
from tests.runtime import harness
from tests.servers import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.servers]
BUCKET = "pics"
RULES = [
    {"id": "thumbnails", "bucket": BUCKET, "function": "thumbs",
     "events": ["s3:ObjectCreated:*"], "prefix": "img/", "suffix": ".jpg"},
    {"id": "tf-s3-lambda-pics-2", "bucket": BUCKET, "function": "audit",
     "events": ["s3:ObjectRemoved:*"], "prefix": "", "suffix": ""},
]  # fmt: skip
TEMPLATE = (servers.REPO / "templates" / "extras" / "seaweedfs-notification.toml.j2").read_text()


@dataclass
class Estate:
    s3: Any
    records: Path
    service: svc.InvokeService


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    tmp = tmp_path_factory.mktemp("s3events")
    records = tmp / "records"
    records.mkdir()
    port = free_port()
    fn = {"handler": "record.handler", "codeDir": "python", "timeout": 5, "memory": 128}
    shim_config = {
        "api": {"id": "a", "kind": "rest", "stage": "prod", "binaryMediaTypes": []},
        "functions": {"thumbs": fn, "audit": fn},
        "routes": [],
    }
    # the generated notification.toml, rendered with the endpoint the stack would use
    notification = TEMPLATE.replace("{{ header }}", "test").replace(
        "{{ endpoint }}", f"http://127.0.0.1:{port}/__cloudexit/s3-events"
    )
    with (
        harness.start("python", shim_config, tmp, {"RECORD_DIR": str(records)}) as shim,
        servers.seaweedfs(notification) as s3_url,
    ):
        base = f"http://127.0.0.1:{shim.port}/__cloudexit/invoke/"
        config = {
            "region": "eu-west-1",
            "functions": {n: svc.function_entry(base + n) for n in ("thumbs", "audit")},
            "notifications": RULES,
        }
        with svc.start(config, tmp, port, tmp / "journal.sqlite3") as service:
            s3 = boto3.client(
                "s3",
                endpoint_url=s3_url,
                region_name="us-east-1",
                aws_access_key_id="test",
                aws_secret_access_key="test",
            )
            s3.create_bucket(Bucket=BUCKET)
            yield Estate(s3, records, service)


def _keys(estate: Estate, function: str) -> list[str]:
    return [e["Records"][0]["s3"]["object"]["key"] for e in svc.recorded(estate.records, function)]


def test_put_reaches_the_function_with_an_s3_event(estate: Estate) -> None:
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    estate.s3.put_object(Bucket=BUCKET, Key="img/a b+é.jpg", Body=b"hello")
    etag = estate.s3.head_object(Bucket=BUCKET, Key="img/a b+é.jpg")["ETag"].strip('"')
    events = svc.wait_for(lambda: svc.recorded(estate.records, "thumbs"), timeout=30)
    assert len(events) == 1 and len(events[0]["Records"]) == 1
    record = events[0]["Records"][0]
    assert {k: record[k] for k in ("eventVersion", "eventSource", "awsRegion", "eventName")} == {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "eu-west-1",
        "eventName": "ObjectCreated:Put",
    }
    when = datetime.datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert before < when < before + datetime.timedelta(seconds=60)
    s3 = record["s3"]
    assert s3["s3SchemaVersion"] == "1.0" and s3["configurationId"] == "thumbnails"
    assert s3["bucket"]["name"] == BUCKET and s3["bucket"]["arn"] == "arn:aws:s3:::pics"
    obj = s3["object"]
    assert obj["key"] == "img/a+b%2B%C3%A9.jpg"  # URL-encoded as S3 does
    assert obj["size"] == 5 and obj["eTag"] == etag == hashlib.md5(b"hello").hexdigest()
    assert len(obj["sequencer"]) >= 16 and int(obj["sequencer"], 16) > 0
    assert record["userIdentity"]["principalId"] and record["responseElements"]


def test_prefix_suffix_and_event_type_filters(estate: Estate) -> None:
    for key in ("img/skip.png", "doc/skip.jpg", "img/keep.jpg"):
        estate.s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    svc.wait_for(lambda: "img/keep.jpg" in _keys(estate, "thumbs"), timeout=30)
    time.sleep(2)  # the skipped objects' events arrived too by now (the webhook is concurrent)
    assert "img/skip.png" not in _keys(estate, "thumbs")
    assert "doc/skip.jpg" not in _keys(estate, "thumbs")
    assert _keys(estate, "audit") == []  # creations do not reach the removal notification
    estate.s3.delete_object(Bucket=BUCKET, Key="doc/skip.jpg")
    removed = svc.wait_for(lambda: svc.recorded(estate.records, "audit"), timeout=30)
    record = removed[0]["Records"][0]
    assert record["eventName"] == "ObjectRemoved:Delete"
    assert record["s3"]["object"]["key"] == "doc/skip.jpg" and "size" not in record["s3"]["object"]
    assert record["s3"]["configurationId"] == "tf-s3-lambda-pics-2"
