"""Lambda results → HTTP responses (the contract in the shims' headers; the rows of
tests/runtime/contract/responses.json), errors, timeouts, handler styles."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.runtime.harness import NODE, Response, Shim

PNG = b"\x89PNG\r\n\x1a\n\x00\xff\xfe"
INTERNAL = {"message": "Internal server error"}


def respond(shim: Shim, result: Any) -> Response:
    """Ask the `respond` fixture handler to return ``result`` as its Lambda result."""
    body = json.dumps(result).encode()
    headers = [("Host", "api.example.com"), ("Content-Type", "application/json")]
    return shim.request("POST", "/respond", headers=headers, body=body)


def test_v1_headers_merged_with_multivalue(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    resp = respond(
        shared_shims(runtime, "rest"),
        {
            "statusCode": 201,
            "headers": {"X-One": "1", "X-Dup": "a", "Content-Type": "text/plain"},
            "multiValueHeaders": {"X-Dup": ["a", "b"], "X-List": ["x", "y"]},
            "body": "created",
        },
    )
    assert resp.status == 201 and resp.body == b"created"
    assert resp.all("X-Dup") == ["a", "b"]  # the pair in both appears once
    assert resp.all("X-List") == ["x", "y"] and resp.all("X-One") == ["1"]
    assert resp.all("Content-Type") == ["text/plain"]


def test_v1_base64_body_decoded(runtime: str, shared_shims: Callable[[str, str], Shim]) -> None:
    result = {
        "statusCode": 200,
        "isBase64Encoded": True,
        "headers": {"Content-Type": "image/png"},
        "body": base64.b64encode(PNG).decode(),
    }
    resp = respond(shared_shims(runtime, "rest"), result)
    assert resp.status == 200 and resp.body == PNG
    assert resp.all("Content-Length") == [str(len(PNG))]


JSON_TYPE, TEXT_TYPE = "application/json", "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    ("kind", "result", "content_type"),
    [
        ("rest", {"statusCode": 200}, JSON_TYPE),
        ("rest", {"statusCode": 200, "body": None}, JSON_TYPE),
        ("http1", {"statusCode": 200}, TEXT_TYPE),
        ("http2", {"statusCode": 200, "body": None}, TEXT_TYPE),
    ],
    ids=["rest-no-body", "rest-null-body", "http1-no-body", "http2-null-body"],
)
def test_defaults_no_content_type_and_empty_body(
    runtime: str,
    shared_shims: Callable[[str, str], Shim],
    kind: str,
    result: dict[str, Any],
    content_type: str,
) -> None:
    """Status 200, not 204 (a 204 hides any body): a missing or null body is empty,
    and a result without Content-Type gets the API kind's default (REST API
    application/json, HTTP API text/plain; charset=utf-8)."""
    resp = respond(shared_shims(runtime, kind), result)
    assert (resp.status, resp.body) == (200, b"")
    assert resp.all("Content-Length") == ["0"]
    assert resp.all("Content-Type") == [content_type]


@pytest.mark.parametrize(
    "result",
    [
        {"body": "no status"},
        {"statusCode": "abc", "body": "x"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "headers": {"X": {"nested": 1}}},
        {"statusCode": 200, "multiValueHeaders": {"X": "not-a-list"}},
        {"__raw": "a bare string"},
        {"__raw": None},
    ],
    ids=["no-status", "bad-status", "object-body", "object-header", "mvh-scalar", "str", "null"],
)
def test_v1_malformed_is_502(
    runtime: str, shared_shims: Callable[[str, str], Shim], result: Any
) -> None:
    resp = respond(shared_shims(runtime, "rest"), result)
    assert resp.status == 502 and resp.json() == INTERNAL


def test_v2_object_without_status_is_200_json(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    resp = respond(shared_shims(runtime, "http2"), {"id": 1, "tags": ["a"]})
    assert resp.status == 200 and resp.json() == {"id": 1, "tags": ["a"]}
    assert resp.all("Content-Type") == ["application/json"]


def test_v2_string_is_body(runtime: str, shared_shims: Callable[[str, str], Shim]) -> None:
    resp = respond(shared_shims(runtime, "http2"), {"__raw": "plain text"})
    assert resp.status == 200 and resp.body == b"plain text"


def test_v2_cookies_are_separate_set_cookie(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    """serverless-offline #310 merged them into one header."""
    result = {
        "statusCode": 200,
        "cookies": ["a=1; Path=/; HttpOnly", "b=2; Max-Age=60"],
        "headers": {"X-Req": "r", "Content-Type": "text/plain"},
        "body": "ok",
    }
    resp = respond(shared_shims(runtime, "http2"), result)
    assert resp.status == 200 and resp.body == b"ok"
    assert resp.all("Set-Cookie") == ["a=1; Path=/; HttpOnly", "b=2; Max-Age=60"]
    assert resp.all("X-Req") == ["r"]


def test_v2_base64_and_malformed(runtime: str, shared_shims: Callable[[str, str], Shim]) -> None:
    shim = shared_shims(runtime, "http2")
    body = base64.b64encode(PNG).decode()
    ok = respond(shim, {"statusCode": 200, "isBase64Encoded": True, "body": body})
    assert ok.body == PNG
    bad = respond(shim, {"statusCode": "x"})
    assert bad.status == 502 and bad.json() == INTERNAL


