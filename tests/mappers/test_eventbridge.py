"""EventBridge in the generated stack: buses, event-pattern rules and targets become the
`eventbridge` service's rules.json; schedule rules stay the scheduler's (never both);
rules that match only events AWS services emit are reported unmapped; statuses honest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cloudexit_ci.render import compose, traefik
from cloudexit_ci.render.extras import extra_files
from cloudexit_ci.stack import Stack
from tests.mappers.helpers import stack_of, status

HCL = """
resource "aws_lambda_function" "handler" {
  function_name = "orders-handler"
  runtime       = "python3.12"
  handler       = "h.handler"
  filename      = "a.zip"
}
resource "aws_sqs_queue" "audit" {
  name = "audit"
}
resource "aws_sqs_queue" "dlq" {
  name = "events-dlq"
}
resource "aws_sns_topic" "alerts" {
  name = "alerts"
}
resource "aws_cloudwatch_event_bus" "orders" {
  name = "orders"
}
resource "aws_cloudwatch_event_rule" "placed" {
  name           = "order-placed"
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  event_pattern = jsonencode({
    source      = ["shop.orders"]
    detail-type = ["OrderPlaced"]
    detail      = { total = [{ numeric = [">", 100] }] }
  })
}
resource "aws_cloudwatch_event_target" "fn" {
  rule           = aws_cloudwatch_event_rule.placed.name
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  arn            = aws_lambda_function.handler.arn
  retry_policy {
    maximum_retry_attempts       = 3
    maximum_event_age_in_seconds = 600
  }
  dead_letter_config {
    arn = aws_sqs_queue.dlq.arn
  }
}
resource "aws_cloudwatch_event_target" "q" {
  rule           = aws_cloudwatch_event_rule.placed.name
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  arn            = aws_sqs_queue.audit.arn
  input_transformer {
    input_paths    = { id = "$.detail.id" }
    input_template = "{\\"order\\": <id>}"
  }
}
resource "aws_cloudwatch_event_target" "topic" {
  rule           = aws_cloudwatch_event_rule.placed.name
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  arn            = aws_sns_topic.alerts.arn
  input_path     = "$.detail"
}
resource "aws_cloudwatch_event_rule" "forward" {
  name          = "forward"
  event_pattern = "{\\"source\\": [\\"shop.orders\\", \\"aws.s3\\"]}"
}
resource "aws_cloudwatch_event_target" "to_bus" {
  rule = aws_cloudwatch_event_rule.forward.name
  arn  = aws_cloudwatch_event_bus.orders.arn
}
resource "aws_cloudwatch_event_rule" "s3" {
  name          = "s3-created"
  event_pattern = jsonencode({ source = ["aws.s3"], detail-type = ["Object Created"] })
}
resource "aws_cloudwatch_event_target" "s3fn" {
  rule = aws_cloudwatch_event_rule.s3.name
  arn  = aws_lambda_function.handler.arn
}
resource "aws_cloudwatch_event_rule" "lonely" {
  name          = "lonely"
  event_pattern = jsonencode({ source = ["shop"] })
}
resource "aws_cloudwatch_event_target" "ecs" {
  rule = aws_cloudwatch_event_rule.lonely.name
  arn  = "arn:aws:ecs:us-east-1:123456789012:cluster/x"
}
resource "aws_cloudwatch_event_rule" "nightly" {
  name                = "nightly"
  schedule_expression = "rate(1 day)"
}
resource "aws_cloudwatch_event_target" "nightly" {
  rule = aws_cloudwatch_event_rule.nightly.name
  arn  = aws_lambda_function.handler.arn
}
"""


def _rules(stack: Stack) -> dict[str, Any]:
    data, _ = extra_files(stack, "header")["eventbridge/rules.json"]
    found: dict[str, Any] = json.loads(data)
    return found


def test_statuses(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    expected = {
        "aws_cloudwatch_event_bus.orders": "mapped",
        "aws_cloudwatch_event_rule.placed": "mapped",
        "aws_cloudwatch_event_target.fn": "mapped",
        "aws_cloudwatch_event_target.q": "mapped",
        "aws_cloudwatch_event_target.topic": "mapped",
        "aws_cloudwatch_event_rule.forward": "partial",  # aws.s3 half is never emitted
        "aws_cloudwatch_event_target.to_bus": "mapped",
        "aws_cloudwatch_event_rule.s3": "unmapped",
        "aws_cloudwatch_event_target.s3fn": "unmapped",
        "aws_cloudwatch_event_rule.lonely": "unmapped",  # its only target is not served
        "aws_cloudwatch_event_target.ecs": "unmapped",
        "aws_cloudwatch_event_rule.nightly": "mapped",
        "aws_cloudwatch_event_target.nightly": "mapped",
    }
    assert {a: status(stack, a) for a in expected} == expected
    reasons = {c.origin.address: (c.reason, c.lost, c.blocking) for c in stack.coverage}
    assert "aws.s3" in reasons["aws_cloudwatch_event_rule.s3"][0]
    assert "aws.s3" in reasons["aws_cloudwatch_event_rule.forward"][1][0]
    assert reasons["aws_cloudwatch_event_target.ecs"][2]  # a target that is lost blocks
    assert "scheduler" in reasons["aws_cloudwatch_event_target.nightly"][0]


def test_rules_json(tmp_path: Path) -> None:
    config = _rules(stack_of(tmp_path, HCL))
    assert config["buses"] == {"default": {}, "orders": {}}
    by_name = {r["name"]: r for r in config["rules"]}
    assert sorted(by_name) == ["forward", "order-placed"]  # not the schedule, not aws.s3-only
    placed = by_name["order-placed"]
    assert placed["bus"] == "orders"
    assert placed["arn"] == "arn:aws:events:us-east-1:000000000000:rule/orders/order-placed"
    assert placed["pattern"]["detail"] == {"total": [{"numeric": [">", 100]}]}
    targets = {t["id"]: t for t in placed["targets"]}
    assert targets["fn"] == {
        "id": "fn",
        "kind": "lambda",
        "function": "orders-handler",
        "endpoint": "http://lambda-invoke:9912",
        "arn": "arn:aws:lambda:us-east-1:000000000000:function:orders-handler",
        "retries": 3,
        "maxAge": 600,
        "dlq": "http://elasticmq:9324/000000000000/events-dlq",
    }
    assert targets["q"]["queue"] == "http://elasticmq:9324/000000000000/audit"
    assert targets["q"]["transformer"] == {
        "paths": {"id": "$.detail.id"},
        "template": '{"order": <id>}',
    }
    assert (targets["q"]["retries"], targets["q"]["maxAge"]) == (185, 86400)  # AWS defaults
    assert targets["topic"]["topic"] == "arn:aws:sns:us-east-1:000000000000:alerts"
    assert targets["topic"]["inputPath"] == "$.detail"
    forward = by_name["forward"]
    assert forward["bus"] == "default" and forward["targets"][0]["bus"] == "orders"


def test_service_and_endpoint(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    services = compose.compose_document(stack)["services"]
    service = services["eventbridge"]
    assert service["networks"] == ["backend"] and "ports" not in service
    assert service["stop_grace_period"] == "30s" and service["healthcheck"]["test"][0] == "CMD"
    assert set(service["depends_on"]) == {"elasticmq", "lambda-invoke", "sns"}
    assert services["orders-handler"]["environment"]["AWS_ENDPOINT_URL_EVENTBRIDGE"] == (
        "http://eventbridge:9913"
    )
    edge = json.dumps([doc for doc, _ in traefik.dynamic_files(stack).values()])
    assert "eventbridge" not in edge and "9913" not in edge  # no route from outside
    _, sources = extra_files(stack, "header")["eventbridge/rules.json"]
    assert (
        "aws_cloudwatch_event_target.q" in sources and "aws_cloudwatch_event_bus.orders" in sources
    )
    assert "aws_cloudwatch_event_rule.nightly" not in sources


def test_scheduler_keeps_schedule_rules(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    data, _ = extra_files(stack, "header")["scheduler/schedules.json"]
    assert "nightly" in data.decode() and "order-placed" not in data.decode()


def test_no_eventbridge_no_service(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL.split('resource "aws_sqs_queue" "audit"')[0])
    assert "eventbridge" not in stack.services
    assert "AWS_ENDPOINT_URL_EVENTBRIDGE" not in stack.function_env


def test_rule_on_unknown_bus_and_bad_pattern(tmp_path: Path) -> None:
    hcl = """
