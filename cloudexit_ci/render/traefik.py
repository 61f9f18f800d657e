"""Edge routing (IR) → Traefik static and dynamic configuration, dumped from data.

The only module that writes Traefik configuration. Routers, backends and
middlewares come from the IR (``HttpRoute``, ``Backend``, ``Middleware``)
whatever produced them (API Gateway routes, ALB listener rules, CloudFront,
Keycloak); every matcher goes through one escaper, so no value can leave the
backtick-quoted string it lands in.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from cloudexit_ci.apiauth import ForwardAuth, PathRewrite, RequestHeaders
from cloudexit_ci.naming import is_host
from cloudexit_ci.stack import (
    Backend,
    Cors,
    HttpRoute,
    Middleware,
    PathMatch,
    RateLimit,
    SourceAllowList,
    Stack,
)

_SAFE_LITERAL = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@%/-]*\Z")
_PARAM = re.compile(r"^\{([A-Za-z0-9_.-]+)(\+?)\}\Z")
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~/")
TLS = {"certResolver": "letsencrypt"}
NOWHERE = "noop@internal"  # a router refused by its middlewares reaches no service


def static_config(acme_email: str, *, balanced_backends: bool = False) -> dict[str, Any]:
    """``balanced_backends``: every backend is a load-balanced virtual address (a Swarm or
    Kubernetes Service in front of replicas): a new connection per request, so that the
    orchestrator's per-connection balancing spreads requests (a kept-alive connection
    would pin one Traefik to one replica)."""
    acme: dict[str, Any] = {"storage": "/acme/acme.json", "tlsChallenge": {}}
    if acme_email:
        acme = {"email": acme_email, **acme}
    transport = {"serversTransport": {"maxIdleConnsPerHost": -1}} if balanced_backends else {}
    return transport | {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},  # no calls home
        "entryPoints": {
            "web": {
                "address": ":80",
                "http": {"redirections": {"entryPoint": {"to": "websecure", "scheme": "https"}}},
            },
            "websecure": {"address": ":443"},
            "ping": {"address": ":8082"},
        },
        "ping": {"entryPoint": "ping"},
        "providers": {"file": {"directory": "/etc/traefik/dynamic", "watch": True}},
        "certificatesResolvers": {"letsencrypt": {"acme": acme}},
        "api": {"dashboard": False},
        "log": {"level": "INFO"},
        "accessLog": {"format": "json"},
    }


DynamicFiles = dict[str, tuple[dict[str, Any], tuple[str, ...]]]


def dynamic_files(stack: Stack) -> DynamicFiles:
    """File key → (its dynamic configuration, the Terraform addresses it came from)."""
    routers: dict[str, list[HttpRoute]] = defaultdict(list)
    for route in stack.http_routes:
        routers[route.file].append(route)
    backends: dict[str, list[Backend]] = defaultdict(list)
    for backend in stack.backends.values():
        backends[backend.file].append(backend)
    middlewares: dict[str, list[Middleware]] = defaultdict(list)
    for middleware in stack.middlewares.values():
        middlewares[middleware.file].append(middleware)
    out = {}
    for key in sorted({*routers, *backends, *middlewares}):
        http = _http(stack.domain, routers[key], middlewares[key], backends[key])
        origins = [o for r in routers[key] for o in r.origins]
        origins += [o for b in backends[key] for o in b.origins]
        origins += [o for m in middlewares[key] for o in m.origins]
        out[key] = ({"http": http}, tuple(sorted({o.address for o in origins})))
    return out


def _http(
    domain: str, routes: list[HttpRoute], middlewares: list[Middleware], backends: list[Backend]
) -> dict[str, Any]:
    http: dict[str, Any] = {}
    if routes:
        http["routers"] = {r.name: _router(domain, r) for r in sorted(routes, key=lambda r: r.name)}
    if middlewares:
        http["middlewares"] = {m.name: _middleware(m) for m in sorted(middlewares, key=_name)}
    if backends:
        http["services"] = {b.name: _backend(b) for b in sorted(backends, key=_name)}
    return http


def _name(item: Backend | Middleware) -> str:
    return item.name


def _router(domain: str, route: HttpRoute) -> dict[str, Any]:
    router: dict[str, Any] = {
        "rule": rule(domain, route),
        "entryPoints": ["websecure"],
        "service": route.backend or NOWHERE,
    }
    if route.priority is not None:
        router["priority"] = route.priority
    router["tls"] = TLS
    if route.middlewares:
        router["middlewares"] = list(route.middlewares)  # in order: the first runs first
    return router


def rule(domain: str, route: HttpRoute) -> str:
    """Host && Method && Path (&& !excluded); alternatives of one kind are OR-ed."""
    groups = [[_host(h) for h in route.hosts or (domain,)]]
    groups.append([f"Method(`{_escape(m)}`)" for m in route.methods])
    groups.append([path_matcher(p) for p in route.paths])
    parts = [g[0] if len(g) == 1 else f"({' || '.join(g)})" for g in groups if g]
    parts += [f"!{path_matcher(p)}" for p in route.exclude]
    return " && ".join(parts)


def _host(host: str) -> str:
    if not is_host(host):  # producers validate names: this is a bug guard
        raise AssertionError(f"not a host name: {host!r}")
    if host.startswith("*."):
        return f"HostRegexp(`^[^.]+{_escape(host[1:])}$`)"
    return f"Host(`{host}`)"


def path_matcher(match: PathMatch) -> str:
    """One path condition; API Gateway templates become an anchored PathRegexp."""
    if match.kind == "prefix":
        return f"PathPrefix(`{_escape(match.pattern)}`)"
    if match.kind == "glob":
        out = "".join(".*" if c == "*" else "." if c == "?" else _escape(c) for c in match.pattern)
        return f"PathRegexp(`^{out}$`)"
    path = match.pattern
    segments = path.strip("/").split("/") if path.strip("/") else []
    if all(_PARAM.match(s) is None for s in segments) and _SAFE_LITERAL.match(path):
        return f"Path(`{path}`)"
    pieces = []
    for segment in segments:
        param = _PARAM.match(segment)
        if param is None:
            pieces.append(_escape(segment))
        else:
            pieces.append(".+" if param.group(2) else "[^/]+")
    return f"PathRegexp(`^/{'/'.join(pieces)}$`)"


def _escape(text: str) -> str:
    """Literal text inside a backtick-quoted rule, as Go's RE2 reads it: letters, digits
    and ``-_~/`` as they are; other printable ASCII backslash-escaped; a backtick,
    control or non-ASCII character as a code point ``\\x{HEX}`` (never raw bytes)."""
    out = []
    for ch in text:
        if ch in _PLAIN:
            out.append(ch)
        elif ch == "`" or not ch.isascii() or not ch.isprintable():
            out.append(f"\\x{{{ord(ch):x}}}")
        else:
            out.append("\\" + ch)
    return "".join(out)


def _middleware(middleware: Middleware) -> dict[str, Any]:
    policy = middleware.policy
    if isinstance(policy, RateLimit):
        limit: dict[str, Any] = {
            "average": max(1, round(policy.rate_per_s)),
            "period": "1s",
            "burst": max(1, policy.burst),
        }
        if not policy.per_client:  # one bucket for every client of the host
            limit["sourceCriterion"] = {"requestHost": True}
        return {"rateLimit": limit}
    if isinstance(policy, SourceAllowList):
        return {"ipAllowList": {"sourceRange": list(policy.ranges)}}
    if isinstance(policy, ForwardAuth):
        auth: dict[str, Any] = {"address": policy.url, "trustForwardHeader": False}
        if policy.copy:
            auth["authResponseHeaders"] = list(policy.copy)
        return {"forwardAuth": auth}
    if isinstance(policy, RequestHeaders):
        custom = {name: "" for name in policy.remove} | dict(policy.set)
        return {"headers": {"customRequestHeaders": custom}}  # "" removes a header
    if isinstance(policy, PathRewrite):
        return {"replacePathRegex": path_rewrite(policy)}
    return {"headers": _cors_headers(policy)}


def path_rewrite(rewrite: PathRewrite) -> dict[str, str]:
    """The template's parameters become numbered groups, substituted into the target."""
    groups: dict[str, int] = {}
    pieces = []
    for segment in [s for s in rewrite.template.split("/") if s]:
        param = _PARAM.match(segment)
        if param is None:
            pieces.append(_escape(segment))
            continue
        groups[param.group(1)] = len(groups) + 1
        pieces.append("(.+)" if param.group(2) else "([^/]+)")
    target = re.sub(
        r"\{([A-Za-z0-9_.-]+)\+?\}",
        lambda m: f"${{{groups[m.group(1)]}}}" if m.group(1) in groups else m.group(0),
        rewrite.target.replace("$", "$$"),
    )
    return {"regex": f"^/{'/'.join(pieces)}$", "replacement": target}


