"""action.yml: schema + actionlint, and its steps really run with bash in a simulated runner.

The runner is simulated the way GitHub runs a composite action: each ``run:`` step is
``bash --noprofile --norc -eo pipefail FILE`` with the step's ``env:`` (expressions
resolved from inputs, step outputs and the event), fresh GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY files, GITHUB_EVENT_PATH holding a real webhook payload and
GITHUB_API_URL pointing at the local GitHub stand-in. ``check`` is not wired yet, so a
``python`` shim on PATH answers ``python -m cloudexit_ci check`` from prepared files;
every other call reaches the real package.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudexit_ci.github import parse_marker
from tests.github_standin import TOKEN, GitHubStandIn, sample_report

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "github"
BIN = Path(sys.executable).parent
ACTION = yaml.safe_load((REPO / "action.yml").read_text())
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml")) + sorted(
    (REPO / "docs" / "workflows").glob("*.yml")
)
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
SHIM = """#!/usr/bin/env bash
if [ "$1" = -m ] && [ "$2" = cloudexit_ci ] && [ "$3" = check ]; then
  printf '%s\\n' "$*" >> "$FAKE_CHECK/calls"
  for arg in "$@"; do case "$prev" in --format) fmt="$arg";; esac; prev="$arg"; done
  cat "$FAKE_CHECK/$fmt"
  exit "$(cat "$FAKE_CHECK/exit-code")"
fi
exec "{python}" "$@"
"""


# --- validation ---------------------------------------------------------------------


def test_action_yml_passes_the_schema() -> None:
    run = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-actions",
            str(REPO / "action.yml"),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_workflows_pass_schema_and_actionlint(workflow: Path) -> None:
    schema = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            str(workflow),
        ],
        capture_output=True,
        text=True,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    lint = subprocess.run(
        [str(BIN / "actionlint"), "-no-color", str(workflow)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_there_are_the_expected_workflows() -> None:
    names = {f"{p.parent.name}/{p.name}" for p in WORKFLOWS}
    assert {
        "workflows/ci.yml",
        "workflows/pr-comment.yml",
        "workflows/pre-commit.yml",
        "workflows/migrate-on-merge.yml",
    } <= names
    assert not [p for p in WORKFLOWS if p.name.startswith("example-")]


def test_no_input_is_interpolated_into_a_script() -> None:
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step["name"]


# --- the simulated runner -------------------------------------------------------------


@dataclass
class Job:
    ok: bool
    outputs: dict[str, str]
    steps: dict[str, dict[str, str]]
    log: str
    summary: str
    ran: list[str] = field(default_factory=list)


def parse_output_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it; every value must use a random delimiter."""
    values: dict[str, str] = {}
    lines = iter(text.split("\n"))
    for line in lines:
        if not line:
            continue
        name, delimiter = line.split("<<", 1)
        assert re.fullmatch(r"ghadelimiter_[0-9a-f-]{32,36}", delimiter), line
        body = []
        for inner in lines:
            if inner == delimiter:
                break
            body.append(inner)
        values[name] = "\n".join(body)
    return values


