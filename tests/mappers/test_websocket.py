"""WebSocket APIs (issue 17): what the websocket gateway serves, how it is reached, and
honest statuses (mapped only when served; authorization on a route is refused unless
`cloudexit:ignore public` opens it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cloudexit_ci import yamlio
from cloudexit_ci.render import compose, traefik
from cloudexit_ci.render.extras import extra_files
from cloudexit_ci.stack import Stack
from tests.mappers.helpers import stack_of

FUNCTION = """
resource "aws_lambda_function" "{name}" {{
  function_name = "{name}"
  filename      = "fn.zip"
  handler       = "app.handler"
  runtime       = "python3.12"
  timeout       = 7
}}
"""

API = """
resource "aws_apigatewayv2_api" "{name}" {{
  name                       = "{name}"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = "$request.body.type"
}}
resource "aws_apigatewayv2_integration" "{name}" {{
  api_id           = aws_apigatewayv2_api.{name}.id
  integration_type = "AWS_PROXY"
  integration_uri  = {uri}
}}
resource "aws_apigatewayv2_stage" "{name}" {{
  api_id = aws_apigatewayv2_api.{name}.id
  name   = "{stage}"
}}
"""


def route(api: str, name: str, key: str, extra: str = "", comment: str = "") -> str:
    return f"""
resource "aws_apigatewayv2_route" "{name}" {{
  {comment}
  api_id    = aws_apigatewayv2_api.{api}.id
  route_key = "{key}"
  target    = "integrations/${{aws_apigatewayv2_integration.{api}.id}}"
  {extra}
}}
"""


IMAGE_FUNCTION = """
resource "aws_lambda_function" "boxed" {
  function_name = "boxed"
  package_type  = "Image"
  image_uri     = "registry.example.com/boxed:1.0"
}
"""

CHAT = (
    FUNCTION.format(name="chat")
    + IMAGE_FUNCTION
    + API.format(name="chat", uri="aws_lambda_function.chat.invoke_arn", stage="prod")
    + route("chat", "connect", "$connect")
    + route("chat", "disconnect", "$disconnect")
    + route("chat", "send", "send")
    + route("chat", "ask", "ask", 'route_response_selection_expression = "$default"')
    + """
resource "aws_apigatewayv2_route_response" "ask" {
  api_id             = aws_apigatewayv2_api.chat.id
  route_id           = aws_apigatewayv2_route.ask.id
  route_response_key = "$default"
}
"""
    + API.format(name="orphan", uri='"arn:aws:lambda:us-east-1:1:function:elsewhere"', stage="x")
    + route("orphan", "orphan_default", "$default")
    + API.format(name="locked", uri="aws_lambda_function.chat.invoke_arn", stage="locked")
    + route("locked", "locked_connect", "$connect", 'authorization_type = "AWS_IAM"')
    + FUNCTION.format(name="gatekeeper")
    + API.format(name="guarded", uri="aws_lambda_function.chat.invoke_arn", stage="guarded")
    + """