def test_exception_is_502_with_one_log_line(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    shim = shared_shims(runtime, "rest")
    resp = shim.request("GET", "/boom")
    assert resp.status == 502 and resp.json() == INTERNAL
    time.sleep(0.1)
    lines = [x for x in shim.stderr_lines() if x.get("function") == "boom"]
    assert len(lines) == 1
    line = lines[0]
    assert line["errorType"] == "ItemError" and line["errorMessage"] == "kaboom"
    assert line["stack"] and line["requestId"]


def test_timeout_is_504_at_deadline(runtime: str, shared_shims: Callable[[str, str], Shim]) -> None:
    shim = shared_shims(runtime, "rest")
    started = time.monotonic()
    resp = shim.request("GET", "/slow?sleepMs=3000")
    elapsed = time.monotonic() - started
    assert resp.status == 504 and 0.9 < elapsed < 2.0
    assert resp.json() == {"message": "Endpoint request timed out"}


def test_deadlines_of_overlapping_invocations(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    """A later, shorter deadline still fires on time while a longer one is pending;
    the longer invocation answers normally; every outcome has its access-log line."""
    shim = shared_shims(runtime, "rest")
    with ThreadPoolExecutor(2) as pool:
        # echo: timeout 5 s, answers after 2.5 s; slow: timeout 1 s, would need 3 s.
        long = pool.submit(shim.request, "GET", "/items/long?sleepMs=2500")
        time.sleep(0.2)
        started = time.monotonic()
        short = shim.request("GET", "/slow?sleepMs=3000")
        elapsed = time.monotonic() - started
        long_resp = long.result(timeout=10)
    assert short.status == 504 and 0.9 < elapsed < 2.0, (short.status, elapsed)
    assert long_resp.status == 200
    assert long_resp.json()["event"]["pathParameters"] == {"id": "long"}
    fast = shim.request("GET", "/slow")  # the same function, well inside its deadline
    assert fast.status == 200
    time.sleep(0.1)
    logged = {(x["path"], x["status"]) for x in shim.stdout_lines() if "path" in x}
    assert {("/items/long", 200), ("/slow", 504), ("/slow", 200)} <= logged


def test_concurrent_timeouts_all_answered(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    shim = shared_shims(runtime, "rest")
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        statuses = list(
            pool.map(lambda _: shim.request("GET", "/slow?sleepMs=3000").status, range(4))
        )
    assert statuses == [504] * 4 and time.monotonic() - started < 2.5
    assert shim.request("GET", "/slow").status == 200


def test_access_log_line(runtime: str, shared_shims: Callable[[str, str], Shim]) -> None:
    shim = shared_shims(runtime, "rest")
    echoed = shim.echo("GET", "/items/logged")
    time.sleep(0.1)
    request_id = echoed["event"]["requestContext"]["requestId"]
    lines = [x for x in shim.stdout_lines() if x.get("requestId") == request_id]
    assert len(lines) == 1
    line = lines[0]
    assert set(line) == {"time", "requestId", "method", "path", "status", "durationMs", "function"}
    assert (line["method"], line["path"], line["status"]) == ("GET", "/items/logged", 200)
    assert line["function"] == "echo" and line["durationMs"] >= 0


@pytest.mark.skipif(NODE is None, reason="node missing")
@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/node/callback", 200, b"cb:callback:GET"),
        ("/node/cbfail", 502, b'{"message":"Internal server error"}'),
        ("/node/succeed", 202, b"succeeded"),
        ("/node/promise", 200, b"promise"),
        ("/node/esm", 200, b"esm"),
    ],
)
def test_node_handler_styles(
    shared_shims: Callable[[str, str], Shim], path: str, status: int, body: bytes
) -> None:
    resp = shared_shims("node", "rest").request("GET", path)
    assert (resp.status, resp.body) == (status, body)


REST_IDS = ("x-amzn-RequestId", "x-amz-apigw-id")


@pytest.mark.parametrize("kind", ["rest", "http1", "http2"])
def test_gateway_request_id_headers(
    runtime: str, shared_shims: Callable[[str, str], Shim], kind: str
) -> None:
    """A function's answer carries API Gateway's request id (the event's requestId) the
    way the API kind names it; an unmatched request carries none (no function answered)."""
    shim = shared_shims(runtime, kind)
    resp = shim.request("GET", "/items/ids")
    context = resp.json()["event"]["requestContext"]
    if kind == "rest":
        assert resp.all("x-amzn-RequestId") == [context["requestId"]]
        assert resp.all("x-amz-apigw-id") == [context["extendedRequestId"]]
        assert resp.all("apigw-requestid") == []
        unrouted = shim.request("GET", "/no/such/route")  # the HTTP APIs have $default
        assert unrouted.status == 404
        assert not any(unrouted.all(n) for n in (*REST_IDS, "apigw-requestid"))
    else:
        assert resp.all("apigw-requestid") == [context["requestId"]]
        assert all(resp.all(name) == [] for name in REST_IDS)


def test_gateway_headers_on_the_shims_own_errors(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    """An exception (502) and a timeout (504) of a REST API's function: the request id and
    x-amzn-ErrorType, as API Gateway answers them."""
    shim = shared_shims(runtime, "rest")
    for target, status in (("/boom", 502), ("/slow?sleepMs=3000", 504)):
        resp = shim.request("GET", target)
        assert resp.status == status
        assert resp.all("x-amzn-ErrorType") == ["InternalServerErrorException"]
        assert len(resp.all("x-amzn-RequestId")) == 1 and len(resp.all("x-amz-apigw-id")) == 1


def test_function_request_id_header_is_remapped(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    shim = shared_shims(runtime, "rest")
    resp = respond(shim, {"statusCode": 200, "headers": {"x-amzn-RequestId": "mine"}})
    assert resp.all("x-amzn-Remapped-x-amzn-RequestId") == ["mine"]
    (gateway,) = resp.all("x-amzn-RequestId")
    assert gateway != "mine"