class Runner:
    def __init__(self, tmp: Path, standin: GitHubStandIn, event: str, payload: Path) -> None:
        self.tmp, self.standin, self.event_name = tmp, standin, event
        self.payload = json.loads(payload.read_text())
        self.workspace = tmp / "workspace"
        self.workspace.mkdir(exist_ok=True)
        self.fake = tmp / "fake-check"
        self.fake.mkdir(exist_ok=True)
        shim_dir = tmp / "shim"
        shim_dir.mkdir(exist_ok=True)
        shim = shim_dir / "python"
        shim.write_text(SHIM.replace("{python}", sys.executable))
        shim.chmod(0o755)
        self.path = f"{shim_dir}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}"
        self.set_check(sample_report("prod"), 1)

    def set_check(self, markdown: str, code: int, unmapped: int = 1) -> None:
        marker = parse_marker(markdown)
        drift = bool(marker and marker.drift)
        (self.fake / "markdown").write_text(markdown, encoding="utf-8")
        (self.fake / "json").write_text(
            json.dumps({"summary": {"drift": drift, "unmapped": unmapped}})
        )
        (self.fake / "github").write_text(
            "::error file=terraform/main.tf,line=3,title=cloudexit-ci: drift::docker-compose.yml"
            " differs\n"
            if drift
            else ""
        )
        (self.fake / "exit-code").write_text(str(code))

    def env(self, step_dir: Path) -> dict[str, str]:
        event_file = self.tmp / "event.json"
        event_file.write_text(json.dumps(self.payload))
        base = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        return base | {
            "PATH": self.path,
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_EVENT_NAME": self.event_name,
            "GITHUB_EVENT_PATH": str(event_file),
            "GITHUB_REPOSITORY": "octo-org/infra",
            "GITHUB_API_URL": self.standin.url,
            "GITHUB_REF": self.ref,
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_ACTION_PATH": str(REPO),
            "RUNNER_TEMP": str(self.tmp / "runner-temp"),
            "GITHUB_OUTPUT": str(step_dir / "output"),
            "GITHUB_ENV": str(step_dir / "env"),
            "GITHUB_STEP_SUMMARY": str(step_dir / "summary"),
            "GITHUB_PATH": str(step_dir / "path"),
            "FAKE_CHECK": str(self.fake),
        }

    @property
    def ref(self) -> str:
        if self.event_name == "push":
            return str(self.payload["ref"])
        return f"refs/pull/{self.payload['number']}/merge"

    def resolve(self, text: str, inputs: dict[str, str], steps: dict[str, dict[str, str]]) -> str:
        def one(match: re.Match[str]) -> str:
            expr = match.group(1)
            head, _, rest = expr.partition(".")
            if head == "inputs":
                return inputs[rest]
            if expr == "github.token":
                return TOKEN
            if head == "steps":
                step, _, name = rest.partition(".outputs.")
                return steps.get(step, {}).get(name, "")
            if expr.startswith("github.event."):
                value: Any = self.payload
                for key in expr.split(".")[2:]:
                    value = value.get(key, "") if isinstance(value, dict) else ""
                return str(value)
            raise AssertionError(f"the simulated runner does not know {expr!r}")

        return EXPR.sub(one, text)

    def run(self, **given: str) -> Job:
        (self.tmp / "runner-temp").mkdir(exist_ok=True)
        inputs = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
        inputs = {k: self.resolve(v, {}, {}) for k, v in inputs.items()}
        assert set(given) <= set(inputs), set(given) - set(inputs)
        inputs |= {"setup-python": "false", "version": "0.1.0"} | given
        steps: dict[str, dict[str, str]] = {}
        log, summary, ran = [], [], []
        for index, step in enumerate(ACTION["runs"]["steps"]):
            condition = step.get("if")
            if condition:
                match = re.fullmatch(r"inputs\.([\w-]+) == '(\w+)'", condition)
                assert match, f"unsupported if: {condition}"
                if inputs[match.group(1)] != match.group(2):
                    continue
            assert "uses" not in step, f"step {step['name']} needs a real runner"
            step_dir = self.tmp / f"step-{len(list(self.tmp.glob('step-*')))}"
            step_dir.mkdir()
            env = self.env(step_dir)
            env |= {k: self.resolve(str(v), inputs, steps) for k, v in step.get("env", {}).items()}
            cwd = self.workspace / self.resolve(step.get("working-directory", "."), inputs, steps)
            script = step_dir / "script.sh"
            script.write_text(step["run"])
            assert step["shell"] == "bash"
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                env=env,
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=300,
            )
            ran.append(step["name"])
            log.append(f"## {step['name']} (exit {done.returncode})\n{done.stdout}{done.stderr}")
            outputs = step_dir / "output"
            steps[step.get("id", str(index))] = (
                parse_output_file(outputs.read_text()) if outputs.exists() else {}
            )
            if (step_dir / "summary").exists():
                summary.append((step_dir / "summary").read_text(encoding="utf-8"))
            if done.returncode != 0:
                return Job(False, {}, steps, "\n".join(log), "".join(summary), ran)
        outs = {k: self.resolve(v["value"], inputs, steps) for k, v in ACTION["outputs"].items()}
        return Job(True, outs, steps, "\n".join(log), "".join(summary), ran)


@pytest.fixture
def gh() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as standin:
        yield standin


@pytest.fixture
def runner(tmp_path: Path, gh: GitHubStandIn) -> Runner:
    return Runner(tmp_path, gh, "pull_request", FIXTURES / "pull_request.opened.json")


# --- the acceptance runs ----------------------------------------------------------------


