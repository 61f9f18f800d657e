"""aws_lb / _listener / _listener_rule / _target_group → edge routes (traefik/dynamic/alb.yml).

A listener's default ``forward`` becomes a catch-all router on ``--domain``;
each listener rule becomes a router with its path and host conditions. Target
groups become Traefik services pointing at the ECS containers registered to
them, with the target group's health check path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial, safe_name
from cloudexit_ci.naming import is_host
from cloudexit_ci.stack import Backend, Coverage, HttpRoute, Origin, PathMatch
from cloudexit_ci.terraform.model import Resource, Values


@dataclass
class Router:
    name: str
    group: str  # target group address
    origin: Origin
    priority: int
    paths: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    balancer: str | None = None  # the aws_lb address


@dataclass
class Balancer:
    routers: list[Router] = field(default_factory=list)
    health: dict[str, str] = field(default_factory=dict)  # target group address → path
    shaping: dict[str, list[Origin]] = field(default_factory=dict)  # lb → lb, redirects
    groups: dict[str, Origin] = field(default_factory=dict)  # target group address → origin
    balancers: dict[str, Origin] = field(default_factory=dict)  # lb address → origin


def _state(ctx: MapContext) -> Balancer:
    found: Balancer = ctx.family("lb.state", Balancer)
    return found


def map_lb(resource: Resource, ctx: MapContext) -> Coverage:
    kind = resource.values.string("load_balancer_type", "application")
    if kind != "application":
        return cover(
            resource,
            "unmapped",
            f"{kind} load balancers (TCP/UDP/GENEVE) are not mapped to Traefik",
        )
    lost = ["access logs"] if resource.values.has("access_logs") else []
    if resource.values.boolean("internal"):
        lost.append("internal-only scheme (Traefik publishes 80/443)")
    _state(ctx).balancers[resource.address] = resource.origin
    _state(ctx).shaping.setdefault(resource.address, []).append(resource.origin)
    return mapped_or_partial(resource, "Traefik entry points web/websecure", lost, "traefik")


def map_target_group(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    check = values.block("health_check")
    path = check.string("path", "/") if check else "/"
    _state(ctx).health[resource.address] = path
    _state(ctx).groups[resource.address] = resource.origin
    lost = []
    if values.string("target_type", "instance") in ("instance", "ip"):
        lost.append("instance/IP targets outside ECS services are not registered")
    if values.has("stickiness"):
        lost.append("stickiness (use Traefik sticky cookies)")
    return mapped_or_partial(resource, "Traefik service (load balancer + health check)", lost)


def map_listener(resource: Resource, ctx: MapContext) -> Coverage:
    action = resource.values.block("default_action")
    kind = action.string("type", "forward") if action else ""
    balancer = resource.values.ref("load_balancer_arn")
    if kind == "redirect":
        _state(ctx).shaping.setdefault(balancer or "", []).append(resource.origin)
        return cover(resource, "mapped", "HTTP→HTTPS redirect (Traefik's web entry point)")
    group = _forward_group(action) if action else None
    if group is None:
        return cover(resource, "unmapped", f"default action {kind or '(none)'} is not mapped")
    name = safe_name(f"alb-{resource.name}-default")
    _state(ctx).routers.append(Router(name, group, resource.origin, 1, balancer=balancer))
    lost = ["listener certificate (Traefik obtains one via ACME)"]
    return cover(resource, "partial", f"Traefik router `{name}`", lost=lost)


def _forward_group(action: Values) -> str | None:
    group = action.ref("target_group_arn")
    if group:
        return group
    forward = action.block("forward")
    tg = forward.block("target_group") if forward else None
    return tg.ref("arn") if tg else None


def map_listener_rule(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    action = values.block("action")
    group = _forward_group(action) if action else None
    if group is None:
        return cover(resource, "unmapped", "only forward actions are mapped (OIDC/Cognito lost)")
    listener = ctx.module.by_address(values.ref("listener_arn") or "")
    router = Router(
        safe_name(f"alb-{resource.name}-{resource.key or ''}"),
        group,
        resource.origin,
        10000 - values.integer("priority", 100),
        balancer=listener.values.ref("load_balancer_arn") if listener else None,
    )
    lost = _conditions(values, router)
    _state(ctx).routers.append(router)
    return mapped_or_partial(resource, f"Traefik router `{router.name}`", lost, "traefik")


def _conditions(values: Values, router: Router) -> list[str]:
    lost = []
    for condition in values.blocks("condition"):
        for kind in ("path_pattern", "host_header", "http_request_method"):
            block = condition.block(kind)
            items = [str(v) for v in (block.get("values") or [])] if block else []
            if kind == "path_pattern":
                router.paths += tuple(items)
            elif kind == "host_header":
                router.hosts += tuple(h for h in items if is_host(h))
            elif items:
                router.methods += tuple(m.upper() for m in items if m.isalpha())
        for kind in ("http_header", "query_string", "source_ip"):
            if condition.has(kind):
                lost.append(f"{kind} condition")
    return lost


def finish(ctx: MapContext) -> None:
    state = _state(ctx)
    targets: dict[str, tuple[str, int]] = ctx.family("lb.ecs_targets", dict)
    routers = sorted((r for r in state.routers if r.group in targets), key=lambda r: r.name)
    _restate_unrouted(ctx, state, routers)
    if not routers:
        return
    shaping = {o for r in routers for o in state.shaping.get(r.balancer or "", [])}
    shaping |= {state.groups[r.group] for r in routers if r.group in state.groups}
    origins = tuple(sorted({r.origin for r in routers} | shaping))
    for router in routers:
        service, port = targets[router.group]
        backend = f"alb-{service}-{port}"
        ctx.stack.backends[backend] = Backend(
            name=backend,
            file="alb",
            service=service,
            url=f"http://{service}:{port}",
            origins=origins,
            health_path=_safe_path(state.health.get(router.group, "/")),
        )
        ctx.stack.http_routes.append(
            HttpRoute(
                name=router.name,
                file="alb",
                backend=backend,
                origins=(router.origin,),
                hosts=router.hosts,
                methods=router.methods,
                paths=tuple(PathMatch("glob", p) for p in router.paths),
                priority=router.priority,
            )
        )


def _restate_unrouted(ctx: MapContext, state: Balancer, routers: list[Router]) -> None:
    """Balancers and target groups that no generated router reaches do nothing here."""
    for router in state.routers:
        if router not in routers:
            why = "its target group has no ECS service of this configuration: nothing to route to"
            ctx.restate(router.origin, "unmapped", why, blocking=False)
    used_groups = {r.group for r in routers}
    for address, origin in state.groups.items():
        if address not in used_groups:
            why = "no ECS service of this configuration registers in this target group"
            ctx.restate(origin, "unmapped", why, blocking=False)
    used = {r.balancer for r in routers}
    for address, origin in state.balancers.items():
        if address not in used:
            why = "none of its listeners forwards to a service of this configuration"
            ctx.restate(origin, "unmapped", why, blocking=False)


def _safe_path(path: str) -> str:
    return path if re.fullmatch(r"/[A-Za-z0-9._~/-]*", path) else "/"
