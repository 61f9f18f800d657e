"""SNS topics → the `sns` Publish fan-out: the mapping, and the service itself over real HTTP
(boto3 publishes; moto's SQS server stands in for ElasticMQ; a stand-in shim records invokes)."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import boto3
import pytest
from syrupy.assertion import SnapshotAssertion

from tests.mappers.helpers import stack_of, status, view
from tests.servers import REPO, _process, free_port, tool, wait_http

HCL = """
resource "aws_sqs_queue" "audit" {
  name = "audit"
}
resource "aws_sqs_queue" "raw" {
  name = "raw"
}
resource "aws_lambda_function" "notify" {
  function_name = "notify"
  runtime       = "python3.12"
  handler       = "h.handler"
  filename      = "n.zip"
  timeout       = 10
  environment {
    variables = { TOPIC = aws_sns_topic.orders.arn }
  }
}
resource "aws_sns_topic" "orders" {
  name              = "orders"
  kms_master_key_id = "alias/aws/sns"
}
resource "aws_sns_topic_subscription" "audit" {
  topic_arn     = aws_sns_topic.orders.arn
  protocol      = "sqs"
  endpoint      = aws_sqs_queue.audit.arn
  filter_policy = jsonencode({ kind = ["big"] })
}
resource "aws_sns_topic_subscription" "raw" {
  topic_arn            = aws_sns_topic.orders.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.raw.arn
  raw_message_delivery = true
}
resource "aws_sns_topic_subscription" "fn" {
  topic_arn = aws_sns_topic.orders.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.notify.arn
}
resource "aws_sns_topic_subscription" "hook" {
  topic_arn = aws_sns_topic.orders.arn
  protocol  = "https"
  endpoint  = "https://hooks.example.org/orders"
}
resource "aws_sns_topic_subscription" "mail" {
  topic_arn = aws_sns_topic.orders.arn
  protocol  = "email"
  endpoint  = "ops@example.com"
}
"""


def test_sns_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    stack = stack_of(tmp_path, HCL)
    assert view(stack, ("sns",)) == snapshot


def test_sns_mapping(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    assert stack.function_env["AWS_ENDPOINT_URL_SNS"] == "http://sns:9911"
    assert dict(stack.functions["notify"].environment)["TOPIC"] == (
        "arn:aws:sns:us-east-1:000000000000:orders"
    )
    config = stack.extra_files["sns/topics.json"].data
    subs = {s["arn"].rsplit(":", 1)[1]: s for s in config["topics"][next(iter(config["topics"]))]
            ["subscriptions"]}  # fmt: skip
    assert set(subs) == {"audit", "raw", "fn", "hook"}
    assert subs["raw"]["raw"] and not subs["audit"]["raw"]
    assert subs["audit"]["endpoint"] == "http://elasticmq:9324/000000000000/audit"
    assert subs["fn"]["endpoint"].endswith(":8080/__cloudexit/invoke/notify")
    assert status(stack, "aws_sns_topic.orders") == "partial"
    assert status(stack, "aws_sns_topic_subscription.audit") == "partial"  # filter policy
    assert status(stack, "aws_sns_topic_subscription.raw") == "mapped"
    assert status(stack, "aws_sns_topic_subscription.mail") == "unmapped"
    service = stack.services["sns"]
    assert service.image == "python:3.12.11-slim-bookworm" and not service.ports
    assert {d.service for d in service.depends_on} >= {"elasticmq"}


# ---------------------------------------------------------------- the service, for real


def _fanout() -> ModuleType:
    path = REPO / "templates" / "extras" / "sns_fanout.py"
    if str(path.parent) not in sys.path:  # aws_sigv4 beside it, as in its container
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location("sns_fanout", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def _serve(server: HTTPServer) -> str:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def sqs_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with _process([tool("moto_server"), "-H", "127.0.0.1", "-p", str(port)], log):
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/moto-api/", timeout=30, ok=())
        yield url


def _client(service: str, url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )


def _receive(sqs: Any, queue: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = sqs.receive_message(
            QueueUrl=queue, MessageAttributeNames=["All"], WaitTimeSeconds=1
        ).get("Messages", [])
        if got:
            return dict(got[0])
    raise AssertionError(f"nothing arrived in {queue}")


def test_publish_fans_out_over_real_http(sqs_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNS_RETRY_SCALE", "0")
    fanout = _fanout()
    sqs = _client("sqs", sqs_url)
    enveloped = sqs.create_queue(QueueName="audit")["QueueUrl"]
    raw = sqs.create_queue(QueueName="raw")["QueueUrl"]
    recorder: type[_Recorder] = type("Rec", (_Recorder,), {"seen": []})
    shim = _serve(HTTPServer(("127.0.0.1", 0), recorder))
    arn = "arn:aws:sns:us-east-1:000000000000:orders"
    config = {"topics": {arn: {"name": "orders", "fifo": False, "subscriptions": [
        {"protocol": "sqs", "arn": arn + ":audit", "raw": False, "endpoint": enveloped},
        {"protocol": "sqs", "arn": arn + ":raw", "raw": True, "endpoint": raw},
        {"protocol": "lambda", "arn": arn + ":fn", "raw": False, "timeout": 5,
         "endpoint": shim + "/__cloudexit/invoke/notify"},
    ]}}}  # fmt: skip
    server = fanout.make_server(config, "127.0.0.1", 0)
    sns = _client("sns", _serve(server))
    try:
        reply = sns.publish(
            TopicArn=arn,
            Message="order 42 shipped",
            Subject="shipping",
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "big"}},
        )
        assert len(reply["MessageId"]) == 36
        body = json.loads(_receive(sqs, enveloped)["Body"])
        assert body["Type"] == "Notification" and body["TopicArn"] == arn
        assert body["Message"] == "order 42 shipped" and body["Subject"] == "shipping"
        assert body["MessageId"] == reply["MessageId"]
        assert body["MessageAttributes"] == {"kind": {"Type": "String", "Value": "big"}}
        bare = _receive(sqs, raw)
        assert bare["Body"] == "order 42 shipped"
        assert bare["MessageAttributes"]["kind"]["StringValue"] == "big"
        deadline = time.monotonic() + 10
        while not recorder.seen and time.monotonic() < deadline:
            time.sleep(0.05)
        path, headers, data = recorder.seen[0]
        assert path == "/__cloudexit/invoke/notify"
        assert "X-Forwarded-For" not in headers
        record = json.loads(data)["Records"][0]
        assert record["EventSource"] == "aws:sns" and record["EventSubscriptionArn"] == arn + ":fn"
        assert record["Sns"]["Message"] == "order 42 shipped"
        assert record["Sns"]["MessageAttributes"]["kind"]["Value"] == "big"
    finally:
        server.shutdown()


def test_errors_and_other_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    fanout = _fanout()
    arn = "arn:aws:sns:us-east-1:000000000000:t"
    server = fanout.make_server(
        {"topics": {arn: {"name": "t", "fifo": False, "subscriptions": []}}}, "127.0.0.1", 0
    )
    sns = _client("sns", _serve(server))
    try:
        assert sns.create_topic(Name="t")["TopicArn"] == arn
        assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [arn]
        with pytest.raises(sns.exceptions.NotFoundException):
            sns.publish(TopicArn=arn + "x", Message="m")
        with pytest.raises(sns.exceptions.InvalidParameterException):
            sns.publish(TopicArn=arn, Message="not json", MessageStructure="json")
        with pytest.raises(sns.exceptions.ClientError):
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="x")
        assert sns.publish(TopicArn=arn, Message="nobody listens")["MessageId"]
    finally:
        server.shutdown()


def test_the_fanout_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """D3 of the container suite: as PID 1 the fan-out ignored SIGTERM, so every `docker
    compose stop` waited the full timeout and killed it (exit 137)."""
    import os
    import signal
    import subprocess
    import sys

    config = tmp_path / "topics.json"
    config.write_text(json.dumps({"topics": {}}), encoding="utf-8")
    port = free_port()
    script = REPO / "templates" / "extras" / "sns_fanout.py"
    env = {**os.environ, "PORT": str(port)}
    process = subprocess.Popen([sys.executable, str(script), str(config)], env=env)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", timeout=20)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0  # without a handler: -15 (killed by the signal)
    finally:
        process.kill()


def test_fanout_replies_are_not_held_back_by_nagle() -> None:
    """Headers and body are two writes: TCP_NODELAY, or a keep-alive SDK client waits 40 ms."""
    module = _fanout()
    handler = module.make_handler(module.Fanout({"topics": {}, "region": "us-east-1"}))
    assert handler.disable_nagle_algorithm is True
