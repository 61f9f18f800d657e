"""aws_elasticache_* → Valkey (the BSD-licensed Redis 7.2 fork) or Memcached, by engine."""

from __future__ import annotations

import re

from cloudexit_ci import images
from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial, safe_name, unique_name
from cloudexit_ci.stack import Coverage, HealthCheck, Service
from cloudexit_ci.terraform.model import Resource, Values
from cloudexit_ci.values import Value

_LOST = {
    "num_node_groups": "cluster-mode sharding (one Valkey node holds every slot)",
    "global_replication_group_id": "Global Datastore",
    "user_group_ids": "RBAC users and user groups (one password instead)",
    "transit_encryption_enabled": "in-transit TLS (traffic stays on the private network)",
    "at_rest_encryption_enabled": "at-rest KMS encryption (use disk encryption)",
    "automatic_failover_enabled": "automatic failover to replicas",
    "multi_az_enabled": "Multi-AZ replicas",
    "snapshot_arns": "restore from an S3 snapshot (load the RDB file into the volume)",
    "data_tiering_enabled": "data tiering",
}
_ATTRS = (
    "primary_endpoint_address",
    "reader_endpoint_address",
    "configuration_endpoint_address",
    "cluster_address",
)


_PARAM_NAME = re.compile(r"^[a-z][a-z0-9-]*\Z")
_PARAM_VALUE = re.compile(r"^[A-Za-z0-9_.,:+-]*\Z")
# ElastiCache-only parameters (cluster mode is lost; memory reservation is AWS's own)
_AWS_ONLY = re.compile(r"^(cluster-|reserved-memory|close-on-)")


