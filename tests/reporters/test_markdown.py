from __future__ import annotations

import random
import re
from pathlib import PurePosixPath

import pytest
from syrupy.assertion import SnapshotAssertion

from cloudexit_ci.diff import Drift
from cloudexit_ci.github import parse_marker
from cloudexit_ci.report import Report, ServiceDelta
from cloudexit_ci.reporters import markdown
from cloudexit_ci.stack import Coverage, Origin
from tests.reporters.canonical import COVERAGE, RUN_URL

FENCE = re.compile(r"^(`{3,})(.*)$")


def well_formed(body: str) -> None:
    """Fences balanced and closed; <details> balanced outside fences."""
    fence = ""
    opened = closed = 0
    for line in body.split("\n"):
        match = FENCE.match(line)
        if fence:
            if match and not match.group(2).strip() and len(match.group(1)) >= len(fence):
                fence = ""
            continue
        if match:
            fence = match.group(1)
            continue
        opened += line.count("<details>")
        closed += line.count("</details>")
        assert opened >= closed
    assert not fence, "unclosed fence"
    assert opened == closed


def table_rows(body: str) -> list[str]:
    return [line for line in body.split("\n") if line.startswith("| `aws_")]


def test_snapshot(report: Report, snapshot: SnapshotAssertion) -> None:
    assert markdown.render([report], color=False, run_url=RUN_URL) == snapshot


def test_layout(report: Report) -> None:
    body = markdown.render_markdown(report, run_url=RUN_URL)
    lines = body.split("\n")
    assert lines[0] == (
        '<!-- cloudexit-ci: {"stack": "shop", "v": 1, "drift": true, "unmapped": 2} -->'
    )
    assert lines[1] == "### ⚠️ cloudexit-ci: drift in stack `shop`"
    assert lines[3].startswith(
        "**Services:** 0 added · 1 changed · 1 removed — **Files drifted:** 5"
    )
    assert "> [!WARNING]\n> This change removes the data store service(s) `scylladb`" in body
    assert (
        "<details><summary><code>deploy/traefik/routes.yml</code> (hand-edited)</summary>" in body
    )
    assert (
        "| `aws_cloudfront_distribution` | `aws_cloudfront_distribution.cdn` | "
        "`infra/cdn.tf:12` | CDN \\| edge" in body
    )
    assert body.endswith(f"[View the workflow run](<{RUN_URL}>)\n")
    assert "[!NOTE]" not in body
    well_formed(body)


def test_marker_is_parsed_exactly_by_the_comment_poster() -> None:
    for stack in ("prod", "non-prod", 'we"ird -->', "ünï"):
        body = markdown.render_markdown(Report(stack, ".", "."))
        marker = parse_marker(body)
        assert marker is not None and marker.stack == stack and marker.clean
        assert body.split("\n", 1)[0].count("-->") == 1


def test_in_sync_title() -> None:
    body = markdown.render_markdown(Report("shop", "deploy", "infra"))
    assert "### ✅ cloudexit-ci: stack `shop` in sync" in body
    assert "<details>" not in body and "[!WARNING]" not in body


def test_removed_service_without_data_warns_too() -> None:
    report = Report("s", ".", ".", services=ServiceDelta(removed=("worker",)))
    body = markdown.render_markdown(report)
    assert "> [!WARNING]\n> Services removed: `worker`." in body
    assert "data store" not in body


def test_diff_with_backticks_gets_a_longer_fence() -> None:
    drift = Drift(
        PurePosixPath("a.md"), "changed", "--- a/a.md\n+++ b/a.md\n@@ -1 +1 @@\n-```\n+````\n"
    )
    body = markdown.render_markdown(Report("s", ".", ".", (drift,)))
    assert "`````diff\n" in body
    well_formed(body)


def random_line(rng: random.Random) -> str:
    pieces = ["x", "é", "日本", "🙂", "`", "```", "</details>", "<details>", "|", " ", "\r", "~~~"]
    size = rng.choice([0, 5, 40, 200, 5000])
    return rng.choice("+- ") + "".join(rng.choice(pieces) for _ in range(size // 3 + 1))


def huge_drift(rng: random.Random, index: int, size: int) -> Drift:
    lines = [f"--- a/f{index}.yml", f"+++ b/f{index}.yml", "@@ -1,9 +1,9 @@"]
    total = 0
    while total < size:
        lines.append(random_line(rng))
        total += len(lines[-1]) + 1
    return Drift(PurePosixPath(f"dir/f{index}.yml"), "changed", "\n".join(lines) + "\n")


@pytest.mark.parametrize("seed", range(8))
def test_budget_property_random_huge_diffs(seed: int) -> None:
    rng = random.Random(seed)
    count = rng.choice([1, 2, 5, 40])
    sizes = [2_000_000 // count] * count
    drifts = tuple(huge_drift(rng, i, s) for i, s in enumerate(sizes))
    report = Report("shop", "deploy", "infra", drifts, COVERAGE)
    max_chars = rng.choice([markdown.MIN_MAX_CHARS, 20_000, markdown.COMMENT_LIMIT])
    body = markdown.render_markdown(report, run_url=RUN_URL, max_chars=max_chars)
    assert len(body) <= max_chars
    well_formed(body)
    marker = parse_marker(body)
    assert marker is not None and marker.stack == "shop"
    assert "### ⚠️ cloudexit-ci: drift in stack `shop`" in body
    assert len(table_rows(body)) == 2
    assert "> [!NOTE]\n> Shortened to fit this comment" in body and RUN_URL in body


def test_huge_unmapped_table_is_cut_with_a_note_and_keeps_the_marker() -> None:
    coverage = tuple(
        Coverage(
            Origin(f"aws_sqs_queue.q{i:05}", "infra/q.tf", i + 1),
            "aws_sqs_queue",
            "unmapped",
            "no mapper " * 5,
        )
        for i in range(3000)
    )
    drift = huge_drift(random.Random(1), 0, 100_000)
    body = markdown.render_markdown(Report("shop", ".", ".", (drift,), coverage))
    assert len(body) <= markdown.COMMENT_LIMIT
    assert body.startswith('<!-- cloudexit-ci: {"stack": "shop"')
    rows = table_rows(body)
    assert 100 < len(rows) < 3000
    assert f"_{3000 - len(rows)} more unmapped resources not shown._" in body
    assert "unmapped rows not shown" in body
    well_formed(body)


def test_many_small_drifts_are_listed_or_counted() -> None:
    drifts = tuple(
        Drift(
            PurePosixPath(f"functions/f{i:04}/Dockerfile"),
            "missing",
            "--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+FROM x\n",
        )
        for i in range(2000)
    )
    body = markdown.render_markdown(Report("s", ".", ".", drifts))
    assert len(body) <= markdown.COMMENT_LIMIT
    assert re.search(r"_… and \d+ more drifted files \(see the full report\)\._", body)
    well_formed(body)


def test_render_shares_the_budget_between_stacks(report: Report) -> None:
    body = markdown.render(
        [report, Report("other", ".", ".")], color=False, run_url=None, max_chars=20_000
    )
    assert len(body) <= 20_000
    assert body.count("<!-- cloudexit-ci:") == 2


def test_tiny_budget_is_refused(report: Report) -> None:
    with pytest.raises(ValueError):
        markdown.render_markdown(report, max_chars=1000)
