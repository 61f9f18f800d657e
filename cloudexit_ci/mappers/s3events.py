"""aws_s3_bucket_notification → object events delivered to functions (issue 14).

The object store sends every object creation and removal of a notified bucket to the
``lambda-invoke`` service (mappers/invoke.py): MinIO through a webhook target (its body's
``Records`` are already S3 event records), SeaweedFS through its filer's webhook
notification (filer events, turned into S3 event records there). That service applies
each ``lambda_function`` block's event types, ``filter_prefix`` and ``filter_suffix`` and
queues one ``Event`` invocation per matching record: retried and kept across restarts like
any async invoke. With ``eventbridge = true`` the same records also become the events S3
sends to EventBridge (``aws.s3``, ``Object Created`` / ``Object Deleted``), which
lambda-invoke posts to the ``eventbridge`` service's internal ingest path
(mappers/eventbridge.py). SQS/SNS targets are not converted.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cloudexit_ci.mappers import estate, invoke, s3
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial
from cloudexit_ci.stack import Coverage
from cloudexit_ci.terraform.model import Resource, Values

WEBHOOK_URL = f"{invoke.ENDPOINT}/__cloudexit/s3-events"
_SENT = ("s3:ObjectCreated:", "s3:ObjectRemoved:")
_SEAWEEDFS_NAMES = ("s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectRemoved:*",
                    "s3:ObjectRemoved:Delete")  # fmt: skip
_ALWAYS_LOST = (
    "an event raised while the lambda-invoke service is down is lost (the store's webhook "
    "retries briefly and keeps no queue); once accepted it is kept until the function ran",
)
_BRIDGE_LOST = (
    "EventBridge: only Object Created and Object Deleted events are sent (no restore, tagging, "
    "ACL or storage-class events); requester is the stack's account"
)
_SEAWEEDFS_LOST = (
    "SeaweedFS names every creation ObjectCreated:Put (copies, POST uploads and multipart "
    "completions included) and every removal ObjectRemoved:Delete"
)


def map_notification(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    bucket = s3.bucket_of(resource, ctx)
    if bucket is None:
        return cover(resource, "unmapped", "its bucket is not in this configuration")
    lost: list[str] = []
    bridged = values.boolean("eventbridge")
    for kind in ("queue", "topic"):
        if values.blocks(kind):
            lost.append(f"{kind} notifications: only lambda_function targets are delivered")
    rules = _rules(resource, ctx, bucket.name, lost)
    if not rules and not bridged:
        why = "; ".join(lost) or "no lambda_function target"
        return cover(resource, "unmapped", f"nothing delivered: {why}")
    if bridged:
        invoke.eventbridge_buckets(ctx)[bucket.name] = resource.origin
        lost.append(_BRIDGE_LOST)
    invoke.notification_rules(ctx).extend(rules)
    invoke.notification_origins(ctx).add(resource.origin)
    ctx.stack.buckets[bucket.name] = replace(
        bucket, notify_url=WEBHOOK_URL, sources=(*bucket.sources, resource.origin)
    )
    lost += _ALWAYS_LOST
    if ctx.options.object_store == "seaweedfs":
        lost.append(_SEAWEEDFS_LOST)
    names = sorted({ctx.stack.functions[r["function"]].function_name for r in rules})
    names += ["the default bus of the `eventbridge` service (aws.s3)"] if bridged else []
    reason = f"`{bucket.name}` object events → {', '.join(names)} (async, through lambda-invoke)"
    return mapped_or_partial(resource, reason, sorted(set(lost)), invoke.SERVICE)


def _rules(
    resource: Resource, ctx: MapContext, bucket: str, lost: list[str]
) -> list[dict[str, Any]]:
    rules = []
    for n, block in enumerate(resource.values.blocks("lambda_function"), start=1):
        target = block.raw("lambda_function_arn")
        key = estate.function_key(ctx, target)
        if key is None:
            lost.append(f"lambda_function {estate.shown(target)}: not a function of this stack")
            continue
        events = [str(e) for e in (block.get("events") or []) if isinstance(e, str)]
        lost += _unsent(events, ctx.options.object_store)
        rules.append(
            {
                "id": block.string("id") or f"tf-s3-lambda-{bucket}-{n}",
                "bucket": bucket,
                "function": key,
                "events": sorted(e for e in events if e.startswith(_SENT)),
                "prefix": _filter(block, "filter_prefix"),
                "suffix": _filter(block, "filter_suffix"),
            }
        )
    return rules


def _filter(block: Values, name: str) -> str:
    return block.string(name) if block.has(name) else ""


def _unsent(events: list[str], store: str) -> list[str]:
    out = []
    for event in events:
        if not event.startswith(_SENT):
            out.append(f"{event}: only object creation and removal events are sent")
        elif store == "seaweedfs" and event not in _SEAWEEDFS_NAMES:
            out.append(f"{event}: never raised by SeaweedFS (see the event names)")
    return out
