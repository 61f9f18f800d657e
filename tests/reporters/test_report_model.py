from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from cloudexit_ci.diff import Drift
from cloudexit_ci.errors import UserError
from cloudexit_ci.report import (
    Report,
    ReportError,
    combined_exit_code,
    error_report,
    exit_code,
    service_delta,
)
from cloudexit_ci.stack import Coverage, Origin

DRIFT = Drift(PurePosixPath("docker-compose.yml"), "changed", "")
UNMAPPED = Coverage(Origin("aws_sqs_queue.q", "main.tf", 1), "aws_sqs_queue", "unmapped", "x")
BLOCKING = Coverage(Origin("aws_x.b", "main.tf", 2), "aws_x", "partial", "y", blocking=True)


def test_counts_and_views(report: Report) -> None:
    counts = report.counts
    assert (
        counts.files_drifted,
        counts.changed,
        counts.missing,
        counts.extra,
        counts.hand_edited,
    ) == (5, 2, 1, 1, 1)
    assert (counts.unmapped, counts.inferred, counts.partial) == (2, 1, 0)
    assert [c.origin.address for c in report.inferred] == ["aws_lambda_permission.apigw"]
    assert report.repo_path(report.drifts[0]) == "deploy/.cloudexit/manifest.json"


def test_exit_codes() -> None:
    clean = Report("s", ".", ".", coverage=(UNMAPPED,))
    drifted = Report("s", ".", ".", drifts=(DRIFT,))
    broken = error_report("s", ".", ".", UserError("bad HCL", where="main.tf:3"))
    assert exit_code(clean) == 0
    assert exit_code(drifted) == 1
    assert exit_code(broken) == 2
    assert exit_code(drifted, soft_fail=True) == 0
    assert exit_code(broken, soft_fail=True) == 2  # a user error is never soft
    assert exit_code(clean, frozenset({"unmapped"})) == 1
    assert exit_code(drifted, frozenset({"error"})) == 0
    assert exit_code(Report("s", ".", ".", coverage=(BLOCKING,)), frozenset({"blocking"})) == 1
    assert combined_exit_code([clean, drifted, broken]) == 2
    assert combined_exit_code([]) == 0
    assert broken.errors == (ReportError("bad HCL", "main.tf:3", None),)


def test_unknown_fail_on_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown --fail-on"):
        exit_code(Report("s", ".", "."), frozenset({"drfit"}))


def test_service_delta_detects_data_stores_by_label() -> None:
    old = b"""services:
  api: {image: a}
  db: {image: postgres:16, labels: ["cloudexit.role=data"]}
  cache: {image: redis, labels: {cloudexit.role: worker}}
"""
    new = b"services:\n  api: {image: b}\n  web: {image: c}\n"
    delta = service_delta(new, old)
    assert delta.added == ("web",)
    assert delta.changed == ("api",)
    assert delta.removed == ("cache", "db")
    assert delta.data_removed == ("db",)
    assert service_delta(new, None).added == ("api", "web")
    assert service_delta(b"not: [yaml", old).removed == ("api", "cache", "db")
