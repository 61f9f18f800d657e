"""``dynamic`` blocks expand to nested blocks, as Terraform does (shapes of real public modules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform.expressions import Computed
from tests.terraform.trees import load, resource, write

LAMBDA = """
variable "environment_variables" {
  type    = map(string)
  default = {}
}
resource "aws_lambda_function" "this" {
  function_name = "fn"
  dynamic "environment" {
    for_each = length(keys(var.environment_variables)) == 0 ? [] : [true]
    content {
      variables = var.environment_variables
    }
  }
}
resource "aws_sqs_queue" "reads" {
  name = "q"
  tags = { env = aws_lambda_function.this.environment[0].variables.STAGE }
}
"""


def test_lambda_module_environment_block(tmp_path: Path) -> None:
    module = load(
        write(tmp_path, {"main.tf": LAMBDA}),
        var_args=('environment_variables={STAGE = "prod", A = "1"}',),
    )
    values = resource(module, "aws_lambda_function.this").values
    assert values.has("environment")
    block = values.block("environment")
    assert block is not None
    assert block.get("variables") == {"STAGE": "prod", "A": "1"}
    assert values.to_dict()["environment"] == [{"variables": {"STAGE": "prod", "A": "1"}}]
    # another resource reading the expanded block through a reference
    assert resource(module, "aws_sqs_queue.reads").values.get("tags") == {"env": "prod"}


def test_lambda_module_environment_block_absent_without_variables(tmp_path: Path) -> None:
    module = load(write(tmp_path, {"main.tf": LAMBDA}))
    values = resource(module, "aws_lambda_function.this").values
    assert not values.has("environment")
    assert values.blocks("environment") == []
    assert values.to_dict()["environment"] == []


DYNAMODB = """
variable "attributes" {
  default = [
    { name = "pk", type = "S" },
    { name = "sk", type = "S" },
    { name = "gsi1pk", type = "N" },
  ]
}
variable "global_secondary_indexes" {
  default = [
    { name = "by-gsi1", hash_key = "gsi1pk", range_key = "sk", projection_type = "ALL" },
    {
      name                 = "by-pk"
      hash_key             = "pk"
      projection_type      = "KEYS_ONLY"
      on_demand_throughput = { max_read_request_units = 5 }
    },
  ]
}
resource "aws_dynamodb_table" "this" {
  name     = "items"
  hash_key = "pk"
  dynamic "attribute" {
    for_each = var.attributes
    content {
      name = attribute.value.name
      type = attribute.value.type
    }
  }
  dynamic "global_secondary_index" {
    for_each = var.global_secondary_indexes
    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hash_key
      projection_type = global_secondary_index.value.projection_type
      range_key       = lookup(global_secondary_index.value, "range_key", null)
      dynamic "on_demand_throughput" {
        for_each = try([global_secondary_index.value.on_demand_throughput], [])
        content {
          max_read_request_units = on_demand_throughput.value.max_read_request_units
        }
      }
    }
  }
}
"""


def test_dynamodb_table_module_attributes_and_indexes(tmp_path: Path) -> None:
    values = resource(
        load(write(tmp_path, {"main.tf": DYNAMODB})), "aws_dynamodb_table.this"
    ).values
    attributes = [(a.get("name"), a.get("type")) for a in values.blocks("attribute")]
    assert attributes == [("pk", "S"), ("sk", "S"), ("gsi1pk", "N")]
    indexes = values.blocks("global_secondary_index")
    assert [(i.get("name"), i.get("hash_key"), i.get("range_key")) for i in indexes] == [
        ("by-gsi1", "gsi1pk", "sk"),
        ("by-pk", "pk", None),
    ]
    # a dynamic block nested in a content block
    assert indexes[0].blocks("on_demand_throughput") == []
    assert [t.get("max_read_request_units") for t in indexes[1].blocks("on_demand_throughput")] == [
        5
    ]
    assert values.to_dict()["global_secondary_index"][1]["on_demand_throughput"] == [
        {"max_read_request_units": 5}
    ]
    assert indexes[1].prefix == "global_secondary_index."


PARAMETER_GROUPS = """
variable "parameters" {
  default = [
    { name = "max_connections", value = 200, apply_method = "pending-reboot" },
    { name = "log_min_duration_statement", value = "250" },
  ]
}
variable "cache_parameters" {
  default = [{ name = "maxmemory-policy", value = "allkeys-lru" }]
}
resource "aws_db_parameter_group" "this" {
  name   = "pg"
  family = "postgres16"
  dynamic "parameter" {
    for_each = var.parameters != null ? var.parameters : []
    content {
      name         = parameter.value.name
      value        = parameter.value.value
      apply_method = lookup(parameter.value, "apply_method", null)
    }
  }
}
resource "aws_elasticache_parameter_group" "this" {
  name   = "cache"
  family = "redis7"
  dynamic "parameter" {
    for_each = var.cache_parameters
    content {
      name  = parameter.value.name
      value = tostring(parameter.value.value)
    }
  }
}
"""


def test_rds_and_elasticache_parameter_groups(tmp_path: Path) -> None:
    module = load(write(tmp_path, {"main.tf": PARAMETER_GROUPS}))
    rds = resource(module, "aws_db_parameter_group.this").values.blocks("parameter")
    assert [(p.get("name"), p.get("value"), p.get("apply_method")) for p in rds] == [
        ("max_connections", 200, "pending-reboot"),
        ("log_min_duration_statement", "250", None),
    ]
    cache = resource(module, "aws_elasticache_parameter_group.this").values.blocks("parameter")
    assert [(p.get("name"), p.get("value")) for p in cache] == [("maxmemory-policy", "allkeys-lru")]


@pytest.mark.parametrize(
    ("for_each", "expected"),
    [
        ('["a", "b"]', [(0, "a"), (1, "b")]),  # a list: key is the index
        ('toset(["b", "a", "b"])', [(0, "a"), (1, "b")]),  # a set
        ('{ y = "2", x = "1" }', [("x", "1"), ("y", "2")]),  # a map, in key order
        ("{ x = { n = 1 } }", [("x", {"n": 1})]),  # an object of objects
        ("[]", []),
        ("{}", []),
    ],
)
def test_for_each_shapes_and_the_iterator(
    tmp_path: Path, for_each: str, expected: list[Any]
) -> None:
    write(
        tmp_path,
        {
            "main.tf": f"""
