"""aws_lambda_event_source_mapping (SQS) → a poller service invoking the function's shim
(DynamoDB streams: mappers/streams.py).

The poller (templates/extras/sqs_poller.py, boto3 installed at build) receives
up to ``batch_size`` messages, POSTs an SQS event to the shim's
``/__cloudexit/invoke/<function-name>`` and deletes the batch on success (or
all but the reported ``batchItemFailures``). On failure it leaves the messages
alone, so ElasticMQ's visibility timeout and redrive count work as on AWS.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudexit_ci import images
from cloudexit_ci.mappers import estate, sqs, streams
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial, safe_name, unique_name
from cloudexit_ci.stack import Build, Coverage, Dependency, ExtraFile, Origin, Service
from cloudexit_ci.terraform.model import Resource
from cloudexit_ci.values import Invoke

_LOST = {
    "filter_criteria": "filter criteria (every message is delivered)",
    "scaling_config": "maximum concurrency (one poller)",
    "destination_config": "on-failure destination",
    "metrics_config": "event-source metrics",
}
_STREAMS = ("aws_dynamodb_table", "aws_kinesis_stream", "aws_msk_cluster", "aws_mq_broker")


@dataclass(frozen=True)
class Poller:
    name: str
    function: str  # Function.key
    queue: sqs.Queue
    batch_size: int
    window_s: int
    report_failures: bool
    origin: Origin


def map_event_source(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    source = values.raw("event_source_arn")
    queue_address = estate.referenced(source) or ""
    queue = sqs.queues(ctx).get(queue_address)
    table = (
        streams.table_of(ctx, queue_address) if queue_address else streams.table_by_arn(ctx, source)
    )
    if table is not None:
        return streams.map_stream_source(resource, ctx, table)
    if queue is None:
        return _unserved(resource, queue_address, str(source))
    function = estate.function_key(ctx, values.raw("function_name"))
    if function is None:
        return cover(resource, "unmapped", "the target function is not mapped", blocking=True)
    if not values.boolean("enabled", True):
        return cover(resource, "not-needed", "the mapping is disabled in Terraform")
    pollers = ctx.family("sqs.pollers", dict)
    name = unique_name(safe_name(f"poll-{function}", "poll"), {**pollers, **ctx.stack.services})
    types = values.get("function_response_types") or []
    pollers[name] = Poller(
        name=name,
        function=function,
        queue=queue,
        batch_size=max(1, min(values.integer("batch_size", 10), 10000)),
        window_s=values.integer("maximum_batching_window_in_seconds", 0),
        report_failures="ReportBatchItemFailures" in types,
        origin=resource.origin,
    )
    lost = [text for arg, text in _LOST.items() if values.has(arg)]
    return mapped_or_partial(resource, f"poller `{name}`: {queue.name} → {function}", lost, name)


def _unserved(resource: Resource, address: str, source: str) -> Coverage:
    kind = address.split(".")[0] if address else "this event source"
    if kind == "aws_kinesis_stream" or ":kinesis:" in source:
        return cover(resource, "unmapped", streams.KINESIS_REASON, blocking=True)
    if kind == "aws_dynamodb_table" or ":dynamodb:" in source:
        why = "the stream's table is not in this configuration or has no stream"
        return cover(resource, "unmapped", why, blocking=True)
    stream = kind in _STREAMS or "stream" in source
    why = "Kafka/MQ triggers" if stream else f"{kind} triggers"
    why += " have no self-hosted poller (SQS and DynamoDB streams only)"
    return cover(resource, "unmapped", why, blocking=True)


def finish(ctx: MapContext) -> None:
    pollers: dict[str, Poller] = ctx.family("sqs.pollers", dict)
    if not pollers:
        return
    for name, poller in sorted(pollers.items()):
        ctx.stack.services[name] = _service(ctx, poller)
    files = estate.extra_files(ctx.stack)
    sources = tuple(sorted(p.origin.address for p in pollers.values()))
    files["pollers/Dockerfile"] = ExtraFile(
        "template",
        {"image": images.POLLER_PYTHON, "boto3": images.POLLER_BOTO3},
        sources,
        "extras/Dockerfile.poller.j2",
    )
    files["pollers/sqs_poller.py"] = ExtraFile("static", None, sources, "extras/sqs_poller.py")


def _service(ctx: MapContext, poller: Poller) -> Service:
    function = ctx.stack.functions[poller.function]
    queue = poller.queue
    image = function.runtime == "image"
    return Service(
        name=poller.name,
        origins=(poller.origin,),
        role="worker",
        build=Build(context="pollers"),
        environment=(
            ("QUEUE_URL", sqs.queue_url(ctx, queue.name)),
            ("QUEUE_ARN", estate.arn(ctx, None, "sqs", queue.name)),
            ("INVOKE_URL", Invoke(poller.function)),
            ("BATCH_SIZE", str(poller.batch_size)),
            ("BATCHING_WINDOW_SECONDS", str(poller.window_s)),
            ("REPORT_BATCH_ITEM_FAILURES", "true" if poller.report_failures else "false"),
            ("INVOKE_TIMEOUT_SECONDS", str(function.timeout_s + 5)),
            ("AWS_ENDPOINT_URL_SQS", sqs.ENDPOINT),
            ("AWS_REGION", ctx.stack.region),
            ("AWS_ACCESS_KEY_ID", "elasticmq"),
            ("AWS_SECRET_ACCESS_KEY", "elasticmq"),
        ),
        depends_on=(
            Dependency("elasticmq", "service_started"),
            Dependency(
                poller.function, "service_started" if image else "service_healthy", on_function=True
            ),
        ),
        user="10001:10001",
        comment=f"SQS event source: {queue.name} → {function.function_name}",
        stop_grace_s=25,  # a receive long-polls up to 20 s before the loop sees the SIGTERM
    )
