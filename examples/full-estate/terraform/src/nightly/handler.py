"""Nightly job: enqueues a report job on the jobs queue (ElasticMQ self-hosted)."""

from __future__ import annotations

import json
import os

import boto3


def handler(event: dict, context: object) -> dict:
    sqs = boto3.client("sqs")
    body = json.dumps({"order_id": "nightly-report", "time": event.get("time")})
    sqs.send_message(QueueUrl=os.environ["JOBS_QUEUE_URL"], MessageBody=body)
    return {"enqueued": 1}