def _cors_headers(cors: Cors) -> dict[str, Any]:
    headers: dict[str, Any] = {
        "accessControlAllowOriginList": list(cors.allow_origins),
        "accessControlAllowMethods": list(cors.allow_methods),
        "accessControlAllowHeaders": list(cors.allow_headers),
    }
    if cors.expose_headers:
        headers["accessControlExposeHeaders"] = list(cors.expose_headers)
    if cors.allow_credentials:
        headers["accessControlAllowCredentials"] = True
    if cors.max_age_s:
        headers["accessControlMaxAge"] = cors.max_age_s
    headers["addVaryHeader"] = True
    return headers


def _backend(backend: Backend) -> dict[str, Any]:
    balancer: dict[str, Any] = {"servers": [{"url": backend.url}]}
    if backend.health_path is not None:
        check: dict[str, Any] = {"path": backend.health_path}
        if backend.health_interval_s is not None:
            check["interval"] = f"{backend.health_interval_s}s"
        if backend.health_timeout_s is not None:
            check["timeout"] = f"{backend.health_timeout_s}s"
        balancer["healthCheck"] = check
    if backend.pass_host is not None:
        balancer["passHostHeader"] = backend.pass_host
    return {"loadBalancer": balancer}


# Traefik's Kubernetes CRD provider (--platform kubernetes, components/traefik-crd): the
# same routers and middlewares as objects of the cluster, from the same data.
CRD_API = "traefik.io/v1alpha1"
_OBJECT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")


