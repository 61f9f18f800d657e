"""``--terraform-json`` through the real pipeline and commands: the resolved environment
of the generated services, the real names and regions in the data plan, no sensitive
value in any generated file, log or report, deterministic ``check``, the render cache,
the config key and bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from cloudexit_ci import pipeline
from cloudexit_ci.main import main
from cloudexit_ci.manifest import MANIFEST_PATH
from cloudexit_ci.options import Options
from cloudexit_ci.pipeline import Source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tfjson"
SECRETS = {"plan": "pl4n-Secret-DoNotLeak-7731", "state": "st4te-Secret-DoNotLeak-4417"}
JSON_FILE = {"plan": "plan.json", "state": "state.json"}
BUCKET = "uploads-20250115093012345600000001"
DB = "app-20250115093012345600000002"


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _project(tmp_path: Path, name: str) -> Path:
    """A git repository holding the fixture's Terraform (and its JSON) in ``tf``."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / name, root / "tf")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def _generate(root: Path, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(compose services, manifest) of the fixture rendered through the pipeline."""
    source = Source(root / "tf", terraform_json=root / "tf" / JSON_FILE[name])
    result = pipeline.generate(source, Options(output_dir=str(root / "out")))
    compose = yaml.safe_load(result.tree[PurePosixPath("docker-compose.yml")])
    manifest = json.loads(result.tree[PurePosixPath(str(MANIFEST_PATH))])
    return compose["services"], manifest


