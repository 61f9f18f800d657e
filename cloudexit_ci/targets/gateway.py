"""Traefik, the API Gateway replacement: the only service with published ports."""

from __future__ import annotations

from cloudexit_ci.options import Options
from cloudexit_ci.stack import Dependency, HealthCheck, Service, Stack, Volume
from cloudexit_ci.targets import images


def add_gateway(stack: Stack, options: Options) -> None:
    if not stack.routes and not stack.apis:
        return
    backends = sorted({s.name for s in stack.services.values() if s.role == "function"})
    stack.volumes["traefik-acme"] = Volume("traefik-acme")
    stack.services["traefik"] = Service(
        name="traefik",
        origins=tuple(a.origin for _, a in sorted(stack.apis.items())),
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
        comment="API Gateway replacement: routes from traefik/dynamic, TLS via ACME",
    )
