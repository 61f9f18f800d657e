"""aws_lambda_event_source_mapping (DynamoDB stream) → a stream poller service.

The poller (templates/extras/stream_poller.py, boto3 installed at build, the
filter matcher templates/extras/event_pattern.py next to it) reads the table's
stream on ScyllaDB Alternator and POSTs Lambda DynamoDB events to the shim's
``/__cloudexit/invoke/<function-name>``; its per-shard checkpoints live on a
named volume. docs/STREAMS.md describes the contract.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cloudexit_ci import images
from cloudexit_ci.mappers import estate, sqs
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial, safe_name, unique_name
from cloudexit_ci.stack import (
    Build,
    Coverage,
    Dependency,
    ExtraFile,
    HealthCheck,
    Origin,
    Service,
    Table,
    Volume,
)
from cloudexit_ci.terraform.model import Resource, Values
from cloudexit_ci.values import Invoke

CHECKPOINTS = "/var/lib/cloudexit/streams"
_LOST = {
    "parallelization_factor": "parallelization factor (one batch per shard at a time)",
    "tumbling_window_in_seconds": "tumbling windows (no state is carried between batches)",
    "scaling_config": "maximum concurrency (one poller)",
    "metrics_config": "event-source metrics",
    "kms_key_arn": "KMS encryption of the filter criteria",
}
KINESIS_REASON = (
    "Kinesis triggers have no self-hosted poller: no production-grade self-hosted server "
    "speaks the Kinesis Data Streams API. Options: (1) Kafka/Redpanda — port the producers "
    "to the Kafka API and add a Kafka poller mapping for this trigger; (2) if the stream "
    "carries a table's changes, enable the table's DynamoDB stream and point the mapping "
    "at its stream_arn (served here); (3) a Kinesis emulator (test-grade) behind "
    "AWS_ENDPOINT_URL_KINESIS plus a Kinesis poller (shard reading as the DynamoDB "
    "stream poller does)"
)


@dataclass(frozen=True)
class StreamPoller:
    name: str
    function: str  # Function.key
    table: Table
    stream_arn: str
    environment: tuple[tuple[str, str], ...]
    failure_queue: str | None  # ElasticMQ queue name of the on-failure destination
    origin: Origin


def table_of(ctx: MapContext, address: str) -> Table | None:
    """The mapped table a ``aws_dynamodb_table.x.stream_arn`` reference points at."""
    for table in ctx.stack.tables.values():
        if table.origin.address == address:
            return table
    return None


def table_by_arn(ctx: MapContext, source: object) -> Table | None:
    """The mapped table a literal stream ARN (``arn:aws:dynamodb:…:table/NAME/stream/…``)
    names."""
    if not isinstance(source, str) or ":dynamodb:" not in source or "/stream/" not in source:
        return None
    name = source.split(":table/", 1)[-1].split("/stream/", 1)[0]
    return ctx.stack.tables.get(name)


def map_stream_source(resource: Resource, ctx: MapContext, table: Table) -> Coverage:
    values = resource.values
    if not table.stream_view_type:
        return cover(resource, "unmapped", f"table {table.name} has no stream", blocking=True)
    if ctx.options.dynamodb_mode != "alternator":
        why = "cql mode serves no DynamoDB Streams API (use --dynamodb-mode alternator)"
        return cover(resource, "unmapped", why, blocking=True)
    function = estate.function_key(ctx, values.raw("function_name"))
    if function is None:
        return cover(resource, "unmapped", "the target function is not mapped", blocking=True)
    if not values.boolean("enabled", True):
        return cover(resource, "not-needed", "the mapping is disabled in Terraform")
    filters = _filters(values)
    if filters is None:
        why = "a filter_criteria pattern cannot be resolved, or is not Lambda's filter syntax"
        return cover(resource, "unmapped", why, blocking=True)
    lost = [text for arg, text in _LOST.items() if values.has(arg)]
    failure_queue = _failure_queue(ctx, values, lost)
    pollers = ctx.family("streams.pollers", dict)
    name = unique_name(safe_name(f"stream-{function}", "stream"), {**pollers, **ctx.stack.services})
    stream_arn = estate.arn(
        ctx, None, "dynamodb", f"table/{table.name}/stream/1970-01-01T00:00:00.000"
    )
    pollers[name] = StreamPoller(
        name,
        function,
        table,
        stream_arn,
        _settings(values, filters),
        failure_queue,
        resource.origin,
    )
    reason = f"stream poller `{name}`: {table.name} stream → {function}"
    return mapped_or_partial(resource, reason, lost, name)


def _settings(values: Values, filters: list[str]) -> tuple[tuple[str, str], ...]:
    types = values.get("function_response_types") or []
    start = values.string("starting_position", "LATEST")
    return (
        ("BATCH_SIZE", str(max(1, min(values.integer("batch_size", 100), 10000)))),
        ("BATCHING_WINDOW_SECONDS", str(values.integer("maximum_batching_window_in_seconds", 0))),
        ("STARTING_POSITION", "TRIM_HORIZON" if start == "TRIM_HORIZON" else "LATEST"),
        ("FILTERS", json.dumps(filters)),
        ("BISECT_BATCH_ON_FUNCTION_ERROR", _flag(values.boolean("bisect_batch_on_function_error"))),
        ("MAX_RETRY_ATTEMPTS", str(values.integer("maximum_retry_attempts", -1))),
        ("MAX_RECORD_AGE_SECONDS", str(values.integer("maximum_record_age_in_seconds", -1))),
        ("REPORT_BATCH_ITEM_FAILURES", _flag("ReportBatchItemFailures" in types)),
    )


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _filters(values: Values) -> list[str] | None:
    """Each filter's pattern as canonical JSON text; None when one is not an object."""
    patterns = []
    for criteria in values.blocks("filter_criteria"):
        for block in criteria.blocks("filter"):
            pattern: Any = estate.structured(block, "pattern")
            if not valid_pattern(pattern) or "${" in json.dumps(pattern, default=str):
                return None
            patterns.append(json.dumps(pattern, sort_keys=True, separators=(",", ":")))
    return patterns


