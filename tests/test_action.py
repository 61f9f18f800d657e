"""action.yml: schema + actionlint, and the job's outcome in the simulated runner
(tests/action_helpers.py): fail-on, bad inputs and early failures.

The PR-comment path (sticky comment, report, data-migration section) is in
tests/test_action_comment.py.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.action_helpers import (
    ACTION,
    BIN,
    CONFIG,
    MEMORY,
    REPO,
    Runner,
)
from tests.action_helpers import gh_fixture as gh_fixture
from tests.action_helpers import runner_fixture as runner_fixture
from tests.github_standin import GitHubStandIn

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml")) + sorted(
    (REPO / "docs" / "workflows").glob("*.yml")
)


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


STATE = {
    "format_version": "1.0",
    "values": {"root_module": {"resources": [{
        "address": "aws_dynamodb_table.items", "mode": "managed", "type": "aws_dynamodb_table",
        "name": "items", "values": {"name": "items", "hash_key": "id",
                                    "arn": "arn:aws:dynamodb:eu-west-1:1:table/items"},
        "sensitive_values": {}}]}},
}  # fmt: skip


def test_terraform_json_input_reaches_check(runner: Runner) -> None:
    """The input is passed to `check --terraform-json` (relative to working-directory): the
    stack was generated without it, so the data plan now says where its names came from."""
    (runner.workspace / "state.json").write_text(json.dumps(STATE))
    job = runner.run(comment="off", **{"terraform-json": "state.json"})
    assert job.steps["check"]["exit-code"] == "1", job.log
    assert "manifest.json" in job.log
    missing = runner.run(comment="off", **{"terraform-json": "plan.json"})
    assert not missing.ok and missing.ran[-1] == "Check the generated stack"
    assert "plan.json" in missing.log and "terraform show -json" in missing.log
