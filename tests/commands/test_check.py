"""`cloudexit-ci check` as users meet it: exit codes, drift kinds, reports, no writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from cloudexit_ci.main import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "serverless-items" / "terraform"
SARIF_SCHEMA = REPO / "tests" / "fixtures" / "sarif-2.1.0.schema.json"

UNKNOWN = """
resource "aws_appsync_graphql_api" "gql" {
  name                = "gql"
  authentication_type = "API_KEY"
  IGNORE
}
"""


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("CLOUDEXIT_FAIL_ON", "CLOUDEXIT_SOFT_FAIL", "CLOUDEXIT_FORMAT"):
        monkeypatch.delenv(name, raising=False)


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding a copy of the example, its stack and a .cloudexit.yml."""
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root / "tf", ignore=shutil.ignore_patterns("node_modules"))
    (root / ".cloudexit.yml").write_text(
        "stacks:\n  - terraform: tf\n    output: stack\n    domain: api.example.com\n"
    )
    _git(root.parent, "init", "-q", str(root))
    monkeypatch.chdir(root)
    assert main(["migrate"]) == 1  # from the config: wrote files → 1 (pre-commit convention)
    _git(root, "add", "-A")
    _git(root, "-c", "user.email=t@e.st", "-c", "user.name=t", "commit", "-qm", "init")
    return root


def _tree_state(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted((root / "stack").rglob("*"))
        if p.is_file()
    }


def test_in_sync_is_0_and_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _tree_state(project)
    assert main(["check"]) == 0
    assert "in sync" in capsys.readouterr().out
    assert _tree_state(project) == before
    assert _git(project, "status", "--porcelain") == ""


