"""Fail closed (issue 13): no route AWS protects becomes a public router. Refused routes
reach nothing and are blocking; only `cloudexit:ignore public` with a reason opens one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudexit_ci.render import traefik
from cloudexit_ci.stack import Stack
from tests.mappers.helpers import stack_of

BASE = """
resource "aws_lambda_function" "f" {
  function_name = "f"
  filename      = "f.zip"
  handler       = "app.handler"
  runtime       = "python3.12"
}
resource "aws_lambda_function" "auth" {
  function_name = "auth"
  filename      = "f.zip"
  handler       = "app.auth"
  runtime       = "python3.12"
}
resource "aws_apigatewayv2_api" "api" {
  name          = "api"
  protocol_type = "HTTP"
}
resource "aws_apigatewayv2_integration" "f" {
  api_id                 = aws_apigatewayv2_api.api.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.f.invoke_arn
  payload_format_version = "2.0"
}
resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id           = aws_apigatewayv2_api.api.id
  name             = "jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  jwt_configuration {
    issuer   = "https://issuer.example.com"
    audience = ["client-1"]
  }
}
resource "aws_apigatewayv2_authorizer" "lambda" {
  api_id          = aws_apigatewayv2_api.api.id
  name            = "lambda"
  authorizer_type = "REQUEST"
  authorizer_uri  = aws_lambda_function.auth.invoke_arn
  identity_sources = ["$request.header.X-Key"]
}
resource "aws_apigatewayv2_authorizer" "gone" {
  api_id          = aws_apigatewayv2_api.api.id
  name            = "gone"
  authorizer_type = "REQUEST"
  authorizer_uri  = "arn:aws:lambda:eu-west-1:1:function:elsewhere"
}
"""


def route(name: str, key: str, auth: str, extra: str = "", comment: str = "") -> str:
    return f"""
