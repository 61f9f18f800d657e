"""DynamoDB stream event source mappings → stream poller services (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudexit_ci.mappers.streams import KINESIS_REASON, valid_pattern
from tests.mappers.helpers import stack_of, status, view

HCL = """
resource "aws_dynamodb_table" "orders" {
  name             = "orders"
  hash_key         = "pk"
  billing_mode     = "PAY_PER_REQUEST"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"
  attribute {
    name = "pk"
    type = "S"
  }
}
resource "aws_dynamodb_table" "plain" {
  name     = "plain"
  hash_key = "pk"
  attribute {
    name = "pk"
    type = "S"
  }
}
resource "aws_sqs_queue" "failed" {
  name = "stream-failures"
}
resource "aws_lambda_function" "on_order" {
  function_name = "on-order"
  runtime       = "python3.12"
  handler       = "h.handler"
  filename      = "w.zip"
  timeout       = 20
}
resource "aws_lambda_event_source_mapping" "orders" {
  event_source_arn                   = aws_dynamodb_table.orders.stream_arn
  function_name                      = aws_lambda_function.on_order.arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = 25
  maximum_batching_window_in_seconds = 2
  bisect_batch_on_function_error     = true
  maximum_retry_attempts             = 3
  maximum_record_age_in_seconds      = 3600
  function_response_types            = ["ReportBatchItemFailures"]
  filter_criteria {
    filter {
      pattern = jsonencode({
        eventName = ["INSERT"], dynamodb = { NewImage = { status = { S = ["new"] } } }
      })
    }
    filter {
      pattern = "{\\"eventName\\": [\\"REMOVE\\"]}"
    }
  }
  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.failed.arn
    }
  }
}
resource "aws_lambda_event_source_mapping" "kinesis" {
  event_source_arn  = "arn:aws:kinesis:us-east-1:1:stream/x"
  function_name     = aws_lambda_function.on_order.arn
  starting_position = "LATEST"
}
"""


def test_stream_mapping_becomes_a_poller(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    assert status(stack, "aws_lambda_event_source_mapping.orders") == "mapped"
    service = stack.services["stream-on-order"]
    env = dict(service.environment)
    assert env["TABLE_NAME"] == "orders"
    assert str(env["STREAM_ARN"]).startswith("arn:aws:dynamodb:")
    assert str(env["STREAM_ARN"]).endswith(":table/orders/stream/1970-01-01T00:00:00.000")
    assert env["STARTING_POSITION"] == "TRIM_HORIZON" and env["BATCH_SIZE"] == "25"
    assert env["BATCHING_WINDOW_SECONDS"] == "2" and env["MAX_RETRY_ATTEMPTS"] == "3"
    assert env["MAX_RECORD_AGE_SECONDS"] == "3600"
    assert env["BISECT_BATCH_ON_FUNCTION_ERROR"] == "true"
    assert env["REPORT_BATCH_ITEM_FAILURES"] == "true"
    assert str(env["ON_FAILURE_QUEUE_URL"]).endswith("/stream-failures")
    filters = [json.loads(p) for p in json.loads(str(env["FILTERS"]))]
    assert filters == [
        {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": ["new"]}}}},
        {"eventName": ["REMOVE"]},
    ]
    assert service.volumes == (("stream-on-order-checkpoints", "/var/lib/cloudexit/streams"),)
    assert "stream-on-order-checkpoints" in stack.volumes
    assert service.stop_grace_s == 30  # the 20 s function's batch in flight finishes
    assert {"stream-pollers/Dockerfile", "stream-pollers/stream_poller.py"} <= set(
        stack.extra_files
    )
    compose = view(stack, ("stream-on-order",))["services"]["stream-on-order"]
    assert compose["environment"]["INVOKE_URL"].endswith("/__cloudexit/invoke/on-order")


def test_streamed_table_is_partial_with_the_alternator_differences(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    entry = next(c for c in stack.coverage if c.origin.address == "aws_dynamodb_table.orders")
    assert entry.status == "partial" and any("REMOVE then a MODIFY" in x for x in entry.lost)
    assert status(stack, "aws_dynamodb_table.plain") == "mapped"


def test_kinesis_stays_unmapped_naming_the_options(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    entry = next(c for c in stack.coverage if c.origin.address.endswith("mapping.kinesis"))
    assert entry.status == "unmapped" and entry.blocking and entry.reason == KINESIS_REASON
    assert "Kafka" in entry.reason and "stream_arn" in entry.reason


def test_unresolvable_filter_and_other_destinations(tmp_path: Path) -> None:
    hcl = HCL.replace("aws_sqs_queue.failed.arn", '"arn:aws:sns:us-east-1:1:t"')
    lines = hcl.splitlines()
    hcl = "\n".join("pattern = var.pattern" if "REMOVE" in x else x for x in lines)
    stack = stack_of(tmp_path, 'variable "pattern" {}\n' + hcl)
    entry = next(c for c in stack.coverage if c.origin.address.endswith("mapping.orders"))
    assert entry.status == "unmapped" and entry.blocking and "filter_criteria" in entry.reason
    stack = stack_of(tmp_path, hcl.replace("filter_criteria", "dynamic_unused"))
    entry = next(c for c in stack.coverage if c.origin.address.endswith("mapping.orders"))
    assert entry.status == "partial" and any("other than an SQS" in x for x in entry.lost)


def test_a_literal_stream_arn_names_the_table(tmp_path: Path) -> None:
    arn = '"arn:aws:dynamodb:us-east-1:1:table/orders/stream/2026-01-01T00:00:00.000"'
    stack = stack_of(tmp_path, HCL.replace("aws_dynamodb_table.orders.stream_arn", arn))
    assert status(stack, "aws_lambda_event_source_mapping.orders") == "mapped"
    assert dict(stack.services["stream-on-order"].environment)["TABLE_NAME"] == "orders"
    other = arn.replace("orders/", "elsewhere/")
    stack = stack_of(tmp_path, HCL.replace("aws_dynamodb_table.orders.stream_arn", other))
    entry = next(c for c in stack.coverage if c.origin.address.endswith("mapping.orders"))
    assert entry.status == "unmapped" and "not in this configuration" in entry.reason


@pytest.mark.parametrize(
    ("pattern", "valid"),
    [
        ({"eventName": ["INSERT"]}, True),
        ({"dynamodb": {"NewImage": {"n": {"N": [{"numeric": [">", 1]}]}}}}, True),
        ({"$or": [{"a": ["x"]}, {"b": [{"exists": True}]}]}, True),
        ({"eventName": "INSERT"}, False),  # a scalar where AWS wants an array
        ({"eventName": [{"startswith": "I"}]}, False),  # unknown operator
        ({"eventName": [{"prefix": "I", "suffix": "T"}]}, False),
        ({}, False),
        (["INSERT"], False),
    ],
)
def test_filter_patterns_are_checked_at_generation(pattern: object, valid: bool) -> None:
    assert valid_pattern(pattern) is valid
