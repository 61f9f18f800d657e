from __future__ import annotations

from syrupy.assertion import SnapshotAssertion

from cloudexit_ci.report import Report
from cloudexit_ci.reporters import REPORTERS, text
from tests.reporters.canonical import RUN_URL


def test_snapshot(report: Report, snapshot: SnapshotAssertion) -> None:
    assert text.render([report], color=False, run_url=RUN_URL) == snapshot


def test_summary_line_is_last(report: Report) -> None:
    out = text.render([report], color=False, run_url=None)
    assert (
        out.splitlines()[-1] == "cloudexit-ci: 5 files drifted, 2 unmapped resources (stack shop)"
    )
    assert "\x1b[" not in out


def test_colour_only_when_asked(report: Report) -> None:
    out = text.render([report], color=True, run_url=None)
    assert "\x1b[32m+      TABLE_NAME: notes\x1b[0m" in out
    assert "\x1b[31m-      TABLE_NAME: items\x1b[0m" in out


def test_in_sync_and_errors() -> None:
    clean = Report("shop", "deploy", "infra")
    assert text.render([clean], color=False, run_url=None) == (
        "cloudexit-ci: in sync, 0 unmapped resources (stack shop)\n"
    )


def test_registry_is_explicit() -> None:
    assert sorted(REPORTERS) == ["github", "json", "markdown", "sarif", "text"]


def test_stacks_sharing_a_name_are_told_apart_by_their_output() -> None:
    from cloudexit_ci.report import Report
    from cloudexit_ci.reporters._common import stacks_label

    reports = [Report("items", "ex/stack", "ex/tf"), Report("items", "ex/k8s", "ex/tf"),
               Report("other", "o/stack", "o/tf")]  # fmt: skip
    assert stacks_label(reports) == "stacks items (ex/stack), items (ex/k8s), other"
    assert stacks_label(reports[2:]) == "stack other"
