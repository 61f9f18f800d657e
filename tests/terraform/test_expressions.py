"""Expression evaluation: typed values (Computed paths, Interpolation, Sensitive), never text."""

from __future__ import annotations

from typing import Any

import pytest

from cloudexit_ci.terraform.expressions import (
    Computed,
    Evaluator,
    Interpolation,
    Sensitive,
    Unknown,
    first_unknown,
    is_known,
    to_string,
)
from cloudexit_ci.terraform.functions import PURE
from cloudexit_ci.terraform.parse import parse_expression

CLUSTER = Computed("aws_elasticache_cluster.c", "cache_nodes")
GROUP = Computed("aws_elasticache_replication_group.cache", "primary_endpoint_address")
SECRET = Sensitive("db_password")


class _Resource:
    """Stands for a resource instance: every attribute is computed."""

    def __init__(self, address: str) -> None:
        self.address = address

    def get_attr(self, name: str) -> Any:
        return Computed(self.address, name)


SCOPE: dict[str, Any] = {
    "cluster": {"c": _Resource("aws_elasticache_cluster.c")},
    "group": _Resource("aws_elasticache_replication_group.cache"),
    "secret": SECRET,
    "local": {
        "port": 6379,
        "name": "app",
        "list": ["a", "b"],
        "none": None,
        "map": {"b": 2, "a": 1},
    },
}


def _eval(text: str) -> Any:
    return Evaluator(SCOPE, PURE).eval(parse_expression(text, "t.tf", 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cluster.c.cache_nodes", CLUSTER),
        (
            "cluster.c.cache_nodes[0].address",
            Computed(CLUSTER.address, "cache_nodes", (0, "address")),
        ),
        ('cluster.c.cache_nodes[0]["port"]', Computed(CLUSTER.address, "cache_nodes", (0, "port"))),
        ('cluster.c.tags["my key"]', Computed(CLUSTER.address, "tags", ("my key",))),
        (
            "cluster.c.cache_nodes[local.port - 6379].port",
            Computed(CLUSTER.address, "cache_nodes", (0, "port")),
        ),
    ],
)
def test_reading_inside_a_computed_value_extends_its_path(text: str, expected: Computed) -> None:
    assert _eval(text) == expected


@pytest.mark.parametrize(
    ("value", "attribute", "reference"),
    [
        (CLUSTER, "cache_nodes", "aws_elasticache_cluster.c.cache_nodes"),
        (
            Computed("aws_elasticache_cluster.c", "cache_nodes", (0, "address")),
            "cache_nodes[0].address",
            "aws_elasticache_cluster.c.cache_nodes[0].address",
        ),
        (Computed("aws_x.y", "tags", ("my key",)), 'tags["my key"]', 'aws_x.y.tags["my key"]'),
    ],
)
def test_computed_attribute_text(value: Computed, attribute: str, reference: str) -> None:
    assert value.attribute == attribute
    assert value.reference == reference


