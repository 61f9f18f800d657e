"""aws_ecs_service + aws_ecs_task_definition → one compose service per container.

Image, command, entry point, environment, secrets (as ``${VAR}``), exposed
ports, cpu/memory limits, health check and replicas are kept. Ports are never
published: a service behind a load balancer target group is reached through
Traefik (loadbalancer.py). Task roles, service discovery and capacity
providers are reported lost.
"""

from __future__ import annotations

import re
from typing import Any

from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial, safe_name, unique_name
from cloudexit_ci.mappers.typed import typed
from cloudexit_ci.naming import looks_secret
from cloudexit_ci.stack import Coverage, Dependency, HealthCheck, Origin, Service
from cloudexit_ci.terraform.model import Resource
from cloudexit_ci.values import EnvRef, Ref, Template, Value

_SERVICE_LOST = {
    "service_registries": "Cloud Map service discovery (compose DNS names instead)",
    "capacity_provider_strategy": "capacity providers",
    "deployment_circuit_breaker": "deployment circuit breaker",
    "ordered_placement_strategy": "placement strategy",
    "placement_constraints": "placement constraints",
}
_TASK_LOST = {
    "task_role_arn": "task role (no IAM: give the container credentials explicitly)",
    "volume": "task volumes (EFS/bind): add compose volumes by hand",
    "proxy_configuration": "App Mesh proxy",
}
_CONDITIONS: dict[str, Any] = {
    "START": "service_started",
    "HEALTHY": "service_healthy",
    "COMPLETE": "service_completed_successfully",
    "SUCCESS": "service_completed_successfully",
}
_TAG = re.compile(r":[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z|@sha256:[0-9a-f]{64}\Z")


def containers(resource: Resource) -> list[dict[str, Any]] | None:
    """The task's container definitions (``jsonencode([...])``, a JSON string or file())."""
    data = estate.structured(resource.values, "container_definitions")
    if isinstance(data, list) and all(isinstance(c, dict) for c in data):
        return data
    return None


def map_task_definition(resource: Resource, ctx: MapContext) -> Coverage:
    defs = containers(resource)
    if not defs:
        return cover(
            resource,
            "unmapped",
            "container_definitions cannot be resolved (built from values known after apply)"
            if defs is None
            else "no container definitions: nothing to run",
            blocking=defs is None,
        )
    runs = [
        s.address
        for s in ctx.module.of_type("aws_ecs_service")
        if task_of(ctx, s.values.raw("task_definition")) is resource
    ]
    lost = [text for arg, text in _TASK_LOST.items() if resource.values.has(arg)]
    if not runs:
        why = (
            f"{len(defs)} container(s) that no aws_ecs_service of this configuration runs: "
            "nothing is generated (one-off and scheduled task runs are not converted)"
        )
        return cover(resource, "unmapped", why, lost=lost)
    reason = f"{len(defs)} container(s) run by {', '.join(sorted(runs))}"
    return mapped_or_partial(resource, reason, lost)


def task_of(ctx: MapContext, value: object) -> Resource | None:
    """The task definition a service runs: by reference (``.arn``, ``.family``…), by a
    ``family``, ``family:revision`` or task-definition ARN, as ECS accepts them."""
    address = estate.referenced(value)
    if address is None:
        address = next(
            (p.address for p in getattr(value, "parts", ()) if estate.referenced(p)), None
        )
    if address is not None:
        found = ctx.module.by_address(address)
        return found if found is not None and found.type == "aws_ecs_task_definition" else None
    if not isinstance(value, str) or not value:
        return None
    family = value.rsplit(":task-definition/", 1)[-1].split(":", 1)[0]
    candidates = [
        t
        for t in ctx.module.of_type("aws_ecs_task_definition")
        if t.values.string("family") == family
    ]
    return candidates[0] if len(candidates) == 1 else None


def map_service(resource: Resource, ctx: MapContext) -> Coverage:
    task = task_of(ctx, resource.values.raw("task_definition"))
    defs = containers(task) if task is not None else None
    if task is None or not defs:
        why = "its task definition is not in this configuration or cannot be resolved"
        return cover(resource, "unmapped", why, blocking=True)
    base = safe_name(resource.values.string("name") or resource.name, "svc")
    names = _names(ctx, base, defs)
    lost = [text for arg, text in _SERVICE_LOST.items() if resource.values.has(arg)]
    replicas = resource.values.integer("desired_count", 1)
    for container in defs:
        service = _service(ctx, resource, task, container, names, replicas, lost)
        ctx.stack.services[service.name] = service
    _register_targets(ctx, resource, names)
    shown = ", ".join(f"`{n}`" for n in sorted(names.values()))
    return mapped_or_partial(resource, f"compose service(s) {shown}", sorted(set(lost)), base)


def _names(ctx: MapContext, base: str, defs: list[dict[str, Any]]) -> dict[str, str]:
    taken = set(ctx.stack.services)
    names: dict[str, str] = {}
    for container in defs:
        raw = str(container.get("name", "app"))
        wanted = base if len(defs) == 1 else safe_name(f"{base}-{raw}", "svc")
        names[raw] = unique_name(wanted, taken)
        taken.add(names[raw])
    return names


