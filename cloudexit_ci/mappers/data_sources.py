"""Data sources that describe the account and region (``aws_caller_identity`` and the like):
what references to them become self-hosted, exported for the targets' resolver."""

from __future__ import annotations

from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext


def finish(ctx: MapContext) -> None:
    for data in ctx.module.resources:
        if data.mode != "data":
            continue
        region = estate.region_of(ctx, data)
        exports: dict[str, str] = {
            "aws_caller_identity": {
                "account_id": ctx.stack.account,
                "id": ctx.stack.account,
                "arn": f"arn:aws:iam::{ctx.stack.account}:root",
            },
            "aws_region": {"name": region, "id": region, "region": region},
            "aws_partition": {"partition": "aws", "id": "aws", "dns_suffix": "amazonaws.com"},
        }.get(data.type, {})
        for attr, value in exports.items():
            estate.resolve(ctx, data.address, attr, value)
