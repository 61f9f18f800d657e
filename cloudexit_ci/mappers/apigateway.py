"""aws_api_gateway_* (REST API, payload 1.0) → an Api and its Routes through Traefik.

Routes come from methods + integrations; when the Terraform has only the API's
resources and the functions (as in the spec's example), they are inferred from
function names and marked "inferred".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from cloudexit_ci.apiauth import HttpProxy, MockAnswer
from cloudexit_ci.mappers import apikeys, authorizers, estate, integrations
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial, safe_name, unique_name
from cloudexit_ci.mappers.routes import function_in, infer_routes
from cloudexit_ci.stack import Api, Coverage, Origin, Route, Throttle
from cloudexit_ci.terraform.model import Resource, Values

# API Gateway's account-level defaults (requests per second, burst)
DEFAULT_THROTTLE = Throttle(rate_per_s=10000.0, burst=5000)


@dataclass
class _RestState:
    apis: dict[str, str] = field(default_factory=dict)  # rest_api address -> Api.key
    resources: dict[str, Resource] = field(default_factory=dict)  # path resources by address
    methods: dict[tuple[str, str], Resource] = field(default_factory=dict)
    # (resource address or api address for root, HTTP method) -> method resource
    integrations: list[Resource] = field(default_factory=list)


def _state(ctx: MapContext) -> _RestState:
    state: _RestState = ctx.family("apigw.rest", _RestState)
    return state


def map_rest_api(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    name = values.string("name") or resource.name
    key = unique_name(safe_name(name, "api"), ctx.stack.apis)
    lost = []
    if values.has("body"):
        lost.append("the OpenAPI `body` is not converted: declare resources and methods")
    if values.has("policy"):
        lost.append("the resource policy (IP / VPC restrictions): use a Traefik ipAllowList")
    if values.string("api_key_source", "HEADER") == "AUTHORIZER":
        lost.append("API keys from a Lambda authorizer (usageIdentifierKey): x-api-key is checked")
    ctx.stack.apis[key] = Api(
        key=key,
        name=name,
        kind="rest",
        origin=resource.origin,
        stage="prod",
        payload_version="1.0",
        binary_media_types=tuple(values.get("binary_media_types") or ()),
        throttle=DEFAULT_THROTTLE,
    )
    _state(ctx).apis[resource.address] = key
    estate.resolve(ctx, resource.address, "id", key)
    return mapped_or_partial(resource, f"Traefik routers for API `{key}`", lost, "traefik")


def map_resource(resource: Resource, ctx: MapContext) -> Coverage:
    if resource.values.ref("rest_api_id") is None:
        return cover(resource, "unmapped", "rest_api_id cannot be resolved")
    _state(ctx).resources[resource.address] = resource
    path, _ = resource_path(ctx, resource.address)
    return cover(resource, "mapped", f"path {path}", service="traefik")


def resource_path(ctx: MapContext, address: str | None) -> tuple[str, tuple[Origin, ...]]:
    """The full path of a path resource (read from the Terraform, whatever was mapped
    first) and the resources that form it, root first."""
    chain: list[Resource] = []
    while address is not None and address not in {r.address for r in chain}:
        found = ctx.module.by_address(address)
        if found is None or found.type != "aws_api_gateway_resource":
            break
        chain.append(found)
        address = found.values.ref("parent_id")
    chain.reverse()
    path = "/" + "/".join(r.values.string("path_part") for r in chain)
    return path, tuple(r.origin for r in chain)


def map_method(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    target = values.ref("resource_id")
    method = values.string("http_method").upper()
    _state(ctx).methods[(target or "", method)] = resource
    lost = []  # the protection is settled by finish (authorizers.settle)
    if values.has("request_validator_id"):
        lost.append("request validation")
    return mapped_or_partial(resource, f"{method} router", lost, "traefik")


def map_integration(resource: Resource, ctx: MapContext) -> Coverage:
    _state(ctx).integrations.append(resource)
    kind = resource.values.string("type")
    if kind == "MOCK":
        return cover(resource, "mapped", "MOCK answered by gateway-auth", service="gateway-auth")
    if kind in ("HTTP", "HTTP_PROXY"):
        proxy, lost = integrations.http_proxy(resource.values)
        if proxy is None:
            why = "its URL is not known: nothing serves this method"
            return cover(resource, "unmapped", why, blocking=True)
        return mapped_or_partial(resource, f"Traefik proxies to {proxy.url}", lost, "traefik")
    if kind not in ("AWS_PROXY", ""):
        return cover(
            resource,
            "unmapped",
            f"integration type {kind}: only Lambda proxy, MOCK and HTTP integrations are converted",
            blocking=True,
        )
    function = function_in(ctx, resource.values, "uri")
    if function is None:
        why = "its function is not in this configuration (or not mapped): nothing serves it"
        return cover(resource, "unmapped", why, blocking=True)
    return cover(resource, "mapped", f"proxy integration to `{function}`", service=function)


def map_stage(resource: Resource, ctx: MapContext) -> Coverage:
    api_key = _state(ctx).apis.get(resource.values.ref("rest_api_id") or "")
    stage = resource.values.string("stage_name")
    if api_key is None:
        return cover(resource, "unmapped", "its REST API is not in this configuration")
    lost = []
    api = ctx.stack.apis[api_key]
    if stage:
        api = replace(api, stage=stage, stage_in_path=True)
        estate.resolve(ctx, resource.address, "invoke_url", f"https://{ctx.stack.domain}/{stage}")
    else:
        lost.append("the stage name is not known here: the API is served without its prefix")
    ctx.stack.apis[api_key] = replace(api, sources=(*api.sources, resource.origin))
    if resource.values.boolean("cache_cluster_enabled"):
        lost.append("the stage cache (add a caching proxy if needed)")
    if resource.values.has("access_log_settings"):
        lost.append("access logs to CloudWatch (Traefik writes access logs instead)")
    if resource.values.boolean("xray_tracing_enabled"):
        lost.append("X-Ray tracing")
    where = f"paths under /{stage}" if stage else "paths under /"
    return mapped_or_partial(resource, f"stage {stage or '?'} ({where})", lost)


def map_deployment(resource: Resource, ctx: MapContext) -> Coverage:
    return cover(resource, "not-needed", "Traefik serves the current configuration; no deployments")


def throttle_from(settings: Values, current: Throttle | None) -> Throttle:
    """``throttling_rate_limit`` / ``throttling_burst_limit`` (REST method settings, HTTP
    stage defaults); an absent or negative (AWS: unset) value keeps the current one."""
    base = current or DEFAULT_THROTTLE
    rate = settings.get("throttling_rate_limit")
    burst = settings.get("throttling_burst_limit")
    return Throttle(
        float(rate) if isinstance(rate, (int, float)) and rate >= 0 else base.rate_per_s,
        int(burst) if isinstance(burst, (int, float)) and burst >= 0 else base.burst,
    )


def map_method_settings(resource: Resource, ctx: MapContext) -> Coverage:
    api_key = _state(ctx).apis.get(resource.values.ref("rest_api_id") or "")
    settings = resource.values.block("settings")
    if api_key is None or settings is None:
        return cover(resource, "unmapped", "its REST API is not in this configuration")
    api = ctx.stack.apis[api_key]
    ctx.stack.apis[api_key] = replace(
        api,
        throttle=throttle_from(settings, api.throttle),
        sources=(*api.sources, resource.origin),
    )
    lost = []
    if settings.boolean("caching_enabled"):
        lost.append("response caching")
    if resource.values.string("method_path", "*/*") != "*/*":
        lost.append("per-method settings are applied to the whole API")
    return mapped_or_partial(resource, "rate limit middleware", lost, "traefik")


def finish(ctx: MapContext) -> None:
    """Routes from methods + integrations, else inferred from function names; then the
    methods and path resources that no route uses are restated (nothing serves them)."""
    state = _state(ctx)
    for integration in state.integrations:
        _route_from_integration(ctx, integration)
    for api_address, api_key in state.apis.items():
        if any(r.api == api_key for r in ctx.stack.routes):
            continue
        paths = dict(
            resource_path(ctx, address)
            for address, resource in state.resources.items()
            if resource.values.ref("rest_api_id") == api_address
        )
        ctx.stack.routes.extend(infer_routes(ctx, api_key, paths))
    _restate_unserved(ctx, state)
    stages = {key: api.stage for key, api in ctx.stack.apis.items()}
    apikeys.finish(ctx, state.apis, stages)
    _restate_idle(ctx)


def _restate_idle(ctx: MapContext) -> None:
    """Method/integration responses no MOCK answer uses (a proxy integration answers for
    itself), and keys and plans when no method requires a key, shape nothing."""
    answered = {o for r in ctx.stack.routes if r.mock is not None for o in r.mock.origins}
    for response in ctx.family("apigw.responses", list):
        if response.origin not in answered:
            why = (
                "a response of a non-MOCK integration: the integration's answer reaches the client"
            )
            ctx.restate(response.origin, "not-needed", why, blocking=False)
    if any(r.auth is not None and r.auth.api_key for r in ctx.stack.routes):
        return
    why = "no method of this configuration requires an API key: nothing checks it"
    for plan in ctx.stack.usage_plans.values():
        for origin in plan.origins:
            ctx.restate(origin, "not-needed", why, blocking=False)
    for address in apikeys.key_addresses(ctx):
        found = ctx.module.by_address(address)
        if found is not None:
            ctx.restate(found.origin, "not-needed", why, blocking=False)
    for key in ctx.stack.api_keys.values():  # no .env question nothing reads
        ctx.stack.env_vars.pop(key.env, None)


def _restate_unserved(ctx: MapContext, state: _RestState) -> None:
    used = {o for r in ctx.stack.routes for o in (r.origin, *r.sources)}
    for method in state.methods.values():
        if method.origin not in used:
            why = "no integration of this configuration serves this method"
            ctx.restate(method.origin, "unmapped", why, blocking=True)
    for resource in state.resources.values():
        if resource.origin not in used:
            why = "no method is served on this path"
            ctx.restate(resource.origin, "not-needed", why, blocking=False)


def _route_from_integration(ctx: MapContext, integration: Resource) -> None:
    values = integration.values
    api_key = _state(ctx).apis.get(values.ref("rest_api_id") or "")
    served = _served_by(ctx, integration)
    if served is None or api_key is None:
        return
    function, mock, proxy = served
    target = values.ref("resource_id") or ""
    method = values.string("http_method").upper()
    if not method and (target, "ANY") in _state(ctx).methods:
        method = "ANY"
    path, chain = resource_path(ctx, target)
    method_resource = _state(ctx).methods.get((target, method))
    origin = method_resource.origin if method_resource else integration.origin
    sources = (*chain, integration.origin) if method_resource else chain
    auth, opened = (
        authorizers.route_auth(ctx, method_resource, "rest") if method_resource else (None, "")
    )
    if method_resource is not None:
        authorizers.settle(ctx, method_resource.origin, auth, opened)
    route = Route(api_key, method or "ANY", path, function, origin, sources=sources, auth=auth)
    ctx.stack.routes.append(replace(route, mock=mock, proxy=proxy))


def _served_by(
    ctx: MapContext, integration: Resource
) -> tuple[str, MockAnswer | None, HttpProxy | None] | None:
    """(function key, MOCK answer, HTTP proxy) of an integration; None: nothing serves it."""
    values = integration.values
    kind = values.string("type") or "AWS_PROXY"
    if kind == "MOCK":
        mock, lost = integrations.mock_answer(ctx, integration)
        if lost:
            ctx.note(integration, "; ".join(lost))
        return "", mock, None
    if kind in ("HTTP", "HTTP_PROXY"):
        proxy, _ = integrations.http_proxy(values)
        return None if proxy is None else ("", None, proxy)
    function = function_in(ctx, values, "uri") if kind == "AWS_PROXY" else None
    return None if function is None else (function, None, None)
