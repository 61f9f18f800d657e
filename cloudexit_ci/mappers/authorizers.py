"""API Gateway authorizers (REST and HTTP API) → ``stack.authorizers``, and the one place
that decides how a method or route is protected (``route_auth``): fail closed.

A JWT or Cognito authorizer keeps its issuer (a user pool mapped to Keycloak in the
same stack becomes the realm's issuer); a Lambda authorizer runs its function unchanged.
What cannot be reproduced (``AWS_IAM``, an authorizer whose function, issuer or pool is
not known) denies every request at the edge with a blocking finding. Only an explicit
``# cloudexit:ignore public reason="…"`` in the method's or route's block opens it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from cloudexit_ci.apiauth import Authorizer, JwtAuthorizer, LambdaAuthorizer, RouteAuth
from cloudexit_ci.ignores import public_opening
from cloudexit_ci.mappers.base import MapContext, cover, safe_name, unique_name
from cloudexit_ci.mappers.cognito import PATH, realms
from cloudexit_ci.mappers.routes import function_in
from cloudexit_ci.stack import Coverage, Origin
from cloudexit_ci.terraform.expressions import Computed, Interpolation
from cloudexit_ci.terraform.model import Resource, Values

KEYCLOAK_INTERNAL = "http://keycloak:8080"
HOW_TO_OPEN = (
    'to serve it without that protection, add `# cloudexit:ignore public reason="…"` '
    "inside this resource's block"
)


@dataclass
class _State:
    resources: dict[str, Resource] = field(default_factory=dict)  # by address
    keys: dict[str, str] = field(default_factory=dict)  # address -> Authorizer.key
    denied: dict[str, str] = field(default_factory=dict)  # address -> why not reproducible
    websocket: set[str] = field(default_factory=set)  # addresses the websocket gateway runs


def _state(ctx: MapContext) -> _State:
    state: _State = ctx.family("apigw.authorizers", _State)
    return state


def map_authorizer(resource: Resource, ctx: MapContext) -> Coverage:
    """aws_api_gateway_authorizer / aws_apigatewayv2_authorizer: resolved by ``finish``
    (functions and user pools are all known by then)."""
    _state(ctx).resources[resource.address] = resource
    return cover(resource, "mapped", "enforced at the edge by gateway-auth", service="gateway-auth")


def finish(ctx: MapContext) -> None:
    state = _state(ctx)
    for address, resource in sorted(state.resources.items()):
        found = _authorizer(ctx, resource)
        if isinstance(found, str):
            state.denied[address] = found
            why = f"{found}: every route it protects is refused at the edge (fail closed)"
            ctx.restate(resource.origin, "unmapped", why, blocking=True)
            continue
        ctx.stack.authorizers[found.key] = replace(found, origins=(resource.origin,))
        state.keys[address] = found.key


def unused(ctx: MapContext) -> None:
    """After the APIs' finishers: an authorizer that no served route uses protects
    nothing here (its routes reach no function, or none names it): not-needed."""
    used = {r.auth.authorizer for r in ctx.stack.routes if r.auth and r.auth.authorizer}
    for address, key in sorted(_state(ctx).keys.items()):
        if key not in used and address not in _state(ctx).websocket:
            resource = _state(ctx).resources[address]
            why = "no route served here uses it (the routes it protects are not converted)"
            ctx.restate(resource.origin, "not-needed", why, blocking=False)
            ctx.stack.authorizers.pop(key, None)


def websocket_lambda(ctx: MapContext, address: str) -> tuple[LambdaAuthorizer, Origin] | str:
    """The Lambda REQUEST authorizer at ``address`` for a WebSocket $connect (run by the
    websocket gateway, mappers/websocket.py), or why it cannot be reproduced."""
    state = _state(ctx)
    found = ctx.stack.authorizers.get(state.keys.get(address, ""))
    if address in state.denied:
        return state.denied[address]
    if not isinstance(found, LambdaAuthorizer) or found.kind != "REQUEST":
        return "its authorizer is not a Lambda REQUEST authorizer of this configuration"
    state.websocket.add(address)
    resource = state.resources[address]
    why = "enforced on $connect by the websocket gateway (Lambda REQUEST authorizer)"
    ctx.restate(resource.origin, "mapped", why, blocking=False)
    return found, resource.origin


def _authorizer(ctx: MapContext, resource: Resource) -> Authorizer | str:
    values = resource.values
    name = values.string("name") or resource.name
    key = unique_name(safe_name(name, "authorizer"), ctx.stack.authorizers)
    kind = (values.string("authorizer_type") or values.string("type") or "TOKEN").upper()
    if kind in ("JWT", "COGNITO_USER_POOLS"):
        return _jwt(ctx, resource, key, kind == "COGNITO_USER_POOLS")
    function = function_in(ctx, values, "authorizer_uri")
    if function is None:
        return f"Lambda authorizer `{name}`: its function is not in this configuration"
    rest = resource.type == "aws_api_gateway_authorizer"
    sources = _identity_sources(values, rest, kind)
    payload = "1.0" if rest else values.string("authorizer_payload_format_version", "1.0")
    return LambdaAuthorizer(
        key=key,
        function=function,
        kind="TOKEN" if kind == "TOKEN" else "REQUEST",
        payload="2.0" if payload == "2.0" else "1.0",
        identity_sources=sources,
        ttl_s=values.integer("authorizer_result_ttl_in_seconds", 300 if rest else 0),
        simple_responses=values.boolean("enable_simple_responses"),
        validation=values.string("identity_validation_expression"),
    )


def _identity_sources(values: Values, rest: bool, kind: str) -> tuple[str, ...]:
    """As ``$request.header.X`` / ``$request.querystring.x`` / ``$context.…``, whatever the
    API's spelling (REST: ``method.request.header.X``, comma-separated)."""
    if rest:
        text = values.string("identity_source", "method.request.header.Authorization")
        parts = [p.strip() for p in text.split(",") if p.strip()]
        return tuple("$request." + p.removeprefix("method.request.") for p in parts)
    raw = values.get("identity_sources") or []
    found = tuple(str(s) for s in raw)
    if not found and kind == "REQUEST":
        return ()
    return found or ("$request.header.Authorization",)


