"""Variable values converted to their declared type (optional() attributes of modules' objects)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudexit_ci.terraform.expressions import Computed
from cloudexit_ci.terraform.parse import parse_expression
from cloudexit_ci.terraform.typeconv import convert
from tests.terraform.trees import load, resource, write

ROUTES = (  # the shape of terraform-aws-modules/apigateway-v2's routes variable
    "map(object({"
    " integration = object({ uri = string, timeout = optional(number, 30000) }),"
    ' authorization_type = optional(string, "NONE"),'
    " scopes = optional(list(string))"
    " }))"
)


@pytest.mark.parametrize(
    ("type_text", "value", "expected"),
    [
        ("string", 5, "5"),
        ("string", True, "true"),
        ("number", "2", 2),
        ("number", "2.5", 2.5),
        ("number", "many", "many"),  # does not fit: left for Terraform to reject
        ("bool", "false", False),
        ("any", "2", "2"),
        ("list(number)", ["1", 2], [1, 2]),
        ("set(string)", ["b", "a", "b"], ["a", "b"]),
        ("map(bool)", {"x": "true"}, {"x": True}),
        ("tuple([string, number])", [1, "2"], ["1", 2]),
        ("object({ a = string, b = optional(number) })", {"a": 1}, {"a": "1", "b": None}),
        ('object({ a = optional(string, "d") })', {"a": None}, {"a": "d"}),
        ("object({ a = string })", {"a": "x", "extra": 1}, {"a": "x"}),  # undeclared: dropped
        (
            ROUTES,
            {"GET /": {"integration": {"uri": "arn"}}},
            {
                "GET /": {
                    "integration": {"uri": "arn", "timeout": 30000},
                    "authorization_type": "NONE",
                    "scopes": None,
                }
            },
        ),
        ("string", None, None),
        ("string", Computed("aws_x.y", "arn"), Computed("aws_x.y", "arn")),
    ],
)
def test_convert(type_text: str, value: Any, expected: Any) -> None:
    assert convert(value, parse_expression(type_text, "t.tf", 1)) == expected


def test_module_inputs_get_their_optional_attributes(tmp_path: Path) -> None:
    # the shape of terraform-aws-modules/rds' db_parameter_group module
    write(
        tmp_path,
        {
            "main.tf": """
module "pg" {
  source     = "./pg"
  parameters = [{ name = "max_connections", value = 200 }]
  count_text = "2"
}
""",
            "pg/main.tf": """
variable "parameters" {
  type = list(object({
    name         = string
    value        = string
    apply_method = optional(string)
  }))
  default = null
}
variable "count_text" { type = number }
resource "aws_db_parameter_group" "this" {
  count = var.count_text
  dynamic "parameter" {
    for_each = var.parameters != null ? var.parameters : []
    content {
      name         = parameter.value.name
      value        = parameter.value.value
      apply_method = parameter.value.apply_method
    }
  }
}
""",
        },
    )
    module = load(tmp_path)
    group = resource(module, "module.pg.aws_db_parameter_group.this[1]").values
    assert [p.to_dict() for p in group.blocks("parameter")] == [
        {"name": "max_connections", "value": "200", "apply_method": None}
    ]
    assert module.diagnostics.unresolved == []
