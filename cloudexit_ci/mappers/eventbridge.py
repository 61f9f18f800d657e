"""EventBridge buses, event-pattern rules and their targets → the ``eventbridge`` service.

The service (templates/extras/eventbridge.py, standard library only, pinned python
image) serves PutEvents at ``AWS_ENDPOINT_URL_EVENTBRIDGE``, matches each event against the
rules of its bus (AWS's content filtering) and delivers it to the targets Terraform
declares: functions through the ``lambda-invoke`` service (async), queues in ElasticMQ,
topics of the ``sns`` fan-out, other buses. Schedule rules (``schedule_expression``)
stay the scheduler's (mappers/schedule.py): this module hands them over, so one rule
is never claimed twice. Rules matching ``aws.s3`` events are served when a bucket's
notification has ``eventbridge = true`` (mappers/s3events.py: lambda-invoke posts those
events to the service's token-guarded ingest path); rules matching other events AWS
services emit (``source`` = ``aws.*``) are reported: nothing in the stack emits them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudexit_ci import images
from cloudexit_ci.mappers import estate, invoke, schedule, sns, sqs
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial
from cloudexit_ci.stack import Coverage, Dependency, ExtraFile, HealthCheck, Origin, Service
from cloudexit_ci.terraform.model import Resource, Values
from cloudexit_ci.values import EnvRef

SERVICE = "eventbridge"
PORT = 9913
ENDPOINT = f"http://{SERVICE}:{PORT}"
DEFAULT_RETRIES = 185
DEFAULT_MAX_AGE_S = 86400
_BUS_LOST = {
    "event_source_name": "partner event sources (SaaS partners cannot reach the stack)",
    "kms_key_identifier": "KMS encryption of events",
    "dead_letter_config": "the bus's own dead-letter queue (rule targets keep theirs)",
}


@dataclass
class Rule:
    name: str
    arn: str
    bus: str
    pattern: dict[str, Any]
    enabled: bool
    origin: Origin
    aws_sources: tuple[str, ...]
    served: bool
    targets: list[dict[str, Any]] = field(default_factory=list)
    target_origins: list[Origin] = field(default_factory=list)


def buses(ctx: MapContext) -> dict[str, tuple[str, Origin | None]]:
    """Address (or ``default``) → (bus name, origin)."""
    found: dict[str, tuple[str, Origin | None]] = ctx.family("events.buses", dict)
    found.setdefault("default", ("default", None))
    return found


def rules(ctx: MapContext) -> dict[str, Rule]:
    found: dict[str, Rule] = ctx.family("events.rules", dict)
    return found


def map_bus(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    name = values.string("name") or resource.name
    buses(ctx)[resource.address] = (name, resource.origin)
    arn = estate.arn(ctx, resource, "events", f"event-bus/{name}")
    for attr in ("arn", "id", "name"):
        estate.resolve(ctx, resource.address, attr, name if attr != "arn" else arn)
    lost = [text for arg, text in _BUS_LOST.items() if values.has(arg)]
    if values.has("policy"):
        lost.append("bus policy: the service is only on the internal network")
    reason = f"bus `{name}` served by the `{SERVICE}` service (PutEvents)"
    return mapped_or_partial(resource, reason, lost, SERVICE)


def _bus_of(ctx: MapContext, raw: Any) -> str | None:
    if raw is None or raw == "" or raw == "default":
        return "default"
    address = estate.referenced(raw)
    for key, (name, _) in buses(ctx).items():
        if key == address or (isinstance(raw, str) and raw.rsplit("event-bus/", 1)[-1] == name):
            return name
    return None


def map_rule(resource: Resource, ctx: MapContext) -> Coverage:
    """Schedule rules are the scheduler's; event-pattern rules are served here."""
    values = resource.values
    if values.string("schedule_expression"):
        return schedule.map_rule(resource, ctx)
    name = values.string("name") or resource.name
    bus = _bus_of(ctx, values.raw("event_bus_name"))
    if bus is None:
        why = f"its bus {estate.shown(values.raw('event_bus_name'))} is not in this configuration"
        return cover(resource, "unmapped", why)
    pattern = estate.structured(values, "event_pattern")
    if not isinstance(pattern, dict) or not pattern:
        return cover(resource, "unmapped", "event_pattern is not a JSON object", blocking=True)
    problem = pattern_problem(pattern)
    if problem:
        return cover(resource, "unmapped", f"event_pattern: {problem}", blocking=True)
    enabled = values.get("state", "ENABLED") != "DISABLED" and values.get("is_enabled") is not False
    rest = f"rule/{name}" if bus == "default" else f"rule/{bus}/{name}"
    arn = estate.arn(ctx, resource, "events", rest)
    estate.resolve(ctx, resource.address, "arn", arn)
    fed, aws = _fed_sources(ctx, bus, pattern)
    only_aws = bool(aws) and len(aws) == len(_sources(pattern))
    rules(ctx)[resource.address] = Rule(
        name, arn, bus, pattern, enabled, resource.origin, aws, served=not only_aws
    )
    if only_aws:
        why = (f"matches only events AWS services emit ({', '.join(aws)}): nothing in the stack "
               f"emits them{_S3_HINT if 'aws.s3' in aws else ''} and PutEvents refuses aws.* "
               "sources")  # fmt: skip
        return cover(resource, "unmapped", why)
    lost = [f"events AWS services emit ({', '.join(aws)}): nothing in the stack emits them"]
    lost = lost if aws else []
    lost += _s3_lost(pattern) if fed else []
    lost += [] if enabled else ["disabled in Terraform: generated disabled"]
    return mapped_or_partial(resource, f"rule `{name}` on bus `{bus}`", lost, SERVICE)


