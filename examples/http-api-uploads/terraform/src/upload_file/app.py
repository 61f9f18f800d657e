"""PUT /files/{key}: store the request body in S3 (binary bodies arrive base64-encoded)."""

import base64
import json
import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    key = (event.get("pathParameters") or {}).get("key")
    if not key:
        return {"statusCode": 400, "body": json.dumps({"message": "missing key"})}
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode("utf-8")
    content_type = (event.get("headers") or {}).get("content-type", "application/octet-stream")
    s3.put_object(Bucket=os.environ["BUCKET_NAME"], Key=key, Body=body, ContentType=content_type)
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"key": key, "size": len(body), "contentType": content_type}),
    }