resource "aws_apigatewayv2_authorizer" "gate" {
  api_id           = aws_apigatewayv2_api.guarded.id
  authorizer_type  = "REQUEST"
  authorizer_uri   = aws_lambda_function.gatekeeper.invoke_arn
  identity_sources = ["route.request.querystring.token", "route.request.header.Auth"]
  name             = "gate"
}
"""
    + route(
        "guarded",
        "guarded_connect",
        "$connect",
        'authorization_type = "CUSTOM"\n  authorizer_id = aws_apigatewayv2_authorizer.gate.id',
    )
    + API.format(name="opened", uri="aws_lambda_function.chat.invoke_arn", stage="open")
    + route(
        "opened",
        "opened_connect",
        "$connect",
        'authorization_type = "AWS_IAM"',
        '# cloudexit:ignore public reason="clients sign nothing behind the VPN"',
    )
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    return stack_of(tmp_path_factory.mktemp("ws"), CHAT)


def entry(stack: Stack, address: str) -> tuple[str, bool, str]:
    found = next(c for c in stack.coverage if c.origin.address == address)
    return found.status, found.blocking, found.reason + " " + " ".join(found.lost)


def config(stack: Stack) -> dict[str, Any]:
    data, _ = extra_files(stack, "header")["websocket/config.json"]
    found: dict[str, Any] = json.loads(data)
    return found


def test_served_api_routes_and_stage_are_mapped(stack: Stack) -> None:
    for address in (
        "aws_apigatewayv2_api.chat",
        "aws_apigatewayv2_integration.chat",
        "aws_apigatewayv2_route.connect",
        "aws_apigatewayv2_route.send",
        "aws_apigatewayv2_route_response.ask",
        "aws_apigatewayv2_stage.chat",
    ):
        assert entry(stack, address)[0] == "mapped", address


def test_gateway_config_routes_to_the_invoke_endpoint(stack: Stack) -> None:
    apis = {a["key"]: a for a in config(stack)["apis"]}
    chat = apis["chat"]
    assert (chat["path"], chat["stage"], chat["selection"]) == (
        "/prod",
        "prod",
        "$request.body.type",
    )
    assert sorted(chat["routes"]) == ["$connect", "$disconnect", "ask", "send"]
    send = chat["routes"]["send"]
    assert send["endpoint"] == "http://chat:8080/__cloudexit/invoke/chat"
    assert send["timeout"] == 12 and send["twoWay"] is False
    assert chat["routes"]["ask"]["twoWay"] is True
    assert config(stack)["domainName"] == "websocket:8443"
    assert "orphan" not in apis


def test_an_api_whose_routes_reach_no_function_is_unmapped(stack: Stack) -> None:
    assert entry(stack, "aws_apigatewayv2_api.orphan")[:2] == ("unmapped", True)
    assert entry(stack, "aws_apigatewayv2_route.orphan_default")[:2] == ("unmapped", True)
    status, blocking, reason = entry(stack, "aws_apigatewayv2_stage.orphan")
    assert (status, blocking) == ("unmapped", False) and "not served" in reason  # nothing on it


def test_authorization_on_connect_is_refused_unless_opened(stack: Stack) -> None:
    status, blocking, reason = entry(stack, "aws_apigatewayv2_route.locked_connect")
    assert (status, blocking) == ("unmapped", True) and "cloudexit:ignore public" in reason
    assert entry(stack, "aws_apigatewayv2_api.locked")[:2] == ("unmapped", True)
    for part in ("aws_apigatewayv2_stage.locked", "aws_apigatewayv2_integration.locked"):
        assert entry(stack, part)[:2] == ("unmapped", False), part  # nothing reaches them
    apis = {a["key"]: a for a in config(stack)["apis"]}
    assert apis["locked"]["routes"]["$connect"]["denied"]  # the gateway answers 403
    status, blocking, reason = entry(stack, "aws_apigatewayv2_route.opened_connect")
    assert (status, blocking) == ("partial", False) and "behind the VPN" in reason
    assert apis["opened"]["routes"]["$connect"]["denied"] == ""


def test_traefik_routes_the_stage_paths_to_the_gateway(stack: Stack) -> None:
    document, _ = traefik.dynamic_files(stack)["websocket"]
    router = document["http"]["routers"]["websocket"]
    assert "Path(`/prod`)" in router["rule"] and "Method(`GET`)" in router["rule"]
    assert "Host(`app.example.com`)" in router["rule"]
    servers = document["http"]["services"]["websocket"]["loadBalancer"]["servers"]
    assert servers == [{"url": "http://websocket:8080"}]


def test_functions_reach_and_trust_the_connections_api(stack: Stack) -> None:
    services = compose.compose_document(stack)["services"]
    gateway, chat = services["websocket"], services["chat"]
    assert gateway["build"]["context"] == "websocket" and "ports" not in gateway
    assert set(gateway["networks"]) == {"frontend", "backend"}  # Traefik reaches it
    assert "websocket-tls:/etc/cloudexit/websocket-tls:ro" in chat["volumes"]
    assert chat["depends_on"]["websocket"]["condition"] == "service_healthy"
    env = chat["environment"]
    assert env["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"] == "http://websocket:9914"
    assert env["AWS_CA_BUNDLE"] == "/etc/cloudexit/websocket-tls/bundle.pem"
    boxed = services["boxed"]  # an image function gets AWS_CA_BUNDLE too: the file must exist
    assert "websocket-tls:/etc/cloudexit/websocket-tls:ro" in boxed["volumes"]
    dockerfile, _ = extra_files(stack, "header")["websocket/Dockerfile"]
    assert b"websockets==15.0.1" in dockerfile


def test_no_websocket_api_no_gateway(tmp_path: Path) -> None:
    found = stack_of(tmp_path, FUNCTION.format(name="solo"))
    assert "websocket" not in found.services
    assert "volumes" not in compose.compose_document(found)["services"]["solo"]
    assert yamlio.dump(compose.compose_document(found)).count("websocket") == 0


def test_a_lambda_request_authorizer_on_connect_runs_in_the_gateway(stack: Stack) -> None:
    apis = {a["key"]: a for a in config(stack)["apis"]}
    connect = apis["guarded"]["routes"]["$connect"]
    assert connect["denied"] == ""
    assert connect["authorizer"] == {
        "endpoint": "http://gatekeeper:8080/__cloudexit/invoke/gatekeeper",
        "timeout": 12,
        "identitySources": ["querystring.token", "header.Auth"],
    }
    assert entry(stack, "aws_apigatewayv2_route.guarded_connect")[0] == "mapped"
    assert entry(stack, "aws_apigatewayv2_api.guarded")[0] == "mapped"
    status, _, reason = entry(stack, "aws_apigatewayv2_authorizer.gate")
    assert status == "mapped" and "websocket gateway" in reason
    assert config(stack)["region"] == "us-east-1" and config(stack)["account"]
