"""targets/resolve.py: every reference a function reads becomes its self-hosted value —
typed, through the one resolver — or a documented .env variable; never Terraform text."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudexit_ci.render import compose
from cloudexit_ci.stack import Stack
from tests.mappers.helpers import stack_of

HCL = """
provider "aws" { region = "eu-west-1" }
variable "db_password" {
  type      = string
  sensitive = true
  default   = "do-not-leak-1"
}
data "aws_region" "current" {}
data "aws_caller_identity" "me" {}
data "aws_partition" "p" {}
resource "aws_sqs_queue" "jobs" { name = "jobs" }
resource "aws_s3_bucket" "files" { bucket = "acme-files" }
resource "aws_dynamodb_table" "items" {
  name         = "items"
  hash_key     = "id"
  stream_enabled   = true
  stream_view_type = "NEW_IMAGE"
  attribute {
    name = "id"
    type = "S"
  }
}
resource "aws_db_instance" "db" {
  identifier = "main"
  engine     = "postgres"
  username   = "app_admin"
  password   = var.db_password
  db_name    = "shop"
}
resource "aws_elasticache_cluster" "c" {
  cluster_id = "sessions"
  engine     = "redis"
}
resource "aws_elasticache_replication_group" "rg" {
  replication_group_id = "cache"
  description          = "x"
}
resource "aws_secretsmanager_secret" "s" { name = "stripe" }
resource "aws_secretsmanager_secret_version" "s" {
  secret_id     = aws_secretsmanager_secret.s.id
  secret_string = "do-not-leak-2"
}
resource "aws_lambda_function" "fn" {
  function_name = "worker"
  runtime       = "python3.12"
  handler       = "h.handler"
  filename      = "code.zip"
  environment {
    variables = {
      QUEUE_URL   = aws_sqs_queue.jobs.url
      QUEUE_ID    = aws_sqs_queue.jobs.id
      QUEUE_ARN   = aws_sqs_queue.jobs.arn
      BUCKET_ARN  = aws_s3_bucket.files.arn
      BUCKET_HOST = aws_s3_bucket.files.bucket_regional_domain_name
      TABLE_ARN   = aws_dynamodb_table.items.arn
      STREAM_ARN  = aws_dynamodb_table.items.stream_arn
      DB_HOST     = aws_db_instance.db.address
      DB_URL      = "postgres://${aws_db_instance.db.username}@${aws_db_instance.db.endpoint}/${aws_db_instance.db.db_name}"
      DB_PASS     = aws_db_instance.db.password
      PGPASSWORD  = var.db_password
      NODE        = aws_elasticache_cluster.c.cache_nodes[0].address
      REDIS_URL   = "redis://${aws_elasticache_replication_group.rg.primary_endpoint_address}:6379"
      STRIPE      = aws_secretsmanager_secret_version.s.secret_string
      REGION      = data.aws_region.current.name
      ACCOUNT     = data.aws_caller_identity.me.account_id
      PARTITION   = data.aws_partition.p.partition
      OWN_ARN     = join(":", ["arn", data.aws_partition.p.partition, "sqs",
                    data.aws_region.current.name, data.aws_caller_identity.me.account_id, "jobs"])
      UNKNOWN     = aws_sqs_queue.jobs.kms_data_key_reuse_period_seconds
    }
  }
}
"""

EXPECTED = {
    "QUEUE_URL": "http://elasticmq:9324/000000000000/jobs",
    "QUEUE_ID": "http://elasticmq:9324/000000000000/jobs",
    "QUEUE_ARN": "arn:aws:sqs:eu-west-1:000000000000:jobs",
    "BUCKET_ARN": "arn:aws:s3:::acme-files",
    "BUCKET_HOST": "http://minio:9000/acme-files",
    "TABLE_ARN": "arn:aws:dynamodb:eu-west-1:000000000000:table/items",
    "STREAM_ARN": (
        "arn:aws:dynamodb:eu-west-1:000000000000:table/items/stream/1970-01-01T00:00:00.000"
    ),
    "DB_HOST": "main",
    "DB_URL": "postgres://app_admin@main:5432/shop",
    "DB_PASS": "${DB_PASSWORD}",
    "PGPASSWORD": "${DB_PASSWORD}",
    "NODE": "sessions",
    "REDIS_URL": "redis://cache:6379",
    "STRIPE": "${SECRET_STRIPE}",
    "REGION": "eu-west-1",
    "ACCOUNT": "000000000000",
    "PARTITION": "aws",
    "OWN_ARN": "arn:aws:sqs:eu-west-1:000000000000:jobs",
    "AWS_REGION": "eu-west-1",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    return stack_of(tmp_path_factory.mktemp("resolve"), HCL)


def _env(stack: Stack, service: str) -> dict[str, str]:
    written: dict[str, str] = compose.compose_document(stack)["services"][service]["environment"]
    return written


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_reference_becomes_the_self_hosted_value(stack: Stack, name: str, expected: str) -> None:
    assert _env(stack, "worker")[name] == expected


def test_the_database_and_its_readers_share_one_password_and_user(stack: Stack) -> None:
    db = _env(stack, "main")
    assert db["POSTGRES_PASSWORD"] == "${DB_PASSWORD}" and db["POSTGRES_USER"] == "app_admin"
    assert db["POSTGRES_DB"] == "shop"
    assert stack.env_vars["DB_PASSWORD"].secret
    assert "MAIN_PASSWORD" not in stack.env_vars


def test_what_nothing_exports_is_a_documented_env_variable(stack: Stack) -> None:
    """One .env variable per unresolved reference, named after what it references."""
    var_name = "SQS_QUEUE_JOBS_KMS_DATA_KEY_REUSE_PERIOD_SECONDS"
    assert _env(stack, "worker")["UNKNOWN"] == "${" + var_name + "}"
    var = stack.env_vars[var_name]
    assert "aws_sqs_queue.jobs.kms_data_key_reuse_period_seconds" in var.description
    assert var.origin is not None and var.origin.address == "aws_lambda_function.fn"
    notes = [m for o, m in stack.resource_notes if o.address == "aws_lambda_function.fn"]
    assert any(var_name in m for m in notes)


def test_two_readers_of_one_unresolved_reference_share_one_variable(tmp_path: Path) -> None:
    two = HCL.replace(
        'resource "aws_lambda_function" "fn" {', 'resource "aws_lambda_function" "fn" {'
    )
    two += """
resource "aws_lambda_function" "other" {
  function_name = "other"
  runtime       = "python3.12"
  handler       = "h.handler"
  filename      = "code.zip"
  environment {
    variables = { LEDGER = aws_sqs_queue.jobs.kms_data_key_reuse_period_seconds }
  }
}
"""
    stack = stack_of(tmp_path, two)
    assert _env(stack, "other")["LEDGER"] == _env(stack, "worker")["UNKNOWN"]


def test_no_terraform_text_and_no_secret_value_in_the_output(stack: Stack, tmp_path: Path) -> None:
    text = repr(compose.compose_document(stack)) + repr(stack.env_vars)
    assert "${aws_" not in text and "${data." not in text and "${var." not in text
    assert "do-not-leak" not in text
