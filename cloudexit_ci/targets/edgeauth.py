"""How API Gateway's protections and non-Lambda integrations run at the edge.

Every API router first drops client-sent copies of the internal headers (and Traefik's
own forwarding headers that API Gateway does not send). A protected route then asks the
gateway-auth service (templates/extras/gateway_auth.py, standard library only) through
Traefik's forwardAuth: JWT/Cognito checks, Lambda authorizers, API keys and usage plans;
its 2xx answer carries the authorizer's output in ``X-Cloudexit-Authorizer``, which the
shim puts in ``requestContext.authorizer``. A route whose protection cannot be reproduced
gets the same forwardAuth, which refuses everything, and no backend at all. MOCK
integrations are answered by gateway-auth; HTTP proxies go to their URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cloudexit_ci import images
from cloudexit_ci.apiauth import (
    ForwardAuth,
    JwtAuthorizer,
    LambdaAuthorizer,
    PathRewrite,
    RequestHeaders,
)
from cloudexit_ci.stack import (
    Api,
    Backend,
    Dependency,
    ExtraFile,
    HealthCheck,
    Middleware,
    Origin,
    Route,
    Service,
    Stack,
)
from cloudexit_ci.values import EnvRef, Invoke, Value

SERVICE = "gateway-auth"
PORT = 8080
URL = f"http://{SERVICE}:{PORT}"
INTERNAL_HEADER = "X-Cloudexit-Authorizer"
ROUTE_HEADER = "X-Cloudexit-Route"
# what Traefik adds and API Gateway does not send (X-Forwarded-For/-Proto/-Port stay)
TRAEFIK_HEADERS = ("X-Forwarded-Host", "X-Forwarded-Server", "X-Real-Ip")
CONFIG = f"{SERVICE}/config.json"


def header_policy(api: Api) -> Middleware:
    removed = (INTERNAL_HEADER, ROUTE_HEADER, *TRAEFIK_HEADERS)
    return Middleware(f"{api.key}-edge-headers", api.key, RequestHeaders(remove=removed))


def _config(stack: Stack) -> dict[str, Any]:
    if CONFIG not in stack.extra_files:
        data: dict[str, Any] = {"routes": {}, "mocks": {}}
        stack.extra_files[CONFIG] = ExtraFile("json", data, ())
    config: dict[str, Any] = stack.extra_files[CONFIG].data
    return config


def route_edge(
    stack: Stack, api: Api, route: Route, name: str, service_of: dict[str, str]
) -> tuple[str, tuple[str, ...]]:
    """The backend of a route's router ("": none) and its own middlewares, in order."""
    own: list[Middleware] = []
    auth = route.auth
    if auth is not None and auth.protected:
        _config(stack)["routes"][name] = _route_entry(stack, api, route)
        policy = ForwardAuth(f"{URL}/auth/{name}", copy=(INTERNAL_HEADER,))
        own.append(Middleware(f"{name}-auth", api.key, policy, (route.origin,)))
    backend = service_of.get(route.function, "")
    if auth is not None and auth.denied:
        backend = ""  # refused at the edge: reaches nothing
    elif route.mock is not None:
        mock = route.mock
        _config(stack)["mocks"][name] = {
            "status": mock.status,
            "headers": [list(h) for h in mock.headers],
            "body": mock.body,
        }
        own.append(Middleware(f"{name}-mock", api.key, RequestHeaders(set=((ROUTE_HEADER, name),))))
        backend = SERVICE
    elif route.proxy is not None:
        backend = f"{name}-upstream"
        parts = urlsplit(route.proxy.url)
        stack.backends[backend] = Backend(
            backend,
            api.key,
            "",
            f"{parts.scheme}://{parts.netloc}",
            (route.origin,),
            pass_host=False,
        )
        stage = f"/{api.stage}" if api.stage_in_path else ""
        template = stage + ("/{proxy+}" if route.path == "$default" else route.path)
        rewrite = PathRewrite(template, parts.path or "/")
        own.append(Middleware(f"{name}-path", api.key, rewrite, (route.origin,)))
    for middleware in own:
        stack.middlewares[middleware.name] = middleware
    return backend, tuple(m.name for m in own)


def _route_entry(stack: Stack, api: Api, route: Route) -> dict[str, Any]:
    auth = route.auth
    assert auth is not None
    return {
        "api": api.key,
        "kind": api.kind,
        "payload": api.payload_version,
        "stage": api.stage,
        "prefix": f"/{api.stage}" if api.stage_in_path else "",
        "method": route.method,
        "path": route.path,
        "authorizer": auth.authorizer or None,
        "scopes": list(auth.scopes),
        "apiKey": auth.api_key,
        "denied": auth.denied or None,
    }


