"""Loader: files, variables and their precedence, expressions, references, expansion, modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cloudexit_ci.errors import UserError
from cloudexit_ci.main import main
from cloudexit_ci.terraform.expressions import Computed, Unknown
from cloudexit_ci.terraform.load import load_module
from cloudexit_ci.terraform.model import Resource, TerraformModule

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "terraform" / "loader"
SHOWN = "tests/fixtures/terraform/loader"


def _load(*, var_files: tuple[Path, ...] = (), var_args: tuple[str, ...] = ()) -> TerraformModule:
    return load_module(FIXTURE, var_files=var_files, var_args=var_args)


def _res(module: TerraformModule, address: str) -> Resource:
    found = module.by_address(address)
    assert found is not None, f"{address} not in {[r.address for r in module.resources]}"
    return found


def _env(module: TerraformModule, address: str = 'aws_lambda_function.fn["upload"]') -> Any:
    block = _res(module, address).values.block("environment")
    assert block is not None
    return block.raw("variables")


def test_every_tf_and_tf_json_file_of_the_directory_is_read() -> None:
    module = _load()
    files = {r.file for r in module.resources}
    assert files == {
        f"{SHOWN}/main.tf",
        f"{SHOWN}/extra.tf.json",
        f"{SHOWN}/modules/x/main.tf",
    }
    # variables.tf has no resources but was read: its defaults are used
    assert _env(module)["JOINED"] == "a,b,eu-west-1"
    bucket = _res(module, "aws_s3_bucket.from_json")
    assert bucket.values.get("bucket") == "acme-corp-json"  # interpolation inside JSON syntax
    assert (bucket.file, bucket.line) == (f"{SHOWN}/extra.tf.json", 4)


def test_every_resource_has_its_file_and_line() -> None:
    module = _load()
    where = {r.address: (r.file, r.line) for r in module.resources}
    main_tf = f"{SHOWN}/main.tf"
    assert where["aws_dynamodb_table.items"] == (main_tf, 10)
    assert where["data.archive_file.upload"] == (main_tf, 21)
    assert where['aws_lambda_function.fn["upload"]'] == (main_tf, 33)
    assert where['aws_lambda_function.fn["download"]'] == (main_tf, 33)
    assert where["aws_lambda_function.single"] == (main_tf, 58)
    assert where["aws_sqs_queue.worker[1]"] == (main_tf, 66)
    assert where["module.x.aws_s3_bucket.this"] == (f"{SHOWN}/modules/x/main.tf", 5)


def test_tfvars_precedence_defaults_tfvars_auto_varfile_var() -> None:
    # default < terraform.tfvars < *.auto.tfvars < --var-file < --var
    module = _load()
    assert _res(module, "aws_dynamodb_table.items").values.get("name") == (
        "acme-corp-from-auto-items"
    )
    assert _env(module)["OWNER"] == "auto-owner"
    module = _load(var_files=(FIXTURE / "extra.tfvars",))
    assert _res(module, "aws_dynamodb_table.items").values.get("name") == (
        "acme-corp-from-var-file-items"
    )
    module = _load(var_files=(FIXTURE / "extra.tfvars",), var_args=("env=cli", "owner=cli-owner"))
    assert _res(module, "aws_dynamodb_table.items").values.get("name") == "acme-corp-cli-items"
    assert _env(module)["OWNER"] == "cli-owner"


def test_variable_without_tfvars_uses_its_default(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "env" {\n  default = "dev"\n}\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = "data-${var.env}"\n}\n'
    )
    module = load_module(tmp_path)
    assert _res(module, "aws_s3_bucket.b").values.get("bucket") == "data-dev"


def test_locals_interpolation_and_functions() -> None:
    env = _env(_load())
    assert env["LABEL"] == "acme-corp/007"  # format + lower + replace via a local
    assert env["JOINED"] == "a,b,eu-west-1"  # join
    assert json.loads(env["DOC"]) == {"name": "acme-corp", "n": 2}  # jsonencode
    assert env["DOC"] == '{"n":2,"name":"acme-corp"}'  # Terraform's compact encoding, keys sorted
    assert env["TIER"] == "gold"  # conditional
    module = _load(var_args=("flag=false",))
    assert _env(module)["TIER"] == "silver"


def test_references_between_resources() -> None:
    env = _env(_load())
    assert env["TABLE"] == "acme-corp-from-auto-items"  # aws_dynamodb_table.items.name
    assert env["TABLE_ARN"] == Computed("aws_dynamodb_table.items", "arn")


def test_invoke_arn_is_a_computed_placeholder(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_lambda_function" "f" {\n  function_name = "f"\n}\n'
        'resource "aws_apigatewayv2_integration" "i" {\n'
        "  integration_uri = aws_lambda_function.f.invoke_arn\n}\n"
    )
    values = _res(load_module(tmp_path), "aws_apigatewayv2_integration.i").values
    assert values.raw("integration_uri") == Computed("aws_lambda_function.f", "invoke_arn")
    assert values.ref("integration_uri") == "aws_lambda_function.f"


def test_count_and_for_each_expand_with_terraform_addresses() -> None:
    module = _load()
    addresses = [r.address for r in module.resources]
    assert 'aws_lambda_function.fn["upload"]' in addresses
    assert 'aws_lambda_function.fn["download"]' in addresses
    assert "aws_lambda_function.fn" not in addresses
    assert [a for a in addresses if a.startswith("aws_sqs_queue.")] == [
        "aws_sqs_queue.worker[0]",
        "aws_sqs_queue.worker[1]",
    ]
    assert _res(module, "aws_sqs_queue.worker[1]").values.get("name") == "worker-1"
    download = _res(module, 'aws_lambda_function.fn["download"]')
    assert download.values.get("function_name") == "acme-corp-download"
    assert _env(module, 'aws_lambda_function.fn["download"]')["POLICY"] == "allow download\n"


def test_local_module_inputs_and_output_used_by_the_root() -> None:
    module = _load()
    child = _res(module, "module.x.aws_s3_bucket.this")
    assert child.values.get("bucket") == "acme-corp-files"  # input from the root's local
    assert child.module == "module.x"
    assert _env(module)["BUCKET"] == "acme-corp-files"  # module.x.bucket_name output


def test_archive_file_source_dir_and_source_file_become_the_function_code(tmp_path: Path) -> None:
    from cloudexit_ci.convert import convert
    from cloudexit_ci.mappers.base import Options

    stack = convert(_load(), Options())
    codes = {f.key: f.code for f in stack.functions.values()}
    assert codes["acme-corp-upload"].kind == "dir"
    assert codes["acme-corp-upload"].path == f"{SHOWN}/src/upload"
    assert codes["acme-corp-upload"].exists
    assert codes["single"].kind == "file"
    assert codes["single"].path == f"{SHOWN}/src/upload/app.py"


def test_heredoc_terminator_followed_by_blanks_parses(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "b" {\n'
        "  bucket = <<EOT\nheredoc-bucket\nEOT   \n"
        "  tags = {\n    Policy = <<-EOT\n      indented\n    EOT\t \n  }\n"
        "}\n"
    )
    assert "EOT   \n" in (tmp_path / "main.tf").read_text()
    values = _res(load_module(tmp_path), "aws_s3_bucket.b").values
    assert values.get("bucket") == "heredoc-bucket\n"
    assert values.get("tags") == {"Policy": "indented\n"}


def test_unresolvable_expression_stays_an_expression_and_is_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    module = _load()
    later = _res(module, "aws_s3_bucket.later")
    assert later.values.get("bucket") is None
    assert isinstance(later.values.raw("bucket"), Unknown)
    unresolved = [u for u in module.diagnostics.unresolved if u.address == "aws_s3_bucket.later"]
    assert [(u.attribute, u.text, u.line) for u in unresolved] == [("bucket", "timestamp()", 72)]
    assert main(["inventory", str(FIXTURE), "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    reported = [e for e in entries if e["status"] == "unresolved"]
    assert reported == [
        {
            "address": "aws_s3_bucket.later",
            "type": "expression",
            "status": "unresolved",
            "reason": reported[0]["reason"],
            "file": f"{SHOWN}/main.tf",
            "line": 72,
        }
    ]
    assert "timestamp()" in reported[0]["reason"]


def test_undefined_variable_is_a_user_error_at_file_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = var.nope\n}\n')
    bucket = load_module(tmp_path).by_address("aws_s3_bucket.b")
    assert bucket is not None
    with pytest.raises(UserError) as caught:
        bucket.values.get("bucket")
    assert caught.value.where == "main.tf:2"
    assert "var.nope" in caught.value.message
    assert caught.value.hint and 'variable "nope"' in caught.value.hint


def test_lark_cache_lives_in_the_user_cache_dir(tmp_path: Path) -> None:
    cache = tmp_path / "xdg-cache"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    code = "from cloudexit_ci.terraform.parse import parser, cache_dir; parser();print(cache_dir())"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(cache / "cloudexit-ci")
    cached = list((cache / "cloudexit-ci").glob("hcl2-*.lark"))
    assert len(cached) == 1 and cached[0].stat().st_size > 0
    import hcl2

    site = Path(hcl2.__file__).parent
    assert not cached[0].resolve().is_relative_to(site)


SENSITIVE = """
variable "db_password" {
  sensitive = true
  default   = "hunter2-default"
}
variable "api_keys" {
  sensitive = true
  type      = map(string)
}
variable "plain" { default = "p" }
resource "aws_db_instance" "db" {
  password = var.db_password
  username = "app"
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  environment {
    variables = {
      DB_URL  = "postgres://app:${var.db_password}@db:5432/app"
      STRIPE  = var.api_keys.stripe
      HASHED  = sha256(var.db_password)
      PLAIN   = var.plain
    }
  }
}
module "child" {
  source   = "./child"
  password = var.db_password
}
"""

SENSITIVE_CHILD = """
variable "password" { sensitive = true }
variable "token" {
  sensitive = true
  default   = "child-token-default"
}
resource "aws_ssm_parameter" "p" {
  value = var.password
  type  = "SecureString"
  tags  = { token = var.token }
}
"""


@pytest.mark.parametrize("var_args", [(), ("db_password=from-cli",)])
def test_a_sensitive_variable_is_never_its_value(tmp_path: Path, var_args: tuple[str, ...]) -> None:
    from cloudexit_ci.terraform.expressions import Interpolation, Sensitive

    (tmp_path / "child").mkdir()
    (tmp_path / "main.tf").write_text(SENSITIVE)
    (tmp_path / "child" / "main.tf").write_text(SENSITIVE_CHILD)
    (tmp_path / "terraform.tfvars").write_text('api_keys = { stripe = "sk_live_x" }\n')
    module = load_module(tmp_path, var_args=var_args, repo_root=tmp_path)
    assert _res(module, "aws_db_instance.db").values.raw("password") == Sensitive("db_password")
    env = _env(module, "aws_lambda_function.f")
    assert env["DB_URL"] == Interpolation(
        ("postgres://app:", Sensitive("db_password"), "@db:5432/app")
    )
    assert env["STRIPE"] == Sensitive("api_keys.stripe")  # one variable per secret inside
    assert isinstance(env["HASHED"], Unknown) and "sensitive" in env["HASHED"].reason
    assert env["PLAIN"] == "p"
    child = _res(module, "module.child.aws_ssm_parameter.p").values
    assert child.raw("value") == Sensitive("db_password")  # the caller's secret, same name
    assert child.raw("tags") == {"token": Sensitive("module.child.token")}
    everything = repr([r.values.to_dict() for r in module.resources])
    for secret in ("hunter2-default", "from-cli", "sk_live_x", "child-token-default"):
        assert secret not in everything
