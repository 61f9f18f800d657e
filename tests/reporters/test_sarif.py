from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from syrupy.assertion import SnapshotAssertion

from cloudexit_ci.report import Report, ReportError
from cloudexit_ci.reporters import sarif
from cloudexit_ci.stack import Coverage, Origin

SCHEMA = Path(__file__).parent.parent / "fixtures" / "sarif-2.1.0.schema.json"


def official_schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert data["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return data


def validate(doc: dict[str, Any]) -> None:
    schema = official_schema()
    checker = jsonschema.Draft4Validator.FORMAT_CHECKER
    jsonschema.Draft4Validator(schema, format_checker=checker).validate(doc)


def test_snapshot(report: Report, snapshot: SnapshotAssertion) -> None:
    assert sarif.render([report], color=False, run_url=None) == snapshot


def test_valid_against_the_official_schema(report: Report) -> None:
    odd = Coverage(Origin("aws_x.y", "./infra/odd name.tf", 0), "aws_x", "partial", "lost TTL")
    other = Report("b", ".", ".", coverage=(odd,), errors=(ReportError("bad", "main.tf:1"),))
    for reports in ([report], [report, other], []):
        validate(json.loads(sarif.render(reports, color=False, run_url=None)))


def test_results_point_home(report: Report) -> None:
    doc = json.loads(sarif.render([report], color=False, run_url=None))
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "cloudexit-ci"
    assert run["tool"]["driver"]["informationUri"].startswith("https://")
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    found = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for r in run["results"]
    }
    assert ("drift/hand-edited", "deploy/traefik/routes.yml") in found
    assert ("drift/missing", "deploy/functions/create-item/Dockerfile") in found
    assert ("coverage/unmapped", "infra/queue.tf") in found
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["region"]["startLine"] >= 1
        assert not location["artifactLocation"]["uri"].startswith(("/", "./", "file:"))


def test_uri_is_percent_encoded_and_line_clamped() -> None:
    odd = Coverage(Origin("aws_x.y", "./infra/odd name.tf", 0), "aws_x", "partial", "lost TTL")
    doc = sarif.document([Report("b", ".", ".", coverage=(odd,))])
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "infra/odd%20name.tf"
    assert location["region"]["startLine"] == 1
