"""action.yml: schema + actionlint, and its steps really run with bash in a simulated runner.

The runner is simulated the way GitHub runs a composite action: each ``run:`` step is
``bash --noprofile --norc -eo pipefail FILE`` with the step's ``env:`` (expressions
resolved from inputs, step outputs and the event), fresh GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY files, GITHUB_EVENT_PATH holding a real webhook payload and
GITHUB_API_URL pointing at the local GitHub stand-in. Nothing is faked on the
cloudexit-ci side: the workspace is a git checkout holding a copy of
examples/serverless-items/terraform, a .cloudexit.yml and the stack ``cloudexit-ci
migrate`` generated from it; drift comes from editing that Terraform, and every step
runs the real ``python -m cloudexit_ci``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudexit_ci.github import Marker, parse_marker
from tests.github_standin import TOKEN, GitHubStandIn, sample_report

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "github"
BIN = Path(sys.executable).parent
ACTION = yaml.safe_load((REPO / "action.yml").read_text())
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml")) + sorted(
    (REPO / "docs" / "workflows").glob("*.yml")
)
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
EXAMPLE = REPO / "examples" / "serverless-items" / "terraform"
CONFIG = """stacks:
  - name: prod
    terraform: terraform
    output: selfhosted
    domain: api.example.com
"""
UNMAPPED = """
resource "aws_kinesis_stream" "events" {
  name        = "events"
  shard_count = 1
}
"""
ORDERS = """
resource "aws_dynamodb_table" "orders" {
  name         = "orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }
}
"""
MEMORY = "memory_size      = 256"
RUN_URL = "https://github.com/octo-org/infra/actions/runs/7001"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cloudexit_ci", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


@cache
def project_template() -> Path:
    """The example Terraform (plus one unmapped resource) and its generated stack, in sync."""
    root = Path(tempfile.mkdtemp(prefix="cloudexit-action-project-"))
    shutil.copytree(EXAMPLE, root / "terraform")
    with (root / "terraform" / "main.tf").open("a") as handle:
        handle.write(UNMAPPED)
    (root / ".cloudexit.yml").write_text(CONFIG)
    subprocess.run(["git", "init", "-q", str(root)], check=True)  # a checkout: the repo root
    generated = cli("migrate", cwd=root)
    assert generated.returncode in (0, 1), generated.stderr  # 1: files written
    assert cli("check", cwd=root).returncode == 0
    return root


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
        shutil.copytree(project_template(), self.workspace, dirs_exist_ok=True)
        self.path = f"{BIN}{os.pathsep}{os.environ['PATH']}"

    @property
    def terraform(self) -> Path:
        return self.workspace / "terraform" / "main.tf"

    def edit(self, old: str, new: str) -> None:
        """Edit the workspace's Terraform (the stack is not regenerated: drift)."""
        text = self.terraform.read_text()
        assert old in text, old
        self.terraform.write_text(text.replace(old, new, 1))

    def append(self, hcl: str) -> None:
        with self.terraform.open("a") as handle:
            handle.write(hcl)

    def check(self, fmt: str) -> str:
        """What the real ``cloudexit-ci check`` says about the workspace now."""
        return cli("check", "--format", fmt, "--run-url", RUN_URL, cwd=self.workspace).stdout

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
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "7001",
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


# --- the acceptance runs (real check, real project) ------------------------------------

KINESIS_ROW = "| `aws_kinesis_stream` | `aws_kinesis_stream.events` | `terraform/main.tf:"


def report_of(job: Job) -> str:
    return Path(job.outputs["report-path"]).read_text(encoding="utf-8")


