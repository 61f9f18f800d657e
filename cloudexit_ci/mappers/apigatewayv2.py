"""aws_apigatewayv2_* (HTTP APIs, payload 2.0 or 1.0) → an Api and its Routes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from cloudexit_ci.apiauth import HttpProxy
from cloudexit_ci.mappers import authorizers, estate, websocket
from cloudexit_ci.mappers.apigateway import DEFAULT_THROTTLE, throttle_from
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial, safe_name, unique_name
from cloudexit_ci.mappers.routes import function_in
from cloudexit_ci.mappers.websocket import integration_address
from cloudexit_ci.stack import Api, Cors, Coverage, Origin, Route
from cloudexit_ci.terraform.model import Resource, Values


@dataclass
class _HttpState:
    apis: dict[str, str] = field(default_factory=dict)  # api address -> Api.key
    integrations: dict[str, tuple[str | None, str, Origin]] = field(default_factory=dict)
    # integration address -> (function key, payload version, its origin)
    proxies: dict[str, HttpProxy] = field(default_factory=dict)  # HTTP_PROXY integrations
    routes: list[Resource] = field(default_factory=list)
    quick: list[tuple[str, Resource]] = field(default_factory=list)  # (api key, api resource)


def _state(ctx: MapContext) -> _HttpState:
    state: _HttpState = ctx.family("apigw.http", _HttpState)
    return state


def map_api(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    protocol = values.string("protocol_type", "HTTP")
    if protocol == "WEBSOCKET":
        return websocket.map_api(resource, ctx)
    if protocol != "HTTP":
        return cover(resource, "unmapped", f"{protocol} APIs are not converted", blocking=True)
    name = values.string("name") or resource.name
    key = unique_name(safe_name(name, "api"), ctx.stack.apis)
    cors_block = values.block("cors_configuration")
    estate.resolve(ctx, resource.address, "id", key)
    estate.resolve(ctx, resource.address, "api_endpoint", f"https://{ctx.stack.domain}")
    ctx.stack.apis[key] = Api(
        key=key,
        name=name,
        kind="http",
        origin=resource.origin,
        payload_version="2.0",
        throttle=DEFAULT_THROTTLE,
        cors=cors_of(cors_block) if cors_block else None,
    )
    _state(ctx).apis[resource.address] = key
    if values.has("target"):
        _state(ctx).quick.append((key, resource))
    lost = ["the OpenAPI `body`"] if values.has("body") else []
    if values.boolean("disable_execute_api_endpoint"):
        lost = [*lost]
    return mapped_or_partial(resource, f"Traefik routers for HTTP API `{key}`", lost, "traefik")


def cors_of(block: Values) -> Cors:
    """An HTTP API's ``cors_configuration`` or a function URL's ``cors`` block."""

    def strings(key: str) -> tuple[str, ...]:
        return tuple(sorted(str(v) for v in block.get(key) or ()))

    return Cors(
        allow_origins=strings("allow_origins"),
        allow_methods=tuple(sorted(m.upper() for m in strings("allow_methods"))),
        allow_headers=strings("allow_headers"),
        expose_headers=strings("expose_headers"),
        allow_credentials=block.boolean("allow_credentials"),
        max_age_s=block.integer("max_age", 0) or None,
    )


def map_integration(resource: Resource, ctx: MapContext) -> Coverage:
    if websocket.owns(ctx, resource):
        return websocket.map_integration(resource, ctx)
    values = resource.values
    kind = values.string("integration_type", "AWS_PROXY")
    function = function_in(ctx, values, "integration_uri")
    version = values.string("payload_format_version", "1.0")
    _state(ctx).integrations[resource.address] = (function, version, resource.origin)
    uri = values.get("integration_uri")
    if kind == "HTTP_PROXY" and isinstance(uri, str) and uri.startswith(("http://", "https://")):
        _state(ctx).proxies[resource.address] = HttpProxy(uri)
        return cover(resource, "mapped", f"Traefik proxies to {uri}", service="traefik")
    if kind != "AWS_PROXY":
        return cover(
            resource, "unmapped", f"integration type {kind} is not converted", blocking=True
        )
    if function is None:
        return cover(
            resource, "unmapped", "its function is not in this configuration", blocking=True
        )
    if (values.ref("api_id") or "") not in _state(ctx).apis:
        why = "its API is not in this configuration"
        return cover(resource, "unmapped", why, blocking=True)
    return cover(resource, "mapped", f"payload {version} to `{function}`", service=function)


def map_route(resource: Resource, ctx: MapContext) -> Coverage:
    if websocket.owns(ctx, resource):
        return websocket.map_route(resource, ctx)
    _state(ctx).routes.append(resource)
    values = resource.values
    # the protection is settled by finish (authorizers.settle)
    return mapped_or_partial(resource, f"router for {values.string('route_key')}", [], "traefik")


def map_stage(resource: Resource, ctx: MapContext) -> Coverage:
    if websocket.owns(ctx, resource):
        return websocket.map_stage(resource, ctx)
    values = resource.values
    api_key = _state(ctx).apis.get(values.ref("api_id") or "")
    if api_key is None:
        return cover(resource, "unmapped", "its API is not in this configuration")
    settings = values.block("default_route_settings")
    api = ctx.stack.apis[api_key]
    if settings is not None:
        api = replace(api, throttle=throttle_from(settings, api.throttle))
    stage = values.string("name", "$default")
    ctx.stack.apis[api_key] = replace(
        api, stage=stage, stage_in_path=stage != "$default", sources=(*api.sources, resource.origin)
    )
    path = "" if stage == "$default" else f"/{stage}"
    estate.resolve(ctx, resource.address, "invoke_url", f"https://{ctx.stack.domain}{path}")
    lost = (
        ["per-route throttling (the stage default applies)"]
        if values.blocks("route_settings")
        else []
    )
    if values.has("access_log_settings"):
        lost.append("access logs to CloudWatch (Traefik writes access logs instead)")
    return mapped_or_partial(resource, "rate limit middleware", lost, "traefik")


def map_not_needed(resource: Resource, ctx: MapContext) -> Coverage:
    return cover(
        resource, "not-needed", "Traefik serves the API on --domain; no deployment or mapping"
    )


def finish(ctx: MapContext) -> None:
    state = _state(ctx)
    for route in state.routes:
        if not _add_route(ctx, route):
            why = "its integration reaches no function of this configuration: nothing serves it"
            ctx.restate(route.origin, "unmapped", why, blocking=True)
    for api_key, api_resource in state.quick:
        function = function_in(ctx, api_resource.values, "target")
        if function is not None:
            route_key = api_resource.values.string("route_key", "$default")
            method, path = _split(route_key)
            ctx.stack.routes.append(Route(api_key, method, path, function, api_resource.origin))


def _add_route(ctx: MapContext, resource: Resource) -> bool:
    values = resource.values
    state = _state(ctx)
    api_key = state.apis.get(values.ref("api_id") or "")
    integration = integration_address(values.raw("target")) or ""
    function, version, origin = state.integrations.get(integration, (None, "1.0", resource.origin))
    proxy = state.proxies.get(integration)
    if api_key is None or (function is None and proxy is None):
        return False
    method, path = _split(values.string("route_key", "$default"))
    auth, opened = authorizers.route_auth(ctx, resource, "http")
    authorizers.settle(ctx, resource.origin, auth, opened)
    route = Route(api_key, method, path, function or "", resource.origin, sources=(origin,))
    ctx.stack.routes.append(replace(route, auth=auth, proxy=proxy))
    if proxy is not None:
        return True
    api = ctx.stack.apis[api_key]
    if version == "1.0" and api.payload_version != "1.0":
        ctx.stack.apis[api_key] = replace(api, payload_version="1.0")
    elif version == "2.0" and api.payload_version != "2.0":
        ctx.stack.apis[api_key] = replace(api, payload_version="2.0")
    return True


def _split(route_key: str) -> tuple[str, str]:
    if route_key == "$default" or " " not in route_key:
        return "ANY", "$default"
    method, path = route_key.split(" ", 1)
    return method.upper(), path
