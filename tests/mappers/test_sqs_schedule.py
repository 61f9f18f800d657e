from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from cloudexit_ci.mappers.schedule import NotTranslated, translate
from tests.mappers.helpers import stack_of, status, view

HCL = """
resource "aws_sqs_queue" "dlq" {
  name = "jobs-dlq"
}
resource "aws_sqs_queue" "jobs" {
  name                       = "jobs"
  visibility_timeout_seconds = 45
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 4
  })
}
resource "aws_sqs_queue" "orders" {
  name                        = "orders.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
  kms_master_key_id           = "alias/aws/sqs"
}
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  runtime       = "python3.12"
  handler       = "h.handler"
  filename      = "w.zip"
  environment {
    variables = { QUEUE = aws_sqs_queue.jobs.url }
  }
}
resource "aws_lambda_event_source_mapping" "m" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
  batch_size       = 7
}
resource "aws_lambda_event_source_mapping" "stream" {
  event_source_arn = "arn:aws:kinesis:us-east-1:1:stream/x"
  function_name    = aws_lambda_function.worker.arn
}
resource "aws_cloudwatch_event_rule" "every5" {
  name                = "every5"
  schedule_expression = "rate(5 minutes)"
}
resource "aws_cloudwatch_event_target" "t" {
  rule  = aws_cloudwatch_event_rule.every5.name
  arn   = aws_lambda_function.worker.arn
  input = jsonencode({ kind = "tick" })
}
resource "aws_cloudwatch_event_rule" "last" {
  name                = "last"
  schedule_expression = "cron(0 0 L * ? *)"
}
resource "aws_cloudwatch_event_rule" "pattern" {
  name          = "pattern"
  event_pattern = jsonencode({ source = ["aws.s3"] })
}
resource "aws_scheduler_schedule" "s" {
  name                = "s"
  schedule_expression = "cron(15 10 ? * 2#1 *)"
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = aws_lambda_function.worker.arn
    role_arn = "arn:aws:iam::1:role/x"
  }
}
"""


def test_sqs_and_schedule_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    stack = stack_of(tmp_path, HCL)
    assert view(stack, ("elasticmq", "poll-worker", "scheduler")) == snapshot


def test_queues_poller_and_schedules(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    conf = view(stack)["files"]["elasticmq/elasticmq.conf"]
    assert '"jobs" {' in conf and 'name = "jobs-dlq"' in conf and "maxReceiveCount = 4" in conf
    assert '"orders.fifo"' in conf and "fifo = true" in conf
    assert stack.function_env["AWS_ENDPOINT_URL_SQS"] == "http://elasticmq:9324"
    fn_env = dict(stack.functions["worker"].environment)
    assert fn_env["QUEUE"] == "http://elasticmq:9324/000000000000/jobs"
    poller = dict(stack.services["poll-worker"].environment)
    assert poller["BATCH_SIZE"] == "7"
    assert poller["INVOKE_URL"] == "http://worker:8080/__cloudexit/invoke/worker"
    assert status(stack, "aws_lambda_event_source_mapping.stream") == "unmapped"
    assert status(stack, "aws_cloudwatch_event_rule.last") == "unmapped"
    assert status(stack, "aws_cloudwatch_event_rule.pattern") == "unmapped"
    assert status(stack, "aws_scheduler_schedule.s") == "unmapped"
    assert status(stack, "aws_cloudwatch_event_target.t") == "mapped"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("rate(1 minute)", (60, None)),
        ("rate(2 hours)", (7200, None)),
        ("cron(0 12 * * ? *)", (None, "0 12 * * *")),
        ("cron(30 2 ? * MON-FRI *)", (None, "30 2 * * 1-5")),
        ("cron(0/15 * ? * 1,7 *)", (None, "0/15 * * * 0,6")),
        ("cron(0 8 1 JAN ? *)", (None, "0 8 1 1 *")),
    ],
)
def test_translate(expression: str, expected: tuple[int | None, str | None]) -> None:
    assert translate(expression) == expected


@pytest.mark.parametrize(
    "expression",
    ["cron(0 0 L * ? *)", "cron(0 0 ? * 6#3 *)", "cron(0 0 1W * ? *)", "cron(0 0 1 1 ? 2030)", "x"],
)
def test_not_translated(expression: str) -> None:
    with pytest.raises(NotTranslated):
        translate(expression)
