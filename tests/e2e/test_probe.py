"""The event contract through the generated Traefik config, on both shims: repeated
query keys, duplicate headers, cookies, fresh request ids and ms epochs, concurrency,
an exception (502) and a timeout (504). Functions: tests/e2e/fixtures/probe."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import stack as e2e
from tests.e2e.conftest import NODE_MISSING

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.servers,
    pytest.mark.skipif(NODE_MISSING, reason="node missing"),
]
PROBE = Path(__file__).resolve().parent / "fixtures" / "probe"
RUNTIMES = ["node", "py"]


@pytest.fixture(scope="module")
def probe(
    tmp_path_factory: pytest.TempPathFactory, endpoints: e2e.Endpoints
) -> Iterator[e2e.Stack]:
    tmp = tmp_path_factory.mktemp("probe")
    with e2e.running(PROBE, tmp, endpoints, "probe.test") as stack:
        yield stack


def echo(stack: e2e.Stack, target: str, headers: list[tuple[str, str]] | None = None) -> Any:
    resp = stack.request("GET", target, headers)
    assert resp.status == 200, resp.body
    return resp.json()


@pytest.mark.parametrize("rt", RUNTIMES)
def test_query_headers_cookies(probe: e2e.Stack, rt: str) -> None:
    headers = [
        ("X-Dup", "one"),
        ("X-Dup", "two"),
        ("Cookie", "session=abc; theme=dark"),
        ("Cookie", "lang=en"),
        ("User-Agent", "e2e-probe/1.0"),
    ]
    out = echo(probe, f"/{rt}/echo/it%20em?a=1&a=2&b=x%20y&empty=", headers)
    event = out["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == f"GET /{rt}/echo/{{id}}"
    assert event["rawPath"] == f"/{rt}/echo/it%20em"
    assert event["pathParameters"] == {"id": "it em"}
    assert event["rawQueryString"] == "a=1&a=2&b=x%20y&empty="
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y", "empty": ""}
    assert event["headers"]["x-dup"] == "one,two"
    assert event["headers"]["host"] == "probe.test"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["session=abc", "theme=dark", "lang=en"]
    http = event["requestContext"]["http"]
    assert http["method"] == "GET" and http["userAgent"] == "e2e-probe/1.0"
    assert http["sourceIp"] == "127.0.0.1"  # X-Forwarded-For set by Traefik
    assert event["requestContext"]["domainName"] == "probe.test"
    assert "x-forwarded-for" in event["headers"]


@pytest.mark.parametrize("rt", RUNTIMES)
def test_hundred_sequential_requests_fresh_ids_ms_epochs(probe: e2e.Stack, rt: str) -> None:
    ids, aws_ids = set(), set()
    for i in range(100):
        before = int(time.time() * 1000)
        ctx = echo(probe, f"/{rt}/echo/{i}")["event"]["requestContext"]
        after = int(time.time() * 1000)
        assert before - 5 <= ctx["timeEpoch"] <= after + 5  # milliseconds, per request
        ids.add(ctx["requestId"])
    assert len(ids) == 100
    for i in range(20):
        aws_ids.add(echo(probe, f"/{rt}/echo/{i}")["mine"]["awsRequestId"])
    assert len(aws_ids) == 20


@pytest.mark.parametrize("rt", RUNTIMES)
def test_two_concurrent_slow_requests_to_one_instance(probe: e2e.Stack, rt: str) -> None:
    def call(tag: str) -> Any:
        return echo(probe, f"/{rt}/echo/{tag}?sleepMs=800")

    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(call, ["first", "second"])
    assert time.monotonic() - started < 1.5  # served together, not in series
    for tag, out in (("first", first), ("second", second)):
        assert out["event"]["pathParameters"] == {"id": tag}
        assert out["mine"]["requestId"] == out["event"]["requestContext"]["requestId"]
        assert 8000 < out["remaining"] <= 10000 - 700  # its own deadline
    assert first["mine"]["requestId"] != second["mine"]["requestId"]
    assert first["mine"]["awsRequestId"] != second["mine"]["awsRequestId"]
    # Module state is shared as in a warm Lambda; each call saw its own count.
    assert abs(first["invocations"] - second["invocations"]) == 1
    assert probe.request("GET", "/__cloudexit/health").status == 404  # not routed


@pytest.mark.parametrize("rt", RUNTIMES)
def test_exception_is_502(probe: e2e.Stack, rt: str) -> None:
    resp = probe.request("GET", f"/{rt}/boom")
    assert resp.status == 502 and resp.json() == {"message": "Internal server error"}
    assert "probe failure" in probe.function_log(f"probe-{rt}-boom")


@pytest.mark.parametrize("rt", RUNTIMES)
def test_timeout_is_504_after_one_second(probe: e2e.Stack, rt: str) -> None:
    started = time.monotonic()
    resp = probe.request("GET", f"/{rt}/slow")
    elapsed = time.monotonic() - started
    assert resp.status == 504 and resp.json() == {"message": "Endpoint request timed out"}
    assert 0.9 < elapsed < 2.0, elapsed
    assert "Task timed out after 1.00 seconds" in probe.function_log(f"probe-{rt}-slow")
    # The instance keeps serving after a timeout.
    assert probe.request("GET", f"/{rt}/slow").status == 504
