from __future__ import annotations

import json

import jsonschema
from syrupy.assertion import SnapshotAssertion

from cloudexit_ci.report import Report, ReportError
from cloudexit_ci.reporters import json as json_reporter
from tests.reporters.canonical import RUN_URL


def test_snapshot(report: Report, snapshot: SnapshotAssertion) -> None:
    assert json_reporter.render([report], color=False, run_url=RUN_URL) == snapshot


def test_validates_against_the_shipped_schema(report: Report) -> None:
    schema = json_reporter.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    errored = Report("broken", ".", ".", errors=(ReportError("bad HCL", "main.tf:3", "fix it"),))
    for reports in ([report], [report, errored], []):
        doc = json.loads(json_reporter.render(reports, color=False, run_url=None))
        jsonschema.Draft202012Validator(schema).validate(doc)


def test_versioned_and_stable(report: Report) -> None:
    first = json_reporter.render([report], color=False, run_url=None)
    assert first == json_reporter.render([report], color=False, run_url=None)
    doc = json.loads(first)
    assert list(doc) == ["schemaVersion", "generator", "runUrl", "inSync", "summary", "reports"]
    assert doc["schemaVersion"] == 1
    # the totals the GitHub Action reads
    assert doc["summary"] == {"drift": True, "unmapped": 2, "errors": 0, "filesDrifted": 5}
    counts = doc["reports"][0]["counts"]
    assert counts["filesDrifted"] == 5 and counts["handEdited"] == 1 and counts["unmapped"] == 2
    assert doc["reports"][0]["services"]["dataRemoved"] == ["scylladb"]