OPERATORS = frozenset(
    {"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "wildcard",
     "cidr"}
)  # fmt: skip


def valid_pattern(pattern: object) -> bool:
    """Lambda's filter grammar: objects nest, leaves are arrays of literals or one-operator
    objects of a known operator, ``$or`` holds a list of patterns (AWS refuses the rest)."""
    if not isinstance(pattern, dict) or not pattern:
        return False
    for key, rule in pattern.items():
        if key == "$or":
            if not isinstance(rule, list) or not all(valid_pattern(p) for p in rule):
                return False
        elif isinstance(rule, dict):
            if not valid_pattern(rule):
                return False
        elif not isinstance(rule, list) or not all(_valid_leaf(x) for x in rule):
            return False
    return True


def _valid_leaf(rule: object) -> bool:
    if isinstance(rule, dict):
        return len(rule) == 1 and next(iter(rule)) in OPERATORS
    return rule is None or isinstance(rule, (str, int, float, bool))


def _failure_queue(ctx: MapContext, values: Values, lost: list[str]) -> str | None:
    config = values.block("destination_config")
    on_failure = config.block("on_failure") if config else None
    if on_failure is None:
        return None
    target = on_failure.raw("destination_arn")
    queue = sqs.queues(ctx).get(estate.referenced(target) or "")
    if queue is not None:
        return queue.name
    lost.append("on-failure destination other than an SQS queue (records given up are logged)")
    return None


def finish(ctx: MapContext) -> None:
    pollers: dict[str, StreamPoller] = ctx.family("streams.pollers", dict)
    if not pollers:
        return
    for name, poller in sorted(pollers.items()):
        ctx.stack.services[name] = _service(ctx, poller)
        ctx.stack.volumes[f"{name}-checkpoints"] = Volume(f"{name}-checkpoints")
    files = estate.extra_files(ctx.stack)
    sources = tuple(sorted(p.origin.address for p in pollers.values()))
    files["stream-pollers/Dockerfile"] = ExtraFile(
        "template",
        {"image": images.POLLER_PYTHON, "boto3": images.POLLER_BOTO3, "home": CHECKPOINTS},
        sources,
        "extras/Dockerfile.stream-poller.j2",
    )
    for script in ("stream_poller.py", "event_pattern.py"):
        files[f"stream-pollers/{script}"] = ExtraFile("static", None, sources, f"extras/{script}")


def _service(ctx: MapContext, poller: StreamPoller) -> Service:
    function = ctx.stack.functions[poller.function]
    image = function.runtime == "image"
    environment: list[tuple[str, Any]] = [
        ("TABLE_NAME", poller.table.name),
        ("STREAM_ARN", poller.stream_arn),
        ("INVOKE_URL", Invoke(poller.function)),
        *poller.environment,
        ("FUNCTION_ARN", estate.arn(ctx, None, "lambda", f"function:{function.function_name}")),
        ("INVOKE_TIMEOUT_SECONDS", str(function.timeout_s + 5)),
        ("CHECKPOINT_DIR", CHECKPOINTS),
        ("HEALTH_MAX_AGE_SECONDS", str(function.timeout_s + 60)),
        ("AWS_ENDPOINT_URL_DYNAMODB", "http://scylladb:8000"),
        ("AWS_REGION", ctx.stack.region),
        ("AWS_ACCESS_KEY_ID", "alternator"),
        ("AWS_SECRET_ACCESS_KEY", "alternator"),
    ]
    depends = [
        Dependency("scylladb", "service_healthy"),
        Dependency(
            poller.function, "service_started" if image else "service_healthy", on_function=True
        ),
    ]
    if poller.failure_queue:
        environment += [
            ("ON_FAILURE_QUEUE_URL", sqs.queue_url(ctx, poller.failure_queue)),
            ("AWS_ENDPOINT_URL_SQS", sqs.ENDPOINT),
        ]
        depends.append(Dependency("elasticmq", "service_started"))
    return Service(
        name=poller.name,
        origins=(poller.origin,),
        role="worker",
        build=Build(context="stream-pollers"),
        environment=tuple(environment),
        volumes=((f"{poller.name}-checkpoints", CHECKPOINTS),),
        depends_on=tuple(depends),
        healthcheck=HealthCheck(
            ("CMD", "python", "/opt/cloudexit/stream_poller.py", "--healthcheck"), interval_s=15
        ),
        user="10001:10001",
        comment=f"DynamoDB stream event source: {poller.table.name} → {function.function_name}",
        stop_grace_s=max(10, function.timeout_s + 10),  # the batch in flight finishes first
    )
