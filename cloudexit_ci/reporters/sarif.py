"""SARIF 2.1.0 for code scanning: one run, a rule per drift kind and coverage status.

Locations are repository-relative URIs (``uriBaseId`` ``%SRCROOT%``) with a
region whose ``startLine`` is at least 1. User errors become tool execution
notifications of the single invocation.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from cloudexit_ci import __version__
from cloudexit_ci.diff import Drift
from cloudexit_ci.report import Report, ReportError
from cloudexit_ci.reporters._common import (
    FIX_HINTS,
    INFORMATION_URI,
    TOOL_NAME,
    coverage_file,
    coverage_message,
    drift_message,
)
from cloudexit_ci.stack import Coverage

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

# (id, name, short description, level)
RULES: tuple[tuple[str, str, str, str], ...] = (
    (
        "drift/changed",
        "GeneratedFileChanged",
        "A generated file differs from a fresh render",
        "error",
    ),
    ("drift/missing", "GeneratedFileMissing", "A generated file is missing", "error"),
    ("drift/extra", "GeneratedFileExtra", "A file is no longer generated", "error"),
    (
        "drift/hand-edited",
        "GeneratedFileHandEdited",
        "A generated file was edited by hand",
        "error",
    ),
    (
        "coverage/unmapped",
        "UnmappedResource",
        "A Terraform resource has no self-hosted mapping",
        "warning",
    ),
    (
        "coverage/partial",
        "PartiallyMappedResource",
        "A Terraform resource is only partly mapped",
        "warning",
    ),
)
_RULE_INDEX = {rule[0]: index for index, rule in enumerate(RULES)}
_HELP: dict[str, str] = {f"drift/{kind}": hint for kind, hint in FIX_HINTS.items()}
_HELP["coverage/unmapped"] = (
    "Map the resource in .cloudexit.yml or replace it by hand in the stack."
)
_HELP["coverage/partial"] = "Review the features listed as lost and cover them by hand."


def _rule(rule_id: str, name: str, text: str, level: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": text},
        "help": {"text": _HELP[rule_id]},
        "defaultConfiguration": {"level": level},
    }


def _location(path: str, line: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": quote(path, safe="/"), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(1, line)},
        }
    }


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _result(rule_id: str, message: str, path: str, line: int, key: str) -> dict[str, Any]:
    return {
        "ruleId": rule_id,
        "ruleIndex": _RULE_INDEX[rule_id],
        "level": RULES[_RULE_INDEX[rule_id]][3],
        "message": {"text": message},
        "locations": [_location(path, line)],
        "partialFingerprints": {"cloudexitFinding/v1": _fingerprint(rule_id, key)},
    }


def _drift_result(report: Report, drift: Drift) -> dict[str, Any]:
    path = report.repo_path(drift)
    return _result(f"drift/{drift.kind}", drift_message(drift), path, drift.line, path)


def _coverage_result(report: Report, entry: Coverage) -> dict[str, Any]:
    rule_id = f"coverage/{entry.status}"
    key = f"{report.stack}\0{entry.origin.address}"
    file = coverage_file(entry)
    return _result(rule_id, coverage_message(entry), file, entry.origin.line, key)


def _notification(report: Report, error: ReportError) -> dict[str, Any]:
    where = f"{error.where}: " if error.where else ""
    hint = f" (fix: {error.hint})" if error.hint else ""
    text = f"stack {report.stack}: {where}{error.message}{hint}"
    return {"level": "error", "message": {"text": text}}


def document(reports: list[Report]) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for report in reports:
        results += [_drift_result(report, d) for d in report.drifts]
        findings = [c for c in report.coverage if c.status in ("unmapped", "partial")]
        results += [_coverage_result(report, c) for c in findings]
        notes += [_notification(report, e) for e in report.errors]
    driver = {
        "name": TOOL_NAME,
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [_rule(*rule) for rule in RULES],
    }
    run = {
        "tool": {"driver": driver},
        "invocations": [{"executionSuccessful": not notes, "toolExecutionNotifications": notes}],
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(reports: list[Report], *, color: bool = False, run_url: str | None = None) -> str:
    return json.dumps(document(reports), indent=2, ensure_ascii=False) + "\n"
