"""aws_lambda_provisioned_concurrency_config → warm replicas of its function.

AWS keeps ``provisioned_concurrent_executions`` execution environments of one version or
alias initialised. Self-hosted, one version runs, so every qualifier's count adds up on the
function (``Function.provisioned``). The orchestrators keep that many replicas running
(Swarm: ``deploy.replicas``; Kubernetes: the autoscaler's minimum), never above the
reserved concurrency; Compose runs one container per function.
"""

from __future__ import annotations

from dataclasses import replace

from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover
from cloudexit_ci.stack import Coverage
from cloudexit_ci.terraform.model import Resource

COMPOSE_LOST = "warm replicas on Compose (one container per function there)"
QUALIFIER_LOST = "per-version warm pools: one version runs, every qualifier's count adds up"
TARGET = "replicas kept running: Swarm's deploy.replicas, the Kubernetes autoscaler's minimum"
LOST = (COMPOSE_LOST, QUALIFIER_LOST)


def map_provisioned(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    key = estate.function_key(ctx, values.raw("function_name"))
    if key is None:
        why = "its function is not converted or not in this configuration"
        return cover(resource, "unmapped", why)
    count = values.integer("provisioned_concurrent_executions", 0)
    function = ctx.stack.functions[key]
    warm = (*function.provisioned, (resource.origin, count))
    ctx.stack.functions[key] = replace(function, provisioned=warm)
    reason = f"`{key}` keeps {count} replicas running (Swarm, Kubernetes)"
    lost = [COMPOSE_LOST]
    if values.string("qualifier") not in ("", "$LATEST"):
        lost.append(QUALIFIER_LOST)
    return cover(resource, "partial", reason, service=key, lost=lost)
