"""Lambda function URLs (issue 14) through the real Traefik, the generated shims (Python
and Node) and gateway-auth as local processes: tests/e2e/fixtures/urls. A URL is served
on its own host, ``<url-id>.lambda-url.<domain>``; the handler gets the payload 2.0 event
a function URL sends; AWS_IAM is refused at the edge; CORS as configured."""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e import authz_stack as authz
from tests.e2e import stack as e2e
from tests.runtime.harness import Response
from tests.servers import free_ports, traefik

pytestmark = [pytest.mark.e2e, pytest.mark.servers]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "urls"
DOMAIN = "shop.test"
ECHO = "url-echo.lambda-url.shop.test"
NODE = "url-node-echo.lambda-url.shop.test"
ADMIN = "url-admin.lambda-url.shop.test"
OPENED = "url-opened.lambda-url.shop.test"
ORIGIN = "https://app.example.com"


@contextlib.contextmanager
def running(tmp: Path, mode: str) -> Iterator[e2e.Stack]:
    out = tmp / "stack"
    compose = e2e.generate(FIXTURE, out, DOMAIN, "--serverless-mode", mode)
    functions = {
        name: svc
        for name, svc in compose["services"].items()
        if (svc.get("labels") or {}).get("cloudexit.role") == "function" and "build" in svc
    }
    ports = free_ports(len(functions) + 5)
    web, websecure, ping, api, auth_port = ports[-5:]
    endpoints = e2e.Endpoints(dynamodb="http://127.0.0.1:9", s3="http://127.0.0.1:9")
    with contextlib.ExitStack() as cm:
        logs: dict[str, Path] = {}
        processes: dict[str, subprocess.Popen[bytes]] = {}
        for (name, svc), port in zip(functions.items(), ports, strict=False):
            logs[name] = cm.enter_context(
                e2e.function_process(out, name, svc, endpoints, port, tmp, processes)
            )
        hosts = dict(zip(functions, ports, strict=False)) | {"gateway-auth": auth_port}
        logs["gateway-auth"] = cm.enter_context(authz.gateway_auth(out, tmp, auth_port, hosts))
        entry = {"web": web, "websecure": websecure, "ping": ping, "traefik": api}
        static = e2e.traefik_config(out, tmp, hosts, entry)
        authz.forward_auth_on_loopback(tmp / "dynamic", auth_port)
        api_url = cm.enter_context(traefik(static, api))
        stack = e2e.Stack(out, DOMAIN, compose, web, websecure, api_url, hosts, logs)
        stack.processes = processes
        expected = sum(
            len((yaml.safe_load(p.read_text()) or {}).get("http", {}).get("routers", {}))
            for p in (out / "traefik" / "dynamic").glob("*.yml")
        )
        e2e.wait_routers(stack, expected)
        yield stack


@pytest.fixture(scope="module", params=["containerized", "consolidated"])
def edge(tmp_path_factory: pytest.TempPathFactory, request: Any) -> Iterator[e2e.Stack]:
    """Each function in its container, or one process per runtime: the shim chooses a
    function URL by Host among the API routes and URLs of every function it runs."""
    with running(tmp_path_factory.mktemp("urls"), str(request.param)) as stack:
        yield stack


def call(
    edge: e2e.Stack,
    host: str,
    method: str,
    target: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes | None = None,
) -> Response:
    """One request to Traefik's websecure entry point with ``Host: host``."""
    conn = http.client.HTTPConnection("127.0.0.1", edge.websecure, timeout=20)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host)
        for name, value in headers or []:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return Response(resp.status, resp.getheaders(), resp.read())
    finally:
        conn.close()


def header(resp: Response, name: str) -> list[str]:
    return [v for k, v in resp.headers if k.lower() == name.lower()]


def logged(edge: e2e.Stack, function: str, marker: str) -> bool:
    """Whether the access log of the function's service names ``marker`` (logs are
    flushed every 20 ms)."""
    time.sleep(0.3)
    manifest = json.loads((edge.out / ".cloudexit" / "manifest.json").read_text())
    return marker in edge.function_log(manifest["functions"][function])


def test_a_request_reaches_the_handler_with_the_function_url_event(edge: e2e.Stack) -> None:
    body = b"\x00\xffbinary\x01"
    headers = [("Cookie", "a=1; b=two"), ("X-Custom", "one"), ("X-Custom", "two")]
    headers += [("Content-Type", "application/octet-stream"), ("User-Agent", "url-test/1")]
    resp = call(edge, ECHO, "POST", "/orders/7/a%20b?x=1&x=2&flag", headers, body)
    assert resp.status == 201, resp.body
    event: dict[str, Any] = resp.json()
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/orders/7/a%20b"
    assert event["rawQueryString"] == "x=1&x=2&flag"
    assert event["queryStringParameters"] == {"x": "1,2", "flag": ""}
    assert event["cookies"] == ["a=1", "b=two"]
    assert event["headers"]["x-custom"] == "one,two" and "cookie" not in event["headers"]
    assert event["headers"]["host"] == ECHO
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == body
    assert "pathParameters" not in event
    ctx = event["requestContext"]
    assert (ctx["apiId"], ctx["domainName"], ctx["domainPrefix"]) == ("url-echo", ECHO, "url-echo")
    assert (ctx["routeKey"], ctx["stage"]) == ("$default", "$default")
    http_ctx = ctx["http"]
    assert http_ctx["method"] == "POST" and http_ctx["path"] == "/orders/7/a%20b"
    assert http_ctx["sourceIp"] == "127.0.0.1" and http_ctx["userAgent"] == "url-test/1"
    # the answer maps back as payload 2.0: status, headers, each cookie its own Set-Cookie
    assert header(resp, "X-Echo") == ["python"]
    assert header(resp, "Set-Cookie") == ["seen=1; Path=/", "theme=dark"]
    assert header(resp, "x-amzn-RequestId") == [ctx["requestId"]]
    assert header(resp, "apigw-requestid") == []


