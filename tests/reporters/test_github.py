from __future__ import annotations

from pathlib import PurePosixPath

from syrupy.assertion import SnapshotAssertion

from cloudexit_ci.diff import Drift
from cloudexit_ci.report import Report
from cloudexit_ci.reporters import github
from cloudexit_ci.stack import Coverage, Origin


def test_snapshot(report: Report, snapshot: SnapshotAssertion) -> None:
    assert github.render([report], color=False, run_url=None) == snapshot


def test_escaping() -> None:
    assert github.escape_data("100%\r\nok: a,b") == "100%25%0D%0Aok: a,b"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    note = github.Annotation("warning", "x\ny", "t: 1, 2", "dir/a,b:c.tf", 0)
    assert note.command() == "::warning file=dir/a%2Cb%3Ac.tf,line=1,title=t%3A 1%2C 2::x%0Ay"


def test_most_important_first(report: Report) -> None:
    lines = github.render([report], color=False, run_url=None).splitlines()
    assert lines[0].startswith("::error file=deploy/traefik/routes.yml,line=4,")  # hand edit
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert warnings[0].startswith("::warning file=infra/cdn.tf,line=12,")  # blocking first
    assert warnings[1].startswith("::warning file=infra/queue.tf,line=3,")


def test_caps_ten_per_severity_then_one_notice() -> None:
    drifts = tuple(
        Drift(PurePosixPath(f"f{i:02}.yml"), "changed", "", line=i + 1) for i in range(25)
    )
    coverage = tuple(
        Coverage(Origin(f"aws_x.r{i}", "main.tf", i + 1), "aws_x", "unmapped", "no mapper")
        for i in range(12)
    )
    out = github.render([Report("s", "out", ".", drifts, coverage)], color=False, run_url="U")
    lines = out.splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert sum(line.startswith("::warning ") for line in lines) == 10
    assert lines[-1].startswith("::notice title=cloudexit-ci%3A more findings::")
    assert "15 errors and 2 warnings not shown" in lines[-1]
    assert "out/f00.yml" in lines[0] and "out/f10.yml" not in out