def test_first_run_creates_second_writes_nothing_change_updates(
    runner: Runner, gh: GitHubStandIn
) -> None:
    runner.edit(MEMORY, "memory_size      = 512")
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
    body = report_of(job)
    assert body == runner.check("markdown")  # the real check's report, as the CLI writes it
    assert gh.bodies() == [body]
    assert job.summary == body
    assert parse_marker(body) == Marker("prod", True, 1)
    assert "<code>selfhosted/docker-compose.yml</code> (changed)" in body
    assert KINESIS_ROW in body
    assert f"[View the workflow run](<{RUN_URL}>)" in body
    report_json = json.loads((Path(job.outputs["report-path"]).parent / "report.json").read_text())
    assert report_json["summary"]["drift"] is True and report_json["summary"]["unmapped"] == 1
    assert "::error file=selfhosted/docker-compose.yml,line=" in job.log
    assert "::warning file=terraform/main.tf,line=" in job.log
    assert "already installed" in job.log
    assert TOKEN not in job.log

    gh.requests.clear()
    assert runner.run(**{"fail-on": "never"}).ok
    assert [r.method for r in gh.requests] == ["GET"]

    gh.requests.clear()
    runner.edit("memory_size      = 512", "memory_size      = 1024")
    changed = runner.run(**{"fail-on": "never"})
    assert changed.ok, changed.log
    assert [(r.method, r.path) for r in gh.requests] == [
        ("GET", "/repos/octo-org/infra/issues/42/comments"),
        ("PATCH", f"/repos/octo-org/infra/issues/comments/{cid}"),
    ]
    assert gh.bodies() == [report_of(changed)]
    assert "1024" in gh.bodies()[0] and len(gh.comments) == 1


def test_added_table_shows_the_data_migration(runner: Runner, gh: GitHubStandIn) -> None:
    runner.append(ORDERS)
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    (posted,) = gh.bodies()
    assert "#### Data migration on merge" in posted
    assert (
        "| added | dynamodb | `aws_dynamodb_table.orders` | table `orders` on AWS | "
        "table `orders` on scylladb (alternator) |" in posted
    )
    assert "Data migration on merge" in job.summary
    data_plan = json.loads((Path(job.outputs["report-path"]).parent / "report.json").read_text())
    added = data_plan["reports"][0]["dataPlan"]["added"]
    assert [(m["kind"], m["address"], m["source"]) for m in added] == [
        ("dynamodb", "aws_dynamodb_table.orders", {"table": "orders"})
    ]


def test_in_sync_stack_shows_no_data_migration(runner: Runner, gh: GitHubStandIn) -> None:
    job = runner.run()
    assert job.ok, job.log
    assert job.outputs["drift"] == "false" and job.outputs["unmapped-count"] == "1"
    (posted,) = gh.bodies()
    assert parse_marker(posted) == Marker("prod", False, 1)
    assert "Data migration" not in posted


def test_marker_among_250_comments_on_3_pages(runner: Runner, gh: GitHubStandIn) -> None:
    for index in range(250):
        gh.add_comment(42, sample_report("prod", tag="old") if index == 199 else f"nit {index}")
    target = list(gh.comments)[199]
    runner.edit(MEMORY, "memory_size      = 512")
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    assert [r.query.get("page", "1") for r in gh.requests if r.method == "GET"] == ["1", "2", "3"]
    (write,) = gh.writes()
    assert (write.method, write.path) == (
        "PATCH",
        f"/repos/octo-org/infra/issues/comments/{target}",
    )
    assert gh.comments[target]["body"] == report_of(job)


def test_prod_never_matches_non_prod(runner: Runner, gh: GitHubStandIn) -> None:
    other = gh.add_comment(42, sample_report("non-prod"))
    assert runner.run(**{"fail-on": "never"}).ok
    assert [r.method for r in gh.writes()] == ["POST"]
    assert gh.comments[other]["body"] == sample_report("non-prod")
    assert len(gh.comments) == 2


def test_two_stacks_get_one_comment_each(runner: Runner, gh: GitHubStandIn) -> None:
    config = runner.workspace / ".cloudexit.yml"
    second = CONFIG.split("\n", 1)[1].replace("prod", "non-prod")
    config.write_text(CONFIG + second.replace("selfhosted", "selfhosted-non-prod"))
    assert cli("migrate", cwd=runner.workspace).returncode in (0, 1)
    runner.edit(MEMORY, "memory_size      = 512")
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    markers = [parse_marker(b) for b in gh.bodies()]
    assert markers == [Marker("prod", True, 1), Marker("non-prod", True, 1)]
    assert job.outputs["unmapped-count"] == "2"  # summed over the stacks
    assert len(job.outputs["comment-url"].splitlines()) == 2
    gh.requests.clear()
    assert runner.run(**{"fail-on": "never"}).ok
    assert gh.writes() == []


