"""The Lambda Invoke API of the stack: the ``lambda-invoke`` service (issue 14).

Every function container gets ``AWS_ENDPOINT_URL_LAMBDA`` pointing at it, so SDK
code calling ``lambda.invoke`` (one function fanning out to another) works
unchanged. The service (templates/extras/lambda_invoke.py, standard library only,
built on a pinned python image) serves ``POST /2015-03-31/functions/{name}/invocations``
(RequestResponse, Event queued in an SQLite journal on its volume, DryRun) and
reaches each function through its shim's ``/__cloudexit/invoke/<name>``.
``aws_lambda_function_event_invoke_config`` sets the async retries and event age;
S3 bucket notifications (mappers/s3events.py) are queued through it too. It is on the
internal network only and does not check request signatures (as the SNS fan-out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudexit_ci import images
from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial
from cloudexit_ci.stack import (
    Build,
    Coverage,
    Dependency,
    ExtraFile,
    HealthCheck,
    Origin,
    Service,
    Volume,
)
from cloudexit_ci.terraform.model import Resource
from cloudexit_ci.values import EnvRef, Invoke, Value

SERVICE = "lambda-invoke"
PORT = 9912
ENDPOINT = f"http://{SERVICE}:{PORT}"
VOLUME = f"{SERVICE}-data"
JOURNAL_DIR = "/var/lib/lambda-invoke"
DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE_S = 21600
EVENTS_INGEST = "http://eventbridge:9913/__cloudexit/aws-events"  # mappers/eventbridge.py
INGEST_TOKEN = "EVENTS_INGEST_TOKEN"
_IMAGE = "it runs a container image without the cloudexit shim: Invoke cannot reach its handler"


@dataclass(frozen=True)
class AsyncConfig:
    """``aws_lambda_function_event_invoke_config`` of one function."""

    retries: int
    max_age_s: int
    origin: Origin


def async_configs(ctx: MapContext) -> dict[str, AsyncConfig]:
    found: dict[str, AsyncConfig] = ctx.family("lambda.async", dict)
    return found


def notification_rules(ctx: MapContext) -> list[dict[str, Any]]:
    """S3 notification rules (bucket, function key, events, prefix, suffix) for the config."""
    found: list[dict[str, Any]] = ctx.family("lambda.s3_rules", list)
    return found


def notification_origins(ctx: MapContext) -> set[Origin]:
    found: set[Origin] = ctx.family("lambda.s3_origins", set)
    return found


def eventbridge_buckets(ctx: MapContext) -> dict[str, Origin]:
    """Buckets whose notification has ``eventbridge = true`` → that notification's origin."""
    found: dict[str, Origin] = ctx.family("lambda.s3_eventbridge", dict)
    return found


def ingest_token(ctx: MapContext, origin: Origin | None) -> EnvRef:
    """The token lambda-invoke shows the eventbridge service's ingest path (operator's .env)."""
    estate.secret_var(
        ctx,
        INGEST_TOKEN,
        "shared by lambda-invoke and eventbridge: only a holder may post aws.s3 events to the "
        "eventbridge service's ingest path (any long random string)",
        origin,
    )
    return EnvRef(INGEST_TOKEN, required=True)


