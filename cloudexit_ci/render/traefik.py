"""Routes (IR) → Traefik static and dynamic configuration, dumped from data."""

from __future__ import annotations

import re
from typing import Any

from cloudexit_ci.stack import Api, Route, Stack

HEALTH_PATH = "/__cloudexit/health"
_SAFE_LITERAL = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")
_PARAM = re.compile(r"^\{([A-Za-z0-9_.-]+)(\+?)\}$")


def static_config(stack: Stack, acme_email: str) -> dict[str, Any]:
    acme: dict[str, Any] = {"storage": "/acme/acme.json", "tlsChallenge": {}}
    if acme_email:
        acme = {"email": acme_email, **acme}
    return {
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


def services_config(stack: Stack, service_of: dict[str, str]) -> dict[str, Any]:
    """One Traefik service per backend container, with the shim's health check."""
    backends = sorted(set(service_of.values()))
    return {
        "http": {
            "services": {
                name: {
                    "loadBalancer": {
                        "servers": [{"url": f"http://{name}:8080"}],
                        "healthCheck": {"path": HEALTH_PATH, "interval": "10s", "timeout": "3s"},
                        "passHostHeader": True,
                    }
                }
                for name in backends
            }
        }
    }


def api_config(stack: Stack, api: Api, service_of: dict[str, str]) -> dict[str, Any]:
    """Routers and middlewares of one API. ``service_of``: function key → service."""
    middlewares = _middlewares(api)
    routers = {}
    routes = sorted((r for r in stack.routes if r.api == api.key), key=lambda r: r.route_key)
    for route in routes:
        if route.function not in service_of:
            continue
        name = router_name(api, route)
        routers[name] = {
            "rule": rule(stack.domain, route),
            "entryPoints": ["websecure"],
            "service": service_of[route.function],
            "priority": priority(route),
            "tls": {"certResolver": "letsencrypt"},
        }
        if middlewares:
            routers[name]["middlewares"] = sorted(middlewares)
    if api.cors is not None and routers:
        # Preflight requests match no method router: this one lets the CORS
        # middleware answer OPTIONS itself (the backend never sees it).
        routers[f"{api.key}-cors-preflight"] = {
            "rule": f"Host(`{stack.domain}`) && Method(`OPTIONS`)",
            "entryPoints": ["websecure"],
            "service": next(iter(routers.values()))["service"],
            "priority": 10000,
            "tls": {"certResolver": "letsencrypt"},
            "middlewares": [f"{api.key}-cors"],
        }
    http: dict[str, Any] = {"routers": routers}
    if middlewares:
        http["middlewares"] = middlewares
    return {"http": http}


def router_name(api: Api, route: Route) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", route.path.lower()).strip("-") or "root"
    if route.path == "$default":
        slug = "default"
    return f"{api.key}-{route.method.lower()}-{slug}"


def rule(domain: str, route: Route) -> str:
    parts = [f"Host(`{domain}`)"]
    if route.method != "ANY":
        parts.append(f"Method(`{route.method}`)")
    if route.path != "$default":
        parts.append(path_matcher(route.path))
    return " && ".join(parts)


def path_matcher(path: str) -> str:
    """``/items`` → Path; templates (``{id}``, ``{proxy+}``) → an anchored PathRegexp."""
    segments = path.strip("/").split("/") if path.strip("/") else []
    if all(_PARAM.match(s) is None for s in segments) and _SAFE_LITERAL.match(path):
        return f"Path(`{path}`)"
    pieces = []
    for segment in segments:
        param = _PARAM.match(segment)
        if param is None:
            pieces.append(_go_escape(segment))
        else:
            pieces.append(".+" if param.group(2) else "[^/]+")
    return f"PathRegexp(`^/{'/'.join(pieces)}$`)"


def _go_escape(text: str) -> str:
    """Escape for Go's RE2 inside a backtick-quoted Traefik rule (no backtick survives)."""
    out = []
    for ch in text:
        if ch.isalnum() or ch in "-_~":
            out.append(ch)
        elif ch == "`" or ord(ch) < 32 or ord(ch) > 126:
            out.append("".join(f"\\x{b:02x}" for b in ch.encode()))
        else:
            out.append("\\" + ch)
    return "".join(out)


def priority(route: Route) -> int:
    """Literal segments beat parameters, which beat greedy ones; $default is last."""
    if route.path == "$default":
        return 1
    score = 1000
    for segment in route.path.strip("/").split("/"):
        param = _PARAM.match(segment)
        score += 1 if param and param.group(2) else 10 if param else 100
    return score + (5 if route.method != "ANY" else 0)


def _middlewares(api: Api) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if api.throttle is not None:
        out[f"{api.key}-ratelimit"] = {
            "rateLimit": {
                "average": max(1, round(api.throttle.rate_per_s)),
                "period": "1s",
                "burst": max(1, api.throttle.burst),
            }
        }
    if api.cors is not None:
        out[f"{api.key}-cors"] = {"headers": _cors_headers(api)}
    return out


def _cors_headers(api: Api) -> dict[str, Any]:
    cors = api.cors
    assert cors is not None
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