def test_a_text_body_is_not_base64_and_the_root_path_is_slash(edge: e2e.Stack) -> None:
    payload = json.dumps({"name": "ada"}).encode()
    resp = call(edge, ECHO, "PUT", "/", [("Content-Type", "application/json")], payload)
    event = resp.json()
    assert (event["rawPath"], event["rawQueryString"]) == ("/", "")
    assert event["isBase64Encoded"] is False and event["body"] == payload.decode()
    assert "queryStringParameters" not in event and "cookies" not in event
    assert event["requestContext"]["http"]["method"] == "PUT"


def test_the_same_function_behind_an_api_route_gets_the_apis_event(edge: e2e.Stack) -> None:
    resp = call(edge, DOMAIN, "GET", "/echo?q=1")
    assert resp.status == 201, resp.body
    ctx = resp.json()["requestContext"]
    assert (ctx["apiId"], ctx["domainName"], ctx["routeKey"]) == ("urls-api", DOMAIN, "GET /echo")
    assert header(resp, "apigw-requestid") == [ctx["requestId"]]
    # the URL host serves the URL only: the API's path there is the function URL's too
    assert call(edge, ECHO, "GET", "/echo").json()["routeKey"] == "$default"


def test_a_node_function_url_and_a_result_without_status_code(edge: e2e.Stack) -> None:
    resp = call(edge, NODE, "GET", "/deep/path?k=v", [("Cookie", "c=3")])
    assert resp.status == 200 and header(resp, "Content-Type") == ["application/json"]
    found = resp.json()
    assert found["runtime"] == "node"
    event = found["event"]
    assert (event["routeKey"], event["rawPath"], event["rawQueryString"]) == (
        "$default",
        "/deep/path",
        "k=v",
    )
    assert event["cookies"] == ["c=3"]
    assert event["requestContext"]["domainName"] == NODE
    assert event["requestContext"]["apiId"] == "url-node-echo"
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert header(resp, "x-amzn-RequestId") == [event["requestContext"]["requestId"]]


def test_an_aws_iam_url_is_refused_at_the_edge(edge: e2e.Stack) -> None:
    marker = f"/never-{uuid.uuid4().hex}"
    for method in ("GET", "POST"):
        resp = call(edge, ADMIN, method, marker, [("Authorization", "AWS4-HMAC-SHA256 forged")])
        assert resp.status == 403 and resp.json() == {"message": "Forbidden"}
    assert not logged(edge, "url-admin", marker)
    # the same Terraform with `cloudexit:ignore public` is served
    opened = call(edge, OPENED, "GET", marker)
    assert opened.status == 201 and opened.json()["requestContext"]["domainName"] == OPENED
    assert logged(edge, "url-opened", marker)


def test_cors_preflight_from_an_allowed_and_a_foreign_origin(edge: e2e.Stack) -> None:
    marker = f"/preflight-{uuid.uuid4().hex}"
    asks = [("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type")]  # fmt: skip
    allowed = call(edge, ECHO, "OPTIONS", marker, [("Origin", ORIGIN), *asks])
    assert allowed.status == 200
    assert header(allowed, "Access-Control-Allow-Origin") == [ORIGIN]
    assert header(allowed, "Access-Control-Allow-Methods") == ["GET,POST"]
    assert header(allowed, "Access-Control-Allow-Headers") == ["content-type,x-trace"]
    assert header(allowed, "Access-Control-Allow-Credentials") == ["true"]
    assert header(allowed, "Access-Control-Max-Age") == ["600"]
    foreign = call(edge, ECHO, "OPTIONS", marker, [("Origin", "https://evil.example"), *asks])
    assert header(foreign, "Access-Control-Allow-Origin") == []
    assert not logged(edge, "url-echo", marker)  # the edge answered both
    simple = call(edge, ECHO, "GET", "/", [("Origin", ORIGIN)])
    assert simple.status == 201
    assert header(simple, "Access-Control-Allow-Origin") == [ORIGIN]
    assert header(simple, "Access-Control-Expose-Headers") == ["x-echo"]
    no_cors = call(edge, NODE, "GET", "/", [("Origin", ORIGIN)])  # a URL without a cors block
    assert header(no_cors, "Access-Control-Allow-Origin") == []
