"""Provider configurations and the AWS region each resource is managed in.

A module instance sees its own ``provider "NAME"`` blocks (``alias`` makes
``NAME.ALIAS``), plus what its caller passes: every default (unaliased)
configuration, or exactly the ``providers = { aws = aws.west }`` map when the
call has one. A resource uses ``provider = aws.west`` or the default
configuration of its type's provider (``aws_…`` → ``aws``); an AWS resource's own
``region`` argument (provider v6) wins unless it is null.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform import ast

Regions: TypeAlias = dict[str, str | None]  # "aws" / "aws.west" → region (None: not known)

# data sources whose attributes are the provider's region or partition
_PARTITIONS = (("cn-", "aws-cn", "amazonaws.com.cn"), ("us-gov-", "aws-us-gov", "amazonaws.com"))


def provider_key(expr: ast.Expr) -> str | None:
    """``aws`` / ``aws.west`` as written in ``provider = …`` or a ``providers`` map."""
    if isinstance(expr, ast.Var):
        return expr.name
    if isinstance(expr, ast.GetAttr) and isinstance(expr.target, ast.Var):
        return f"{expr.target.name}.{expr.name}"
    if isinstance(expr, ast.Template) and len(expr.parts) == 1:
        part = expr.parts[0]
        return part if isinstance(part, str) else provider_key(part)
    return None


def passed_regions(call: ast.Block, file: str, parent: Regions) -> Regions:
    """The configurations a module call hands to its child."""
    attribute = call.body.attr("providers")
    if attribute is None:
        return {k: v for k, v in parent.items() if "." not in k}
    if not isinstance(attribute.expr, ast.ObjectExpr):
        raise UserError(
            "providers must be a map of provider configurations",
            where=f"{file}:{attribute.line}",
            hint="providers = { aws = aws.west }",
        )
    out: Regions = {}
    for key_expr, value_expr in attribute.expr.items:
        key, value = provider_key(key_expr), provider_key(value_expr)
        if key is None or value is None:
            raise UserError(
                "a providers entry must read NAME = NAME.ALIAS",
                where=f"{file}:{attribute.line}",
                hint="providers = { aws = aws.west }",
            )
        out[key] = parent.get(value)
    return out


def own_regions(
    blocks: list[tuple[ast.ParsedFile, ast.Block]], evaluate: Callable[..., Any]
) -> Regions:
    """``provider`` blocks of one module: key → region (via ``evaluate(file, block, key)``)."""
    out: Regions = {}
    for file, block in blocks:
        if block.type != "provider" or len(block.labels) != 1:
            continue
        values = evaluate(file, block, f"provider.{block.labels[0]}")
        alias = values.get("alias")
        key = f"{block.labels[0]}.{alias}" if isinstance(alias, str) and alias else block.labels[0]
        region = values.get("region")
        out[key] = region if isinstance(region, str) and region else None
    return out


def resource_region(type_: str, body: ast.Body, values: Any, regions: Regions) -> str | None:
    """The region a resource (``values``: its evaluated arguments) is managed in."""
    if type_.startswith("aws_") and body.attr("region") is not None:
        region = values.raw("region")  # null (a module's `region = var.region`): the provider's
        if region is not None:
            return region if isinstance(region, str) and region else None
    attribute = body.attr("provider")
    key = provider_key(attribute.expr) if attribute is not None else type_.split("_", 1)[0]
    return regions.get(key or "")


def partition(region: str | None) -> tuple[str, str]:
    """(partition, DNS suffix) of a region: ``aws``/``aws-cn``/``aws-us-gov``."""
    for prefix, name, suffix in _PARTITIONS:
        if region and region.startswith(prefix):
            return name, suffix
    return "aws", "amazonaws.com"


def data_attribute(type_: str, name: str, region: str | None, values: Any) -> Any:
    """``data.aws_region``/``data.aws_partition`` attributes known from the provider,
    else ``None`` (the attribute is computed)."""
    if type_ == "aws_region" and name in ("name", "id", "region"):
        for argument in ("region", "name"):
            chosen = values.get(argument)
            if isinstance(chosen, str) and chosen:
                return chosen
        return region
    if type_ == "aws_partition":
        found, suffix = partition(region)
        return {"partition": found, "id": found, "dns_suffix": suffix}.get(name)
    return None
