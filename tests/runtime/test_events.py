"""Golden event tests: real HTTP in, the exact API Gateway event out (the contract in
the shims' headers; rows per rule in tests/runtime/contract/events.json).

Both shims must produce the same event for the same request, field by field.
Only the per-request values (request ids, times) differ from the fixtures; their
format is asserted instead. Regenerate fixtures (then review the diff!) with
``CLOUDEXIT_REGEN_EVENTS=1 pytest tests/runtime/test_events.py -k node``.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest

from tests.runtime.harness import FIXTURES, Shim

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
REQUEST_TIME = re.compile(r"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$")
DYNAMIC = {
    "requestId": "<uuid>",
    "extendedRequestId": "<uuid>",
    "requestTime": "<request-time>",
    "time": "<request-time>",
    "requestTimeEpoch": "<epoch-ms>",
    "timeEpoch": "<epoch-ms>",
}
PNG = b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary"
UA = ("User-Agent", "golden-test/1.0")


class Case(NamedTuple):
    kind: str
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes | None = None


CASES = {
    "v1_get_path_query_multiheaders": Case(
        "rest",
        "GET",
        "/items/abc%20d?x=1&x=2&flag&enc=a%2Fb&plus=a+b",
        [
            ("Host", "api.example.com"),
            UA,
            ("X-Multi", "one"),
            ("X-Multi", "two"),
            ("X-Forwarded-For", "203.0.113.9, 10.0.0.1"),
            ("Cookie", "a=1; b=2"),
        ],
    ),
    "v1_post_json": Case(
        "rest",
        "POST",
        "/items",
        [("Host", "api.example.com"), UA, ("Content-Type", "application/json")],
        b'{"name":"Test Item","userId":"u1"}',
    ),
    "v1_binary_proxy": Case(
        "rest",
        "PUT",
        "/files/photos/2024/cat.png",
        [("Host", "api.example.com"), UA, ("Content-Type", "image/png")],
        PNG,
    ),
    "v1_text_not_binary_media_type": Case(
        "rest",
        "POST",
        "/files/notes.txt",
        [("Host", "api.example.com"), UA, ("Content-Type", "text/plain; charset=utf-8")],
        "héllo".encode(),
    ),
    "v1_bare_request_nulls": Case("rest", "GET", "/items/special", [("Host", "api.example.com")]),
    "v1_http_api_default_route": Case(
        "http1", "DELETE", "/some/where?q=1", [("Host", "files.example.com"), UA]
    ),
    "v2_cookies_headers_rawquery": Case(
        "http2",
        "GET",
        "/items/42?b=2&a=1&a=%20x&empty=&flag",
        [
            ("Host", "files.example.com"),
            UA,
            ("X-Multi", "one"),
            ("x-multi", "two"),
            ("Cookie", "session=abc; theme=dark"),
            ("Cookie", "extra=1"),
            ("X-Forwarded-For", "198.51.100.7"),
        ],
    ),
    "v2_binary_body": Case(
        "http2",
        "PUT",
        "/files/up/cat.png",
        [("Host", "files.example.com"), UA, ("Content-Type", "application/octet-stream")],
        PNG,
    ),
    "v2_json_body": Case(
        "http2",
        "POST",
        "/items",
        [("Host", "files.example.com"), UA, ("Content-Type", "application/json")],
        b'{"owner":"ann"}',
    ),
    "v2_default_route_no_query": Case(
        "http2", "PATCH", "/not/routed", [("Host", "files.example.com"), UA]
    ),
}


def normalise(value: Any, key: str = "") -> Any:
    """Replace per-request values by placeholders after asserting their format."""
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    placeholder = DYNAMIC.get(key)
    if placeholder == "<uuid>":
        assert UUID.match(value), (key, value)
    elif placeholder == "<request-time>":
        assert REQUEST_TIME.match(value), (key, value)
    elif placeholder == "<epoch-ms>":
        assert isinstance(value, int) and abs(value - time.time() * 1000) < 60_000, (key, value)
    return placeholder or value


def compare(expected: Any, actual: Any, where: str = "event") -> None:
    """Field-by-field, so a failure names the field (null vs absent matters)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        assert list(actual) == list(expected), f"{where}: keys {list(actual)} != {list(expected)}"
        for key in expected:
            compare(expected[key], actual[key], f"{where}.{key}")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_event(runtime: str, name: str, shared_shims: Callable[[str, str], Shim]) -> None:
    case = CASES[name]
    shim = shared_shims(runtime, case.kind)
    echoed = shim.echo(case.method, case.target, headers=case.headers, body=case.body)
    event = normalise(echoed["event"])
    fixture = FIXTURES / "events" / f"{name}.json"
    if os.environ.get("CLOUDEXIT_REGEN_EVENTS"):
        fixture.write_text(json.dumps(event, indent=2, ensure_ascii=False) + "\n")
    compare(json.loads(fixture.read_text()), event)


