"""Traefik, the API Gateway replacement: the only service with published ports."""

from __future__ import annotations

from cloudexit_ci.options import Options
from cloudexit_ci.stack import Dependency, HealthCheck, Origin, Service, Stack, Volume
from cloudexit_ci.targets import images


def add_gateway(stack: Stack, options: Options) -> None:
    if not stack.routes and not stack.apis:
        return
    backends = sorted({s.name for s in stack.services.values() if s.role == "function"})
    origins = tuple(a.origin for _, a in sorted(stack.apis.items()))
    comment = "API Gateway replacement: routes from traefik/dynamic, TLS via ACME"
    put_traefik(stack, origins, backends, comment)


def put_traefik(
    stack: Stack, origins: tuple[Origin, ...], backends: list[str], comment: str
) -> None:
    """Add Traefik (or widen the one already there) with ``backends`` to wait for."""
    existing = stack.services.get("traefik")
    deps = {d.service for d in existing.depends_on} if existing else set()
    deps |= set(backends)
    merged = tuple(sorted({*(existing.origins if existing else ()), *origins}))
    stack.volumes["traefik-acme"] = Volume("traefik-acme")
    stack.services["traefik"] = Service(
        name="traefik",
        origins=merged,
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
        depends_on=tuple(Dependency(b, "service_started") for b in sorted(deps)),
        comment=existing.comment if existing else comment,
    )
