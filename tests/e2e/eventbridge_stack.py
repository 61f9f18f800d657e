"""The EventBridge estate of tests/e2e/test_eventbridge.py and bench/eventbridge_bench.py:
the generated eventbridge service (templates/extras/eventbridge.py) and lambda-invoke as local
processes in front of a real Python shim, and moto's SQS server, wired as the stack wires them."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from tests.e2e import invoke_service as svc
from tests.runtime import harness
from tests.servers import REPO, free_port, wait_http

SCRIPT = REPO / "templates" / "extras" / "eventbridge.py"
KEYS = {"aws_access_key_id": "x", "aws_secret_access_key": "x", "region_name": "us-east-1"}
PATTERN = {
    "source": ["shop.orders"],
    "detail-type": ["OrderPlaced"],
    "detail": {"total": [{"numeric": [">", 100]}], "country": [{"anything-but": ["XX"]}]},
}


@dataclass
class Estate:
    events_url: str
    invoke_url: str
    sqs: Any
    queues: dict[str, str]
    records: Path

    def events(self) -> Any:
        return boto3.client("events", endpoint_url=self.events_url, **KEYS)


TOPIC = "arn:aws:sns:us-east-1:000000000000:alerts"
SNS_SCRIPT = REPO / "templates" / "extras" / "sns_fanout.py"


def _rules(invoke_url: str, queues: dict[str, str], sns_url: str) -> dict[str, Any]:
    def lambda_target(function: str) -> dict[str, Any]:
        return {"id": "fn", "kind": "lambda", "function": function, "endpoint": invoke_url,
                "arn": f"arn:aws:lambda:us-east-1:000000000000:function:{function}",
                "retries": 185, "maxAge": 86400}  # fmt: skip

    queue_target = {
        "id": "audit", "kind": "sqs", "queue": queues["audit"], "retries": 185, "maxAge": 86400,
        "arn": "arn:aws:sqs:us-east-1:000000000000:audit",
        "transformer": {
            "paths": {"id": "$.detail.id", "total": "$.detail.total"},
            "template": '{"order": <id>, "text": "order <id> of <total>", '
            '"rule": "<aws.events.rule-name>"}',
        },
    }  # fmt: skip
    broken = {"id": "broken", "kind": "sqs", "queue": queues["audit"] + "-missing",
              "arn": "arn:aws:sqs:us-east-1:000000000000:gone", "retries": 2, "maxAge": 60,
              "dlq": queues["dlq"]}  # fmt: skip
    return {
        "region": "us-east-1",
        "account": "000000000000",
        "buses": {"default": {}, "orders": {}},
        "rules": [
            {"name": "placed", "arn": "arn:aws:events:us-east-1:000000000000:rule/orders/placed",
             "bus": "orders", "pattern": PATTERN, "enabled": True,
             "targets": [lambda_target("recorder"), queue_target]},
            {"name": "forward", "arn": "arn:aws:events:us-east-1:000000000000:rule/forward",
             "bus": "default", "pattern": {"source": ["shop.forward"]}, "enabled": True,
             "targets": [{"id": "b", "kind": "bus", "bus": "orders", "arn": "x"}]},
            {"name": "failing", "arn": "arn:aws:events:us-east-1:000000000000:rule/failing",
             "bus": "default", "pattern": {"source": ["shop.failing"]}, "enabled": True,
             "targets": [broken]},
            {"name": "ordered", "arn": "arn:aws:events:us-east-1:000000000000:rule/ordered",
             "bus": "default", "pattern": {"source": ["shop.ordered"]}, "enabled": True,
             "targets": [{"id": "f", "kind": "sqs", "queue": queues["ordered.fifo"],
                          "arn": "arn:aws:sqs:us-east-1:000000000000:ordered.fifo",
                          "group": "g1", "retries": 2, "maxAge": 60}]},
            {"name": "notify", "arn": "arn:aws:events:us-east-1:000000000000:rule/notify",
             "bus": "default", "pattern": {"source": ["shop.notify"]}, "enabled": True,
             "targets": [{"id": "t", "kind": "sns", "topic": TOPIC, "endpoint": sns_url,
                          "arn": TOPIC, "inputPath": "$.detail", "retries": 2, "maxAge": 60}]},
        ],
    }  # fmt: skip


@contextlib.contextmanager
def _service(script: Path, config: dict[str, Any], tmp: Path, port: int) -> Iterator[str]:
    """A generated stdlib service (eventbridge, sns fan-out) as a local process."""
    path = tmp / f"{script.stem}.json"
    path.write_text(json.dumps(config))
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1")
    env.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x")
    env.update(EVENTS_RETRY_SCALE="0.02", SNS_RETRY_SCALE="0.02")
    with (tmp / f"{script.stem}.log").open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, str(script), str(path)], env=env, stdout=out, stderr=out
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/health", timeout=15)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextlib.contextmanager
def running(tmp: Path) -> Iterator[Estate]:
    records = tmp / "records"
    records.mkdir()
    sqs_port, invoke_port, events_port, sns_port = (free_port() for _ in range(4))
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=sqs_port, verbose=False)
    moto.start()
    try:
        sqs = boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{sqs_port}", **KEYS)
        queues = {
            n: sqs.create_queue(QueueName=n)["QueueUrl"] for n in ("audit", "dlq", "notified")
        }
        fifo = sqs.create_queue(QueueName="ordered.fifo", Attributes={"FifoQueue": "true"})
        queues["ordered.fifo"] = fifo["QueueUrl"]
        topics = {"topics": {TOPIC: {"name": "alerts", "fifo": False, "subscriptions": [
            {"protocol": "sqs", "arn": f"{TOPIC}:s", "raw": True, "endpoint": queues["notified"]}
        ]}}}  # fmt: skip
        sns_url = f"http://127.0.0.1:{sns_port}"
        invoke_url = f"http://127.0.0.1:{invoke_port}"
        env = {
            "RECORD_DIR": str(records),
            "AWS_ENDPOINT_URL_EVENTBRIDGE": f"http://127.0.0.1:{events_port}",
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_REGION": "us-east-1",
        }
        functions = {
            "recorder": {"handler": "record.handler", "codeDir": "python", "timeout": 5},
            "publisher": {"handler": "publish.handler", "codeDir": "python", "timeout": 10},
        }
        shim_config = {"api": {"id": "a", "kind": "rest", "stage": "prod", "binaryMediaTypes": []},
                       "functions": functions, "routes": []}  # fmt: skip
        with harness.start("python", shim_config, tmp, env) as shim:
            base = f"http://127.0.0.1:{shim.port}/__cloudexit/invoke/"
            entries = {n: svc.function_entry(base + n) for n in functions}
            invoke_config = {"region": "us-east-1", "notifications": [], "functions": entries}
            with (
                svc.start(invoke_config, tmp, invoke_port, tmp / "journal.sqlite3"),
                _service(SNS_SCRIPT, topics, tmp, sns_port),
                _service(
                    SCRIPT, _rules(invoke_url, queues, sns_url), tmp, events_port
                ) as events_url,
            ):
                yield Estate(events_url, invoke_url, sqs, queues, records)
    finally:
        moto.stop()