def _moves(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {move["address"]: move["source"] for move in manifest["dataPlan"]}


def test_plan_resolves_the_environment_and_the_data_plan(tmp_path: Path) -> None:
    services, manifest = _generate(_project(tmp_path, "plan"), "plan")
    queue = "http://elasticmq:9324/000000000000/jobs-"
    api = services["api"]["environment"]
    assert api["QUEUE_URL"] == queue  # unknown in the plan: the HCL's reference, resolved
    assert api["TABLE"] == "items-prod"
    assert api["DB_PASSWORD"] == "${DB_PASSWORD}"
    assert api["AWS_REGION"] == "eu-west-1"  # var.region, from the plan's variables
    for index in (0, 1):  # the module's count, from the plan
        worker = services[f"worker-{index}"]["environment"]
        assert worker["QUEUE_URL"] == queue and worker["SECRET"] == "${DB_PASSWORD}"
    assert _moves(manifest)["aws_dynamodb_table.items"] == {
        "table": "items-prod", "origin": "terraform-json", "region": "eu-west-1",
    }  # fmt: skip


def test_state_resolves_the_environment_and_the_data_plan(tmp_path: Path) -> None:
    services, manifest = _generate(_project(tmp_path, "state"), "state")
    api = services["api"]["environment"]
    assert api["BUCKET"] == BUCKET
    assert api["BUCKET_DOMAIN"] == f"http://minio:9000/{BUCKET}"
    assert api["DATABASE_URL"] == f"postgres://app@{DB}:5432/app"
    assert api["REPORTS_DSN"] == f"postgres://reports@{DB}:5432/reports?sslmode=require"
    queue = "http://elasticmq:9324/000000000000/events"
    assert api["QUEUE_URL"] == queue and api["EVENTS_URL"] == queue  # found by value
    assert api["DB_PASSWORD"] == "${DB_PASSWORD}"
    assert api["ADMIN_DSN"] == "${DATA_TERRAFORM_REMOTE_STATE_SHARED_OUTPUTS_ADMIN_DSN}"
    assert api["ITEMS"] == "items"
    assert services[DB]["environment"]["POSTGRES_PASSWORD"] == "${DB_PASSWORD}"
    moves = _moves(manifest)
    assert moves["aws_s3_bucket.uploads"] == {
        "bucket": BUCKET, "origin": "terraform-json", "region": "eu-west-1",
    }  # fmt: skip
    assert moves["aws_db_instance.main"]["identifier"] == DB
    assert moves["aws_db_instance.main"]["region"] == "eu-west-1"


def _run(root: Path, *args: str, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "CLOUDEXIT_NO_CACHE": "1"}
    return subprocess.run([sys.executable, "-m", "cloudexit_ci", *args], cwd=root, env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip


@pytest.mark.parametrize("name", ["plan", "state"])
def test_no_sensitive_value_in_any_file_log_or_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    root = _project(tmp_path, name)
    secret = SECRETS[name]
    assert secret in (root / "tf" / JSON_FILE[name]).read_text()  # planted in clear text
    monkeypatch.chdir(root)
    given = ["tf", "--terraform-json", f"tf/{JSON_FILE[name]}"]
    assert main(["migrate", *given, "-o", "out"]) == 0
    printed = [capsys.readouterr()]
    (root / "out" / MANIFEST_PATH).unlink()  # the whole data plan shows in the reports
    for fmt in ("text", "markdown", "json", "sarif", "github"):
        assert main(["check", *given, "-o", "out", "--format", fmt]) == 1
        printed.append(capsys.readouterr())
    for fmt in ("text", "json"):
        assert main(["inventory", *given, "--format", fmt]) == 0
        printed.append(capsys.readouterr())
    files = [p for p in (root / "out").rglob("*") if p.is_file()]
    assert len(files) > 5
    for path in files:
        assert secret.encode() not in path.read_bytes(), path
    for output in printed:
        assert secret not in output.out + output.err
    markdown = printed[2].out
    assert "name from Terraform's JSON" in markdown and "eu-west-1" in markdown


def test_check_with_terraform_json_is_deterministic(tmp_path: Path) -> None:
    root = _project(tmp_path, "state")
    given = ("tf", "--terraform-json", "tf/state.json", "-o", "out")
    assert _run(root, "migrate", *given, seed="1").returncode == 0
    for seed in ("2", "3"):
        done = _run(root, "check", *given, seed=seed)
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_render_cache_reads_the_json(tmp_path: Path) -> None:
    root = _project(tmp_path, "state")
    plain = Source(root / "tf")
    given = Source(root / "tf", terraform_json=root / "tf" / "state.json")
    options = Options(output_dir=str(root / "out"))

    def bucket(source: Source) -> bytes:
        return pipeline.render(source, options).tree[PurePosixPath("init/s3/init.sh")]

    assert BUCKET.encode() not in bucket(plain)
    assert BUCKET.encode() in bucket(given)
    assert BUCKET.encode() in bucket(given)  # warm
    state = root / "tf" / "state.json"
    state.write_text(state.read_text().replace(BUCKET, "uploads-renamed-by-apply"))
    assert b"uploads-renamed-by-apply" in bucket(given)


def test_config_key_is_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, "state")
    (root / "ci").mkdir()
    (root / "ci" / ".cloudexit.yml").write_text(
        "stacks:\n  - terraform: ../tf\n    output: ../out\n    terraform-json: ../tf/state.json\n"
    )
    monkeypatch.chdir(root / "tf")
    assert main(["migrate", "--config", "../ci/.cloudexit.yml"]) == 1  # wrote the stack
    manifest = json.loads((root / "out" / MANIFEST_PATH).read_text())
    assert _moves(manifest)["aws_s3_bucket.uploads"]["bucket"] == BUCKET


def test_one_json_for_several_stacks_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path, "state")
    (root / ".cloudexit.yml").write_text(
        "stacks:\n  - terraform: tf\n    output: a\n  - terraform: tf\n    output: b\n"
    )
    monkeypatch.chdir(root)
    assert main(["inventory", "--terraform-json", "tf/state.json"]) == 2
    err = capsys.readouterr().err
    assert "--terraform-json" in err and "terraform-json: FILE" in err


@pytest.mark.parametrize(
    ("text", "words"),
    [(None, "does not exist"), ('{"version": 4}', "no format_version"), ("{", "invalid JSON")],
)
def test_a_bad_file_is_exit_2_with_one_line(tmp_path: Path, text: str | None, words: str) -> None:
    root = _project(tmp_path, "state")
    if text is not None:
        (root / "tf" / "bad.json").write_text(text)
    done = _run(root, "inventory", "tf", "--terraform-json", "tf/bad.json")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert "tf/bad.json" in done.stderr and words in done.stderr
    assert "terraform show -json plan.out > plan.json" in done.stderr