def map_cluster(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    if values.has("replication_group_id") and not values.has("engine"):
        return cover(
            resource, "not-needed", "member of a replication group: served by the group's service"
        )
    ident = values.string("cluster_id") or resource.name
    return _map_cache(resource, ctx, ident, values.string("engine", "redis"))


def map_replication_group(resource: Resource, ctx: MapContext) -> Coverage:
    ident = resource.values.string("replication_group_id") or resource.name
    return _map_cache(resource, ctx, ident, resource.values.string("engine", "redis"))


def map_serverless(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    lost = (
        ["serverless scaling limits (cache_usage_limits)"]
        if values.has("cache_usage_limits")
        else []
    )
    coverage = _map_cache(
        resource, ctx, values.string("name") or resource.name, values.string("engine", "redis")
    )
    return (
        coverage
        if not lost
        else mapped_or_partial(resource, coverage.reason, [*coverage.lost, *lost], coverage.service)
    )


def _map_cache(resource: Resource, ctx: MapContext, ident: str, engine: str) -> Coverage:
    estate.seal(resource, "auth_token")
    if engine not in ("redis", "valkey", "memcached"):
        return cover(resource, "unmapped", f"cache engine {engine} is not known", blocking=True)
    name = unique_name(safe_name(ident, "cache"), ctx.stack.services)
    values = resource.values
    lost = [text for arg, text in _LOST.items() if _set(values, arg)]
    if engine == "memcached":
        service, port = _memcached(name, resource, values, lost), 11211
    else:
        service, port = _valkey(name, resource, ctx, lost), 6379
        if engine == "redis":
            version = values.string("engine_version") or "(unset)"
            lost.append(f"Redis {version} runs as Valkey 8 (wire-compatible)")
    if service.volumes:
        estate.add_data_service(ctx, service)
    else:
        ctx.stack.services[name] = service
    _register(ctx, resource, name, port)
    target = "Memcached" if engine == "memcached" else "Valkey"
    return mapped_or_partial(resource, f"{target} service `{name}`", lost, name)


def _set(values: Values, arg: str) -> bool:
    value = values.get(arg)
    if arg == "num_node_groups":
        return isinstance(value, (int, str)) and str(value).isdigit() and int(value) > 1
    return bool(value) and value not in ("false", 0, "0")


def _parameter_group(ctx: MapContext, resource: Resource) -> Resource | None:
    return estate.find_by(
        ctx,
        "aws_elasticache_parameter_group",
        "name",
        resource.values.raw("parameter_group_name"),
    )


def _flags(group: Resource | None) -> tuple[list[str], list[str]]:
    """Plain Redis/Valkey directives → ``--name value`` flags; the rest is reported lost."""
    flags: list[str] = []
    lost: list[str] = []
    for param in group.values.blocks("parameter") if group else []:
        key, value = param.string("name"), param.string("value")
        if _AWS_ONLY.match(key) or not _PARAM_NAME.match(key) or not _PARAM_VALUE.match(value):
            lost.append(f"parameter {key} (ElastiCache-only or not a plain directive)")
        elif value:
            flags += [f"--{key}", value]
    return flags, lost


def _valkey(name: str, resource: Resource, ctx: MapContext, lost: list[str]) -> Service:
    environment: tuple[tuple[str, Value], ...] = ()
    group = _parameter_group(ctx, resource)
    flags, flag_lost = _flags(group)
    lost += flag_lost
    command: tuple[str, ...] = ("valkey-server", "--appendonly", "yes", *flags)
    check: tuple[str, ...] = ("CMD", "valkey-cli", "ping")
    if resource.values.has("auth_token"):
        ref = estate.secret_var(
            ctx,
            f"{estate.env_name(name)}_AUTH_TOKEN",
            f"{resource.address}: cache AUTH token (not copied from Terraform)",
            resource.origin,
        )
        environment = (("VALKEY_PASSWORD", ref),)
        command = (
            "sh",
            "-c",
            " ".join(
                [
                    "exec valkey-server --appendonly yes",
                    *flags,
                    '--requirepass "${VALKEY_PASSWORD}"',
                ]
            ),
        )
        check = (
            "CMD-SHELL",
            'valkey-cli --no-auth-warning -a "${VALKEY_PASSWORD}" ping | grep -q PONG',
        )
    return estate.data_service(
        name,
        resource,
        images.VALKEY,
        mount="/data",
        environment=environment,
        port=6379,
        healthcheck=check,
        command=command,
        comment="ElastiCache replacement: Valkey (Redis-compatible, BSD-3-Clause)",
        also=(group.origin,) if group is not None and flags else (),
    )


def _memcached(name: str, resource: Resource, values: Values, lost: list[str]) -> Service:
    nodes = values.integer("num_cache_nodes", 1)
    if nodes > 1:
        lost.append(f"{nodes} cache nodes (one Memcached container)")
    return Service(
        name=name,
        origins=(resource.origin,),
        role="data",
        image=images.MEMCACHED,
        command=("memcached", "-m", "256"),
        expose=(11211,),
        healthcheck=HealthCheck(
            ("CMD-SHELL", "echo stats | nc -w 1 127.0.0.1 11211 | grep -q uptime"),
            interval_s=10,
        ),
        comment="ElastiCache replacement: Memcached (no persistence, as on AWS)",
    )


def _register(ctx: MapContext, resource: Resource, name: str, port: int) -> None:
    for attr in _ATTRS:
        estate.resolve(ctx, resource.address, attr, name)
    estate.resolve(ctx, resource.address, "port", str(port))
    estate.resolve(ctx, resource.address, "configuration_endpoint", f"{name}:{port}")
    estate.resolve(ctx, resource.address, "cache_nodes[0].address", name)
    estate.resolve(ctx, resource.address, "cache_nodes[0].port", str(port))
    estate.resolve(ctx, resource.address, "arn", estate.arn(ctx, resource, "elasticache", name))


def map_unmapped_rbac(resource: Resource, ctx: MapContext) -> Coverage:
    return cover(
        resource,
        "unmapped",
        "ElastiCache RBAC users/groups: Valkey ACLs must be written by hand "
        "(the generated service uses one password)",
    )


def map_parameter_group(resource: Resource, ctx: MapContext) -> Coverage:
    flags, lost = _flags(resource)
    family = resource.values.string("family")
    if family.startswith("memcached"):
        return cover(
            resource,
            "unmapped",
            "Memcached parameter groups are not applied: memcached takes command-line "
            "flags (-m, -c, -I…); set them on the service by hand",
        )
    if not flags and not lost:
        return cover(resource, "not-needed", "no parameters: the engine defaults apply")
    if not estate.shapes_a_service(ctx, resource):
        why = "no cache of this configuration gets a flag from this group"
        return cover(resource, "not-needed" if not lost else "unmapped", why, lost=lost)
    reason = (
        f"{len(flags) // 2} parameter(s) become valkey-server flags of the caches that use "
        "the group"
    )
    return cover(resource, "partial" if lost else "mapped", reason, lost=lost)
