"""Bad input, each through the real console script: exit 2, one line naming where and
how to fix it, no traceback, nothing written outside --output, nothing half-written;
hostile names and values are sanitised or quoted so they never break out."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.servers import tool

CLI = tool("cloudexit-ci")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CLOUDEXIT_DEBUG"}
    return subprocess.run(
        [CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=env
    )


def _listing(root: Path) -> dict[str, bytes]:
    out = {}
    for dirpath, dirs, names in os.walk(root):
        for name in dirs + names:
            path = Path(dirpath) / name
            out[path.relative_to(root).as_posix()] = b"" if path.is_dir() else path.read_bytes()
    return out


def _assert_user_error(done: subprocess.CompletedProcess[str], where: str) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert where in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "tf").mkdir()
    return tmp_path


def test_malformed_hcl_exit_2_with_file_line_and_fix_and_no_output(work: Path) -> None:
    (work / "tf" / "ok.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    (work / "tf" / "main.tf").write_text('resource "aws_s3_bucket" "a" {\n  bucket = "a"\n  = }\n')
    before = _listing(work)
    done = _run("migrate", "tf", "--output", "out", cwd=work)
    line = _assert_user_error(done, "main.tf:3")
    assert "(fix: " in line
    assert not (work / "out").exists()
    assert _listing(work) == before


def test_failed_run_leaves_an_existing_output_untouched(work: Path) -> None:
    tf = work / "tf"
    (tf / "main.tf").write_text('resource "aws_s3_bucket" "a" {\n  bucket = "a"\n}\n')
    assert _run("migrate", "tf", "--output", "out", cwd=work).returncode == 0
    (work / "out" / "notes.txt").write_text("mine")
    before = _listing(work)
    (tf / "main.tf").write_text('resource "aws_s3_bucket" "a" {\n  bucket = "a"\n}\n')
    (tf / "broken.tf").write_text('resource "aws_s3_bucket" "c" {\n  bucket = "c\n}\n')
    before["tf/broken.tf"] = (tf / "broken.tf").read_bytes()
    done = _run("migrate", "tf", "--output", "out", cwd=work)
    _assert_user_error(done, "broken.tf:")
    assert _listing(work) == before


def test_undefined_variable_exit_2_with_file_line_and_hint(work: Path) -> None:
    (work / "tf" / "main.tf").write_text(
        'resource "aws_s3_bucket" "a" {\n  bucket = "x-${var.nope}"\n}\n'
    )
    done = _run("migrate", "tf", "--output", "out", cwd=work)
    line = _assert_user_error(done, "main.tf:2")
    assert "var.nope" in line and 'variable "nope"' in line
    assert not (work / "out").exists()
    done = _run("inventory", "tf", "--format", "json", cwd=work)
    _assert_user_error(done, "main.tf:2")


def test_lambda_code_path_escaping_the_repository_exit_2(work: Path) -> None:
    (work / "tf" / "main.tf").write_text(
        'resource "aws_lambda_function" "f" {\n'
        '  function_name = "f"\n'
        '  filename      = "../../../../etc/passwd.zip"\n'
        '  handler       = "index.handler"\n'
        '  runtime       = "nodejs20.x"\n'
        "}\n"
    )
    done = _run("migrate", "tf", "--output", "out", cwd=work)
    line = _assert_user_error(done, "main.tf:1")
    assert "escapes the repository" in line
    assert not (work / "out").exists()


@pytest.mark.parametrize(
    "domain",
    ["evil`) && Host(`x", "api.example.com`) || PathPrefix(`/", "a b.com", "x.com\nHost: y"],
)
def test_domain_that_would_break_a_traefik_rule_exit_2(work: Path, domain: str) -> None:
    (work / "tf" / "main.tf").write_text('resource "aws_s3_bucket" "a" {\n  bucket = "a"\n}\n')
    done = _run("migrate", "tf", "--output", "out", "--domain", domain, cwd=work)
    _assert_user_error(done, "--domain")
    assert not (work / "out").exists()


def _hcl(text: str) -> str:
    """An HCL string literal holding exactly ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("${", "$${").replace("%{", "%%{") + '"'


def _hostile(marker: Path) -> dict[str, str]:
    inject = f"$(touch {marker}) `touch {marker}`; touch {marker}"
    return {
        "function": f"../../{inject}: {{x}} #c\nnext",
        "table": f"tbl;{inject}",
        "bucket": f"bkt`touch {marker}`",
        "api": "api: {x} #y\n- z",
        "ENV_SHELL": f"{inject} && echo done",
        "ENV_YAML": "key: {a: [b, c]} # not a comment\n- item\n---\n'q' \"dq\" \\ \t",
        "ENV_DOLLAR": "${HOME} $HOME $${HOME} %{ if x }",
    }


def _hostile_terraform(values: dict[str, str]) -> str:
    return f"""
resource "aws_lambda_function" "evil" {{
  function_name = {_hcl(values["function"])}
  filename      = "code.zip"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  environment {{
    variables = {{
      ENV_SHELL  = {_hcl(values["ENV_SHELL"])}
      ENV_YAML   = {_hcl(values["ENV_YAML"])}
      ENV_DOLLAR = {_hcl(values["ENV_DOLLAR"])}
    }}
  }}
}}

resource "aws_dynamodb_table" "t" {{
  name     = {_hcl(values["table"])}
  hash_key = "id"
  attribute {{
    name = "id"
    type = "S"
  }}
  ttl {{
    attribute_name = {_hcl(values["table"])}
    enabled        = true
  }}
}}

resource "aws_s3_bucket" "b" {{
  bucket = {_hcl(values["bucket"])}
}}

resource "aws_api_gateway_rest_api" "api" {{
  name = {_hcl(values["api"])}
}}
"""