def _service(
    ctx: MapContext,
    resource: Resource,
    task: Resource,
    container: dict[str, Any],
    names: dict[str, str],
    replicas: int,
    lost: list[str],
) -> Service:
    name = names[str(container.get("name", "app"))]
    secrets = _secrets(ctx, name, container, resource.origin)
    env = _environment(ctx, resource, name, container) + secrets
    cpu, memory = _limits(task, container)
    lost += [f"{name}: {k}" for k in ("mountPoints", "volumesFrom", "links") if container.get(k)]
    return Service(
        name=name,
        origins=(resource.origin, task.origin),
        role="worker",
        image=_image(ctx, resource, name, container.get("image")),
        command=_strings(container.get("command")),
        entrypoint=_strings(container.get("entryPoint")),
        environment=tuple(env),
        networks=("frontend", "backend"),
        expose=tuple(sorted(_ports(container))),
        healthcheck=_healthcheck(container.get("healthCheck")),
        depends_on=_depends(container, names),
        memory_mb=memory,
        cpus=cpu,
        replicas=max(replicas, 0),
        secrets=tuple(sorted({value.name for _, value in secrets})),
        comment=f"ECS {resource.values.string('name') or resource.name}: container "
        f"{container.get('name', 'app')}",
    )


def _list(value: Any) -> list[Any]:
    """A list field of a container definition (anything else, e.g. Unknown, is empty)."""
    return value if isinstance(value, list) else []


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(estate.text_of(v) for v in value if isinstance(v, (str, int, float, bool)))


def _image(ctx: MapContext, resource: Resource, name: str, image: Any) -> str | EnvRef:
    text = image if isinstance(image, str) else ""
    if text and _TAG.search(text) and not text.endswith(":latest"):
        return text
    shown = str(image) if image is not None else "(none)"
    var = estate.env_name(name, "IMAGE")
    estate.plain_var(
        ctx,
        var,
        f"{resource.address}: image for `{name}` (Terraform: {shown}; pin a tag or digest)",
        resource.origin,
    )
    return EnvRef(var, required=True)


def _environment(
    ctx: MapContext, resource: Resource, name: str, container: dict[str, Any]
) -> list[tuple[str, Value]]:
    out: list[tuple[str, Value]] = []
    for item in _list(container.get("environment")):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        key = item["name"]
        found = typed(ctx, item.get("value"), resource.origin)
        var = estate.env_name(name, key)
        if isinstance(found, (Ref, Template, EnvRef)):
            out.append((key, found))  # resolved by the targets stage
        elif looks_secret(key):
            text = f"{resource.address}: {key}"
            out.append((key, estate.secret_var(ctx, var, text, resource.origin)))
        elif found is not None:
            out.append((key, found))
        else:
            why = f"{resource.address}: {key} (known only after apply)"
            out.append((key, estate.plain_var(ctx, var, why, resource.origin)))
    return sorted(out, key=lambda kv: kv[0])


def _secrets(
    ctx: MapContext, name: str, container: dict[str, Any], origin: Origin
) -> list[tuple[str, EnvRef]]:
    by_address: dict[str, tuple[str, EnvRef]] = ctx.family("secrets.by_address", dict)
    out = []
    for item in _list(container.get("secrets")):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        source = estate.referenced(item.get("valueFrom"))
        if source in by_address:
            out.append((item["name"], by_address[source or ""][1]))
            continue
        var = estate.env_name(name, item["name"])
        text = f"{name}: secret {item['name']} (valueFrom {estate.shown(item.get('valueFrom'))})"
        out.append((item["name"], estate.secret_var(ctx, var, text, origin)))
    return sorted(out)


def _limits(task: Resource, container: dict[str, Any]) -> tuple[float | None, int | None]:
    cpu = container.get("cpu") or task.values.get("cpu")
    memory = container.get("memory") or container.get("memoryReservation")
    memory = memory or task.values.get("memory")
    try:
        cpus = round(int(cpu) / 1024, 2) if cpu else None
    except (TypeError, ValueError):
        cpus = None
    try:
        mem = int(memory) if memory else None
    except (TypeError, ValueError):
        mem = None
    return cpus, mem


def _ports(container: dict[str, Any]) -> set[int]:
    out = set()
    for mapping in _list(container.get("portMappings")):
        port = mapping.get("containerPort") if isinstance(mapping, dict) else None
        if isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
            out.add(int(port))
    return out


def _healthcheck(check: Any) -> HealthCheck | None:
    if not isinstance(check, dict) or not isinstance(check.get("command"), list):
        return None
    command = tuple(estate.text_of(c) for c in check["command"])
    if not command or command[0] not in ("CMD", "CMD-SHELL"):
        command = ("CMD-SHELL", " ".join(command))
    return HealthCheck(
        command,
        interval_s=_int(check.get("interval"), 30),
        timeout_s=_int(check.get("timeout"), 5),
        retries=_int(check.get("retries"), 3),
        start_period_s=_int(check.get("startPeriod"), 0),
    )


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _depends(container: dict[str, Any], names: dict[str, str]) -> tuple[Dependency, ...]:
    out = []
    for dep in _list(container.get("dependsOn")):
        if isinstance(dep, dict) and str(dep.get("containerName")) in names:
            condition = _CONDITIONS.get(str(dep.get("condition", "START")), "service_started")
            out.append(Dependency(names[str(dep["containerName"])], condition))
    return tuple(out)


def _register_targets(ctx: MapContext, resource: Resource, names: dict[str, str]) -> None:
    """Target group address → (compose service, port), for the load balancer finisher."""
    targets: dict[str, tuple[str, int]] = ctx.family("lb.ecs_targets", dict)
    for block in resource.values.blocks("load_balancer"):
        group = block.ref("target_group_arn")
        container = block.string("container_name")
        if group and container in names:
            targets[group] = (names[container], block.integer("container_port", 80))


def map_cluster(resource: Resource, ctx: MapContext) -> Coverage:
    return cover(resource, "not-needed", "ECS cluster: the compose project is the cluster")