def test_forbidden_does_not_fail_the_job(runner: Runner, gh: GitHubStandIn) -> None:
    gh.forbid_writes = True
    job = runner.run()
    assert job.ok, job.log
    assert "::warning title=cloudexit-ci comment::no comment posted" in job.log
    assert job.outputs["comment-url"] == ""
    assert job.outputs["drift"] == "false"
    assert gh.comments == {}


def test_two_megabyte_diff(runner: Runner, gh: GitHubStandIn) -> None:
    variables = "\n".join(f'      ITEM_{i:05d} = "value-{i:05d}-{"x" * 40}"' for i in range(30_000))
    runner.edit(
        "      TABLE_NAME = aws_dynamodb_table.items.name\n",
        f"      TABLE_NAME = aws_dynamodb_table.items.name\n{variables}\n",
    )
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    report_json = json.loads((Path(job.outputs["report-path"]).parent / "report.json").read_text())
    compose = [d for d in report_json["reports"][0]["drifts"] if d["outputPath"] ==
               "docker-compose.yml"]  # fmt: skip
    assert len(compose[0]["diff"]) > 2_000_000  # a real 2 MB drift
    (posted,) = gh.bodies()
    assert len(posted) <= 65_536
    assert parse_marker(posted) == Marker("prod", True, 1)
    assert KINESIS_ROW in posted
    assert "Shortened to fit this comment" in posted
    assert len(job.summary.encode()) <= 1_048_576
    assert KINESIS_ROW in job.summary


def test_fail_on_drift_fails_after_commenting(runner: Runner, gh: GitHubStandIn) -> None:
    runner.edit(MEMORY, "memory_size      = 512")
    job = runner.run()
    assert not job.ok
    assert job.ran[-1] == "Apply fail-on"
    assert job.steps["check"]["exit-code"] == "1"
    assert "out of sync" in job.log
    assert len(gh.comments) == 1


def test_fail_on_drift_holds_when_the_config_soft_fails(runner: Runner) -> None:
    config = runner.workspace / ".cloudexit.yml"
    config.write_text(CONFIG + "check:\n  soft-fail: true\n")
    runner.edit(MEMORY, "memory_size      = 512")
    job = runner.run(comment="off")
    assert job.steps["check"]["exit-code"] == "0"  # soft-fail hides it from the exit code
    assert not job.ok and "out of sync" in job.log  # the json report still says drift


def test_fail_on_unmapped_and_bad_inputs(runner: Runner) -> None:
    job = runner.run(**{"fail-on": "unmapped", "comment": "off"})
    assert not job.ok
    assert "1 Terraform resource(s) have no self-hosted equivalent" in job.log
    assert runner.run(comment="off").ok  # fail-on drift: in sync passes
    bad = runner.run(**{"fail-on": "sometimes"})
    assert not bad.ok
    assert bad.ran == ["Install cloudexit-ci"]


def test_check_error_fails_early(runner: Runner, gh: GitHubStandIn) -> None:
    job = runner.run(config="ci/.cloudexit.yml")
    assert not job.ok
    assert job.ran[-1] == "Check the generated stack"
    assert "ci/.cloudexit.yml" in job.log
    assert "failed with exit code 2" in job.log
    assert gh.requests == []


def test_broken_terraform_fails_early(runner: Runner, gh: GitHubStandIn) -> None:
    runner.append('resource "aws_s3_bucket" "broken" {\n')
    job = runner.run(**{"fail-on": "never"})
    assert not job.ok
    assert job.ran[-1] == "Check the generated stack"
    assert "failed with exit code 2" in job.log
    assert gh.requests == []


def test_push_event_posts_no_comment(tmp_path: Path, gh: GitHubStandIn) -> None:
    runner = Runner(tmp_path, gh, "push", FIXTURES / "push.json")
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    assert gh.requests == []
    assert "not a pull request event" in job.log
