"""Module calls read as Terraform reads them: local paths, and ``.terraform/modules/modules.json``
for registry, git and every other source (trees follow terraform-aws-modules/lambda's shape)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudexit_ci.convert import convert
from cloudexit_ci.errors import UserError
from cloudexit_ci.mappers.base import Options
from cloudexit_ci.terraform.model import RemoteModule
from tests.terraform.trees import addresses, installed, load, resource, write

# a reduced terraform-aws-modules/lambda: count on local.create, dynamic environment,
# a nested local module, outputs through try(...[0]...)
LAMBDA_MODULE = {
    "main.tf": """
locals {
  create = var.create
}
resource "aws_lambda_function" "this" {
  count         = local.create ? 1 : 0
  function_name = var.function_name
  handler       = var.handler
  runtime       = "python3.12"
  filename      = "${path.module}/build.zip"
  dynamic "environment" {
    for_each = length(keys(var.environment_variables)) == 0 ? [] : [true]
    content {
      variables = var.environment_variables
    }
  }
}
module "alias" {
  source = "./modules/alias"
  name   = var.function_name
}
""",
    "variables.tf": """
variable "create" { default = true }
variable "function_name" { default = "" }
variable "handler" { default = "index.handler" }
variable "environment_variables" { default = {} }
""",
    "outputs.tf": """
output "lambda_function_name" { value = try(aws_lambda_function.this[0].function_name, "") }
output "lambda_function_arn" { value = try(aws_lambda_function.this[0].arn, "") }
""",
    "modules/alias/main.tf": """