def crd_static_config(acme_email: str, stack: Stack) -> dict[str, Any]:
    """The static configuration with the Kubernetes CRD provider in place of the file one:
    it reads the stack's namespace only; a route whose service has no ready pod answers
    503 (``allowEmptyServices``) instead of vanishing and letting a wider route match;
    ExternalName Services are allowed only when an upstream outside the stack needs them."""
    static = static_config(acme_email)
    crd: dict[str, Any] = {"namespaces": [stack.name], "allowEmptyServices": True}
    if any(not b.service for b in stack.backends.values()):
        crd["allowExternalNameServices"] = True
    return static | {"providers": {"kubernetesCRD": crd}}


def object_name(name: str) -> str:
    """A router or middleware name as a Kubernetes object name (a DNS label): kept when it
    is one, else lower-cased, other characters as ``-``, and a digest of the original (two
    names that differ only there stay two objects)."""
    if _OBJECT_NAME.match(name):
        return name
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:52].strip("-") or "x"
    return f"{slug}-{hashlib.sha256(name.encode()).hexdigest()[:10]}"


def crd_objects(stack: Stack, dynamic: DynamicFiles) -> list[dict[str, Any]]:
    """Middlewares, ExternalName Services for upstreams outside the stack, then one
    IngressRoute per dynamic file that has routers (its routes in router-name order),
    from the dynamic files the file provider reads (``dynamic_files``)."""
    middlewares: list[dict[str, Any]] = []
    routes: list[dict[str, Any]] = []
    external: dict[str, dict[str, Any]] = {}
    for key, (document, _) in dynamic.items():
        http = document["http"]
        for name, spec in http.get("middlewares", {}).items():
            middlewares.append(_crd_object("Middleware", name, stack.name, spec))
        if "routers" in http:
            spec = {
                "entryPoints": ["websecure"],
                "routes": [_crd_route(r, stack, external) for r in http["routers"].values()],
                "tls": TLS,
            }
            routes.append(_crd_object("IngressRoute", key, stack.name, spec))
    return middlewares + [external[n] for n in sorted(external)] + routes


def _crd_object(kind: str, name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    meta = {"name": object_name(name), "namespace": namespace}
    return {"apiVersion": CRD_API, "kind": kind, "metadata": meta, "spec": spec}


def _crd_route(
    router: dict[str, Any], stack: Stack, external: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    # every router of the edge is on websecure with the ACME resolver (_router)
    assert router["entryPoints"] == ["websecure"] and router["tls"] == TLS
    route: dict[str, Any] = {"kind": "Rule", "match": router["rule"]}
    if "priority" in router:
        route["priority"] = router["priority"]
    if "middlewares" in router:
        route["middlewares"] = [{"name": object_name(m)} for m in router["middlewares"]]
    route["services"] = [_crd_service(router["service"], stack, external)]
    return route


def _crd_service(name: str, stack: Stack, external: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A backend → the Kubernetes Service it reaches: a stack service's (same name and port
    as Compose's; Traefik balances its ready pods, whose readiness probes come from the
    same healthcheck as the file provider's health check), or an ExternalName Service for
    an upstream outside the stack (an HTTP proxy integration)."""
    if name == NOWHERE:
        return {"name": NOWHERE, "kind": "TraefikService"}
    backend = stack.backends[name]
    url = urlsplit(backend.url)
    port = url.port or (443 if url.scheme == "https" else 80)
    out: dict[str, Any] = {"name": backend.service, "port": port}
    if backend.service:
        assert url.hostname == backend.service, backend.url
    else:
        out["name"] = object_name(backend.name)
        external[out["name"]] = _external(out["name"], url.hostname or "", port, stack.name)
    if url.scheme == "https":
        out["scheme"] = "https"
    if backend.pass_host is not None:
        out["passHostHeader"] = backend.pass_host
    return out


def _external(name: str, host: str, port: int, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "type": "ExternalName",
            "externalName": host,
            "ports": [{"name": f"tcp-{port}", "port": port, "protocol": "TCP"}],
        },
    }