resource "aws_cloudwatch_event_rule" "elsewhere" {
  name           = "elsewhere"
  event_bus_name = "partner-bus"
  event_pattern  = jsonencode({ source = ["x"] })
}
resource "aws_cloudwatch_event_rule" "bad" {
  name          = "bad"
  event_pattern = "not json"
}
"""
    stack = stack_of(tmp_path, hcl)
    assert status(stack, "aws_cloudwatch_event_rule.elsewhere") == "unmapped"
    bad = next(c for c in stack.coverage if c.origin.address == "aws_cloudwatch_event_rule.bad")
    assert bad.status == "unmapped" and bad.blocking


def test_pattern_problems_are_blocking(tmp_path: Path) -> None:
    hcl = """
resource "aws_cloudwatch_event_rule" "typo" {
  name          = "typo"
  event_pattern = jsonencode({ detail = { key = [{ prefx = "a" }] } })
}
resource "aws_cloudwatch_event_rule" "scalar" {
  name          = "scalar"
  event_pattern = jsonencode({ source = "shop" })
}
resource "aws_cloudwatch_event_rule" "cloudtrail" {
  name          = "cloudtrail"
  state         = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
  event_pattern = jsonencode({
    source = ["shop"], "$or" = [{ a = [1] }, { b = [{ exists = true }] }]
  })
}
resource "aws_sqs_queue" "q" {
  name = "q"
}
resource "aws_cloudwatch_event_target" "q" {
  rule = aws_cloudwatch_event_rule.cloudtrail.name
  arn  = aws_sqs_queue.q.arn
}
"""
    stack = stack_of(tmp_path, hcl)
    found = {c.origin.address: c for c in stack.coverage}
    typo = found["aws_cloudwatch_event_rule.typo"]
    assert typo.status == "unmapped" and typo.blocking and "prefx" in typo.reason
    scalar = found["aws_cloudwatch_event_rule.scalar"]
    assert scalar.status == "unmapped" and scalar.blocking and "`source`" in scalar.reason
    assert found["aws_cloudwatch_event_rule.cloudtrail"].status == "mapped"
    assert _rules(stack)["rules"][0]["enabled"] is True


def test_target_finds_its_rule_by_name_on_its_bus(tmp_path: Path) -> None:
    hcl = """