variable "name" {}
resource "aws_lambda_alias" "this" {
  name             = "live"
  function_name    = var.name
  function_version = "$LATEST"
}
""",
}

ROOT = """
module "api" {
  source        = "terraform-aws-modules/lambda/aws"
  version       = "~> 8.0"
  function_name = "items-api"
  environment_variables = { TABLE = "items" }
}
module "worker" {
  source        = "git::https://example.com/modules.git//lambda?ref=v1"
  function_name = "items-worker"
}
resource "aws_sqs_queue" "q" {
  name = "${module.api.lambda_function_name}-queue"
  tags = { fn = module.api.lambda_function_arn }
}
"""


def _registry_tree(root: Path) -> Path:
    write(root, {"infra/main.tf": ROOT})
    for key in ("api", "worker"):
        write(root, {f"infra/.terraform/modules/{key}/{n}": t for n, t in LAMBDA_MODULE.items()})
    installed(
        root / "infra",
        {
            "api": (
                "registry.terraform.io/terraform-aws-modules/lambda/aws",
                ".terraform/modules/api",
            ),
            "api.alias": ("./modules/alias", ".terraform/modules/api/modules/alias"),
            "worker": (
                "git::https://example.com/modules.git//lambda?ref=v1",
                ".terraform/modules/worker",
            ),
            "worker.alias": ("./modules/alias", ".terraform/modules/worker/modules/alias"),
        },
    )
    (root / ".git").mkdir()
    return root / "infra"


def test_registry_and_git_modules_load_from_their_recorded_dir(tmp_path: Path) -> None:
    module = load(_registry_tree(tmp_path))
    assert addresses(module) == [
        "aws_sqs_queue.q",
        "module.api.aws_lambda_function.this[0]",
        "module.api.module.alias.aws_lambda_alias.this",
        "module.worker.aws_lambda_function.this[0]",
        "module.worker.module.alias.aws_lambda_alias.this",
    ]
    api = resource(module, "module.api.aws_lambda_function.this[0]")
    assert api.file == "infra/.terraform/modules/api/main.tf"
    assert api.module_dir == "infra/.terraform/modules/api"
    assert api.values.get("filename") == ".terraform/modules/api/build.zip"  # path.module
    environment = api.values.block("environment")
    assert environment is not None and environment.get("variables") == {"TABLE": "items"}
    assert (
        resource(module, "module.worker.aws_lambda_function.this[0]").values.block("environment")
        is None
    )
    queue = resource(module, "aws_sqs_queue.q").values
    assert queue.get("name") == "items-api-queue"
    assert module.remote_modules == []


def test_terraform_dir_is_not_read_as_the_roots_own_files(tmp_path: Path) -> None:
    root = _registry_tree(tmp_path)
    write(root, {".terraform/stray.tf": 'resource "aws_s3_bucket" "stray" { bucket = "x" }\n'})
    module = load(root)
    assert not any("stray" in a for a in addresses(module))
    assert {f.path for f in module.files if "/.terraform/" not in f.path} == {"infra/main.tf"}


def test_a_remote_module_without_a_record_is_reported_with_the_fix(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": ROOT})
    module = load(tmp_path)
    assert addresses(module) == ["aws_sqs_queue.q"]
    assert [(m.address, m.file, m.line) for m in module.remote_modules] == [
        ("module.api", "main.tf", 2),
        ("module.worker", "main.tf", 8),
    ]
    first = module.remote_modules[0]
    assert isinstance(first, RemoteModule)
    assert first.source == "terraform-aws-modules/lambda/aws"
    assert "terraform init -backend=false" in first.reason and "terraform get" in first.reason
    address, file, line = first  # the former (address, file, line) tuple shape
    assert (address, file, line) == ("module.api", "main.tf", 2)
    coverage = [c for c in convert(module, Options()).coverage if c.type == "module"]
    assert [(c.origin.address, c.blocking) for c in coverage] == [
        ("module.api", True),
        ("module.worker", True),
    ]
    assert all("terraform init -backend=false" in c.reason for c in coverage)


@pytest.mark.parametrize(
    ("entries", "missing"),
    [
        ({"other": ("x", ".terraform/modules/other")}, "not recorded"),
        ({"api": ("x", ".terraform/modules/gone")}, "missing"),
    ],
)
def test_a_stale_record_is_reported_with_the_fix(
    tmp_path: Path, entries: dict[str, tuple[str, str]], missing: str
) -> None:
    write(
        tmp_path, {"main.tf": 'module "api" {\n  source = "terraform-aws-modules/lambda/aws"\n}\n'}
    )
    installed(tmp_path, entries)
    module = load(tmp_path)
    assert len(module.remote_modules) == 1
    assert missing in module.remote_modules[0].reason
    assert "terraform init -backend=false" in module.remote_modules[0].reason


def test_a_recorded_dir_outside_the_repository_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, {"main.tf": '\nmodule "api" {\n  source = "terraform-aws-modules/lambda/aws"\n}\n'})
    write(tmp_path, {"elsewhere/main.tf": 'resource "aws_s3_bucket" "b" { bucket = "b" }\n'})
    installed(repo, {"api": ("registry.terraform.io/x/y/aws", "../elsewhere")})
    with pytest.raises(UserError) as caught:
        load(repo)
    assert caught.value.where == "main.tf:2"
    assert "outside the repository" in caught.value.message
    assert caught.value.hint and "terraform init -backend=false" in caught.value.hint


def test_a_local_module_outside_the_repository_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, {"main.tf": 'module "x" {\n  source = "../../outside"\n}\n'})
    write(tmp_path, {"outside/main.tf": ""})
    with pytest.raises(UserError) as caught:
        load(repo)
    assert caught.value.where == "main.tf:1"


def test_an_invalid_modules_json_is_a_user_error(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": "", ".terraform/modules/modules.json": '{"Modules": ['})
    with pytest.raises(UserError) as caught:
        load(tmp_path)
    assert caught.value.where == ".terraform/modules/modules.json:1"
    assert caught.value.hint and "terraform init" in caught.value.hint


LOCAL_MODULE = {
    "fn/main.tf": """