def test_route_specificity(runtime: str, shared_shims: Callable[[str, str], Shim]) -> None:
    """A literal segment beats {id}; {proxy+} is greedy; $default takes the rest."""
    shim = shared_shims(runtime, "http2")
    special = shim.echo("GET", "/items/special")
    assert special["context"]["functionName"] == "echo2"
    assert special["event"]["routeKey"] == "GET /items/special"
    other = shim.echo("GET", "/items/other")
    assert other["event"]["routeKey"] == "GET /items/{id}"
    assert other["event"]["pathParameters"] == {"id": "other"}
    # POST /items/x matches no method-specific route: falls to $default
    fallback = shim.echo("POST", "/items/x", body=b"")
    assert fallback["event"]["routeKey"] == "$default"
    rest = shared_shims(runtime, "rest")
    assert rest.request("POST", "/items/x", body=b"").status == 404


def test_unmatched_is_api_gateway_404(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    resp = shared_shims(runtime, "rest").request("GET", "/nothing/here")
    assert resp.status == 404
    assert resp.json() == {"message": "Not Found"}


def test_request_ids_and_times_fresh(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    """SAM #9279 froze requestId/time per process; every request must get its own."""
    shim = shared_shims(runtime, "http2")
    conn = shim.connection()  # one keep-alive connection for all 100
    ids, context_ids, epochs = set(), set(), []
    for _ in range(100):
        echoed = shim.echo("GET", "/items/1", conn=conn)
        ctx = echoed["event"]["requestContext"]
        assert UUID.match(ctx["requestId"]) and UUID.match(echoed["context"]["awsRequestId"])
        ids.add(ctx["requestId"])
        context_ids.add(echoed["context"]["awsRequestId"])
        epochs.append(ctx["timeEpoch"])
    assert len(ids) == 100 and len(context_ids) == 100
    assert epochs == sorted(epochs) and epochs[0] > 1_600_000_000_000  # ms, not s


def test_context_and_module_state(runtime: str, shared_shims: Callable[[str, str], Shim]) -> None:
    shim = shared_shims(runtime, "rest")
    first = shim.echo("GET", "/items/a")
    second = shim.echo("GET", "/items/b")
    assert second["invocations"] > first["invocations"]  # same module instance
    ctx = second["context"]
    assert ctx["functionName"] == "echo" and ctx["functionVersion"] == "$LATEST"
    assert ctx["memoryLimitInMB"] == "256"
    assert ctx["invokedFunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:echo"
    assert ctx["logGroupName"] == "/aws/lambda/echo"
    assert 4000 < ctx["remaining"] <= 5000


def test_names_of_object_members_are_plain_keys(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    """Query and header names such as __proto__ or constructor are ordinary keys in
    both payload versions (API Gateway treats them so), never object internals."""
    target = "/items/p?__proto__=a&constructor=b&constructor=c&toString=d"
    headers = [("Host", "api.example.com"), ("constructor", "h1"), ("constructor", "h2")]
    v1 = shared_shims(runtime, "rest").echo("GET", target, headers=headers)["event"]
    assert v1["queryStringParameters"] == {"__proto__": "a", "constructor": "c", "toString": "d"}
    assert v1["multiValueQueryStringParameters"] == {
        "__proto__": ["a"], "constructor": ["b", "c"], "toString": ["d"],
    }  # fmt: skip
    assert v1["headers"]["constructor"] == "h2"
    assert v1["multiValueHeaders"]["constructor"] == ["h1", "h2"]
    v2 = shared_shims(runtime, "http2").echo("GET", target, headers=headers)["event"]
    assert v2["queryStringParameters"] == {"__proto__": "a", "constructor": "b,c", "toString": "d"}
    assert v2["headers"]["constructor"] == "h1,h2"
