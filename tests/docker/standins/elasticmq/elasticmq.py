"""ElasticMQ stand-in: reads the ElasticMQ (HOCON) configuration, serves the SQS API with moto
on rest-sqs.bind-port and creates the configured queues with their attributes."""

from __future__ import annotations

import json
import re
import signal
import sys
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

TOKEN = re.compile(r'"[^"]*"|[{}=]|[^\s{}=#]+|#[^\n]*|//[^\n]*')


def parse(text: str) -> dict[str, Any]:
    """The HOCON subset ElasticMQ configurations use: blocks, key = value, include lines."""
    lines = [line for line in text.splitlines() if not line.strip().startswith("include ")]
    tokens = [t for t in TOKEN.findall("\n".join(lines)) if not t.startswith(("#", "//"))]
    root: dict[str, Any] = {}
    stack = [root]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "}":
            stack.pop()
            i += 1
            continue
        key = token.strip('"')
        if tokens[i + 1] == "{":
            stack[-1][key] = stack[-1].get(key, {})
            stack.append(stack[-1][key])
            i += 2
            continue
        value = tokens[i + 2]
        if value.strip('"').isdigit() and i + 3 < len(tokens) and tokens[i + 3] == "seconds":
            i += 1
        stack[-1][key] = value.strip('"')
        i += 3
    return root


def attributes(name: str, queue: dict[str, Any], account: str, region: str) -> dict[str, str]:
    found = {
        "VisibilityTimeout": queue.get("defaultVisibilityTimeout"),
        "DelaySeconds": queue.get("delay"),
        "ReceiveMessageWaitTimeSeconds": queue.get("receiveMessageWait"),
    }
    if queue.get("fifo") == "true":
        found["FifoQueue"] = "true"
        found["ContentBasedDeduplication"] = queue.get("contentBasedDeduplication", "false")
    dlq = queue.get("deadLettersQueue")
    if dlq:
        target = f"arn:aws:sqs:{region}:{account}:{dlq['name']}"
        found["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": target, "maxReceiveCount": int(dlq["maxReceiveCount"])}
        )
    return {k: str(v) for k, v in found.items() if v is not None}


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        config = parse(handle.read())
    port = int(config.get("rest-sqs", {}).get("bind-port", 9324))
    region = config.get("aws", {}).get("region", "us-east-1")
    account = config.get("aws", {}).get("accountId", "000000000000")
    server = ThreadedMotoServer(ip_address="0.0.0.0", port=port)
    server.start()
    sqs = boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{port}", region_name=region,
                       aws_access_key_id="x", aws_secret_access_key="x")  # fmt: skip
    queues = config.get("queues", {})
    ordered = sorted(queues, key=lambda n: "deadLettersQueue" in queues[n])  # DLQs first
    for name in ordered:
        sqs.create_queue(QueueName=name, Attributes=attributes(name, queues[name], account, region))
        print(f"elasticmq stand-in: queue {name} created", flush=True)
    print(f"elasticmq stand-in: SQS API on :{port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # PID 1: stop at once on `docker stop`
    signal.pause()


if __name__ == "__main__":
    main(sys.argv[1])
