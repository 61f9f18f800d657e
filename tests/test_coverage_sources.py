"""Honest statuses: a resource reported ``mapped`` or ``partial`` is a source of at least
one generated file other than the README (the manifest names every contributor), on every
fixture and example, in every mode. A resource that generated nothing is not "mapped"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cloudexit_ci import manifest
from cloudexit_ci.manifest import MANIFEST_PATH as MANIFEST
from cloudexit_ci.options import Options
from cloudexit_ci.pipeline import Result, Source, generate
from tests.servers import REPO

TREES = sorted(
    [
        *(REPO / "tests" / "fixtures" / "terraform" / "mappers").iterdir(),
        *(p / "terraform" for p in (REPO / "examples").iterdir() if (p / "terraform").is_dir()),
        REPO / "tests" / "e2e" / "fixtures" / "websocket",  # WebSocket APIs (issue 17)
        REPO / "tests" / "docker" / "fixtures" / "websocket" / "terraform",
        REPO / "tests" / "e2e" / "fixtures" / "authz",  # API Gateway protections (issue 13)
        REPO / "tests" / "e2e" / "fixtures" / "urls",  # function URLs (issue 14)
        REPO / "tests" / "docker" / "fixtures" / "authz-edge" / "terraform",
        REPO / "tests" / "docker" / "fixtures" / "s3-events" / "terraform",  # notifications
        REPO / "tests" / "docker" / "fixtures" / "function-urls" / "terraform",
        REPO / "tests" / "docker" / "fixtures" / "eventbridge" / "terraform",  # buses, rules
        REPO / "tests" / "docker" / "fixtures" / "dynamodb-streams" / "terraform",  # streams
    ]
)
MODES = [
    Options(),
    Options(serverless_mode="consolidated", object_store="seaweedfs", dynamodb_mode="cql"),
]


def unsourced(result: Result) -> list[str]:
    """``mapped``/``partial`` resources that no generated file (README aside) names
    (the same check as the real-Terraform benchmark's: ``manifest.unsourced``)."""
    claims = ((c.origin.address, c.status, c.reason) for c in result.stack.coverage)
    return manifest.unsourced(manifest.parse(result.tree[MANIFEST]), claims)


@pytest.mark.parametrize("mode", MODES, ids=["default", "consolidated-seaweedfs-cql"])
@pytest.mark.parametrize("tree", TREES, ids=[str(p.relative_to(REPO)) for p in TREES])
def test_every_mapped_resource_is_a_source(tree: Path, mode: Options, tmp_path: Path) -> None:
    result = generate(Source(tree), replace(mode, output_dir=str(tmp_path)))
    assert unsourced(result) == []


def test_a_resource_that_generates_nothing_is_caught(tmp_path: Path) -> None:
    """The check itself: a REST method whose integration reaches no function is unmapped,
    and a parameter group that no database uses is not-needed — neither claims 'mapped'."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(
        """
resource "aws_api_gateway_rest_api" "api" { name = "api" }
resource "aws_api_gateway_resource" "r" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "orders"
}
resource "aws_api_gateway_method" "get" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.r.id
  http_method   = "GET"
  authorization = "NONE"
}
resource "aws_api_gateway_integration" "get" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.r.id
  http_method = "GET"
  type        = "AWS_PROXY"
  uri         = "arn:aws:apigateway:us-east-1:lambda:path/functions/elsewhere/invocations"
}
resource "aws_db_parameter_group" "unused" {
  name   = "unused"
  family = "postgres16"
  parameter {
    name  = "work_mem"
    value = "8192"
  }
}
""",
        encoding="utf-8",
    )
    result = generate(Source(tmp_path), Options(output_dir=str(tmp_path / "out")))
    status = {c.origin.address: c.status for c in result.stack.coverage}
    assert status["aws_api_gateway_method.get"] == "unmapped"
    assert status["aws_api_gateway_integration.get"] == "unmapped"
    assert status["aws_api_gateway_resource.r"] == "not-needed"
    assert status["aws_db_parameter_group.unused"] == "not-needed"
    assert unsourced(result) == []


def test_keys_plans_and_responses_nothing_uses_are_not_needed(tmp_path: Path) -> None:
    """API keys and usage plans when no method requires a key, and the method/integration
    responses of a Lambda proxy integration, shape nothing self-hosted."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(
        """
resource "aws_lambda_function" "fn" {
  function_name = "orders"
  runtime       = "python3.12"
  handler       = "h.handler"
  filename      = "code.zip"
}
resource "aws_api_gateway_rest_api" "api" { name = "api" }
resource "aws_api_gateway_resource" "r" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "orders"
}
resource "aws_api_gateway_method" "get" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.r.id
  http_method   = "GET"
  authorization = "NONE"
}
resource "aws_api_gateway_integration" "get" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.r.id
  http_method             = "GET"
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.fn.invoke_arn
}
resource "aws_api_gateway_method_response" "ok" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.r.id
  http_method = "GET"
  status_code = "200"
}
resource "aws_api_gateway_api_key" "k" { name = "partner" }
resource "aws_api_gateway_usage_plan" "p" { name = "basic" }
resource "aws_api_gateway_usage_plan_key" "pk" {
  key_id        = aws_api_gateway_api_key.k.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.p.id
}
""",
        encoding="utf-8",
    )
    result = generate(Source(tmp_path), Options(output_dir=str(tmp_path / "out")))
    status = {c.origin.address: c.status for c in result.stack.coverage}
    assert status["aws_api_gateway_method.get"] == "mapped"
    for idle in ("aws_api_gateway_method_response.ok", "aws_api_gateway_api_key.k",
                 "aws_api_gateway_usage_plan.p", "aws_api_gateway_usage_plan_key.pk"):  # fmt: skip
        assert status[idle] == "not-needed", idle
    assert not [v for v in result.stack.env_vars if v.startswith("APIGW_KEY")]
    assert unsourced(result) == []