_OPERATORS = {
    "prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case", "wildcard",
    "cidr",
}  # fmt: skip


def pattern_problem(pattern: Any) -> str | None:
    """Why an event pattern is not one EventBridge accepts (None when it is): each field is an
    object (nested fields, ``$or`` a list of them) or a list of values and operators."""
    if not isinstance(pattern, dict):
        return "a pattern level must be a JSON object"
    for key, spec in pattern.items():
        if key == "$or":
            if not isinstance(spec, list) or len(spec) < 2:
                return "$or needs a list of at least two patterns"
            found = next((p for p in map(pattern_problem, spec) if p), None)
        elif isinstance(spec, dict):
            found = pattern_problem(spec)
        elif isinstance(spec, list) and spec:
            found = next((p for p in map(_matcher_problem, spec) if p), None)
        else:
            found = f"`{key}` must be a non-empty list of values or an object"
        if found:
            return found
    return None


def _matcher_problem(matcher: Any) -> str | None:
    if not isinstance(matcher, dict):
        return None if not isinstance(matcher, list) else "a value cannot be a list"
    if len(matcher) != 1 or next(iter(matcher)) not in _OPERATORS:
        return f"{sorted(matcher)} is not an EventBridge comparison operator"
    return None


_S3_HINT = (
    " (aws.s3 events come from buckets whose aws_s3_bucket_notification has eventbridge = true"
    " on the default bus: none here)"
)
S3_TYPES = ("Object Created", "Object Deleted")


def _fed_sources(
    ctx: MapContext, bus: str, pattern: dict[str, Any]
) -> tuple[bool, tuple[str, ...]]:
    """(whether the stack feeds the pattern's ``aws.s3`` source, the aws.* sources it does not
    feed): ``aws.s3`` reaches the default bus when a bucket sends its events to EventBridge."""
    aws = _aws_sources(pattern)
    fed = "aws.s3" in aws and bus == "default" and bool(invoke.eventbridge_buckets(ctx))
    return fed, tuple(s for s in aws if not (fed and s == "aws.s3"))


def _s3_lost(pattern: dict[str, Any]) -> list[str]:
    kinds = pattern.get("detail-type")
    if isinstance(kinds, list) and kinds and all(k in S3_TYPES for k in kinds):
        return []
    return ["aws.s3 events other than Object Created / Object Deleted are never emitted"]


def _sources(pattern: dict[str, Any]) -> list[Any]:
    found = pattern.get("source")
    return found if isinstance(found, list) else []


def _aws_sources(pattern: dict[str, Any]) -> tuple[str, ...]:
    return tuple(s for s in _sources(pattern) if isinstance(s, str) and s.startswith("aws."))


