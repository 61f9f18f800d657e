"""Services (IR) → docker-compose.yml, dumped from data (Compose spec, no `version:`).

Values are typed (``cloudexit_ci.values``): this is the only place that writes
them as Compose text. Literal text has every ``$`` doubled, so Compose never
interpolates a Terraform value or a shell variable meant for the container;
``EnvRef`` becomes ``${NAME}`` (or ``${NAME:?…}`` when required).

Secrets: the .env variables a mapper declared in ``Service.secrets`` (ECS
``secrets`` from Secrets Manager / SSM SecureString, Keycloak credentials…)
become top-level Compose secrets with an ``environment:`` source (the value
comes from ``.env``, never from this file), mounted at
``/run/secrets/<var lower-cased>`` in the declaring services and in every
other service whose environment reads the same variable.
"""

from __future__ import annotations

from typing import Any

from cloudexit_ci.stack import HealthCheck, Service, Stack
from cloudexit_ci.values import EnvRef, Value, env_names, parts_of


def literal(text: str) -> str:
    """Literal text as a Compose string: ``$`` doubled so it is never interpolated."""
    return text.replace("$", "$$")


def value_text(value: Value) -> str:
    """A typed value as Compose text (the targets stage resolved every Ref/Invoke)."""
    out = []
    for part in parts_of(value):
        if isinstance(part, str):
            out.append(literal(part))
        elif isinstance(part, EnvRef):
            tail = f":?set {part.name} in .env" if part.required else ""
            out.append("${" + part.name + tail + "}")
        else:
            raise AssertionError(f"unresolved {part!r} reached the Compose renderer")
    return "".join(out)


def compose_document(stack: Stack) -> dict[str, Any]:
    secret_vars = declared_secrets(stack)
    services = {
        name: service_document(svc, secrets_of(svc, secret_vars))
        for name, svc in sorted(stack.services.items(), key=service_order)
    }
    doc: dict[str, Any] = {"name": stack.name, "services": services}
    networks = sorted({n for s in stack.services.values() for n in s.networks})
    doc["networks"] = {n: ({"internal": True} if n == "backend" else {}) for n in networks}
    if stack.volumes:
        doc["volumes"] = {name: {} for name in sorted(stack.volumes)}
    used = used_secrets(stack)
    if used:
        doc["secrets"] = {secret_name(v): {"environment": v} for v in used}
    return doc


def secret_name(var: str) -> str:
    return var.lower()


def declared_secrets(stack: Stack) -> set[str]:
    """The .env variables some service declared as a secret."""
    return {v for svc in stack.services.values() for v in svc.secrets}


def used_secrets(stack: Stack) -> list[str]:
    """Every secret variable a service reads or declares (the stack's secrets)."""
    declared = declared_secrets(stack)
    return sorted({v for svc in stack.services.values() for v in secrets_of(svc, declared)})


def secrets_of(svc: Service, secret_vars: set[str]) -> tuple[str, ...]:
    """The declared secret variables a service reads, plus the ones it declares."""
    read = {name for _, value in svc.environment for name in env_names(value)}
    return tuple(sorted((read & secret_vars) | set(svc.secrets)))


_ROLE_ORDER = {"gateway": 0, "function": 1, "worker": 2, "data": 3, "init": 4}


def service_order(item: tuple[str, Service]) -> tuple[int, str]:
    return _ROLE_ORDER[item[1].role], item[0]


def service_document(svc: Service, secrets: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if svc.image:
        out["image"] = value_text(svc.image)
    if svc.build:
        build: dict[str, Any] = {"context": svc.build.context, "dockerfile": svc.build.dockerfile}
        if svc.build.extra_contexts:
            build["additional_contexts"] = dict(svc.build.extra_contexts)
        out["build"] = build
    if svc.entrypoint:
        out["entrypoint"] = [literal(a) for a in svc.entrypoint]
    if svc.command:
        out["command"] = [literal(a) for a in svc.command]
    if svc.user:
        out["user"] = svc.user
    out["restart"] = "no" if svc.one_shot else "unless-stopped"
    if svc.environment:
        out["environment"] = {name: value_text(value) for name, value in svc.environment}
    if svc.ports:
        out["ports"] = list(svc.ports)
    if svc.expose:
        out["expose"] = [str(p) for p in svc.expose]
    if svc.volumes:
        out["volumes"] = [literal(f"{src}:{dst}") for src, dst in svc.volumes]
    out["networks"] = list(svc.networks)
    if secrets:
        out["secrets"] = [secret_name(v) for v in secrets]
    if svc.depends_on:
        out["depends_on"] = {d.service: {"condition": d.condition} for d in svc.depends_on}
    if svc.healthcheck:
        out["healthcheck"] = _healthcheck(svc.healthcheck)
    if svc.stop_grace_s is not None:
        out["stop_grace_period"] = f"{svc.stop_grace_s}s"
    out["labels"] = _labels(svc)
    deploy = _deploy(svc)
    if deploy:
        out["deploy"] = deploy
    return out


def _healthcheck(check: HealthCheck) -> dict[str, Any]:
    return {
        "test": [literal(a) for a in check.test],
        "interval": f"{check.interval_s}s",
        "timeout": f"{check.timeout_s}s",
        "retries": check.retries,
        "start_period": f"{check.start_period_s}s",
    }


def _labels(svc: Service) -> dict[str, str]:
    sources = ",".join(sorted({o.address for o in svc.origins})) or "cloudexit-ci"
    labels = {"cloudexit.source": sources, "cloudexit.role": svc.role}
    if svc.comment:
        labels["cloudexit.description"] = svc.comment
    return {k: literal(v) for k, v in labels.items()}


def _deploy(svc: Service) -> dict[str, Any]:
    deploy: dict[str, Any] = {}
    if svc.replicas is not None and not svc.one_shot:
        deploy["replicas"] = svc.replicas
    limits: dict[str, Any] = {}
    if svc.memory_mb:
        limits["memory"] = f"{svc.memory_mb}M"
    if svc.cpus:
        limits["cpus"] = str(svc.cpus)
    if limits:
        deploy["resources"] = {"limits": limits}
    return deploy
