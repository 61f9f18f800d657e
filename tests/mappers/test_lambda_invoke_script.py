"""templates/extras/lambda_invoke.py on its own: FunctionName parsing (name, ARN, partial
ARN, qualifiers), the API's error responses over real HTTP, the SQLite journal and the S3
notification filters. SDK calls against real shims: tests/e2e/test_lambda_invoke.py."""

from __future__ import annotations

import http.client
import importlib.util
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.servers import REPO, free_port

SCRIPT = REPO / "templates" / "extras" / "lambda_invoke.py"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lambda_invoke", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["lambda_invoke"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


LI = _module()


@pytest.mark.parametrize(
    ("raw", "query", "expected"),
    [
        ("orders", None, ("orders", None)),
        ("orders:live", None, ("orders", "live")),
        ("orders", "7", ("orders", "7")),
        ("orders:$LATEST", "$LATEST", ("orders", "$LATEST")),
        ("arn:aws:lambda:eu-west-1:123456789012:function:orders", None, ("orders", None)),
        ("arn:aws:lambda:eu-west-1:123456789012:function:orders:3", None, ("orders", "3")),
        ("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:o_1.x", None, ("o_1.x", None)),
        ("123456789012:function:orders", None, ("orders", None)),
        ("123456789012:function:orders:blue", "blue", ("orders", "blue")),
    ],
)
def test_function_name_forms(raw: str, query: str | None, expected: tuple[str, str | None]) -> None:
    assert LI.parse_name(raw, query) == expected


@pytest.mark.parametrize(
    ("raw", "query", "code"),
    [
        ("orders:live", "prod", "InvalidParameterValueException"),
        ("orders/../x", None, "ValidationException"),
        ("arn:aws:s3:::bucket", None, "ValidationException"),
        ("", None, "ValidationException"),
        ("x" * 171, None, "ValidationException"),
    ],
)
def test_bad_function_names(raw: str, query: str | None, code: str) -> None:
    with pytest.raises(LI.Failure) as failure:
        LI.parse_name(raw, query)
    assert failure.value.code == code and failure.value.status == 400


def test_journal_keeps_events_until_done(tmp_path: Path) -> None:
    path = str(tmp_path / "j.sqlite3")
    journal = LI.Journal(path)
    first = journal.add("f", b'{"a":1}')
    second = journal.add("g", b"{}", "fixed-id")
    assert journal.add("g", b"{}", "fixed-id") == "fixed-id"  # a redelivery is one event
    assert journal.pending() == 2
    rows = journal.due(LI.time.time() + 1, set(), 10)
    assert [r[0] for r in rows] == [first, second] and rows[0][2] == b'{"a":1}'
    assert [r[0] for r in journal.due(LI.time.time() + 1, {first}, 10)] == [second]
    journal.later(first, LI.time.time() + 3600, 1, 0)
    assert [r[0] for r in journal.due(LI.time.time() + 1, set(), 10)] == [second]
    journal.done(second)
    reopened = LI.Journal(path)  # a restart: what was accepted and not done is still there
    assert reopened.pending() == 1
    later = reopened.due(LI.time.time() + 7200, set(), 10)
    assert [(r[0], r[4], r[5]) for r in later] == [(first, 1, 0)]


@pytest.mark.parametrize(
    ("event", "pattern", "matches"),
    [
        ("s3:ObjectCreated:Put", "s3:ObjectCreated:*", True),
        ("s3:ObjectCreated:Put", "s3:ObjectCreated:Put", True),
        ("s3:ObjectCreated:Copy", "s3:ObjectCreated:Put", False),
        ("s3:ObjectRemoved:Delete", "s3:ObjectCreated:*", False),
    ],
)
def test_s3_event_types(event: str, pattern: str, matches: bool) -> None:
    assert LI.event_matches(event, pattern) is matches