@pytest.fixture
def hostile(work: Path) -> tuple[Path, Path, dict[str, str]]:
    marker = Path("/tmp") / f"pwned-{uuid.uuid4().hex}"
    values = _hostile(marker)
    (work / "tf" / "main.tf").write_text(_hostile_terraform(values))
    (work / "tf" / "code.zip").write_bytes(b"")
    before = _listing(work)
    done = _run("migrate", "tf", "--output", "out", cwd=work)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    after = {p: d for p, d in _listing(work).items() if p != "out" and not p.startswith("out/")}
    assert after == before  # nothing lands beside --output, nothing in the Terraform dir
    assert not marker.exists()
    return work / "out", marker, values


_SAFE = re.compile(r"^[a-z][a-z0-9-]*$")


def test_hostile_names_are_sanitised(hostile: tuple[Path, Path, dict[str, str]]) -> None:
    out, _, _ = hostile
    compose = yaml.safe_load((out / "docker-compose.yml").read_text())
    for name in compose["services"]:
        assert _SAFE.match(name), name
    for path in _listing(out):
        parts = path.split("/")
        assert ".." not in parts
        for part in parts:
            assert re.fullmatch(r"[A-Za-z0-9._-]+", part), path
    for doc in (out / "traefik" / "dynamic").glob("*.yml"):
        data = yaml.safe_load(doc.read_text())
        for name in data["http"].get("routers", {}):
            assert _SAFE.match(name), name
        for router in data["http"].get("routers", {}).values():
            assert "`api.example.com`" in router["rule"]
            assert router["rule"].count("`") % 2 == 0


def _unescape_compose(value: str) -> str:
    return value.replace("$$", "$")


def test_hostile_values_round_trip_through_yaml_and_compose(
    hostile: tuple[Path, Path, dict[str, str]],
) -> None:
    out, _, values = hostile
    compose = yaml.safe_load((out / "docker-compose.yml").read_text())
    functions = [
        s for s in compose["services"].values() if s["labels"]["cloudexit.role"] == "function"
    ]
    assert len(functions) == 1
    env = functions[0]["environment"]
    for name in ("ENV_SHELL", "ENV_YAML", "ENV_DOLLAR"):
        assert _unescape_compose(env[name]) == values[name], name
    # what docker compose itself makes of the file: the values, uninterpolated
    done = subprocess.run(
        [
            tool("docker-compose"),
            "-f",
            str(out / "docker-compose.yml"),
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": "/home/should-not-appear"},
    )
    assert done.returncode == 0, done.stderr
    effective = json.loads(done.stdout)["services"]
    service_env: dict[str, Any] = next(
        s["environment"] for s in effective.values() if "ENV_SHELL" in s.get("environment", {})
    )
    for name in ("ENV_SHELL", "ENV_YAML", "ENV_DOLLAR"):
        assert _unescape_compose(service_env[name]) == values[name], name
    manifest = json.loads((out / ".cloudexit" / "manifest.json").read_text())
    moved = {m["source"].get("table") or m["source"].get("bucket") for m in manifest["dataPlan"]}
    # a table name round-trips exactly; a bucket name that is not a valid S3 name is
    # sanitised (and the README says so), never passed on raw
    bucket = next(m["source"]["bucket"] for m in manifest["dataPlan"] if m["kind"] == "s3")
    assert moved == {values["table"], bucket}
    assert re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket)
    assert "is not a valid S3 name" in (out / "README.md").read_text()
    tables = list((out / "init" / "dynamodb" / "tables").glob("*.json"))
    assert [json.loads(t.read_text())["TableName"] for t in tables] == [values["table"]]


def test_hostile_values_never_run_in_generated_scripts(
    hostile: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    out, marker, values = hostile
    scripts = sorted(p for p in out.rglob("*.sh"))
    assert scripts
    for script in scripts:
        done = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
        assert done.returncode == 0, (script, done.stderr)
    # run the init scripts for real, with stand-in `aws` and `mc` that log their arguments
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.jsonl"
    for name in ("aws", "mc"):
        stub = bin_dir / name
        stub.write_text(
            "#!/usr/bin/env python3\nimport json, sys\n"
            f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
            "sys.exit(1 if sys.argv[1:3] == ['dynamodb', 'describe-table'] else 0)\n"
        )
        stub.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:1",
        "S3_ENDPOINT": "http://127.0.0.1:1",
        "S3_ROOT_USER": "root",
        "S3_ROOT_PASSWORD": "password",
        "APP_AWS_ACCESS_KEY_ID": "app",
        "APP_AWS_SECRET_ACCESS_KEY": "app-secret",
    }
    for init in (out / "init" / "dynamodb" / "init.sh", out / "init" / "s3" / "init.sh"):
        done = subprocess.run(["sh", str(init)], env=env, capture_output=True, text=True)
        assert done.returncode == 0, (init, done.stderr)
    assert not marker.exists()
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    table_args = [c[c.index("--table-name") + 1] for c in calls if "--table-name" in c]
    assert table_args and set(table_args) == {values["table"]}
    manifest = json.loads((out / ".cloudexit" / "manifest.json").read_text())
    bucket = next(m["target"]["bucket"] for m in manifest["dataPlan"] if m["kind"] == "s3")
    assert bucket != values["bucket"] and "touch" in bucket  # sanitised, recognisable
    assert ["mb", "--ignore-existing", f"local/{bucket}"] in calls
