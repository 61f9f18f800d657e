"""aws_sns_topic / _subscription: reported, not emulated.

No self-hosted SNS API is generated: a publisher calling ``sns.publish`` has
no endpoint. The faithful part is the fan-out: an SQS or Lambda subscriber
exists self-hosted, so the report names it and tells the operator to publish
to it directly. Topics with such subscribers block the migration (code must
change); topics with only email/SMS/push subscribers lose those.
"""

from __future__ import annotations

from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover
from cloudexit_ci.stack import Coverage
from cloudexit_ci.terraform.model import Resource

_APP = ("sqs", "lambda", "http", "https", "firehose", "application")


def _subscriptions(resource: Resource, ctx: MapContext) -> list[Resource]:
    return [
        s
        for s in ctx.module.of_type("aws_sns_topic_subscription")
        if estate.referenced(s.values.raw("topic_arn")) == resource.address
    ]


def map_topic(resource: Resource, ctx: MapContext) -> Coverage:
    subs = _subscriptions(resource, ctx)
    protocols = sorted({s.values.string("protocol") for s in subs})
    app = [p for p in protocols if p in _APP]
    why = "no self-hosted SNS API: publishers must deliver to the subscribers directly"
    if protocols:
        why += f" (subscribers: {', '.join(protocols)})"
    return cover(resource, "unmapped", why, blocking=bool(app))


def map_subscription(resource: Resource, ctx: MapContext) -> Coverage:
    protocol = resource.values.string("protocol")
    endpoint = resource.values.raw("endpoint")
    target = estate.referenced(endpoint)
    if protocol == "sqs" and target:
        why = f"fan-out to {target}: that queue exists in ElasticMQ; publish to it directly"
    elif protocol == "lambda" and target:
        why = f"fan-out to {target}: invoke the function's container directly"
    else:
        why = f"{protocol or 'unknown'} subscriptions (email/SMS/push/HTTP) have no sender here"
    lost = ["filter policy"] if resource.values.has("filter_policy") else []
    return cover(resource, "unmapped", why, lost=lost, blocking=protocol in _APP)


def map_topic_policy(resource: Resource, ctx: MapContext) -> Coverage:
    return cover(resource, "not-needed", "topic policies: no SNS self-hosted")