def map_event_invoke_config(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    key = estate.function_key(ctx, values.raw("function_name"))
    if key is None:
        return cover(resource, "unmapped", "its function is not in this configuration")
    retries = max(0, min(values.integer("maximum_retry_attempts", DEFAULT_RETRIES), 2))
    age = max(60, min(values.integer("maximum_event_age_in_seconds", DEFAULT_MAX_AGE_S), 21600))
    async_configs(ctx)[key] = AsyncConfig(retries, age, resource.origin)
    lost = []
    destinations = values.block("destination_config")
    if destinations is not None and destinations.block("on_failure") is not None:
        lost.append("on-failure destination: an event that fails is only logged and dropped")
    if destinations is not None and destinations.block("on_success") is not None:
        lost.append("on-success destination: results of async invocations are not sent")
    if values.string("qualifier") not in ("", "$LATEST"):
        lost.append("the qualifier: one version runs self-hosted, the config applies to it")
    name = ctx.stack.functions[key].function_name
    reason = f"async invocations of `{name}`: {retries} retries, events kept {age} s"
    return mapped_or_partial(resource, reason, lost, SERVICE)


def finish(ctx: MapContext) -> None:
    functions = ctx.stack.functions
    bridged = eventbridge_buckets(ctx)
    if not functions and not bridged:
        return
    configs = async_configs(ctx)
    entries: dict[str, Any] = {}
    for key, function in sorted(functions.items()):
        found = configs.get(key)
        entries[function.function_name] = {
            "arn": estate.arn(ctx, None, "lambda", f"function:{function.function_name}"),
            "url": Invoke(key),
            "timeout": function.timeout_s,
            "maxRetries": found.retries if found else DEFAULT_RETRIES,
            "maxEventAge": found.max_age_s if found else DEFAULT_MAX_AGE_S,
        }
        if function.runtime == "image":  # no shim inside: nothing serves /__cloudexit/invoke
            entries[function.function_name]["unsupported"] = _IMAGE
    rules = [
        dict(rule, function=functions[rule["function"]].function_name)
        for rule in notification_rules(ctx)
    ]
    config: dict[str, Any] = {
        "region": ctx.stack.region, "functions": entries, "notifications": rules
    }  # fmt: skip
    environment: list[tuple[str, Value]] = []
    if bridged:
        config["eventbridge"] = {"url": EVENTS_INGEST, "account": ctx.stack.account,
                                 "buckets": sorted(bridged)}  # fmt: skip
        first = min(bridged.values())
        environment.append((INGEST_TOKEN, ingest_token(ctx, first)))
    origins = tuple(
        sorted(
            {f.origin for f in functions.values()}
            | {c.origin for c in configs.values()}
            | notification_origins(ctx)
        )
    )
    sources = tuple(o.address for o in origins)
    files = estate.extra_files(ctx.stack)
    files[f"{SERVICE}/functions.json"] = ExtraFile("json", config, sources)
    files[f"{SERVICE}/lambda_invoke.py"] = ExtraFile(
        "static", None, sources, "extras/lambda_invoke.py"
    )
    files[f"{SERVICE}/Dockerfile"] = ExtraFile(
        "template", {"image": images.INVOKE_PYTHON}, sources, "extras/Dockerfile.invoke.j2"
    )
    ctx.stack.volumes[VOLUME] = Volume(VOLUME)
    ctx.stack.services[SERVICE] = _service(origins, sorted(functions), environment)
    ctx.stack.function_env["AWS_ENDPOINT_URL_LAMBDA"] = ENDPOINT
    ctx.stack.notes.append(
        f"Lambda: functions invoke each other through AWS_ENDPOINT_URL_LAMBDA={ENDPOINT} "
        "(the `lambda-invoke` service: Invoke API, RequestResponse/Event/DryRun). Event "
        f"invocations are kept in its volume `{VOLUME}` until they ran (at least once); "
        "requests are not authenticated: the service is on the internal network only."
    )


def _service(
    origins: tuple[Origin, ...], functions: list[str], extra: list[tuple[str, Value]]
) -> Service:
    check = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{PORT}/health')"
    return Service(
        name=SERVICE,
        origins=origins,
        role="worker",
        build=Build(context=SERVICE),
        command=("/app/functions.json",),
        environment=(
            ("PORT", str(PORT)),
            ("INVOKE_JOURNAL", f"{JOURNAL_DIR}/journal.sqlite3"),
            *extra,
        ),
        volumes=((f"./{SERVICE}/functions.json", "/app/functions.json:ro"), (VOLUME, JOURNAL_DIR)),
        networks=("backend",),
        expose=(PORT,),
        healthcheck=HealthCheck(("CMD", "python", "-c", check), interval_s=10),
        depends_on=tuple(Dependency(key, "service_started", on_function=True) for key in functions),
        secrets=tuple(name for name, _ in extra),
        user="10001:10001",
        comment="Lambda Invoke API (AWS_ENDPOINT_URL_LAMBDA): sync, async (journaled), dry run",
        stop_grace_s=30,  # running async invocations finish; the rest stay in the journal
    )
