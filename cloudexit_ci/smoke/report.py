"""`smoke`'s report: a table in text, or JSON (``schemas/smoke.schema.json``).

The JSON document is versioned (``schemaVersion``): a field is never renamed or given
another meaning within a version; a new optional field may be added.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from cloudexit_ci import __version__
from cloudexit_ci.manifest import RouteEntry
from cloudexit_ci.smoke.health import Health, ServiceHealth
from cloudexit_ci.smoke.plan import Outcome, Probe

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class RouteResult:
    route: RouteEntry
    probe: Probe
    status: int | None
    outcome: Outcome
    ms: float | None


@dataclass(frozen=True)
class Report:
    stack: str
    manifest: str
    base_url: str
    host: str
    routes: tuple[RouteResult, ...]
    health: Health

    @property
    def ok(self) -> bool:
        failed = [r for r in self.routes if r.outcome.verdict == "fail"]
        return not failed and all(s.verdict == "pass" for s in self.health.services)


def schema() -> dict[str, Any]:
    text = resources.files("cloudexit_ci").joinpath("schemas/smoke.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _count(report: Report, verdict: str) -> int:
    return sum(1 for r in report.routes if r.outcome.verdict == verdict)


def to_json(report: Report) -> dict[str, Any]:
    services = report.health.services
    return {
        "schemaVersion": SCHEMA_VERSION,
        "generator": {"name": "cloudexit-ci", "version": __version__},
        "stack": report.stack,
        "manifest": report.manifest,
        "baseUrl": report.base_url,
        "host": report.host,
        "ok": report.ok,
        "summary": {
            "routes": len(report.routes),
            "passed": _count(report, "pass"),
            "failed": _count(report, "fail"),
            "notProbed": _count(report, "not-probed"),
            "services": len(services),
            "servicesFailed": sum(1 for s in services if s.verdict == "fail"),
        },
        "routes": [_route_json(r) for r in report.routes],
        "health": {
            "checked": report.health.checked,
            "detail": report.health.reason,
            "services": [_service_json(s) for s in services],
        },
    }


def _service_json(service: ServiceHealth) -> dict[str, Any]:
    return {
        "service": service.service,
        "functions": list(service.functions),
        "state": service.state,
        "health": service.health,
        "verdict": service.verdict,
        "reason": service.reason,
    }


def _route_json(result: RouteResult) -> dict[str, Any]:
    route, probe = result.route, result.probe
    sent = None if probe.method is None else {"method": probe.method, "target": probe.target}
    return {
        "method": route.method,
        "path": route.path,
        "function": route.function,
        "service": route.service,
        "request": sent,
        "status": result.status,
        "verdict": result.outcome.verdict,
        "reason": result.outcome.reason,
        "requestId": result.outcome.request_id,
        "ms": result.ms,
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def _verdict(outcome: Outcome) -> str:
    return {"pass": "pass", "fail": "FAIL", "not-probed": "not probed (write)"}[outcome.verdict]


def render_text(report: Report) -> str:
    lines = [f"smoke: {report.base_url} (Host: {report.host}), stack {report.stack or '?'}"]
    rows = [
        (f"{r.route.method} {r.route.path}", r.route.function, r.route.service,
         "-" if r.status is None else str(r.status), _verdict(r.outcome),
         "" if r.ms is None else f"{r.ms:.0f}")
        for r in report.routes
    ]  # fmt: skip
    if rows:
        lines += _table(("ROUTE", "FUNCTION", "SERVICE", "STATUS", "VERDICT", "MS"), rows)
    else:
        lines.append("no routes in the manifest")
    lines += [
        f"FAIL {r.route.method} {r.route.path}: {r.outcome.reason}"
        for r in report.routes
        if r.outcome.verdict == "fail"
    ]
    lines += ["", *_health_lines(report.health), "", _summary(report)]
    return "\n".join(lines) + "\n"


def _health_lines(health: Health) -> list[str]:
    if not health.checked:
        return [f"function health: {health.reason}"]
    rows = [
        (s.service, ",".join(s.functions), s.state or "-", s.health or "-",
         "pass" if s.verdict == "pass" else "FAIL", s.reason)
        for s in health.services
    ]  # fmt: skip
    head = ("SERVICE", "FUNCTIONS", "STATE", "HEALTH", "VERDICT", "")
    return [f"function health: {health.reason}", *_table(head, rows)]


def _summary(report: Report) -> str:
    parts = [f"{_count(report, 'pass')} passed", f"{_count(report, 'fail')} failed"]
    if _count(report, "not-probed"):
        parts.append(f"{_count(report, 'not-probed')} not probed (write; --allow-writes)")
    services = report.health.services
    if report.health.checked:
        bad = sum(1 for s in services if s.verdict == "fail")
        parts.append(f"{len(services) - bad} of {len(services)} function services healthy")
    return f"{'ok' if report.ok else 'FAILED'}: " + ", ".join(parts)
