"""aws_api_gateway_* (REST API, payload 1.0) → an Api and its Routes through Traefik.

Routes come from methods + integrations; when the Terraform has only the API's
resources and the functions (as in the spec's example), they are inferred from
function names and marked "inferred".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial, safe_name, unique_name
from cloudexit_ci.mappers.routes import function_of, infer_routes
from cloudexit_ci.stack import Api, Coverage, Origin, Route, Throttle
from cloudexit_ci.terraform.model import Resource, Values

# API Gateway's account-level defaults (requests per second, burst)
DEFAULT_THROTTLE = Throttle(rate_per_s=10000.0, burst=5000)


@dataclass
class _RestState:
    apis: dict[str, str] = field(default_factory=dict)  # rest_api address -> Api.key
    resources: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)
    # resource address -> (api address, parent address or None for root, path_part)
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
    if values.has("api_key_source"):
        lost.append("API keys")
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
    return mapped_or_partial(resource, f"Traefik routers for API `{key}`", lost, "traefik")


def map_resource(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    api = values.ref("rest_api_id")
    parent = values.ref("parent_id")
    parent_address = None if parent is None or parent == api else parent
    if api is None:
        return cover(resource, "unmapped", "rest_api_id cannot be resolved")
    _state(ctx).resources[resource.address] = (api, parent_address, values.string("path_part"))
    return cover(
        resource, "mapped", f"path {resource_path(ctx, resource.address)}", service="traefik"
    )


def resource_path(ctx: MapContext, address: str | None) -> str:
    parts = []
    resources = _state(ctx).resources
    seen = set()
    while address is not None and address in resources and address not in seen:
        seen.add(address)
        _, parent, part = resources[address]
        parts.append(part)
        address = parent
    return "/" + "/".join(reversed(parts))


def map_method(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    target = values.ref("resource_id")
    method = values.string("http_method").upper()
    _state(ctx).methods[(target or "", method)] = resource
    lost = []
    auth = values.string("authorization", "NONE")
    if auth not in ("", "NONE"):
        lost.append(f"authorization {auth}: add a Traefik forwardAuth middleware")
    if values.boolean("api_key_required"):
        lost.append("API key requirement")
    if values.has("request_validator_id"):
        lost.append("request validation")
    return mapped_or_partial(resource, f"{method} router", lost, "traefik")


def map_integration(resource: Resource, ctx: MapContext) -> Coverage:
    _state(ctx).integrations.append(resource)
    kind = resource.values.string("type")
    if kind not in ("AWS_PROXY", ""):
        return cover(
            resource,
            "unmapped",
            f"integration type {kind}: only Lambda proxy (AWS_PROXY) integrations are converted",
            blocking=True,
        )
    return cover(resource, "mapped", "proxy integration to the function", service="traefik")


def map_stage(resource: Resource, ctx: MapContext) -> Coverage:
    api_key = _state(ctx).apis.get(resource.values.ref("rest_api_id") or "")
    stage = resource.values.string("stage_name")
    lost = []
    if api_key and stage:
        ctx.stack.apis[api_key] = replace(ctx.stack.apis[api_key], stage=stage)
    if resource.values.boolean("cache_cluster_enabled"):
        lost.append("the stage cache (add a caching proxy if needed)")
    if resource.values.has("access_log_settings"):
        lost.append("access logs to CloudWatch (Traefik writes access logs instead)")
    if resource.values.boolean("xray_tracing_enabled"):
        lost.append("X-Ray tracing")
    return mapped_or_partial(resource, f"stage {stage or '?'} (paths are served without it)", lost)


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
    ctx.stack.apis[api_key] = replace(api, throttle=throttle_from(settings, api.throttle))
    lost = []
    if settings.boolean("caching_enabled"):
        lost.append("response caching")
    if resource.values.string("method_path", "*/*") != "*/*":
        lost.append("per-method settings are applied to the whole API")
    return mapped_or_partial(resource, "rate limit middleware", lost, "traefik")


def finish(ctx: MapContext) -> None:
    """Routes from methods + integrations, else inferred from function names."""
    state = _state(ctx)
    for integration in state.integrations:
        _route_from_integration(ctx, integration)
    for api_address, api_key in state.apis.items():
        if any(r.api == api_key for r in ctx.stack.routes):
            continue
        paths = sorted(
            resource_path(ctx, addr)
            for addr, (api, _, _) in state.resources.items()
            if api == api_address
        )
        origin = ctx.stack.apis[api_key].origin
        ctx.stack.routes.extend(infer_routes(ctx, api_key, paths, origin))


def _route_from_integration(ctx: MapContext, integration: Resource) -> None:
    values = integration.values
    function = function_of(ctx, values.raw("uri"))
    api_key = _state(ctx).apis.get(values.ref("rest_api_id") or "")
    if function is None or api_key is None:
        return
    target = values.ref("resource_id") or ""
    method = values.string("http_method").upper()
    if not method and (target, "ANY") in _state(ctx).methods:
        method = "ANY"
    path = resource_path(ctx, target) if target in _state(ctx).resources else "/"
    method_resource = _state(ctx).methods.get((target, method))
    origin = method_resource.origin if method_resource else integration.origin
    ctx.stack.routes.append(
        Route(
            api_key,
            method or "ANY",
            path,
            function,
            Origin(origin.address, origin.file, origin.line),
        )
    )
