"""aws_s3_bucket_notification → the object store's webhook (MinIO target + `mc event add`,
SeaweedFS filer notification.toml) to lambda-invoke, with the notification's filters in
its functions.json; what cannot be delivered is partial or unmapped with the reason."""

from __future__ import annotations

import json
from pathlib import Path

from cloudexit_ci.convert import convert
from cloudexit_ci.options import Options
from cloudexit_ci.render import compose
from cloudexit_ci.render.extras import extra_files
from cloudexit_ci.render.init import s3_files
from cloudexit_ci.stack import Coverage, Stack
from cloudexit_ci.terraform.load import load_module

BASE = """
resource "aws_s3_bucket" "pics" {
  bucket = "pics"
}
resource "aws_lambda_function" "thumbs" {
  function_name = "thumbs"
  runtime       = "python3.12"
  handler       = "h.handler"
  filename      = "t.zip"
}
resource "aws_lambda_function" "audit" {
  function_name = "audit"
  runtime       = "nodejs20.x"
  handler       = "index.handler"
  filename      = "a.zip"
}
"""
NOTIFY = """
resource "aws_s3_bucket_notification" "pics" {
  bucket = aws_s3_bucket.pics.id
  lambda_function {
    id                  = "thumbnails"
    lambda_function_arn = aws_lambda_function.thumbs.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "img/"
    filter_suffix       = ".jpg"
  }
  lambda_function {
    lambda_function_arn = aws_lambda_function.audit.arn
    events              = ["s3:ObjectRemoved:Delete", "s3:ObjectRestore:Completed"]
  }
}
"""


def _stack(tmp_path: Path, hcl: str, store: str = "minio") -> Stack:
    (tmp_path / ".git").mkdir(parents=True, exist_ok=True)
    tf = tmp_path / "tf"
    tf.mkdir(exist_ok=True)
    (tf / "main.tf").write_text(hcl, encoding="utf-8")
    options = Options(
        domain="app.example.com", output_dir=str(tmp_path / "out"), object_store=store
    )
    return convert(load_module(tf, repo_root=tmp_path), options)


def _entry(stack: Stack, address: str) -> Coverage:
    return next(c for c in stack.coverage if c.origin.address == address)


def test_minio_webhook_target_and_bucket_event(tmp_path: Path) -> None:
    stack = _stack(tmp_path, BASE + NOTIFY)
    env = compose.compose_document(stack)["services"]["minio"]["environment"]
    assert env["MINIO_NOTIFY_WEBHOOK_ENABLE_LAMBDA"] == "on"
    assert env["MINIO_NOTIFY_WEBHOOK_ENDPOINT_LAMBDA"] == (
        "http://lambda-invoke:9912/__cloudexit/s3-events"
    )
    script, sources = s3_files(stack, stack_options(stack), "header")["init/s3/init.sh"]
    assert (
        b"mc event add --event put,delete --ignore-existing local/pics "
        b"arn:minio:sqs::LAMBDA:webhook" in script
    )
    assert "aws_s3_bucket_notification.pics" in sources
    data, json_sources = extra_files(stack, "header")["lambda-invoke/functions.json"]
    assert json.loads(data)["notifications"] == [
        {"bucket": "pics", "events": ["s3:ObjectCreated:*"], "function": "thumbs",
         "id": "thumbnails", "prefix": "img/", "suffix": ".jpg"},
        {"bucket": "pics", "events": ["s3:ObjectRemoved:Delete"], "function": "audit",
         "id": "tf-s3-lambda-pics-2", "prefix": "", "suffix": ""},
    ]  # fmt: skip
    assert "aws_s3_bucket_notification.pics" in json_sources
    entry = _entry(stack, "aws_s3_bucket_notification.pics")
    assert entry.status == "partial" and entry.service == "lambda-invoke"
    assert any("ObjectRestore:Completed" in text for text in entry.lost)
    assert any("lambda-invoke service is down" in text for text in entry.lost)
    assert "seaweedfs/notification.toml" not in stack.extra_files


def stack_options(stack: Stack) -> Options:
    return Options(object_store=stack.options.get("object-store", "minio"))


def test_seaweedfs_filer_webhook(tmp_path: Path) -> None:
    stack = _stack(tmp_path, BASE + NOTIFY, "seaweedfs")
    service = compose.compose_document(stack)["services"]["seaweedfs"]
    assert (
        "./seaweedfs/notification.toml:/etc/seaweedfs/notification.toml:ro" in (service["volumes"])
    )
    toml, sources = extra_files(stack, "header")["seaweedfs/notification.toml"]
    assert b"[notification.webhook]\nenabled = true\n" in toml
    assert b'endpoint = "http://lambda-invoke:9912/__cloudexit/s3-events"' in toml
    assert "aws_s3_bucket_notification.pics" in sources
    entry = _entry(stack, "aws_s3_bucket_notification.pics")
    assert entry.status == "partial"
    assert any(text.startswith("SeaweedFS names every creation") for text in entry.lost)
    assert "MINIO_NOTIFY_WEBHOOK_ENABLE_LAMBDA" not in json.dumps(
        compose.compose_document(stack)["services"]
    )


def test_without_notifications_nothing_is_sent(tmp_path: Path) -> None:
    for store in ("minio", "seaweedfs"):
        stack = _stack(tmp_path / store, BASE, store)
        assert "MINIO_NOTIFY" not in json.dumps(compose.compose_document(stack)["services"])
        assert "seaweedfs/notification.toml" not in stack.extra_files


def test_what_is_not_delivered(tmp_path: Path) -> None:
    hcl = BASE + """
resource "aws_sqs_queue" "q" {
  name = "q"
}
resource "aws_s3_bucket" "other" {
  bucket = "other"
}
resource "aws_s3_bucket_notification" "bus" {
  bucket      = aws_s3_bucket.other.id
  eventbridge = true
}
resource "aws_s3_bucket_notification" "queue" {
  bucket = "elsewhere-bucket"
  queue {
    queue_arn = aws_sqs_queue.q.arn
    events    = ["s3:ObjectCreated:*"]
  }
}
resource "aws_s3_bucket_notification" "mixed" {
  bucket      = aws_s3_bucket.pics.id
  eventbridge = true
  lambda_function {
    lambda_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:not-here"
    events              = ["s3:ObjectCreated:*"]
  }
  lambda_function {
    lambda_function_arn = aws_lambda_function.thumbs.arn
    events              = ["s3:ObjectCreated:Put"]
  }
}
"""  # fmt: skip
    stack = _stack(tmp_path, hcl)
    bus = _entry(stack, "aws_s3_bucket_notification.bus")  # EventBridge only: delivered there
    assert bus.status == "partial" and "`eventbridge` service (aws.s3)" in bus.reason
    assert _entry(stack, "aws_s3_bucket_notification.queue").status == "unmapped"
    mixed = _entry(stack, "aws_s3_bucket_notification.mixed")
    assert mixed.status == "partial"
    assert any("EventBridge" in text for text in mixed.lost)
    assert any("not-here" in text and "not a function" in text for text in mixed.lost)
    assert stack.buckets["other"].notify_url.endswith("/__cloudexit/s3-events")
    assert stack.buckets["pics"].notify_url.endswith("/__cloudexit/s3-events")