resource "aws_cloudwatch_event_bus" "a" {
  name = "a"
}
resource "aws_cloudwatch_event_bus" "b" {
  name = "b"
}
resource "aws_cloudwatch_event_rule" "on_a" {
  name           = "same"
  event_bus_name = "a"
  event_pattern  = jsonencode({ source = ["from-a"] })
}
resource "aws_cloudwatch_event_rule" "on_b" {
  name           = "same"
  event_bus_name = "b"
  event_pattern  = jsonencode({ source = ["from-b"] })
}
resource "aws_sqs_queue" "q" {
  name                        = "q.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
}
resource "aws_cloudwatch_event_target" "t" {
  rule           = "same"
  event_bus_name = "b"
  arn            = aws_sqs_queue.q.arn
  role_arn       = "arn:aws:iam::123456789012:role/events"
  sqs_target {
    message_group_id = "orders"
  }
}
"""
    stack = stack_of(tmp_path, hcl)
    assert status(stack, "aws_cloudwatch_event_target.t") == "mapped"  # role_arn loses nothing
    (rule,) = _rules(stack)["rules"]
    assert rule["bus"] == "b" and rule["pattern"] == {"source": ["from-b"]}
    assert rule["targets"][0]["group"] == "orders"
    assert status(stack, "aws_cloudwatch_event_rule.on_a") == "unmapped"  # no target


FED = """
resource "aws_s3_bucket" "uploads" {
  bucket = "uploads"
}
resource "aws_s3_bucket_notification" "uploads" {
  bucket      = aws_s3_bucket.uploads.id
  eventbridge = true
}
resource "aws_cloudwatch_event_rule" "ec2" {
  name          = "ec2-state"
  event_pattern = jsonencode({ source = ["aws.ec2"] })
}
resource "aws_cloudwatch_event_target" "ec2fn" {
  rule = aws_cloudwatch_event_rule.ec2.name
  arn  = aws_lambda_function.handler.arn
}
resource "aws_cloudwatch_event_rule" "s3_on_orders" {
  name           = "s3-on-orders"
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  event_pattern  = jsonencode({ source = ["aws.s3"] })
}
resource "aws_cloudwatch_event_target" "s3_on_orders" {
  rule           = aws_cloudwatch_event_rule.s3_on_orders.name
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  arn            = aws_lambda_function.handler.arn
}
"""


def test_aws_s3_rules_are_fed_by_bucket_notifications(tmp_path: Path) -> None:
    """A bucket notification with eventbridge = true makes aws.s3 rules of the default bus
    served; other aws.* sources and aws.s3 on another bus stay reported."""
    stack = stack_of(tmp_path, HCL + FED)
    expected = {
        "aws_cloudwatch_event_rule.s3": "mapped",  # detail-type Object Created: all emitted
        "aws_cloudwatch_event_target.s3fn": "mapped",
        "aws_cloudwatch_event_rule.forward": "partial",  # other aws.s3 event types
        "aws_cloudwatch_event_rule.ec2": "unmapped",
        "aws_cloudwatch_event_target.ec2fn": "unmapped",
        "aws_cloudwatch_event_rule.s3_on_orders": "unmapped",  # S3 sends to the default bus
        "aws_s3_bucket_notification.uploads": "partial",
    }
    assert {a: status(stack, a) for a in expected} == expected
    reasons = {c.origin.address: (c.reason, c.lost) for c in stack.coverage}
    assert "Object Created" in reasons["aws_cloudwatch_event_rule.forward"][1][0]
    assert "aws.ec2" in reasons["aws_cloudwatch_event_rule.ec2"][0]
    assert "eventbridge = true" in reasons["aws_cloudwatch_event_rule.s3_on_orders"][0]
    assert "s3-created" in {r["name"] for r in _rules(stack)["rules"]}
    data, sources = extra_files(stack, "header")["lambda-invoke/functions.json"]
    assert json.loads(data)["eventbridge"] == {
        "url": "http://eventbridge:9913/__cloudexit/aws-events",
        "account": "000000000000",
        "buckets": ["uploads"],
    }
    assert "aws_s3_bucket_notification.uploads" in sources
    assert stack.buckets["uploads"].notify_url.endswith("/__cloudexit/s3-events")
    services = compose.compose_document(stack)["services"]
    for name in ("eventbridge", "lambda-invoke"):  # the token from .env, never a value
        assert services[name]["environment"]["EVENTS_INGEST_TOKEN"].startswith(
            "${EVENTS_INGEST_TOKEN:?"
        )
    assert stack.env_vars["EVENTS_INGEST_TOKEN"].secret
    assert "EVENTS_INGEST_TOKEN" not in services["orders-handler"]["environment"]


def test_without_fed_bucket_no_token(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    assert "EVENTS_INGEST_TOKEN" not in stack.env_vars
    data, _ = extra_files(stack, "header")["lambda-invoke/functions.json"]
    assert "eventbridge" not in json.loads(data)


def test_targets_without_target_id_of_one_for_each_keep_their_keys(tmp_path: Path) -> None:
    """Instances of one target resource with no target_id are told apart by their keys."""
    hcl = """
resource "aws_sqs_queue" "q" { name = "q" }
resource "aws_cloudwatch_event_rule" "r" {
  name          = "r"
  event_pattern = jsonencode({ source = ["app"] })
}
resource "aws_cloudwatch_event_target" "t" {
  for_each = toset(["a", "b"])
  rule     = aws_cloudwatch_event_rule.r.name
  arn      = aws_sqs_queue.q.arn
}
"""
    config = _rules(stack_of(tmp_path, hcl))
    assert [t["id"] for t in config["rules"][0]["targets"]] == ['t["a"]', 't["b"]']
