"""The IR of API Gateway's front door beyond routing: who may call a route, and what
answers it when no function does.

Mappers record what AWS enforces (authorizers, API keys and usage plans, a route's
protection) and what a non-Lambda integration answers (MOCK, HTTP proxy); the targets
decide how the edge enforces it (the gateway-auth service behind Traefik's forwardAuth).
A route whose protection cannot be reproduced carries ``RouteAuth.denied``: the edge
refuses every request to it (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from cloudexit_ci.stack import Origin


@dataclass(frozen=True)
class JwtAuthorizer:
    """An HTTP API JWT authorizer or a REST Cognito user-pool authorizer.

    ``issuer`` is the ``iss`` a token must carry; ``discovery`` is where the edge
    fetches ``.well-known/openid-configuration`` (inside the stack for a realm of the
    stack's Keycloak; the issuer itself otherwise). ``client_claims``: the claims one of
    ``audiences`` must be in (``aud``/``client_id``; Keycloak's access tokens say ``azp``).
    """

    key: str
    issuer: str
    audiences: tuple[str, ...]
    identity_source: str = "$request.header.Authorization"
    discovery: str = ""
    client_claims: tuple[str, ...] = ("aud", "client_id")
    cognito: bool = False  # REST COGNITO_USER_POOLS: claims in requestContext.authorizer.claims
    origins: tuple[Origin, ...] = ()


@dataclass(frozen=True)
class LambdaAuthorizer:
    """A Lambda (REST ``TOKEN``/``REQUEST``, HTTP API ``REQUEST``) authorizer."""

    key: str
    function: str  # Function.key
    kind: Literal["TOKEN", "REQUEST"]
    payload: Literal["1.0", "2.0"]
    identity_sources: tuple[str, ...]  # "$request.header.Authorization", "method.request.…"
    ttl_s: int = 300
    simple_responses: bool = False
    validation: str = ""  # TOKEN: identity_validation_expression (a regex)
    origins: tuple[Origin, ...] = ()


Authorizer = JwtAuthorizer | LambdaAuthorizer


@dataclass(frozen=True)
class RouteAuth:
    """How one route is protected. ``denied``: why the edge refuses every request
    (protection that cannot be reproduced: AWS_IAM, an authorizer not in the stack…)."""

    authorizer: str = ""  # key of stack.authorizers, or ""
    scopes: tuple[str, ...] = ()
    api_key: bool = False
    denied: str = ""

    @property
    def protected(self) -> bool:
        return bool(self.authorizer or self.api_key or self.denied)


@dataclass(frozen=True)
class ApiKey:
    """A REST API key: its value is the ``.env`` variable ``env`` (never Terraform's)."""

    key: str
    env: str
    enabled: bool = True


@dataclass(frozen=True)
class UsagePlan:
    """Throttle (requests/s, burst) and quota (requests per DAY/WEEK/MONTH) per API key."""

    key: str
    stages: tuple[tuple[str, str], ...]  # (Api.key, stage)
    api_keys: tuple[str, ...]  # ApiKey.key
    rate_per_s: float | None = None
    burst: int | None = None
    quota: int | None = None
    quota_period: Literal["DAY", "WEEK", "MONTH"] = "DAY"
    origins: tuple[Origin, ...] = ()  # the plan and its key attachments


@dataclass(frozen=True)
class MockAnswer:
    """What a MOCK integration answers: status, headers and a static body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    origins: tuple[Origin, ...] = ()  # its integration and method responses


@dataclass(frozen=True)
class HttpProxy:
    """An HTTP/HTTP_PROXY integration: ``url`` may hold the route's ``{param}``s."""

    url: str


# --- what the edge does before routing, besides stack.RateLimit/Cors/SourceAllowList ---


@dataclass(frozen=True)
class ForwardAuth:
    """Ask ``url`` first: a 2xx lets the request on with the answer's ``copy`` headers;
    any other answer is the client's."""

    url: str
    copy: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestHeaders:
    """Request headers set to a value (``set``) or removed (``remove``) before routing."""

    set: tuple[tuple[str, str], ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class PathRewrite:
    """A path matching the API Gateway template ``template`` becomes ``target`` (the
    template's ``{param}``/``{proxy+}`` values substituted into ``target``'s ``{param}``)."""

    template: str
    target: str