def _jwt(ctx: MapContext, resource: Resource, key: str, cognito: bool) -> Authorizer | str:
    values = resource.values
    name = values.string("name") or resource.name
    if cognito:
        arns = values.raw("provider_arns") or []
        pools = [_issuer_of(ctx, arn) for arn in (arns if isinstance(arns, list) else [arns])]
        found = [p for p in pools if p is not None]
        if not found or len(found) != len(pools):
            return f"Cognito authorizer `{name}`: its user pool is not in the stack nor an ARN"
        issuer, discovery = found[0]
        if len(found) > 1:
            return (
                f"Cognito authorizer `{name}`: several user pools (one issuer per authorizer here)"
            )
        source = values.string("identity_source", "method.request.header.Authorization")
        header = "$request." + source.removeprefix("method.request.")
        claims = ("client_id", "aud", "azp") if discovery != issuer else ("client_id", "aud")
        return JwtAuthorizer(key, issuer, (), header, discovery, claims, cognito=True)
    config = values.block("jwt_configuration")
    found_issuer = _issuer_of(ctx, config.raw("issuer") if config else None)
    if found_issuer is None or config is None:
        return f"JWT authorizer `{name}`: its issuer is not known"
    issuer, discovery = found_issuer
    audiences = tuple(_text(ctx, a) for a in (config.raw("audience") or []))
    if any(a is None for a in audiences):
        return f"JWT authorizer `{name}`: an audience is not known"
    claims = ("aud", "client_id", "azp") if discovery != issuer else ("aud", "client_id")
    sources = tuple(str(s) for s in (values.get("identity_sources") or ()))
    header = sources[0] if sources else "$request.header.Authorization"
    return JwtAuthorizer(
        key, issuer, tuple(sorted(str(a) for a in audiences)), header, discovery, claims
    )