def add_gateway_auth(stack: Stack) -> None:
    """The gateway-auth service, its config (authorizers, keys, plans) and its backend,
    once any route needs it."""
    if CONFIG not in stack.extra_files:
        return
    config = _config(stack)
    used = {r["authorizer"] for r in config["routes"].values() if r["authorizer"]}
    config["authorizers"] = {k: _authorizer(stack, k) for k in sorted(used)}
    config["apiKeys"] = {
        k: {"env": key.env, "enabled": key.enabled} for k, key in sorted(stack.api_keys.items())
    }
    config["plans"] = {k: _plan(stack, k) for k in sorted(stack.usage_plans)}
    config["region"], config["account"] = stack.region, stack.account
    origins = _origins(stack, used)
    sources = tuple(sorted({o.address for o in origins}))
    stack.extra_files[CONFIG] = ExtraFile("json", config, sources)
    stack.extra_files[f"{SERVICE}/gateway_auth.py"] = ExtraFile(
        "static", None, sources, "extras/gateway_auth.py"
    )
    stack.backends[SERVICE] = Backend(SERVICE, SERVICE, SERVICE, URL, origins, "/__health", 10, 3)
    stack.services[SERVICE] = _service(stack, origins, config)


def _origins(stack: Stack, used: set[str]) -> tuple[Origin, ...]:
    """Protected and MOCK routes, the authorizers they use, the responses, usage plans."""
    found = {o for r in stack.routes if r.auth or r.mock for o in (r.origin, *r.sources)}
    found |= {o for r in stack.routes if r.mock for o in r.mock.origins}
    found |= {o for k in used for o in stack.authorizers[k].origins}
    found |= {o for p in stack.usage_plans.values() for o in p.origins}
    return tuple(sorted(found))


def _authorizer(stack: Stack, key: str) -> dict[str, Any]:
    found = stack.authorizers[key]
    if isinstance(found, JwtAuthorizer):
        return {
            "type": "jwt",
            "issuer": found.issuer,
            "discovery": found.discovery or found.issuer,
            "audiences": list(found.audiences),
            "clientClaims": list(found.client_claims),
            "identitySource": found.identity_source,
            "cognito": found.cognito,
        }
    invoke: Value = Invoke(found.function)
    return {
        "type": "lambda",
        "invoke": invoke,
        "kind": found.kind,
        "payload": found.payload,
        "identitySources": list(found.identity_sources),
        "ttl": found.ttl_s,
        "simple": found.simple_responses,
        "validation": found.validation or None,
    }


def _plan(stack: Stack, key: str) -> dict[str, Any]:
    plan = stack.usage_plans[key]
    return {
        "stages": [list(s) for s in plan.stages],
        "keys": list(plan.api_keys),
        "rate": plan.rate_per_s,
        "burst": plan.burst,
        "quota": plan.quota,
        "period": plan.quota_period,
    }


def _service(stack: Stack, origins: tuple[Any, ...], config: dict[str, Any]) -> Service:
    keys = sorted(stack.api_keys.values(), key=lambda k: k.env)
    functions = sorted(
        a.function
        for k, a in stack.authorizers.items()
        if k in config["authorizers"] and isinstance(a, LambdaAuthorizer)
    )
    return Service(
        name=SERVICE,
        origins=origins,
        role="worker",
        image=images.POLLER_PYTHON,
        command=("python", "-u", f"/opt/{SERVICE}/gateway_auth.py", f"/opt/{SERVICE}/config.json"),
        environment=tuple((k.env, EnvRef(k.env)) for k in keys),
        networks=("frontend", "backend"),  # Traefik reaches it; it reaches functions, Keycloak
        volumes=((f"./{SERVICE}", f"/opt/{SERVICE}:ro"),),
        expose=(PORT,),
        healthcheck=HealthCheck(
            ("CMD", "python", f"/opt/{SERVICE}/gateway_auth.py", "--healthcheck"), interval_s=10
        ),
        depends_on=tuple(Dependency(f, "service_started", on_function=True) for f in functions),
        user="10001:10001",
        secrets=tuple(k.env for k in keys),
        comment="API Gateway authorization at the edge: JWT, Lambda authorizers, API keys, MOCK",
    )
