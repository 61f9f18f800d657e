"""The real-Terraform benchmark's own logic: version constraints as ``terraform init`` reads
them, and what it counts in a generated stack (Terraform text, unresolved references)."""

from __future__ import annotations

import pytest

from bench.terraform_findings import (
    attribute_of,
    no_value_variables,
    terraform_text,
    unresolved_env,
)
from bench.terraform_versions import newest

TAGS = ["v1.0.0", "v1.2.0", "v1.2.5", "v1.3.0", "v2.0.0", "v2.1.0-beta", "v2.1.0", "v3.5.0"]


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("", "v3.5.0"),
        ("~> 1.2", "v1.3.0"),
        ("~> 1.2.0", "v1.2.5"),
        ("~> 1", "v1.3.0"),
        (">= 2.0, < 3.0", "v2.1.0"),
        ("2.1.0-beta", "v2.1.0-beta"),
        ("= 1.2.5", "v1.2.5"),
        ("!= 3.5.0", "v2.1.0"),
        ("~> 4.0", None),
    ],
)
def test_newest_release_meeting_a_constraint(constraint: str, expected: str | None) -> None:
    assert newest(TAGS, constraint) == expected


def test_terraform_text_is_found_with_its_service_and_key() -> None:
    compose = {
        "services": {
            "fn": {
                "environment": {
                    "CACHE": "redis://$${aws_elasticache_cluster.c.cache_nodes[0].address}:6379",
                    "PLAIN": "redis://cache:6379",
                    "SHELL": "$${HOME}",
                    "IF": "%{ if var.x }a%{ endif }",
                },
                "labels": ["x=${var.y}"],
            }
        }
    }
    assert [(h["service"], h["key"]) for h in terraform_text(compose)] == [
        ("fn", "environment.CACHE"),
        ("fn", "environment.IF"),
        ("fn", "labels[0]"),
    ]


def test_references_without_a_self_hosted_value_are_counted_by_attribute() -> None:
    example = (
        "# header\n\n"
        "# module.q.aws_sqs_queue.this[0].arn: no self-hosted value; set what it should be"
        " here\nF_QUEUE=\n\n"
        "# the database password\nDB_PASSWORD=\n"
    )
    variables = no_value_variables(example)
    assert variables == {"F_QUEUE": "module.q.aws_sqs_queue.this[0].arn"}
    assert attribute_of(variables["F_QUEUE"]) == "aws_sqs_queue.arn"
    assert attribute_of("aws_elasticache_cluster.c.cache_nodes[0].address") == (
        "aws_elasticache_cluster.cache_nodes[n].address"
    )
    compose = {"services": {"f": {"environment": ["QUEUE=${F_QUEUE}", "DB=${DB_PASSWORD}"]}}}
    assert unresolved_env(compose, example)["compose_values"] == 1