def _issuer_of(ctx: MapContext, value: Any) -> tuple[str, str] | None:
    """(issuer, where its discovery document is fetched) for a user pool reference, a
    pool ARN, or a literal issuer URL. A realm of the stack's Keycloak is fetched inside."""
    addresses = [value.address] if isinstance(value, Computed) else []
    if isinstance(value, Interpolation):
        addresses = [p.address for p in value.parts if isinstance(p, Computed)]
    for address in addresses:
        realm = realms(ctx).get(address)
        if realm is not None:
            issuer = f"https://{ctx.stack.domain}{PATH}/realms/{realm.name}"
            return issuer, f"{KEYCLOAK_INTERNAL}{PATH}/realms/{realm.name}"
    if not isinstance(value, str):
        return None
    if value.startswith("arn:aws:cognito-idp:"):
        region, pool = value.split(":")[3], value.rsplit("/", 1)[-1]
        issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool}"
        return issuer, issuer
    if value.startswith("https://"):
        return value.rstrip("/"), value.rstrip("/")
    return None


def _text(ctx: MapContext, value: Any) -> str | None:
    """A literal, or a user pool client's id as the stack knows it (its Keycloak client)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Computed):
        known = ctx.stack.exports.get((value.address, "id"))
        return known if isinstance(known, str) else None
    return None


Api = Literal["rest", "http"]


def route_auth(ctx: MapContext, resource: Resource, api: Api) -> tuple[RouteAuth | None, str]:
    """How a REST method or an HTTP API route is protected at the edge, and what is lost.

    Returns (None, "") for a public route; a ``RouteAuth`` with ``denied`` for one whose
    protection cannot be reproduced, unless ``cloudexit:ignore public`` opens it (then
    (None, what is no longer enforced))."""
    values = resource.values
    field_name = "authorization" if api == "rest" else "authorization_type"
    kind = values.string(field_name, "NONE").upper() or "NONE"
    api_key = values.boolean("api_key_required")
    scopes = tuple(sorted(str(s) for s in values.get("authorization_scopes") or ()))
    if kind == "NONE" and not api_key:
        return None, ""
    state = _state(ctx)
    target = values.ref("authorizer_id") or ""
    denied = ""
    if kind == "AWS_IAM":
        denied = "AWS_IAM authorization: there is no self-hosted IAM to sign requests against"
    elif kind != "NONE" and target in state.denied:
        denied = state.denied[target]
    elif kind != "NONE" and target not in state.keys:
        denied = f"{kind} authorization: its authorizer is not in this configuration"
    auth = RouteAuth(
        state.keys.get(target, "") if kind != "NONE" and not denied else "",
        scopes if kind in ("JWT", "COGNITO_USER_POOLS") else (),
        api_key,
        denied,
    )
    if not denied:
        return auth, ""
    opened = public_opening(ctx.module, resource.address)
    if opened:
        return (
            None,
            f"{denied}: NOT enforced, served publicly by cloudexit:ignore public ({opened})",
        )
    return auth, denied


def deny_reason(denied: str) -> str:
    """The blocking finding of a refused route: why and how to open it."""
    return f"{denied}; the edge answers 403 to every request (fail closed); {HOW_TO_OPEN}"


def settle(ctx: MapContext, origin: Origin, auth: RouteAuth | None, opened: str) -> None:
    """A method's or route's inventory entry once its protection is known: unmapped and
    blocking when refused, partial when opened by an ignore, mapped when enforced."""
    for i, entry in enumerate(ctx.stack.coverage):
        if entry.origin != origin:
            continue
        if auth is not None and auth.denied:
            reason = deny_reason(auth.denied)
            ctx.stack.coverage[i] = replace(
                entry, status="unmapped", reason=reason, blocking=True, service=None
            )
        elif opened:
            ctx.stack.coverage[i] = replace(entry, status="partial", lost=(*entry.lost, opened))
        elif auth is not None:
            what = [f"authorizer `{auth.authorizer}`"] if auth.authorizer else []
            what += ["API key"] if auth.api_key else []
            reason = f"{entry.reason}, enforced by gateway-auth ({', '.join(what)})"
            ctx.stack.coverage[i] = replace(entry, reason=reason)
