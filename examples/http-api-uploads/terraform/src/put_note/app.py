"""POST /notes: store {"owner", "text"} with a generated id and createdAt (epoch ms)."""

import base64
import json
import os
import time
import uuid

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    raw = event.get("body") or ""
    text = base64.b64decode(raw).decode("utf-8") if event.get("isBase64Encoded") else raw
    try:
        note = json.loads(text)
    except ValueError:
        note = None
    if not isinstance(note, dict) or not note.get("owner"):
        return {"statusCode": 400, "body": json.dumps({"message": "need a JSON object with owner"})}
    item = {
        "id": str(uuid.uuid4()),
        "owner": str(note["owner"]),
        "text": str(note.get("text", "")),
        "createdAt": int(time.time() * 1000),
    }
    table.put_item(Item=item)
    return {"statusCode": 201, "headers": {"Content-Type": "application/json"}, "body": json.dumps(item)}