def test_computed_positional_construction_and_equality_are_kept() -> None:
    assert Computed("aws_x.y", "arn") == Computed("aws_x.y", "arn", ())
    assert Computed("aws_x.y", "arn").path == ()
    assert Computed("aws_x.y", "arn") != Computed("aws_x.y", "arn", ("z",))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a template mixing text and a reference: typed parts, no Terraform text
        (
            '"redis://${group.primary_endpoint_address}:6379"',
            Interpolation(("redis://", GROUP, ":6379")),
        ),
        (
            '"redis://${group.primary_endpoint_address}:${local.port}"',
            Interpolation(("redis://", GROUP, ":6379")),
        ),
        ('"${local.name}-${secret}"', Interpolation(("app-", SECRET))),
        ('"${group.primary_endpoint_address}${secret}"', Interpolation((GROUP, SECRET))),
        # exactly one interpolation keeps the inner value's type
        ('"${group.primary_endpoint_address}"', GROUP),
        ('"${local.port}"', 6379),
        ('"${secret}"', SECRET),
        # adjacent literal parts merge; nested templates flatten
        ('"a${"b"}c${group.primary_endpoint_address}"', Interpolation(("abc", GROUP))),
        ('"<${"x${group.primary_endpoint_address}y"}>"', Interpolation(("<x", GROUP, "y>"))),
        # plain templates stay strings
        ('"${local.name}:${local.port}:${true}"', "app:6379:true"),
        ('"${1.5}"', 1.5),
        ('"v${1.5}"', "v1.5"),
    ],
)
def test_templates(text: str, expected: Any) -> None:
    assert _eval(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        '"x${timestamp()}"',  # a function not evaluated
        '"x${local.none}"',  # null in a template is a Terraform error
        '"x${local.list}"',  # so is a list
        '"${group.primary_endpoint_address}${timestamp()}"',
    ],
)
def test_a_template_with_an_unknown_part_is_unknown(text: str) -> None:
    value = _eval(text)
    assert isinstance(value, Unknown)
    assert "${" not in value.reason


@pytest.mark.parametrize(
    ("text", "depends"),
    [
        ('group.primary_endpoint_address == ""', "aws_elasticache_replication_group.cache"),
        ("local.port + cluster.c.port", "aws_elasticache_cluster.c.port"),
        ('group.primary_endpoint_address != "" ? 1 : 2', "aws_elasticache_replication_group"),
        ("!secret", "sensitive variable db_password"),
        ("-cluster.c.port", "aws_elasticache_cluster.c.port"),
        ("[for x in cluster.c.cache_nodes : x]", "aws_elasticache_cluster.c.cache_nodes"),
        ("cluster.c.cache_nodes[*].address", "aws_elasticache_cluster.c.cache_nodes"),
        ("{ (group.primary_endpoint_address) = 1 }", "aws_elasticache_replication_group"),
        ('"${secret}x" == "ax"', "sensitive variable db_password"),
    ],
)
def test_operators_and_conditions_on_values_known_after_apply_are_unknown(
    text: str, depends: str
) -> None:
    value = _eval(text)
    assert isinstance(value, Unknown), value
    assert depends in value.reason


def test_a_condition_known_here_picks_a_branch_that_may_be_computed() -> None:
    assert _eval("local.port > 0 ? group.primary_endpoint_address : null") == GROUP


def test_for_expressions_visit_maps_in_key_order() -> None:
    assert _eval("[for k, v in local.map : k]") == ["a", "b"]
    assert _eval("{for k, v in local.map : v => k}") == {"1": "a", "2": "b"}


@pytest.mark.parametrize(
    "value", [CLUSTER, SECRET, Interpolation(("a", SECRET)), Unknown("x", "y")]
)
def test_to_string_refuses_values_that_are_not_plain(value: Any) -> None:
    with pytest.raises(TypeError):
        to_string(value)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ({"a": [1, {"b": SECRET}]}, SECRET),
        ([Interpolation(("a", GROUP))], Interpolation(("a", GROUP))),
        ({"a": GROUP, "b": Unknown("x", "y")}, GROUP),
        ({"a": [1, "b", None, True]}, None),
    ],
)
def test_first_unknown_and_is_known_see_every_value_that_is_not_plain(
    value: Any, found: Any
) -> None:
    assert first_unknown(value) == found
    assert is_known(value) is (found is None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an attribute known after apply exists then: it is not null (lambda's
        # `var.dead_letter_target_arn == null ? [] : [true]` with an SQS queue ARN)
        ("group.primary_endpoint_address == null", False),
        ("null != group.primary_endpoint_address", True),
        ('"x${group.primary_endpoint_address}" != null', True),
    ],
)
def test_a_value_known_after_apply_is_not_null(text: str, expected: bool) -> None:
    assert _eval(text) is expected


def test_a_sensitive_value_compared_with_null_stays_unknown() -> None:
    assert isinstance(_eval("secret == null"), Unknown)