resource "aws_s3_bucket" "b" {{
  bucket = "b"
  dynamic "rule" {{
    for_each = {for_each}
    iterator = it
    content {{
      key   = it.key
      value = it.value
    }}
  }}
}}
"""
        },
    )
    rules = resource(load(tmp_path), "aws_s3_bucket.b").values.blocks("rule")
    assert [(r.get("key"), r.get("value")) for r in rules] == expected


def test_iterator_defaults_to_the_block_name_and_labels_are_evaluated(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """
resource "aws_s3_bucket" "b" {
  bucket = "b"
  dynamic "origin" {
    for_each = { api = "a.example.com", web = "w.example.com" }
    labels   = [origin.key]
    content {
      domain = origin.value
    }
  }
}
"""
        },
    )
    origins = resource(load(tmp_path), "aws_s3_bucket.b").values.blocks("origin")
    assert [(o.labels, o.get("domain")) for o in origins] == [
        (("api",), "a.example.com"),
        (("web",), "w.example.com"),
    ]


def test_static_and_dynamic_blocks_keep_their_written_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """
resource "aws_security_group" "g" {
  ingress { from_port = 1 }
  dynamic "ingress" {
    for_each = [2, 3]
    content { from_port = ingress.value }
  }
  ingress { from_port = 4 }
  egress { from_port = 0 }
}
"""
        },
    )
    values = resource(load(tmp_path), "aws_security_group.g").values
    assert [b.get("from_port") for b in values.blocks("ingress")] == [1, 2, 3, 4]
    assert values.to_dict() == {
        "ingress": [{"from_port": 1}, {"from_port": 2}, {"from_port": 3}, {"from_port": 4}],
        "egress": [{"from_port": 0}],
    }
    assert values.line_of("ingress") == 3


def test_unknown_for_each_gives_no_block_and_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """
resource "aws_sqs_queue" "q" { name = "q" }
resource "aws_s3_bucket" "b" {
  bucket = "b"
  dynamic "tag" {
    for_each = aws_sqs_queue.q.tags_all
    content { key = tag.key }
  }
  dynamic "later" {
    for_each = timestamp()
    content { key = later.key }
  }
}
"""
        },
    )
    module = load(tmp_path)
    values = resource(module, "aws_s3_bucket.b").values
    assert values.blocks("tag") == [] and values.blocks("later") == []
    assert not values.has("tag")
    found = {(u.attribute, u.line): u for u in module.diagnostics.unresolved}
    assert "aws_sqs_queue.q.tags_all" in found[("dynamic.tag.for_each", 6)].reason
    assert "timestamp" in found[("dynamic.later.for_each", 10)].text


def test_a_reference_to_a_resource_sees_its_expanded_blocks(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": """
resource "aws_dynamodb_table" "t" {
  name = "t"
  dynamic "attribute" {
    for_each = ["pk", "sk"]
    content { name = attribute.value }
  }
}
resource "aws_sqs_queue" "q" {
  name = join("-", aws_dynamodb_table.t.attribute[*].name)
  tags = { arn = aws_dynamodb_table.t.arn }
}
"""
        },
    )
    values = resource(load(tmp_path), "aws_sqs_queue.q").values
    assert values.get("name") == "pk-sk"
    assert values.get("tags") is None
    assert values.raw("tags") == {"arn": Computed("aws_dynamodb_table.t", "arn")}


def test_a_dynamic_block_without_content_is_a_user_error(tmp_path: Path) -> None:
    text = 'resource "aws_s3_bucket" "b" {\n  dynamic "x" {\n    for_each = [1]\n  }\n}\n'
    write(tmp_path, {"main.tf": text})
    values = resource(load(tmp_path), "aws_s3_bucket.b").values
    with pytest.raises(UserError) as caught:
        values.blocks("x")
    assert caught.value.where == "main.tf:2"
    assert caught.value.hint and "content" in caught.value.hint
