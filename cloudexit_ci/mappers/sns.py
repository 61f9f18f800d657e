"""aws_sns_topic / _subscription → a small SNS ``Publish`` fan-out service (``sns``).

No self-hosted SNS exists; the faithful part is the fan-out. The generated
service (templates/extras/sns_fanout.py, standard library only, in a pinned
python image) answers the SNS Query API ``Publish`` at ``AWS_ENDPOINT_URL_SNS``
and delivers each message to the subscribers Terraform declares: SQS queues
in ElasticMQ (SNS envelope, or raw), functions through the shim's invoke
endpoint, HTTP(S) endpoints. Email, SMS, mobile push, Firehose, filter
policies, signatures and the subscription API are reported lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudexit_ci import images
from cloudexit_ci.mappers import estate, sqs
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial
from cloudexit_ci.stack import Coverage, Dependency, ExtraFile, HealthCheck, Origin, Service
from cloudexit_ci.terraform.model import Resource
from cloudexit_ci.values import Invoke

PORT = 9911
ENDPOINT = f"http://sns:{PORT}"
_TOPIC_LOST = {
    "kms_master_key_id": "KMS encryption of the topic",
    "delivery_policy": "HTTP delivery retry policy (three attempts, then the message is dropped)",
    "policy": "topic access policy (no IAM; the service is only on the backend network)",
    "archive_policy": "FIFO message archive and replay",
    "signature_version": "message signatures",
    "tracing_config": "X-Ray tracing",
}
_ALWAYS_LOST = (
    "message signatures: Signature is empty, subscribers that verify SNS signatures reject "
    "the messages",
    "the subscription API (Subscribe/Unsubscribe/ConfirmSubscription): subscribers come from "
    "Terraform; only Publish, CreateTopic (existing topics) and ListTopics are served",
)
_UNSENT = {
    "email": "email subscriptions: no mail is sent (use an SMTP relay from code)",
    "email-json": "email subscriptions: no mail is sent (use an SMTP relay from code)",
    "sms": "SMS subscriptions: no SMS provider is configured",
    "application": "mobile push (APNs/FCM platform applications) is not sent",
    "firehose": "Firehose subscriptions: no Firehose self-hosted",
}


@dataclass
class Topic:
    name: str
    arn: str
    fifo: bool
    origin: Origin
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)


def topics(ctx: MapContext) -> dict[str, Topic]:
    found: dict[str, Topic] = ctx.family("sns.topics", dict)
    return found


def map_topic(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    name = values.string("name") or values.string("name_prefix") or resource.name
    fifo = values.boolean("fifo_topic")
    if fifo and not name.endswith(".fifo"):
        name += ".fifo"
    arn = estate.arn(ctx, resource, "sns", name)
    topics(ctx)[resource.address] = Topic(name, arn, fifo, resource.origin)
    for attr in ("arn", "id"):
        estate.resolve(ctx, resource.address, attr, arn)
    lost = list(_ALWAYS_LOST) + [t for arg, t in _TOPIC_LOST.items() if values.has(arg)]
    if fifo:
        lost.append("FIFO ordering is kept per publish call, not guaranteed across subscribers")
    reason = f"topic `{name}` served by the `sns` fan-out service (SNS Publish API)"
    return cover(resource, "partial", reason, service="sns", lost=lost)


def map_subscription(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    topic = topics(ctx).get(estate.referenced(values.raw("topic_arn")) or "")
    protocol = values.string("protocol")
    if protocol in _UNSENT:
        return cover(resource, "unmapped", _UNSENT[protocol])
    if topic is None:
        return cover(resource, "unmapped", "its topic is not in this configuration")
    endpoint = values.raw("endpoint")
    sub: dict[str, Any] = {
        "protocol": protocol,
        "arn": f"{topic.arn}:{resource.name}",
        "raw": values.boolean("raw_message_delivery"),
    }
    target = _target(ctx, protocol, endpoint, sub)
    if target is None:
        why = f"{protocol or 'unknown'} endpoint {endpoint!s} is not part of this stack"
        return cover(resource, "unmapped", why, blocking=protocol in ("sqs", "lambda"))
    topic.subscriptions.append(sub)
    topic.origins.append(resource.origin)
    lost = []
    if values.has("filter_policy"):
        lost.append("filter policy: every message is delivered to this subscriber")
    if values.has("redrive_policy"):
        lost.append("subscription dead-letter queue (undeliverable messages are dropped)")
    if protocol in ("http", "https"):
        lost.append("no SubscriptionConfirmation is sent: the endpoint is treated as confirmed")
    return mapped_or_partial(resource, f"{topic.name} → {target}", lost, "sns")


def _target(ctx: MapContext, protocol: str, endpoint: Any, sub: dict[str, Any]) -> str | None:
    if protocol == "sqs":
        queue = sqs.queues(ctx).get(estate.referenced(endpoint) or "")
        if queue is None:
            return None
        sub["endpoint"] = sqs.queue_url(ctx, queue.name)
        return f"ElasticMQ queue {queue.name}"
    if protocol == "lambda":
        key = estate.function_key(ctx, endpoint)
        if key is None:
            return None
        sub["function"] = key  # the invoke URL needs the function's service (finish)
        return f"function {ctx.stack.functions[key].function_name}"
    if protocol in ("http", "https") and isinstance(endpoint, str) and "://" in endpoint:
        sub["endpoint"] = endpoint
        return endpoint
    return None


def map_topic_policy(resource: Resource, ctx: MapContext) -> Coverage:
    return cover(resource, "not-needed", "topic policies: the sns service is only on the backend")


def finish(ctx: MapContext) -> None:
    found = sorted(topics(ctx).values(), key=lambda t: t.name)
    if not found:
        return
    needs: set[Dependency] = set()
    config: dict[str, Any] = {"topics": {}}
    for topic in found:
        subs = []
        for sub in topic.subscriptions:
            entry = dict(sub)
            key = entry.pop("function", None)
            if key is not None:
                entry["endpoint"] = Invoke(key)
                entry["timeout"] = ctx.stack.functions[key].timeout_s + 5
                needs.add(Dependency(key, "service_started", on_function=True))
            elif entry["protocol"] == "sqs":
                needs.add(Dependency("elasticmq", "service_started"))
            subs.append(entry)
        subs.sort(key=lambda s: s["arn"])
        config["topics"][topic.arn] = {
            "name": topic.name,
            "fifo": topic.fifo,
            "subscriptions": subs,
        }
    origins = tuple(sorted({o for t in found for o in (t.origin, *t.origins)}))
    sources = tuple(o.address for o in origins)
    files = estate.extra_files(ctx.stack)
    files["sns/topics.json"] = ExtraFile("json", config, sources)
    files["sns/sns_fanout.py"] = ExtraFile("static", None, sources, "extras/sns_fanout.py")
    files["sns/aws_sigv4.py"] = ExtraFile("static", None, sources, "extras/aws_sigv4.py")
    external = any(s["protocol"] in ("http", "https") for t in found for s in t.subscriptions)
    ctx.stack.services["sns"] = _service(origins, needs, external, ctx.stack.region)
    ctx.stack.function_env["AWS_ENDPOINT_URL_SNS"] = ENDPOINT
    ctx.stack.notes.append(
        f"SNS: functions publish through AWS_ENDPOINT_URL_SNS={ENDPOINT} (the `sns` fan-out: "
        "Publish only, Query protocol). Delivery is asynchronous with three attempts and "
        "nothing is persisted: a message whose subscribers are down for longer is dropped "
        "(see `docker compose logs sns`)."
    )


def _service(
    origins: tuple[Origin, ...], needs: set[Dependency], external: bool, region: str
) -> Service:
    check = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{PORT}/health')"
    return Service(
        name="sns",
        origins=origins,
        role="worker",
        image=images.SNS_PYTHON,
        command=("python", "/app/sns_fanout.py", "/app/topics.json"),
        environment=(
            ("PORT", str(PORT)),
            ("PYTHONUNBUFFERED", "1"),
            ("AWS_REGION", region),  # SendMessage is signed: ElasticMQ accepts any key
            ("AWS_ACCESS_KEY_ID", "elasticmq"),
            ("AWS_SECRET_ACCESS_KEY", "elasticmq"),
        ),
        volumes=(("./sns", "/app:ro"),),
        networks=("frontend", "backend") if external else ("backend",),  # HTTP(S) subscribers
        expose=(PORT,),
        healthcheck=HealthCheck(("CMD", "python", "-c", check), interval_s=10),
        depends_on=tuple(sorted(needs, key=lambda d: d.service)),
        user="10001:10001",
        comment="SNS replacement: Publish fan-out to SQS (ElasticMQ), functions and HTTP",
    )
