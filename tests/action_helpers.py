"""The simulated runner the action.yml tests share (tests/test_action*.py).

The runner is simulated the way GitHub runs a composite action: each ``run:`` step is
``bash --noprofile --norc -eo pipefail FILE`` with the step's ``env:`` (expressions
resolved from inputs, step outputs and the event), fresh GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY files, GITHUB_EVENT_PATH holding a real webhook payload and
GITHUB_API_URL pointing at the local GitHub stand-in. Nothing is faked on the
cloudexit-ci side: the workspace is a git checkout holding a copy of
examples/serverless-items/terraform, a .cloudexit.yml and the stack ``cloudexit-ci
migrate`` generated from it; drift comes from editing that Terraform, and every step
runs the real ``python -m cloudexit_ci``.

Test modules use the fixtures ``gh`` (the GitHub stand-in) and ``runner`` (a
pull_request.opened event) by importing ``gh_fixture`` and ``runner_fixture``.
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

from tests.github_standin import TOKEN, GitHubStandIn

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "github"
BIN = Path(sys.executable).parent
ACTION = yaml.safe_load((REPO / "action.yml").read_text())
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


@pytest.fixture(name="gh")
def gh_fixture() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as standin:
        yield standin


@pytest.fixture(name="runner")
def runner_fixture(tmp_path: Path, gh: GitHubStandIn) -> Runner:
    return Runner(tmp_path, gh, "pull_request", FIXTURES / "pull_request.opened.json")


KINESIS_ROW = "| `aws_kinesis_stream` | `aws_kinesis_stream.events` | `terraform/main.tf:"


def report_of(job: Job) -> str:
    return Path(job.outputs["report-path"]).read_text(encoding="utf-8")
