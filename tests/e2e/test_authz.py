"""API Gateway's protections enforced at the edge (issue 13), through the real Traefik, the
generated shims and the generated gateway-auth service: tests/e2e/fixtures/authz."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e import authz_stack as authz
from tests.e2e import stack as e2e

pytestmark = [pytest.mark.e2e, pytest.mark.servers]
UNAUTHORIZED = {"message": "Unauthorized"}
FORBIDDEN = {"message": "Forbidden"}


@pytest.fixture(scope="module")
def signer() -> authz.Signer:
    return authz.Signer()


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, signer: authz.Signer
) -> Iterator[tuple[e2e.Stack, authz.StandIns]]:
    with authz.running(tmp_path_factory.mktemp("authz"), signer) as found:
        yield found


@pytest.fixture
def edge(stack: tuple[e2e.Stack, authz.StandIns]) -> e2e.Stack:
    return stack[0]


def bearer(token: str) -> list[tuple[str, str]]:
    return [("Authorization", f"Bearer {token}")]


def event_of(resp: Any) -> dict[str, Any]:
    assert resp.status == 200, (resp.status, resp.body)
    event: dict[str, Any] = resp.json()
    return event


def test_jwt_missing_bad_wrong_expired_unscoped(edge: e2e.Stack, signer: authz.Signer) -> None:
    assert edge.request("GET", "/me").status == 401
    assert edge.request("GET", "/me").json() == UNAUTHORIZED
    other = authz.Signer("k1")  # same kid, another key: the signature does not verify
    cases = {
        "bad signature": other.token(),
        "wrong audience": signer.token(azp="someone-else"),
        "wrong issuer": signer.token(iss="https://evil.test/auth/realms/shop-users"),
        "expired": signer.token(exp=1_000_000_000),
        "not yet valid": signer.token(nbf=4_000_000_000),
        "garbage": "a.b.c",
    }
    for name, token in cases.items():
        resp = edge.request("GET", "/me", bearer(token))
        assert (resp.status, resp.json()) == (401, UNAUTHORIZED), name
    unscoped = edge.request("GET", "/me", bearer(signer.token(scope="openid email")))
    assert (unscoped.status, unscoped.json()) == (403, FORBIDDEN)


def test_valid_jwt_reaches_the_handler_with_its_claims(
    edge: e2e.Stack, signer: authz.Signer
) -> None:
    event = event_of(edge.request("GET", "/me", bearer(signer.token(sub="alice"))))
    jwt = event["requestContext"]["authorizer"]["jwt"]
    assert jwt["claims"]["sub"] == "alice" and jwt["claims"]["iss"] == authz.ISSUER
    assert "profile" in jwt["scopes"]
    assert "x-cloudexit-authorizer" not in event["headers"]


def test_cognito_authorizer_v1_claims_and_scopes(edge: e2e.Stack, signer: authz.Signer) -> None:
    assert edge.request("GET", "/live/orders").status == 401
    denied = edge.request("GET", "/live/orders", bearer(signer.token(scope="openid")))
    assert denied.status == 403
    event = event_of(edge.request("GET", "/live/orders", bearer(signer.token(sub="bob"))))
    assert event["requestContext"]["authorizer"]["claims"]["sub"] == "bob"
    assert event["path"] == "/orders" and event["requestContext"]["path"] == "/live/orders"


def test_forged_internal_headers_are_stripped(edge: e2e.Stack) -> None:
    forged = base64.urlsafe_b64encode(json.dumps({"jwt": {"claims": {"sub": "root"}}}).encode())
    headers = [
        ("X-Cloudexit-Authorizer", forged.decode()),
        ("X-Cloudexit-Route", "shop-get-health"),
    ]
    # a public route: the shim must not see the client's copy
    event = event_of(edge.request("GET", "/anything", headers))
    assert "authorizer" not in event["requestContext"]
    assert not any(k.startswith("x-cloudexit") for k in event["headers"])
    # a protected route: the forged header does not replace the token
    assert edge.request("GET", "/me", headers).status == 401


def test_lambda_token_authorizer_allow_deny_cached(
    stack: tuple[e2e.Stack, authz.StandIns],
) -> None:
    edge = stack[0]
    assert edge.request("GET", "/live/vip").status == 401  # no identity source: not invoked
    first = event_of(edge.request("GET", "/live/vip", [("Authorization", "allow-1")]))
    authorizer = first["requestContext"]["authorizer"]
    assert authorizer["principalId"] == "user-allow-1" and authorizer["tier"] == "gold"
    again = event_of(edge.request("GET", "/live/vip", [("Authorization", "allow-1")]))
    assert again["requestContext"]["authorizer"]["calls"] == authorizer["calls"]  # cached
    other = event_of(edge.request("GET", "/live/vip", [("Authorization", "allow-2")]))
    assert other["requestContext"]["authorizer"]["calls"] > authorizer["calls"]
    deny = edge.request("GET", "/live/vip", [("Authorization", "deny")])
    assert deny.status == 403 and "explicit deny" in deny.json()["message"]
    thrown = edge.request("GET", "/live/vip", [("Authorization", "nobody")])
    assert (thrown.status, thrown.json()) == (401, UNAUTHORIZED)


def test_lambda_request_authorizer_simple_responses(edge: e2e.Stack) -> None:
    assert edge.request("GET", "/door").status == 401
    assert edge.request("GET", "/door", [("X-Token", "wrong")]).status == 403
    event = event_of(edge.request("GET", "/door", [("X-Token", "open-sesame")]))
    assert event["requestContext"]["authorizer"] == {"lambda": {"route": "GET /door"}}


def test_api_key_missing_wrong_over_quota(edge: e2e.Stack) -> None:
    assert edge.request("GET", "/live/keyed").json() == FORBIDDEN
    assert edge.request("GET", "/live/keyed", [("x-api-key", "guess")]).status == 403
    key = [("x-api-key", authz.API_KEY)]
    assert [edge.request("GET", "/live/keyed", key).status for _ in range(3)] == [200] * 3
    over = edge.request("GET", "/live/keyed", key)
    assert (over.status, over.json()) == (429, {"message": "Limit Exceeded"})


def test_aws_iam_is_refused_and_an_ignore_opens_its_route(edge: e2e.Stack) -> None:
    refused = edge.request("GET", "/live/iam")
    assert (refused.status, refused.json()) == (403, FORBIDDEN)
    assert event_of(edge.request("GET", "/live/opened"))["resource"] == "/opened"


def test_preflight_allowed_and_foreign_origin(edge: e2e.Stack) -> None:
    ask = [("Access-Control-Request-Method", "GET")]
    allowed = edge.request("OPTIONS", "/me", [("Origin", "https://app.test"), *ask])
    assert allowed.status in (200, 204)
    assert allowed.all("Access-Control-Allow-Origin") == ["https://app.test"]
    foreign = edge.request("OPTIONS", "/me", [("Origin", "https://evil.test"), *ask])
    assert foreign.all("Access-Control-Allow-Origin") == []


def test_mock_and_http_proxy_are_answered(edge: e2e.Stack) -> None:
    mock = edge.request("GET", "/live/health")
    assert (mock.status, mock.json(), mock.all("X-Mock")) == (200, {"healthy": True}, ["yes"])
    proxied = edge.request("GET", "/live/legacy/a/b?x=1")
    assert proxied.status == 200 and proxied.json()["upstream"] == "/v0/a/b?x=1"


def test_keycloak_token_endpoint_beside_a_root_proxy(edge: e2e.Stack) -> None:
    path = f"/auth/realms/{authz.REALM}/protocol/openid-connect/token"
    resp = edge.request("POST", path, [("Content-Type", "application/x-www-form-urlencoded")], b"")
    assert resp.status == 200 and resp.json()["path"] == path
    assert event_of(edge.request("GET", "/auth-not-keycloak"))["rawPath"] == "/auth-not-keycloak"


def test_named_stage_paths(edge: e2e.Stack) -> None:
    assert edge.request("GET", "/live/opened").status == 200
    # without the stage the REST API's route does not exist: the HTTP API's root proxy answers
    assert event_of(edge.request("GET", "/opened"))["routeKey"] == "ANY /{proxy+}"


def test_event_headers_are_the_clients_plus_api_gateways(edge: e2e.Stack) -> None:
    event = event_of(edge.request("GET", "/live/opened", [("X-Custom", "1")]))
    names = {k.lower() for k in event["headers"]}
    assert {"x-custom", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-port"} <= names
    assert not names & {"x-forwarded-host", "x-forwarded-server", "x-real-ip"}
    # known difference: Go's HTTP transport in Traefik adds "Accept-Encoding: gzip" when
    # the client sent none (docs/AUTHORIZATION.md)