def map_target(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    rule_resource = _rule_of(ctx, values)
    if rule_resource is not None and rule_resource.values.string("schedule_expression"):
        return schedule.map_target(resource, ctx)
    rule = rules(ctx).get(rule_resource.address) if rule_resource else None
    if rule is None or not rule.served:
        return cover(resource, "unmapped", "target of a rule that is not served")
    # AWS makes up an id when none is given: the name with its instance key, unique per rule
    target_id = values.string("target_id") or resource.address.split(f"{resource.type}.", 1)[-1]
    entry: dict[str, Any] = {"id": target_id}
    where = _destination(ctx, values.raw("arn"), entry)
    if where is None:
        why = (
            f"target {estate.shown(values.raw('arn'))} is not a function, queue, topic or bus here"
        )
        return cover(resource, "unmapped", why, blocking=True)
    lost = _input(values, entry) + _retry(ctx, values, entry)
    group = values.block("sqs_target")
    if group is not None and group.string("message_group_id"):
        entry["group"] = group.string("message_group_id")
    lost += list(_TARGET_LOST[a] for a in _TARGET_LOST if values.has(a))
    if entry["kind"] == "bus" and any(k in entry for k in ("input", "inputPath", "transformer")):
        lost.append("input of a bus target: the event is re-published unchanged")
    rule.targets.append(entry)
    rule.target_origins.append(resource.origin)
    return mapped_or_partial(resource, f"rule `{rule.name}` → {where}", lost, SERVICE)


_TARGET_LOST = {
    "http_target": "HTTP target path/header parameters",
    "run_command_targets": "Run Command targets",
}  # role_arn only lets EventBridge deliver: the service delivers on the internal network


def _rule_of(ctx: MapContext, values: Values) -> Resource | None:
    """The target's rule: by reference, else by name on the target's bus."""
    raw = values.raw("rule")
    if estate.referenced(raw) is not None or not isinstance(raw, str):
        return estate.find_by(ctx, "aws_cloudwatch_event_rule", "name", raw)
    bus = _bus_of(ctx, values.raw("event_bus_name"))
    for candidate in ctx.module.of_type("aws_cloudwatch_event_rule"):
        found = candidate.values
        same_bus = _bus_of(ctx, found.raw("event_bus_name")) == bus
        if (found.string("name") or candidate.name) == raw and same_bus:
            return candidate
    return None


def _destination(ctx: MapContext, arn: Any, entry: dict[str, Any]) -> str | None:
    address = estate.referenced(arn) or ""
    function = estate.function_key(ctx, arn)
    if function is not None:
        name = ctx.stack.functions[function].function_name
        arn_text = estate.arn(ctx, None, "lambda", f"function:{name}")
        entry.update(kind="lambda", function=name, endpoint=invoke.ENDPOINT, arn=arn_text)
        return f"function {name} (async, through {invoke.SERVICE})"
    queue = sqs.queues(ctx).get(address)
    if queue is not None:
        arn_text = estate.arn(ctx, None, "sqs", queue.name)
        entry.update(kind="sqs", queue=sqs.queue_url(ctx, queue.name), arn=arn_text)
        return f"ElasticMQ queue {queue.name}"
    topic = sns.topics(ctx).get(address)
    if topic is not None:
        entry.update(kind="sns", topic=topic.arn, endpoint=sns.ENDPOINT, arn=topic.arn)
        return f"topic {topic.name} (sns fan-out)"
    bus = buses(ctx).get(address)
    if bus is not None:
        arn_text = estate.arn(ctx, None, "events", f"event-bus/{bus[0]}")
        entry.update(kind="bus", bus=bus[0], arn=arn_text)
        return f"bus {bus[0]}"
    return None


def _input(values: Values, entry: dict[str, Any]) -> list[str]:
    if values.has("input"):
        entry["input"] = values.string("input")
    elif values.has("input_path"):
        entry["inputPath"] = values.string("input_path")
    transformer = values.block("input_transformer")
    if transformer is None:
        return []
    paths = transformer.raw("input_paths") or {}
    template = transformer.raw("input_template")
    if not isinstance(paths, dict) or not isinstance(template, str):
        return ["input transformer known only after apply: the event is sent unchanged"]
    entry["transformer"] = {"paths": {str(k): str(v) for k, v in paths.items()},
                            "template": template}  # fmt: skip
    return []


def _retry(ctx: MapContext, values: Values, entry: dict[str, Any]) -> list[str]:
    policy = values.block("retry_policy")
    entry["retries"] = policy.integer("maximum_retry_attempts", DEFAULT_RETRIES) if policy else 185
    age = policy.integer("maximum_event_age_in_seconds", DEFAULT_MAX_AGE_S) if policy else 86400
    entry["maxAge"] = age
    dead = values.block("dead_letter_config")
    if dead is None:
        return []
    queue = sqs.queues(ctx).get(estate.referenced(dead.raw("arn")) or "")
    if queue is None:
        return ["dead-letter queue outside this stack: failed events are dropped"]
    entry["dlq"] = sqs.queue_url(ctx, queue.name)
    return []


def finish(ctx: MapContext) -> None:
    found = sorted(rules(ctx).values(), key=lambda r: (r.bus, r.name))
    for rule in found:
        if not rule.targets and rule.served:
            ctx.restate(rule.origin, "unmapped", "no target of this rule is served", blocking=False)
    served = [r for r in found if r.targets]
    bus_origins = [o for _, o in buses(ctx).values() if o is not None]
    bridged = invoke.eventbridge_buckets(ctx)
    bus_origins += list(bridged.values())
    if not served and not bus_origins:
        return
    config = {
        "region": ctx.stack.region,
        "account": ctx.stack.account,
        "buses": {name: {} for name, _ in sorted(buses(ctx).values())},
        "rules": [_rule_config(r) for r in served],
    }
    origins = tuple(
        sorted({*bus_origins, *(o for r in served for o in (r.origin, *r.target_origins))})
    )
    sources = tuple(o.address for o in origins)
    files = estate.extra_files(ctx.stack)
    files[f"{SERVICE}/rules.json"] = ExtraFile("json", config, sources)
    files[f"{SERVICE}/eventbridge.py"] = ExtraFile("static", None, sources, "extras/eventbridge.py")
    files[f"{SERVICE}/aws_sigv4.py"] = ExtraFile("static", None, sources, "extras/aws_sigv4.py")
    kinds = {t["kind"] for r in served for t in r.targets}
    token = invoke.ingest_token(ctx, min(bridged.values())) if bridged else None
    ctx.stack.services[SERVICE] = _service(origins, kinds, ctx.stack.region, token)
    ctx.stack.function_env["AWS_ENDPOINT_URL_EVENTBRIDGE"] = ENDPOINT
    ctx.stack.notes.append(
        f"EventBridge: functions publish through AWS_ENDPOINT_URL_EVENTBRIDGE={ENDPOINT} (the "
        f"`{SERVICE}` service: PutEvents only). Deliveries are retried per retry_policy in "
        "memory: events not yet delivered when it stops are lost (see `docker compose logs "
        f"{SERVICE}`)."
    )


def _rule_config(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "arn": rule.arn,
        "bus": rule.bus,
        "pattern": rule.pattern,
        "enabled": rule.enabled,
        "targets": sorted(rule.targets, key=lambda t: str(t["id"])),
    }


def _service(
    origins: tuple[Origin, ...], kinds: set[str], region: str, token: EnvRef | None
) -> Service:
    check = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{PORT}/health')"
    needs = {"lambda": invoke.SERVICE, "sqs": "elasticmq", "sns": "sns"}
    depends = sorted({needs[k] for k in kinds if k in needs})
    return Service(
        name=SERVICE,
        origins=origins,
        role="worker",
        image=images.EVENTS_PYTHON,
        command=("python", "/app/eventbridge.py", "/app/rules.json"),
        environment=(
            ("PORT", str(PORT)),
            ("PYTHONUNBUFFERED", "1"),
            ("AWS_REGION", region),  # SendMessage/Publish are signed: any key is accepted
            ("AWS_ACCESS_KEY_ID", "elasticmq"),
            ("AWS_SECRET_ACCESS_KEY", "elasticmq"),
            *((("EVENTS_INGEST_TOKEN", token),) if token is not None else ()),
        ),
        secrets=(token.name,) if token is not None else (),
        volumes=((f"./{SERVICE}", "/app:ro"),),
        networks=("backend",),
        expose=(PORT,),
        healthcheck=HealthCheck(("CMD", "python", "-c", check), interval_s=10),
        depends_on=tuple(Dependency(s, "service_started") for s in depends),
        user="10001:10001",
        comment="EventBridge replacement: PutEvents, pattern rules, delivery to targets",
        stop_grace_s=30,  # queued deliveries are attempted before exit
    )
