"""The edge: API routes become routers to the services that run their functions, and
Traefik is added as the only service with published ports when anything is routed."""

from __future__ import annotations

import re

from cloudexit_ci import images, precedence
from cloudexit_ci.options import Options
from cloudexit_ci.stack import (
    Api,
    Backend,
    Dependency,
    HealthCheck,
    HttpRoute,
    Middleware,
    Origin,
    PathMatch,
    RateLimit,
    Route,
    Service,
    Stack,
    Volume,
)
from cloudexit_ci.targets import edgeauth

HEALTH_PATH = "/__cloudexit/health"
SHIM_PORT = 8080
FUNCTIONS_FILE = "services"


def add_gateway(stack: Stack, options: Options) -> None:
    service_of = {key: s.name for s in stack.services.values() for key in s.serves}
    # one order for every API on the domain, their stages in the paths
    ranks = precedence.priorities(
        (r.method, full_path(stack.apis[r.api], r)) for r in stack.routes if r.api in stack.apis
    )
    for _, api in sorted(stack.apis.items()):
        _api_edge(stack, api, service_of, ranks)
    if not stack.http_routes and not stack.apis:
        return
    origins = tuple(a.origin for _, a in sorted(stack.apis.items()))
    edgeauth.add_gateway_auth(stack)
    routed = {r.backend for r in stack.http_routes if r.file in stack.apis}
    for name in sorted(routed - set(stack.backends) - {""}):
        shim = name in stack.function_images  # a container image function has no shim
        stack.backends[name] = Backend(
            name=name,
            file=FUNCTIONS_FILE,
            service=name,
            url=f"http://{name}:{SHIM_PORT}",
            origins=origins,
            health_path=HEALTH_PATH if shim else None,
            health_interval_s=10 if shim else None,
            health_timeout_s=3 if shim else None,
        )
    stack.services["traefik"] = _traefik(stack)


def full_path(api: Api, route: Route) -> str:
    """The route's path in the invoke URL (a named stage first)."""
    if route.path == "$default" or not api.stage_in_path:
        return route.path
    return f"/{api.stage}{route.path}"


def _api_edge(
    stack: Stack, api: Api, service_of: dict[str, str], ranks: dict[tuple[str, str], int]
) -> None:
    names = _middlewares(stack, api)
    routes = sorted((r for r in stack.routes if r.api == api.key), key=lambda r: r.route_key)
    served = [r for r in routes if r.function in service_of or r.mock or r.proxy or denied(r)]
    for route in served:
        name = router_name(api, route)
        backend, own = edgeauth.route_edge(stack, api, route, name, service_of)
        stack.http_routes.append(
            HttpRoute(
                name=name,
                file=api.key,
                backend=backend,
                origins=(route.origin, *route.sources, api.origin),
                hosts=_hosts(api),
                methods=() if route.method == "ANY" else (route.method,),
                paths=_paths(api, route),
                priority=ranks[(route.method, full_path(api, route))],
                middlewares=(*names, *own),
            )
        )
    functions = [r for r in served if r.function in service_of]
    if api.cors is not None and functions:
        # Preflight requests match no method router: this one lets the CORS
        # middleware answer OPTIONS itself (the backend never sees it).
        stack.http_routes.append(
            HttpRoute(
                name=f"{api.key}-cors-preflight",
                file=api.key,
                backend=service_of[functions[0].function],
                origins=(api.origin,),
                hosts=_hosts(api),
                methods=("OPTIONS",),
                paths=tuple(PathMatch("prefix", p) for p in _prefixes(api)),
                priority=precedence.PREFLIGHT,
                middlewares=(f"{api.key}-cors",),
            )
        )


def denied(route: Route) -> bool:
    return route.auth is not None and bool(route.auth.denied)


def _hosts(api: Api) -> tuple[str, ...]:
    """A function URL's own host name; () for an API on the stack's domain."""
    return (api.host,) if api.host else ()


def _prefixes(api: Api) -> tuple[str, ...]:
    """Where the API is served: under its named stage (as its invoke URL), else at /."""
    return (f"/{api.stage}/",) if api.stage_in_path else ()


def _paths(api: Api, route: Route) -> tuple[PathMatch, ...]:
    stage = f"/{api.stage}" if api.stage_in_path else ""
    if route.path == "$default":
        return (PathMatch("prefix", f"{stage}/"),) if stage else ()
    return (PathMatch("template", stage + route.path),)


def _middlewares(stack: Stack, api: Api) -> tuple[str, ...]:
    found = [edgeauth.header_policy(api)]
    if api.throttle is not None:
        # API Gateway's stage limits count every client together
        limit = RateLimit(api.throttle.rate_per_s, api.throttle.burst, per_client=False)
        origins = (api.origin, *api.sources)
        found.append(Middleware(f"{api.key}-ratelimit", api.key, limit, origins))
    if api.cors is not None:
        found.append(Middleware(f"{api.key}-cors", api.key, api.cors, (api.origin,)))
    for middleware in found:
        stack.middlewares[middleware.name] = middleware
    return tuple(m.name for m in found)


def router_name(api: Api, route: Route) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", route.path.lower()).strip("-") or "root"
    if route.path == "$default":
        slug = "default"
    return f"{api.key}-{route.method.lower()}-{slug}"


def _traefik(stack: Stack) -> Service:
    backends = sorted({b.service for b in stack.backends.values()} - {""})
    origins: set[Origin] = {a.origin for a in stack.apis.values()}
    origins |= {o for b in stack.backends.values() for o in b.origins}
    comment = (
        "API Gateway replacement: routes from traefik/dynamic"
        if stack.apis
        else "load balancer replacement: routers in traefik/dynamic"
    )
    stack.volumes["traefik-acme"] = Volume("traefik-acme")
    return Service(
        name="traefik",
        origins=tuple(sorted(origins)),
        role="gateway",
        image=images.TRAEFIK,
        volumes=(
            ("./traefik/traefik.yml", "/etc/traefik/traefik.yml:ro"),
            ("./traefik/dynamic", "/etc/traefik/dynamic:ro"),
            ("traefik-acme", "/acme"),
        ),
        ports=("80:80", "443:443"),
        networks=("frontend",),
        healthcheck=HealthCheck(("CMD", "traefik", "healthcheck", "--ping"), interval_s=10),
        depends_on=tuple(Dependency(b, "service_started") for b in backends),
        comment=f"{comment}, TLS via ACME",
    )
