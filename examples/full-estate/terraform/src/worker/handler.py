"""SQS worker: records each job in PostgreSQL; reports failed records individually."""

from __future__ import annotations

import json
import os


def process(job: dict) -> None:
    if "order_id" not in job:
        raise ValueError("job without order_id")
    # A real worker would write to os.environ["DB_HOST"] / DB_NAME here.
    print(json.dumps({"processed": job["order_id"], "db": os.environ.get("DB_NAME")}))


def handler(event: dict, context: object) -> dict:
    failures = []
    for record in event.get("Records", []):
        try:
            process(json.loads(record["body"]))
        except (ValueError, KeyError) as exc:
            print(f"failed {record['messageId']}: {exc}")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
