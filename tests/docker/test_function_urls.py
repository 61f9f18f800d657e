"""Function URLs in the real Docker Engine (tests/docker/fixtures/function-urls, generated
by the CLI): through the Traefik container, a request to the URL's own host reaches the
function's container with the function URL event; AWS_IAM is refused at the edge; CORS
preflight is answered by the edge."""

from __future__ import annotations

import pytest

from tests.docker.checks import assert_all_up, assert_down_clean, assert_healthchecked
from tests.docker.stack import ComposeStack

pytestmark = pytest.mark.docker
EXAMPLE = "function-urls"
GENERATE: tuple[str, ...] = ()
ECHO = "url-echo.lambda-url.urls.example.org"
ADMIN = "url-admin.lambda-url.urls.example.org"
IMAGE = "url-image.lambda-url.urls.example.org"


def test_every_service_healthy(compose_stack: ComposeStack) -> None:
    assert_all_up(compose_stack, one_shot=set())
    assert_healthchecked(compose_stack, {"traefik", "gateway-auth", "url-echo", "url-admin"})


def test_the_url_host_reaches_the_function(compose_stack: ComposeStack) -> None:
    headers = {"Cookie": "c=1", "Content-Type": "application/json"}
    reply = compose_stack.request("POST", "/a/b?x=1", ECHO, b'{"n":1}', headers)
    assert reply.status == 201, reply
    event = reply.json()
    assert (event["routeKey"], event["rawPath"], event["rawQueryString"]) == (
        "$default",
        "/a/b",
        "x=1",
    )
    assert event["cookies"] == ["c=1"] and event["body"] == '{"n":1}'
    ctx = event["requestContext"]
    assert (ctx["domainName"], ctx["apiId"], ctx["http"]["method"]) == (ECHO, "url-echo", "POST")
    assert reply.headers["x-amzn-requestid"] == ctx["requestId"]
    assert reply.headers["set-cookie"] == "seen=1"


def test_aws_iam_is_refused_and_cors_preflight_answered(compose_stack: ComposeStack) -> None:
    refused = compose_stack.request("GET", "/", ADMIN)
    assert refused.status == 403 and refused.json() == {"message": "Forbidden"}
    asks = {"Origin": "https://app.example.org", "Access-Control-Request-Method": "POST"}
    preflight = compose_stack.request("OPTIONS", "/", ECHO, None, asks)
    assert preflight.status == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.org"
    foreign = compose_stack.request(
        "OPTIONS", "/", ECHO, None, {**asks, "Origin": "https://x.test"}
    )
    assert "access-control-allow-origin" not in foreign.headers


def test_an_image_function_is_built_from_its_own_dockerfile(compose_stack: ComposeStack) -> None:
    """docker_image's build context and Dockerfile, reused by compose; the image serves HTTP
    itself and has no shim health path, which the edge therefore does not ask."""
    reply = compose_stack.request("GET", "/hello", IMAGE)
    assert reply.status == 200, reply
    assert reply.json() == {"image": "own-dockerfile", "path": "/hello"}


def test_down_leaves_nothing(compose_stack: ComposeStack) -> None:
    assert_down_clean(compose_stack)
