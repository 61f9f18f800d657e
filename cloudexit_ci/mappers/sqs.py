"""aws_sqs_queue → an ElasticMQ queue (standard, FIFO, dead-letter redrive).

ElasticMQ speaks the SQS API, so function code is unchanged: functions get
``AWS_ENDPOINT_URL_SQS`` and queue URLs/ARNs resolve to ElasticMQ's. Queues
are declared in ``elasticmq/elasticmq.conf`` (rendered by render/extras.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloudexit_ci import images
from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial
from cloudexit_ci.stack import Coverage, ExtraFile, Origin, Service
from cloudexit_ci.terraform.model import Resource

ENDPOINT = "http://elasticmq:9324"
_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_LOST = {
    "kms_master_key_id": "KMS server-side encryption",
    "policy": "queue policy (no IAM; the queue is reachable only on the backend network)",
    "redrive_allow_policy": "redrive allow policy",
    "fifo_throughput_limit": "FIFO high-throughput limits",
    "deduplication_scope": "FIFO deduplication scope",
}


@dataclass(frozen=True)
class Queue:
    name: str
    origin: Origin
    fifo: bool = False
    visibility_s: int = 30
    delay_s: int = 0
    wait_s: int = 0
    content_dedup: bool = False
    dlq: str | None = None
    max_receive: int = 0


def queues(ctx: MapContext) -> dict[str, Queue]:
    """Address → queue, shared with the event-source mapper and the finisher."""
    found: dict[str, Queue] = ctx.family("sqs.queues", dict)
    return found


def queue_name(resource: Resource) -> str:
    values = resource.values
    raw = values.string("name") or values.string("name_prefix") or resource.name
    fifo = values.boolean("fifo_queue")
    base = raw[: -len(".fifo")] if raw.endswith(".fifo") else raw
    base = _NAME.sub("-", base)[:75] or "queue"
    return f"{base}.fifo" if fifo else base


def queue_url(ctx: MapContext, name: str) -> str:
    return f"{ENDPOINT}/{ctx.stack.account}/{name}"


def map_queue(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    name = queue_name(resource)
    dlq, max_receive, redrive_lost = _redrive(resource, ctx)
    queues(ctx)[resource.address] = Queue(
        name=name,
        origin=resource.origin,
        fifo=values.boolean("fifo_queue"),
        visibility_s=values.integer("visibility_timeout_seconds", 30),
        delay_s=values.integer("delay_seconds", 0),
        wait_s=values.integer("receive_wait_time_seconds", 0),
        content_dedup=values.boolean("content_based_deduplication"),
        dlq=dlq,
        max_receive=max_receive,
    )
    for attr in ("url", "id"):
        estate.resolve(ctx, resource.address, attr, queue_url(ctx, name))
    estate.resolve(ctx, resource.address, "arn", estate.arn(ctx, resource, "sqs", name))
    lost = [text for arg, text in _LOST.items() if values.has(arg)] + redrive_lost
    if values.boolean("sqs_managed_sse_enabled"):
        lost.append("SQS-managed encryption at rest")
    if values.has("message_retention_seconds"):
        lost.append("message retention period (ElasticMQ keeps messages until deleted)")
    return mapped_or_partial(resource, f"ElasticMQ queue `{name}`", lost, "elasticmq")


def _redrive(resource: Resource, ctx: MapContext) -> tuple[str | None, int, list[str]]:
    policy = estate.structured(resource.values, "redrive_policy")
    if not isinstance(policy, dict):
        companion = _redrive_resource(resource, ctx)
        policy = estate.structured(companion.values, "redrive_policy") if companion else None
    if not isinstance(policy, dict):
        if resource.values.has("redrive_policy"):
            return None, 0, ["redrive policy (cannot be resolved)"]
        return None, 0, []
    target = policy.get("deadLetterTargetArn")
    dlq_resource = estate.find_by(ctx, "aws_sqs_queue", "name", target)
    dlq: str | None
    if dlq_resource is not None:
        dlq = queue_name(dlq_resource)
    elif isinstance(target, str) and target:
        dlq = _NAME.sub("-", target.rsplit(":", 1)[-1]) or None
    else:
        return None, 0, ["dead-letter queue (its ARN cannot be resolved)"]
    try:
        max_receive = int(policy.get("maxReceiveCount", 10))
    except (TypeError, ValueError):
        max_receive = 10
    return dlq, max_receive, []


def _redrive_resource(resource: Resource, ctx: MapContext) -> Resource | None:
    for candidate in ctx.module.of_type("aws_sqs_queue_redrive_policy"):
        url = candidate.values.raw("queue_url")
        if estate.referenced(url) == resource.address or url == resource.values.string("name"):
            return candidate
    return None


def map_redrive_policy(resource: Resource, ctx: MapContext) -> Coverage:
    queue = queues(ctx).get(estate.referenced(resource.values.raw("queue_url")) or "")
    if queue is None or not queue.dlq:
        return cover(resource, "unmapped", "its queue (or dead-letter queue) is not here")
    ctx.family("sqs.redrives", list).append(resource.origin)
    return cover(resource, "mapped", "dead-letter redrive in the ElasticMQ queue definition")


def map_queue_policy(resource: Resource, ctx: MapContext) -> Coverage:
    return cover(
        resource,
        "not-needed",
        "queue policies: no IAM; ElasticMQ is reachable only on the internal backend network",
    )


def finish(ctx: MapContext) -> None:
    found = queues(ctx)
    if not found:
        return
    ordered = sorted(found.values(), key=lambda q: q.name)
    origins = tuple(sorted(q.origin for q in ordered))
    ctx.stack.services["elasticmq"] = Service(
        name="elasticmq",
        origins=origins,
        role="data",
        image=images.ELASTICMQ,
        volumes=(("./elasticmq/elasticmq.conf", "/opt/elasticmq.conf:ro"),),
        expose=(9324,),
        comment="SQS replacement: ElasticMQ (SQS API; queues from elasticmq/elasticmq.conf)",
    )
    ctx.stack.function_env["AWS_ENDPOINT_URL_SQS"] = ENDPOINT
    if not ctx.stack.tables and not ctx.stack.buckets:
        # ElasticMQ accepts any credentials; the SDK needs some to sign.
        ctx.stack.function_env.setdefault("AWS_ACCESS_KEY_ID", "elasticmq")
        ctx.stack.function_env.setdefault("AWS_SECRET_ACCESS_KEY", "elasticmq")
    estate.extra_files(ctx.stack)["elasticmq/elasticmq.conf"] = ExtraFile(
        "template",
        {
            "queues": [_conf(q) for q in ordered],
            "account": ctx.stack.account,
            "region": ctx.stack.region,
        },
        tuple(
            sorted(
                {
                    o.address
                    for o in (*(q.origin for q in ordered), *ctx.family("sqs.redrives", list))
                }
            )
        ),
        "extras/elasticmq.conf.j2",
    )


def _conf(queue: Queue) -> dict[str, object]:
    return {
        "name": queue.name,
        "fifo": queue.fifo,
        "visibility": queue.visibility_s,
        "delay": queue.delay_s,
        "wait": queue.wait_s,
        "content_dedup": queue.content_dedup,
        "dlq": queue.dlq or "",
        "max_receive": queue.max_receive,
    }
