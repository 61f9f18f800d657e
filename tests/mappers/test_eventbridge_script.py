"""templates/extras/eventbridge.py on its own: pattern matching, target input and the
PutEvents API over real HTTP. Delivery to real shims and a real SQS server:
tests/e2e/test_eventbridge.py.

The pattern tables follow the examples of AWS's documentation, "Content filtering in
Amazon EventBridge event patterns"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/content-filtering-with-event-patterns.html)
and "Comparison operators for use in event patterns in Amazon EventBridge"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html);
the input transformer cases follow "Amazon EventBridge input transformation"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html)
and the InputTransformer API reference.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.servers import REPO, free_port

SCRIPT = REPO / "templates" / "extras" / "eventbridge.py"


def _module() -> ModuleType:
    if str(SCRIPT.parent) not in sys.path:  # aws_sigv4 beside it, as in its container
        sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("eventbridge_service", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["eventbridge_service"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


EB = _module()

EC2: dict[str, Any] = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2017-10-02T18:43:48Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "running"},
}


def _event(**detail: Any) -> dict[str, Any]:
    return dict(EC2, detail=detail)


CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # exact values and arrays ("any of"), AND across fields
    ("exact", {"source": ["aws.ec2"]}, EC2, True),
    ("exact-miss", {"source": ["aws.s3"]}, EC2, False),
    ("any-of", {"source": ["aws.s3", "aws.ec2"]}, EC2, True),
    ("and", {"source": ["aws.ec2"], "detail": {"state": ["stopped"]}}, EC2, False),
    ("nested", {"detail": {"state": ["running"]}}, EC2, True),
    ("event-array", {"resources": ["x", EC2["resources"][0]]}, EC2, True),
    ("event-array-miss", {"resources": ["x"]}, EC2, False),
    ("missing-field", {"detail": {"nope": ["x"]}}, EC2, False),
    ("number-exact", {"detail": {"n": [3.018e2]}}, _event(n=301.8), True),
    ("number-not-string", {"detail": {"n": ["5"]}}, _event(n=5), False),
    ("bool", {"detail": {"ok": [True]}}, _event(ok=True), True),
    ("bool-not-1", {"detail": {"ok": [True]}}, _event(ok=1), False),
    # null and empty string
    ("null", {"detail": {"responseElements": [None]}}, _event(responseElements=None), True),
    ("null-not-missing", {"detail": {"responseElements": [None]}}, _event(), False),
    ("empty", {"detail": {"eventVersion": [""]}}, _event(eventVersion=""), True),
    ("empty-not-null", {"detail": {"eventVersion": [""]}}, _event(eventVersion=None), False),
    # prefix / suffix (and their ignore-case forms)
    ("prefix", {"time": [{"prefix": "2017-10-02"}]}, EC2, True),
    ("prefix-miss", {"time": [{"prefix": "2017-10-03"}]}, EC2, False),
    (
        "prefix-ignore-case",
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        _event(service="eventbridge"),
        True,
    ),
    ("suffix", {"detail": {"FileName": [{"suffix": ".png"}]}}, _event(FileName="a.png"), True),
    (
        "suffix-case",
        {"detail": {"FileName": [{"suffix": ".png"}]}},
        _event(FileName="a.PNG"),
        False,
    ),
    (
        "suffix-ignore-case",
        {"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}},
        _event(FileName="a.PNG"),
        True,
    ),
    # anything-but
    ("but", {"detail": {"state": [{"anything-but": "initializing"}]}}, EC2, True),
    ("but-miss", {"detail": {"state": [{"anything-but": "running"}]}}, EC2, False),
    (
        "but-number",
        {"detail": {"x-limit": [{"anything-but": 123}]}},
        _event(**{"x-limit": 5}),
        True,
    ),
    (
        "but-number-miss",
        {"detail": {"x-limit": [{"anything-but": 123}]}},
        _event(**{"x-limit": 123}),
        False,
    ),
    (
        "but-list",
        {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}},
        _event(state="stopped"),
        False,
    ),
    ("but-missing-field", {"detail": {"nope": [{"anything-but": "x"}]}}, EC2, False),
    (
        "but-prefix",
        {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
        _event(state="initializing"),
        False,
    ),
    (
        "but-suffix",
        {"detail": {"FileName": [{"anything-but": {"suffix": ".txt"}}]}},
        _event(FileName="a.png"),
        True,
    ),
    (
        "but-ignore-case",
        {"detail": {"state": [{"anything-but": {"equals-ignore-case": ["Stopped", "x"]}}]}},
        _event(state="STOPPED"),
        False,
    ),
    (
        "but-wildcard",
        {"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}},
        _event(FilePath="/usr/lib/x"),
        False,
    ),
    (
        "but-wildcard-ok",
        {"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}},
        _event(FilePath="/usr/bin/x"),
        True,
    ),
    # numeric
    (
        "numeric",
        {
            "detail": {
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"numeric": ["=", 3.018e2]}],
            }
        },
        _event(**{"c-count": 5, "d-count": 7, "x-limit": 301.8}),
        True,
    ),
    ("numeric-out", {"detail": {"c": [{"numeric": [">", 0, "<=", 5]}]}}, _event(c=6), False),
    ("numeric-string", {"detail": {"c": [{"numeric": [">", 0]}]}}, _event(c="3"), False),
    # exists
    ("exists", {"detail": {"state": [{"exists": True}]}}, EC2, True),
    ("exists-miss", {"detail": {"nope": [{"exists": True}]}}, EC2, False),
    ("not-exists", {"detail": {"nope": [{"exists": False}]}}, EC2, True),
    ("not-exists-miss", {"detail": {"state": [{"exists": False}]}}, EC2, False),
    ("not-exists-no-parent", {"detail": {"a": {"b": [{"exists": False}]}}}, EC2, True),
    ("exists-object", {"detail": [{"exists": True}]}, EC2, False),
    ("exists-empty-array", {"detail": {"tags": [{"exists": True}]}}, _event(tags=[]), False),
    ("not-exists-empty-array", {"detail": {"tags": [{"exists": False}]}}, _event(tags=[]), True),
    # equals-ignore-case, wildcard, cidr
    (
        "ignore-case",
        {"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]},
        EC2,
        True,
    ),
    (
        "wildcard",
        {"detail": {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}},
        _event(EventBusArn="arn:aws:events:us-east-1:123456789012:event-bus/orders"),
        True,
    ),
    (
        "wildcard-miss",
        {"detail": {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}},
        _event(EventBusArn="arn:aws:events:eu-west-1:123456789012:event-bus/orders"),
        False,
    ),
    ("wildcard-escaped", {"detail": {"k": [{"wildcard": "a\\*b"}]}}, _event(k="a*b"), True),
    ("wildcard-escaped-miss", {"detail": {"k": [{"wildcard": "a\\*b"}]}}, _event(k="axb"), False),
    (
        "cidr",
        {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}},
        _event(sourceIPAddress="10.0.0.255"),
        True,
    ),
    (
        "cidr-miss",
        {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}},
        _event(sourceIPAddress="10.0.1.1"),
        False,
    ),
    # $or
    (
        "or",
        {
            "detail": {
                "$or": [
                    {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                    {"d-count": [{"numeric": ["<", 10]}]},
                ]
            }
        },
        _event(**{"c-count": 50, "d-count": 7}),
        True,
    ),
    (
        "or-none",
        {
            "detail": {
                "$or": [{"c-count": [{"numeric": ["<", 5]}]}, {"d-count": [{"numeric": ["<", 1]}]}]
            }
        },
        _event(**{"c-count": 50, "d-count": 7}),
        False,
    ),
    (
        "or-top",
        {
            "source": ["aws.ec2"],
            "$or": [{"detail-type": ["x"]}, {"detail": {"state": ["running"]}}],
        },
        EC2,
        True,
    ),
]


@pytest.mark.parametrize(
    ("pattern", "event", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_pattern_matching(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert EB.matches(pattern, event) is expected


RULE = {"arn": "arn:aws:events:us-east-1:1:rule/r", "name": "r"}
PATHS = {"instance": "$.detail.instance-id", "state": "$.detail.state", "res": "$.resources[0]"}
TRANSFORMS = [
    # a plain-text template: values as they are
    ("<instance> is in state <state>", "i-1234567890abcdef0 is in state running"),
    # the InputTransformer reference's escaped quotes
    ('<instance> is in state \\"<state>\\"', 'i-1234567890abcdef0 is in state \\"running\\"'),
    # a JSON template: quoted placeholders take the text, unquoted ones a JSON value
    (
        '{"instance": <instance>, "state": "<state>"}',
        '{"instance": "i-1234567890abcdef0", "state": "running"}',
    ),
    (
        '{"myInstance": <instance>, "myStatus": "<instance> is in state \\"<state>\\""}',
        '{"myInstance": "i-1234567890abcdef0", '
        '"myStatus": "i-1234567890abcdef0 is in state \\"running\\""}',
    ),
    ('{"resource": <res>}', '{"resource": "' + EC2["resources"][0] + '"}'),
    ('{"rule": "<aws.events.rule-name>"}', '{"rule": "r"}'),
]


@pytest.mark.parametrize(("template", "expected"), TRANSFORMS)
def test_input_transformer(template: str, expected: str) -> None:
    assert EB.transform(template, PATHS, EC2, RULE, "2026-01-01T00:00:00.000Z") == expected


def test_input_transformer_values_and_predefined() -> None:
    event = _event(total=120.5, items=[{"sku": "a"}], note='say "hi"')
    paths = {"total": "$.detail.total", "items": "$.detail.items", "note": "$.detail.note"}
    out = EB.transform(
        '{"t": <total>, "i": <items>, "n": "<note>", "e": <aws.events.event.json>, "x": <nope>}',
        dict(paths, nope="$.detail.missing"),
        event,
        RULE,
        "t",
    )
    parsed = json.loads(out)
    assert parsed == {"t": 120.5, "i": [{"sku": "a"}], "n": 'say "hi"', "e": event, "x": None}


def test_target_input_kinds() -> None:
    assert EB.target_input({"input": '{"fixed": 1}'}, EC2, RULE, "t") == '{"fixed": 1}'
    assert json.loads(EB.target_input({"inputPath": "$.detail"}, EC2, RULE, "t")) == EC2["detail"]
    assert json.loads(EB.target_input({}, EC2, RULE, "t")) == EC2


@pytest.fixture
def endpoint() -> Iterator[str]:
    config = {"region": "eu-west-1", "account": "111122223333", "buses": {"default": {}}}
    bus = EB.Bus(config, workers=1)
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), EB.make_handler(bus))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    bus.stop()


def test_put_events_with_boto3(endpoint: str) -> None:
    """Per-entry results in request order, as the SDK reads them."""
    client = boto3.client(
        "events",
        endpoint_url=endpoint,
        region_name="eu-west-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    reply = client.put_events(
        Entries=[
            {"Source": "shop", "DetailType": "Placed", "Detail": '{"id": 1}'},
            {"Source": "shop", "DetailType": "Placed", "Detail": "not json"},
            {"Source": "aws.s3", "DetailType": "Object Created", "Detail": "{}"},
            {"Source": "shop", "DetailType": "x", "Detail": "{}", "EventBusName": "nope"},
            {"Source": "shop", "DetailType": "x", "Detail": "{}", "EventBusName": "default"},
        ]
    )
    entries = reply["Entries"]
    assert reply["FailedEntryCount"] == 3
    assert len(entries[0]["EventId"]) == 36 and len(entries[4]["EventId"]) == 36
    assert entries[1]["ErrorCode"] == "MalformedDetail"
    assert entries[2]["ErrorCode"] == "NotAuthorizedForSourceException"
    assert entries[3]["ErrorCode"] == "ResourceNotFoundException"
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}] * 11)
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_other_operations_are_refused(endpoint: str) -> None:
    request = urllib.request.Request(
        endpoint, data=b"{}", headers={"X-Amz-Target": "AWSEvents.ListRules"}, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)
    assert json.loads(raised.value.read())["__type"] == "UnknownOperationException"


def test_envelope() -> None:
    bus = EB.Bus({"region": "eu-west-1", "account": "111122223333"}, workers=0)
    event = bus.envelope(
        {"Source": "s", "DetailType": "d", "Detail": '{"a": 1}', "Time": 1700000000}
    )
    assert event["time"] == "2023-11-14T22:13:20Z"
    assert (event["account"], event["region"], event["version"]) == (
        "111122223333",
        "eu-west-1",
        "0",
    )
    assert event["detail"] == {"a": 1} and event["resources"] == []
    assert set(event) == {
        "version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"
    }  # fmt: skip


def test_replies_are_not_held_by_nagle() -> None:
    """Headers and body are two writes: without TCP_NODELAY a keep-alive client (boto3) waited
    ~40 ms per PutEvents for its delayed ACK (p50 47.6 ms → 2.5 ms, 50 calls, loopback)."""
    bus = EB.Bus({"buses": {"default": {}}}, workers=0)
    assert EB.make_handler(bus).disable_nagle_algorithm is True
