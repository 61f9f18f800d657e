"""Secrets Manager secrets and SSM parameters → variables in .env.example (no value ever).

Every secret/parameter becomes one ``.env`` variable. A function whose
environment reads the *value* (``aws_ssm_parameter.p.value``,
``aws_secretsmanager_secret_version.v.secret_string``) gets ``${VAR}``; one
that reads the ARN or name gets a stable placeholder and must switch to the
environment variable (the Secrets Manager / SSM APIs are not self-hosted).
"""

from __future__ import annotations

from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover
from cloudexit_ci.stack import Coverage
from cloudexit_ci.terraform.model import Resource

_FILE = " Services that use it as an ECS secret also get the file /run/secrets/{name}."
_API_LOST = "the Secrets Manager/SSM API: code calling GetSecretValue/GetParameter must read ${VAR}"


def variable_of(resource: Resource) -> str:
    name = resource.values.string("name") or resource.values.string("name_prefix") or resource.name
    prefix = "SSM" if resource.type == "aws_ssm_parameter" else "SECRET"
    return estate.env_name(prefix, name.strip("/"))


def map_secret(resource: Resource, ctx: MapContext) -> Coverage:
    var = variable_of(resource)
    ref = estate.secret_var(
        ctx,
        var,
        f"{resource.address}: secret value (set it here; never from Terraform)."
        + _FILE.format(name=var.lower()),
        resource.origin,
    )
    name = resource.values.string("name") or resource.name
    estate.resolve(
        ctx, resource.address, "arn", estate.arn(ctx, resource, "secretsmanager", f"secret:{name}")
    )
    ctx.family("secrets.by_address", dict)[resource.address] = (var, ref)
    lost = [_API_LOST]
    lost += ["KMS key"] if resource.values.has("kms_key_id") else []
    lost += ["resource policy"] if resource.values.has("policy") else []
    lost += ["replicas"] if resource.values.has("replica") else []
    return cover(resource, "partial", f".env variable {var}", lost=lost)


def map_secret_version(resource: Resource, ctx: MapContext) -> Coverage:
    estate.seal(resource, "secret_string", "secret_binary")
    secret = estate.find_by(
        ctx, "aws_secretsmanager_secret", "name", resource.values.raw("secret_id")
    )
    address = secret.address if secret else ""
    var, ref = ctx.family("secrets.by_address", dict).get(address, (None, None))
    if var is None:
        return cover(resource, "unmapped", "the secret it belongs to is not in this configuration")
    for attr in ("secret_string", "secret_binary"):
        estate.resolve(ctx, resource.address, attr, ref)
    return cover(
        resource,
        "not-needed",
        f"the value is set in .env as {var}, never copied from Terraform",
    )


def map_parameter(resource: Resource, ctx: MapContext) -> Coverage:
    estate.seal(resource, "value", "insecure_value")
    var = variable_of(resource)
    secure = resource.values.string("type", "String") == "SecureString"
    description = f"{resource.address}: SSM parameter value (never copied from Terraform)"
    if secure:
        text = description + "." + _FILE.format(name=var.lower())
        ref = estate.secret_var(ctx, var, text, resource.origin)
    else:
        ref = estate.plain_var(ctx, var, description, resource.origin)
    for attr in ("value", "insecure_value"):
        estate.resolve(ctx, resource.address, attr, ref)
    name = resource.values.string("name") or resource.name
    estate.resolve(
        ctx,
        resource.address,
        "arn",
        estate.arn(ctx, resource, "ssm", f"parameter{name}"),
    )
    ctx.family("secrets.by_address", dict)[resource.address] = (var, ref)
    return cover(resource, "partial", f".env variable {var}", lost=[_API_LOST])


def map_rotation(resource: Resource, ctx: MapContext) -> Coverage:
    return cover(resource, "unmapped", "rotation Lambdas: rotate the .env value by hand")


def map_secret_policy(resource: Resource, ctx: MapContext) -> Coverage:
    return cover(resource, "not-needed", "secret resource policies: .env is readable only by root")


def finish(ctx: MapContext) -> None:
    if not ctx.family("secrets.by_address", dict):
        return
    ctx.stack.notes.append(
        "Secrets (Secrets Manager secrets, SSM parameters): put each value in `.env` "
        "(`cp .env.example .env && chmod 600 .env`). Services read it as an environment "
        "variable; containers that declared it as an ECS secret (and every service reading "
        "the same variable) also get the file `/run/secrets/<variable in lower case>` "
        "(top-level `secrets:` with an `environment:` source, filled from `.env`). "
        "No value is ever copied from Terraform or its state."
    )
