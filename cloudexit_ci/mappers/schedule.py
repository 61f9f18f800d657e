"""Scheduled EventBridge rules / EventBridge Scheduler → a scheduler service.

``rate(n unit)`` becomes an interval and ``cron(m h dom mon dow y)`` (UTC)
a five-field cron (``?`` → ``*``, AWS day-of-week 1-7 SUN-SAT → 0-6). ``L``,
``W``, ``#`` and a year other than ``*`` are reported as not translated, and
so are event-pattern rules. The scheduler (templates/extras/scheduler.py,
stdlib only) POSTs an EventBridge "Scheduled Event" (or the target's constant
``input``) to the function shim's invoke endpoint.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cloudexit_ci import images
from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial
from cloudexit_ci.stack import Coverage, Dependency, ExtraFile, Origin, Service
from cloudexit_ci.terraform.model import Resource
from cloudexit_ci.values import Invoke

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)\Z")
_CRON = re.compile(r"^cron\((.*)\)\Z")
_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_FIELD = re.compile(r"^[0-9*,/-]+\Z")


class NotTranslated(ValueError):
    """A schedule expression the scheduler cannot run as written."""


@dataclass(frozen=True)
class Schedule:
    name: str
    every_s: int | None
    cron: str | None
    expression: str
    origin: Origin
    enabled: bool = True


def translate(expression: str) -> tuple[int | None, str | None]:
    """``rate(5 minutes)`` → (300, None); ``cron(0 12 ? * MON-FRI *)`` → (None, "0 12 * * 1-5")."""
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        return int(rate.group(1)) * _SECONDS[rate.group(2).rstrip("s")], None
    cron = _CRON.match(text)
    if not cron:
        raise NotTranslated(f"{expression!r} is neither rate(...) nor cron(...)")
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise NotTranslated(f"{expression!r}: AWS cron has six fields")
    minute, hour, dom, month, dow, year = (f.upper() for f in fields)
    if year not in ("*", "?"):
        raise NotTranslated(f"{expression!r}: a specific year ({year}) is not translated")
    month, dow = _months(month), _day_names(dow)
    if any(mark in f for f in (minute, hour, dom, month, dow) for mark in ("L", "W", "#")):
        raise NotTranslated(f"{expression!r}: L, W and # are not translated")
    out = [_plain(minute), _plain(hour), _plain(dom), _plain(month), _dow(dow)]
    return None, " ".join(out)


def _day_names(value: str) -> str:
    for name, number in _DAYS.items():
        value = value.replace(name, str(number))
    return value


def _plain(value: str) -> str:
    value = "*" if value == "?" else value
    if not _FIELD.match(value):
        raise NotTranslated(f"cron field {value!r} is not translated")
    return value


def _months(value: str) -> str:
    names = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    for number, name in enumerate(names, 1):
        value = value.replace(name, str(number))
    return value


def _dow(value: str) -> str:
    """AWS 1-7 = SUN-SAT (or names) → cron 0-6 = SUN-SAT."""
    if value in ("?", "*"):
        return "*"
    plain = _plain(value)
    return re.sub(r"(?<![/\d])(\d+)", lambda m: str(int(m.group(1)) - 1), plain)


def map_rule(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    expression = values.string("schedule_expression")
    if not expression:
        why = "event-pattern rule: events from AWS services have no self-hosted source"
        return cover(resource, "unmapped", why)
    name = values.string("name") or resource.name
    try:
        every, cron = translate(expression)
    except NotTranslated as exc:
        return cover(resource, "unmapped", f"schedule not translated: {exc}", blocking=True)
    enabled = values.get("state", "ENABLED") != "DISABLED" and values.get("is_enabled") is not False
    rules = ctx.family("schedule.rules", dict)
    rules[resource.address] = Schedule(name, every, cron, expression, resource.origin, enabled)
    lost = [] if enabled else ["disabled in Terraform: the job is generated disabled"]
    return mapped_or_partial(resource, f"scheduler job `{name}` ({expression})", lost, "scheduler")


def map_target(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    rules: dict[str, Schedule] = ctx.family("schedule.rules", dict)
    rule = estate.find_by(ctx, "aws_cloudwatch_event_rule", "name", values.raw("rule"))
    if rule is None or rule.address not in rules:
        return cover(resource, "unmapped", "target of a rule that is not a mapped schedule")
    function = estate.function_key(ctx, values.raw("arn"))
    if function is None:
        return cover(
            resource, "unmapped", "only Lambda targets are invoked (SQS, ECS, Step Functions…)"
        )
    lost = ["input transformer"] if values.has("input_transformer") else []
    lost += [t for a, t in (("retry_policy", "retry policy"), ("dead_letter_config", "DLQ"))
             if values.has(a)]  # fmt: skip
    _add_job(ctx, rules[rule.address], function, values.get("input"), resource)
    return mapped_or_partial(resource, f"scheduler invokes `{function}`", lost, "scheduler")


def map_scheduler_schedule(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    expression = values.string("schedule_expression")
    name = values.string("name") or resource.name
    if expression.startswith("at("):
        return cover(resource, "unmapped", f"one-time schedule {expression} is not translated")
    try:
        every, cron = translate(expression)
    except NotTranslated as exc:
        return cover(resource, "unmapped", f"schedule not translated: {exc}", blocking=True)
    target = values.block("target")
    function = estate.function_key(ctx, target.raw("arn")) if target else None
    if function is None or target is None:
        return cover(resource, "unmapped", "only Lambda targets are invoked", blocking=True)
    schedule = Schedule(name, every, cron, expression, resource.origin)
    _add_job(ctx, schedule, function, target.get("input"), resource)
    timezone = values.string("schedule_expression_timezone", "UTC")
    lost = [f"time zone {timezone} (the scheduler runs in UTC)"] if timezone != "UTC" else []
    lost += ["flexible time window"] if values.has("flexible_time_window") else []
    return mapped_or_partial(resource, f"scheduler invokes `{function}` ({expression})", lost)


def _add_job(
    ctx: MapContext, schedule: Schedule, function: str, raw_input: object, resource: Resource
) -> None:
    jobs = ctx.family("schedule.jobs", list)
    payload = None
    if isinstance(raw_input, str):
        try:
            payload = json.loads(raw_input)
        except ValueError:
            payload = raw_input
    jobs.append((schedule, function, payload, resource.origin))


def finish(ctx: MapContext) -> None:
    jobs = ctx.family("schedule.jobs", list)
    scheduled = {j[0].origin for j in jobs}
    for rule in ctx.family("schedule.rules", dict).values():
        if rule.origin not in scheduled:
            why = f"schedule {rule.expression}: none of its targets is a function of this stack"
            ctx.restate(rule.origin, "unmapped", why, blocking=False)
    if not jobs:
        return
    config = sorted((_job(ctx, j) for j in jobs), key=lambda j: (str(j["name"]), str(j["source"])))
    origins = tuple(sorted({j[0].origin for j in jobs} | {j[3] for j in jobs}))
    backends = sorted({j[1] for j in jobs})
    ctx.stack.services["scheduler"] = Service(
        name="scheduler",
        origins=origins,
        role="worker",
        image=images.POLLER_PYTHON,
        command=("python", "-u", "/opt/scheduler/scheduler.py", "/opt/scheduler/schedules.json"),
        volumes=(("./scheduler", "/opt/scheduler:ro"),),
        depends_on=tuple(Dependency(b, "service_started", on_function=True) for b in backends),
        user="10001:10001",
        comment="EventBridge schedules: invokes functions through the shim (UTC)",
    )
    files = estate.extra_files(ctx.stack)
    sources = tuple(o.address for o in origins)
    files["scheduler/schedules.json"] = ExtraFile("json", {"jobs": config}, sources)
    files["scheduler/scheduler.py"] = ExtraFile("static", None, sources, "extras/scheduler.py")


def _job(ctx: MapContext, job: tuple[Schedule, str, object, Origin]) -> dict[str, object]:
    schedule, function_key, payload, origin = job
    url = Invoke(function_key)
    arn = estate.arn(ctx, None, "events", f"rule/{schedule.name}")
    return {
        "name": schedule.name,
        "expression": schedule.expression,
        "every_seconds": schedule.every_s,
        "cron": schedule.cron,
        "url": url,
        "input": payload,
        "resources": [arn],
        "source": origin.address,
        "enabled": schedule.enabled,
    }
