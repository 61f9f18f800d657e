"""Machine-readable report: versioned, stable key order, schema in the package.

The schema is ``cloudexit_ci/schemas/report.schema.json``; bump
``SCHEMA_VERSION`` on any incompatible change.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from cloudexit_ci import __version__
from cloudexit_ci.diff import Drift
from cloudexit_ci.manifest import DataMove
from cloudexit_ci.report import DataPlanDelta, Report, ReportError, ServiceDelta
from cloudexit_ci.reporters._common import TOOL_NAME, coverage_file
from cloudexit_ci.stack import Coverage

SCHEMA_VERSION = 1


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) this reporter's output validates against."""
    text = resources.files("cloudexit_ci").joinpath("schemas/report.schema.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


def _drift(report: Report, drift: Drift) -> dict[str, Any]:
    return {
        "path": report.repo_path(drift),
        "outputPath": str(drift.path),
        "kind": drift.kind,
        "line": drift.line,
        "summary": drift.summary,
        "sources": list(drift.sources),
        "changes": [{"path": c.path, "old": c.old, "new": c.new} for c in drift.changes],
        "note": drift.note,
        "diff": drift.unified,
    }


def _coverage(entry: Coverage) -> dict[str, Any]:
    return {
        "address": entry.origin.address,
        "type": entry.type,
        "status": entry.status,
        "reason": entry.reason,
        "file": coverage_file(entry),
        "line": entry.origin.line,
        "service": entry.service,
        "lost": list(entry.lost),
        "blocking": entry.blocking,
    }


def _error(error: ReportError) -> dict[str, Any]:
    return {"message": error.message, "where": error.where, "hint": error.hint}


def _services(delta: ServiceDelta) -> dict[str, Any]:
    return {
        "added": list(delta.added),
        "changed": list(delta.changed),
        "removed": list(delta.removed),
        "dataRemoved": list(delta.data_removed),
    }


def _move(move: DataMove) -> dict[str, Any]:
    return {
        "address": move.address,
        "kind": move.kind,
        "source": move.source,
        "target": move.target,
    }


def _data_plan(delta: DataPlanDelta) -> dict[str, Any]:
    return {
        "added": [_move(m) for m in delta.added],
        "changed": [{"before": _move(c.before), "after": _move(c.after)} for c in delta.changed],
        "removed": [_move(m) for m in delta.removed],
    }


def report_data(report: Report) -> dict[str, Any]:
    c = report.counts
    return {
        "stack": report.stack,
        "outputDir": report.output_dir,
        "terraformDir": report.terraform_dir,
        "inSync": report.in_sync,
        "counts": {
            "filesDrifted": c.files_drifted,
            "changed": c.changed,
            "missing": c.missing,
            "extra": c.extra,
            "handEdited": c.hand_edited,
            "unmapped": c.unmapped,
            "partial": c.partial,
            "inferred": c.inferred,
            "errors": c.errors,
        },
        "services": _services(report.services),
        "dataPlan": _data_plan(report.data_plan),
        "drifts": [_drift(report, d) for d in report.drifts],
        "coverage": [_coverage(e) for e in report.coverage],
        "errors": [_error(e) for e in report.errors],
    }


def document(reports: list[Report], run_url: str | None = None) -> dict[str, Any]:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "generator": {"name": TOOL_NAME, "version": __version__},
        "runUrl": run_url,
        "inSync": all(r.in_sync for r in reports),
        "summary": {
            "drift": any(r.drifts for r in reports),
            "unmapped": sum(r.counts.unmapped for r in reports),
            "errors": sum(r.counts.errors for r in reports),
            "filesDrifted": sum(r.counts.files_drifted for r in reports),
        },
        "reports": [report_data(r) for r in reports],
    }


def render(reports: list[Report], *, color: bool = False, run_url: str | None = None) -> str:
    return json.dumps(document(reports, run_url), indent=2, ensure_ascii=False) + "\n"