def test_first_run_creates_second_writes_nothing_change_updates(
    runner: Runner, gh: GitHubStandIn
) -> None:
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    (cid,) = gh.comments
    assert [r.method for r in gh.requests] == ["GET", "POST"]
    assert (
        job.outputs["comment-url"]
        == f"https://github.com/octo-org/infra/pull/42#issuecomment-{cid}"
    )
    assert job.outputs["drift"] == "true"
    assert job.outputs["unmapped-count"] == "1"
    assert Path(job.outputs["report-path"]).read_text() == sample_report("prod")
    assert job.summary == sample_report("prod")
    assert "::error file=terraform/main.tf,line=3" in job.log
    assert "already installed" in job.log
    assert TOKEN not in job.log

    gh.requests.clear()
    assert runner.run(**{"fail-on": "never"}).ok
    assert [r.method for r in gh.requests] == ["GET"]

    gh.requests.clear()
    runner.set_check(sample_report("prod", tag="after a push"), 1)
    assert runner.run(**{"fail-on": "never"}).ok
    assert [(r.method, r.path) for r in gh.requests] == [
        ("GET", "/repos/octo-org/infra/issues/42/comments"),
        ("PATCH", f"/repos/octo-org/infra/issues/comments/{cid}"),
    ]
    assert gh.bodies() == [sample_report("prod", tag="after a push")]


def test_marker_among_250_comments_on_3_pages(runner: Runner, gh: GitHubStandIn) -> None:
    for index in range(250):
        gh.add_comment(42, sample_report("prod", tag="old") if index == 199 else f"nit {index}")
    target = list(gh.comments)[199]
    assert runner.run(**{"fail-on": "never"}).ok
    assert [r.query.get("page", "1") for r in gh.requests if r.method == "GET"] == ["1", "2", "3"]
    (write,) = gh.writes()
    assert (write.method, write.path) == (
        "PATCH",
        f"/repos/octo-org/infra/issues/comments/{target}",
    )


def test_prod_never_matches_non_prod(runner: Runner, gh: GitHubStandIn) -> None:
    other = gh.add_comment(42, sample_report("non-prod"))
    assert runner.run(**{"fail-on": "never"}).ok
    assert [r.method for r in gh.writes()] == ["POST"]
    assert gh.comments[other]["body"] == sample_report("non-prod")
    assert len(gh.comments) == 2


def test_forbidden_does_not_fail_the_job(runner: Runner, gh: GitHubStandIn) -> None:
    gh.forbid_writes = True
    runner.set_check(sample_report("prod", drift=False, unmapped=0), 0, unmapped=0)
    job = runner.run()
    assert job.ok, job.log
    assert "::warning title=cloudexit-ci comment::no comment posted" in job.log
    assert job.outputs["comment-url"] == ""
    assert job.outputs["drift"] == "false"


def test_two_megabyte_diff(runner: Runner, gh: GitHubStandIn) -> None:
    big = sample_report("prod", unmapped=2, diff_lines=27_000)
    assert len(big) > 2_000_000
    runner.set_check(big, 1, unmapped=2)
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    (posted,) = gh.bodies()
    assert len(posted) <= 65_536
    assert parse_marker(posted) == parse_marker(big)
    assert "| `aws_sqs_queue.q1` | aws_sqs_queue | no mapper |" in posted
    assert len(job.summary.encode()) <= 1_048_576
    assert "| `aws_sqs_queue.q1` | aws_sqs_queue | no mapper |" in job.summary


def test_fail_on_drift_fails_after_commenting(runner: Runner, gh: GitHubStandIn) -> None:
    job = runner.run()
    assert not job.ok
    assert job.ran[-1] == "Apply fail-on"
    assert "out of sync" in job.log
    assert len(gh.comments) == 1


def test_fail_on_unmapped_and_bad_inputs(runner: Runner) -> None:
    runner.set_check(sample_report("prod", drift=False, unmapped=3), 0, unmapped=3)
    job = runner.run(**{"fail-on": "unmapped", "comment": "off"})
    assert not job.ok
    assert "3 Terraform resource(s) have no self-hosted equivalent" in job.log
    bad = runner.run(**{"fail-on": "sometimes"})
    assert not bad.ok
    assert bad.ran == ["Install cloudexit-ci"]


def test_check_error_fails_early(runner: Runner, gh: GitHubStandIn) -> None:
    runner.set_check("", 2)
    job = runner.run(config="ci/.cloudexit.yml")
    assert not job.ok
    assert job.ran[-1] == "Check the generated stack"
    assert gh.requests == []
    assert (runner.fake / "calls").read_text().splitlines() == [
        "-m cloudexit_ci check --config ci/.cloudexit.yml --format github"
    ]


def test_push_event_posts_no_comment(tmp_path: Path, gh: GitHubStandIn) -> None:
    runner = Runner(tmp_path, gh, "push", FIXTURES / "push.json")
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    assert gh.requests == []
    assert "not a pull request event" in job.log
