"""What `smoke` sends for a route and what it concludes from the answer: pure functions.

A route is probed with one request: GET for GET, ANY and ``$default`` routes (HEAD and
OPTIONS routes with their own, equally safe, method); another method only with
``--allow-writes``, with an empty JSON object as body. Path parameters are filled with
:data:`PLACEHOLDER` (``{proxy+}`` with one segment). The request id proves that *a*
function answered; which one, only the stack's access log says.

A route **passes** when the answer carries the shim's request-id header (API Gateway's
``x-amzn-RequestId`` on REST APIs, ``apigw-requestid`` on HTTP APIs): the function was
reached, whatever status it chose, unless the answer is the shim's own 502 (the
function failed or returned a malformed result) or 504 (it timed out). Without the
header no function answered: a 404 means the edge routed nothing where API Gateway
would have reached a function, a 502/503/504 that the edge could not reach the
function's service, anything else that something other than the function answered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from cloudexit_ci.manifest import RouteEntry

PLACEHOLDER = "cloudexit-smoke"  # a path parameter's value: harmless, recognisable in logs
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
READ_AS_GET = ("GET", "ANY")
REQUEST_ID_HEADERS = ("x-amzn-requestid", "apigw-requestid")  # REST API, HTTP API
ERROR_TYPE_HEADER = "x-amzn-errortype"  # on a REST API's own 502/504
SHIM_ERRORS = {
    502: {"message": "Internal server error"},
    504: {"message": "Endpoint request timed out"},
}
EDGE_FAILURES = (502, 503, 504)
_SEGMENT_SAFE = "!$&'()*+,;=:@-._~"

Verdict = Literal["pass", "fail", "not-probed"]


@dataclass(frozen=True)
class Probe:
    """The one request for a route; ``method`` None: not sent (a write without
    ``--allow-writes``)."""

    route: RouteEntry
    method: str | None
    target: str  # path and query as sent
    body: bytes | None = None


@dataclass(frozen=True)
class Answer:
    """What came back: a status and headers (names in lower case), or ``error``."""

    status: int | None = None
    headers: Mapping[str, str] | None = None
    body: bytes = b""
    error: str | None = None  # a transport failure, as one line
    timed_out: bool = False
    unreachable: bool = False  # no connection at all (refused, DNS, TLS)


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    reason: str
    request_id: str | None = None


def target_of(path: str) -> str:
    """The request path for an API Gateway route path: ``{name}`` and ``{proxy+}`` get
    the placeholder, literal segments are percent-encoded; ``$default`` gets a path no
    other route is likely to serve (``/cloudexit-smoke``)."""
    if path == "$default":
        return "/" + PLACEHOLDER
    segments = [s for s in path.split("/") if s]
    filled = [
        PLACEHOLDER if s.startswith("{") and s.endswith("}") else quote(s, safe=_SEGMENT_SAFE)
        for s in segments
    ]
    return "/" + "/".join(filled)


def probe_for(route: RouteEntry, allow_writes: bool) -> Probe:
    method = route.method.upper()
    target = target_of(route.path)
    if route.path == "$default" or method in READ_AS_GET:
        return Probe(route, "GET", target)
    if method in SAFE_METHODS:
        return Probe(route, method, target)
    if allow_writes:
        return Probe(route, method, target, b"{}")
    return Probe(route, None, target)


def request_id(headers: Mapping[str, str]) -> str | None:
    for name in REQUEST_ID_HEADERS:
        if name in headers:
            return headers[name]
    return None


def is_shim_error(status: int, headers: Mapping[str, str], body: bytes) -> bool:
    """The shim's own 502/504 for a route's function: a REST API's carries
    ``x-amzn-ErrorType``; an HTTP API's is known by its body."""
    if status not in SHIM_ERRORS:
        return False
    if ERROR_TYPE_HEADER in headers:
        return True
    try:
        return bool(json.loads(body) == SHIM_ERRORS[status])
    except ValueError:
        return False


def judge(probe: Probe, answer: Answer | None, timeout: float) -> Outcome:
    """The verdict on one route (``answer`` None: not sent)."""
    if probe.method is None or answer is None:
        return Outcome("not-probed", f"not probed (write: {probe.route.method}; --allow-writes)")
    if answer.error is not None or answer.status is None:
        if answer.timed_out:
            return Outcome("fail", f"no answer within {timeout:g} s")
        return Outcome("fail", f"no answer: {answer.error}")
    status, headers = answer.status, answer.headers or {}
    found = request_id(headers)
    if found is not None:
        if is_shim_error(status, headers, answer.body):
            what = "timed out" if status == 504 else "failed (an error or a malformed result)"
            return Outcome("fail", f"the function {what}: the shim answered {status}", found)
        return Outcome("pass", f"the function answered {status}", found)
    if status == 404:
        return Outcome("fail", "404 without a request id: the edge routed nothing to the function")
    if status in EDGE_FAILURES:
        return Outcome("fail", f"{status} from the edge: the function's service is unreachable")
    return Outcome("fail", f"{status} without a request id: the function was not reached")