resource "aws_apigatewayv2_route" "{name}" {{
  {comment}
  api_id             = aws_apigatewayv2_api.api.id
  route_key          = "{key}"
  target             = "integrations/${{aws_apigatewayv2_integration.f.id}}"
  authorization_type = "{auth}"
  {extra}
}}
"""


ROUTES = "".join(
    [
        route("public", "GET /public", "NONE"),
        route("jwt", "GET /jwt", "JWT", "authorizer_id = aws_apigatewayv2_authorizer.jwt.id"),
        route("fn", "GET /fn", "CUSTOM", "authorizer_id = aws_apigatewayv2_authorizer.lambda.id"),
        route("iam", "GET /iam", "AWS_IAM"),
        route("gone", "GET /gone", "CUSTOM", "authorizer_id = aws_apigatewayv2_authorizer.gone.id"),
        route("hushed", "GET /hushed", "AWS_IAM", comment='# cloudexit:ignore reason="known"'),
        route(
            "opened",
            "GET /opened",
            "AWS_IAM",
            comment='# cloudexit:ignore public reason="VPN only"',
        ),
        route(
            "late",
            "GET /late",
            "AWS_IAM",
            comment='# cloudexit:ignore public reason="x" until=2001-01-01',
        ),
    ]
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    return stack_of(tmp_path_factory.mktemp("authz"), BASE + ROUTES)


def routers(stack: Stack) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for document, _ in traefik.dynamic_files(stack).values():
        found |= document["http"].get("routers", {})
    middlewares: dict[str, Any] = {}
    for document, _ in traefik.dynamic_files(stack).values():
        middlewares |= document["http"].get("middlewares", {})
    return {
        name: (r, [middlewares[m] for m in r.get("middlewares", [])]) for name, r in found.items()
    }


def coverage(stack: Stack, address: str) -> tuple[str, bool, str]:
    entry = next(c for c in stack.coverage if c.origin.address == address)
    return entry.status, entry.blocking, entry.reason + " " + " ".join(entry.lost)


def test_enforced_routes_ask_gateway_auth_first(stack: Stack) -> None:
    found = routers(stack)
    for name in ("api-get-jwt", "api-get-fn"):
        router, policies = found[name]
        auth = [p for p in policies if "forwardAuth" in p]
        assert auth and auth[0]["forwardAuth"]["address"].endswith(f"/auth/{name}")
        assert router["service"] != "noop@internal"
        first = policies[0]["headers"]["customRequestHeaders"]
        assert first["X-Cloudexit-Authorizer"] == ""  # the client's copy is dropped first
    assert coverage(stack, "aws_apigatewayv2_route.jwt")[0] == "mapped"


@pytest.mark.parametrize("name", ["iam", "gone", "hushed", "late"])
def test_unreproducible_protection_is_refused_and_blocking(stack: Stack, name: str) -> None:
    router, policies = routers(stack)[f"api-get-{name}"]
    assert router["service"] == "noop@internal"
    assert any("forwardAuth" in p for p in policies)
    status, blocking, reason = coverage(stack, f"aws_apigatewayv2_route.{name}")
    assert (status, blocking) == ("unmapped", True)
    assert "cloudexit:ignore public" in reason


def test_an_ignore_with_public_opens_the_route(stack: Stack) -> None:
    router, policies = routers(stack)["api-get-opened"]
    assert router["service"] == "f" and not any("forwardAuth" in p for p in policies)
    status, blocking, reason = coverage(stack, "aws_apigatewayv2_route.opened")
    assert (status, blocking) == ("partial", False) and "VPN only" in reason


def test_no_protected_route_is_public(stack: Stack) -> None:
    found = routers(stack)
    for name, (_, policies) in found.items():
        if name in ("api-get-public", "api-get-opened"):
            continue
        assert any("forwardAuth" in p for p in policies), name


def test_gateway_auth_config(stack: Stack) -> None:
    config = stack.extra_files["gateway-auth/config.json"].data
    assert config["authorizers"]["jwt"]["issuer"] == "https://issuer.example.com"
    assert config["authorizers"]["lambda"]["invoke"] == "http://auth:8080/__cloudexit/invoke/auth"
    assert config["routes"]["api-get-iam"]["denied"].startswith("AWS_IAM")
    assert "gateway-auth" in stack.services and "auth" in stack.services
    # the edge (frontend only) must reach it, and it must reach the authorizer's container
    networks = set(stack.services["gateway-auth"].networks)
    assert set(stack.services["traefik"].networks) & networks
    assert set(stack.services["auth"].networks) & networks


def test_unserved_path(tmp_path: Path) -> None:
    """Without the route resources nothing is routed, and nothing is public."""
    stack = stack_of(tmp_path, BASE)
    assert not any(r.get("service") for r, _ in routers(stack).values())


def test_an_authorizer_no_served_route_uses_protects_nothing(tmp_path: Path) -> None:
    """Its routes reach no function (not converted): nothing is open, nothing enforces it."""
    unused = BASE + route(
        "jwt", "GET /jwt", "JWT", "authorizer_id = aws_apigatewayv2_authorizer.jwt.id"
    )
    unused = unused.replace(
        "aws_lambda_function.f.invoke_arn", '"arn:aws:lambda:eu-west-1:1:function:x"'
    )
    stack = stack_of(tmp_path, unused)
    status, blocking, reason = coverage(stack, "aws_apigatewayv2_authorizer.jwt")
    assert (status, blocking) == ("not-needed", False) and "no route served" in reason
    assert not any(a.origins[0].address.endswith(".jwt") for a in stack.authorizers.values())
    assert coverage(stack, "aws_apigatewayv2_authorizer.lambda")[0] == "not-needed"


def test_an_authorizer_a_served_route_uses_stays_mapped(stack: Stack) -> None:
    assert coverage(stack, "aws_apigatewayv2_authorizer.jwt")[0] == "mapped"
    assert coverage(stack, "aws_apigatewayv2_authorizer.lambda")[0] == "mapped"
