"""POST /__cloudexit/invoke/<function>: the raw-event contract used by the SQS poller
and the scheduler (raw event in, the handler's raw JSON result out; 502 on an
exception, 504 on timeout), and the Node shim's S3 path-style default."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from tests.runtime import harness
from tests.runtime.harness import Shim
from tests.servers import NODE_DIR

INVOKE = "/__cloudexit/invoke/"
JSON = [("Host", "shim:8080"), ("Content-Type", "application/json")]


def invoke(
    shim: Shim, name: str, event: object, headers: list[tuple[str, str]] = JSON
) -> harness.Response:
    return shim.request("POST", INVOKE + name, headers, json.dumps(event).encode())


def test_raw_event_in_raw_result_out(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    shim = shared_shims(runtime, "rest")
    event = {"Records": [{"messageId": "m1", "body": "hello"}]}
    resp = invoke(shim, "echo", event)
    assert resp.status == 200 and resp.all("content-type") == ["application/json"]
    result = resp.json()
    assert result["statusCode"] == 200  # the handler's own return value, not mapped to HTTP
    echoed = json.loads(result["body"])
    assert echoed["event"] == event
    assert echoed["context"]["functionName"] == "echo"
    assert len(echoed["context"]["awsRequestId"]) == 36
    # A non-object result comes back as JSON too.
    raw = {"body": json.dumps({"__raw": [1, "a"]}), "isBase64Encoded": False}
    assert invoke(shim, "respond", raw).json() == [1, "a"]


def test_exception_is_502_with_error_type(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    shim = shared_shims(runtime, "rest")
    resp = invoke(shim, "boom", {})
    assert resp.status == 502
    assert resp.all("x-amz-function-error") == ["Unhandled"]
    body = resp.json()
    assert body["errorType"] and "boom" in body["errorMessage"].lower()


def test_timeout_is_504_at_the_deadline(
    runtime: str, shared_shims: Callable[[str, str], Shim]
) -> None:
    shim = shared_shims(runtime, "rest")
    started = time.monotonic()
    resp = invoke(shim, "slow", {"queryStringParameters": {"sleepMs": "2500"}})
    elapsed = time.monotonic() - started
    assert resp.status == 504 and resp.json()["errorType"] == "TimeoutError"
    assert 0.9 < elapsed < 2.0, elapsed  # the function timeout is 1 s
    assert shim.request("GET", harness.HEALTH).status == 200  # still serving


@pytest.mark.parametrize(
    ("method", "name", "headers", "body", "status"),
    [
        ("POST", "no-such-function", JSON, b"{}", 404),
        ("GET", "echo", JSON, None, 405),
        ("POST", "echo", JSON, b"{not json", 400),
        ("POST", "echo", [*JSON, ("X-Forwarded-For", "203.0.113.9")], b"{}", 403),
    ],
)
def test_refusals(
    runtime: str,
    shared_shims: Callable[[str, str], Shim],
    method: str,
    name: str,
    headers: list[tuple[str, str]],
    body: bytes | None,
    status: int,
) -> None:
    shim = shared_shims(runtime, "rest")
    assert shim.request(method, INVOKE + name, headers, body).status == status


@pytest.mark.servers
@pytest.mark.skipif(harness.NODE is None, reason="node missing")
def test_node_s3_client_defaults_to_path_style(s3_endpoint: str, tmp_path: Path) -> None:
    """`new S3Client()` with a host-name endpoint: virtual-hosted style would ask for
    <bucket>.localhost, which does not resolve to SeaweedFS; path style works."""
    bucket = "cloudexit-path-style"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket=bucket
    )
    endpoint = s3_endpoint.replace("127.0.0.1", "localhost")
    fn = {"handler": "s3roundtrip.handler", "codeDir": "node", "timeout": 10, "memory": 256}
    config = {
        "api": {"id": "a", "kind": "rest", "stage": "prod", "binaryMediaTypes": []},
        "functions": {"s3": fn},
        "routes": [],
    }
    env = {
        "AWS_ENDPOINT_URL_S3": endpoint,
        "BUCKET_NAME": bucket,
        "NODE_PATH": str(NODE_DIR / "node_modules"),
    }
    path_style = {**env, "AWS_S3_FORCE_PATH_STYLE": "true"}
    with harness.start("node", config, tmp_path, path_style) as shim:
        for aggregated in (False, True):
            event = {"key": f"k-{aggregated}", "text": "hello", "aggregated": aggregated}
            resp = invoke(shim, "s3", event)
            assert resp.status == 200, resp.body
            assert resp.json() == {"text": "hello", "forcePathStyle": True}
    with harness.start("node", config, tmp_path, env) as shim:  # the SDK's own default
        resp = invoke(shim, "s3", {"key": "k", "text": "hello"})
        assert resp.status == 502, resp.body
