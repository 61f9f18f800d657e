"""aws_apigatewayv2_* with ``protocol_type = "WEBSOCKET"`` → the ``websocket`` gateway.

One service (templates/extras/websocket_gateway.py, the pinned ``websockets`` package on the
pinned python image) serves every WebSocket API of the stack behind Traefik, on the path of
the API's stage, and runs its routes (``$connect``, ``$disconnect``, ``$default``, custom
routes by ``route_selection_expression``) through each function's invoke endpoint. Functions
push to clients through the ``@connections`` management API (docs/WEBSOCKET.md). The
apigatewayv2 mappers hand WebSocket resources to this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudexit_ci import images, precedence
from cloudexit_ci.apiauth import LambdaAuthorizer, RouteAuth
from cloudexit_ci.ignores import public_opening
from cloudexit_ci.mappers import authorizers, estate
from cloudexit_ci.mappers.base import (
    MapContext,
    cover,
    mapped_or_partial,
    safe_name,
    unique_name,
)
from cloudexit_ci.mappers.routes import function_in
from cloudexit_ci.stack import (
    Backend,
    Build,
    Coverage,
    ExtraFile,
    HealthCheck,
    HttpRoute,
    Origin,
    PathMatch,
    Service,
    Volume,
)
from cloudexit_ci.terraform.expressions import Computed, Interpolation
from cloudexit_ci.terraform.model import Resource
from cloudexit_ci.values import Invoke

SERVICE = "websocket"
PORT = 8080  # the clients' WebSocket port (behind Traefik)
MGMT_PORT = 9914  # the @connections management API, internal network only
TLS_PORT = 8443  # the same API with TLS: handlers build https://{domainName}/{stage}
ENDPOINT = f"http://{SERVICE}:{MGMT_PORT}"
TLS_VOLUME = "websocket-tls"  # its certificate, made at the first start (functions trust it)
TLS_DIR = "/var/lib/websocket-tls"
FUNCTION_TLS_DIR = "/etc/cloudexit/websocket-tls"  # where function containers mount it
NO_AUTHORIZER = (
    "authorization on a WebSocket route: the websocket gateway runs only Lambda REQUEST "
    "authorizers on $connect, and no IAM check"
)


@dataclass
class WsApi:
    key: str
    name: str
    origin: Origin
    selection: str
    stage: str = ""
    sources: list[Origin] = field(default_factory=list)


@dataclass
class _WsState:
    apis: dict[str, WsApi] = field(default_factory=dict)  # api address -> api
    integrations: dict[str, tuple[str | None, Origin]] = field(default_factory=dict)
    routes: list[Resource] = field(default_factory=list)
    two_way: set[str] = field(default_factory=set)  # addresses of routes with a response
    responses: list[tuple[str, Resource]] = field(default_factory=list)  # (route addr, res)
    members: dict[str, list[Resource]] = field(default_factory=dict)  # api address -> its parts


def _state(ctx: MapContext) -> _WsState:
    state: _WsState = ctx.family("apigw.websocket", _WsState)
    return state


def integration_address(target: object) -> str | None:
    """``target = "integrations/${aws_apigatewayv2_integration.x.id}"`` → its address."""
    if isinstance(target, Computed):
        return target.address
    if isinstance(target, Interpolation):  # the template's typed parts
        return next((p.address for p in target.parts if isinstance(p, Computed)), None)
    return None


def owns(ctx: MapContext, resource: Resource) -> bool:
    """Whether ``resource`` (an integration, route, stage…) belongs to a WebSocket API."""
    api = resource.values.ref("api_id") or ""
    if api not in _state(ctx).apis:
        return False
    _state(ctx).members.setdefault(api, []).append(resource)
    return True


def map_api(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    name = values.string("name") or resource.name
    taken = {a.key: a for a in _state(ctx).apis.values()} | dict(ctx.stack.apis)
    key = unique_name(safe_name(name, "ws"), taken)
    selection = values.string("route_selection_expression", "$request.body.action")
    _state(ctx).apis[resource.address] = WsApi(key, name, resource.origin, selection)
    estate.resolve(ctx, resource.address, "id", key)
    estate.resolve(ctx, resource.address, "api_endpoint", f"wss://{ctx.stack.domain}")
    lost = [] if selection.startswith("$request.body.") else [
        f"route selection by {selection} (every message goes to $default)"
    ]  # fmt: skip
    lost += ["API keys"] if values.has("api_key_selection_expression") else []
    # settled by finish: mapped only when a route of it is served
    return mapped_or_partial(resource, f"websocket gateway: WebSocket API `{key}`", lost, SERVICE)


def map_integration(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    kind = values.string("integration_type", "AWS_PROXY")
    function = function_in(ctx, values, "integration_uri")
    _state(ctx).integrations[resource.address] = (function, resource.origin)
    if kind != "AWS_PROXY":
        return cover(
            resource, "unmapped", f"WebSocket integration type {kind} is not converted",
            blocking=True,
        )  # fmt: skip
    if function is None:
        return cover(
            resource, "unmapped", "its function is not in this configuration", blocking=True
        )
    return cover(resource, "mapped", f"websocket gateway invokes `{function}`", service=function)


def map_route(resource: Resource, ctx: MapContext) -> Coverage:
    _state(ctx).routes.append(resource)
    route_key = resource.values.string("route_key")
    return cover(resource, "mapped", f"WebSocket route {route_key}", service=SERVICE)


def map_route_response(resource: Resource, ctx: MapContext) -> Coverage:
    """aws_apigatewayv2_route_response: the route is two-way (its answer goes back)."""
    route = resource.values.ref("route_id") or ""
    owns(ctx, resource)
    _state(ctx).two_way.add(route)
    _state(ctx).responses.append((route, resource))
    return cover(
        resource, "mapped", "the route's answer is sent back to the client", service=SERVICE
    )


def map_stage(resource: Resource, ctx: MapContext) -> Coverage:
    api = _state(ctx).apis[resource.values.ref("api_id") or ""]
    api.stage = resource.values.string("name", "$default")
    api.sources.append(resource.origin)
    path = f"/{api.stage}" if api.stage != "$default" else ""
    estate.resolve(ctx, resource.address, "invoke_url", f"wss://{ctx.stack.domain}{path}")
    lost = ["stage throttling"] if resource.values.has("default_route_settings") else []
    if resource.values.has("access_log_settings"):
        lost.append("access logs to CloudWatch")
    return mapped_or_partial(resource, f"served on {path or '/'}", lost, SERVICE)


def finish(ctx: MapContext) -> None:
    state = _state(ctx)
    served: dict[str, dict[str, dict[str, Any]]] = {a.key: {} for a in state.apis.values()}
    origins: set[Origin] = set()
    for resource in state.routes:
        api = state.apis.get(resource.values.ref("api_id") or "")
        entry = _route_entry(ctx, resource) if api is not None else None
        if api is None or entry is None:
            continue
        served[api.key][resource.values.string("route_key", "$default")] = entry
        entry.pop("function")
        origins.update(entry.pop("origins"))
    for address, resource in state.responses:
        if any(o.address == address for o in origins):
            origins.add(resource.origin)
        else:
            why = "its route is not served (see the route's entry)"
            ctx.restate(resource.origin, "unmapped", why, blocking=False)
    apis: list[dict[str, Any]] = []
    for address, api in sorted(state.apis.items(), key=lambda item: item[1].key):
        if not served[api.key]:
            why = "no route of it reaches a function of this configuration: nothing serves it"
            ctx.restate(api.origin, "unmapped", why, blocking=True)
            for origin in api.sources:  # its stage: nothing is served on it
                unserved = f"its WebSocket API `{api.key}` is not served"
                ctx.restate(origin, "unmapped", unserved, blocking=False)
            continue
        if served[api.key].get("$connect", {}).get("denied"):
            _refuse_api(ctx, api, state.members.get(address, []))
        origins.update((api.origin, *api.sources))
        apis.append(_api_entry(ctx, api, served[api.key], {a["path"] for a in apis}))
    if apis:
        _add_gateway(ctx, apis, tuple(sorted(origins)))


def _refuse_api(ctx: MapContext, api: WsApi, members: list[Resource]) -> None:
    """A WebSocket API whose $connect is refused serves nothing: it is unmapped and blocking,
    and so are, without a finding of their own, its other routes, integrations, stage…"""
    why = "every connection is refused: its $connect route's authorization is refused"
    ctx.restate(api.origin, "unmapped", why, blocking=True)
    for resource in members:
        if resource.values.string("route_key") != "$connect":
            why = f"its WebSocket API `{api.key}` refuses every connection (see its $connect)"
            ctx.restate(resource.origin, "unmapped", why, blocking=False)


def _route_entry(ctx: MapContext, resource: Resource) -> dict[str, Any] | None:
    """The route's config (its function's invoke endpoint…), or None when nothing serves it."""
    values = resource.values
    state = _state(ctx)
    integration = integration_address(values.raw("target")) or ""
    function, origin = state.integrations.get(integration, (None, resource.origin))
    if function is None:
        why = "its integration reaches no function of this configuration: nothing serves it"
        ctx.restate(resource.origin, "unmapped", why, blocking=True)
        return None
    denied, opened, authorizer, by = _protection(ctx, resource)
    origins = [resource.origin, origin, *([by] if by else [])]
    auth = RouteAuth(denied=denied) if denied else None
    authorizers.settle(ctx, resource.origin, auth, opened)
    two_way = resource.address in state.two_way or values.has("route_response_selection_expression")
    entry = {
        "function": function,
        "endpoint": Invoke(function),
        "timeout": ctx.stack.functions[function].timeout_s + 5,
        "twoWay": two_way,
        "denied": denied,
        "origins": tuple(origins),
    }
    return entry | ({"authorizer": authorizer} if authorizer else {})


def _protection(
    ctx: MapContext, resource: Resource
) -> tuple[str, str, dict[str, Any] | None, Origin | None]:
    """(why refused, what an ignore opened, the Lambda authorizer's config, its origin)."""
    values = resource.values
    kind = values.string("authorization_type", "NONE").upper() or "NONE"
    if kind == "NONE":
        return "", "", None, None
    why = f"{NO_AUTHORIZER} ({kind})"
    if kind == "CUSTOM" and values.string("route_key") == "$connect":
        found = authorizers.websocket_lambda(ctx, values.ref("authorizer_id") or "")
        if not isinstance(found, str):
            return "", "", _authorizer_entry(ctx, found[0]), found[1]
        why = f"CUSTOM authorization: {found}"
    opened = public_opening(ctx.module, resource.address)
    if opened:
        return "", f"{why}: NOT enforced, served publicly ({opened})", None, None
    return why, "", None, None


def _authorizer_entry(ctx: MapContext, found: LambdaAuthorizer) -> dict[str, Any]:
    """A Lambda REQUEST authorizer on $connect: its function's endpoint and the identity
    sources that must be present (``route.request.header.X`` / ``…querystring.x``)."""
    sources = [s.removeprefix("route.request.").removeprefix("$request.") for s in
               found.identity_sources]  # fmt: skip
    return {
        "endpoint": Invoke(found.function),
        "timeout": ctx.stack.functions[found.function].timeout_s + 5,
        "identitySources": sources,
    }


def _api_entry(
    ctx: MapContext, api: WsApi, routes: dict[str, dict[str, Any]], taken: set[str]
) -> dict[str, Any]:
    path = f"/{api.stage}" if api.stage and api.stage != "$default" else f"/{api.key}"
    if path in taken:
        path = f"/{api.key}{path}"
    entries = {key: entry for key, entry in sorted(routes.items())}
    return {
        "key": api.key,
        "apiId": api.key,
        "stage": api.stage or api.key,
        "path": path,
        "selection": api.selection,
        "routes": entries,
    }


def _add_gateway(ctx: MapContext, apis: list[dict[str, Any]], origins: tuple[Origin, ...]) -> None:
    stack = ctx.stack
    sources = tuple(o.address for o in origins)
    config = {
        "domainName": f"{SERVICE}:{TLS_PORT}",
        "region": stack.region,
        "account": stack.account,
        "apis": apis,
    }
    files = estate.extra_files(stack)
    files[f"{SERVICE}/config.json"] = ExtraFile("json", config, sources)
    files[f"{SERVICE}/websocket_gateway.py"] = ExtraFile(
        "static", None, sources, "extras/websocket_gateway.py"
    )
    files[f"{SERVICE}/Dockerfile"] = ExtraFile(
        "template",
        {"image": images.WEBSOCKET_PYTHON, "websockets": images.WEBSOCKETS_PACKAGE},
        sources,
        "extras/Dockerfile.websocket.j2",
    )
    stack.services[SERVICE] = _service(origins)
    stack.volumes[TLS_VOLUME] = Volume(TLS_VOLUME)
    stack.backends[SERVICE] = Backend(
        SERVICE, SERVICE, SERVICE, f"http://{SERVICE}:{PORT}", origins
    )
    stack.http_routes.append(
        HttpRoute(
            name=SERVICE,
            file=SERVICE,
            backend=SERVICE,
            origins=origins,
            methods=("GET",),
            paths=tuple(PathMatch("exact", a["path"]) for a in apis),
            priority=precedence.SYSTEM,
        )
    )
    stack.function_env["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"] = ENDPOINT
    # the functions mount the volume there (targets/functions.py) and trust its certificate
    stack.function_env["AWS_CA_BUNDLE"] = f"{FUNCTION_TLS_DIR}/bundle.pem"
    stack.function_env["NODE_EXTRA_CA_CERTS"] = f"{FUNCTION_TLS_DIR}/cert.pem"
    paths = ", ".join(f"wss://{stack.domain}{a['path']}" for a in apis)
    stack.notes.append(
        f"WebSocket APIs: clients connect to {paths} (the `websocket` gateway); functions "
        f"reach the @connections API at {ENDPOINT}/<stage> "
        "(AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI; see docs/WEBSOCKET.md)."
    )


def _service(origins: tuple[Origin, ...]) -> Service:
    """The gateway (functions depend on it: they trust its certificate; it does not wait
    for them: a $connect whose function is not up yet is refused with 500)."""
    return Service(
        name=SERVICE,
        origins=origins,
        role="worker",
        build=Build(context=SERVICE),
        command=("/opt/websocket/config.json",),
        environment=(
            ("PORT", str(PORT)),
            ("MGMT_PORT", str(MGMT_PORT)),
            ("MGMT_TLS_PORT", str(TLS_PORT)),
            ("MGMT_TLS_DIR", TLS_DIR),
            ("MGMT_TLS_NAME", SERVICE),
        ),
        volumes=(
            (f"./{SERVICE}/config.json", "/opt/websocket/config.json:ro"),
            (TLS_VOLUME, TLS_DIR),
        ),
        networks=("frontend", "backend"),  # Traefik reaches it; it reaches the functions
        expose=(PORT, MGMT_PORT, TLS_PORT),
        healthcheck=HealthCheck(
            ("CMD", "python", "/opt/websocket/websocket_gateway.py", "--healthcheck"), interval_s=10
        ),
        user="10001:10001",
        comment="API Gateway WebSocket APIs: routes to functions, @connections API",
    )
