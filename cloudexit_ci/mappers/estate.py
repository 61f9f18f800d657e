"""Helpers shared by the estate mappers (RDS, ElastiCache, SQS, ECS, secrets…).

- ``env_name``: an upper-case .env variable name derived from a resource name;
- ``secret_var``: register a variable in .env.example (never a value) and
  return its typed reference (``EnvRef``);
- ``resolve``: export ``aws_x.y.attr``'s self-hosted value (what a reference to it becomes);
- ``structured``: the data inside ``jsonencode(...)`` even when it holds
  references known only after apply (a queue ARN, a secret ARN…).
"""

from __future__ import annotations

import json
from typing import Any

from cloudexit_ci.mappers.base import MapContext
from cloudexit_ci.naming import env_name as env_name
from cloudexit_ci.stack import EnvVar, ExtraFile, HealthCheck, Origin, Service, Stack, Volume
from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.expressions import Computed
from cloudexit_ci.terraform.model import Resource, Values
from cloudexit_ci.values import EnvRef, Value


def secret_var(ctx: MapContext, name: str, description: str, origin: Origin | None) -> EnvRef:
    ctx.stack.env_vars[name] = EnvVar(name, description, origin, secret=True)
    return EnvRef(name)


def plain_var(ctx: MapContext, name: str, description: str, origin: Origin | None) -> EnvRef:
    ctx.stack.env_vars[name] = EnvVar(name, description, origin, secret=False)
    return EnvRef(name)


def resolve(ctx: MapContext, address: str, attr: str, value: Value) -> None:
    """A reference to ``address.attr`` anywhere in the stack becomes ``value``."""
    ctx.stack.exports[(address, attr)] = value


def region_of(ctx: MapContext, resource: Resource | None = None) -> str:
    """The region of a resource's provider (an alias included), else the stack's."""
    found = getattr(resource, "region", None) if resource is not None else None
    return found if isinstance(found, str) and found else ctx.stack.region


def arn(ctx: MapContext, resource: Resource | None, service: str, rest: str) -> str:
    """``arn:aws:<service>:<region>:<account>:<rest>`` with the stack's one account id."""
    return f"arn:aws:{service}:{region_of(ctx, resource)}:{ctx.stack.account}:{rest}"


def text_of(value: object) -> str:
    """A plain Terraform value (string, number, bool) as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def structured(values: Values, name: str) -> Any:
    """``x = jsonencode({...})`` → the object (references kept as Computed);
    a JSON string → parsed; anything else → as evaluated (None when absent)."""
    attribute = values.body.attr(name)
    if attribute is None:
        return None
    expr = attribute.expr
    if isinstance(expr, ast.Call) and expr.name == "jsonencode" and len(expr.args) == 1:
        return values.evaluator.eval(expr.args[0])
    value = values.raw(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def data_source(
    ctx: MapContext, resource: Resource, name_attr: str, source: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """A data move's source. With a Terraform JSON (``--terraform-json``) it also says
    where the name came from (``origin``: ``terraform-json`` when Terraform's JSON knows
    ``name_attr``, else ``hcl``) and the region Terraform manages the resource in."""
    if ctx.module.terraform_json is None:
        return source
    extra = [("origin", resource.values.origin(name_attr))]
    if resource.region:
        extra.append(("region", resource.region))
    return (*source, *extra)


def shapes_a_service(ctx: MapContext, resource: Resource) -> bool:
    """Whether ``resource`` is among the origins of a service already generated."""
    return any(resource.origin in s.origins for s in ctx.stack.services.values())


def shown(value: Any) -> str:
    """A Terraform value for a message: a reference as ``address.attr``, never ``${...}``."""
    if isinstance(value, Computed):
        return value.reference
    if isinstance(value, (str, int, float, bool)):
        return text_of(value)
    return "(known only after apply)"


def referenced(value: Any) -> str | None:
    """The resource address a value points at (``aws_sqs_queue.q.arn`` → ``aws_sqs_queue.q``)."""
    return value.address if isinstance(value, Computed) else None


def find_by(ctx: MapContext, type_: str, attr: str, value: Any) -> Resource | None:
    """The resource of ``type_`` the value refers to, by reference or by its name argument."""
    address = referenced(value)
    for candidate in ctx.module.of_type(type_):
        if candidate.address == address:
            return candidate
        if isinstance(value, str) and value and candidate.values.string(attr) == value:
            return candidate
    return None


def function_key(ctx: MapContext, value: Any) -> str | None:
    """The mapped function a target (ARN reference or function name) points at."""
    by_address: dict[str, str] = ctx.family("lambda.by_address", dict)
    address = referenced(value)
    if address in by_address:
        return by_address[address or ""]
    if isinstance(value, str):
        name = value.rsplit(":function:", 1)[-1].split(":")[0]
        for key, function in ctx.stack.functions.items():
            if function.function_name == name:
                return key
    return None


def data_service(
    name: str,
    resource: Resource,
    image: str,
    *,
    mount: str,
    environment: tuple[tuple[str, Value], ...],
    port: int,
    healthcheck: tuple[str, ...],
    command: tuple[str, ...] = (),
    comment: str = "",
    also: tuple[Origin, ...] = (),
) -> Service:
    """A stateful data service on the backend network with a named volume (no host port);
    ``also``: the other resources that shaped it (a parameter group…)."""
    return Service(
        name=name,
        origins=(resource.origin, *also),
        role="data",
        image=image,
        command=command,
        environment=environment,
        volumes=((f"{name}-data", mount),),
        expose=(port,),
        healthcheck=HealthCheck(healthcheck, interval_s=10, timeout_s=5, retries=10),
        comment=comment,
    )


def add_data_service(ctx: MapContext, service: Service) -> None:
    ctx.stack.services[service.name] = service
    ctx.stack.volumes[f"{service.name}-data"] = Volume(f"{service.name}-data")


def extra_files(stack: Stack) -> dict[str, ExtraFile]:
    """Per-stack files of the estate mappers (ElasticMQ config, scheduler, poller…)."""
    return stack.extra_files


def seal(resource: Resource, *attrs: str) -> None:
    """Make references to secret arguments (``aws_db_instance.x.password``…) read as
    Computed, so no other resource can copy the literal secret into the stack.

    Runs in phase -1, before any mapper evaluates a reference to ``resource``.
    """
    for attr in attrs:
        if resource.values.body.attr(attr) is not None:
            resource.values._cache[attr] = Computed(resource.address, attr)