variable "name" {}
variable "handler" {}
locals {
  full_name = "app-${var.name}"
  code      = "${path.module}/src/${var.handler}"
}
resource "aws_lambda_function" "this" {
  function_name = local.full_name
  filename      = local.code
}
output "name" { value = local.full_name }
"""
}


def test_every_instance_of_a_module_has_its_own_variables_and_locals(tmp_path: Path) -> None:
    calls = "".join(
        f'module "{n}" {{\n  source = "./fn"\n  name = "{n}"\n  handler = "{n}.py"\n}}\n'
        for n in ("a", "b", "c", "d")
    )
    write(tmp_path, {"main.tf": calls, **LOCAL_MODULE})
    module = load(tmp_path)
    for name in ("a", "b", "c", "d"):
        values = resource(module, f"module.{name}.aws_lambda_function.this").values
        assert values.get("function_name") == f"app-{name}"
        assert values.get("filename") == f"fn/src/{name}.py"


def test_every_for_each_instance_has_its_own_locals(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """
module "fn" {
  source   = "./fn"
  for_each = { upload = "up.py", download = "down.py" }
  name     = each.key
  handler  = each.value
}
resource "aws_sqs_queue" "q" { name = module.fn["download"].name }
""",
            **LOCAL_MODULE,
        },
    )
    module = load(tmp_path)
    upload = resource(module, 'module.fn["upload"].aws_lambda_function.this').values
    download = resource(module, 'module.fn["download"].aws_lambda_function.this').values
    assert (upload.get("function_name"), upload.get("filename")) == ("app-upload", "fn/src/up.py")
    assert (download.get("function_name"), download.get("filename")) == (
        "app-download",
        "fn/src/down.py",
    )
    assert resource(module, "aws_sqs_queue.q").values.get("name") == "app-download"


def test_nested_module_count_follows_each_outer_instance(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": 'module "on" {\n  source = "./outer"\n}\n'
            'module "off" {\n  source = "./outer"\n  enabled = false\n}\n',
            "outer/main.tf": """
variable "enabled" { default = true }
module "inner" {
  source = "../inner"
  count  = var.enabled ? 1 : 0
}
""",
            "inner/main.tf": 'resource "aws_s3_bucket" "b" { bucket = "b" }\n',
        },
    )
    assert addresses(load(tmp_path)) == ["module.on.module.inner[0].aws_s3_bucket.b"]


def test_a_null_input_to_a_non_nullable_variable_takes_its_default(tmp_path: Path) -> None:
    # terraform-aws-modules/ecs passes `create = each.value.create` (an optional attribute,
    # null when unset) to its service module, whose `create` is `nullable = false`
    write(
        tmp_path,
        {
            "main.tf": 'module "svc" {\n  source = "./svc"\n  create = null\n  name = null\n}\n',
            "svc/main.tf": """
variable "create" {
  type     = bool
  default  = true
  nullable = false
}
variable "name" {
  type    = string
  default = "from-default"
}
resource "aws_sqs_queue" "q" {
  count = var.create ? 1 : 0
  name  = var.name
}
""",
        },
    )
    module = load(tmp_path)
    assert addresses(module) == ["module.svc.aws_sqs_queue.q[0]"]
    assert resource(module, "module.svc.aws_sqs_queue.q[0]").values.raw("name") is None


def test_path_cwd_keeps_the_root_directory_name(tmp_path: Path) -> None:
    # every terraform-aws-modules example names its resources "ex-${basename(path.cwd)}"
    write(
        tmp_path,
        {
            "examples/complete/main.tf": """
resource "aws_sqs_queue" "q" {
  name = "ex-${basename(path.cwd)}"
  tags = { fixtures = "${path.cwd}/../fixtures" }
}
""",
            "examples/fixtures/x.txt": "x",
        },
    )
    (tmp_path / ".git").mkdir()  # the repository holds the examples
    module = load(tmp_path / "examples" / "complete")
    queue = resource(module, "aws_sqs_queue.q").values
    assert queue.get("name") == "ex-complete"
    fixtures = (tmp_path / "examples" / "complete" / queue.get("tags")["fixtures"]).resolve()
    assert fixtures == (tmp_path / "examples" / "fixtures").resolve()
