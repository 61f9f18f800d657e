"""``count`` / ``for_each`` on resources and module calls: instances, addresses, zero instances."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform.expressions import Computed
from tests.terraform.trees import addresses, load, resource, write

MODULE = """
variable "name" {}
variable "create" { default = true }
locals { create = var.create }
resource "aws_lambda_function" "this" {
  count         = local.create ? 1 : 0
  function_name = var.name
}
output "arn" { value = try(aws_lambda_function.this[0].arn, "") }
"""


@pytest.mark.parametrize(
    ("meta", "var"),
    [
        ("count = 0", ""),
        ("count = var.enabled ? 1 : 0", "false"),
        ('count = "0"', ""),
        ("count = length(var.names)", ""),
        ("for_each = {}", ""),
        ("for_each = toset([])", ""),
        ('for_each = var.enabled ? toset(["x"]) : toset([])', "false"),
        ("for_each = { for n in var.names : n => n }", ""),
    ],
)
def test_zero_instances_produce_no_resources(tmp_path: Path, meta: str, var: str) -> None:
    write(
        tmp_path,
        {
            "main.tf": f"""
variable "enabled" {{ default = true }}
variable "names" {{ default = [] }}
resource "aws_sqs_queue" "q" {{
  {meta}
  name = "q"
}}
module "fn" {{
  source = "./fn"
  {meta}
  name   = "fn"
}}
resource "aws_s3_bucket" "b" {{
  bucket = "b"
  tags   = {{
    n   = length(aws_sqs_queue.q)
    arn = try(module.fn[0].arn, module.fn["x"].arn, "none")
  }}
}}
""",
            "fn/main.tf": MODULE,
        },
    )
    module = load(tmp_path, var_args=(f"enabled={var}",) if var else ())
    assert addresses(module) == ["aws_s3_bucket.b"]
    assert resource(module, "aws_s3_bucket.b").values.get("tags") == {"n": 0, "arn": "none"}


def test_count_zero_inside_a_module_instance_called_with_create_false(tmp_path: Path) -> None:
    # the "count = 0 instances still produce resources": the second call's
    # local.create used to be the first call's (locals shared between instances)
    write(
        tmp_path,
        {
            "main.tf": """
module "on" {
  source = "./fn"
  name   = "on"
}
module "off" {
  source = "./fn"
  name   = "off"
  create = false
}
""",
            "fn/main.tf": MODULE,
        },
    )
    module = load(tmp_path)
    assert addresses(module) == ["module.on.aws_lambda_function.this[0]"]


def test_instance_addresses_follow_terraform(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """
module "a" {
  source   = "./a"
  for_each = { k = 1, "we\\"ird" = 2 }
  n        = each.value
}
""",
            "a/main.tf": """
variable "n" {}
resource "aws_sqs_queue" "y" {
  count = var.n
  name  = "q-${count.index}"
}
module "b" { source = "../b" }
""",
            "b/main.tf": 'resource "aws_s3_bucket" "z" { bucket = "z" }\n',
        },
    )
    module = load(tmp_path)
    assert sorted(addresses(module)) == sorted(
        [
            'module.a["k"].aws_sqs_queue.y[0]',
            'module.a["k"].module.b.aws_s3_bucket.z',
            'module.a["we\\"ird"].aws_sqs_queue.y[0]',
            'module.a["we\\"ird"].aws_sqs_queue.y[1]',
            'module.a["we\\"ird"].module.b.aws_s3_bucket.z',
        ]
    )
    queue = resource(module, 'module.a["k"].aws_sqs_queue.y[0]')
    assert (queue.key, queue.module) == (0, 'module.a["k"]')
    assert (
        resource(module, 'module.a["k"].module.b.aws_s3_bucket.z').module
        == 'module.a["k"].module.b'
    )


def test_for_each_over_a_set_keys_instances_by_value(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """
resource "aws_sqs_queue" "q" {
  for_each = toset(["b", "a"])
  name     = "q-${each.key}-${each.value}"
}
resource "aws_s3_bucket" "b" {
  bucket = aws_sqs_queue.q["a"].name
  tags   = { arns = join(",", [for k, q in aws_sqs_queue.q : k]) }
  policy = aws_sqs_queue.q["b"].arn
}
"""
        },
    )
    module = load(tmp_path)
    assert resource(module, 'aws_sqs_queue.q["a"]').values.get("name") == "q-a-a"
    bucket = resource(module, "aws_s3_bucket.b").values
    assert bucket.get("bucket") == "q-a-a"
    assert bucket.get("tags") == {"arns": "a,b"}
    assert bucket.raw("policy") == Computed('aws_sqs_queue.q["b"]', "arn")


def test_unknown_count_is_one_instance_and_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """
resource "aws_s3_bucket" "src" { bucket = "src" }
resource "aws_sqs_queue" "q" {
  count = length(aws_s3_bucket.src.tags_all)
  name  = "q"
}
"""
        },
    )
    module = load(tmp_path)
    assert "aws_sqs_queue.q" in addresses(module)
    reasons = [u.reason for u in module.diagnostics.unresolved if u.attribute == "count"]
    assert reasons and "aws_s3_bucket.src.tags_all" in reasons[0]


@pytest.mark.parametrize(
    ("meta", "line"),
    [
        ("count = -1", 3),
        ('count = "two"', 3),
        ("count = 1.5", 3),
        ("for_each = null", 3),
        ('for_each = "x"', 3),
    ],
)
def test_invalid_count_or_for_each_is_a_user_error(tmp_path: Path, meta: str, line: int) -> None:
    write(tmp_path, {"main.tf": f'\nresource "aws_sqs_queue" "q" {{\n  {meta}\n}}\n'})
    with pytest.raises(UserError) as caught:
        load(tmp_path)
    assert caught.value.where == f"main.tf:{line}"
    assert caught.value.hint