def test_terraform_change_not_regenerated_is_1_naming_the_key(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main_tf = project / "tf" / "main.tf"
    main_tf.write_text(
        main_tf.read_text().replace("memory_size      = 512", "memory_size      = 1024")
    )
    before = _tree_state(project)
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "services.list-items.deploy.resources.limits.memory" in out
    assert "512M" in out and "1024M" in out
    assert _tree_state(project) == before  # check never writes
    assert _git(project, "status", "--porcelain").strip() == "M tf/main.tf"


def test_hand_edit_is_1_and_named_a_hand_edit(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = project / "stack" / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("TABLE_NAME: items", "TABLE_NAME: hacked"))
    assert main(["check", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    drifts = doc["reports"][0]["drifts"]
    assert [d["kind"] for d in drifts] == ["hand-edited"]
    assert drifts[0]["outputPath"] == "docker-compose.yml"


def test_missing_and_extra_generated_files(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "stack" / "traefik" / "traefik.yml").unlink()
    stale = project / "stack" / "functions" / "create-item" / "old.txt"
    stale.write_text("left over\n")
    assert main(["check", "--format", "json"]) == 1
    kinds = {
        d["outputPath"]: d["kind"]
        for d in json.loads(capsys.readouterr().out)["reports"][0]["drifts"]
    }
    assert kinds["traefik/traefik.yml"] == "missing"
    assert kinds["functions/create-item/old.txt"] == "extra"


def test_bad_hcl_is_2_with_file_and_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "tf" / "broken.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = \n}\n')
    assert main(["check"]) == 2
    captured = capsys.readouterr()
    assert "tf/broken.tf:" in captured.out + captured.err


def test_fix_rewrites_and_exits_1_then_in_sync(project: Path) -> None:
    main_tf = project / "tf" / "main.tf"
    main_tf.write_text(main_tf.read_text().replace('"items-uploads"', '"items-files"'))
    assert main(["check", "--fix"]) == 1
    assert "items-files" in (project / "stack" / "init" / "s3" / "init.sh").read_text()
    assert main(["check"]) == 0
    assert main(["check", "--fix"]) == 0


def test_unmapped_fails_only_when_asked(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "tf" / "extra.tf").write_text(UNKNOWN.replace("IGNORE", ""))
    assert main(["check", "--fix"]) == 1
    assert main(["check"]) == 0  # default fail-on: drift,error
    assert main(["check", "--fail-on", "drift,unmapped"]) == 1
    assert main(["check", "--fail-on", "unmapped", "--soft-fail"]) == 0
    monkeypatch.setenv("CLOUDEXIT_FAIL_ON", "unmapped")  # environment beats the config file
    assert main(["check"]) == 1
    assert main(["check", "--fail-on", "drift"]) == 0  # the command line beats the environment
    monkeypatch.delenv("CLOUDEXIT_FAIL_ON")
    config = project / ".cloudexit.yml"
    config.write_text(config.read_text() + "check:\n  fail-on: [unmapped]\n")
    assert main(["check"]) == 1
    assert main(["check", "--fail-on", "nonsense"]) == 2


@pytest.mark.parametrize(
    ("directive", "expected"),
    [
        ('# cloudexit:ignore reason="GraphQL moves later" until=2999-01-01', 0),
        ('# cloudexit:ignore reason="too late" until=2000-01-01', 1),
        ("# cloudexit:ignore until=2999-01-01", 1),  # no reason: not applied
    ],
)
def test_inline_ignore(project: Path, directive: str, expected: int) -> None:
    (project / "tf" / "extra.tf").write_text(UNKNOWN.replace("IGNORE", directive))
    main(["check", "--fix"])
    assert main(["check", "--fail-on", "unmapped"]) == expected
    assert main(["check", "--fail-on", "unmapped", "--no-inline-ignores"]) == 1


def test_sarif_validates_against_the_official_schema(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "tf" / "extra.tf").write_text(UNKNOWN.replace("IGNORE", ""))
    assert main(["check", "--format", "sarif"]) == 1  # drift: extra.tf not regenerated
    sarif = json.loads(capsys.readouterr().out)
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert "coverage/unmapped" in rules
    locations = [r["locations"][0]["physicalLocation"] for r in sarif["runs"][0]["results"]]
    assert any(loc["artifactLocation"]["uri"] == "tf/extra.tf" for loc in locations)


def test_json_validates_against_the_repo_schema(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cloudexit_ci.reporters.json import schema

    assert main(["check", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    jsonschema.validate(doc, schema())
    assert doc["summary"]["drift"] is False


def test_github_annotations_point_home(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main_tf = project / "tf" / "main.tf"
    main_tf.write_text(
        main_tf.read_text().replace('hash_key       = "id"', 'hash_key       = "pk"')
    )
    assert main(["check", "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("::error file=stack/")


def test_warm_recheck_uses_the_render_cache_and_sees_changes(project: Path) -> None:
    """The render cache never hides a change: a new file or an edit is seen."""
    assert main(["check"]) == 0
    assert main(["check"]) == 0  # warm
    (project / "tf" / "extra.tf").write_text(UNKNOWN.replace("IGNORE", ""))
    assert main(["check"]) == 1  # a new .tf file changes the directory listing
    (project / "tf" / "extra.tf").unlink()
    assert main(["check"]) == 0
    zip_file = project / "tf" / "create.zip"
    zip_file.rename(project / "tf" / "create.zip.bak")  # code presence changes README notes
    assert main(["check"]) == 1


def test_check_is_a_subprocess_without_traceback(project: Path) -> None:
    (project / "tf" / "broken.tf").write_text("resource {{{\n")
    done = subprocess.run(
        [sys.executable, "-m", "cloudexit_ci", "check"],
        cwd=project, capture_output=True, text=True, env={**os.environ}, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "tf/broken.tf:1" in done.stderr


TABLE = """
resource "aws_dynamodb_table" "orders" {
  name     = "orders"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
}
"""


def test_data_plan_compared_with_a_base_commit(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PR that regenerated its stack is in sync, yet merging will copy a new table:
    against the PR's base commit, the data plan shows it."""
    base = _git(project, "rev-parse", "HEAD").strip()
    (project / "tf" / "orders.tf").write_text(TABLE)
    assert main(["check", "--fix"]) == 1
    _git(project, "add", "-A")
    _git(project, "-c", "user.email=t@e.st", "-c", "user.name=t", "commit", "-qm", "orders")
    capsys.readouterr()
    assert main(["check", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["reports"][0]["dataPlan"]["added"] == []
    assert main(["check", "--format", "json", "--data-plan-base", base]) == 0
    added = json.loads(capsys.readouterr().out)["reports"][0]["dataPlan"]["added"]
    assert [(m["address"], m["kind"]) for m in added] == [("aws_dynamodb_table.orders", "dynamodb")]
    assert main(["check", "--data-plan-base", "0" * 40]) == 2  # an unknown commit: a user error


def test_data_plan_base_from_the_config_and_the_environment(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check: {data-plan-base: …}` is a key check reads (it was rejected before)."""
    base = _git(project, "rev-parse", "HEAD").strip()
    (project / "tf" / "orders.tf").write_text(TABLE)
    assert main(["check", "--fix"]) == 1
    _git(project, "add", "-A")
    _git(project, "-c", "user.email=t@e.st", "-c", "user.name=t", "commit", "-qm", "orders")
    config = project / ".cloudexit.yml"
    config.write_text(config.read_text() + f"check:\n  data-plan-base: {base}\n")

    def added() -> list[str]:
        capsys.readouterr()
        assert main(["check", "--format", "json"]) == 0
        plan = json.loads(capsys.readouterr().out)["reports"][0]["dataPlan"]
        return [m["address"] for m in plan["added"]]

    assert added() == ["aws_dynamodb_table.orders"]
    monkeypatch.setenv("CLOUDEXIT_DATA_PLAN_BASE", "HEAD")  # the environment beats the file
    assert added() == []


def test_data_plan_base_without_git_is_an_external_failure(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(project / "no-tools-here"))
    capsys.readouterr()
    assert main(["check", "--data-plan-base", "HEAD"]) == 4
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: git -C ") and "git is not installed" in line
    assert "bug" not in line