def test_s3_notification_filters() -> None:
    rules = [
        {"bucket": "b", "function": "thumbs", "events": ["s3:ObjectCreated:*"],
         "prefix": "img/", "suffix": ".jpg"},
        {"bucket": "b", "function": "audit", "events": ["s3:ObjectRemoved:*"]},
    ]  # fmt: skip
    invoker = LI.Invoker({"functions": {}, "notifications": rules}, journal=None)

    def record(name: str, key: str) -> dict[str, Any]:
        return {"eventName": name, "s3": {"bucket": {"name": "b"}, "object": {"key": key}}}

    assert invoker.matching(record("ObjectCreated:Put", "img/a+b%C3%A9.jpg")) == ["thumbs"]
    assert invoker.matching(record("ObjectCreated:Put", "img/a.png")) == []
    assert invoker.matching(record("ObjectCreated:Put", "doc/a.jpg")) == []
    assert invoker.matching(record("ObjectRemoved:Delete", "img/a.jpg")) == ["audit"]
    other = record("ObjectCreated:Put", "img/a.jpg")
    other["s3"]["bucket"]["name"] = "c"
    assert invoker.matching(other) == []


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    down = f"http://127.0.0.1:{free_port()}/__cloudexit/invoke/down"
    config = {
        "region": "eu-west-1",
        "functions": {
            "down": {"arn": "arn:aws:lambda:eu-west-1:123456789012:function:down", "url": down},
            "img": {"url": down, "unsupported": "it runs a container image without the shim"},
        },
    }
    journal = str(tmp_path_factory.mktemp("li") / "j.sqlite3")
    server, invoker = LI.serve(config, journal, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()
    invoker.stop()


def _post(port: int, path: str, body: bytes = b"{}", **headers: str) -> tuple[int, Any, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    conn.request("POST", path, body, headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, resp.headers, json.loads(data) if data else None


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "code"),
    [
        ("/2015-03-31/functions/nope/invocations", b"{}", {}, 404, "ResourceNotFoundException"),
        ("/2015-03-31/functions/down/invocations", b"{}", {"X-Amz-Invocation-Type": "Later"},
         400, "InvalidParameterValueException"),
        ("/2015-03-31/functions/down/invocations", b"[", {}, 400,
         "InvalidRequestContentException"),
        ("/2015-03-31/functions/down/invocations", b"1" * (LI.ASYNC_LIMIT + 1),
         {"X-Amz-Invocation-Type": "Event"}, 413, "RequestTooLargeException"),
        ("/2015-03-31/functions/down/invocations", b"{}", {}, 500, "ServiceException"),
        ("/2015-03-31/functions/down", b"{}", {}, 404, "UnknownOperationException"),
        ("/2015-03-31/functions/img/invocations", b"{}", {"X-Amz-Invocation-Type": "Event"},
         500, "ServiceException"),
    ],
)  # fmt: skip
def test_error_responses(
    served: int, path: str, body: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    got, reply, data = _post(served, path, body, **headers)
    assert (got, reply["x-amzn-ErrorType"]) == (status, code)
    assert reply["Content-Type"] == "application/json" and reply["x-amzn-RequestId"]
    assert data["Type"] == "User" and data["Message"]
    if status == 404 and code == "ResourceNotFoundException":
        assert data["Message"] == (
            "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:nope"
        )


def test_dry_run_and_event_accept_while_the_function_is_down(served: int) -> None:
    path = "/2015-03-31/functions/down/invocations"
    status, headers, _ = _post(served, path, b"{}", **{"X-Amz-Invocation-Type": "DryRun"})
    assert status == 204 and headers["x-amzn-RequestId"]
    status, headers, data = _post(served, path, b"{}", **{"X-Amz-Invocation-Type": "Event"})
    assert status == 202 and data is None and headers["x-amzn-RequestId"]


# A file event as SeaweedFS 4.48's filer webhook posts it (captured from `weed mini`).
FILER_CREATE: dict[str, Any] = {
    "event_type": "create",
    "key": "/buckets/pics/img/a b+é.jpg",
    "message": {
        "new_entry": {
            "name": "a b+é.jpg",
            "chunks": [{"size": 5, "modified_ts_ns": 1796304492133148775,
                        "e_tag": "XUFAKrxLKna5cZ2REBfFkg=="}],
            "attributes": {"file_size": 5, "mtime": 1796304492,
                           "md5": "XUFAKrxLKna5cZ2REBfFkg=="},
            "extended": {"Seaweed-X-Amz-ETag": "NWQ0MTQwMmFiYzRiMmE3NmI5NzE5ZDkxMTAxN2M1OTI=",
                         "Seaweed-X-Amz-Owner": "YWRtaW4="},
        },
        "delete_chunks": True,
        "new_parent_path": "/buckets/pics/img",
    },
}  # fmt: skip


def test_filer_event_becomes_an_s3_record() -> None:
    (record,) = LI.filer_records(FILER_CREATE, "eu-west-1")
    assert record["eventVersion"] == "2.1" and record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == "eu-west-1" and record["eventName"] == "ObjectCreated:Put"
    assert record["eventTime"] == "2026-12-03T13:28:12.133Z"
    assert record["s3"]["bucket"] == {
        "name": "pics",
        "ownerIdentity": {"principalId": "admin"},
        "arn": "arn:aws:s3:::pics",
    }
    assert record["s3"]["object"] == {
        "key": "img/a+b%2B%C3%A9.jpg",
        "size": 5,
        "eTag": "5d41402abc4b2a76b9719d911017c592",
        "sequencer": f"{1796304492133148775:016X}",  # the write time (ns), ordered
    }


def test_filer_events_that_are_not_objects() -> None:
    directory = {"event_type": "create", "key": "/buckets/pics/img",
                 "message": {"new_entry": {"name": "img", "is_directory": True}}}  # fmt: skip
    system = {**FILER_CREATE, "key": "/buckets/.system/owners/x"}
    system["message"] = {**FILER_CREATE["message"], "new_parent_path": "/buckets/.system"}
    uploads = "/buckets/pics/.uploads/u1"
    part = {**FILER_CREATE, "message": {**FILER_CREATE["message"], "new_parent_path": uploads}}
    rename = {**FILER_CREATE, "event_type": "rename"}
    for body in (directory, system, part, rename):
        assert LI.filer_records(body, "us-east-1") == []
    old = {"name": "x.txt", "attributes": {"file_size": 3}}
    removed = {"event_type": "delete", "key": "/buckets/pics/doc/x.txt",
               "message": {"old_entry": old}}  # fmt: skip
    (record,) = LI.filer_records(removed, "us-east-1")
    assert record["eventName"] == "ObjectRemoved:Delete"
    assert set(record["s3"]["object"]) == {"key", "sequencer"}  # no size/eTag, as on AWS


def test_minio_record_normalized() -> None:
    minio = {
        "eventVersion": "2.0", "eventSource": "minio:s3", "awsRegion": "",
        "eventTime": "2026-12-03T11:28:12.133Z", "eventName": "s3:ObjectCreated:Put",
        "userIdentity": {"principalId": "app"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "Config",
               "bucket": {"name": "pics", "arn": "arn:aws:s3:::pics"},
               "object": {"key": "img%2Fa.jpg", "size": 5, "eTag": "e", "sequencer": "1"}},
        "source": {"host": "172.18.0.5", "port": "", "userAgent": "Boto3"},
    }  # fmt: skip
    out = LI.normalized(minio, "eu-west-1")
    assert (out["eventVersion"], out["eventSource"], out["awsRegion"]) == (
        "2.1",
        "aws:s3",
        "eu-west-1",
    )
    assert out["eventName"] == "ObjectCreated:Put" and "source" not in out
    invoker = LI.Invoker(
        {"functions": {}, "notifications": [
            {"bucket": "pics", "function": "f", "events": ["s3:ObjectCreated:*"],
             "prefix": "img/", "suffix": ".jpg"}]},
        journal=None,
    )  # fmt: skip
    assert invoker.matching(out) == ["f"]  # the key's %2F is decoded before the filters


def test_replies_are_not_delayed_by_nagle() -> None:
    """Headers and body are two writes: with Nagle's algorithm the body waited for the
    client's delayed ACK, 48 ms per sync invoke through boto3 instead of 6 ms (measured)."""
    invoker = LI.Invoker({"functions": {}}, journal=None)
    assert LI.make_handler(invoker).disable_nagle_algorithm is True
