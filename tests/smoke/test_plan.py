"""`smoke`'s pure rules: the request for a route, and the verdict on an answer."""

from __future__ import annotations

import json

import pytest

from cloudexit_ci.manifest import RouteEntry
from cloudexit_ci.smoke.plan import PLACEHOLDER, Answer, judge, probe_for, target_of

P = PLACEHOLDER


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/items", "/items"),
        ("/items/{id}", f"/items/{P}"),
        ("/files/{proxy+}", f"/files/{P}"),
        ("/a/{x}/b/{y}", f"/a/{P}/b/{P}"),
        ("/", "/"),
        ("$default", f"/{P}"),
        ("/with space/ü", "/with%20space/%C3%BC"),
    ],
)
def test_target_of(path: str, target: str) -> None:
    assert target_of(path) == target


@pytest.mark.parametrize(
    ("method", "path", "allow_writes", "sent", "body"),
    [
        ("GET", "/items/{id}", False, "GET", None),
        ("ANY", "/files/{proxy+}", False, "GET", None),
        ("ANY", "$default", False, "GET", None),
        ("POST", "$default", False, "GET", None),  # $default: an API's catch-all, read
        ("HEAD", "/items", False, "HEAD", None),
        ("OPTIONS", "/items", False, "OPTIONS", None),
        ("POST", "/items", False, None, None),
        ("DELETE", "/items/{id}", False, None, None),
        ("POST", "/items", True, "POST", b"{}"),
        ("PUT", "/items/{id}", True, "PUT", b"{}"),
        ("PATCH", "/items/{id}", True, "PATCH", b"{}"),
        ("ANY", "/items", True, "GET", None),  # writes allowed, ANY still reads
    ],
)
def test_probe_for(
    method: str, path: str, allow_writes: bool, sent: str | None, body: bytes | None
) -> None:
    probe = probe_for(RouteEntry(method, path, "fn", "svc"), allow_writes)
    assert (probe.method, probe.body) == (sent, body)
    assert probe.target == target_of(path)


REST_ID = {"x-amzn-requestid": "r-1", "x-amz-apigw-id": "e-1"}
HTTP_ID = {"apigw-requestid": "r-2"}
ERROR_TYPE = {"x-amzn-errortype": "InternalServerErrorException"}
JSON = {"content-type": "application/json"}
BROKE = json.dumps({"message": "Internal server error"}).encode()
LATE = json.dumps({"message": "Endpoint request timed out"}).encode()

# (name, answer, verdict, words the reason must contain)
VERDICTS = [
    ("200 with the REST header", Answer(200, {**JSON, **REST_ID}), "pass", "answered 200"),
    ("200 with the HTTP API header", Answer(200, HTTP_ID), "pass", "answered 200"),
    ("404 with the header: the function's own", Answer(404, REST_ID, b"{}"), "pass", "404"),
    ("500 the function chose", Answer(500, HTTP_ID, b"oops"), "pass", "answered 500"),
    ("502 the function chose (its own body)", Answer(502, HTTP_ID, b"upstream"), "pass", "502"),
    ("401 the function chose", Answer(401, REST_ID), "pass", "answered 401"),
    ("shim 502 on a REST API", Answer(502, {**REST_ID, **ERROR_TYPE}, BROKE), "fail", "failed"),
    ("shim 504 on a REST API", Answer(504, {**REST_ID, **ERROR_TYPE}, LATE), "fail", "timed out"),
    ("shim 502 on an HTTP API", Answer(502, {**HTTP_ID, **JSON}, BROKE), "fail", "shim"),
    ("shim 504 on an HTTP API", Answer(504, HTTP_ID, LATE), "fail", "timed out"),
    ("404 without the header", Answer(404, JSON, b"404 page not found"), "fail", "routed nothing"),
    ("502 from the edge", Answer(502, {}, b"Bad Gateway"), "fail", "from the edge"),
    ("503 from the edge", Answer(503, {}, b"no available server"), "fail", "from the edge"),
    ("504 from the edge", Answer(504, {}, LATE), "fail", "from the edge"),
    ("200 without the header", Answer(200, JSON, b"{}"), "fail", "not reached"),
    ("403 without the header", Answer(403, {}, b"Forbidden"), "fail", "not reached"),
    ("refused", Answer(error="ConnectError: refused", unreachable=True), "fail", "refused"),
    ("timeout", Answer(error="ReadTimeout: timed out", timed_out=True), "fail", "within 7 s"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "verdict", "words"), [v[1:] for v in VERDICTS], ids=[v[0] for v in VERDICTS]
)
def test_verdict(answer: Answer, verdict: str, words: str) -> None:
    probe = probe_for(RouteEntry("GET", "/items/{id}", "get-item", "get-item"), False)
    outcome = judge(probe, answer, timeout=7)
    assert outcome.verdict == verdict, outcome.reason
    assert words in outcome.reason
    headers = answer.headers or {}
    wanted = headers.get("x-amzn-requestid") or headers.get("apigw-requestid")
    assert outcome.request_id == wanted


def test_a_write_route_is_not_probed() -> None:
    probe = probe_for(RouteEntry("POST", "/items", "create-item", "create-item"), False)
    outcome = judge(probe, None, timeout=7)
    assert outcome.verdict == "not-probed"
    assert "write" in outcome.reason and "--allow-writes" in outcome.reason
