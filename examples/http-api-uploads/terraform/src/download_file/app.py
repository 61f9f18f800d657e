"""GET /files/{key}: return the S3 object, base64-encoded so binary content survives."""

import base64
import json
import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    key = (event.get("pathParameters") or {}).get("key")
    try:
        obj = s3.get_object(Bucket=os.environ["BUCKET_NAME"], Key=key)
    except s3.exceptions.NoSuchKey:
        return {"statusCode": 404, "body": json.dumps({"message": "not found"})}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": obj.get("ContentType", "application/octet-stream")},
        "isBase64Encoded": True,
        "body": base64.b64encode(obj["Body"].read()).decode("ascii"),
    }
